//! `COMM.TLS_WEAK_CIPHER`: the suite a TLS port negotiated is weak under the documented
//! policy (`weak_cipher` in `data/checks/policy.toml`: RC4, 3DES, DES, NULL, EXPORT,
//! anonymous, MD5 MACs, and CBC with an HMAC-SHA1 MAC).
//!
//! Only the observed suite is judged: the one the server chose at its highest accepted
//! version. A port whose suite was not observed, or has no IANA name, is undecided.

use super::tls_ports::{evaluate_ports, PortVerdict};
use crate::evidence::bounded;
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let policy = Policy::builtin();
    evaluate_ports(obs, |tls| {
        let Some(cipher) = tls.cipher.as_deref().map(|c| bounded(c, 80)) else {
            return PortVerdict::Undecided;
        };
        if !cipher.starts_with("TLS_") {
            // An unnamed suite (`0x…`): the policy cannot judge it.
            return PortVerdict::Undecided;
        }
        let rules = policy.weak_cipher(&cipher);
        if rules.is_empty() {
            return PortVerdict::Clean;
        }
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let reasons: Vec<&str> = rules.iter().map(|r| r.reason.as_str()).collect();
        PortVerdict::Hit(Hit {
            port: Some(tls.port),
            summary: format!(
                "TLS port {} negotiated the weak cipher suite {cipher} ({})",
                tls.port,
                ids.join(", ")
            ),
            evidence: json!({
                "port": tls.port,
                "cipher": cipher,
                "version": tls.versions_accepted.first(),
                "weaknesses": ids,
                "reasons": reasons,
            }),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::alive_host;

    fn run(cipher: Option<&str>) -> Evaluation {
        let mut host = alive_host(443);
        let mut t = good_tls(443);
        t.cipher = cipher.map(str::to_string);
        host.tls.push(t);
        evaluate(&host, &CheckOptions::default())
    }

    #[test]
    fn cbc_sha1_and_rc4_are_findings() {
        let Evaluation::Ran(hits) = run(Some("TLS_RSA_WITH_AES_128_CBC_SHA")) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["weaknesses"], json!(["cbc_sha1"]));
        let Evaluation::Ran(hits) = run(Some("TLS_RSA_WITH_RC4_128_SHA")) else {
            panic!("conclusive")
        };
        assert_eq!(hits[0].evidence["weaknesses"], json!(["rc4"]));
    }

    #[test]
    fn aead_is_clean_and_unknown_is_undecided() {
        assert_eq!(
            run(Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
            Evaluation::Ran(vec![])
        );
        assert_eq!(run(None), Evaluation::Inconclusive);
        assert_eq!(run(Some("0xbeef")), Evaluation::Inconclusive);
    }
}
