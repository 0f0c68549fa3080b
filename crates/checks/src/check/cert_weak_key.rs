//! `COMM.CERT_WEAK_KEY`: the certificate's public key is smaller than the policy minimum for
//! its type (`min_key_bits` in `data/checks/policy.toml`: RSA and DSA 2048, EC 224). Key types
//! without a minimum (Ed25519, Ed448) are sound; an unknown size is undecided.

use super::tls_ports::{certificate_evidence, evaluate_ports, PortVerdict};
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let policy = Policy::builtin();
    evaluate_ports(obs, |tls| {
        let Some(cert) = &tls.certificate else {
            return PortVerdict::Undecided;
        };
        let Some(key_type) = cert.key_type.as_deref() else {
            return PortVerdict::Undecided;
        };
        let Some(min) = policy.min_key_bits(key_type) else {
            return PortVerdict::Clean;
        };
        match cert.key_bits {
            None => PortVerdict::Undecided,
            Some(bits) if bits >= min => PortVerdict::Clean,
            Some(bits) => PortVerdict::Hit(Hit {
                port: Some(tls.port),
                summary: format!(
                    "TLS port {} presents a certificate with a {bits}-bit {} key (minimum {min})",
                    tls.port,
                    crate::evidence::bounded(key_type, 16)
                ),
                evidence: json!({
                    "port": tls.port,
                    "key_type": crate::evidence::bounded(key_type, 16),
                    "key_bits": bits,
                    "minimum_bits": min,
                    "certificate": certificate_evidence(cert),
                }),
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::alive_host;

    fn run(key_type: Option<&str>, bits: Option<u32>) -> Evaluation {
        let mut host = alive_host(443);
        let mut t = good_tls(443);
        if let Some(c) = t.certificate.as_mut() {
            c.key_type = key_type.map(str::to_string);
            c.key_bits = bits;
        }
        host.tls.push(t);
        evaluate(&host, &CheckOptions::default())
    }

    #[test]
    fn small_rsa_and_ec_keys_are_findings() {
        let Evaluation::Ran(hits) = run(Some("rsa"), Some(1024)) else {
            panic!("conclusive")
        };
        assert_eq!(hits[0].evidence["minimum_bits"], 2048);
        let Evaluation::Ran(hits) = run(Some("ec"), Some(192)) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn sound_keys_are_clean_unknown_sizes_undecided() {
        assert_eq!(run(Some("rsa"), Some(2048)), Evaluation::Ran(vec![]));
        assert_eq!(run(Some("ec"), Some(224)), Evaluation::Ran(vec![]));
        assert_eq!(run(Some("ed25519"), Some(256)), Evaluation::Ran(vec![]));
        assert_eq!(run(Some("rsa"), None), Evaluation::Inconclusive);
        assert_eq!(run(None, Some(2048)), Evaluation::Inconclusive);
    }
}
