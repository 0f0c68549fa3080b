//! `camguard report` in every format from a real database (two `camguard demo` runs against
//! the embedded lab): CSV and SARIF agree with the JSON inventory, SARIF validates against the
//! official SARIF 2.1.0 schema, the diff report sees the vanished devices, and headless
//! Chromium opens the HTML report, prints it to A4 PDF and finds every section in the DOM.

use crate::common::{camguard, in_ci, repo_root, require, stderr, test_addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn report(db: &Path, args: &[&str]) -> Output {
    let o = camguard()
        .arg("report")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run camguard report");
    assert!(o.status.success(), "report {args:?}: {}", stderr(&o));
    o
}

fn demo(area: u8, out: &Path, devices: &str, seed: &str) {
    let base = test_addr(area, 1).to_string();
    let o = camguard()
        .args([
            "demo",
            "--devices",
            devices,
            "--seed",
            seed,
            "--base",
            &base,
        ])
        .arg("--out")
        .arg(out)
        .output()
        .expect("run camguard demo");
    assert!(o.status.success(), "demo: {}", stderr(&o));
}

/// A database with two scans: 12 lab devices, then the first 8 of another lab, in the test
/// network of `area` (one per test: they run in parallel).
fn two_scans(area: u8) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    demo(area, dir.path(), "12", "2026");
    demo(area, dir.path(), "8", "7");
    let db = dir.path().join("camguard.db");
    (dir, db)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn csv_sarif_json_and_diff_agree_on_a_demo_database() {
    let (dir, db) = two_scans(100);
    let doc = json(&report(
        &db,
        &["--format", "json", "--lang", "en", "-o", "-"],
    ));
    assert_eq!(doc["scans"].as_array().unwrap().len(), 2);
    assert_eq!(doc["trend"].as_array().unwrap().len(), 2);
    let findings: usize = doc["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["findings"].as_array().unwrap().len())
        .sum();
    assert!(findings > 10, "a demo lab has findings: {findings}");
    assert_eq!(doc["summary"]["findings"], findings as u64);

    let csv = String::from_utf8(report(&db, &["--format", "csv", "-o", "-"]).stdout).unwrap();
    assert!(csv.starts_with(
        "scan_id,ip,vendor,model,firmware,check_id,severity,port,summary,provisions,evidence\r\n"
    ));
    // Evidence cells hold JSON with commas, so count records by their CRLF terminators.
    assert_eq!(csv.matches("\r\n").count(), findings + 1);

    let sarif_path = dir.path().join("report.sarif.json");
    let sarif_text = sarif_path.to_str().unwrap();
    report(
        &db,
        &["--format", "sarif", "--lang", "vi", "-o", sarif_text],
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), findings);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Every check of the catalogue is a rule, whatever checks this build has.
    let catalogue = camguard_checks::Catalogue::builtin();
    for check in catalogue.all() {
        assert!(
            rules.iter().any(|r| r["id"] == check.id.as_str()),
            "{}",
            check.id
        );
    }
    validate_sarif(&sarif_path);

    let diff = json(&report(
        &db,
        &["--diff-latest", "--format", "json", "-o", "-"],
    ));
    assert_eq!(diff["schema"], "camguard-diff");
    assert_eq!(diff["old_scan"]["id"], 1);
    assert_eq!(diff["new_scan"]["id"], 2);
    assert_eq!(diff["totals"]["vanished_devices"], 4, "{}", diff["totals"]);
    let same = json(&report(
        &db,
        &["--diff", "1", "2", "--format", "json", "-o", "-"],
    ));
    assert_eq!(same["totals"], diff["totals"]);
    let csv =
        String::from_utf8(report(&db, &["--diff-latest", "--format", "csv", "-o", "-"]).stdout)
            .unwrap();
    assert_eq!(csv.matches("\r\ndevice_vanished,").count(), 4, "{csv}");

    // Clear errors: a scan that does not exist, the wrong order, SARIF for a diff.
    for args in [
        &["--diff", "1", "9", "-o", "-"][..],
        &["--diff", "2", "1", "-o", "-"],
        &["--diff-latest", "--format", "sarif", "-o", "-"],
        &["--format", "pdf", "-o", "-"],
    ] {
        let o = camguard()
            .arg("report")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

/// Validate with crates/report/tests/sarif/validate.js (the official SARIF 2.1.0 schema).
fn validate_sarif(path: &Path) {
    let dir = repo_root().join("crates/report/tests/sarif");
    if !dir.join("node_modules/@microsoft/jest-sarif").is_dir() {
        let msg = "\n!!!!!!!! SKIPPED: SARIF schema validation needs \
                   `npm ci --prefix crates/report/tests/sarif` (see .ci/run). !!!!!!!!\n";
        assert!(!in_ci(), "{msg} (CI=true: a missing tool is a failure)");
        eprintln!("{msg}");
        return;
    }
    if !require("node", &["--version"]) {
        return;
    }
    let o = Command::new("node")
        .arg(dir.join("validate.js"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "SARIF schema validation failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
}

/// Run headless Chromium with `args` on `url`, without network: under `unshare -n` when
/// that works, and with every host name unresolvable in any case.
fn chromium(profile: &Path, args: &[String], url: &str) -> Output {
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut cmd = if isolated {
        let mut c = Command::new("unshare");
        c.args(["-n", "/usr/bin/chromium"]);
        c
    } else {
        Command::new("/usr/bin/chromium")
    };
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(url);
    let o = cmd.output().expect("run chromium");
    assert!(o.status.success(), "chromium {args:?}: {}", stderr(&o));
    o
}

#[test]
fn chromium_prints_the_html_report_to_a4_and_finds_every_section() {
    if !require("/usr/bin/chromium", &["--version"]) {
        return;
    }
    let (dir, db) = two_scans(101);
    let shots = repo_root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for lang in ["vi", "en"] {
        let html = dir.path().join(format!("report-{lang}.html"));
        report(
            &db,
            &[
                "--format",
                "html",
                "--lang",
                lang,
                "--org",
                "Sở Thông tin và Truyền thông <Demo>",
                "-o",
                html.to_str().unwrap(),
            ],
        );
        let url = format!("file://{}", html.display());
        let profile = tempfile::tempdir().unwrap();

        let pdf = dir.path().join(format!("report-{lang}.pdf"));
        chromium(
            profile.path(),
            &[
                "--no-pdf-header-footer".into(),
                format!("--print-to-pdf={}", pdf.display()),
            ],
            &url,
        );
        let bytes = std::fs::read(&pdf).expect("chromium wrote the PDF");
        let text = String::from_utf8_lossy(&bytes);
        let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
        assert!(pages > 1, "{lang}: {pages} page(s)");
        // A4 is 595.28 × 841.89 pt; Chromium rounds it to 594.96 × 841.92.
        let a4 = text.match_indices("/MediaBox [0 0 ").all(|(i, m)| {
            text[i + m.len()..].starts_with("594.9") || text[i + m.len()..].starts_with("595")
        });
        assert!(a4, "{lang}: every page is A4");

        let dom = chromium(profile.path(), &["--dump-dom".into()], &url);
        let dom = String::from_utf8_lossy(&dom.stdout);
        for id in [
            "cover",
            "summary",
            "chart-severity",
            "chart-vendor",
            "chart-trend",
            "provisions",
            "devices",
            "scans",
        ] {
            assert!(
                dom.contains(&format!("id=\"{id}\"")),
                "{lang}: section {id} missing"
            );
        }
        assert!(
            dom.contains("Sở Thông tin và Truyền thông &lt;Demo&gt;"),
            "{lang}: organisation on the cover"
        );
        assert!(dom.matches("<svg").count() >= 3, "{lang}: three charts");
        assert!(!dom.contains("<script"), "{lang}: no script");

        let png = shots.join(format!("report-{lang}.png"));
        chromium(
            profile.path(),
            &[
                "--window-size=1200,2400".into(),
                format!("--screenshot={}", png.display()),
            ],
            &url,
        );
        assert!(
            std::fs::metadata(&png).is_ok_and(|m| m.len() > 10_000),
            "{lang}: screenshot"
        );
        eprintln!(
            "report {lang}: {pages} A4 pages; screenshot {}",
            png.display()
        );
    }
}
