//! Fuzz the SDP parser, RTSP control-URL resolution, RTP header parsing and HTML title extraction.
#![no_main]
use camguard_protocols::{http, rtsp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sdp = rtsp::parse_sdp(&text);
    let _ = rtsp::resolve_control("rtsp://127.0.0.1:554/live/", Some(&text));
    let _ = sdp;
    let _ = rtsp::rtp_payload_len(data);
    let _ = http::title_of(data);
});
