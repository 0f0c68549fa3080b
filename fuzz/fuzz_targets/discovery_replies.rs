//! Fuzz the discovery and vendor-port reply parsers: SSDP answers, WS-Discovery ProbeMatches,
//! UPnP descriptions, LOCATION checks, ONVIF scopes, DHIP/DVRIP/Sofia/Hikvision SDK replies
//! and the RTMP S0/S1.
#![no_main]
use camguard_protocols::{discovery, rtmp, vendor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = discovery::parse_ssdp_reply(data) {
        if let Some(l) = r.location.as_deref() {
            let _ = discovery::location_on_host(l, [127, 0, 0, 1].into());
        }
    }
    if let Ok(matches) = discovery::parse_probe_matches(data, None) {
        for m in &matches {
            let _ = discovery::onvif_scope(&m.scopes, "hardware");
        }
    }
    let _ = discovery::parse_description(data);
    let text = String::from_utf8_lossy(data);
    let _ = discovery::split_http_url(&text);
    let _ = discovery::onvif_scope(&[text.into_owned()], "name");
    let _ = vendor::dhip_body_len(data);
    let _ = vendor::dhip_detail(data);
    let _ = vendor::dvrip_detail(data);
    if let Ok((m, _)) = vendor::sofia_header(data) {
        let _ = vendor::sofia_detail(m, data.get(20..).unwrap_or_default());
    }
    let _ = vendor::hikvision_detail(data);
    let _ = rtmp::parse_server_hello(data);
});
