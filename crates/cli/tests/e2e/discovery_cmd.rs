//! `camguard scan --discovery-only` on a lab: every host reported once with exactly the
//! manifest's open ports, no identification or checks, the same with two shards, and the scan
//! recorded in the database.

use crate::common::{json_lines, lab_ports, run, start_lab, stderr, test_addr};
use camguard_lab::LabConfig;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_only_reports_the_lab_open_set_without_identifying() {
    let base = test_addr(110, 1);
    let lab = start_lab(&LabConfig::generate(6, 3), base).await;
    let manifest = lab.manifest().clone();
    let ports: Vec<String> = lab_ports(&manifest).iter().map(u16::to_string).collect();
    let ports = ports.join(",");
    let net = format!("{}/28", test_addr(110, 0));
    let want: BTreeSet<(String, u64)> = manifest
        .devices
        .iter()
        .flat_map(|d| {
            d.ports
                .values()
                .map(move |&p| (d.address.to_string(), u64::from(p)))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let db = db.to_str().unwrap().to_string();
    let scan = move |extra: Vec<String>| {
        let mut args: Vec<String> = ["scan", &net, "--ports", &ports, "--discovery-only"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--quiet", "--all-hosts", "-o", "-"].map(String::from));
        args.extend(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    };
    let whole = {
        let scan = scan.clone();
        let db = db.clone();
        tokio::task::spawn_blocking(move || scan(vec!["--db".into(), db]))
            .await
            .unwrap()
    };
    assert!(whole.status.success(), "{}", stderr(&whole));
    let records = json_lines(&whole.stdout);
    assert_eq!(
        records.len(),
        16,
        "every host of the /28 once (--all-hosts)"
    );
    let mut open = BTreeSet::new();
    for r in &records {
        let ip = r["observation"]["ip"].as_str().unwrap().to_string();
        for e in r["observation"]["endpoints"].as_array().unwrap() {
            if e["state"] == "open" {
                assert_eq!(e["reason"], "open, unknown: connection accepted", "{e}");
                open.insert((ip.clone(), e["port"].as_u64().unwrap()));
            }
        }
        assert!(r["identity"]["vendor"].is_null(), "{r}");
        assert_eq!(r["findings"].as_array().map(Vec::len), Some(0), "{r}");
        assert_eq!(r["checks_run"].as_array().map(Vec::len), Some(0), "{r}");
        assert!(r["observation"]["http"]
            .as_array()
            .is_none_or(Vec::is_empty));
    }
    assert_eq!(open, want);
    assert!(
        stderr(&whole).contains("16 hosts") && stderr(&whole).contains("6 live"),
        "{}",
        stderr(&whole)
    );
    // Recorded: the report of the database lists the live hosts.
    let report = run(&["report", "--db", &db, "--format", "json", "-o", "-"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let text = String::from_utf8_lossy(&report.stdout);
    for d in &manifest.devices {
        assert!(
            text.contains(&d.address.to_string()),
            "{} missing",
            d.address
        );
    }

    // Two shards: the same open set, every host once.
    let mut sharded = BTreeSet::new();
    let mut hosts = Vec::new();
    for shard in ["1/2", "2/2"] {
        let scan = scan.clone();
        let o = tokio::task::spawn_blocking(move || {
            scan(vec!["--no-db".into(), "--shard".into(), shard.into()])
        })
        .await
        .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        for r in json_lines(&o.stdout) {
            let ip = r["observation"]["ip"].as_str().unwrap().to_string();
            hosts.push(ip.clone());
            for e in r["observation"]["endpoints"].as_array().unwrap() {
                if e["state"] == "open" {
                    sharded.insert((ip.clone(), e["port"].as_u64().unwrap()));
                }
            }
        }
    }
    assert_eq!(hosts.len(), 16);
    assert_eq!(hosts.iter().collect::<BTreeSet<_>>().len(), 16);
    assert_eq!(sharded, want);
    lab.shutdown().await;
}

/// `--udp-discovery` (default on): the unicast SSDP and WS-Discovery answers of a lab device
/// are recorded by default and not asked for with `off`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_discovery_is_on_by_default_and_off_on_request() {
    let config = LabConfig::from_toml_str(
        "seed = 4\n[[device]]\nid = \"hik\"\npersonality = \"hikvision\"\nupnp = true\nws_discovery = true\n",
    )
    .unwrap();
    let lab = start_lab(&config, test_addr(111, 1)).await;
    let hik = lab.manifest().device("hik").unwrap().clone();
    let addr = hik.address.to_string();
    let http = hik.ports["http"].to_string();
    let mut protocols = Vec::new();
    for toggle in [None, Some("on"), Some("off")] {
        let (addr, http) = (addr.clone(), http.clone());
        let o = tokio::task::spawn_blocking(move || {
            let mut args = vec!["scan", &addr, "--ports", &http, "--no-db", "--quiet"];
            args.extend(["-o", "-"]);
            if let Some(t) = toggle {
                args.extend(["--udp-discovery", t]);
            }
            run(&args)
        })
        .await
        .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let records = json_lines(&o.stdout);
        assert_eq!(records.len(), 1);
        let found: BTreeSet<String> = records[0]["observation"]["discovery"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["protocol"].as_str().unwrap().to_string())
            .collect();
        protocols.push(found);
    }
    let both: BTreeSet<String> = ["ssdp", "ws_discovery"].map(String::from).into();
    assert_eq!(protocols, vec![both.clone(), both, BTreeSet::new()]);
    let bad = run(&["scan", &addr, "--udp-discovery", "maybe", "--no-db"]);
    assert_eq!(bad.status.code(), Some(2));
    lab.shutdown().await;
}

/// Devices whose only vendor evidence without credentials is the model in their WS-Discovery
/// answer (TP-Link Tapo, Uniview: no vendor banner, ONVIF device information locked) are named
/// from it (`discovery_model` rules).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_discovery_model_names_tapo_and_uniview_devices() {
    let config = LabConfig::from_toml_str(
        "seed = 9\n\
         [[device]]\nid = \"tapo\"\npersonality = \"tapo\"\nws_discovery = true\n\
         default_password = \"changed\"\n\
         [[device]]\nid = \"unv\"\npersonality = \"uniview\"\nws_discovery = true\n\
         default_password = \"changed\"\n",
    )
    .unwrap();
    let lab = start_lab(&config, test_addr(111, 20)).await;
    let manifest = lab.manifest().clone();
    let ports: Vec<String> = lab_ports(&manifest).iter().map(u16::to_string).collect();
    let range = format!(
        "{}-{}",
        manifest.devices[0].address, manifest.devices[1].address
    );
    let ports = ports.join(",");
    let o = tokio::task::spawn_blocking(move || {
        run(&[
            "scan", &range, "--ports", &ports, "--no-db", "--quiet", "-o", "-",
        ])
    })
    .await
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let records = json_lines(&o.stdout);
    assert_eq!(records.len(), 2);
    for d in &manifest.devices {
        let r = records
            .iter()
            .find(|r| r["observation"]["ip"] == d.address.to_string())
            .unwrap();
        let id = &r["identity"];
        assert_eq!(id["vendor"], d.vendor.as_str(), "{}: {id}", d.id);
        assert_eq!(id["model"], d.model.as_str(), "{}: {id}", d.id);
        let rules: Vec<&str> = id["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(
            rules.iter().any(|r| r.contains(".discovery_model.")),
            "{}: {rules:?}",
            d.id
        );
        assert!(
            r["observation"]["onvif"]["device_info_anonymous"].is_null(),
            "{}: ONVIF device information must stay locked in this test",
            d.id
        );
    }
    lab.shutdown().await;
}
