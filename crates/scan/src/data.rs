//! The scanner's embedded data: default ports, RTSP routes and vendor default credentials
//! (`data/scan/*.toml`, compiled into the binary).

use serde::Deserialize;
use std::sync::OnceLock;

const PORTS_TOML: &str = include_str!("../../../data/scan/ports.toml");
const ROUTES_TOML: &str = include_str!("../../../data/scan/rtsp_routes.toml");
const CREDENTIALS_TOML: &str = include_str!("../../../data/scan/credentials.toml");

/// Which probe runs on an open port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    /// HTTP `GET /` (then ONVIF, and RTSP if the answer is not HTTP).
    Http,
    /// TLS: recorded as open, not probed yet.
    Tls,
    /// RTSP OPTIONS / DESCRIBE.
    Rtsp,
    /// Telnet banner.
    Telnet,
    /// Proprietary binary protocol: read a greeting if one is sent.
    Greeting,
    /// FTP greeting (`220`), read only.
    Ftp,
    /// SSH identification string, read only.
    Ssh,
    /// Dahua private protocol (DHIP login challenge, DVRIP fallback).
    Dahua,
    /// Xiongmai / XMeye "Sofia" (login with an empty user name).
    Sofia,
    /// Hikvision SDK port (an invalid packet; the reply identifies the stack).
    HikvisionSdk,
    /// RTMP C0/C1 handshake.
    Rtmp,
}

/// Which discovery probe runs on a UDP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UdpProbe {
    /// Unicast SSDP `M-SEARCH` (and the description at a LOCATION on the same host).
    Ssdp,
    /// Unicast WS-Discovery `Probe`.
    WsDiscovery,
}

/// One `[[udp]]` entry of `data/scan/ports.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UdpEntry {
    /// UDP port.
    pub port: u16,
    /// Probe to send.
    pub probe: UdpProbe,
    /// Whether the default scan sends it.
    #[serde(default = "yes")]
    pub default: bool,
    /// Why the port is in the table.
    pub why: String,
    /// Where the fact comes from.
    pub source: String,
}

fn yes() -> bool {
    true
}

/// One entry of `data/scan/ports.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortEntry {
    /// TCP port.
    pub port: u16,
    /// Probe to run.
    pub probe: ProbeKind,
    /// Whether the port is in the default set (ports outside it keep their probe when
    /// given with `--ports`).
    #[serde(default = "yes")]
    pub default: bool,
    /// Why the port is in the default set.
    pub why: String,
    /// Where the fact comes from.
    pub source: String,
}

/// One entry of `data/scan/rtsp_routes.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteEntry {
    /// Path with query, starting with `/`.
    pub path: String,
    /// Vendor the path is documented for (`generic` for many).
    pub vendor: String,
    /// Where the path is published.
    pub source: String,
}

/// One entry of `data/scan/credentials.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialEntry {
    /// Vendor key (`generic` for all vendors).
    pub vendor: String,
    /// User name.
    pub username: String,
    /// Password (may be empty).
    pub password: String,
    /// Protocols the pair is tried on (`http`, `rtsp`, `onvif`, `telnet`, `ssh`); empty = all.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// Where the default is published.
    pub source: String,
}

impl CredentialEntry {
    /// Whether the pair is meant for `protocol`.
    pub fn applies_to(&self, protocol: &str) -> bool {
        self.protocols.is_empty() || self.protocols.iter().any(|p| p == protocol)
    }
}

#[derive(Deserialize)]
struct PortsFile {
    port: Vec<PortEntry>,
    #[serde(default)]
    udp: Vec<UdpEntry>,
}
#[derive(Deserialize)]
struct RoutesFile {
    route: Vec<RouteEntry>,
}
#[derive(Deserialize)]
struct CredentialsFile {
    credential: Vec<CredentialEntry>,
}

/// The port table (embedded; a broken file is a build defect caught by the tests, and
/// yields an empty table rather than a panic).
pub fn ports() -> &'static [PortEntry] {
    static P: OnceLock<Vec<PortEntry>> = OnceLock::new();
    P.get_or_init(|| {
        toml::from_str::<PortsFile>(PORTS_TOML)
            .map(|f| f.port)
            .unwrap_or_default()
    })
}

/// The UDP discovery table.
pub fn udp_ports() -> &'static [UdpEntry] {
    static U: OnceLock<Vec<UdpEntry>> = OnceLock::new();
    U.get_or_init(|| {
        toml::from_str::<PortsFile>(PORTS_TOML)
            .map(|f| f.udp)
            .unwrap_or_default()
    })
}

/// Default UDP discovery probes.
pub fn default_udp_probes() -> Vec<(u16, UdpProbe)> {
    udp_ports()
        .iter()
        .filter(|u| u.default)
        .map(|u| (u.port, u.probe))
        .collect()
}

