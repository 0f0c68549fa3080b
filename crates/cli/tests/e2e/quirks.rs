//! The lab's behaviour switches (data/lab/quirks.toml: any-path 200, 401/404 order, 200 with a
//! challenge, odd Digest quoting, HTTP/1.0 without length, SHA-256 Digest, lockout, URL
//! credentials) against the real `camguard scan`: it must finish in bounded time, find every
//! device, and claim AUTH.NO_AUTH_STREAM only where media really flows without credentials.

use crate::common::{
    expected_findings, finding_ids, json_lines, lab_ports, records_by_ip, repo_root, scan_lab,
    start_lab,
};
use camguard_lab::LabConfig;
use std::time::{Duration, Instant};

/// Longest a scan of the quirks lab may take.
const SCAN_BUDGET: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_completes_against_every_quirk_without_false_stream_claims() {
    let config =
        LabConfig::from_file(&repo_root().join("data/lab/quirks.toml")).expect("quirks lab");
    let base = crate::common::test_addr(89, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    for prove in [true, false] {
        // A fresh lab per scan: the lockout device may have been locked by the first one.
        let lab = start_lab(&config, base).await;
        let manifest = lab.manifest().clone();
        let ports = lab_ports(&manifest);
        let out = dir.path().join(format!("scan-{prove}.jsonl"));
        let db = dir.path().join(format!("db-{prove}.sqlite"));
        let started = Instant::now();
        scan_lab(base, manifest.devices.len(), &ports, prove, &db, &out).await;
        let took = started.elapsed();
        lab.shutdown().await;
        assert!(took < SCAN_BUDGET, "scan took {took:?}");
        let records = json_lines(&std::fs::read(&out).expect("scan output"));
        let by_ip = records_by_ip(&records);
        let mut wrong = Vec::new();
        for d in &manifest.devices {
            let Some(r) = by_ip.get(&d.address.to_string()) else {
                wrong.push(format!("{}: not found by the scan", d.id));
                continue;
            };
            let got = finding_ids(r);
            // The claim this test is about: stream access only with media.
            let stream_claim = got.contains("AUTH.NO_AUTH_STREAM");
            assert_eq!(
                stream_claim,
                d.rtsp_auth == "none" && prove,
                "{} (prove_streams={prove}): AUTH.NO_AUTH_STREAM {}",
                d.id,
                r["findings"]
            );
            let want = expected_findings(d, prove);
            if got != want {
                wrong.push(format!(
                    "{} (prove_streams={prove}): got {got:?}, want {want:?}",
                    d.id
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
