//! IPv6 link-local multicast discovery of a lab (lab-file table `[multicast6]`), for tests that
//! run the lab inside a network namespace of their own with an IPv6 interface (a veth pair):
//!
//! ```toml
//! [multicast6]
//! interface = "cg0"                      # joined to FF02::C
//! [multicast6.addresses]                 # device id → an address the test put on the interface
//! hik = "fd00:6c61:6200::10"
//! ```
//!
//! One socket per protocol joins `FF02::C` on the interface at the device's SSDP / WS-Discovery
//! port; every listed device answers each datagram from a socket bound to its own IPv6
//! address (so the scanner sees one sender per device), advertising its endpoints under that
//! address (`LOCATION: http://[fd00:…]:49152/…`, `XAddrs` `http://[fd00:…]:80/onvif/…`). The
//! lab's TCP services stay on 127.x.y.z: the advertised IPv6 endpoints are for recording.
//!
//! The lab refuses to join on an interface that PID 1's network namespace (the host's, or the
//! container's) has, so no multicast ever happens on a real segment: the interface must be
//! one the test made inside its own namespace.

use crate::device::Device;
use crate::error::LabError;
use crate::udp::{Member, Protocol};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The IPv6 link-local SSDP / WS-Discovery group.
pub const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xc);

/// The `[multicast6]` table of a lab file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multicast6 {
    /// Interface joined to `FF02::C` (inside the lab's own network namespace).
    pub interface: String,
    /// Device id → the IPv6 address it answers from.
    pub addresses: BTreeMap<String, Ipv6Addr>,
}

/// Parse the `[multicast6]` table.
pub fn parse(value: toml::Value) -> Result<Multicast6, LabError> {
    let m: Multicast6 = value
        .try_into()
        .map_err(|e: toml::de::Error| LabError::Syntax(format!("[multicast6]: {}", e.message())))?;
    if m.interface.is_empty() || m.interface.len() > 15 || m.interface.contains(['/', '\0']) {
        return Err(LabError::Syntax(format!(
            "[multicast6]: `interface` '{}' is not an interface name",
            m.interface
        )));
    }
    if let Some((id, a)) = m
        .addresses
        .iter()
        .find(|(_, a)| a.is_multicast() || a.is_unspecified() || a.is_loopback())
    {
        return Err(LabError::Syntax(format!(
            "[multicast6.addresses]: {id} = {a} is not a unicast address"
        )));
    }
    Ok(m)
}

/// An `Options` error.
fn refuse(message: String) -> LabError {
    LabError::Options(format!("multicast6: {message}"))
}

/// Interface names of a `/proc/<pid>/net/dev`.
fn interface_names(path: &str) -> Result<Vec<String>, LabError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| refuse(format!("cannot read {path}: {e}")))?;
    Ok(text
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect())
}

/// True when `interface` is one of PID 1's network namespace (the host's, or a container's):
/// always so in that namespace itself, since the interface must exist to be joined. (PID 1's
/// `ns/net` link is not readable everywhere; its `net/dev` is.)
fn on_pid1_namespace(interface: &str) -> Result<bool, LabError> {
    Ok(interface_names("/proc/1/net/dev")?
        .iter()
        .any(|n| n == interface))
}

/// The index of `name` in this namespace (`/proc/self/net/if_inet6`; only interfaces with an
/// IPv6 address are listed, which joining FF02::C needs anyway).
fn ipv6_index(name: &str) -> Result<u32, LabError> {
    let text = std::fs::read_to_string("/proc/self/net/if_inet6")
        .map_err(|e| refuse(format!("no IPv6 here (/proc/self/net/if_inet6: {e})")))?;
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 6 && f[5] == name).then(|| u32::from_str_radix(f[1], 16).ok())?
        })
        .next()
        .ok_or_else(|| refuse(format!("interface '{name}' has no IPv6 address here")))
}

/// The URL host of an IPv6 address (`[fd00::10]`).
pub fn url_host(addr: Ipv6Addr) -> String {
    format!("[{addr}]")
}

