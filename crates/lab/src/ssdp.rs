//! UPnP: the SSDP responder's answers to M-SEARCH (UDP 1900) and the device description XML
//! served over HTTP at the LOCATION it advertises — friendlyName, manufacturer, modelName,
//! modelNumber, serialNumber: the disclosure discovery checks flag.
//!
//! Vendor facts (SERVER header, description path and port, friendly-name format) come from
//! `data/lab/discovery.toml`.

use crate::device::Device;
use crate::error::LabError;
use crate::vendor_table::{VendorEntry, VendorTable};
use camguard_protocols::auth::xml_escape;
use camguard_protocols::wire::{self, BodyMode, Limits};
use serde::Deserialize;
use sha1::{Digest, Sha1};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const DATA: &str = include_str!("../../../data/lab/discovery.toml");

/// Largest M-SEARCH datagram considered.
pub const MAX_DATAGRAM: usize = 2048;
/// Root device search target.
pub const ROOT_DEVICE: &str = "upnp:rootdevice";
/// Deadline of the description server.
const DEADLINE: Duration = Duration::from_secs(10);

/// Discovery facts of one vendor (or the default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryFacts {
    /// Canonical vendor name (absent for the default entry).
    #[serde(default)]
    pub vendor: Option<String>,
    /// SSDP UDP port.
    pub ssdp_port: u16,
    /// TCP port of the description server.
    pub upnp_http_port: u16,
    /// Path of the description XML.
    pub description_path: String,
    /// SSDP `SERVER` header.
    pub server: String,
    /// friendlyName template.
    pub friendly_name: String,
    /// manufacturer template.
    pub manufacturer: String,
    /// manufacturerURL.
    pub manufacturer_url: String,
    /// modelDescription template.
    pub model_description: String,
    /// UPnP deviceType.
    pub device_type: String,
    /// WS-Discovery UDP port.
    pub wsd_port: u16,
    /// Provenance.
    pub source: String,
}

impl VendorEntry for DiscoveryFacts {
    fn vendor(&self) -> Option<&str> {
        self.vendor.as_deref()
    }
    fn source(&self) -> &str {
        &self.source
    }
}

fn data() -> Result<&'static VendorTable<DiscoveryFacts>, LabError> {
    static PARSED: OnceLock<Result<VendorTable<DiscoveryFacts>, String>> = OnceLock::new();
    VendorTable::cached(&PARSED, "discovery.toml", DATA, |name, f| {
        if f.description_path.starts_with('/') {
            Ok(())
        } else {
            Err(format!("{name}: description_path must start with /"))
        }
    })
}

/// Discovery facts for a vendor (the default entry when the vendor has none).
pub fn facts_for(vendor: &str) -> Result<&'static DiscoveryFacts, LabError> {
    Ok(data()?.for_vendor(vendor))
}

/// The device's UUID (UPnP UDN and WS-Discovery endpoint address), derived from its serial:
/// a name-based (SHA-1, version 5 layout) UUID, stable across runs.
pub fn device_uuid(serial: &str) -> String {
    let mut h = Sha1::new();
    h.update(b"camguard-lab device uuid\0");
    h.update(serial.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.finalize()[..16]);
    crate::identity::uuid_string(b, 5)
}

fn expand(template: &str, device: &Device) -> String {
    crate::identity::expand_realm(template, &device.spec.serial, &device.spec.model)
        .replace("{vendor}", &device.personality.vendor)
}

