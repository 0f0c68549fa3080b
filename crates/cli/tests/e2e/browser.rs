//! The dashboard in headless Debian Chromium, driven by npm playwright-core
//! (crates/web/tests/browser/browser.js): an administrator builds the organisation and the
//! users in the pages, scans the lab twice with live progress, cancels a scan, filters the
//! inventory, opens a device and its history, attests a provision, schedules a scan, reads
//! compliance, the audit log and a report, and keeps their language across sign-ins; a viewer
//! sees no evidence and cannot start scans. Screenshots go to target/screenshots/.

use crate::common::{address_range, in_ci, repo_root, require, start_lab, test_addr, test_net};
use crate::serve_cmd::serve;
use camguard_lab::LabConfig;
use serde_json::Value;
use std::process::Command;

fn playwright_installed() -> bool {
    let ok = repo_root()
        .join("crates/web/tests/browser/node_modules/playwright-core")
        .is_dir();
    if !ok {
        let msg = "\n!!!!!!!! SKIPPED: playwright-core is not installed: run \
                   `npm ci --prefix crates/web/tests/browser` (see .ci/run). !!!!!!!!\n";
        assert!(!in_ci(), "{msg} (CI=true: a missing tool is a failure)");
        eprintln!("{msg}");
    }
    ok
}