/// Bind the listed devices' IPv6 sockets, join `FF02::C` on the interface and start
/// answering; tasks end when `stop` changes.
pub(crate) async fn start(
    devices: &[Arc<Device>],
    config: &Multicast6,
    stop: &watch::Sender<bool>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    if on_pid1_namespace(&config.interface)? {
        return Err(refuse(format!(
            "interface '{}' is one of PID 1's network namespace; refusing to join FF02::C \
             (run the lab in a namespace of its own, `unshare -n`, on an interface made there)",
            config.interface
        )));
    }
    let index = ipv6_index(&config.interface)?;
    let mut groups: BTreeMap<(Protocol, u16), Vec<Member>> = BTreeMap::new();
    for (id, addr) in &config.addresses {
        let device = devices.iter().find(|d| &d.spec.id == id).ok_or_else(|| {
            refuse(format!(
                "no device '{id}' with upnp or ws_discovery in this lab"
            ))
        })?;
        for (protocol, port) in [
            (Protocol::Ssdp, device.discovery.ssdp),
            (Protocol::Wsd, device.discovery.wsd),
        ] {
            let Some(port) = port else { continue };
            // A link-local address is bound with the interface as its scope.
            let scope = if addr.segments()[0] & 0xffc0 == 0xfe80 {
                index
            } else {
                0
            };
            let at = SocketAddr::V6(SocketAddrV6::new(*addr, port, 0, scope));
            let socket = UdpSocket::bind(at)
                .await
                .map_err(|source| LabError::Bind { addr: at, source })?;
            groups.entry((protocol, port)).or_default().push(Member {
                socket: Arc::new(socket),
                device: device.clone(),
                host: Some(url_host(*addr)),
            });
        }
    }
    let mut tasks = Vec::new();
    for ((protocol, port), members) in groups {
        let at = SocketAddr::V6(SocketAddrV6::new(GROUP6, port, 0, index));
        let socket = {
            use socket2::{Domain, Protocol as P, Socket, Type};
            let bind = |s: &Socket| {
                s.set_only_v6(true)?;
                s.set_nonblocking(true)?;
                s.bind(&at.into())?;
                s.join_multicast_v6(&GROUP6, index)
            };
            let s = Socket::new(Domain::IPV6, Type::DGRAM, Some(P::UDP))
                .map_err(|source| LabError::Bind { addr: at, source })?;
            bind(&s).map_err(|source| LabError::Bind { addr: at, source })?;
            UdpSocket::from_std(s.into()).map_err(|source| LabError::Bind { addr: at, source })?
        };
        tracing::info!(%at, interface = %config.interface, devices = members.len(), "joined FF02::C (netns)");
        tasks.push(crate::udp::respond(
            Arc::new(socket),
            protocol,
            members,
            stop,
        ));
    }
    Ok(tasks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_bad_entries_are_refused() {
        let v: toml::Value =
            toml::from_str("interface = \"cg0\"\n[addresses]\nhik = \"fd00:6c61:6200::10\"\n")
                .unwrap();
        let m = parse(v).unwrap();
        assert_eq!(m.interface, "cg0");
        assert_eq!(
            m.addresses["hik"],
            "fd00:6c61:6200::10".parse::<Ipv6Addr>().unwrap()
        );
        for bad in [
            "interface = \"cg0\"\n[addresses]\nhik = \"ff02::c\"\n",
            "interface = \"cg0\"\n[addresses]\nhik = \"::1\"\n",
            "interface = \"cg0\"\n[addresses]\nhik = \"10.0.0.1\"\n",
            "interface = \"a/b\"\n[addresses]\n",
            "interface = \"cg0\"\nextra = 1\n[addresses]\n",
        ] {
            let v: toml::Value = toml::from_str(bad).unwrap();
            assert!(matches!(parse(v), Err(LabError::Syntax(_))), "{bad}");
        }
        assert_eq!(url_host("fd00::10".parse().unwrap()), "[fd00::10]");
    }

    #[tokio::test]
    async fn an_interface_of_the_host_namespace_is_refused() {
        // Test processes run in PID 1's namespace unless a test re-executes itself elsewhere;
        // `lo` is in every namespace.
        let (stop, _) = watch::channel(false);
        let config = Multicast6 {
            interface: "lo".into(),
            addresses: BTreeMap::new(),
        };
        let e = start(&[], &config, &stop).await.unwrap_err().to_string();
        assert!(e.contains("refusing to join FF02::C"), "{e}");
        let here = interface_names("/proc/self/net/dev").unwrap();
        assert!(here.iter().any(|n| n == "lo"), "{here:?}");
    }
}
