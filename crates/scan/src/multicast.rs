//! Multicast discovery on the local segment (`camguard scan --local --interface NAME`).
//!
//! One WS-Discovery `Probe` to `239.255.255.250:3702` and one SSDP `M-SEARCH` to
//! `239.255.255.250:1900`, sent out of the named interface only (`SO_BINDTODEVICE`, TTL 1 so
//! no router forwards them), then the unicast replies are collected for a bounded window
//! (`wait`, at most [`MAX_REPLIES`] datagrams of at most [`MAX_DATAGRAM`] bytes). A reply from
//! an address outside the scan's targets is ignored and logged: multicast reaches every
//! device on the segment, the scan's scope does not. IPv4 only.
//!
//! The answers of each in-scope device become [`DiscoveryObservation`]s (`ssdp`,
//! `ws_discovery`) that the caller adds to that host's observation.

use crate::probe_discovery::{message_id, ssdp_observation, wsd_observation};
use crate::targets::TargetSet;
use camguard_model::DiscoveryObservation;
use camguard_protocols::discovery;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;
use tokio::net::UdpSocket;

/// The SSDP / WS-Discovery multicast group.
pub const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// SSDP port.
pub const SSDP_PORT: u16 = 1900;
/// WS-Discovery port.
pub const WSD_PORT: u16 = 3702;
/// Most reply datagrams read in one window (both protocols together).
pub const MAX_REPLIES: usize = 4096;
/// Largest reply datagram read (longer ones are truncated and fail to parse).
pub const MAX_DATAGRAM: usize = 16 * 1024;
/// Most out-of-scope senders logged one by one (the rest are counted).
const MAX_LOGGED: usize = 32;

/// Where and how long to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOptions {
    /// Network interface the multicast is sent from (e.g. `eth0`).
    pub interface: String,
    /// How long replies are collected after the two requests.
    pub wait: Duration,
}

/// Why multicast discovery could not run.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The interface name is not one of this machine's interfaces.
    #[error("no network interface named '{0}' (see `ip link`)")]
    NoInterface(String),
    /// A socket operation failed.
    #[error("multicast discovery on {interface}: {source}")]
    Io {
        /// The interface.
        interface: String,
        /// The error.
        source: std::io::Error,
    },
}

/// What the window collected.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LocalFindings {
    /// In-scope devices and what they announced.
    pub hosts: BTreeMap<IpAddr, Vec<DiscoveryObservation>>,
    /// Out-of-scope senders and how many datagrams each sent (ignored).
    pub ignored: BTreeMap<IpAddr, usize>,
}

/// A name the kernel could hold (`IFNAMSIZ` − 1 bytes, no `/`, not `.`/`..`) that names an
/// interface of this machine (Linux: `/sys/class/net/NAME`).
fn check_interface(name: &str) -> Result<(), LocalError> {
    let plausible = !name.is_empty()
        && name.len() < 16
        && !name.contains(['/', '\0'])
        && name != "."
        && name != "..";
    if plausible && std::path::Path::new("/sys/class/net").join(name).exists() {
        Ok(())
    } else {
        Err(LocalError::NoInterface(name.to_string()))
    }
}

/// A UDP socket that sends out of `interface` only, with a multicast TTL of 1.
fn socket_on(interface: &str) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.bind_device(Some(interface.as_bytes()))?;
    s.set_multicast_ttl_v4(1)?;
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)).into())?;
    UdpSocket::from_std(s.into())
}

