//! The CS2 PPPP P2P LAN-search responder (`p2p = true` in a lab file): on the device's own
//! UDP 32108 (plus the port offset) it answers `MSG_LAN_SEARCH` with `MSG_PUNCH_PKT` carrying
//! a UID derived from the device's serial number; anything else is ignored.

use crate::device::Device;
use crate::error::LabError;
use camguard_protocols::p2p::{self, P2pUid};
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// UID prefix the lab's P2P devices use (a made-up prefix, not a real vendor's).
pub const LAB_PREFIX: &str = "LABP";

/// The device's P2P UID: the lab prefix, six digits and a five-letter check code, both derived
/// from the serial number (stable across runs of one lab file).
pub fn uid(device: &Device) -> P2pUid {
    let h = device.serial_hash();
    let check: String = (0..5)
        .map(|i| char::from(b'A' + ((h >> (8 * i)) % 26) as u8))
        .collect();
    P2pUid {
        prefix: LAB_PREFIX.into(),
        serial: (h % 1_000_000) as u32,
        check,
    }
}

/// The responder's UDP port after `port_offset`, when on.
pub fn port_of(device: &Device, port_offset: u16) -> Option<u16> {
    if device.spec.surface.p2p {
        p2p::LAN_SEARCH_PORT.checked_add(port_offset)
    } else {
        None
    }
}

/// Bind the responders of `devices` (those with `p2p = true`) and start answering.
pub async fn start(
    devices: &[Arc<Device>],
    port_offset: u16,
    stop: &watch::Sender<bool>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    let mut tasks = Vec::new();
    for device in devices {
        let Some(port) = port_of(device, port_offset) else {
            continue;
        };
        let addr = SocketAddr::V4(SocketAddrV4::new(device.address, port));
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|source| LabError::Bind { addr, source })?;
        let punch = p2p::encode_punch(&uid(device));
        tasks.push(crate::snmp::udp_loop(socket, stop, move |d| {
            let answer = p2p::is_lan_search(&d).then(|| punch.clone());
            async move { answer }
        }));
    }
    Ok(tasks)
}
