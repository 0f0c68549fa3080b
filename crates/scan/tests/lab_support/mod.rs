//! Start-up shared by the scanner's lab tests.
#![allow(dead_code)] // each test binary uses its own subset

use camguard_lab::{Lab, LabConfig, LabOptions, Manifest, ManifestDevice};
use camguard_model::HostObservation;
use camguard_scan::data::ProbeKind;
use camguard_scan::{scan, ScanConfig, TargetSet, VendorHint};
use futures::StreamExt;
use rand::Rng;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

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

/// A scan of `ports` with the given probes, unthrottled, with the lab's deadlines (1 s to
/// connect, 3 s per read); the rest as [`ScanConfig::default`].
pub fn lab_config(ports: Vec<u16>, probe_overrides: Vec<(u16, ProbeKind)>) -> ScanConfig {
    ScanConfig {
        ports,
        probe_overrides,
        rate_per_sec: 0,
        connect_timeout: Duration::from_secs(1),
        io_timeout: Duration::from_secs(3),
        ..ScanConfig::default()
    }
}

/// The fingerprint engine's role, played by the manifest: each device's vendor by address.
pub fn manifest_vendors(manifest: &Manifest) -> VendorHint {
    let vendors: HashMap<IpAddr, String> = manifest
        .devices
        .iter()
        .map(|d| (IpAddr::V4(d.address), d.vendor.clone()))
        .collect();
    Arc::new(move |o: &HostObservation| vendors.get(&o.ip).cloned())
}

/// Scan every address from the manifest's first device to its last with `config`.
pub async fn scan_devices(manifest: &Manifest, config: ScanConfig) -> Vec<HostObservation> {
    let first = manifest.devices.first().expect("devices").address;
    let last = manifest.devices.last().expect("devices").address;
    let targets = TargetSet::parse(&[format!("{first}-{last}")], &[]).expect("targets");
    scan(Arc::new(targets), Arc::new(config)).collect().await
}

/// The manifest device `id` and the observation of its address.
pub fn by_id<'a>(
    manifest: &'a Manifest,
    found: &'a [HostObservation],
    id: &str,
) -> (&'a ManifestDevice, &'a HostObservation) {
    let d = manifest.device(id).expect("device in manifest");
    let o = found
        .iter()
        .find(|o| o.ip == IpAddr::V4(d.address))
        .expect("observation for device");
    (d, o)
}
