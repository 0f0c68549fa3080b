//! `COMM.CERT_EXPIRED`: the certificate a TLS port presented had expired when the host was
//! observed (`notAfter` before `observed_at`, so a stored scan is judged as of its own time).
//!
//! A port without a certificate, or with an unreadable `notAfter`, is undecided.

use super::tls_ports::{certificate_evidence, evaluate_ports, PortVerdict};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use chrono::DateTime;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    evaluate_ports(obs, |tls| {
        let Some(cert) = &tls.certificate else {
            return PortVerdict::Undecided;
        };
        let Some(not_after) = cert
            .not_after
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        else {
            return PortVerdict::Undecided;
        };
        if not_after >= obs.observed_at {
            return PortVerdict::Clean;
        }
        let days = (obs.observed_at - not_after.to_utc()).num_days();
        PortVerdict::Hit(Hit {
            port: Some(tls.port),
            summary: format!(
                "TLS port {} presents a certificate that expired {} ({days} days before the scan)",
                tls.port,
                not_after.format("%Y-%m-%d")
            ),
            evidence: json!({
                "port": tls.port,
                "observed_at": obs.observed_at.to_rfc3339(),
                "days_expired": days,
                "certificate": certificate_evidence(cert),
            }),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::alive_host;

    fn run(not_after: Option<&str>, with_cert: bool) -> Evaluation {
        let mut host = alive_host(443);
        let mut t = good_tls(443);
        if let Some(c) = t.certificate.as_mut() {
            c.not_after = not_after.map(str::to_string);
        }
        if !with_cert {
            t.certificate = None;
        }
        host.tls.push(t);
        evaluate(&host, &CheckOptions::default())
    }

    #[test]
    fn expired_before_the_scan_is_a_finding() {
        // alive_host is observed at 2026-11-27T10:00Z.
        let Evaluation::Ran(hits) = run(Some("2025-11-27T10:00:00+00:00"), true) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["days_expired"], 365);
        assert!(hits[0].summary.contains("2025-11-27"));
    }

    #[test]
    fn valid_is_clean_and_missing_dates_are_undecided() {
        assert_eq!(
            run(Some("2026-11-27T10:00:01+00:00"), true),
            Evaluation::Ran(vec![])
        );
        assert_eq!(run(None, true), Evaluation::Inconclusive);
        assert_eq!(run(Some("not a date"), true), Evaluation::Inconclusive);
        assert_eq!(
            run(Some("2020-01-01T00:00:00Z"), false),
            Evaluation::Inconclusive
        );
    }
}
