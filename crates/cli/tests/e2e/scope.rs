//! Scope: public addresses need an authorised scope, checked before any packet is sent.

use crate::common::{run, stderr};
use std::process::Command;

#[test]
fn public_target_without_scope_is_refused_before_sending() {
    let started = std::time::Instant::now();
    // 192.0.2.0/24 (TEST-NET-1) is public address space; it must be refused up front.
    let o = run(&["scan", "192.0.2.10", "127.0.0.1", "--no-db", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("192.0.2.10"), "{err}");
    assert!(err.contains("--authorized-scope"), "{err}");
    // Refused during validation: no connect deadline was waited for.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn scope_file_must_contain_the_public_target() {
    let dir = tempfile::tempdir().unwrap();
    let scope = dir.path().join("scope.txt");
    std::fs::write(&scope, "# our allocation\n198.51.100.0/24\n").unwrap();
    let o = run(&[
        "scan",
        "192.0.2.10",
        "--no-db",
        "--authorized-scope",
        scope.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("192.0.2.10"), "{}", stderr(&o));
}

/// With a scope that covers the target the scan proceeds. It runs inside a fresh network
/// namespace (`unshare -n`) that has no route anywhere, so nothing can leave the machine.
#[test]
fn scope_file_that_covers_the_target_lets_the_scan_run_in_an_isolated_namespace() {
    let usable = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !usable {
        eprintln!("\n!!!!!!!! SKIPPED: `unshare -n` is not permitted here !!!!!!!!\n");
        assert!(
            !crate::common::in_ci(),
            "CI=true: unshare -n must work (run as root)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scope = dir.path().join("scope.txt");
    std::fs::write(&scope, "192.0.2.0/24\n").unwrap();
    let o = Command::new("unshare")
        .args([
            "-n",
            env!("CARGO_BIN_EXE_camguard"),
            "scan",
            "192.0.2.10",
            "--ports",
            "80",
        ])
        .args([
            "--no-db",
            "--quiet",
            "--output",
            "-",
            "--all-hosts",
            "--connect-timeout-ms",
            "300",
        ])
        .args(["--authorized-scope", scope.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = crate::common::json_lines(&o.stdout);
    assert_eq!(lines.len(), 1, "one host record");
    let ep = &lines[0]["observation"]["endpoints"][0];
    assert_eq!(ep["port"], 80);
    assert_ne!(ep["state"], "open");
}
