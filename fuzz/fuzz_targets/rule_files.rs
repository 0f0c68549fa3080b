//! Fuzz the fingerprint rule loaders as `--fingerprints DIR` feeds them a user's file: the
//! camguard TOML format and the Recog XML format, each parsed, compiled and indexed into an
//! engine, which then identifies one observation with the loaded rules.
#![no_main]
use camguard_fingerprint::{Engine, RuleFileKind};
use camguard_model::FingerprintInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [RuleFileKind::Toml, RuleFileKind::RecogXml] {
        let mut engine = Engine::empty();
        if let Ok(report) = engine.load_text("fuzz", kind, text) {
            if report.rules > 0 {
                let input = FingerprintInput {
                    http_server: Some(text.chars().take(256).collect()),
                    ..FingerprintInput::default()
                };
                let _ = engine.identify(&input);
            }
        }
    }
});
