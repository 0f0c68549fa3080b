//! What the probes saw: endpoints and per-protocol observations of one host.
//!
//! Every string that came from the network has been passed through
//! [`crate::sanitize_text`] and bounded before it lands here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The application protocol camguard believes an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// HTTP (web UI, CGI, ONVIF over HTTP).
    Http,
    /// HTTP over TLS.
    Https,
    /// RTSP (RFC 2326).
    Rtsp,
    /// Telnet (a banner or login prompt was read).
    Telnet,
    /// FTP (a 220 greeting was read).
    Ftp,
    /// SSH (an identification string was read).
    Ssh,
    /// TLS that does not carry HTTP (or whose content was not probed).
    Tls,
    /// A vendor's private binary protocol (Dahua 37777, Xiongmai 34567, Hikvision 8000, …).
    VendorPrivate,
    /// RTMP.
    Rtmp,
    /// Open, but nothing camguard recognises answered.
    Unknown,
}

/// How a TCP endpoint ended up: every endpoint carries a reason, never silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointState {
    /// The connection was accepted.
    Open,
    /// The connection was refused (RST).
    Closed,
    /// No answer within the deadline.
    Timeout,
    /// Another error (unreachable, reset, …); see the reason.
    Error,
}

/// One (address, port) the discovery stage looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Port number (TCP).
    pub port: u16,
    /// Outcome of the connection attempt.
    pub state: EndpointState,
    /// Service identified by the probes, if the endpoint was open.
    pub service: Option<Service>,
    /// Human-readable reason for the state (e.g. "connection refused", "rtsp 200").
    pub reason: String,
}

/// An authentication scheme announced by a server in `WWW-Authenticate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// No authentication was asked for.
    None,
    /// RFC 7617 Basic.
    Basic,
    /// RFC 7616 / RFC 2069 Digest.
    Digest,
    /// ONVIF WS-Security UsernameToken.
    WsSecurity,
    /// Something else (the raw header is kept in the observation).
    Other,
}

/// What an HTTP probe of one port saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpObservation {
    /// Port probed.
    pub port: u16,
    /// Whether TLS was used.
    pub tls: bool,
    /// Status code of `GET /`.
    pub status: Option<u16>,
    /// `Server` header.
    pub server: Option<String>,
    /// `<title>` of the page (after following at most one same-host redirect).
    pub title: Option<String>,
    /// Every `WWW-Authenticate` header value.
    pub www_authenticate: Vec<String>,
    /// Strongest scheme announced, or `None` when the page was served without a challenge.
    pub auth_scheme: Option<AuthScheme>,
    /// Realm of the challenge.
    pub realm: Option<String>,
    /// MD5 of `/favicon.ico`, hex, when one was served with status 200.
    pub favicon_md5: Option<String>,
    /// `Set-Cookie` headers (names and attributes; values are not needed for identification).
    pub set_cookie: Vec<String>,
    /// First bytes of the body (bounded), used by fingerprint rules.
    pub body_excerpt: Option<String>,
    /// `Location` of a redirect from `/`, if any.
    pub location: Option<String>,
    /// Whether `/` redirects to an `https://` URL.
    pub redirects_to_https: bool,
    /// Error that ended the probe early, if any.
    pub error: Option<String>,
}

/// Result of one RTSP `DESCRIBE` of one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RtspPathResult {
    /// Path (with query) that was described.
    pub path: String,
    /// Where the path came from: `onvif`, `route_list` or `random_baseline`.
    pub source: String,
    /// Status code, or `None` when the request failed.
    pub status: Option<u16>,
    /// Scheme demanded by a 401, if any.
    pub auth_scheme: Option<AuthScheme>,
    /// Realm of the challenge, if any.
    pub realm: Option<String>,
    /// Media codecs named in the SDP (`rtpmap` encoding names).
    pub codecs: Vec<String>,
}

/// Proof that media was actually delivered (not just a `200` to `DESCRIBE`).
///
/// No media payload is kept: only counts and the codec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaProof {
    /// Path that streamed.
    pub path: String,
    /// `anonymous` or the redacted user name whose credentials were used.
    pub credentials: String,
    /// RTP packets received before the proof stopped reading.
    pub rtp_packets: u32,
    /// Payload bytes received (counted, then discarded).
    pub bytes: u64,
    /// Codec of the first media section of the SDP.
    pub codec: Option<String>,
}

