//! Every lab personality is identified by camguard's own scanner and fingerprint engine.
//!
//! One lab holds two devices of every personality: an "open" one whose ONVIF device
//! information is readable anonymously, and a "closed" one (ONVIF behind WS-Security, password
//! changed). The real scanner (`camguard_scan::probe_one`) probes each on the ports its manifest
//! lists; FTP and SSH greetings, which the scanner does not collect, are read the way a client
//! sees them and added to the [`FingerprintInput`]. Then:
//!
//! - open devices: vendor, model, device type and firmware match the manifest (an unbranded
//!   manufacturer names no vendor, and the generic camera's placeholder model names no type);
//! - closed devices: the vendor is the personality's `surface_vendor` — the vendor itself, the
//!   platform vendor for OEM brands (a KBVision unit looks like the Dahua it is), or none where
//!   the surface names none (Uniview, Tapo, the unbranded camera: their web/RTSP banners carry
//!   nothing vendor-specific, so without ONVIF they are not even recognised as cameras) — and
//!   a device whose surface names a vendor is recognised as a camera.

use crate::common::start_lab;
use camguard_fingerprint::Engine;
use camguard_lab::{LabConfig, ManifestDevice, Personality};
use camguard_model::FingerprintInput;
use camguard_scan::{probe_one, ScanConfig};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;

/// The lab file: an open and a closed device of every personality, with every extra service
/// the personality ships.
fn lab_file() -> String {
    let mut toml = String::from("seed = 3\n");
    for p in Personality::all() {
        let mut extras = String::new();
        if !p.vendor_ports.is_empty() {
            extras.push_str("vendor_ports = true\n");
        }
        if p.ftp.is_some() {
            extras.push_str("ftp = true\n");
        }
        if p.ssh.is_some() {
            extras.push_str("ssh = true\n");
        }
        let _ = write!(
            toml,
            "\n[[device]]\nid = \"{id}-open\"\npersonality = \"{id}\"\n\
             default_password = \"kept\"\nonvif_auth = \"none\"\n{extras}\
             \n[[device]]\nid = \"{id}-closed\"\npersonality = \"{id}\"\n\
             default_password = \"changed\"\nonvif_auth = \"wsse\"\ntelnet = false\n{extras}",
            id = p.id
        );
    }
    toml
}

/// Vendor spellings compare on lower-case letters and digits.
fn norm(v: &str) -> String {
    v.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// First line a service volunteers (FTP 220 greeting, SSH identification).
async fn greeting(d: &ManifestDevice, key: &str) -> Option<String> {
    let port = *d.ports.get(key)?;
    let s = tokio::time::timeout(
        Duration::from_secs(3),
        TcpStream::connect((d.address, port)),
    )
    .await
    .ok()?
    .ok()?;
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(3),
        BufReader::new(s).read_line(&mut line),
    )
    .await
    .ok()?
    .ok()?;
    Some(line.trim_end().to_string())
}

/// What a client learns about one device: the scanner's observation plus the greeters.
async fn observe(d: &ManifestDevice) -> FingerprintInput {
    let ports: Vec<u16> = d
        .ports
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "ftp" | "ssh"))
        .map(|(_, p)| *p)
        .collect();
    let config = ScanConfig {
        ports,
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(3),
        ..ScanConfig::default()
    };
    let obs = probe_one(IpAddr::V4(d.address), Arc::new(config)).await;
    let mut input = FingerprintInput::from_host(&obs);
    input.ftp_banner = greeting(d, "ftp").await;
    input.ssh_banner = greeting(d, "ssh").await;
    input
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_personality_is_identified() {
    let config = LabConfig::from_toml_str(&lab_file()).expect("lab file");
    let lab = start_lab(&config, crate::common::test_addr(64, 1)).await;
    let engine = Engine::builtin().expect("built-in rules");
    let devices = lab.manifest().devices.clone();
    let inputs =
        futures::future::join_all(devices.iter().map(|d| async move { observe(d).await })).await;

    let mut failures = Vec::new();
    let mut table = String::new();
    for (d, input) in devices.iter().zip(&inputs) {
        let p = Personality::get(&d.personality).expect("personality");
        let id = engine.identify(input);
        let _ = writeln!(
            table,
            "{:<22} vendor={:<14} model={:<22} type={:<10} fw={:?} rules={:?}",
            d.id,
            id.vendor.as_deref().unwrap_or("-"),
            id.model.as_deref().unwrap_or("-"),
            id.device_type.map(|t| t.as_str()).unwrap_or("-"),
            id.firmware,
            id.rules
        );
        let mut fail =
            |what: String| failures.push(format!("{}: {what}\n  input: {input:?}", d.id));
        let open = d.id.ends_with("-open");
        if !id.camera && (open || p.surface_vendor().is_some()) {
            fail("not recognised as a camera".into());
        }
        let got_vendor = id.vendor.as_deref().map(norm);
        if open {
            let unbranded = d.vendor == "Generic";
            let want_vendor = (!unbranded).then(|| norm(&d.vendor));
            if got_vendor != want_vendor {
                fail(format!("vendor {:?}, manifest {:?}", id.vendor, d.vendor));
            }
            if id.model.as_deref() != Some(d.model.as_str()) {
                fail(format!("model {:?}, manifest {:?}", id.model, d.model));
            }
            if id.firmware.as_deref() != Some(d.firmware.as_str()) {
                fail(format!(
                    "firmware {:?}, manifest {:?}",
                    id.firmware, d.firmware
                ));
            }
            let got_type = id.device_type.map(|t| t.as_str());
            if got_type != Some(d.device_type.as_str()) && !unbranded {
                fail(format!(
                    "device type {got_type:?}, manifest {:?}",
                    d.device_type
                ));
            }
        } else {
            let want_vendor = p.surface_vendor().map(norm);
            if got_vendor != want_vendor {
                fail(format!(
                    "vendor without ONVIF {:?}, expected {:?} (surface_vendor)",
                    id.vendor,
                    p.surface_vendor()
                ));
            }
        }
    }
    lab.shutdown().await;
    eprintln!("{table}");
    assert!(
        failures.is_empty(),
        "{} identification failures:\n{}\n\n{table}",
        failures.len(),
        failures.join("\n")
    );
}