/// The SSDP answers (one datagram each) to an M-SEARCH for this device; empty when the
/// datagram is not an M-SEARCH or its search target is not this device's.
/// The `LOCATION` names the description under URL host `host` (the device's 127.x.y.z, or an
/// IPv6 address in brackets).
pub fn answers(
    device: &Device,
    facts: &DiscoveryFacts,
    host: &str,
    port: u16,
    datagram: &[u8],
) -> Vec<String> {
    let datagram = &datagram[..datagram.len().min(MAX_DATAGRAM)];
    let text = String::from_utf8_lossy(datagram);
    let mut lines = text.split("\r\n").flat_map(|l| l.split('\n'));
    let Some(first) = lines.next() else {
        return Vec::new();
    };
    let mut parts = first.split_whitespace();
    if parts.next() != Some("M-SEARCH") || parts.next() != Some("*") {
        return Vec::new();
    }
    let mut man = None;
    let mut st = None;
    for line in lines.take(32) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim().to_ascii_uppercase().as_str() {
            "MAN" => man = Some(v.trim_matches('"').to_string()),
            "ST" => st = Some(v.to_string()),
            _ => {}
        }
    }
    if man.as_deref() != Some("ssdp:discover") {
        return Vec::new();
    }
    let Some(st) = st else {
        return Vec::new();
    };
    let uuid = format!("uuid:{}", device_uuid(&device.spec.serial));
    let targets: Vec<&str> = match st.as_str() {
        "ssdp:all" => vec![ROOT_DEVICE, &uuid, &facts.device_type],
        s if s == ROOT_DEVICE || s == uuid || s == facts.device_type => vec![s],
        _ => Vec::new(),
    };
    let location = format!("http://{host}:{port}{}", facts.description_path);
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    targets
        .into_iter()
        .map(|target| {
            let usn = if target == uuid {
                uuid.clone()
            } else {
                format!("{uuid}::{target}")
            };
            format!(
                "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nDATE: {date}\r\nEXT:\r\n\
                 LOCATION: {location}\r\nSERVER: {}\r\nST: {target}\r\nUSN: {usn}\r\n\r\n",
                facts.server
            )
        })
        .collect()
}

/// The UPnP device description of a device.
pub fn description(device: &Device, facts: &DiscoveryFacts) -> String {
    let e = |s: &str| xml_escape(s);
    let web = device.http_ports.first().copied().unwrap_or(80);
    format!(
        "<?xml version=\"1.0\"?>\n<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n\
         <specVersion><major>1</major><minor>0</minor></specVersion>\n<device>\n\
         <deviceType>{}</deviceType>\n<friendlyName>{}</friendlyName>\n\
         <manufacturer>{}</manufacturer>\n<manufacturerURL>{}</manufacturerURL>\n\
         <modelDescription>{}</modelDescription>\n<modelName>{}</modelName>\n\
         <modelNumber>{}</modelNumber>\n<serialNumber>{}</serialNumber>\n\
         <UDN>uuid:{}</UDN>\n<presentationURL>http://{}:{}/</presentationURL>\n\
         </device>\n</root>\n",
        e(&facts.device_type),
        e(&expand(&facts.friendly_name, device)),
        e(&expand(&facts.manufacturer, device)),
        e(&facts.manufacturer_url),
        e(&expand(&facts.model_description, device)),
        e(&device.spec.model),
        e(&device.spec.model),
        e(&device.spec.serial),
        device_uuid(&device.spec.serial),
        device.address,
        web
    )
}

/// Serve one connection of the description server: `GET <description_path>` → the XML,
/// anything else → 404; one request, then close.
pub async fn serve_description(stream: TcpStream, device: Arc<Device>) {
    let Ok(facts) = facts_for(&device.personality.vendor) else {
        return;
    };
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let limits = Limits {
        max_body: 4096,
        ..Limits::default()
    };
    let Ok(Some(msg)) = wire::deadline(
        DEADLINE,
        wire::read_message(&mut r, &limits, BodyMode::Request),
    )
    .await
    else {
        return;
    };
    let (code, reason, body) = match msg.request() {
        Ok(req)
            if matches!(req.method.as_str(), "GET" | "HEAD")
                && req.target.split('?').next() == Some(facts.description_path.as_str()) =>
        {
            let head = req.method == "HEAD";
            let xml = description(&device, facts);
            (200, "OK", if head { String::new() } else { xml })
        }
        Ok(_) => (404, "Not Found", String::new()),
        Err(_) => (400, "Bad Request", String::new()),
    };
    let bytes = wire::encode_response(
        "HTTP/1.1",
        code,
        reason,
        &[
            ("Server", facts.server.as_str()),
            ("Content-Type", "text/xml; charset=\"utf-8\""),
            ("Connection", "close"),
        ],
        body.as_bytes(),
    );
    let _ = tokio::time::timeout(DEADLINE, w.write_all(&bytes)).await;
    let _ = w.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_uuid_is_stable() {
        assert!(facts_for("Axis").expect("data").vendor.is_some());
        assert!(facts_for("Nobody").expect("data").vendor.is_none());
        let a = device_uuid("SERIAL1");
        assert_eq!(a, device_uuid("SERIAL1"));
        assert_ne!(a, device_uuid("SERIAL2"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
    }
}
