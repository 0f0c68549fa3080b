//! Multicast discovery on the local segment (`camguard scan --local --interface NAME`).
//!
//! One WS-Discovery `Probe` and one SSDP `M-SEARCH` per address family, sent out of the named
//! interface only (`SO_BINDTODEVICE`, TTL / hop limit 1 so no router forwards them):
//!
//! * IPv4: to `239.255.255.250:3702` and `239.255.255.250:1900`;
//! * IPv6: to the link-local group `[FF02::C]:3702` (WS-Discovery 1.1) and `[FF02::C]:1900`
//!   (UPnP Device Architecture 1.1, `HOST: [FF02::C]:1900`), with the interface's index as
//!   scope id and `IPV6_MULTICAST_IF`.
//!
//! [`LocalFamily::Both`] (the default) uses each family the interface carries an address of
//! (asked of the kernel, [`crate::local_interface`]). Then the unicast replies are collected
//! for a bounded window (`wait`, at most [`MAX_REPLIES`] datagrams of at most
//! [`MAX_DATAGRAM`] bytes). A reply from an address outside the scan's targets is ignored and
//! logged: multicast reaches every device on the segment, the scan's scope does not. A reply
//! from a link-local `fe80::` address is logged with its scope (`fe80::1%eth0`) and its scope
//! id kept in [`LocalFindings::scope_ids`].
//!
//! The answers of each in-scope device become [`DiscoveryObservation`]s (`ssdp`,
//! `ws_discovery`) that the caller adds to that host's observation.

use crate::local_interface::{interface_info, InterfaceInfo};
use crate::probe_discovery::{message_id, ssdp_observation, wsd_observation};
use crate::targets::TargetSet;
use camguard_model::DiscoveryObservation;
use camguard_protocols::discovery;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;
use tokio::net::UdpSocket;

/// The IPv4 SSDP / WS-Discovery multicast group.
pub const GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// The IPv6 link-local SSDP / WS-Discovery multicast group (`FF02::C`).
pub const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xc);
/// SSDP port.
pub const SSDP_PORT: u16 = 1900;
/// WS-Discovery port.
pub const WSD_PORT: u16 = 3702;
/// Most reply datagrams read in one window (both protocols and families together).
pub const MAX_REPLIES: usize = 4096;
/// Largest reply datagram read (longer ones are truncated and fail to parse).
pub const MAX_DATAGRAM: usize = 16 * 1024;
/// Most out-of-scope senders logged one by one (the rest are counted).
const MAX_LOGGED: usize = 32;

/// Which address families `--local` multicasts over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LocalFamily {
    /// IPv4 only (239.255.255.250).
    V4,
    /// IPv6 only (FF02::C).
    V6,
    /// Each family the interface carries an address of.
    #[default]
    Both,
}

/// Where and how long to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOptions {
    /// Network interface the multicast is sent from (e.g. `eth0`).
    pub interface: String,
    /// How long replies are collected after the requests.
    pub wait: Duration,
    /// Address families used.
    pub family: LocalFamily,
}

/// Why multicast discovery could not run.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The interface name is not one of this machine's interfaces.
    #[error("no network interface named '{0}' (see `ip link`)")]
    NoInterface(String),
    /// The interface carries no address of the family asked for.
    #[error("network interface '{interface}' has no {family} address (see `ip addr`)")]
    NoFamily {
        /// The interface.
        interface: String,
        /// `IPv4`, `IPv6` or `IPv4 or IPv6`.
        family: &'static str,
    },
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
    /// Scope id (interface index) of each in-scope link-local IPv6 sender.
    pub scope_ids: BTreeMap<Ipv6Addr, u32>,
}