/// What an RTSP probe of one port saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RtspObservation {
    /// Port probed.
    pub port: u16,
    /// `Server` header of the OPTIONS answer.
    pub server: Option<String>,
    /// Methods from the `Public` header.
    pub public_methods: Vec<String>,
    /// Each path that was described, in order.
    pub paths: Vec<RtspPathResult>,
    /// True when a random, non-existent path was answered with 200: such a server's
    /// 200s prove nothing.
    pub accepts_any_path: bool,
    /// Media received without credentials, if the stream proof was run and succeeded.
    pub anonymous_media: Option<MediaProof>,
    /// Error that ended the probe early, if any.
    pub error: Option<String>,
}

/// Identity fields from ONVIF `GetDeviceInformation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// `Manufacturer`.
    pub manufacturer: Option<String>,
    /// `Model`.
    pub model: Option<String>,
    /// `FirmwareVersion`.
    pub firmware: Option<String>,
    /// `SerialNumber`.
    pub serial: Option<String>,
    /// `HardwareId`.
    pub hardware_id: Option<String>,
}

/// What an ONVIF device-service probe saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OnvifObservation {
    /// Port of the device service.
    pub port: u16,
    /// Path of the device service (normally `/onvif/device_service`).
    pub path: String,
    /// UTC date and time reported by `GetSystemDateAndTime` (ISO 8601), if answered.
    pub system_date_time: Option<String>,
    /// `GetDeviceInformation` answered without credentials (a disclosure finding).
    pub device_info_anonymous: Option<DeviceInfo>,
    /// `GetDeviceInformation` answered with credentials that were supplied or found.
    pub device_info_authenticated: Option<DeviceInfo>,
    /// True when the anonymous `GetDeviceInformation` was refused (401 or a SOAP fault).
    pub requires_auth: bool,
    /// Stream URIs returned by `GetStreamUri`.
    pub stream_uris: Vec<String>,
    /// Error that ended the probe early, if any.
    pub error: Option<String>,
    /// Media service (`GetProfiles`, `GetStreamUri`) answered without credentials.
    #[serde(default)]
    pub media_anonymous: Option<AnonymousMedia>,
    /// True when the anonymous `GetProfiles` was refused (401 or a SOAP fault).
    #[serde(default)]
    pub media_requires_auth: bool,
}

/// What the ONVIF media service disclosed to a request without credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousMedia {
    /// Path of the media service asked.
    pub path: String,
    /// Media profiles `GetProfiles` returned.
    pub profiles: u32,
    /// Stream URIs `GetStreamUri` returned, with any user information removed.
    pub stream_uris: Vec<String>,
}

/// One snapshot URL asked for without credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPathResult {
    /// Path (with query) asked for.
    pub path: String,
    /// Where the path came from: `snapshot_paths` (the data file), `onvif` or `random_baseline`.
    pub source: String,
    /// Status code, or `None` when the request failed.
    pub status: Option<u16>,
    /// `Content-Type` of the answer.
    pub content_type: Option<String>,
    /// Body bytes read (bounded; the bytes themselves are dropped).
    pub bytes_read: u32,
    /// The body started with the JPEG magic `FF D8 FF`.
    pub jpeg_magic: bool,
}

/// The anonymous snapshot probe of one HTTP port. No image bytes are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotObservation {
    /// Port probed.
    pub port: u16,
    /// Whether TLS was used.
    pub tls: bool,
    /// Each path asked for, in order (the random baseline first).
    pub paths: Vec<SnapshotPathResult>,
    /// True when a random, non-existent path was answered with a JPEG: such a server's
    /// images prove nothing about a snapshot URL.
    pub accepts_any_path: bool,
}

/// What an SNMP agent answered to a `GetRequest` for `sysDescr.0` and `sysObjectID.0`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnmpObservation {
    /// UDP port.
    pub port: u16,
    /// SNMP version used (`v2c`).
    pub version: String,
    /// Community string the agent accepted (only well-known ones are ever tried).
    pub community: String,
    /// `sysDescr.0`, sanitised and bounded.
    pub sys_descr: Option<String>,
    /// `sysObjectID.0`, dotted.
    pub sys_object_id: Option<String>,
}

