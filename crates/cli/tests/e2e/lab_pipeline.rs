//! lab → scan → store → report, end to end, with the real binary against the real lab.

use crate::common::{
    expected_findings, finding_ids, json_lines, lab_ports, records_by_ip, run, scan_lab, start_lab,
    stderr,
};
use camguard_lab::LabConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_scan_store_report_end_to_end() {
    let base = crate::common::test_addr(88, 1);
    let lab = start_lab(&LabConfig::generate(6, 7), base).await;
    let manifest = lab.manifest().clone();
    let ports = lab_ports(&manifest);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("camguard.db");
    let db = db_path.to_str().unwrap();
    let out = dir.path().join("scan.jsonl");
    let n = manifest.devices.len();

    scan_lab(base, n, &ports, true, &db_path, &out).await;
    // The scan closes its database: the write-ahead log is folded back into the file.
    assert!(
        !db_path.with_extension("db-wal").exists(),
        "camguard scan left its write-ahead log behind"
    );
    let records = json_lines(&std::fs::read(&out).unwrap());
    let by_ip = records_by_ip(&records);
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
            expected_findings(d, true),
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
    scan_lab(base, n, &ports, true, &db_path, &out).await;
    let store = camguard_store::Store::open(&db_path).await.unwrap();
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
