//! Scan configuration.

use crate::data::{ProbeKind, UdpProbe};
use camguard_model::HostObservation;
use camguard_protocols::auth::Credentials;
use camguard_protocols::http::ClientOptions;
use std::sync::Arc;
use std::time::Duration;

/// Names the vendor of a partly probed host (the CLI backs it with the fingerprint
/// engine); used to put that vendor's default credentials first.
pub type VendorHint = Arc<dyn Fn(&HostObservation) -> Option<String> + Send + Sync>;

/// Everything that steers a scan. Intrusive steps (`prove_streams`, `check_credentials`)
/// are off by default.
#[derive(Clone)]
pub struct ScanConfig {
    /// TCP ports to try on every host, in order.
    pub ports: Vec<u16>,
    /// Hosts probed in parallel.
    pub concurrency: usize,
    /// New connections per second, whole scan (0 = unlimited).
    pub rate_per_sec: u32,
    /// Parallel connections to one host.
    pub per_host_parallel: usize,
    /// Deadline of each TCP connect.
    pub connect_timeout: Duration,
    /// Deadline of each request/answer exchange.
    pub io_timeout: Duration,
    /// Opt-in: PLAY the first stream that DESCRIBE answered 200 and count RTP packets.
    pub prove_streams: bool,
    /// Opt-in: try vendor default credentials.
    pub check_credentials: bool,
    /// Hard cap of credential attempts per device (kept below a 5-failure lockout).
    pub max_credential_attempts: u32,
    /// Vendor guess used to order default credentials.
    pub vendor_hint: Option<VendorHint>,
    /// Most sockets open at once, whole scan.
    pub max_in_flight: usize,
    /// Credentials the operator supplied (used for ONVIF GetProfiles/GetStreamUri and
    /// authenticated device information); never guessed.
    pub known_credentials: Option<Credentials>,
    /// RTP packets the stream proof waits for.
    pub stream_packets: u32,
    /// Longest time the stream proof reads media.
    pub stream_deadline: Duration,
    /// Probe to run on ports that are not in the port table (or to replace the table's
    /// choice), e.g. `(2323, ProbeKind::Telnet)`. Ports not listed anywhere get HTTP.
    pub probe_overrides: Vec<(u16, ProbeKind)>,
    /// UDP discovery probes sent to every host that has an open TCP port (unicast to the
    /// host only), e.g. `(1900, UdpProbe::Ssdp)`.
    pub udp_probes: Vec<(u16, UdpProbe)>,
    /// How long each UDP discovery probe waits for answers.
    pub discovery_wait: Duration,
    /// Only discover: connect to every port and report its state, but run no probe (no
    /// banner read, request or UDP discovery) on the open ports.
    pub discovery_only: bool,
    /// UDP ports of the SNMP probe (`GetRequest` with `public`; `private` too with
    /// `check_credentials`), sent to every host with an open TCP port.
    pub snmp_ports: Vec<u16>,
    /// P2P LAN-search probes, (UDP port, indicator id of `data/checks/p2p_indicators.toml`),
    /// sent to every host with an open TCP port.
    pub p2p_probes: Vec<(u16, String)>,
    /// Opt-in, intrusive: the brute-force lockout test of one named account.
    pub lockout_test: Option<crate::LockoutTestConfig>,
    /// Opt-in, intrusive: the user enumeration test against this named account.
    pub user_enumeration: Option<String>,
    /// Opt-in, intrusive: safe confirmations of famous CVEs.
    pub confirm_cves: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            ports: crate::data::default_ports(),
            concurrency: 64,
            rate_per_sec: 200,
            per_host_parallel: 4,
            connect_timeout: Duration::from_secs(2),
            io_timeout: Duration::from_secs(5),
            prove_streams: false,
            check_credentials: false,
            max_credential_attempts: 4,
            vendor_hint: None,
            max_in_flight: 256,
            known_credentials: None,
            stream_packets: 3,
            stream_deadline: Duration::from_secs(5),
            probe_overrides: Vec::new(),
            udp_probes: crate::data::default_udp_probes(),
            discovery_wait: Duration::from_millis(800),
            discovery_only: false,
            snmp_ports: vec![161],
            p2p_probes: crate::probe_p2p::default_p2p_probes(),
            lockout_test: None,
            user_enumeration: None,
            confirm_cves: false,
        }
    }
}

impl std::fmt::Debug for ScanConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanConfig")
            .field("ports", &self.ports)
            .field("concurrency", &self.concurrency)
            .field("rate_per_sec", &self.rate_per_sec)
            .field("per_host_parallel", &self.per_host_parallel)
            .field("connect_timeout", &self.connect_timeout)
            .field("io_timeout", &self.io_timeout)
            .field("prove_streams", &self.prove_streams)
            .field("check_credentials", &self.check_credentials)
            .field("max_credential_attempts", &self.max_credential_attempts)
            .field("vendor_hint", &self.vendor_hint.is_some())
            .field("max_in_flight", &self.max_in_flight)
            .field(
                "known_credentials",
                &self.known_credentials.as_ref().map(|c| &c.username),
            )
            .field("stream_packets", &self.stream_packets)
            .field("stream_deadline", &self.stream_deadline)
            .field("probe_overrides", &self.probe_overrides)
            .field("udp_probes", &self.udp_probes)
            .field("discovery_wait", &self.discovery_wait)
            .field("discovery_only", &self.discovery_only)
            .field("snmp_ports", &self.snmp_ports)
            .field("p2p_probes", &self.p2p_probes)
            .field("lockout_test", &self.lockout_test)
            .field("user_enumeration", &self.user_enumeration)
            .field("confirm_cves", &self.confirm_cves)
            .finish()
    }
}

impl ScanConfig {
    /// The probe for a port: an override, else the port table, else HTTP.
    pub fn probe_kind(&self, port: u16) -> ProbeKind {
        self.probe_overrides
            .iter()
            .find(|(p, _)| *p == port)
            .map(|(_, k)| *k)
            .unwrap_or_else(|| crate::data::probe_for(port))
    }

    /// Client options derived from the deadlines.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            connect_timeout: self.connect_timeout,
            io_timeout: self.io_timeout,
            ..ClientOptions::default()
        }
    }
}