/// An answer proving a peer-to-peer cloud service is running (e.g. a CS2/PPPP LAN-search
/// reply carrying the device's P2P UID).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct P2pObservation {
    /// Transport and port, e.g. `udp` and 32108.
    pub transport: String,
    /// Port answered on.
    pub port: u16,
    /// Protocol recognised, e.g. `cs2_pppp`.
    pub protocol: String,
    /// The P2P UID as disclosed (sanitised); masked by the check before it reaches evidence.
    pub uid: Option<String>,
}

/// A banner read from a line-oriented service (telnet, FTP, SSH).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerObservation {
    /// Port read.
    pub port: u16,
    /// Sanitised, bounded banner text.
    pub banner: String,
}

/// A certificate presented in a TLS handshake (no private data: public fields only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject, RFC 4514 string.
    pub subject: String,
    /// Issuer, RFC 4514 string.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: Option<String>,
    /// End of validity, RFC 3339.
    pub not_after: Option<String>,
    /// Public key algorithm (`rsa`, `ec`, `ed25519`, …).
    pub key_type: Option<String>,
    /// Public key size in bits.
    pub key_bits: Option<u32>,
    /// Signature algorithm name (e.g. `sha256WithRSAEncryption`).
    pub signature_algorithm: Option<String>,
    /// SHA-256 of the DER certificate, lower-case hex.
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo, lower-case hex: equal on devices sharing one key.
    pub spki_sha256: Option<String>,
    /// Subject equals issuer.
    pub self_signed: bool,
}

/// What a TLS probe of one port saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsObservation {
    /// Port probed.
    pub port: u16,
    /// Protocol versions the server accepted, e.g. `["TLS1.0", "TLS1.2"]`.
    pub versions_accepted: Vec<String>,
    /// Protocol versions the server refused.
    pub versions_refused: Vec<String>,
    /// Cipher suite negotiated at the highest accepted version, IANA name.
    pub cipher: Option<String>,
    /// Leaf certificate.
    pub certificate: Option<CertificateInfo>,
    /// Error that ended the probe early, if any.
    pub error: Option<String>,
}

/// A greeting or answer of a vendor's private binary protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPortObservation {
    /// Port probed.
    pub port: u16,
    /// Protocol recognised: `dahua_dhip`, `dahua_dvrip`, `xiongmai_sofia`, `hikvision_sdk`, `rtmp`.
    pub protocol: String,
    /// Sanitised details (e.g. realm, reply code); never credentials.
    pub detail: String,
}

/// An answer to a discovery probe (SSDP M-SEARCH or WS-Discovery Probe), plus what the
/// description it points at disclosed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryObservation {
    /// `ssdp` or `ws_discovery`.
    pub protocol: String,
    /// UDP port answered on.
    pub port: u16,
    /// `SERVER` header (SSDP).
    pub server: Option<String>,
    /// `LOCATION` (SSDP) or first XAddr (WS-Discovery).
    pub location: Option<String>,
    /// Types announced (WS-Discovery) or ST/NT (SSDP).
    pub types: Vec<String>,
    /// Scopes (WS-Discovery).
    pub scopes: Vec<String>,
    /// Manufacturer from the description or scopes.
    pub manufacturer: Option<String>,
    /// Model name from the description or scopes.
    pub model: Option<String>,
    /// Serial number disclosed without authentication, if any.
    pub serial: Option<String>,
    /// Friendly name.
    pub friendly_name: Option<String>,
}

/// One credential tried by the opt-in default-credential check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialAttempt {
    /// `http`, `rtsp`, `onvif`, `telnet` or `ssh`.
    pub protocol: String,
    /// Port tried.
    pub port: u16,
    /// User name tried.
    pub username: String,
    /// Redacted password (see [`crate::redact_secret`]).
    pub password_redacted: String,
    /// Whether the device accepted it.
    pub accepted: bool,
}

