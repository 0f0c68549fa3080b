//! SARIF 2.1.0 output, for security dashboards (GitHub code scanning, DefectDojo, …).
//!
//! - `tool.driver.rules` is the whole check catalogue (in catalogue order), then any check id
//!   found in the store that this camguard does not know: `name` is the check id,
//!   `shortDescription` the title, `fullDescription` the description, `help` the remediation,
//!   and `properties` carry the camguard `severity`, GitHub's numeric `security-severity`
//!   (critical 9.5, high 8.0, medium 5.5, low 3.0, info 0.0), `tags` and `precision`.
//! - one result per finding: `level` is `error` (critical, high), `warning` (medium) or
//!   `note` (low, info); `message.text` is the device-specific summary.
//! - Locations. A finding is on a device, not in a file. Dashboards need a
//!   `physicalLocation` (GitHub code scanning rejects results without one; DefectDojo reads
//!   `artifactLocation.uri` as the component), so each result has
//!   `physicalLocation.artifactLocation.uri` = `camera://IP:PORT` (`camera://IP` when the
//!   finding has no port; IPv6 in brackets) and a `logicalLocations` entry of kind `device`
//!   naming the same endpoint. No `region`: there are no lines.
//! - `partialFingerprints["camguardFinding/v1"]` = `IP/CHECK_ID/PORT`, stable across scans, so
//!   a dashboard deduplicates the same finding seen again and closes it when it disappears.
//! - Texts are in the report's language (`run.language`); evidence is already redacted.

use crate::document::ReportDocument;
use camguard_checks::Catalogue;
use camguard_model::Severity;
use serde_json::{json, Value};
use std::net::{IpAddr, SocketAddr};

/// Version string of the SARIF format written.
pub const SARIF_VERSION: &str = "2.1.0";
/// `$schema` value written (text only; nothing is fetched).
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of the stable fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "camguardFinding/v1";

/// SARIF `level` of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score as a string) of a severity.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The endpoint a finding is located at: `IP:PORT`, or the address alone.
fn endpoint(ip: IpAddr, port: Option<u16>) -> String {
    match (port, ip) {
        (Some(p), _) => SocketAddr::new(ip, p).to_string(),
        (None, IpAddr::V6(v6)) => format!("[{v6}]"),
        (None, IpAddr::V4(v4)) => v4.to_string(),
    }
}

fn rule(id: &str, severity: Severity, short: &str, full: &str, help: Option<&str>) -> Value {
    let mut r = json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "defaultConfiguration": { "level": level(severity) },
        "properties": {
            "severity": severity.as_str(),
            "security-severity": security_severity(severity),
            "precision": "high",
            "tags": ["security", "camera"],
        },
    });
    if let Some(help) = help {
        r["help"] = json!({ "text": help });
    }
    r
}

/// The document as a SARIF 2.1.0 log with one run.
pub fn render(doc: &ReportDocument, catalogue: &Catalogue) -> Value {
    let code = doc.lang.as_str();
    let mut ids: Vec<String> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for c in catalogue.all() {
        ids.push(c.id.clone());
        rules.push(rule(
            &c.id,
            c.severity,
            c.title.get(code),
            c.description.get(code),
            Some(c.remediation.get(code)),
        ));
    }
    let mut results = Vec::new();
    for d in &doc.devices {
        for f in &d.findings {
            let index = match ids.iter().position(|id| *id == f.check_id) {
                Some(i) => i,
                None => {
                    ids.push(f.check_id.clone());
                    rules.push(rule(&f.check_id, f.severity, &f.title, &f.title, None));
                    ids.len() - 1
                }
            };
            let at = endpoint(d.ip, f.port);
            let provisions: Vec<&str> = doc
                .provisions
                .iter()
                .filter(|p| p.checks.contains(&f.check_id))
                .map(|p| p.id.as_str())
                .collect();
            results.push(json!({
                "ruleId": f.check_id,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": f.summary },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": format!("camera://{at}") },
                    },
                    "logicalLocations": [{
                        "name": at,
                        "fullyQualifiedName": format!("{at}/{}", f.check_id),
                        "kind": "device",
                    }],
                }],
                "partialFingerprints": {
                    FINGERPRINT_KEY: format!(
                        "{}/{}/{}",
                        d.ip,
                        f.check_id,
                        f.port.map(|p| p.to_string()).unwrap_or_default()
                    ),
                },
                "properties": {
                    "severity": f.severity.as_str(),
                    "scan_id": d.scan_id,
                    "ip": d.ip.to_string(),
                    "vendor": d.vendor,
                    "model": d.model,
                    "firmware": d.firmware,
                    "baseline": doc.baseline.id,
                    "provisions": provisions,
                    "evidence": f.evidence,
                },
            }));
        }
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": "camguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "automationDetails": { "id": format!("camguard/{}/", doc.baseline.id) },
            "language": code,
            "invocations": [{
                "executionSuccessful": true,
                "endTimeUtc": doc.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }],
            "results": results,
            "properties": {
                "baseline": doc.baseline.id,
                "organisation": doc.organisation,
                "scope": doc.scope,
            },
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_the_port_and_bracket_ipv6() {
        assert_eq!(
            endpoint("127.0.0.2".parse().unwrap(), Some(554)),
            "127.0.0.2:554"
        );
        assert_eq!(endpoint("127.0.0.2".parse().unwrap(), None), "127.0.0.2");
        assert_eq!(endpoint("::1".parse().unwrap(), Some(80)), "[::1]:80");
        assert_eq!(endpoint("::1".parse().unwrap(), None), "[::1]");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Info), "note");
        let scores: Vec<f64> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
        .iter()
        .map(|&s| security_severity(s).parse().unwrap())
        .collect();
        // GitHub's bands: critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9.
        assert!(scores[0] > 9.0 && (7.0..9.0).contains(&scores[1]));
        assert!((4.0..7.0).contains(&scores[2]) && (0.1..4.0).contains(&scores[3]));
    }
}