/// The RTSP route list, in trial order.
pub fn rtsp_routes() -> &'static [RouteEntry] {
    static R: OnceLock<Vec<RouteEntry>> = OnceLock::new();
    R.get_or_init(|| {
        toml::from_str::<RoutesFile>(ROUTES_TOML)
            .map(|f| f.route)
            .unwrap_or_default()
    })
}

/// The default-credential list, in file order.
pub fn credentials() -> &'static [CredentialEntry] {
    static C: OnceLock<Vec<CredentialEntry>> = OnceLock::new();
    C.get_or_init(|| {
        toml::from_str::<CredentialsFile>(CREDENTIALS_TOML)
            .map(|f| f.credential)
            .unwrap_or_default()
    })
}

/// Default port set, in probe order.
pub fn default_ports() -> Vec<u16> {
    ports()
        .iter()
        .filter(|p| p.default)
        .map(|p| p.port)
        .collect()
}

/// The probe for a port: from the table, else HTTP (unknown ports get `GET /`).
pub fn probe_for(port: u16) -> ProbeKind {
    ports()
        .iter()
        .find(|p| p.port == port)
        .map(|p| p.probe)
        .unwrap_or(ProbeKind::Http)
}

/// Credentials to try for a device: the vendor's pairs first (when `vendor` is known), then
/// the generic ones, without duplicates.
pub fn credentials_for(vendor: Option<&str>) -> Vec<&'static CredentialEntry> {
    let mut out: Vec<&'static CredentialEntry> = Vec::new();
    let push = |out: &mut Vec<&'static CredentialEntry>, c: &'static CredentialEntry| {
        if !out
            .iter()
            .any(|o| o.username == c.username && o.password == c.password)
        {
            out.push(c);
        }
    };
    if let Some(v) = vendor {
        let v = v.trim().to_ascii_lowercase();
        for c in credentials().iter().filter(|c| c.vendor == v) {
            push(&mut out, c);
        }
    }
    for c in credentials().iter().filter(|c| c.vendor == "generic") {
        push(&mut out, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_carry_sources() {
        let p: PortsFile = toml::from_str(PORTS_TOML).unwrap();
        assert_eq!(p.port.len(), ports().len());
        let r: RoutesFile = toml::from_str(ROUTES_TOML).unwrap();
        assert_eq!(r.route.len(), rtsp_routes().len());
        let c: CredentialsFile = toml::from_str(CREDENTIALS_TOML).unwrap();
        assert_eq!(c.credential.len(), credentials().len());
        assert!(ports()
            .iter()
            .all(|p| !p.source.is_empty() && !p.why.is_empty()));
        assert!(rtsp_routes()
            .iter()
            .all(|r| r.path.starts_with('/') && !r.source.is_empty()));
        assert!(credentials().iter().all(|c| !c.source.is_empty()));
    }

    #[test]
    fn default_ports_cover_the_camera_port_set() {
        let mut p = default_ports();
        p.sort_unstable();
        assert_eq!(
            p,
            vec![21, 22, 23, 80, 443, 554, 8000, 8080, 8554, 8899, 34567, 37777]
        );
        assert_eq!(probe_for(554), ProbeKind::Rtsp);
        assert_eq!(probe_for(23), ProbeKind::Telnet);
        assert_eq!(probe_for(443), ProbeKind::Tls);
        assert_eq!(probe_for(37777), ProbeKind::Dahua);
        assert_eq!(probe_for(34567), ProbeKind::Sofia);
        assert_eq!(probe_for(8000), ProbeKind::HikvisionSdk);
        assert_eq!(probe_for(1935), ProbeKind::Rtmp);
        assert!(!default_ports().contains(&1935));
        assert_eq!(
            default_udp_probes(),
            vec![(1900, UdpProbe::Ssdp), (3702, UdpProbe::WsDiscovery)]
        );
        assert!(udp_ports().iter().all(|u| !u.source.is_empty()));
        assert_eq!(probe_for(12345), ProbeKind::Http);
    }

    #[test]
    fn vendor_credentials_come_first() {
        let d = credentials_for(Some("Dahua"));
        assert_eq!(
            (d[0].username.as_str(), d[0].password.as_str()),
            ("admin", "admin")
        );
        assert_eq!(d[1].username, "888888");
        // admin/admin from the generic list is not repeated.
        let n = d
            .iter()
            .filter(|c| c.username == "admin" && c.password == "admin")
            .count();
        assert_eq!(n, 1);
        let h = credentials_for(Some("hikvision"));
        assert_eq!(h[0].password, "12345");
        let g = credentials_for(None);
        assert!(g.iter().all(|c| c.vendor == "generic"));
    }
}
