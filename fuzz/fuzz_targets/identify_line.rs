//! Fuzz the `identify` JSON Lines front end and the rule engine behind it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ENGINE: OnceLock<camguard_fingerprint::Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| camguard_fingerprint::Engine::builtin().expect("rules"));
    let mut out = Vec::new();
    let stats = camguard_fingerprint::identify_jsonl(engine, data, &mut out).expect("in-memory i/o");
    assert_eq!(out.iter().filter(|b| **b == b'\n').count() as u64, stats.lines);
});
