//! `VULN.CVE_2017_7921_CONFIRMED` and `VULN.CVE_2021_33044_CONFIRMED`: the opt-in safe
//! confirmations (`camguard scan --confirm-cves`) proved the flaw on the device itself, without
//! exploiting or writing anything (see `crates/scan/src/probe_cve.rs`).
//!
//! Runs when the confirmation for that CVE was attempted and decided; a confirmation that was
//! not sent (another vendor, the option off) or could not decide leaves the check unrun.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use crate::CheckOptions;
use camguard_model::HostObservation;
use serde_json::json;

/// Evaluate the confirmation of `cve`.
fn evaluate_cve(obs: &HostObservation, cve: &str) -> Evaluation {
    let Some(c) = obs.cve_confirmations.iter().find(|c| c.cve == cve) else {
        return Evaluation::Inconclusive;
    };
    match c.confirmed {
        None => Evaluation::Inconclusive,
        Some(false) => Evaluation::Ran(Vec::new()),
        Some(true) => Evaluation::Ran(vec![Hit {
            port: Some(c.port),
            summary: format!(
                "{cve} confirmed on port {}: {}",
                c.port,
                bounded(&c.detail, 160)
            ),
            evidence: json!({
                "cve": c.cve,
                "port": c.port,
                "method": c.method,
                "basis": "confirmed",
                "requests": c.steps.iter().map(|s| json!({
                    "method": s.method,
                    "path": bounded(&s.path, MAX_FIELD_CHARS),
                    "status": s.status,
                    "note": bounded(&s.note, MAX_FIELD_CHARS),
                })).collect::<Vec<_>>(),
            }),
        }]),
    }
}

/// `VULN.CVE_2017_7921_CONFIRMED`.
pub(crate) fn evaluate_7921(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    evaluate_cve(obs, "CVE-2017-7921")
}

/// `VULN.CVE_2021_33044_CONFIRMED`.
pub(crate) fn evaluate_33044(obs: &HostObservation, _opts: &CheckOptions) -> Evaluation {
    evaluate_cve(obs, "CVE-2021-33044")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alive_host;
    use camguard_model::{CveConfirmation, ProbeStep};

    fn host(cve: &str, confirmed: Option<bool>) -> HostObservation {
        let mut h = alive_host(80);
        h.cve_confirmations.push(CveConfirmation {
            cve: cve.into(),
            port: 80,
            method: "auth_param_bypass".into(),
            steps: vec![ProbeStep {
                method: "GET".into(),
                path: "/System/deviceInfo?auth=<magic>".into(),
                status: Some(200),
                note: "DeviceInfo: deviceName, model".into(),
            }],
            confirmed,
            detail: "device information served".into(),
        });
        h
    }

    #[test]
    fn the_confirmed_cves_are_in_the_bundled_advisory_database() {
        let db = camguard_advisories::Database::builtin();
        for id in ["CVE-2017-7921", "CVE-2021-33044", "CVE-2021-36260"] {
            let a = db.get(id).unwrap_or_else(|| panic!("{id} not bundled"));
            assert!(db.is_kev(a), "{id} is in CISA KEV");
        }
    }

    #[test]
    fn confirmed_is_a_finding_refuted_passes_undecided_does_not_run() {
        let opts = CheckOptions::default();
        let Evaluation::Ran(hits) = evaluate_7921(&host("CVE-2017-7921", Some(true)), &opts) else {
            panic!("ran");
        };
        assert_eq!(hits[0].evidence["basis"], "confirmed");
        assert_eq!(hits[0].port, Some(80));
        assert_eq!(
            evaluate_7921(&host("CVE-2017-7921", Some(false)), &opts),
            Evaluation::Ran(vec![])
        );
        assert_eq!(
            evaluate_7921(&host("CVE-2017-7921", None), &opts),
            Evaluation::Inconclusive
        );
        // Each check reads only its own CVE.
        assert_eq!(
            evaluate_33044(&host("CVE-2017-7921", Some(true)), &opts),
            Evaluation::Inconclusive
        );
    }
}
