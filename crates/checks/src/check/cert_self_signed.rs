//! `COMM.CERT_SELF_SIGNED`: a TLS port presents a self-signed certificate (subject equals
//! issuer). Common on cameras, which generate one at first boot: informational, because a
//! client cannot authenticate the device without trusting that one certificate by hand.

use super::tls_ports::{certificate_evidence, evaluate_ports, PortVerdict};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

pub(crate) fn evaluate(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    evaluate_ports(obs, |tls| match &tls.certificate {
        None => PortVerdict::Undecided,
        Some(cert) if !cert.self_signed => PortVerdict::Clean,
        Some(cert) => PortVerdict::Hit(Hit {
            port: Some(tls.port),
            summary: format!(
                "TLS port {} presents a self-signed certificate ({})",
                tls.port,
                crate::evidence::bounded(&cert.subject, 80)
            ),
            evidence: json!({
                "port": tls.port,
                "certificate": certificate_evidence(cert),
            }),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls_ports::testing::good_tls;
    use crate::testutil::alive_host;

    #[test]
    fn self_signed_is_a_finding_ca_issued_is_clean_missing_is_undecided() {
        let mut host = alive_host(443);
        let mut t = good_tls(443);
        if let Some(c) = t.certificate.as_mut() {
            c.self_signed = true;
        }
        host.tls.push(t);
        let Evaluation::Ran(hits) = evaluate(&host, &CheckOptions::default()) else {
            panic!("conclusive")
        };
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].evidence["certificate"]["self_signed"], true);

        host.tls = vec![good_tls(443)];
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Ran(vec![])
        );
        host.tls[0].certificate = None;
        assert_eq!(
            evaluate(&host, &CheckOptions::default()),
            Evaluation::Inconclusive
        );
    }
}
