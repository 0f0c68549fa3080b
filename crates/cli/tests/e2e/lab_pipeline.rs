//! lab → scan → store → report, end to end, with the real binary against the real lab.

use crate::common::{camguard, json_lines, run, stderr};
use camguard_lab::{Lab, LabConfig, LabOptions, ManifestDevice};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

fn finding_ids(record: &serde_json::Value) -> BTreeSet<String> {
    record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap().to_string())
        .collect()
}

/// What the checks must find on a device, derived from the lab's ground truth.
fn expected_findings(d: &ManifestDevice) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    if d.rtsp_auth == "none" {
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

fn scan_lab(base: Ipv4Addr, manifest_ports: &BTreeSet<u16>, n: u32, db: &str, out: &str) {
    let last = Ipv4Addr::from(u32::from(base) + n - 1);
    let ports: Vec<String> = manifest_ports.iter().map(u16::to_string).collect();
    let o = camguard()
        .args([
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
            "--prove-streams",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_scan_store_report_end_to_end() {
    let base = Ipv4Addr::new(127, 88, 0, 1);
    let config = LabConfig::generate(6, 7);
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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("camguard.db");
    let db = db.to_str().unwrap();
    let out = dir.path().join("scan.jsonl");
    let n = manifest.devices.len() as u32;

    let (db2, out2, ports2) = (
        db.to_string(),
        out.to_str().unwrap().to_string(),
        ports.clone(),
    );
    tokio::task::spawn_blocking(move || scan_lab(base, &ports2, n, &db2, &out2))
        .await
        .unwrap();
    let records = json_lines(&std::fs::read(&out).unwrap());
    let by_ip: HashMap<String, &serde_json::Value> = records
        .iter()
        .map(|r| (r["observation"]["ip"].as_str().unwrap().to_string(), r))
        .collect();
    assert_eq!(
        by_ip.len(),
        manifest.devices.len(),
        "every lab device is found"
    );

    for d in &manifest.devices {
        let r = by_ip[&d.address.to_string()];
        let id = &r["identity"];
        let readable = d.onvif_auth == "none" || d.default_password_kept;
        if readable {
            assert_eq!(id["camera"], true, "{}: {id}", d.id);
            assert_eq!(
                id["vendor"].as_str().unwrap_or("").to_lowercase(),
                d.vendor.to_lowercase(),
                "{}: {id}",
                d.id
            );
            assert_eq!(id["model"], d.model.as_str(), "{}: {id}", d.id);
            assert_eq!(id["firmware"], d.firmware.as_str(), "{}: {id}", d.id);
        }
        assert_eq!(
            finding_ids(r),
            expected_findings(d),
            "{}: {}",
            d.id,
            r["findings"]
        );
        let verdicts = r["verdicts"].as_array().unwrap();
        assert!(!verdicts.is_empty(), "verdicts present");
        assert!(
            verdicts
                .iter()
                .all(|v| v["status"] != "pass" || v["findings"].as_array().unwrap().is_empty()),
            "a pass never cites a finding"
        );
        assert!(
            verdicts.iter().any(|v| v["status"] == "fail"),
            "{}: every lab device fails something",
            d.id
        );
    }

    // A second scan updates the inventory instead of duplicating it.
    let (db2, out2, ports2) = (
        db.to_string(),
        out.to_str().unwrap().to_string(),
        ports.clone(),
    );
    tokio::task::spawn_blocking(move || scan_lab(base, &ports2, n, &db2, &out2))
        .await
        .unwrap();
    let store = camguard_store::Store::open(std::path::Path::new(db))
        .await
        .unwrap();
    assert_eq!(
        store.device_count().await.unwrap(),
        manifest.devices.len() as u64
    );
    assert_eq!(store.scans().await.unwrap().len(), 2);
    store.close().await;
    lab.shutdown().await;

    // Reports in both languages and JSON.
    let html_vi = dir.path().join("r-vi.html");
    let o = run(&[
        "report",
        "--db",
        db,
        "--format",
        "html",
        "--lang",
        "vi",
        "-o",
        html_vi.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&html_vi).unwrap();
    for d in &manifest.devices {
        assert!(
            html.contains(&d.address.to_string()),
            "report lists {}",
            d.address
        );
    }
    assert!(
        html.contains("AUTH.NO_AUTH_STREAM")
            || !manifest.devices.iter().any(|d| d.rtsp_auth == "none")
    );
    assert!(html.contains("lang=\"vi\""));
    assert!(!html.contains("<script src"), "self-contained");
    let o = run(&[
        "report", "--db", db, "--format", "json", "--lang", "en", "-o", "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert!(json.is_object());
}
