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
//!
//! `COMM.SHARED_SSH_KEY`: two or more devices present the same SSH host key (equal SHA-256
//! fingerprint, seen in a key-exchange-only connection). Cloned firmware images ship one
//! host key: whoever reads it from one unit can impersonate every other to an SSH client
//! (same provisions as the TLS key). It counts as run on a host whose SSH host key is known
//! ([`applies_ssh`]).
//!
//! [`checks_applying`] and [`fleet_findings`] cover every fleet check at once.

use crate::evidence::bounded;
use crate::Catalogue;
use camguard_model::{Finding, HostObservation, Severity};
use serde_json::json;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Id of the shared-key check.
pub const SHARED_TLS_KEY: &str = "COMM.SHARED_TLS_KEY";

/// Id of the shared SSH host key check.
pub const SHARED_SSH_KEY: &str = "COMM.SHARED_SSH_KEY";

/// Every fleet check, in run order.
pub const FLEET_CHECKS: &[&str] = &[SHARED_TLS_KEY, SHARED_SSH_KEY];

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

/// key → address → what the address's first port presenting the key showed, over the live
/// hosts, keeping only keys that two or more addresses present.
fn shared_among<'a, T, I>(
    records: &[&'a HostObservation],
    keys: impl Fn(&'a HostObservation) -> I,
) -> BTreeMap<&'a str, BTreeMap<IpAddr, T>>
where
    I: Iterator<Item = (&'a str, T)>,
{
    let mut holders: BTreeMap<&str, BTreeMap<IpAddr, T>> = BTreeMap::new();
    for obs in records.iter().copied().filter(|o| o.is_alive()) {
        for (key, seen) in keys(obs) {
            holders
                .entry(key)
                .or_default()
                .entry(obs.ip)
                .or_insert(seen);
        }
    }
    holders.retain(|_, hosts| hosts.len() >= 2);
    holders
}

/// `COMM.SHARED_TLS_KEY` over the hosts of one scan: one finding per (host, shared key), for
/// every key presented by at least two different addresses. The evidence names the key hash,
/// how many devices share it and up to [`MAX_LISTED_PEERS`] of the other addresses.
pub fn shared_keys(records: &[&HostObservation]) -> Vec<(IpAddr, Finding)> {
    let severity = Catalogue::builtin()
        .get(SHARED_TLS_KEY)
        .map_or(Severity::High, |d| d.severity);
    // spki → address → first port presenting it (and the certificate it came with).
    let holders = shared_among(records, |obs| {
        keys_of(obs).map(|(port, spki, cert)| (spki, (port, cert)))
    });
    let mut out = Vec::new();
    for (spki, hosts) in &holders {
        for (ip, (port, cert)) in hosts {
            let others = other_holders(hosts, ip);
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

/// Whether [`shared_ssh_keys`] judges this host: an SSH port's host key is known.
pub fn applies_ssh(obs: &HostObservation) -> bool {
    obs.is_alive() && ssh_keys_of(obs).next().is_some()
}

/// The fleet checks judged on this host (to add to its `checks_run`), in run order.
pub fn checks_applying(obs: &HostObservation) -> Vec<&'static str> {
    let mut out = Vec::new();
    if applies(obs) {
        out.push(SHARED_TLS_KEY);
    }
    if applies_ssh(obs) {
        out.push(SHARED_SSH_KEY);
    }
    out
}

/// Every fleet check's findings over the hosts of one scan, sorted by address.
pub fn fleet_findings(records: &[&HostObservation]) -> Vec<(IpAddr, Finding)> {
    let mut out = shared_keys(records);
    out.extend(shared_ssh_keys(records));
    out.sort_by_key(|(ip, _)| *ip);
    out
}

/// (port, algorithm, fingerprint) for every SSH port with a known host key.
fn ssh_keys_of(obs: &HostObservation) -> impl Iterator<Item = (u16, &str, &str)> {
    obs.ssh_host_keys
        .iter()
        .filter(|k| !k.fingerprint_sha256.is_empty())
        .map(|k| (k.port, k.algorithm.as_str(), k.fingerprint_sha256.as_str()))
}

/// `COMM.SHARED_SSH_KEY` over the hosts of one scan: one finding per (host, shared host key),
/// for every key presented by at least two different addresses. The evidence names the key's
/// fingerprint and algorithm, how many devices share it and up to [`MAX_LISTED_PEERS`] of the
/// other addresses.
pub fn shared_ssh_keys(records: &[&HostObservation]) -> Vec<(IpAddr, Finding)> {
    let severity = Catalogue::builtin()
        .get(SHARED_SSH_KEY)
        .map_or(Severity::High, |d| d.severity);
    // fingerprint → address → (first port presenting it, algorithm).
    let holders = shared_among(records, |obs| {
        ssh_keys_of(obs).map(|(port, algorithm, fingerprint)| (fingerprint, (port, algorithm)))
    });
    let mut out = Vec::new();
    for (fingerprint, hosts) in &holders {
        for (ip, (port, algorithm)) in hosts {
            let others = other_holders(hosts, ip);
            let finding = Finding {
                check_id: SHARED_SSH_KEY.to_string(),
                severity,
                port: Some(*port),
                summary: format!(
                    "SSH port {port} presents a host key shared by {} devices of this scan",
                    hosts.len()
                ),
                evidence: json!({
                    "port": port,
                    "fingerprint_sha256": bounded(fingerprint, 128),
                    "algorithm": bounded(algorithm, 64),
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

/// The addresses other than `ip` that hold the same key, in address order, at most
/// `MAX_LISTED_PEERS` of them.
fn other_holders<V>(hosts: &BTreeMap<IpAddr, V>, ip: &IpAddr) -> Vec<String> {
    hosts
        .keys()
        .filter(|a| *a != ip)
        .take(MAX_LISTED_PEERS)
        .map(IpAddr::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{CertificateInfo, TlsObservation};
    use std::collections::BTreeSet;

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

    fn ssh_host(last: u8, fingerprint: &str) -> HostObservation {
        let mut h = alive_host(22);
        h.ip = IpAddr::from([127, 0, 0, last]);
        h.ssh_host_keys.push(camguard_model::SshHostKey {
            port: 22,
            algorithm: "ssh-ed25519".into(),
            fingerprint_sha256: fingerprint.into(),
        });
        h
    }

    #[test]
    fn two_devices_with_one_ssh_host_key_each_get_a_finding_naming_the_other() {
        let a = ssh_host(1, "SHA256:same");
        let b = ssh_host(2, "SHA256:same");
        let c = ssh_host(3, "SHA256:other");
        let d = alive_host(22);
        let found = shared_ssh_keys(&[&a, &b, &c, &d]);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, a.ip);
        assert_eq!(found[0].1.check_id, SHARED_SSH_KEY);
        assert_eq!(found[0].1.port, Some(22));
        let e = &found[0].1.evidence;
        assert_eq!(e["other_addresses"], json!(["127.0.0.2"]));
        assert_eq!(e["fingerprint_sha256"], "SHA256:same");
        assert_eq!(e["devices_sharing"], 2);
        assert_eq!(found[1].0, b.ip);
        assert_eq!(checks_applying(&c), vec![SHARED_SSH_KEY]);
        assert!(checks_applying(&d).is_empty());
        // The TLS check is not claimed on a host without a certificate.
        assert!(!checks_applying(&a).contains(&SHARED_TLS_KEY));
    }

    #[test]
    fn unique_ssh_keys_or_one_host_on_two_ports_are_not_sharing() {
        let mut a = ssh_host(1, "SHA256:x");
        let mut second = a.ssh_host_keys[0].clone();
        second.port = 2222;
        a.ssh_host_keys.push(second);
        let b = ssh_host(2, "SHA256:y");
        assert!(shared_ssh_keys(&[&a, &b]).is_empty());
        // An empty fingerprint (nothing seen) never matches another.
        let e1 = ssh_host(3, "");
        let e2 = ssh_host(4, "");
        assert!(shared_ssh_keys(&[&e1, &e2]).is_empty());
        assert!(!applies_ssh(&e1));
    }

    #[test]
    fn fleet_findings_hold_both_checks_in_address_order() {
        let mut a = host(1, Some("aa"));
        a.ssh_host_keys = ssh_host(1, "SHA256:k").ssh_host_keys;
        let mut b = host(2, Some("aa"));
        b.ssh_host_keys = ssh_host(2, "SHA256:k").ssh_host_keys;
        let found = fleet_findings(&[&a, &b]);
        assert_eq!(found.len(), 4);
        assert!(found.windows(2).all(|w| w[0].0 <= w[1].0));
        let ids: BTreeSet<&str> = found.iter().map(|(_, f)| f.check_id.as_str()).collect();
        assert_eq!(ids, BTreeSet::from([SHARED_TLS_KEY, SHARED_SSH_KEY]));
        assert_eq!(checks_applying(&a), vec![SHARED_TLS_KEY, SHARED_SSH_KEY]);
    }
}
