//! Shared walk over the TLS ports of a host for the TLS and certificate checks.
//!
//! Only ports where some version was accepted count. Each port is judged by a closure that
//! returns `Some(hit)`, `None` (no violation), or the port is undecided (the observation lacks
//! what the check needs, e.g. no certificate was read). Any hit makes the check conclusive;
//! otherwise an undecided port makes it inconclusive.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use camguard_model::{CertificateInfo, HostObservation, TlsObservation};
use serde_json::{json, Value};

/// What a check concluded on one TLS port.
pub(crate) enum PortVerdict {
    /// A violation.
    Hit(Hit),
    /// Checked, nothing found.
    Clean,
    /// The observation cannot settle it.
    Undecided,
}

/// Judge every TLS port that accepted a version.
pub(crate) fn evaluate_ports(
    obs: &HostObservation,
    judge: impl Fn(&TlsObservation) -> PortVerdict,
) -> Evaluation {
    let mut hits = Vec::new();
    let mut undecided = false;
    for tls in obs.tls.iter().filter(|t| !t.versions_accepted.is_empty()) {
        match judge(tls) {
            PortVerdict::Hit(h) => hits.push(h),
            PortVerdict::Clean => {}
            PortVerdict::Undecided => undecided = true,
        }
    }
    if hits.is_empty() && undecided {
        Evaluation::Inconclusive
    } else {
        Evaluation::Ran(hits)
    }
}

/// The certificate's identifying fields for evidence (public data, bounded).
pub(crate) fn certificate_evidence(cert: &CertificateInfo) -> Value {
    json!({
        "subject": bounded(&cert.subject, MAX_FIELD_CHARS),
        "issuer": bounded(&cert.issuer, MAX_FIELD_CHARS),
        "not_before": cert.not_before,
        "not_after": cert.not_after,
        "key_type": cert.key_type,
        "key_bits": cert.key_bits,
        "signature_algorithm": cert.signature_algorithm,
        "sha256": bounded(&cert.sha256, 64),
        "spki_sha256": cert.spki_sha256.as_deref().map(|s| bounded(s, 64)),
        "self_signed": cert.self_signed,
    })
}

#[cfg(test)]
pub(crate) mod testing {
    use camguard_model::{CertificateInfo, TlsObservation};

    /// A TLS 1.2-only port with a modern suite and a sound certificate.
    pub(crate) fn good_tls(port: u16) -> TlsObservation {
        TlsObservation {
            port,
            versions_accepted: vec!["TLS1.2".into(), "TLS1.3".into()],
            versions_refused: vec!["TLS1.1".into(), "TLS1.0".into(), "SSL3".into()],
            cipher: Some("TLS_AES_128_GCM_SHA256".into()),
            certificate: Some(CertificateInfo {
                subject: "CN=cam".into(),
                issuer: "CN=Vendor CA".into(),
                not_before: Some("2024-01-01T00:00:00+00:00".into()),
                not_after: Some("2034-01-01T00:00:00+00:00".into()),
                key_type: Some("ec".into()),
                key_bits: Some(256),
                signature_algorithm: Some("ecdsa-with-SHA256".into()),
                sha256: "ab".repeat(32),
                spki_sha256: Some("cd".repeat(32)),
                self_signed: false,
            }),
            error: None,
        }
    }
}
