//! The dashboard in headless Debian Chromium, driven by npm playwright-core
//! (crates/web/tests/browser): sign in, scan the lab with live progress, open a device,
//! download a report, and a viewer cannot start scans. Screenshots go to target/screenshots/.

use crate::common::{
    address_range, in_ci, lab_ports, repo_root, require, start_lab, test_addr, test_net,
};
use crate::serve_cmd::{serve, Client};
use camguard_lab::LabConfig;
use serde_json::{json, Value};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_chromium_signs_in_scans_opens_a_device_downloads_a_report() {
    if !require("/usr/bin/chromium", &["--version"])
        || !require("node", &["--version"])
        || !playwright_installed()
    {
        return;
    }
    let base = test_addr(109, 1);
    let lab = start_lab(&LabConfig::generate(3, 11), base).await;
    let manifest = lab.manifest().clone();
    let n = manifest.devices.len();
    let ports = lab_ports(&manifest);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    std::fs::write(&db, b"").unwrap();
    let listen = format!("{}:0", test_addr(109, 200));
    let result = tokio::task::spawn_blocking(move || {
        let server = serve(&db, &listen);
        let password = server.password.clone().unwrap();
        let mut admin = Client::new(server.addr);
        assert_eq!(admin.login("admin", &password).status, 200);
        let site = admin.call("POST", "/api/v1/sites", Some(&json!({"name": "Lab"}))).json();
        let system = admin
            .call("POST", "/api/v1/systems", Some(&json!({"site_id": site["id"], "name": "Cameras", "security_level": 2, "owner": "e2e"})))
            .json();
        let net = test_net(109);
        let cidr = format!("{}.{}.{}.0/24", net[0], net[1], net[2]);
        assert_eq!(admin.call("POST", "/api/v1/scopes", Some(&json!({"system_id": system["id"], "cidr": cidr}))).status, 201);
        let viewer_pw = "View3r-pass!";
        assert_eq!(
            admin.call("POST", "/api/v1/users", Some(&json!({"username": "viewer1", "role": "viewer", "password": viewer_pw}))).status,
            201
        );
        // The browser scans the lab devices' addresses; the lab's ports are the default camera
        // ports as root, which the dashboard scan uses.
        let _ = ports;
        let shots = repo_root().join("target/screenshots");
        let out = Command::new("node")
            .arg(repo_root().join("crates/web/tests/browser/browser.js"))
            .arg(format!("http://{}", server.addr))
            .arg(&password)
            .arg("viewer1")
            .arg(viewer_pw)
            .arg(system["id"].to_string())
            .arg(address_range(base, n))
            .arg(&shots)
            .output()
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "browser.js failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let r: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("result line");
        assert_eq!(r["scan"], "finished", "{r}");
        assert_eq!(r["hostEvents"], n, "{r}");
        assert_eq!(r["deviceRows"], n, "{r}");
        assert!(r["deviceTitle"].as_str().unwrap().contains(&base.to_string()[..8]), "{r}");
        assert!(r["report"].as_str().unwrap().starts_with("camguard-report-"), "{r}");
        assert!(r["reportBytes"].as_u64().unwrap() > 1000, "{r}");
        assert!(r["scorecardRows"].as_u64().unwrap() > 5, "{r}");
        assert_eq!(r["charts"], 3, "{r}");
        assert_eq!(r["schedules"], 1, "{r}");
        assert_eq!(r["langAfterSwitch"], "en", "{r}");
        assert!(r["tokenShown"].as_u64().unwrap() > 20, "{r}");
        assert_eq!(r["viewerScanForm"], 0, "{r}");
        assert_eq!(r["viewerPost"], 403, "{r}");
        assert_eq!(r["consoleErrors"].as_array().map(Vec::len), Some(0), "no CSP or script errors: {r}");
        for shot in [
            "login.png",
            "scans.png",
            "devices.png",
            "device.png",
            "compliance.png",
            "organisation.png",
            "account.png",
            "reports.png",
        ] {
            assert!(shots.join(shot).is_file(), "{shot}");
        }
        drop(server);
    })
    .await;
    lab.shutdown().await;
    result.expect("browser test");
}
