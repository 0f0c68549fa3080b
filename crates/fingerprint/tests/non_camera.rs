//! Common non-camera banners must never make a camera.

use camguard_fingerprint::{identify_jsonl, Engine};
use camguard_model::Identity;

const CORPUS: &str = include_str!("non_camera.jsonl");

#[test]
fn non_camera_corpus_stays_camera_false() {
    let engine = Engine::builtin().unwrap();
    let mut out = Vec::new();
    let stats = identify_jsonl(&engine, CORPUS.as_bytes(), &mut out).unwrap();
    let inputs: Vec<&str> = CORPUS.lines().collect();
    assert!(inputs.len() >= 20);
    assert_eq!(stats.lines as usize, inputs.len());
    assert_eq!(stats.errors, 0);
    assert_eq!(stats.cameras, 0);
    for (input, line) in inputs.iter().zip(String::from_utf8(out).unwrap().lines()) {
        let id: Identity = serde_json::from_str(line).unwrap();
        assert!(!id.camera, "{input} -> {line}");
        assert!(
            !matches!(
                id.device_type,
                Some(camguard_model::DeviceType::IpCamera | camguard_model::DeviceType::Nvr)
            ),
            "{input} -> {line}"
        );
    }
}
