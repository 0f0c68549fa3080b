//! Store behaviour against real SQLite files in temporary directories.

use camguard_model::{
    DeviceInfo, DeviceRecord, DeviceType, Endpoint, EndpointState, Finding, HostObservation,
    Identity, OnvifObservation, ProvisionVerdict, Service, Severity, VerdictStatus,
};
use camguard_store::{ScanMeta, Store, StoreError};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::net::IpAddr;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap()
}

fn meta(at: DateTime<Utc>) -> ScanMeta {
    ScanMeta {
        started_at: at,
        targets: "127.0.0.0/29".into(),
        options: serde_json::json!({"ports": [80, 554], "intrusive": false}),
        baseline: "qcvn-11-2026".into(),
    }
}

fn record(ip: &str, at: DateTime<Utc>, vendor: &str, firmware: &str, check: &str) -> DeviceRecord {
    let ip: IpAddr = ip.parse().unwrap();
    let mut obs = HostObservation::new(ip, at);
    obs.endpoints = vec![
        Endpoint {
            port: 554,
            state: EndpointState::Open,
            service: Some(Service::Rtsp),
            reason: "rtsp 200".into(),
        },
        Endpoint {
            port: 80,
            state: EndpointState::Open,
            service: Some(Service::Http),
            reason: "http 401".into(),
        },
        Endpoint {
            port: 23,
            state: EndpointState::Closed,
            service: None,
            reason: "connection refused".into(),
        },
    ];
    obs.onvif = Some(OnvifObservation {
        port: 80,
        path: "/onvif/device_service".into(),
        device_info_anonymous: Some(DeviceInfo {
            serial: Some("SN-1234".into()),
            ..DeviceInfo::default()
        }),
        ..OnvifObservation::default()
    });
    DeviceRecord {
        observation: obs,
        identity: Identity {
            camera: true,
            vendor: Some(vendor.into()),
            product: None,
            model: Some("DS-2CD2042WD".into()),
            firmware: Some(firmware.into()),
            device_type: Some(DeviceType::IpCamera),
            confidence: 0.9,
            rules: vec!["rule-1".into()],
        },
        findings: vec![Finding {
            check_id: check.into(),
            severity: Severity::High,
            port: Some(554),
            summary: format!("{check} on {ip}"),
            evidence: serde_json::json!({"request": "DESCRIBE rtsp://x/", "status": 200}),
        }],
        checks_run: vec![check.into(), "CG-TLS-001".into()],
        verdicts: vec![
            ProvisionVerdict {
                baseline: "qcvn-11-2026".into(),
                provision: "2.2".into(),
                status: VerdictStatus::Fail,
                findings: vec![check.into()],
            },
            ProvisionVerdict {
                baseline: "qcvn-11-2026".into(),
                provision: "1.1".into(),
                status: VerdictStatus::NotVerifiableRemotely,
                findings: vec![],
            },
        ],
    }
}

fn other_host(ip: &str, at: DateTime<Utc>) -> DeviceRecord {
    DeviceRecord {
        observation: HostObservation::new(ip.parse().unwrap(), at),
        identity: Identity::default(),
        findings: vec![],
        checks_run: vec![],
        verdicts: vec![],
    }
}

#[tokio::test]
async fn open_and_migrate_twice_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("camguard.db");
    let store = Store::open(&path).await.unwrap();
    let scan = store.begin_scan(&meta(t0())).await.unwrap();
    store
        .record_device(
            scan,
            &record("127.0.0.2", t0(), "Hikvision", "V5.5.0", "CG-RTSP-001"),
        )
        .await
        .unwrap();
    store.close().await;

    let again = Store::open(&path).await.unwrap();
    assert_eq!(again.device_count().await.unwrap(), 1);
    assert_eq!(again.scans().await.unwrap().len(), 1);
    again.close().await;
    let third = Store::open(&path).await.unwrap();
    assert_eq!(third.device_count().await.unwrap(), 1);
}

