//! The UDP discovery responders of a lab: per device, SSDP (`upnp = true`) and WS-Discovery
//! (`ws_discovery = true`) sockets on the device's own 127.x.y.z address answering unicast
//! datagrams; and, only when the lab runs inside a network namespace of its own
//! (`multicast_in_netns = true` and nothing but `lo` in the namespace), one socket per
//! protocol joined to 239.255.255.250 on `lo` whose datagrams every device answers (unicast,
//! from its own socket).

use crate::device::Device;
use crate::error::LabError;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The SSDP / WS-Discovery multicast group.
pub const MULTICAST_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// Receive buffer: one byte more than the largest datagram considered (to detect larger ones).
const RECV_BUFFER: usize = crate::wsd::MAX_DATAGRAM + 1;

/// Discovery ports of a device (after the offset); `None` = responder off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscoveryPorts {
    /// SSDP UDP port.
    pub ssdp: Option<u16>,
    /// UPnP description TCP port.
    pub upnp_http: Option<u16>,
    /// WS-Discovery UDP port.
    pub wsd: Option<u16>,
}

/// The discovery ports of a device from its switches and vendor facts.
pub fn ports(device: &Device, port_offset: u16) -> Result<DiscoveryPorts, LabError> {
    let switches = &device.spec.tls_discovery;
    if !switches.upnp && !switches.ws_discovery {
        return Ok(DiscoveryPorts::default());
    }
    let facts = crate::ssdp::facts_for(&device.personality.vendor)?;
    let port = |base: u16| {
        base.checked_add(port_offset).ok_or_else(|| {
            LabError::Options(format!("port {base} + offset {port_offset} exceeds 65535"))
        })
    };
    Ok(DiscoveryPorts {
        ssdp: switches.upnp.then(|| port(facts.ssdp_port)).transpose()?,
        upnp_http: switches
            .upnp
            .then(|| port(facts.upnp_http_port))
            .transpose()?,
        wsd: switches
            .ws_discovery
            .then(|| port(facts.wsd_port))
            .transpose()?,
    })
}

/// A device's unicast socket and the device, answering a multicast group's datagrams.
pub(crate) struct Member {
    /// The socket the device answers from.
    pub socket: Arc<UdpSocket>,
    /// The device.
    pub device: Arc<Device>,
    /// URL host of its advertised endpoints when not its 127.x.y.z address (`[fd00::10]`).
    pub host: Option<String>,
}

/// A discovery protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Protocol {
    /// SSDP.
    Ssdp,
    /// WS-Discovery.
    Wsd,
}

/// The answers of a device to one datagram; its endpoints under `host` when given.
fn answers(
    device: &Device,
    protocol: Protocol,
    datagram: &[u8],
    host: Option<&str>,
) -> Vec<Vec<u8>> {
    let v4 = device.address.to_string();
    let host = host.unwrap_or(&v4);
    match protocol {
        Protocol::Ssdp => {
            let (Ok(facts), Some(port)) = (
                crate::ssdp::facts_for(&device.personality.vendor),
                device.discovery.upnp_http,
            ) else {
                return Vec::new();
            };
            crate::ssdp::answers(device, facts, host, port, datagram)
                .into_iter()
                .map(String::into_bytes)
                .collect()
        }
        Protocol::Wsd => crate::wsd::answer(device, datagram, host)
            .map(|a| vec![a.into_bytes()])
            .unwrap_or_default(),
    }
}

/// True when this process's network namespace has no interface but `lo`
/// (`/proc/self/net/dev`; `/sys/class/net` still shows the host's after `unshare -n`).
pub fn only_loopback_interface() -> Result<bool, String> {
    let text = std::fs::read_to_string("/proc/self/net/dev").map_err(|e| e.to_string())?;
    let names: Vec<&str> = text
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    Ok(!names.is_empty() && names.iter().all(|n| *n == "lo"))
}

/// Bind every device's discovery sockets (and the multicast ones when asked) and start
/// answering; tasks end when `stop` changes.
pub async fn start(
    devices: &[Arc<Device>],
    multicast_in_netns: bool,
    stop: &watch::Sender<bool>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    let mut bound: Vec<(Arc<UdpSocket>, Arc<Device>, Protocol)> = Vec::new();
    for device in devices {
        for (protocol, port) in [
            (Protocol::Ssdp, device.discovery.ssdp),
            (Protocol::Wsd, device.discovery.wsd),
        ] {
            let Some(port) = port else { continue };
            let addr = SocketAddr::V4(SocketAddrV4::new(device.address, port));
            let socket = UdpSocket::bind(addr)
                .await
                .map_err(|source| LabError::Bind { addr, source })?;
            bound.push((Arc::new(socket), device.clone(), protocol));
        }
    }
    let mut groups: BTreeMap<(Protocol, u16), Vec<Member>> = BTreeMap::new();
    if multicast_in_netns && !bound.is_empty() {
        match only_loopback_interface() {
            Ok(true) => {}
            Ok(false) => {
                return Err(LabError::Options(
                    "multicast_in_netns: this network namespace has interfaces other than lo; \
                     refusing to join 239.255.255.250 (run the lab under `unshare -n`)"
                        .into(),
                ))
            }
            Err(e) => {
                return Err(LabError::Options(format!(
                    "multicast_in_netns: cannot read /proc/self/net/dev: {e}"
                )))
            }
        }
        for (socket, device, protocol) in &bound {
            let port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
            groups.entry((*protocol, port)).or_default().push(Member {
                socket: socket.clone(),
                device: device.clone(),
                host: None,
            });
        }
    }
    let mut tasks = Vec::new();
    for ((protocol, port), members) in groups {
        let addr = SocketAddr::V4(SocketAddrV4::new(MULTICAST_GROUP, port));
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|source| LabError::Bind { addr, source })?;
        socket
            .join_multicast_v4(MULTICAST_GROUP, Ipv4Addr::LOCALHOST)
            .map_err(|source| LabError::Bind { addr, source })?;
        tracing::info!(%addr, devices = members.len(), "joined multicast group on lo (netns)");
        tasks.push(respond(Arc::new(socket), protocol, members, stop));
    }
    for (socket, device, protocol) in bound {
        tasks.push(respond(
            socket.clone(),
            protocol,
            vec![Member {
                socket,
                device,
                host: None,
            }],
            stop,
        ));
    }
    Ok(tasks)
}

/// Answer the datagrams arriving on `listen` until `stop` changes: each member device answers
/// from its own unicast socket (for a device's own socket, `listen` itself).
pub(crate) fn respond(
    listen: Arc<UdpSocket>,
    protocol: Protocol,
    members: Vec<Member>,
    stop: &watch::Sender<bool>,
) -> JoinHandle<()> {
    let mut rx = stop.subscribe();
    tokio::spawn(async move {
        let mut buf = vec![0u8; RECV_BUFFER];
        loop {
            tokio::select! {
                _ = rx.changed() => break,
                got = listen.recv_from(&mut buf) => {
                    let Ok((n, peer)) = got else { continue };
                    // Oversized datagrams are not discovery traffic: ignore.
                    if n >= RECV_BUFFER { continue; }
                    for m in &members {
                        let replies = answers(&m.device, protocol, &buf[..n], m.host.as_deref());
                        tracing::debug!(device = %m.device.spec.id, ?protocol, %peer, replies = replies.len(), "discovery");
                        for reply in replies {
                            let _ = m.socket.send_to(&reply, peer).await;
                        }
                    }
                }
            }
        }
    })
}
