//! `--import` sources: hand-written fixtures of every format (after the formats' public
//! documentation), and a real `nmap -sT … -oX -` run against a small lab whose output is
//! imported and scanned with the imported ports only.

use camguard_lab::{Lab, LabConfig, LabOptions};
use camguard_model::EndpointState;
use camguard_scan::data::ProbeKind;
use camguard_scan::import::{import_file, ImportFormat, Imported};
use camguard_scan::sweep::scan_walk;
use camguard_scan::{ScanConfig, Shard, ShardWalk, TargetSet};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn hosts(i: &Imported) -> Vec<(String, Vec<u16>)> {
    i.hosts
        .iter()
        .map(|(a, p)| (a.to_string(), p.iter().copied().collect()))
        .collect()
}

fn h(a: &str, p: &[u16]) -> (String, Vec<u16>) {
    (a.to_string(), p.to_vec())
}

#[test]
fn nmap_xml_takes_up_hosts_and_open_tcp_ports() {
    let (i, f) = import_file(&fixture("nmap.xml"), None).unwrap();
    assert_eq!(f, ImportFormat::NmapXml);
    // 10.20.0.11 is down; closed (8000, extraports 37777) and filtered ports are left out;
    // the MAC address is not a target.
    assert_eq!(
        hosts(&i),
        vec![h("10.20.0.10", &[80, 554]), h("fd00::10", &[37777])]
    );
}

#[test]
fn masscan_json_with_banner_records_udp_and_the_old_finished_marker() {
    let (i, f) = import_file(&fixture("masscan.json"), None).unwrap();
    assert_eq!(f, ImportFormat::MasscanJson);
    // One object per (host, port) merges by host; a banner record (no status) counts as
    // open; UDP ports are not added (the scan is TCP) but the host is.
    assert_eq!(
        hosts(&i),
        vec![
            h("10.20.0.10", &[80, 554]),
            h("10.20.0.12", &[8000]),
            h("10.20.0.13", &[])
        ]
    );
}

#[test]
fn masscan_list_agrees_with_masscan_json() {
    let (list, f) = import_file(&fixture("masscan.txt"), None).unwrap();
    assert_eq!(f, ImportFormat::MasscanList);
    let (json, _) = import_file(&fixture("masscan.json"), None).unwrap();
    assert_eq!(list, json);
}

#[test]
fn csv_inventory_with_quotes_empty_ports_and_ipv6() {
    let (i, f) = import_file(&fixture("inventory.csv"), None).unwrap();
    assert_eq!(f, ImportFormat::Csv);
    assert_eq!(
        hosts(&i),
        vec![
            h("10.20.0.10", &[80, 554]),
            h("10.20.0.12", &[]),
            h("fd00::10", &[37777])
        ]
    );
}

#[test]
fn json_inventory_with_port_ports_and_address_keys() {
    let (i, f) = import_file(&fixture("inventory.json"), None).unwrap();
    assert_eq!(f, ImportFormat::Json);
    assert_eq!(
        hosts(&i),
        vec![
            h("10.20.0.10", &[80, 554]),
            h("10.20.0.12", &[8000]),
            h("fd00::10", &[])
        ]
    );
}

#[test]
fn forced_format_that_does_not_fit_is_a_clear_error() {
    let err = import_file(&fixture("inventory.csv"), Some(ImportFormat::NmapXml))
        .unwrap_err()
        .to_string();
    assert!(err.contains("inventory.csv (nmap-xml): not XML"), "{err}");
    let err = import_file(&fixture("missing.xml"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read import file"), "{err}");
}

fn missing(what: &str, test: &str) {
    let msg = format!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !!! SKIPPED {test}: {what} is missing\n\
         !!! (install it; with CI=true this is a failure)\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
}

const LAB: &str = r#"
seed = 11

[[device]]
id = "hik"
personality = "hikvision"

[[device]]
id = "dahua"
personality = "dahua"
"#;

/// Debian's nmap scans a two-camera lab (plus one empty address); its XML is imported and the
/// imported hosts are scanned with *only* the ports nmap reported for each (no global ports).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_nmap_xml_of_a_lab_imports_and_drives_the_scan() {
    let test = "real_nmap_xml_of_a_lab_imports_and_drives_the_scan";
    if std::process::Command::new("nmap")
        .arg("--version")
        .output()
        .is_err()
    {
        missing("`nmap`", test);
        return;
    }
    let mut rng = rand::thread_rng();
    let base = Ipv4Addr::new(127, rng.gen_range(100..200), rng.gen_range(1..250), 1);
    let config = LabConfig::from_toml_str(LAB).expect("lab file");
    let lab = Lab::start(
        &config,
        &LabOptions {
            base,
            port_offset: 21_000,
        },
    )
    .await
    .expect("lab starts");
    let manifest = lab.manifest().clone();
    let (http, rtsp) = {
        let d = &manifest.devices[0];
        (d.ports["http"], d.ports["rtsp"])
    };
    let empty = Ipv4Addr::from(u32::from(base) + 10);
    let mut args: Vec<String> = vec![
        "-sT".into(),
        "-Pn".into(),
        "-n".into(),
        "-p".into(),
        format!("{http},{rtsp}"),
        "-oX".into(),
        "-".into(),
    ];
    args.extend(manifest.devices.iter().map(|d| d.address.to_string()));
    args.push(empty.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("nmap").args(&args).output()
    })
    .await
    .expect("join")
    .expect("nmap runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nmap.xml");
    std::fs::write(&file, &out.stdout).unwrap();

    let (imported, format) = import_file(&file, None).expect("nmap XML imports");
    assert_eq!(format, ImportFormat::NmapXml);
    for d in &manifest.devices {
        let ports = &imported.hosts[&IpAddr::V4(d.address)];
        assert_eq!(
            ports.iter().copied().collect::<Vec<_>>(),
            vec![http.min(rtsp), http.max(rtsp)],
            "{}",
            d.id
        );
    }
    // -Pn marks every host up; the empty address has no open port.
    assert!(imported.hosts[&IpAddr::V4(empty)].is_empty());

    // Scan the imported hosts with no global ports: the ports come from the import.
    let targets = Arc::new(TargetSet::default().with_addresses(imported.hosts.keys().copied()));
    let extra: HashMap<IpAddr, Vec<u16>> = imported
        .hosts
        .iter()
        .map(|(ip, p)| (*ip, p.iter().copied().collect()))
        .collect();
    let cfg = ScanConfig {
        ports: Vec::new(),
        probe_overrides: vec![(rtsp, ProbeKind::Rtsp)],
        rate_per_sec: 0,
        connect_timeout: Duration::from_secs(1),
        io_timeout: Duration::from_secs(3),
        ..ScanConfig::default()
    };
    let walk = ShardWalk::new(targets, 3, Shard::default()).unwrap();
    let obs: Vec<_> = scan_walk(walk, Arc::new(cfg), Some(Arc::new(extra)), None)
        .map(|(_, o)| o)
        .collect()
        .await;
    lab.shutdown().await;
    assert_eq!(obs.len(), manifest.devices.len() + 1);
    for o in &obs {
        let open: Vec<u16> = o
            .endpoints
            .iter()
            .filter(|e| e.state == EndpointState::Open)
            .map(|e| e.port)
            .collect();
        if o.ip == IpAddr::V4(empty) {
            assert!(o.endpoints.is_empty(), "{o:?}");
        } else {
            assert_eq!(open.len(), 2, "{}: {:?}", o.ip, o.endpoints);
            assert!(!o.http.is_empty() && !o.rtsp.is_empty(), "{}", o.ip);
        }
    }
}