/// Send the Probe and the M-SEARCH out of `opts.interface` and collect the replies of the
/// devices inside `scope` for `opts.wait`.
pub async fn discover_local(
    opts: &LocalOptions,
    scope: &TargetSet,
) -> Result<LocalFindings, LocalError> {
    check_interface(&opts.interface)?;
    let io = |source| LocalError::Io {
        interface: opts.interface.clone(),
        source,
    };
    let ssdp = socket_on(&opts.interface).map_err(io)?;
    let wsd = socket_on(&opts.interface).map_err(io)?;
    let ssdp_group = SocketAddr::V4(SocketAddrV4::new(GROUP, SSDP_PORT));
    let wsd_group = SocketAddr::V4(SocketAddrV4::new(GROUP, WSD_PORT));
    let id = message_id();
    tracing::info!(
        interface = %opts.interface,
        wait_ms = opts.wait.as_millis() as u64,
        "multicast discovery: WS-Discovery Probe and SSDP M-SEARCH to {GROUP}"
    );
    wsd.send_to(discovery::wsd_probe(&id).as_bytes(), wsd_group)
        .await
        .map_err(io)?;
    ssdp.send_to(discovery::msearch(ssdp_group).as_bytes(), ssdp_group)
        .await
        .map_err(io)?;

    // Per sender: (SSDP datagrams, its port), (WS-Discovery datagrams, its port).
    type Heard = ((Vec<Vec<u8>>, u16), (Vec<Vec<u8>>, u16));
    let mut heard: BTreeMap<IpAddr, Heard> = BTreeMap::new();
    let mut findings = LocalFindings::default();
    let (mut a, mut b) = (vec![0u8; MAX_DATAGRAM], vec![0u8; MAX_DATAGRAM]);
    let end = tokio::time::Instant::now() + opts.wait;
    let mut count = 0usize;
    while count < MAX_REPLIES {
        let got = tokio::select! {
            r = ssdp.recv_from(&mut a) => r.map(|(n, from)| (true, a[..n].to_vec(), from)),
            r = wsd.recv_from(&mut b) => r.map(|(n, from)| (false, b[..n].to_vec(), from)),
            _ = tokio::time::sleep_until(end) => break,
        };
        let Ok((is_ssdp, datagram, from)) = got else {
            // An ICMP error from an earlier send; the window goes on.
            continue;
        };
        count += 1;
        if !scope.contains(from.ip()) {
            let n = findings.ignored.entry(from.ip()).or_insert(0);
            *n += 1;
            if *n == 1 && findings.ignored.len() <= MAX_LOGGED {
                tracing::warn!(
                    sender = %from.ip(),
                    "multicast discovery: reply from outside the scan's targets ignored"
                );
            }
            continue;
        }
        let entry = heard.entry(from.ip()).or_default();
        let (list, port) = if is_ssdp { &mut entry.0 } else { &mut entry.1 };
        *port = from.port();
        if list.len() < discovery::MAX_REPLIES * 4 {
            list.push(datagram);
        }
    }
    if findings.ignored.len() > MAX_LOGGED {
        tracing::warn!(
            senders = findings.ignored.len(),
            "multicast discovery: replies from outside the scan's targets ignored"
        );
    }
    for (ip, ((ssdp_replies, ssdp_port), (wsd_replies, wsd_port))) in heard {
        let found: Vec<DiscoveryObservation> = [
            ssdp_observation(ssdp_port, &ssdp_replies),
            wsd_observation(wsd_port, &wsd_replies, &id),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !found.is_empty() {
            findings.hosts.insert(ip, found);
        }
    }
    tracing::info!(
        devices = findings.hosts.len(),
        ignored = findings.ignored.len(),
        "multicast discovery done"
    );
    Ok(findings)
}

/// Add what multicast discovery found for `obs`'s host to its observation (an answer of a
/// protocol the unicast probes already recorded on the same port is not repeated).
pub fn merge_into(findings: &mut LocalFindings, obs: &mut camguard_model::HostObservation) {
    let Some(found) = findings.hosts.remove(&obs.ip) else {
        return;
    };
    for d in found {
        if !obs
            .discovery
            .iter()
            .any(|e| e.protocol == d.protocol && e.port == d.port)
        {
            obs.discovery.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_are_checked_before_any_socket() {
        for bad in ["", "..", "a/b", "no-such-if0", "0123456789abcdef"] {
            assert!(
                matches!(check_interface(bad), Err(LocalError::NoInterface(_))),
                "{bad}"
            );
        }
        assert!(check_interface("lo").is_ok());
        let e = LocalError::NoInterface("eth9".into()).to_string();
        assert_eq!(e, "no network interface named 'eth9' (see `ip link`)");
    }

    #[test]
    fn merge_adds_new_answers_once() {
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let d = |protocol: &str, port| DiscoveryObservation {
            protocol: protocol.into(),
            port,
            ..DiscoveryObservation::default()
        };
        let mut f = LocalFindings::default();
        f.hosts
            .insert(ip, vec![d("ssdp", 1900), d("ws_discovery", 3702)]);
        let mut obs = camguard_model::HostObservation::new(ip, chrono::Utc::now());
        obs.discovery.push(d("ssdp", 1900));
        merge_into(&mut f, &mut obs);
        assert_eq!(
            obs.discovery,
            vec![d("ssdp", 1900), d("ws_discovery", 3702)]
        );
        assert!(f.hosts.is_empty());
        let mut other =
            camguard_model::HostObservation::new("10.0.0.8".parse().unwrap(), chrono::Utc::now());
        merge_into(&mut f, &mut other);
        assert!(other.discovery.is_empty());
    }
}
