//! The lab's SNMP agent (`snmp = "<community>"` in a lab file): SNMP v1/v2c on the device's
//! own UDP 161 (plus the port offset), answering `GetRequest`s for `sysDescr.0` and
//! `sysObjectID.0` with the configured community; other objects are `noSuchObject` (v2c) or
//! `noSuchName` (v1). A wrong community is ignored silently, as real agents do (RFC 3584 §4).
//! Also the UDP loop the P2P responder ([`crate::p2p`]) shares.

use crate::device::Device;
use crate::error::LabError;
use camguard_protocols::snmp::{self, Message, PduKind, Value, Version};
use serde::Deserialize;
use std::future::Future;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::{Arc, OnceLock};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The agent's UDP port before the offset.
pub const SNMP_PORT: u16 = 161;

const SNMP_TOML: &str = include_str!("../../../data/lab/snmp.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnmpData {
    default_sys_object_id: String,
    #[allow(dead_code)]
    default_source: String,
    vendor: Vec<VendorOid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorOid {
    vendor: String,
    sys_object_id: String,
    #[allow(dead_code)]
    source: String,
}

fn data() -> Option<&'static SnmpData> {
    static D: OnceLock<Option<SnmpData>> = OnceLock::new();
    D.get_or_init(|| toml::from_str(SNMP_TOML).ok()).as_ref()
}

/// `sysObjectID.0` of a vendor's devices.
pub fn sys_object_id(vendor: &str) -> Vec<u32> {
    let dotted = data()
        .map(|d| {
            d.vendor
                .iter()
                .find(|v| v.vendor.eq_ignore_ascii_case(vendor))
                .map_or(d.default_sys_object_id.as_str(), |v| {
                    v.sys_object_id.as_str()
                })
        })
        .unwrap_or("1.3.6.1.4.1.8072.3.2.10");
    snmp::parse_oid(dotted).unwrap_or_else(|| vec![1, 3, 6, 1, 4, 1, 8072, 3, 2, 10])
}

/// `sysDescr.0` of a device.
pub fn sys_descr(device: &Device) -> String {
    format!(
        "{} {} firmware {}",
        device.personality.vendor, device.spec.model, device.spec.firmware
    )
}

/// The agent's answer to one datagram, if any.
pub fn answer(device: &Device, community: &str, datagram: &[u8]) -> Option<Vec<u8>> {
    let req = snmp::decode(datagram).ok()?;
    if req.kind != PduKind::GetRequest || req.community != community.as_bytes() {
        return None;
    }
    let mut error_status = 0;
    let mut error_index = 0;
    let mut varbinds = Vec::with_capacity(req.varbinds.len());
    for (i, (oid, _)) in req.varbinds.iter().enumerate() {
        let value = if oid == snmp::SYS_DESCR {
            Value::OctetString(sys_descr(device).into_bytes())
        } else if oid == snmp::SYS_OBJECT_ID {
            Value::Oid(sys_object_id(&device.personality.vendor))
        } else if req.version == Version::V1 {
            // noSuchName, pointing at the first unknown binding.
            if error_status == 0 {
                error_status = 2;
                error_index = i64::try_from(i + 1).unwrap_or(0);
            }
            Value::Null
        } else {
            Value::NoSuchObject
        };
        varbinds.push((oid.clone(), value));
    }
    Some(snmp::encode(&Message {
        version: req.version,
        community: req.community,
        kind: PduKind::Response,
        request_id: req.request_id,
        error_status,
        error_index,
        varbinds,
    }))
}

/// Answer every datagram arriving on `socket` with `reply` until `stop` changes.
pub(crate) fn udp_loop<F, Fut>(
    socket: UdpSocket,
    stop: &watch::Sender<bool>,
    reply: F,
) -> JoinHandle<()>
where
    F: Fn(Vec<u8>) -> Fut + Send + 'static,
    Fut: Future<Output = Option<Vec<u8>>> + Send,
{
    let mut rx = stop.subscribe();
    tokio::spawn(async move {
        let mut buf = vec![0u8; snmp::MAX_DATAGRAM + 1];
        loop {
            tokio::select! {
                _ = rx.changed() => break,
                got = socket.recv_from(&mut buf) => {
                    let Ok((n, peer)) = got else { continue };
                    if n > snmp::MAX_DATAGRAM { continue; }
                    if let Some(answer) = reply(buf[..n].to_vec()).await {
                        let _ = socket.send_to(&answer, peer).await;
                    }
                }
            }
        }
    })
}

/// Bind the SNMP agents of `devices` (those with `snmp` set) and start answering.
pub async fn start(
    devices: &[Arc<Device>],
    port_offset: u16,
    stop: &watch::Sender<bool>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    let port = SNMP_PORT.checked_add(port_offset).ok_or_else(|| {
        LabError::Options(format!(
            "port {SNMP_PORT} + offset {port_offset} exceeds 65535"
        ))
    })?;
    let mut tasks = Vec::new();
    for device in devices {
        let Some(community) = device.spec.surface.snmp.clone() else {
            continue;
        };
        let addr = SocketAddr::V4(SocketAddrV4::new(device.address, port));
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|source| LabError::Bind { addr, source })?;
        let device = device.clone();
        tasks.push(udp_loop(socket, stop, move |d| {
            let answer = answer(&device, &community, &d);
            async move { answer }
        }));
    }
    Ok(tasks)
}

/// The agent's UDP port after `port_offset`, when the device runs one.
pub fn port_of(device: &Device, port_offset: u16) -> Option<u16> {
    device
        .spec
        .surface
        .snmp
        .as_ref()
        .and_then(|_| SNMP_PORT.checked_add(port_offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_vendors_have_their_enterprise() {
        assert!(data().is_some(), "data/lab/snmp.toml parses");
        assert_eq!(sys_object_id("Hikvision")[..7], [1, 3, 6, 1, 4, 1, 39165]);
        assert_eq!(sys_object_id("Nobody")[..7], [1, 3, 6, 1, 4, 1, 8072]);
    }
}