/// A name the kernel could hold (`IFNAMSIZ` − 1 bytes, no `/`, not `.`/`..`) that names an
/// interface of this network namespace; its index, state and address families.
fn check_interface(name: &str) -> Result<InterfaceInfo, LocalError> {
    let plausible = !name.is_empty()
        && name.len() < 16
        && !name.contains(['/', '\0', ' '])
        && name != "."
        && name != "..";
    if !plausible {
        return Err(LocalError::NoInterface(name.to_string()));
    }
    match interface_info(name) {
        Ok(Some(info)) => Ok(info),
        Ok(None) => Err(LocalError::NoInterface(name.to_string())),
        Err(source) => Err(LocalError::Io {
            interface: name.to_string(),
            source,
        }),
    }
}

/// The families to use on an interface with `info` (an error when none is usable).
fn families(
    interface: &str,
    family: LocalFamily,
    info: &InterfaceInfo,
) -> Result<(bool, bool), LocalError> {
    let no = |family| LocalError::NoFamily {
        interface: interface.to_string(),
        family,
    };
    match family {
        LocalFamily::V4 if !info.ipv4 => Err(no("IPv4")),
        LocalFamily::V4 => Ok((true, false)),
        LocalFamily::V6 if !info.ipv6 => Err(no("IPv6")),
        LocalFamily::V6 => Ok((false, true)),
        LocalFamily::Both if !info.ipv4 && !info.ipv6 => Err(no("IPv4 or IPv6")),
        LocalFamily::Both => Ok((info.ipv4, info.ipv6)),
    }
}

/// A UDP socket that sends out of `interface` only, with a multicast TTL of 1.
fn socket_v4(interface: &str) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.bind_device(Some(interface.as_bytes()))?;
    s.set_multicast_ttl_v4(1)?;
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)).into())?;
    UdpSocket::from_std(s.into())
}

/// An IPv6 UDP socket that sends out of `interface` (index `index`) only, hop limit 1.
fn socket_v6(interface: &str, index: u32) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV6, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_only_v6(true)?;
    s.bind_device(Some(interface.as_bytes()))?;
    s.set_multicast_if_v6(index)?;
    s.set_multicast_hops_v6(1)?;
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)).into())?;
    UdpSocket::from_std(s.into())
}

/// The SSDP `M-SEARCH` for a group: the `HOST` header names the group without scope
/// (`239.255.255.250:1900`, `[ff02::c]:1900`).
pub fn msearch_for(group: IpAddr) -> String {
    let host = match group {
        IpAddr::V4(g) => SocketAddr::V4(SocketAddrV4::new(g, SSDP_PORT)),
        IpAddr::V6(g) => SocketAddr::V6(SocketAddrV6::new(g, SSDP_PORT, 0, 0)),
    };
    discovery::msearch(host)
}

/// True for `fe80::/10`.
fn is_link_local(ip: &Ipv6Addr) -> bool {
    ip.segments()[0] & 0xffc0 == 0xfe80
}

/// How a sender is named in the log: link-local IPv6 with its scope (`fe80::1%eth0`).
fn sender_name(from: &SocketAddr, interface: &str, index: u32) -> String {
    match from {
        SocketAddr::V6(a) if is_link_local(a.ip()) => {
            if a.scope_id() == index {
                format!("{}%{interface}", a.ip())
            } else {
                format!("{}%{}", a.ip(), a.scope_id())
            }
        }
        _ => from.ip().to_string(),
    }
}

/// Open the SSDP and WS-Discovery sockets of `group`'s family on `interface` (index `index`,
/// the scope of the IPv6 group) and send the M-SEARCH and the Probe from them.
async fn send_requests(
    interface: &str,
    index: u32,
    group: IpAddr,
    probe: &str,
) -> std::io::Result<[(UdpSocket, bool); 2]> {
    let (ssdp, wsd) = match group {
        IpAddr::V4(_) => (socket_v4(interface)?, socket_v4(interface)?),
        IpAddr::V6(_) => (socket_v6(interface, index)?, socket_v6(interface, index)?),
    };
    let to = |port| match group {
        IpAddr::V4(g) => SocketAddr::V4(SocketAddrV4::new(g, port)),
        IpAddr::V6(g) => SocketAddr::V6(SocketAddrV6::new(g, port, 0, index)),
    };
    wsd.send_to(probe.as_bytes(), to(WSD_PORT)).await?;
    ssdp.send_to(msearch_for(group).as_bytes(), to(SSDP_PORT))
        .await?;
    Ok([(ssdp, true), (wsd, false)])
}

