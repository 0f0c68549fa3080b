//! `COMM.TLS_LEGACY`: a TLS port accepts SSL 3.0, TLS 1.0 or TLS 1.1 (the list is
//! `legacy_versions` in `data/checks/policy.toml`).
//!
//! A port is clean only when every legacy version was offered and refused; a probe that
//! stopped before offering them leaves the port undecided.

use super::tls_ports::{evaluate_ports, PortVerdict};
use crate::policy::Policy;
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::{HostObservation, TlsObservation};
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    let legacy = &Policy::builtin().legacy_versions.versions;
    evaluate_ports(obs, |tls| judge(tls, legacy))
}

fn judge(tls: &TlsObservation, legacy: &[String]) -> PortVerdict {
    let accepted: Vec<&String> = legacy
        .iter()
        .filter(|v| tls.versions_accepted.contains(v))
        .collect();
    if !accepted.is_empty() {
        let names: Vec<&str> = accepted.iter().map(|s| s.as_str()).collect();
        return PortVerdict::Hit(Hit {
            port: Some(tls.port),
            summary: format!(
                "TLS port {} accepts legacy protocol versions: {}",
                tls.port,
                names.join(", ")
            ),
            evidence: json!({
                "port": tls.port,
                "legacy_accepted": names,
                "versions_accepted": tls.versions_accepted,
                "versions_refused": tls.versions_refused,
            }),
        });
    }
    // SSL 2 is never offered by the probe: a refusal of the rest decides.
    let tested = legacy
        .iter()
        .filter(|v| v.as_str() != "SSL2")
        .all(|v| tls.versions_refused.contains(v));
    if tested {
        PortVerdict::Clean
    } else {
        PortVerdict::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::alive_host;

    fn run(tls: TlsObservation) -> Evaluation {
        let mut host = alive_host(443);
        host.tls.push(tls);
        evaluate(&host, &CheckOptions::default())
    }

    #[test]
    fn tls10_accepted_is_a_finding() {
        let mut t = good_tls(443);
        t.versions_accepted = vec!["TLS1.0".into()];
        t.versions_refused = vec![
            "TLS1.3".into(),
            "TLS1.2".into(),
            "TLS1.1".into(),
            "SSL3".into(),
        ];
        let Evaluation::Ran(hits) = run(t) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["legacy_accepted"], json!(["TLS1.0"]));
    }

    #[test]
    fn modern_only_is_clean_and_untested_is_undecided() {
        assert_eq!(run(good_tls(443)), Evaluation::Ran(vec![]));
        let mut t = good_tls(443);
        t.versions_refused = vec!["TLS1.1".into()];
        t.error = Some("TLS1.0: timeout".into());
        assert_eq!(run(t), Evaluation::Inconclusive);
        // No TLS port at all: nothing served over TLS, checked.
        assert_eq!(
            evaluate(&alive_host(80), &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
    }
}
