//! The hostile lab against the real scanner: every hostile behaviour on its own device, one
//! `camguard scan` over all of them with short deadlines. The scan must finish in bounded
//! time with bounded memory, not panic, and report every hostile endpoint with a reason.

use crate::common::{
    address_range, camguard, json_lines, records_by_ip, require, start_lab, stderr,
};
use camguard_lab::hostile::Hostile;
use camguard_lab::LabConfig;
use std::time::{Duration, Instant};

/// Whole-scan bound.
const MAX_SCAN: Duration = Duration::from_secs(30);
/// Peak resident memory bound of the scanner, KiB.
const MAX_RSS_KIB: u64 = 200 * 1024;

fn hostile_lab_file() -> String {
    let mut text = String::from("seed = 1\n");
    for h in Hostile::ALL {
        text.push_str(&format!(
            "[[device]]\nid = \"{0}\"\npersonality = \"hostile\"\nhostile = [\"{0}\"]\n",
            h.as_str()
        ));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanning_the_hostile_lab_is_bounded_and_reasoned() {
    if !require("/usr/bin/time", &["-f", "%M", "true"]) {
        return;
    }
    let base = crate::common::test_addr(66, 1);
    let config = LabConfig::from_toml_str(&hostile_lab_file()).expect("hostile lab file");
    let lab = start_lab(&config, base).await;
    let manifest = lab.manifest().clone();
    assert_eq!(manifest.devices.len(), Hostile::ALL.len());
    let range = address_range(base, manifest.devices.len());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.jsonl");
    let rss = dir.path().join("rss.txt");
    let (out2, rss2) = (out.clone(), rss.clone());
    let started = Instant::now();
    let o = tokio::task::spawn_blocking(move || {
        let bin = camguard().get_program().to_owned();
        std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&rss2)
            .arg(bin)
            .env_remove("CAMGUARD_LOG")
            .args([
                "scan",
                &range,
                "--ports",
                "23,80,443,554,8899",
                "--connect-timeout-ms",
                "500",
                "--io-timeout-ms",
                "1500",
                "--no-db",
                "--quiet",
                "--check-credentials",
                "--prove-streams",
                "--output",
            ])
            .arg(&out2)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    lab.shutdown().await;

    let err = stderr(&o);
    assert!(o.status.success(), "scan failed: {err}");
    assert!(!err.contains("panicked"), "scanner panicked: {err}");
    assert!(
        elapsed < MAX_SCAN,
        "hostile scan took {elapsed:?} (bound {MAX_SCAN:?})"
    );
    let peak: u64 = std::fs::read_to_string(&rss)
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("peak RSS from /usr/bin/time");
    assert!(
        peak < MAX_RSS_KIB,
        "scanner peak RSS {peak} KiB (bound {MAX_RSS_KIB} KiB)"
    );
    eprintln!("hostile scan: {elapsed:?}, peak RSS {peak} KiB");

    let records = json_lines(&std::fs::read(&out).unwrap());
    let by_ip = records_by_ip(&records);
    for d in &manifest.devices {
        let r = by_ip
            .get(&d.address.to_string())
            .unwrap_or_else(|| panic!("{}: hostile device missing from the scan output", d.id));
        let endpoints = r["observation"]["endpoints"].as_array().unwrap();
        for (service, port) in &d.ports {
            let e = endpoints
                .iter()
                .find(|e| e["port"] == *port)
                .unwrap_or_else(|| panic!("{}: port {port} ({service}) not reported", d.id));
            let reason = e["reason"].as_str().unwrap_or("");
            eprintln!("{} {service}/{port}: {} — {reason}", d.id, e["state"]);
            assert!(
                !reason.trim().is_empty(),
                "{} {service}/{port}: endpoint without a reason: {e}",
                d.id
            );
            let expected = expected_reason(&d.hostile[0], service);
            assert!(
                expected.iter().any(|x| reason.contains(x)),
                "{} {service}/{port}: reason {reason:?} should mention one of {expected:?}",
                d.id
            );
        }
    }
}

/// Words the reason of a hostile endpoint must contain: the scanner names what went wrong
/// (or, for poison it never decodes, what it safely saw).
fn expected_reason(behaviour: &str, service: &str) -> Vec<&'static str> {
    match (behaviour, service) {
        ("reset_after_accept", _) => vec!["reset"],
        // Random bytes or a cut handshake record after the ClientHello: a broken TLS answer.
        ("tls_garbage", _) => vec!["protocol error"],
        ("slow_drip" | "huge_content_length" | "accept_hang", "telnet") => vec!["no banner"],
        ("slow_drip" | "huge_content_length" | "accept_hang", _) => {
            vec!["no complete answer within"]
        }
        ("endless_headers", _) => vec!["too many header lines"],
        // The scanner never inflates a body: the bomb stays a bounded excerpt of a 200.
        ("gzip_bomb", _) => vec!["http 200"],
        ("billion_laughs", _) => vec!["SOAP answer refused: document declares a DTD"],
        ("deep_nesting", _) => vec!["SOAP answer refused"],
        ("malformed_rtsp", _) => vec!["not a status line", "bad status code", "not an RTSP"],
        ("invalid_utf8", "telnet") => vec!["telnet banner"],
        ("invalid_utf8", "rtsp") => vec!["rtsp (OPTIONS answered)"],
        ("invalid_utf8", _) => vec!["http 200"],
        _ => vec!["?"],
    }
}
