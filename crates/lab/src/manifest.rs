//! What a running lab tells its users: one entry per device with addresses, ports, URLs and
//! the credentials in force.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// All devices of a running lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Devices in address order.
    pub devices: Vec<ManifestDevice>,
    /// PEM certificate of each vendor CA that issued device certificates in this lab, by
    /// vendor (for `curl --cacert`); empty unless a device has `certificate = "vendor_ca"`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub certificate_authorities: BTreeMap<String, String>,
}

/// One running device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDevice {
    /// Device id from the lab description.
    pub id: String,
    /// Personality id.
    pub personality: String,
    /// Loopback address the device listens on.
    pub address: Ipv4Addr,
    /// Vendor name, canonical spelling.
    pub vendor: String,
    /// Model designation.
    pub model: String,
    /// Firmware version string.
    pub firmware: String,
    /// Serial number.
    pub serial: String,
    /// Kind of device (`ip_camera`, …).
    pub device_type: String,
    /// Listening ports by service: `http` (plus `http_<port>` for further web ports),
    /// `rtsp`, `onvif`, `telnet`.
    pub ports: BTreeMap<String, u16>,
    /// RTSP URLs of the streams (`rtsp://127.x.y.z:554/...`), main stream first.
    pub stream_urls: Vec<String>,
    /// ONVIF device service URL.
    pub onvif_url: Option<String>,
    /// Account user name.
    pub username: String,
    /// Account password.
    pub password: String,
    /// True when the vendor default password is in force.
    pub default_password_kept: bool,
    /// `none`, `basic` or `digest`.
    pub rtsp_auth: String,
    /// `none`, `basic` or `digest`.
    pub web_auth: String,
    /// `none` or `wsse`.
    pub onvif_auth: String,
    /// Whether telnet runs.
    pub telnet: bool,
    /// Hostile behaviours of a `hostile` device (empty for cameras): such a device attacks
    /// the scanner, and its camera fields (credentials, auth modes) mean nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostile: Vec<String>,
    /// Behaviour switches in force (auth variants, lockout, login messages, quirks).
    #[serde(default)]
    pub behaviour: crate::behaviour::Behaviour,
    /// Video channels served (1 for a camera, several for a recorder).
    #[serde(default = "one_channel")]
    pub channels: u16,
    /// CVE ids publicly known for this device's firmware version (from the personality data).
    #[serde(default)]
    pub known_cves: Vec<String>,
    /// HTTPS details when the device serves HTTPS (`https = true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ManifestTls>,
    /// Discovery responders in force: `ssdp` (UPnP), `wsd` (WS-Discovery); their UDP ports are
    /// `ports["ssdp"]`, `ports["wsd"]`, the UPnP description's TCP port `ports["upnp_http"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discovery: Vec<String>,
    /// Famous flaws the device carries (`cve_2017_7921`, `cve_2021_33044`).
    #[serde(default)]
    pub vulns: crate::vulns::Vulns,
    /// Path of a snapshot URL the web UI serves a JPEG at without credentials, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_snapshot: Option<String>,
    /// The web UI answers 200 with its login page to every unknown path.
    #[serde(default)]
    pub http_any_path_200: bool,
    /// SNMP agent (UDP port, community), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snmp: Option<ManifestSnmp>,
    /// CS2 PPPP LAN-search responder (UDP port, UID), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p2p: Option<ManifestP2p>,
}

/// A device's SNMP agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSnmp {
    /// UDP port.
    pub port: u16,
    /// Community accepted.
    pub community: String,
}

/// A device's P2P LAN-search responder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestP2p {
    /// UDP port.
    pub port: u16,
    /// P2P UID answered.
    pub uid: String,
}

/// TLS on a device's HTTPS port (`ports["https"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTls {
    /// `modern` (TLS 1.2/1.3) or `legacy_tls10` (TLS 1.0 only).
    pub mode: String,
    /// The certificate presented (kind, fingerprints, subject, issuer, validity, key).
    pub certificate: crate::certs::CertInfo,
}

fn one_channel() -> u16 {
    1
}

impl Manifest {
    /// A device by id.
    pub fn device(&self, id: &str) -> Option<&ManifestDevice> {
        self.devices.iter().find(|d| d.id == id)
    }
}
