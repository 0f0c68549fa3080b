//! Identification accuracy on two corpora written from public knowledge of device banners:
//! the false-positive rate (camera = true) on non-camera devices and the detection rate on
//! cameras, DVRs and NVRs. The camera corpus was written alongside the rules, so its
//! detection rate measures coverage of known banners, not of unseen devices. Both figures are printed (`--nocapture`) and recorded in
//! docs/benchmarks.md ("Identification accuracy").

use camguard_fingerprint::Engine;
use camguard_model::FingerprintInput;

const NON_CAMERA: &str = include_str!("non_camera_corpus.jsonl");
const CAMERA: &str = include_str!("camera_corpus.jsonl");
/// Cameras seen only through banners that many other devices share (embedded web servers,
/// dropbear, BusyBox telnet, LIVE555): reported, not asserted, because no honest rule can
/// call these cameras.
const GENERIC_ONLY: &str = include_str!("camera_generic_banners.jsonl");

/// `(lines, lines identified as a camera, the lines concerned)`.
fn count_cameras(engine: &Engine, corpus: &str, want: bool) -> (usize, usize, Vec<String>) {
    let mut total = 0;
    let mut cameras = 0;
    let mut odd = Vec::new();
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let input: FingerprintInput =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("corpus line {line}: {e}"));
        let id = engine.identify(&input);
        total += 1;
        cameras += usize::from(id.camera);
        if id.camera != want {
            odd.push(format!("{line} -> {}", serde_json::to_string(&id).unwrap()));
        }
    }
    (total, cameras, odd)
}

#[test]
fn false_positive_rate_below_one_percent_and_detection_at_least_95_percent() {
    let engine = Engine::builtin().unwrap();
    let (n, fp, fps) = count_cameras(&engine, NON_CAMERA, false);
    let (c, detected, misses) = count_cameras(&engine, CAMERA, true);
    let (g, generic_detected, _) = count_cameras(&engine, GENERIC_ONLY, true);
    let fp_rate = fp as f64 / n as f64;
    let detection = detected as f64 / c as f64;
    println!(
        "identification accuracy: false positives {fp}/{n} = {:.2}%, detection {detected}/{c} = {:.2}%",
        fp_rate * 100.0,
        detection * 100.0
    );
    println!(
        "cameras showing only generic banners: detected {generic_detected}/{g} (not asserted)"
    );
    for l in &fps {
        println!("false positive: {l}");
    }
    for l in &misses {
        println!("missed camera: {l}");
    }
    assert!(n >= 300, "non-camera corpus has only {n} lines");
    assert!(c >= 100, "camera corpus has only {c} lines");
    assert!(fp_rate < 0.01, "false-positive rate {fp_rate}: {fps:#?}");
    assert!(detection >= 0.95, "detection rate {detection}: {misses:#?}");
}
