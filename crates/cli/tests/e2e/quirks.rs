//! The lab's behaviour switches (data/lab/quirks.toml: any-path 200, 401/404 order, 200 with a
//! challenge, odd Digest quoting, HTTP/1.0 without length, SHA-256 Digest, lockout, URL
//! credentials) against the real `camguard scan`: it must finish in bounded time, find every
//! device, and claim AUTH.NO_AUTH_STREAM only where media really flows without credentials.

use crate::common::{camguard, json_lines, repo_root, stderr};
use camguard_lab::{Lab, LabConfig, LabOptions, ManifestDevice};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Longest a scan of the quirks lab may take.
const SCAN_BUDGET: Duration = Duration::from_secs(240);

fn finding_ids(record: &serde_json::Value) -> BTreeSet<String> {
    record["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["check_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What the checks must find, from the lab's ground truth (as in lab_pipeline.rs).
fn expected_findings(d: &ManifestDevice, prove_streams: bool) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if d.rtsp_auth == "none" && prove_streams {
        ids.insert("AUTH.NO_AUTH_STREAM".to_string());
    }
    if d.onvif_auth == "none" {
        ids.insert("SURF.ANON_DEVICEINFO".to_string());
    }
    if d.telnet {
        ids.insert("SURF.TELNET".to_string());
    }
    let has_auth = d.rtsp_auth != "none" || d.web_auth != "none" || d.onvif_auth != "none";
    if d.default_password_kept && has_auth {
        ids.insert("AUTH.DEFAULT_CRED".to_string());
    }
    ids.insert("COMM.CLEARTEXT_ADMIN".to_string());
    ids
}

fn scan(base: Ipv4Addr, n: u32, ports: &[u16], prove: bool, out: &str, db: &str) {
    let last = Ipv4Addr::from(u32::from(base) + n - 1);
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let mut cmd = camguard();
    cmd.args([
        "scan",
        &format!("{base}-{last}"),
        "--ports",
        &ports.join(","),
    ])
    .args([
        "--db",
        db,
        "--output",
        out,
        "--quiet",
        "--check-credentials",
    ]);
    if prove {
        cmd.arg("--prove-streams");
    }
    let o = cmd.output().expect("run camguard scan");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_completes_against_every_quirk_without_false_stream_claims() {
    let config =
        LabConfig::from_file(&repo_root().join("data/lab/quirks.toml")).expect("quirks lab");
    // Per-process addresses: concurrent runs of this suite must not collide.
    let pid = std::process::id();
    let base = Ipv4Addr::new(127, 89, (pid % 250) as u8 + 1, 1);
    let dir = tempfile::tempdir().expect("tempdir");
    for prove in [true, false] {
        // A fresh lab per scan: the lockout device may have been locked by the first one.
        let lab = Lab::start(
            &config,
            &LabOptions {
                base,
                port_offset: 0,
            },
        )
        .await
        .expect("lab starts");
        let manifest = lab.manifest().clone();
        let ports: BTreeSet<u16> = manifest
            .devices
            .iter()
            .flat_map(|d| d.ports.values().copied())
            .collect();
        let ports: Vec<u16> = ports.into_iter().collect();
        let out = dir.path().join(format!("scan-{prove}.jsonl"));
        let db = dir.path().join(format!("db-{prove}.sqlite"));
        let (out_s, db_s) = (
            out.to_str().expect("utf-8").to_string(),
            db.to_str().expect("utf-8").to_string(),
        );
        let n = manifest.devices.len() as u32;
        let started = Instant::now();
        tokio::task::spawn_blocking(move || scan(base, n, &ports, prove, &out_s, &db_s))
            .await
            .expect("scan thread");
        let took = started.elapsed();
        lab.shutdown().await;
        assert!(took < SCAN_BUDGET, "scan took {took:?}");
        let records = json_lines(&std::fs::read(&out).expect("scan output"));
        let by_ip: HashMap<String, &serde_json::Value> = records
            .iter()
            .filter_map(|r| Some((r["observation"]["ip"].as_str()?.to_string(), r)))
            .collect();
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