/// A lab of one device that accepts every connection and never answers (each probe waits
/// for its full I/O deadline), so a scan of it is still running when the browser cancels it.
fn hanging_lab() -> LabConfig {
    LabConfig::from_toml_str(
        "[[device]]\nid = \"hang\"\npersonality = \"hostile\"\nhostile = [\"accept_hang\"]\n",
    )
    .expect("hanging lab file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_chromium_does_everything_the_issue_asks_in_the_browser() {
    if !require("/usr/bin/chromium", &["--version"])
        || !require("node", &["--version"])
        || !playwright_installed()
    {
        return;
    }
    let base = test_addr(109, 1);
    let lab = start_lab(&LabConfig::generate(3, 2026), base).await;
    let n = lab.manifest().devices.len();
    let hang_addr = test_addr(109, 100);
    let hang = start_lab(&hanging_lab(), hang_addr).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let listen = format!("{}:0", test_addr(109, 200));
    let result = tokio::task::spawn_blocking(move || {
        let server = serve(&db, &listen);
        let password = server.password.clone().unwrap();
        let net = test_net(109);
        let cidr = format!("{}.{}.{}.0/24", net[0], net[1], net[2]);
        let shots = repo_root().join("target/screenshots");
        let out = Command::new("node")
            .arg(repo_root().join("crates/web/tests/browser/browser.js"))
            .arg(format!("http://{}", server.addr))
            .arg(&password)
            .arg(&cidr)
            .arg(address_range(base, n))
            .arg(hang_addr.to_string())
            .arg(&shots)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "browser.js failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: Value =
            serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("result line");
        eprintln!("browser results: {r}");
        let count = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k}: {r}"));
        let texts = |k: &str| -> Vec<String> {
            r[k].as_array()
                .unwrap_or_else(|| panic!("{k}: {r}"))
                .iter()
                .map(|v| v.as_str().unwrap_or("").trim().to_owned())
                .collect()
        };
        // Security headers as the browser got them (plain HTTP here: no HSTS).
        let csp = r["headers"]["csp"].as_str().unwrap_or("");
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{r}"
        );
        assert_eq!(r["headers"]["frame"], "DENY", "{r}");
        assert_eq!(r["headers"]["nosniff"], "nosniff", "{r}");
        assert_eq!(r["headers"]["hsts"], Value::Null, "{r}");
        // Sign-in refusal and the organisation built in the pages.
        assert!(!r["loginError"].as_str().unwrap_or("").is_empty(), "{r}");
        // The refused CIDR explained in the page's language, from its problem code.
        let bad_cidr: Vec<String> = ["en", "vi"]
            .iter()
            .map(|lang| {
                let path = crate::common::repo_root().join(format!("data/i18n/web-{lang}.toml"));
                let table: toml::Table =
                    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                table["problem_bad_cidr"].as_str().unwrap().to_owned()
            })
            .collect();
        assert!(
            bad_cidr.iter().any(|t| r["scopeError"] == t.as_str()),
            "{r}"
        );
        assert_eq!(r["siteRow"][2], "1 Lab street", "{r}");
        assert_eq!(r["settingsOrganisation"], "Lab agency", "{r}");
        // The default baseline chosen in the form, then cleared back to automatic.
        let chosen = r["settingsBaseline"][0].as_str().unwrap_or_default();
        assert!(!chosen.is_empty(), "{r}");
        assert_eq!(r["settingsBaseline"][1], "", "{r}");
        assert!(r["settingsBaselineApi"].is_null(), "{r}");
        assert_eq!(
            r["reportOrganisation"], true,
            "the report cover names it: {r}"
        );
        assert_eq!(
            (count("sitesBeforeDelete"), count("sitesAfterDelete")),
            (2, 1),
            "{r}"
        );
        assert_eq!(texts("scopes"), vec![cidr.clone()], "{r}");
        assert_eq!(
            texts("systemRow")[1..5],
            ["Lab", "Cameras", "3", "Provincial IT office"],
            "{r}"
        );
        assert_eq!(r["demotedRole"], "viewer", "{r}");
        assert_eq!(texts("usersAfterDelete"), vec!["admin", "viewer1"], "{r}");
        assert!(count("tokenShown") > 20, "{r}");
        assert_eq!(
            r["afterPasswordChange"], "/login",
            "sessions end with a new password: {r}"
        );
        // Scans with live progress, history, cancel.
        for i in 1..=2 {
            assert_eq!(r[format!("scan{i}")], "finished", "{r}");
            assert_eq!(count(&format!("hostEvents{i}")), n as u64, "{r}");
        }
        assert_eq!(r["cancelled"], "cancelled", "{r}");
        // Shown in the user's language (Vietnamese here), the code kept for machines.
        assert_eq!(
            texts("jobLabels"),
            vec!["Đã hủy", "Hoàn tất", "Hoàn tất"],
            "{r}"
        );
        assert_eq!(
            texts("jobStatuses"),
            vec!["cancelled", "finished", "finished"],
            "{r}"
        );
        // Inventory filters.
        assert_eq!(count("deviceRows"), n as u64, "{r}");
        let vendors = texts("vendorCells");
        assert!(
            count("vendorRows") >= 1 && vendors.iter().all(|v| *v == vendors[0]),
            "{r}"
        );
        assert_eq!(count("noSuchVendorRows"), 0, "{r}");
        assert!(
            count("failRows") >= 1 && count("failRows") <= n as u64,
            "{r}"
        );
        assert_eq!(count("siteRows"), n as u64, "{r}");
        for k in ["modelRows", "firmwareRows"] {
            assert!((1..=n as u64).contains(&count(k)), "{k}: {r}");
        }
        assert_eq!(count("firstSeenTodayRows"), n as u64, "{r}");
        assert_eq!(count("lastSeenTomorrowRows"), 0, "{r}");
        assert_eq!(count("searchRows"), 1, "search by address: {r}");
        assert!(
            count("checkRows") >= 1 && count("checkRows") <= n as u64,
            "{r}"
        );
        // Device page, history across the two scans, attested verdict.
        assert!(
            r["deviceTitle"]
                .as_str()
                .unwrap()
                .contains(&base.to_string()[..8]),
            "{r}"
        );
        assert_eq!(count("historyRows"), 2, "{r}");
        assert!(
            count("endpointRows") > 0 && count("identityRows") >= 8,
            "{r}"
        );
        assert!(count("remediation") > 20, "{r}");
        assert!(count("adminEvidence") >= 1, "{r}");
        // The lab's first camera has a model: attested per model and per system.
        assert!(r["modelSubject"].is_string(), "{r}");
        assert_eq!(count("attestations"), 2, "{r}");
        assert_eq!(r["attestedVerdicts"]["2.1.b"], "attested_pass", "{r}");
        assert_eq!(r["attestedVerdicts"]["2.1.d"], "attested_fail", "{r}");
        // A failure the scan proved stays a failure.
        assert_eq!(r["attestedVerdicts"]["2.1.c"], "fail", "{r}");
        assert_eq!(texts("schedules"), vec!["weekly"], "{r}");
        // Compliance, audit, reports.
        assert!(count("scorecardRows") > 5, "{r}");
        assert!(count("systemScorecardRows") > 5, "{r}");
        assert!(
            r["systemScorecardUrl"]
                .as_str()
                .unwrap()
                .contains("system="),
            "{r}"
        );
        assert!(
            count("modelList") >= 1,
            "models with a failed provision: {r}"
        );
        assert_eq!(
            count("charts"),
            4,
            "severity, provisions failed, vendors, trend: {r}"
        );
        let audit = texts("auditActions");
        for action in [
            "login",
            "login_failed",
            "POST /api/v1/scans",
            "DELETE /api/v1/users/{id}",
            "POST /api/v1/attestations",
        ] {
            assert!(
                audit
                    .iter()
                    .any(|a| a == action || a.starts_with(&action.replace("{id}", ""))),
                "audit lacks {action}: {r}"
            );
        }
        assert!(
            r["report"]
                .as_str()
                .unwrap()
                .starts_with("camguard-report-"),
            "{r}"
        );
        assert!(count("reportBytes") > 1000, "{r}");
        let attested = texts("reportAttested");
        assert!(
            attested
                .iter()
                .any(|x| x.contains("2.1.b") && x.contains("attested_pass"))
                && attested
                    .iter()
                    .any(|x| x.contains("2.1.d") && x.contains("attested_fail")),
            "attestations in the HTML report: {r}"
        );
        let formats = r["reportFormats"].as_array().unwrap();
        assert!(formats.len() >= 11, "8 reports and 3 diffs: {r}");
        for f in formats {
            assert!(f[1] == 200 && f[2].as_u64().unwrap() > 40, "{f}: {r}");
        }
        // The language is remembered by the account.
        assert_eq!(
            (r["langAfterSwitch"].as_str(), r["langAfterSignIn"].as_str()),
            (Some("en"), Some("en")),
            "{r}"
        );
        assert!(
            r["navAfterSignIn"].as_str().unwrap().contains("Devices"),
            "{r}"
        );
        assert_eq!(r["viewerLang"], "vi", "{r}");
        assert_eq!(
            r["consoleErrors"].as_array().map(Vec::len),
            Some(0),
            "no CSP or script errors: {r}"
        );
        // The viewer.
        assert_eq!(count("viewerEvidence"), 0, "{r}");
        // The credential check of the second scan found the lab camera's default account: the
        // administrator reads it quoted in the finding, the viewer does not.
        assert_eq!(r["adminQuotedCredential"], true, "{r}");
        assert_eq!(r["viewerQuotedCredential"], false, "{r}");
        assert!(count("viewerEvidenceHidden") >= 1, "{r}");
        assert_eq!(count("viewerScanForm"), 0, "{r}");
        assert_eq!(count("viewerControls"), 0, "{r}");
        assert_eq!(count("viewerForms"), 0, "{r}");
        assert_eq!(count("viewerAudit"), 403, "{r}");
        assert_eq!(count("viewerPost"), 403, "{r}");
        assert_eq!(
            r["wrongStatuses"],
            serde_json::json!([401, 401, 401, 401, 401]),
            "{r}"
        );
        assert_eq!(count("lockedStatus"), 429, "{r}");
        assert!(
            r["lockedMessage"]
                .as_str()
                .unwrap_or("")
                .contains("bị khóa tạm thời"),
            "{r}"
        );
        for shot in [
            "login.png",
            "scans.png",
            "devices.png",
            "device.png",
            "device-viewer.png",
            "compliance.png",
            "organisation.png",
            "account.png",
            "audit.png",
            "reports.png",
        ] {
            assert!(shots.join(shot).is_file(), "{shot}");
        }
        drop(server);
    })
    .await;
    lab.shutdown().await;
    hang.shutdown().await;
    result.expect("browser test");
}

