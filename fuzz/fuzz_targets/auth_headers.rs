//! Fuzz the WWW-Authenticate and Authorization parsers.
#![no_main]
use camguard_protocols::auth::{parse_authorization, parse_challenges, strongest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let challenges = parse_challenges(text);
        let _ = strongest(&challenges);
        let _ = parse_authorization(text);
    }
});
