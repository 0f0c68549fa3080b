//! The print length of the HTML report: Debian's Chromium prints the 20-device demo to A4 PDF
//! with `--detail full` and `--detail failed` (the default), pdfinfo counts the pages; the
//! compact print must be shorter than half of the full one (81 → 25 pages when measured,
//! docs/benchmarks.md).

use crate::common::{camguard, require, stderr, test_addr};
use std::path::Path;
use std::process::Command;

fn pdf_pages(html: &Path, pdf: &Path) -> u32 {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "chromium: {}", stderr(&o));
    let o = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("run pdfinfo");
    assert!(o.status.success(), "pdfinfo: {}", stderr(&o));
    let info = String::from_utf8_lossy(&o.stdout);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"))
}

#[test]
fn the_failed_detail_prints_the_demo_in_less_than_half_the_pages_of_the_full_one() {
    if !require("/usr/bin/chromium", &["--version"]) || !require("pdfinfo", &["-v"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = test_addr(101, 100).to_string();
    let o = camguard()
        .args(["demo", "--devices", "20", "--seed", "2026", "--base", &base])
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("run camguard demo");
    assert!(o.status.success(), "demo: {}", stderr(&o));
    let db = dir.path().join("camguard.db");
    let mut pages = Vec::new();
    for detail in ["full", "failed", "summary"] {
        let html = dir.path().join(format!("print-{detail}.html"));
        let o = camguard()
            .arg("report")
            .arg("--db")
            .arg(&db)
            .args(["--lang", "vi", "--detail", detail, "-o"])
            .arg(&html)
            .output()
            .expect("run camguard report");
        assert!(o.status.success(), "report: {}", stderr(&o));
        let n = pdf_pages(&html, &dir.path().join(format!("print-{detail}.pdf")));
        eprintln!("report --detail {detail}: {n} A4 pages");
        pages.push(n);
    }
    let [full, failed, summary] = pages[..] else {
        unreachable!()
    };
    assert!(failed * 2 < full, "failed {failed} pages, full {full}");
    assert!(summary < failed, "summary {summary} pages, failed {failed}");
}