/// One received datagram: SSDP or not, bytes, sender.
type Datagram = (bool, Vec<u8>, SocketAddr);

/// Send the Probe and the M-SEARCH of every family used out of `opts.interface` and collect
/// the replies of the devices inside `scope` for `opts.wait`.
pub async fn discover_local(
    opts: &LocalOptions,
    scope: &TargetSet,
) -> Result<LocalFindings, LocalError> {
    let info = check_interface(&opts.interface)?;
    let (v4, v6) = families(&opts.interface, opts.family, &info)?;
    if !info.up || !info.multicast {
        tracing::warn!(
            interface = %opts.interface,
            up = info.up,
            multicast = info.multicast,
            "multicast discovery: the interface is down or not multicast-capable; replies are unlikely"
        );
    }
    let io = |source| LocalError::Io {
        interface: opts.interface.clone(),
        source,
    };
    let id = message_id();
    let probe = discovery::wsd_probe(&id);
    // (socket, carries SSDP)
    let mut sockets: Vec<(UdpSocket, bool)> = Vec::new();
    let mut failures = Vec::new();
    for (used, family, group) in [
        (v4, "IPv4", IpAddr::V4(GROUP)),
        (v6, "IPv6", IpAddr::V6(GROUP6)),
    ] {
        if !used {
            continue;
        }
        match send_requests(&opts.interface, info.index, group, &probe).await {
            Ok(s) => sockets.extend(s),
            Err(e) => failures.push((family, e)),
        }
    }
    for (family, e) in &failures {
        tracing::warn!(interface = %opts.interface, "multicast discovery over {family}: {e}");
    }
    if sockets.is_empty() {
        // Every family asked for failed: the first error is the answer.
        let e = failures
            .into_iter()
            .next()
            .map(|(_, e)| e)
            .unwrap_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address family")
            });
        return Err(io(e));
    }
    tracing::info!(
        interface = %opts.interface,
        wait_ms = opts.wait.as_millis() as u64,
        ipv4 = v4 && !failures.iter().any(|(f, _)| *f == "IPv4"),
        ipv6 = v6 && !failures.iter().any(|(f, _)| *f == "IPv6"),
        "multicast discovery: WS-Discovery Probe and SSDP M-SEARCH sent"
    );

    // Each socket is read by its own task until the window closes; the tasks end with it
    // (and are aborted when the set is dropped).
    let end = tokio::time::Instant::now() + opts.wait;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Datagram>(256);
    let mut readers = tokio::task::JoinSet::new();
    for (socket, is_ssdp) in sockets {
        let tx = tx.clone();
        readers.spawn(async move {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            loop {
                let got = tokio::select! {
                    r = socket.recv_from(&mut buf) => r,
                    _ = tokio::time::sleep_until(end) => break,
                };
                // An error is an ICMP error from an earlier send; the window goes on.
                if let Ok((n, from)) = got {
                    if tx.send((is_ssdp, buf[..n].to_vec(), from)).await.is_err() {
                        break;
                    }
                }
            }
        });
    }
    drop(tx);

    // Per sender: (SSDP datagrams, its port), (WS-Discovery datagrams, its port).
    type Heard = ((Vec<Vec<u8>>, u16), (Vec<Vec<u8>>, u16));
    let mut heard: BTreeMap<IpAddr, Heard> = BTreeMap::new();
    let mut findings = LocalFindings::default();
    let mut count = 0usize;
    while count < MAX_REPLIES {
        let got = tokio::select! {
            r = rx.recv() => r,
            _ = tokio::time::sleep_until(end) => None,
        };
        let Some((is_ssdp, datagram, from)) = got else {
            break;
        };
        count += 1;
        if !scope.contains(from.ip()) {
            let n = findings.ignored.entry(from.ip()).or_insert(0);
            *n += 1;
            if *n == 1 && findings.ignored.len() <= MAX_LOGGED {
                tracing::warn!(
                    sender = %sender_name(&from, &opts.interface, info.index),
                    "multicast discovery: reply from outside the scan's targets ignored"
                );
            }
            continue;
        }
        if let SocketAddr::V6(a) = from {
            if is_link_local(a.ip()) {
                findings.scope_ids.insert(*a.ip(), a.scope_id());
            }
        }
        let entry = heard.entry(from.ip()).or_default();
        let (list, port) = if is_ssdp { &mut entry.0 } else { &mut entry.1 };
        *port = from.port();
        if list.len() < discovery::MAX_REPLIES * 4 {
            list.push(datagram);
        }
    }
    readers.abort_all();
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
        let lo = check_interface("lo").unwrap();
        assert!(lo.index >= 1 && lo.ipv4, "{lo:?}");
        let e = LocalError::NoInterface("eth9".into()).to_string();
        assert_eq!(e, "no network interface named 'eth9' (see `ip link`)");
    }

    #[test]
    fn both_uses_the_families_the_interface_has_and_one_family_must_be_there() {
        let info = |ipv4, ipv6| InterfaceInfo {
            index: 3,
            up: true,
            multicast: true,
            ipv4,
            ipv6,
        };
        let f = |family, i: &InterfaceInfo| families("cg0", family, i).map_err(|e| e.to_string());
        assert_eq!(f(LocalFamily::Both, &info(true, true)), Ok((true, true)));
        assert_eq!(f(LocalFamily::Both, &info(false, true)), Ok((false, true)));
        assert_eq!(f(LocalFamily::Both, &info(true, false)), Ok((true, false)));
        assert_eq!(f(LocalFamily::V6, &info(true, true)), Ok((false, true)));
        assert_eq!(f(LocalFamily::V4, &info(true, true)), Ok((true, false)));
        assert_eq!(
            f(LocalFamily::V4, &info(false, true)),
            Err("network interface 'cg0' has no IPv4 address (see `ip addr`)".into())
        );
        assert_eq!(
            f(LocalFamily::V6, &info(true, false)),
            Err("network interface 'cg0' has no IPv6 address (see `ip addr`)".into())
        );
        assert!(f(LocalFamily::Both, &info(false, false))
            .unwrap_err()
            .contains("no IPv4 or IPv6 address"));
    }

    #[test]
    fn ssdp_host_header_is_the_group_in_bracket_form_without_scope() {
        let v6 = msearch_for(GROUP6.into());
        assert!(v6.contains("\r\nHOST: [ff02::c]:1900\r\n"), "{v6}");
        assert!(v6.starts_with("M-SEARCH * HTTP/1.1\r\n"), "{v6}");
        let v4 = msearch_for(GROUP.into());
        assert!(v4.contains("\r\nHOST: 239.255.255.250:1900\r\n"), "{v4}");
        assert_eq!(GROUP6.to_string(), "ff02::c");
    }

    #[test]
    fn link_local_senders_are_named_with_their_scope() {
        let ll: SocketAddr = "[fe80::10]:3702".parse().unwrap();
        let SocketAddr::V6(mut a) = ll else {
            unreachable!()
        };
        a.set_scope_id(7);
        assert_eq!(sender_name(&a.into(), "cg0", 7), "fe80::10%cg0");
        assert_eq!(sender_name(&a.into(), "cg0", 8), "fe80::10%7");
        let ula: SocketAddr = "[fd00::10]:3702".parse().unwrap();
        assert_eq!(sender_name(&ula, "cg0", 7), "fd00::10");
        assert!(is_link_local(&"febf::1".parse().unwrap()));
        assert!(!is_link_local(&"fec0::1".parse().unwrap()));
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
