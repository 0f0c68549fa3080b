//! Fleet checks: questions no single host can answer, asked over every host of one scan.
//!
//! `COMM.SHARED_TLS_KEY`: two or more devices present certificates with the same public key
//! (equal `spki_sha256`). A key shared by many units is a key baked into the firmware: whoever
//! extracts it from one unit can impersonate or decrypt every other (ETSI EN 303 645 5.4-4:
//! per-device unique keys). Only the hosts of the scan at hand are compared; a sharded or
//! resumed scan compares the hosts of this run.
//!
//! The check counts as run on a host that presented a certificate with a public-key hash
//! ([`applies`]); hosts without one are not judged.

use crate::evidence::bounded;
use crate::Catalogue;
use camguard_model::{Finding, HostObservation, Severity};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Id of the shared-key check.
pub const SHARED_TLS_KEY: &str = "COMM.SHARED_TLS_KEY";

/// Every fleet check, in run order.
pub const FLEET_CHECKS: &[&str] = &[SHARED_TLS_KEY];

/// Most other addresses listed in one finding's evidence.
pub const MAX_LISTED_PEERS: usize = 16;

/// Whether [`shared_keys`] judges this host: a TLS port presented a certificate whose public
/// key hash is known.
pub fn applies(obs: &HostObservation) -> bool {
    obs.is_alive() && keys_of(obs).next().is_some()
}

/// (port, spki hash, certificate) for every TLS port with a known public key.
fn keys_of(
    obs: &HostObservation,
) -> impl Iterator<Item = (u16, &str, &camguard_model::CertificateInfo)> {
    obs.tls.iter().filter_map(|t| {
        let cert = t.certificate.as_ref()?;
        let spki = cert.spki_sha256.as_deref().filter(|s| !s.is_empty())?;
        Some((t.port, spki, cert))
    })
}

/// `COMM.SHARED_TLS_KEY` over the hosts of one scan: one finding per (host, shared key), for
/// every key presented by at least two different addresses. The evidence names the key hash,
/// how many devices share it and up to [`MAX_LISTED_PEERS`] of the other addresses.
pub fn shared_keys(records: &[&HostObservation]) -> Vec<(IpAddr, Finding)> {
    let severity = Catalogue::builtin()
        .get(SHARED_TLS_KEY)
        .map_or(Severity::High, |d| d.severity);
    // spki → address → first port presenting it (and the certificate it came with).
    let mut holders: BTreeMap<&str, BTreeMap<IpAddr, (u16, &camguard_model::CertificateInfo)>> =
        BTreeMap::new();
    for obs in records.iter().filter(|o| o.is_alive()) {
        for (port, spki, cert) in keys_of(obs) {
            holders
                .entry(spki)
                .or_default()
                .entry(obs.ip)
                .or_insert((port, cert));
        }
    }
    let mut out = Vec::new();
    for (spki, hosts) in holders.iter().filter(|(_, h)| h.len() >= 2) {
        let all: BTreeSet<IpAddr> = hosts.keys().copied().collect();
        for (ip, (port, cert)) in hosts {
            let others: Vec<String> = all
                .iter()
                .filter(|a| *a != ip)
                .take(MAX_LISTED_PEERS)
                .map(IpAddr::to_string)
                .collect();
            let finding = Finding {
                check_id: SHARED_TLS_KEY.to_string(),
                severity,
                port: Some(*port),
                summary: format!(
                    "TLS port {port} presents a public key shared by {} devices of this scan",
                    hosts.len()
                ),
                evidence: json!({
                    "port": port,
                    "spki_sha256": bounded(spki, 64),
                    "certificate_sha256": bounded(&cert.sha256, 64),
                    "subject": bounded(&cert.subject, 128),
                    "devices_sharing": hosts.len(),
                    "other_addresses": others,
                    "other_addresses_truncated": hosts.len() - 1 > MAX_LISTED_PEERS,
                }),
            };
            out.push((*ip, finding));
        }
    }
    out.sort_by_key(|(ip, _)| *ip);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{CertificateInfo, TlsObservation};

    fn host(last: u8, spki: Option<&str>) -> HostObservation {
        let mut h = alive_host(443);
        h.ip = IpAddr::from([127, 0, 0, last]);
        h.tls.push(TlsObservation {
            port: 443,
            versions_accepted: vec!["TLS1.2".into()],
            certificate: Some(CertificateInfo {
                subject: "CN=IPC".into(),
                issuer: "CN=IPC".into(),
                sha256: format!("{last:02x}").repeat(32),
                spki_sha256: spki.map(str::to_string),
                self_signed: true,
                ..Default::default()
            }),
            ..Default::default()
        });
        h
    }

    #[test]
    fn two_devices_with_one_key_each_get_a_finding_naming_the_other() {
        let a = host(1, Some("aa"));
        let b = host(2, Some("aa"));
        let c = host(3, Some("bb"));
        let d = host(4, None);
        let found = shared_keys(&[&a, &b, &c, &d]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, a.ip);
        assert_eq!(found[0].1.evidence["other_addresses"], json!(["127.0.0.2"]));
        assert_eq!(found[0].1.evidence["devices_sharing"], 2);
        assert_eq!(found[1].0, b.ip);
        assert_eq!(found[1].1.check_id, SHARED_TLS_KEY);
        assert!(applies(&c));
        assert!(!applies(&d));
    }

    #[test]
    fn one_host_on_two_ports_is_not_sharing_and_peer_lists_are_bounded() {
        let mut a = host(1, Some("aa"));
        let mut second = a.tls[0].clone();
        second.port = 8443;
        a.tls.push(second);
        assert!(shared_keys(&[&a]).is_empty());

        let many: Vec<HostObservation> = (1..=40).map(|i| host(i, Some("cc"))).collect();
        let refs: Vec<&HostObservation> = many.iter().collect();
        let found = shared_keys(&refs);
        assert_eq!(found.len(), 40);
        let e = &found[0].1.evidence;
        assert_eq!(e["devices_sharing"], 40);
        assert_eq!(
            e["other_addresses"].as_array().map(Vec::len),
            Some(MAX_LISTED_PEERS)
        );
        assert_eq!(e["other_addresses_truncated"], true);
    }
}
