//! Fuzz the bounded HTTP/RTSP message reader and the interleaved-frame reader.
#![no_main]
use camguard_protocols::wire::{read_frame, read_message, BodyMode, Limits};
use libfuzzer_sys::fuzz_target;
use tokio::io::BufReader;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_body: 4096, ..Limits::default() };
    for mode in [BodyMode::Request, BodyMode::Response] {
        let mut r = BufReader::new(data);
        if let Ok(Some(m)) = futures::executor::block_on(read_message(&mut r, &limits, mode)) {
            assert!(m.body.len() <= limits.max_body);
            let _ = m.status();
            let _ = m.request();
        }
    }
    let mut r = BufReader::new(data);
    for _ in 0..16 {
        match futures::executor::block_on(read_frame(&mut r, &limits)) {
            Ok(Some(_)) => {}
            _ => break,
        }
    }
});
