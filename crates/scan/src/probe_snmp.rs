//! SNMP probe of one host: a v2c `GetRequest` for `sysDescr.0` and `sysObjectID.0` with the
//! community `public` (and `private` only with the opt-in credential check), sent unicast to
//! the scanned host's UDP port only. Each community gets at most [`TRIES`] datagrams, each
//! waiting at most the discovery wait; an ICMP port-unreachable ends the probe at once. An
//! answer counts only when it is a `Response` echoing the request id and community.

use crate::probe::HostCtx;
use camguard_model::{sanitize_text, SnmpObservation};
use camguard_protocols::snmp::{self, PduKind, Value, Version};
use rand::Rng;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::net::UdpSocket;

/// Datagrams sent per community (one retry: UDP may drop the first).
pub const TRIES: usize = 2;
/// Communities tried by the default (safe) scan.
pub const SAFE_COMMUNITIES: [&str; 1] = ["public"];
/// Further communities tried only with the opt-in credential check.
pub const CREDENTIAL_COMMUNITIES: [&str; 1] = ["private"];

/// What one community's exchange came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A valid response.
    Answered(SnmpObservation),
    /// Port unreachable (ICMP): no agent.
    Refused,
    /// No valid answer within the tries.
    Silent,
}

/// One community against `target`.
pub(crate) async fn ask(target: SocketAddr, community: &str, wait: Duration) -> Outcome {
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let Ok(socket) = UdpSocket::bind(local).await else {
        return Outcome::Silent;
    };
    if socket.connect(target).await.is_err() {
        return Outcome::Silent;
    }
    let mut buf = vec![0u8; snmp::MAX_DATAGRAM + 1];
    for _ in 0..TRIES {
        let id: i32 = rand::thread_rng().gen_range(1..i32::MAX);
        let request = snmp::get_request(
            Version::V2c,
            community.as_bytes(),
            id,
            &[snmp::SYS_DESCR, snmp::SYS_OBJECT_ID],
        );
        match socket.send(&request).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Outcome::Refused,
            Err(_) => return Outcome::Silent,
        }
        let end = tokio::time::Instant::now() + wait;
        loop {
            let n = match tokio::time::timeout_at(end, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(Ok(n)) => n,
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Outcome::Refused
                }
                Ok(Err(_)) => return Outcome::Silent,
            };
            if n > snmp::MAX_DATAGRAM {
                continue;
            }
            if let Some(obs) = parse_answer(&buf[..n], id, community, target.port()) {
                return Outcome::Answered(obs);
            }
        }
    }
    Outcome::Silent
}

/// The observation from a response to request `id`, or `None` for anything else.
pub(crate) fn parse_answer(
    datagram: &[u8],
    id: i32,
    community: &str,
    port: u16,
) -> Option<SnmpObservation> {
    let m = snmp::decode(datagram).ok()?;
    if m.kind != PduKind::Response
        || m.request_id != i64::from(id)
        || m.community != community.as_bytes()
    {
        return None;
    }
    let mut obs = SnmpObservation {
        port,
        version: m.version.as_str().to_string(),
        community: community.to_string(),
        ..SnmpObservation::default()
    };
    for (oid, value) in &m.varbinds {
        match (oid.as_slice(), value) {
            (o, Value::OctetString(s)) if o == snmp::SYS_DESCR => {
                obs.sys_descr = Some(sanitize_text(s, 256));
            }
            (o, Value::Oid(v)) if o == snmp::SYS_OBJECT_ID => {
                obs.sys_object_id = Some(snmp::oid_to_string(v));
            }
            _ => {}
        }
    }
    Some(obs)
}

/// Probe the configured SNMP ports of the host: the first community answered per port.
pub(crate) async fn probe_snmp(ctx: &HostCtx) -> Vec<SnmpObservation> {
    let mut communities: Vec<&str> = SAFE_COMMUNITIES.to_vec();
    if ctx.cfg.check_credentials {
        communities.extend(CREDENTIAL_COMMUNITIES);
    }
    let mut found = Vec::new();
    for &port in &ctx.cfg.snmp_ports {
        for community in &communities {
            let outcome = {
                let _slot = ctx.slot().await;
                ask(ctx.addr(port), community, ctx.cfg.discovery_wait).await
            };
            match outcome {
                Outcome::Answered(obs) => {
                    found.push(obs);
                    break;
                }
                Outcome::Refused => break,
                Outcome::Silent => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use camguard_protocols::snmp::Message;

    fn response(id: i64, community: &[u8]) -> Vec<u8> {
        snmp::encode(&Message {
            version: Version::V2c,
            community: community.to_vec(),
            kind: PduKind::Response,
            request_id: id,
            error_status: 0,
            error_index: 0,
            varbinds: vec![
                (
                    snmp::SYS_DESCR.to_vec(),
                    Value::OctetString(b"Cam\x1b[31m X".to_vec()),
                ),
                (
                    snmp::SYS_OBJECT_ID.to_vec(),
                    Value::Oid(vec![1, 3, 6, 1, 4, 1, 39165]),
                ),
            ],
        })
    }

    #[test]
    fn only_the_matching_response_counts() {
        let ok = parse_answer(&response(7, b"public"), 7, "public", 161).expect("answer");
        assert_eq!(ok.sys_object_id.as_deref(), Some("1.3.6.1.4.1.39165"));
        assert_eq!(ok.version, "v2c");
        assert!(!ok.sys_descr.unwrap_or_default().contains('\u{1b}'));
        assert_eq!(
            parse_answer(&response(8, b"public"), 7, "public", 161),
            None
        );
        assert_eq!(parse_answer(&response(7, b"other"), 7, "public", 161), None);
        let request = snmp::get_request(Version::V2c, b"public", 7, &[snmp::SYS_DESCR]);
        assert_eq!(parse_answer(&request, 7, "public", 161), None);
    }

    #[tokio::test]
    async fn a_closed_port_is_refused_quickly_and_a_mute_one_times_out() {
        let closed = {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            s.local_addr().expect("addr")
        };
        let started = std::time::Instant::now();
        assert_eq!(
            ask(closed, "public", Duration::from_secs(3)).await,
            Outcome::Refused
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        let mute = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let started = std::time::Instant::now();
        assert_eq!(
            ask(
                mute.local_addr().expect("addr"),
                "public",
                Duration::from_millis(200)
            )
            .await,
            Outcome::Silent
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