/// An SSH server's host key, seen in the key exchange of the opt-in credential check (the
/// same fingerprint on many devices is a key shipped in the firmware).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshHostKey {
    /// Port of the SSH server.
    pub port: u16,
    /// Key algorithm (`ssh-ed25519`, `ssh-rsa`, …).
    pub algorithm: String,
    /// `SHA256:` fingerprint, OpenSSH's form.
    pub fingerprint_sha256: String,
}

/// Everything the probes learnt about one host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostObservation {
    /// Address of the host.
    pub ip: IpAddr,
    /// When probing of the host started.
    pub observed_at: DateTime<Utc>,
    /// Every port tried, with its state.
    pub endpoints: Vec<Endpoint>,
    /// HTTP observations, one per HTTP port.
    pub http: Vec<HttpObservation>,
    /// RTSP observations, one per RTSP port.
    pub rtsp: Vec<RtspObservation>,
    /// ONVIF observation, if a device service answered.
    pub onvif: Option<OnvifObservation>,
    /// Telnet banners.
    pub telnet: Vec<BannerObservation>,
    /// FTP greetings.
    #[serde(default)]
    pub ftp: Vec<BannerObservation>,
    /// SSH identification strings.
    #[serde(default)]
    pub ssh: Vec<BannerObservation>,
    /// TLS observations, one per TLS port.
    #[serde(default)]
    pub tls: Vec<TlsObservation>,
    /// Vendor private protocol answers.
    #[serde(default)]
    pub vendor_ports: Vec<VendorPortObservation>,
    /// Discovery (SSDP, WS-Discovery) answers.
    #[serde(default)]
    pub discovery: Vec<DiscoveryObservation>,
    /// Default credentials tried (only with the opt-in credential check).
    pub credential_attempts: Vec<CredentialAttempt>,
    /// SSH host keys seen by the credential check, one per port.
    #[serde(default)]
    pub ssh_host_keys: Vec<SshHostKey>,
    /// Anonymous snapshot probes, one per HTTP port.
    #[serde(default)]
    pub snapshots: Vec<SnapshotObservation>,
    /// The snapshot probe ran on every HTTP port that answered (false: not probed, so no
    /// snapshot observation proves nothing).
    #[serde(default)]
    pub snapshots_probed: bool,
    /// SNMP agents that answered a well-known community.
    #[serde(default)]
    pub snmp: Vec<SnmpObservation>,
    /// UDP ports the SNMP probe asked (empty: SNMP was not probed, so silence proves nothing).
    #[serde(default)]
    pub snmp_probed: Vec<u16>,
    /// Answers proving a P2P cloud service.
    #[serde(default)]
    pub p2p: Vec<P2pObservation>,
    /// Brute-force lockout test (only with `--lockout-test-account`).
    #[serde(default)]
    pub lockout_test: Option<crate::LockoutTest>,
    /// User enumeration test (only with `--check-user-enumeration`).
    #[serde(default)]
    pub user_enumeration: Option<crate::EnumerationTest>,
    /// Safe CVE confirmations (only with `--confirm-cves`).
    #[serde(default)]
    pub cve_confirmations: Vec<crate::CveConfirmation>,
}

impl HostObservation {
    /// An observation with no endpoints yet.
    pub fn new(ip: IpAddr, observed_at: DateTime<Utc>) -> Self {
        Self {
            ip,
            observed_at,
            endpoints: Vec::new(),
            http: Vec::new(),
            rtsp: Vec::new(),
            onvif: None,
            telnet: Vec::new(),
            ftp: Vec::new(),
            ssh: Vec::new(),
            tls: Vec::new(),
            vendor_ports: Vec::new(),
            discovery: Vec::new(),
            credential_attempts: Vec::new(),
            ssh_host_keys: Vec::new(),
            snapshots: Vec::new(),
            snapshots_probed: false,
            snmp: Vec::new(),
            snmp_probed: Vec::new(),
            p2p: Vec::new(),
            lockout_test: None,
            user_enumeration: None,
            cve_confirmations: Vec::new(),
        }
    }

    /// Ports found open.
    pub fn open_ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.endpoints
            .iter()
            .filter(|e| e.state == EndpointState::Open)
            .map(|e| e.port)
    }

    /// True when at least one endpoint was open.
    pub fn is_alive(&self) -> bool {
        self.open_ports().next().is_some()
    }
}
