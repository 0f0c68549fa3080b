//! `VULN.KNOWN_FIRMWARE_CVE`: the identified vendor, model and firmware fall under a published
//! advisory of the advisory database (crates/advisories: data/advisories plus imported files).
//!
//! Needs the identification (run after the fingerprint engine): without a vendor and a firmware
//! string of a known version scheme the check cannot settle anything and does not count as
//! run. One finding per host, listing every matched CVE; its severity follows the highest CVSS.
//! Each matched CVE's evidence says its `basis`: `confirmed` when the opt-in safe confirmation
//! (`camguard scan --confirm-cves`) proved it on this device, `version-based` otherwise (with
//! the confirmation's outcome attached when one was tried, e.g. CVE-2021-36260's endpoint).

use crate::context::AssessmentData;
use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::{Evaluation, Hit};
use camguard_advisories::{Database, FirmwareVersion, Match};
use camguard_model::{HostObservation, Identity, Severity};
use serde_json::json;

pub(crate) fn evaluate(
    obs: &HostObservation,
    identity: &Identity,
    data: &AssessmentData,
) -> Evaluation {
    match evaluate_with(&data.advisories, identity) {
        Evaluation::Ran(mut hits) => {
            for hit in &mut hits {
                annotate_basis(hit, obs);
            }
            Evaluation::Ran(hits)
        }
        other => other,
    }
}

/// Mark each matched CVE `confirmed` or `version-based` from the host's CVE confirmations.
fn annotate_basis(hit: &mut Hit, obs: &HostObservation) {
    let mut confirmed = Vec::new();
    if let Some(cves) = hit
        .evidence
        .get_mut("cves")
        .and_then(serde_json::Value::as_array_mut)
    {
        for cve in cves {
            let id = cve["id"].as_str().unwrap_or_default().to_string();
            let tried = obs.cve_confirmations.iter().find(|c| c.cve == id);
            let proved = tried.is_some_and(|c| c.confirmed == Some(true));
            cve["basis"] = json!(if proved { "confirmed" } else { "version-based" });
            if let Some(c) = tried {
                cve["confirmation"] = json!(bounded(&c.detail, 160));
            }
            if proved {
                confirmed.push(id);
            }
        }
    }
    if !confirmed.is_empty() {
        hit.summary.push_str(&format!(
            "; confirmed on the device: {}",
            confirmed.join(", ")
        ));
    }
}

/// The evaluation against a given database (bundled plus imported advisories in the pipeline).
pub(crate) fn evaluate_with(db: &Database, identity: &Identity) -> Evaluation {
    let (Some(vendor), Some(firmware)) = (identity.vendor.as_deref(), identity.firmware.as_deref())
    else {
        return Evaluation::Inconclusive;
    };
    if FirmwareVersion::parse(firmware).is_none() {
        return Evaluation::Inconclusive;
    }
    let model = identity.model.as_deref();
    let matches = db.match_device(vendor, model, firmware);
    if matches.is_empty() {
        return Evaluation::Ran(Vec::new());
    }
    Evaluation::Ran(vec![hit(vendor, model, firmware, &matches)])
}

fn hit(vendor: &str, model: Option<&str>, firmware: &str, matches: &[Match]) -> Hit {
    let max_cvss = matches.iter().map(|m| m.cvss).fold(0.0, f64::max);
    let kev: Vec<&str> = matches
        .iter()
        .filter(|m| m.kev)
        .map(|m| m.id.as_str())
        .collect();
    let ids: Vec<&str> = matches.iter().map(|m| m.id.as_str()).collect();
    let firmware = bounded(firmware, MAX_FIELD_CHARS);
    let mut summary = format!(
        "Firmware {firmware} has {} known CVE{} ({}), highest CVSS {max_cvss:.1}",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        ids.join(", ")
    );
    if !kev.is_empty() {
        summary.push_str(&format!(
            "; exploited in the wild (CISA KEV): {}",
            kev.join(", ")
        ));
    }
    let ransomware: Vec<&str> = matches
        .iter()
        .filter(|m| m.ransomware)
        .map(|m| m.id.as_str())
        .collect();
    if !ransomware.is_empty() {
        summary.push_str(&format!(
            "; used in ransomware campaigns (CISA KEV): {}",
            ransomware.join(", ")
        ));
    }
    Hit {
        port: None,
        summary,
        evidence: json!({
            "vendor": bounded(vendor, MAX_FIELD_CHARS),
            "model": model.map(|m| bounded(m, MAX_FIELD_CHARS)),
            "firmware": firmware,
            "max_cvss": max_cvss,
            "kev": kev,
            "ransomware": ransomware,
            "cves": matches.iter().map(|m| json!({
                "id": m.id,
                "cvss": m.cvss,
                "kev": m.kev,
                "ransomware": m.ransomware,
                "fixed": m.fixed,
                "title": m.title,
                "uncertain": m.uncertain,
            })).collect::<Vec<_>>(),
        }),
    }
}