#[test]
fn demo_serve_in_chromium_shows_the_demo_and_scans_it_again() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    if !require("/usr/bin/chromium", &["--version"])
        || !require("node", &["--version"])
        || !playwright_installed()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::common::camguard()
        .args(["demo", "--devices", "3", "--base"])
        .arg(test_addr(109, 150).to_string())
        .args(["--serve", "--listen", &format!("{}:0", test_addr(109, 201))])
        .arg("--out")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start camguard demo --serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut addr, mut password) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("dashboard at ").nth(1) {
            addr = Some(rest.trim().trim_end_matches('/').to_owned());
        }
        if let Some(p) = line.split("with password: ").nth(1) {
            password = Some(p.trim().to_owned());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let shots = repo_root().join("target/screenshots");
    let out = Command::new("node")
        .arg(repo_root().join("crates/web/tests/browser/demo.js"))
        .arg(addr.expect("address printed"))
        .arg(password.expect("one-time password printed"))
        .arg(&shots)
        .output()
        .expect("run node");
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "demo.js failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("result line");
    assert_eq!(r["devices"], 3, "{r}");
    assert!(r["findings"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(r["charts"], 4, "{r}");
    assert_eq!(r["systems"], 1, "the demo registers its lab: {r}");
    assert_eq!(r["scan"], "finished", "{r}");
    assert_eq!(r["hostLines"], 3, "{r}");
    assert_eq!(
        r["recordedScansAfter"].as_u64(),
        r["recordedScans"].as_u64().map(|n| n + 1),
        "{r}"
    );
    assert_eq!(r["consoleErrors"].as_array().map(Vec::len), Some(0), "{r}");
}
