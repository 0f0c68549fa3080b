//! Regressions found with the lab's hostile devices (crates/lab `hostile`): the scanner must
//! report what a hostile endpoint did, not drop it silently.

mod lab_support;

use camguard_lab::Lab;
use camguard_scan::{probe_one, ScanConfig};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

const OFFSET: u16 = 21_000;

async fn hostile_lab(behaviours: &[&str]) -> Lab {
    let mut text = String::new();
    for b in behaviours {
        text.push_str(&format!(
            "[[device]]\nid = \"{b}\"\npersonality = \"hostile\"\nhostile = [\"{b}\"]\n"
        ));
    }
    lab_support::start_lab(&text, OFFSET).await
}

/// The ONVIF port of a device at `ip` (8899 + offset) probed as HTTP, with short deadlines.
async fn probe_onvif_port(ip: Ipv4Addr) -> camguard_model::HostObservation {
    let cfg = ScanConfig {
        ports: vec![8899 + OFFSET],
        connect_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_millis(1500),
        ..ScanConfig::default()
    };
    probe_one(IpAddr::V4(ip), Arc::new(cfg)).await
}

async fn assert_onvif_rejection_reported(behaviour: &str, expect: &str) {
    let lab = hostile_lab(&[behaviour]).await;
    let ip = lab.manifest().devices[0].address;
    let obs = probe_onvif_port(ip).await;
    lab.shutdown().await;
    let e = obs
        .endpoints
        .iter()
        .find(|e| e.port == 8899 + OFFSET)
        .expect("endpoint");
    assert!(
        e.reason.contains("onvif: SOAP answer refused") && e.reason.contains(expect),
        "{behaviour}: reason {:?} should say the ONVIF answer was rejected ({expect})",
        e.reason
    );
    assert!(
        obs.onvif.is_none(),
        "{behaviour}: no ONVIF identity from poison"
    );
}

/// Billion laughs: the answer declares nested entities; it was refused and then forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billion_laughs_onvif_answer_is_reported() {
    assert_onvif_rejection_reported("billion_laughs", "DTD").await;
}

/// Deep nesting: 100,000 nested elements; refused (size/nesting) and then forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_onvif_answer_is_reported() {
    assert_onvif_rejection_reported("deep_nesting", "larger than").await;
}

/// Reset after accept: every connect ended in ECONNRESET, the endpoints were "error" and the
/// host was not alive, so it vanished from the scan output. A reset after the handshake
/// proves a listener: the ports are open and each says why nothing more was learnt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_after_accept_host_is_reported_alive() {
    let lab = hostile_lab(&["reset_after_accept"]).await;
    let d = lab.manifest().devices[0].clone();
    let ports: Vec<u16> = d.ports.values().copied().collect();
    let cfg = ScanConfig {
        ports: ports.clone(),
        connect_timeout: Duration::from_millis(500),
        io_timeout: Duration::from_millis(1500),
        ..ScanConfig::default()
    };
    let obs = probe_one(IpAddr::V4(d.address), Arc::new(cfg)).await;
    lab.shutdown().await;
    assert!(
        obs.is_alive(),
        "a host that resets after accept is there: {obs:?}"
    );
    for port in ports {
        let e = obs
            .endpoints
            .iter()
            .find(|e| e.port == port)
            .expect("endpoint");
        assert!(
            e.reason.contains("reset"),
            "port {port}: reason {:?} should name the reset",
            e.reason
        );
    }
}
