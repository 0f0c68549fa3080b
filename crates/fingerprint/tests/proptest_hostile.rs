//! Random input never panics the engine or the JSON Lines reader.

use camguard_fingerprint::{identify_jsonl, Engine};
use camguard_model::FingerprintInput;
use proptest::prelude::*;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().unwrap())
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        any::<String>().prop_map(Some),
        "(App-webs/|DS-2CD|IPC-H|WEB SERVICE|Generic|\\(none\\) login:|realm=\"|[{}()\\\\])*"
            .prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn identify_never_panics(
        a in field(), b in field(), c in field(), d in field(),
        e in field(), f in field(), g in field(), h in field(),
    ) {
        let input = FingerprintInput {
            http_server: a, html_title: b, www_authenticate: c, rtsp_server: d,
            telnet_banner: e, onvif_manufacturer: f, onvif_model: g, onvif_firmware: h,
            ..Default::default()
        };
        let id = engine().identify(&input);
        prop_assert!((0.0..=1.0).contains(&id.confidence));
    }

    #[test]
    fn jsonl_answers_every_line(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut out = Vec::new();
        let stats = identify_jsonl(engine(), bytes.as_slice(), &mut out).unwrap();
        let expected = bytes.split(|b| *b == b'\n').count() as u64
            - u64::from(bytes.is_empty() || bytes.ends_with(b"\n"));
        prop_assert_eq!(stats.lines, expected);
        let text = String::from_utf8(out).unwrap();
        prop_assert_eq!(text.lines().count() as u64, expected);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            prop_assert!(v.is_object());
        }
    }
}
