//! P2P LAN-search probe of one host: the datagrams of `data/checks/p2p_indicators.toml`
//! (`[[lan_search]]`) sent unicast to the scanned host only, one per indicator, waiting at most
//! the discovery wait. Only a well-formed answer (the CS2 `MSG_PUNCH_PKT` with a UID) counts.

use crate::probe::HostCtx;
use camguard_model::{sanitize_text, P2pObservation};
use camguard_protocols::{discovery, p2p};
use serde::Deserialize;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::UdpSocket;

const INDICATORS_TOML: &str = include_str!("../../../data/checks/p2p_indicators.toml");

/// One LAN-search indicator as the scanner needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct LanSearch {
    /// Indicator id (the observation's `protocol`).
    pub id: String,
    /// `udp`.
    pub transport: String,
    /// Destination port.
    pub port: u16,
    /// Datagram to send, hex.
    pub request_hex: String,
}

#[derive(Deserialize)]
struct File {
    lan_search: Vec<LanSearch>,
}

/// The embedded LAN-search indicators.
pub fn lan_searches() -> &'static [LanSearch] {
    static L: OnceLock<Vec<LanSearch>> = OnceLock::new();
    L.get_or_init(|| {
        toml::from_str::<File>(INDICATORS_TOML)
            .map(|f| f.lan_search)
            .unwrap_or_default()
    })
}

/// The default P2P probes: every indicator on its own port.
pub fn default_p2p_probes() -> Vec<(u16, String)> {
    lan_searches()
        .iter()
        .filter(|l| l.transport == "udp")
        .map(|l| (l.port, l.id.clone()))
        .collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The observation of one answer to the indicator `id`, or `None`.
pub(crate) fn recognise(id: &str, port: u16, datagram: &[u8]) -> Option<P2pObservation> {
    match id {
        "cs2_pppp" => p2p::parse_punch(datagram).map(|uid| P2pObservation {
            transport: "udp".into(),
            port,
            protocol: id.to_string(),
            uid: Some(sanitize_text(uid.to_string().as_bytes(), 64)),
        }),
        _ => None,
    }
}

/// Send `request` to `target` and return the first datagram `accept` recognises, waiting at
/// most `wait`; an ICMP port-unreachable ends the wait at once. At most [`MAX_DATAGRAMS`]
/// datagrams of at most [`discovery::MAX_DATAGRAM`] bytes are looked at.
async fn first_answer<T>(
    target: SocketAddr,
    request: &[u8],
    wait: Duration,
    accept: impl Fn(&[u8]) -> Option<T>,
) -> Option<T> {
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.ok()?;
    socket.connect(target).await.ok()?;
    socket.send(request).await.ok()?;
    let end = tokio::time::Instant::now() + wait;
    let mut buf = vec![0u8; discovery::MAX_DATAGRAM];
    for _ in 0..MAX_DATAGRAMS {
        let n = tokio::time::timeout_at(end, socket.recv(&mut buf))
            .await
            .ok()?
            .ok()?;
        if let Some(v) = accept(&buf[..n]) {
            return Some(v);
        }
    }
    None
}

/// Datagrams looked at per probe before giving up.
const MAX_DATAGRAMS: usize = 16;

/// Send every indicator configured for the scan's P2P ports.
pub(crate) async fn probe_p2p(ctx: &HostCtx) -> Vec<P2pObservation> {
    let mut found = Vec::new();
    for (port, id) in &ctx.cfg.p2p_probes {
        let Some(request) = lan_searches()
            .iter()
            .find(|l| &l.id == id)
            .and_then(|l| unhex(&l.request_hex))
        else {
            continue;
        };
        let answer = {
            let _slot = ctx.slot().await;
            first_answer(ctx.addr(*port), &request, ctx.cfg.discovery_wait, |d| {
                recognise(id, *port, d)
            })
            .await
        };
        found.extend(answer);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_hold_a_sendable_cs2_search() {
        let cs2 = lan_searches()
            .iter()
            .find(|l| l.id == "cs2_pppp")
            .expect("cs2 indicator");
        assert_eq!(
            unhex(&cs2.request_hex).as_deref(),
            Some(&p2p::LAN_SEARCH[..])
        );
        assert_eq!(cs2.port, p2p::LAN_SEARCH_PORT);
        assert_eq!(default_p2p_probes(), vec![(32108, "cs2_pppp".to_string())]);
        assert_eq!(unhex("f1x"), None);
    }

    #[test]
    fn only_a_punch_packet_is_recognised() {
        let punch = p2p::encode_punch(&p2p::P2pUid {
            prefix: "ABCD".into(),
            serial: 42,
            check: "QWERT".into(),
        });
        let obs = recognise("cs2_pppp", 32108, &punch).expect("recognised");
        assert_eq!(obs.uid.as_deref(), Some("ABCD-000042-QWERT"));
        assert_eq!(recognise("cs2_pppp", 32108, b"HTTP/1.1 200 OK\r\n"), None);
        assert_eq!(recognise("other", 32108, &punch), None);
    }
}
