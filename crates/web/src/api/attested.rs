//! Attestations in downloaded reports. camguard-report renders what scans recorded; the
//! dashboard adds what auditors attested: an "attestations" array in the JSON report and an
//! appendix table in the HTML report, one row per device and attested provision (the same
//! `attested_pass` / `attested_fail` labels as the device page). CSV (findings) and SARIF
//! (results) have no place for documentary evidence and stay as rendered.

use super::inventory::Org;
use camguard_report::escape_html as esc;
use camguard_store::InventoryDevice;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// One device's verdict completed by an attestation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct AttestedRow {
    /// Device address.
    pub ip: String,
    /// Baseline id.
    pub baseline: String,
    /// Provision id.
    pub provision: String,
    /// `attested_pass` or `attested_fail`.
    pub status: String,
    /// What was attested (`model:Vendor/Model` or `system:ID`).
    pub subject: String,
    /// The document.
    pub document: String,
    /// Who attested it.
    pub attested_by: String,
    /// When (RFC 3339).
    pub attested_at: String,
}

/// The attested verdicts of `devices` for `baseline`, by device then provision.
pub(crate) fn rows(org: &Org, devices: &[InventoryDevice], baseline: &str) -> Vec<AttestedRow> {
    let mut out = Vec::new();
    for d in devices {
        for (provision, status, id) in org.verdicts(d, baseline) {
            let Some(a) = id.and_then(|id| org.attestation(id)) else {
                continue;
            };
            out.push(AttestedRow {
                ip: d.ip.to_string(),
                baseline: baseline.to_owned(),
                provision,
                status,
                subject: a.subject.clone(),
                document: a.document.clone(),
                attested_by: a.attested_by.clone(),
                attested_at: a.attested_at.to_rfc3339(),
            });
        }
    }
    out
}

/// The JSON report with an `attestations` array (left as it is when it does not parse).
pub(crate) fn into_json(report: String, rows: &[AttestedRow]) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(&report) else {
        return report;
    };
    if let Some(map) = v.as_object_mut() {
        map.insert(
            "attestations".into(),
            serde_json::to_value(rows).unwrap_or(Value::Null),
        );
    }
    match serde_json::to_string_pretty(&v) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(_) => report,
    }
}

/// The HTML report with an appendix of the attested verdicts before `</body>`.
pub(crate) fn into_html(report: String, rows: &[AttestedRow], lang: &str) -> String {
    let t = crate::ui::Strings::get(lang);
    let mut section = format!(
        "<section id=\"attestations\"><h2>{}</h2><p>{}</p>",
        esc(t.t("report_attested_title")),
        esc(t.t("report_attested_intro"))
    );
    if rows.is_empty() {
        let _ = write!(section, "<p>{}</p>", esc(t.t("none_yet")));
    } else {
        let _ = write!(
            section,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.t("address")),
            esc(t.t("provision")),
            esc(t.t("status")),
            esc(t.t("subject_col")),
            esc(t.t("document")),
            esc(t.t("by")),
        );
        for r in rows {
            let _ = write!(
                section,
                "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                esc(&r.ip),
                esc(&r.baseline),
                esc(&r.provision),
                esc(&r.status),
                esc(&r.subject),
                esc(&r.document),
                esc(&r.attested_by),
                esc(r.attested_at.get(..10).unwrap_or(&r.attested_at)),
            );
        }
        section.push_str("</tbody></table>");
    }
    section.push_str("</section>\n");
    match report.rfind("</body>") {
        Some(at) => {
            let mut out = report;
            out.insert_str(at, &section);
            out
        }
        None => report + &section,
    }
}