#[tokio::test]
async fn rescan_updates_the_device_instead_of_duplicating_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();

    let first = store.begin_scan(&meta(t0())).await.unwrap();
    let id1 = store
        .record_device(
            first,
            &record("127.0.0.2", t0(), "Hikvision", "V5.5.0", "CG-RTSP-001"),
        )
        .await
        .unwrap();
    store
        .finish_scan(first, t0() + Duration::minutes(1), 8)
        .await
        .unwrap();

    let later = t0() + Duration::days(1);
    let second = store.begin_scan(&meta(later)).await.unwrap();
    let id2 = store
        .record_device(
            second,
            &record("127.0.0.2", later, "Hikvision", "V5.7.3", "CG-AUTH-001"),
        )
        .await
        .unwrap();
    store
        .record_device(second, &other_host("127.0.0.3", later))
        .await
        .unwrap();

    assert_eq!(id1, id2);
    assert_eq!(store.device_count().await.unwrap(), 2);
    let inv = store.inventory().await.unwrap();
    let cam = &inv[0];
    assert_eq!(cam.ip.to_string(), "127.0.0.2");
    assert_eq!(cam.first_seen, t0());
    assert_eq!(cam.last_seen, later);
    assert_eq!(cam.scan_id, second);
    assert_eq!(cam.identity.firmware.as_deref(), Some("V5.7.3"));
    assert_eq!(cam.identity.device_type, Some(DeviceType::IpCamera));
    assert_eq!(cam.serial.as_deref(), Some("SN-1234"));
    assert_eq!(
        cam.open_ports().collect::<Vec<_>>(),
        vec![80, 554],
        "endpoints come back sorted by port"
    );

    // Re-recording an OLDER observation afterwards must not roll the identity back.
    let third = store
        .begin_scan(&meta(t0() - Duration::days(3)))
        .await
        .unwrap();
    store
        .record_device(
            third,
            &record(
                "127.0.0.2",
                t0() - Duration::days(3),
                "Hikvision",
                "V5.0.0",
                "CG-OLD-001",
            ),
        )
        .await
        .unwrap();
    let inv = store.inventory().await.unwrap();
    assert_eq!(inv[0].first_seen, t0() - Duration::days(3));
    assert_eq!(inv[0].last_seen, later);
    assert_eq!(inv[0].identity.firmware.as_deref(), Some("V5.7.3"));
    assert_eq!(store.device_count().await.unwrap(), 2);
}

#[tokio::test]
async fn inventory_returns_findings_of_the_latest_scan_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s1 = store.begin_scan(&meta(t0())).await.unwrap();
    store
        .record_device(s1, &other_host("127.0.0.9", t0()))
        .await
        .unwrap();
    store
        .record_device(
            s1,
            &record("127.0.0.2", t0(), "Dahua", "2.800", "CG-RTSP-001"),
        )
        .await
        .unwrap();
    let later = t0() + Duration::hours(2);
    let s2 = store.begin_scan(&meta(later)).await.unwrap();
    store
        .record_device(
            s2,
            &record("127.0.0.2", later, "Dahua", "2.800", "CG-AUTH-001"),
        )
        .await
        .unwrap();

    let inv = store.inventory().await.unwrap();
    assert_eq!(inv.len(), 2);
    assert!(inv[0].identity.camera, "cameras come first");
    assert!(!inv[1].identity.camera);
    let checks: Vec<&str> = inv[0]
        .findings
        .iter()
        .map(|f| f.check_id.as_str())
        .collect();
    assert_eq!(checks, vec!["CG-AUTH-001"]);
    assert_eq!(inv[0].findings[0].evidence["status"], 200);
    assert_eq!(inv[0].findings[0].port, Some(554));
    let provisions: Vec<&str> = inv[0]
        .verdicts
        .iter()
        .map(|v| v.provision.as_str())
        .collect();
    assert_eq!(
        provisions,
        vec!["2.2", "1.1"],
        "verdicts keep their recorded order"
    );
    assert_eq!(inv[0].verdicts[0].findings, vec!["CG-AUTH-001".to_string()]);
    assert_eq!(
        inv[0].verdicts[1].status,
        VerdictStatus::NotVerifiableRemotely
    );
    assert_eq!(
        inv[0].checks_run,
        vec!["CG-AUTH-001".to_string(), "CG-TLS-001".into()]
    );
    // The device seen only in the first scan keeps that scan's state.
    assert_eq!(inv[1].scan_id, s1);

    let scans = store.scans().await.unwrap();
    assert_eq!(scans.len(), 2);
    assert_eq!(
        (scans[0].devices, scans[0].cameras, scans[0].findings),
        (2, 1, 1)
    );
    assert_eq!(
        (scans[1].devices, scans[1].cameras, scans[1].findings),
        (1, 1, 1)
    );
    assert_eq!(scans[0].options["ports"][1], 554);
    assert_eq!(scans[0].finished_at, None);
}