/// Severity of a finding from its highest CVSS (CVSS v3 qualitative rating scale).
pub(crate) fn severity(hit: &Hit) -> Option<Severity> {
    let cvss = hit.evidence.get("max_cvss")?.as_f64()?;
    Some(match cvss {
        c if c >= 9.0 => Severity::Critical,
        c if c >= 7.0 => Severity::High,
        c if c >= 4.0 => Severity::Medium,
        c if c > 0.0 => Severity::Low,
        _ => Severity::Info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_says_confirmed_or_version_based() {
        let mut host = crate::testutil::alive_host(80);
        host.cve_confirmations
            .push(camguard_model::CveConfirmation {
                cve: "CVE-2017-7921".into(),
                port: 80,
                confirmed: Some(true),
                detail: "device information served to the magic auth parameter".into(),
                ..Default::default()
            });
        host.cve_confirmations
            .push(camguard_model::CveConfirmation {
                cve: "CVE-2021-36260".into(),
                port: 80,
                confirmed: None,
                detail: "version-based: endpoint present".into(),
                ..Default::default()
            });
        // In the ranges of both CVE-2017-7921 (DS-2CD2xx2F-I, V5.2.0–V5.4.0) and CVE-2021-36260.
        let id = identity(
            Some("Hikvision"),
            Some("DS-2CD2032F-I"),
            Some("V5.3.0 build 151016"),
        );
        let Evaluation::Ran(hits) = evaluate(&host, &id, AssessmentData::builtin()) else {
            panic!("should run");
        };
        let cves = hits[0].evidence["cves"].as_array().expect("cves");
        let basis = |cve: &str| {
            cves.iter()
                .find(|c| c["id"] == cve)
                .map(|c| c["basis"].as_str().unwrap_or("").to_string())
        };
        assert_eq!(basis("CVE-2017-7921").as_deref(), Some("confirmed"));
        assert_eq!(basis("CVE-2021-36260").as_deref(), Some("version-based"));
        assert!(hits[0]
            .summary
            .contains("confirmed on the device: CVE-2017-7921"));
        // Without confirmations everything is version-based.
        let plain = crate::testutil::alive_host(80);
        let Evaluation::Ran(hits) = evaluate(&plain, &id, AssessmentData::builtin()) else {
            panic!("should run");
        };
        assert!(hits[0].evidence["cves"]
            .as_array()
            .expect("cves")
            .iter()
            .all(|c| c["basis"] == "version-based"));
    }

    fn identity(vendor: Option<&str>, model: Option<&str>, firmware: Option<&str>) -> Identity {
        Identity {
            camera: true,
            vendor: vendor.map(Into::into),
            model: model.map(Into::into),
            firmware: firmware.map(Into::into),
            ..Default::default()
        }
    }

    fn run(id: &Identity) -> Evaluation {
        evaluate_with(Database::builtin(), id)
    }

    #[test]
    fn vulnerable_hikvision_is_one_critical_kev_finding() {
        let id = identity(
            Some("Hikvision"),
            Some("DS-2CD2143G0-I"),
            Some("V5.5.82 build 190909"),
        );
        let Evaluation::Ran(hits) = run(&id) else {
            panic!("should run");
        };
        assert_eq!(hits.len(), 1);
        let h = &hits[0];
        assert!(h.summary.contains("CVE-2021-36260"), "{}", h.summary);
        assert!(h.summary.contains("CISA KEV"), "{}", h.summary);
        assert_eq!(h.evidence["kev"][0], "CVE-2021-36260");
        assert_eq!(severity(h), Some(Severity::Critical));
    }

    #[test]
    fn fixed_firmware_runs_with_no_finding() {
        let id = identity(
            Some("Hikvision"),
            Some("DS-2CD2143G0-I"),
            Some("V5.5.800 build 210628"),
        );
        assert_eq!(run(&id), Evaluation::Ran(vec![]));
    }

    #[test]
    fn missing_or_unparsable_identity_is_inconclusive() {
        for id in [
            identity(None, Some("DS-2CD2143G0-I"), Some("V5.5.82 build 190909")),
            identity(Some("Hikvision"), Some("DS-2CD2143G0-I"), None),
            identity(Some("Hikvision"), Some("DS-2CD2143G0-I"), Some("latest")),
        ] {
            assert_eq!(run(&id), Evaluation::Inconclusive, "{id:?}");
        }
    }

    #[test]
    fn kev_ransomware_use_is_named_in_the_summary_and_evidence() {
        let mut db = Database::builtin().clone();
        db.add_ransomware(["CVE-2021-36260".to_string()]);
        let id = identity(
            Some("Hikvision"),
            Some("DS-2CD2143G0-I"),
            Some("V5.5.82 build 190909"),
        );
        let Evaluation::Ran(hits) = evaluate_with(&db, &id) else {
            panic!("should run");
        };
        assert!(
            hits[0]
                .summary
                .contains("ransomware campaigns (CISA KEV): CVE-2021-36260"),
            "{}",
            hits[0].summary
        );
        assert_eq!(hits[0].evidence["ransomware"][0], "CVE-2021-36260");
        let Evaluation::Ran(plain) = run(&id) else {
            panic!("should run");
        };
        assert!(!plain[0].summary.contains("ransomware"));
    }

    #[test]
    fn severity_follows_the_highest_cvss() {
        let id = identity(
            Some("TP-Link"),
            Some("Tapo C200"),
            Some("1.1.15 Build 211130 Rel.33696n"),
        );
        let Evaluation::Ran(hits) = run(&id) else {
            panic!("should run");
        };
        assert_eq!(severity(&hits[0]), Some(Severity::High), "CVSS 8.1");
    }
}
