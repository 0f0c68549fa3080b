//! The opt-in intrusive assessments against the lab's hostile devices (data/lab/hostile.toml:
//! slow drips, endless headers, bombs, garbage, hangs, resets): with every intrusive option on
//! and each device named as Hikvision or Dahua (so the CVE confirmations are sent too), every
//! probe ends within its deadlines, nothing panics, and no hostile answer is taken as proof.

mod lab_support;

use camguard_model::HostObservation;
use camguard_scan::{probe_one, LockoutTestConfig, ScanConfig};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const OFFSET: u16 = 27_000;
const HOSTILE: &str = include_str!("../../../data/lab/hostile.toml");

/// Longest the whole hostile lab may take with every intrusive option (12 devices in
/// parallel, each request under a 1.5 s deadline).
const BUDGET: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intrusive_probes_of_hostile_devices_are_bounded_and_prove_nothing() {
    let lab = lab_support::start_lab(HOSTILE, OFFSET).await;
    let (ports, overrides) = lab_support::classic_probes(lab.manifest());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, d) in lab.manifest().devices.iter().enumerate() {
        let vendor = if i % 2 == 0 { "Hikvision" } else { "Dahua" };
        let cfg = ScanConfig {
            ports: ports.clone(),
            probe_overrides: overrides.clone(),
            rate_per_sec: 0,
            udp_probes: Vec::new(),
            connect_timeout: Duration::from_millis(500),
            io_timeout: Duration::from_millis(1500),
            vendor_hint: Some(Arc::new(move |_: &HostObservation| {
                Some(vendor.to_string())
            })),
            lockout_test: Some(LockoutTestConfig {
                account: "tester".into(),
                password: Some("Tester-Pass1".into()),
                failures: 5,
                window: Duration::from_secs(30),
                lock_wait: None,
            }),
            user_enumeration: Some("admin".into()),
            confirm_cves: true,
            ..ScanConfig::default()
        };
        let ip = IpAddr::V4(d.address);
        let id = d.id.clone();
        tasks.push(tokio::spawn(async move {
            (id, probe_one(ip, Arc::new(cfg)).await)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("no panic"));
    }
    let took = started.elapsed();
    lab.shutdown().await;
    assert!(took < BUDGET, "hostile lab took {took:?}");
    // The probes reached hostile HTTP answers (the test is not vacuous).
    let tried = results
        .iter()
        .filter(|(_, o)| !o.cve_confirmations.is_empty())
        .count();
    assert!(tried >= 3, "CVE confirmations sent to only {tried} devices");
    for (id, obs) in &results {
        assert!(
            obs.cve_confirmations
                .iter()
                .all(|c| c.confirmed != Some(true)),
            "{id}: a hostile answer confirmed a CVE: {:?}",
            obs.cve_confirmations
        );
        if let Some(t) = &obs.lockout_test {
            assert!(t.attempts.len() <= 6, "{id}: {} attempts", t.attempts.len());
            assert_ne!(
                t.locked,
                Some(false),
                "{id}: no proof of a missing lock: {t:?}"
            );
        }
        if let Some(e) = &obs.user_enumeration {
            assert!(!e.distinguishes, "{id}: {e:?}");
        }
    }
}
