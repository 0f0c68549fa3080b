//! Fuzz the ONVIF SOAP response parsers (the scanner reads these from untrusted cameras).
#![no_main]
use camguard_protocols::onvif;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = onvif::check_fault(&text);
    let _ = onvif::parse_system_date_and_time(&text);
    let _ = onvif::parse_device_information(&text);
    let _ = onvif::parse_capabilities(&text);
    let _ = onvif::parse_profiles(&text);
    if let Ok(uri) = onvif::parse_stream_uri(&text) {
        let _ = onvif::path_of_url(&uri);
    }
});