#[tokio::test]
async fn recording_a_host_twice_in_one_scan_replaces_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store.begin_scan(&meta(t0())).await.unwrap();
    let rec = record("127.0.0.2", t0(), "Axis", "10.1", "CG-RTSP-001");
    store.record_device(s, &rec).await.unwrap();
    store.record_device(s, &rec).await.unwrap();
    let inv = store.inventory().await.unwrap();
    assert_eq!(inv[0].findings.len(), 1);
    assert_eq!(inv[0].endpoints.len(), 3);
    assert_eq!(store.scans().await.unwrap()[0].devices, 1);
}

#[tokio::test]
async fn finish_scan_sets_time_and_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store.begin_scan(&meta(t0())).await.unwrap();
    let end = t0() + Duration::seconds(42);
    store.finish_scan(s, end, 256).await.unwrap();
    let scans = store.scans().await.unwrap();
    assert_eq!(scans[0].finished_at, Some(end));
    assert_eq!(scans[0].hosts_scanned, Some(256));
    assert_eq!(scans[0].baseline, "qcvn-11-2026");
}

#[tokio::test]
async fn unknown_scan_ids_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let err = store
        .record_device(99, &other_host("127.0.0.2", t0()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownScan(99)), "{err}");
    let err = store.finish_scan(7, t0(), 1).await.unwrap_err();
    assert!(matches!(err, StoreError::UnknownScan(7)), "{err}");
    assert_eq!(store.device_count().await.unwrap(), 0);
}

#[tokio::test]
async fn hostile_strings_are_stored_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store.begin_scan(&meta(t0())).await.unwrap();
    let nasty = "x'); DROP TABLE devices; -- <script>alert(1)</script> \u{202e}";
    let rec = record("::1", t0(), nasty, nasty, nasty);
    store.record_device(s, &rec).await.unwrap();
    let inv = store.inventory().await.unwrap();
    assert_eq!(inv[0].identity.vendor.as_deref(), Some(nasty));
    assert_eq!(inv[0].findings[0].check_id, nasty);
    assert_eq!(inv[0].ip.to_string(), "::1");
}

#[tokio::test]
async fn a_missing_directory_is_a_clear_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("camguard.db");
    let err = Store::open(&path).await.unwrap_err();
    assert!(
        matches!(err, StoreError::MissingDirectory { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn an_unwritable_location_is_a_clear_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where a directory should be: cannot be written into, even by root.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let path = file.join("camguard.db");
    let err = Store::open(&path).await.unwrap_err();
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );

    // A directory where the database file should be.
    let path = dir.path().join("a-directory");
    std::fs::create_dir(&path).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let text = "These are my notes, not a database. ".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    // The file was not modified.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn a_database_from_a_newer_camguard_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("camguard.db");
    Store::open(&path).await.unwrap().close().await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let err = Store::open(&path).await.unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 999, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn records_survive_without_a_clean_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("camguard.db");
    let store = Store::open(&path).await.unwrap();
    let s = store.begin_scan(&meta(t0())).await.unwrap();
    store
        .record_device(s, &record("127.0.0.2", t0(), "Axis", "10.1", "CG-RTSP-001"))
        .await
        .unwrap();
    // Simulate a crash: the WAL is not checkpointed and the pool is never closed.
    std::mem::forget(store);
    let reopened = Store::open(&path).await.unwrap();
    assert_eq!(reopened.device_count().await.unwrap(), 1);
    assert_eq!(reopened.inventory().await.unwrap()[0].findings.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_records_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store.begin_scan(&meta(t0())).await.unwrap();
    let mut tasks = Vec::new();
    for i in 1..=24u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let ip = format!("127.0.1.{i}");
            store
                .record_device(s, &record(&ip, t0(), "Hikvision", "V5", "CG-RTSP-001"))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.device_count().await.unwrap(), 24);
    assert_eq!(store.scans().await.unwrap()[0].findings, 24);
}
