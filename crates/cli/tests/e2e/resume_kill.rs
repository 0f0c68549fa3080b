//! A scan killed hard (SIGKILL) and resumed with the same command: together the two runs
//! report every live host of a mixed lab exactly once, identified as a scan without the
//! kill identifies it. Pins the output cut-back: records a killed run wrote after its last
//! checkpoint are dropped before the resumed run probes those hosts again.

use crate::common::{camguard, json_lines, lab_ports, start_lab, stderr, test_addr};
use camguard_lab::LabConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// Devices of the lab, inside a /26 of mostly empty addresses.
const DEVICES: usize = 24;

fn scan_args(net: &str, ports: &str, out: &Path, resume: Option<&Path>) -> Vec<String> {
    let mut args: Vec<String> = [
        "scan",
        net,
        "--ports",
        ports,
        "--no-db",
        "--quiet",
        "--rate",
        "150",
        "--connect-timeout-ms",
        "400",
        "--checkpoint-every",
        "3",
        "-o",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(out.to_str().unwrap().to_string());
    if let Some(r) = resume {
        args.push("--resume".into());
        args.push(r.to_str().unwrap().to_string());
    }
    args
}

/// Line count of `path` (0 when missing).
fn lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// ip → vendor of every record in `path`, failing on an address reported twice.
fn vendors_once(path: &Path) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    for r in json_lines(&std::fs::read(path).unwrap()) {
        let ip = r["observation"]["ip"].as_str().unwrap().to_string();
        let vendor = r["identity"]["vendor"].as_str().unwrap_or("").to_string();
        assert!(
            seen.insert(ip.clone(), vendor).is_none(),
            "{ip} reported twice in {}",
            path.display()
        );
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_scan_resumes_with_nothing_lost_and_nothing_repeated() {
    let lab = start_lab(&LabConfig::generate(DEVICES, 11), test_addr(120, 3)).await;
    let manifest = lab.manifest().clone();
    // No TLS ports: a fleet-wide shared key would legitimately re-emit a record at the end.
    let ports: Vec<String> = lab_ports(&manifest)
        .into_iter()
        .filter(|p| ![443, 8443].contains(p))
        .map(|p| p.to_string())
        .collect();
    let ports = ports.join(",");
    let net = format!("{}/26", test_addr(120, 0));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scan.jsonl");
    let checkpoint = dir.path().join("scan.resume");
    let whole = dir.path().join("whole.jsonl");

    let (net2, ports2, out2, cp2, whole2) = (
        net.clone(),
        ports.clone(),
        out.clone(),
        checkpoint.clone(),
        whole.clone(),
    );
    let (killed_at, resumed, reference) = tokio::task::spawn_blocking(move || {
        // First run: killed with SIGKILL once a few records are out.
        let mut child = camguard()
            .args(scan_args(&net2, &ports2, &out2, Some(&cp2)))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start scan");
        let deadline = Instant::now() + Duration::from_secs(60);
        while lines(&out2) < 7 {
            assert!(Instant::now() < deadline, "the scan wrote no records");
            assert!(
                child.try_wait().unwrap().is_none(),
                "the scan ended before the kill; slow it down"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let killed_at = lines(&out2);
        // Second run: the same command resumes from the checkpoint.
        let resumed = camguard()
            .args(scan_args(&net2, &ports2, &out2, Some(&cp2)))
            .output()
            .unwrap();
        // Reference: one uninterrupted scan.
        let reference = camguard()
            .args(scan_args(&net2, &ports2, &whole2, None))
            .output()
            .unwrap();
        (killed_at, resumed, reference)
    })
    .await
    .unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains("resumed after"),
        "{}",
        stderr(&resumed)
    );
    assert!(reference.status.success(), "{}", stderr(&reference));
    assert!((7..DEVICES).contains(&killed_at), "killed at {killed_at}");

    let got = vendors_once(&out);
    let want = vendors_once(&whole);
    let lab_ips: BTreeSet<String> = manifest
        .devices
        .iter()
        .map(|d| d.address.to_string())
        .collect();
    assert_eq!(
        got.keys().cloned().collect::<BTreeSet<_>>(),
        lab_ips,
        "every lab device, nothing else"
    );
    assert_eq!(got, want, "identified as without the kill");
    let cp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&checkpoint).unwrap()).unwrap();
    assert_eq!(cp["finished"], true, "{cp}");
    assert_eq!(
        cp["output_bytes"].as_u64(),
        Some(std::fs::metadata(&out).unwrap().len()),
        "{cp}"
    );
    drop(lab);
}
