//! Start-up shared by the scanner's lab tests.
#![allow(dead_code)] // each test binary uses its own subset

use camguard_lab::{Lab, LabConfig, LabOptions, Manifest};
use camguard_scan::data::ProbeKind;
use rand::Rng;
use std::net::Ipv4Addr;

/// Start the lab described by `toml` on a random 127.x.y.0/24 (so parallel runs do not
/// collide), every port shifted by `port_offset`.
pub async fn start_lab(toml: &str, port_offset: u16) -> Lab {
    let config = LabConfig::from_toml_str(toml).expect("lab file");
    let mut rng = rand::thread_rng();
    let base = Ipv4Addr::new(127, rng.gen_range(100..200), rng.gen_range(1..250), 1);
    Lab::start(&config, &LabOptions { base, port_offset })
        .await
        .expect("lab starts")
}

/// The manifest's TCP ports, each once, and the probe for each by service name
/// (`rtsp`, `telnet`, anything else HTTP).
pub fn classic_probes(manifest: &Manifest) -> (Vec<u16>, Vec<(u16, ProbeKind)>) {
    let mut ports = Vec::new();
    let mut overrides = Vec::new();
    for d in &manifest.devices {
        for (name, &port) in &d.ports {
            if !ports.contains(&port) {
                ports.push(port);
            }
            let kind = match name.as_str() {
                "rtsp" => ProbeKind::Rtsp,
                "telnet" => ProbeKind::Telnet,
                _ => ProbeKind::Http,
            };
            overrides.push((port, kind));
        }
    }
    (ports, overrides)
}
