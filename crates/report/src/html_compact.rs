//! The print-friendly parts of the HTML report (`--detail failed|summary`): devices without
//! anything to act on in one compact table, and each check's remediation once, in the appendix
//! "Remediation by check", instead of next to every finding of every device.

use crate::document::{DeviceEntry, ReportDocument};
use crate::html::{optional, time, Page};
use crate::lang::Detail;
use camguard_model::{Severity, VerdictStatus};
use std::collections::BTreeMap;

/// True when a device has something to act on: a finding or a failed provision.
pub(crate) fn needs_detail(d: &DeviceEntry) -> bool {
    !d.findings.is_empty() || d.verdicts.iter().any(|v| v.status == VerdictStatus::Fail)
}

/// The devices section: detail for the devices with findings (`Failed`), then the compact table
/// of the others (`Failed`) or of all (`Summary`).
pub(crate) fn devices(p: &mut Page<'_>, doc: &ReportDocument, detail: Detail) {
    p.raw("<section id=\"devices\" class=\"page\">\n<h2>")
        .t("devices.heading")
        .raw("</h2>\n");
    if doc.devices.is_empty() {
        p.muted("devices.none");
        p.raw("</section>\n");
        return;
    }
    let (detailed, compact): (Vec<&DeviceEntry>, Vec<&DeviceEntry>) = match detail {
        Detail::Summary => (Vec::new(), doc.devices.iter().collect()),
        Detail::Failed | Detail::Full => doc.devices.iter().partition(|d| needs_detail(d)),
    };
    p.raw("<p class=\"meta\">")
        .t(match detail {
            Detail::Summary => "compact.note_summary",
            _ => "compact.note_failed",
        })
        .raw("</p>\n");
    for d in &detailed {
        device(p, d);
    }
    if !compact.is_empty() {
        p.raw("<section class=\"device-table\" id=\"devices-compact\">\n<h3>")
            .t(match detail {
                Detail::Summary => "compact.heading_all",
                _ => "compact.heading_clean",
            })
            .raw("</h3>\n");
        table(p, &compact, detail == Detail::Summary);
        p.raw("</section>\n");
    }
    p.raw("</section>\n");
}

/// Longest evidence printed per finding, in characters (the JSON, CSV and SARIF reports carry
/// all of it).
const EVIDENCE_CHARS: usize = 120;

/// One device with something to act on, for print: identity on one line, its findings without
/// remediation (in the appendix), and its verdicts by provision id (texts are in the
/// per-provision table).
fn device(p: &mut Page<'_>, d: &DeviceEntry) {
    p.raw("<section class=\"device compact\" id=\"device-")
        .text(&d.id.to_string())
        .raw("\">\n<h3>")
        .text(&d.ip.to_string());
    let label: Vec<&str> = [d.vendor.as_deref(), d.model.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !label.is_empty() {
        p.raw(" — ").text(&label.join(" "));
    }
    p.raw("</h3>\n<p class=\"meta identity\">");
    let ports: Vec<String> = d.open_ports.iter().map(u16::to_string).collect();
    let mut first = true;
    for (key, value) in [
        ("devices.firmware", d.firmware.clone()),
        ("devices.serial", d.serial.clone()),
        ("devices.open_ports", Some(ports.join(", "))),
        (
            "devices.confidence",
            Some(format!("{:.0}%", d.confidence.clamp(0.0, 1.0) * 100.0)),
        ),
        ("devices.last_seen", Some(time(d.last_seen))),
        ("devices.scan", Some(format!("#{}", d.scan_id))),
    ] {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        if !first {
            p.raw(" · ");
        }
        first = false;
        p.t(key).raw(": ").text(&value);
    }
    p.raw("</p>\n");
    if !d.findings.is_empty() {
        p.raw("<table class=\"findings compact\">\n<thead><tr>")
            .th("devices.severity")
            .th("devices.check")
            .th("devices.port");
        p.th("devices.summary")
            .th("devices.evidence")
            .raw("</tr></thead>\n");
        for f in &d.findings {
            p.raw("<tr><td>")
                .severity(f.severity)
                .raw("</td><td><strong>")
                .text(&f.title)
                .raw("</strong><br><code>")
                .text(&f.check_id)
                .raw("</code></td>");
            p.td(&f.port.map(|x| x.to_string()).unwrap_or_default())
                .td(&f.summary);
            let evidence = serde_json::to_string(&f.evidence).unwrap_or_default();
            p.raw("<td><code>").text(&cut(&evidence, EVIDENCE_CHARS));
            if evidence.chars().count() > EVIDENCE_CHARS {
                p.raw("</code> <span class=\"muted\">")
                    .t("compact.evidence_cut")
                    .raw("</span></td>");
            } else {
                p.raw("</code></td>");
            }
            p.raw("</tr>\n");
        }
        p.raw("</table>\n");
    }
    p.raw("<p class=\"verdict-line\">");
    let mut any = false;
    for status in [
        VerdictStatus::Fail,
        VerdictStatus::Pass,
        VerdictStatus::NotVerifiableRemotely,
        VerdictStatus::NotTested,
    ] {
        let ids: Vec<&str> = d
            .verdicts
            .iter()
            .filter(|v| v.status == status && v.attested.is_none())
            .map(|v| v.provision.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        if any {
            p.raw(" · ");
        }
        any = true;
        p.status(status).raw(" ");
        if matches!(status, VerdictStatus::Fail | VerdictStatus::Pass) {
            p.text(&ids.join(", "));
        } else {
            p.raw("× ").text(&ids.len().to_string());
        }
    }
    // Verdicts completed by documents, labelled as attested, after the scanned ones.
    for pass in [true, false] {
        let ids: Vec<&str> = d
            .verdicts
            .iter()
            .filter(|v| v.attested.as_ref().is_some_and(|a| a.is_pass() == pass))
            .map(|v| v.provision.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        if any {
            p.raw(" · ");
        }
        any = true;
        let status = if pass {
            "attested_pass"
        } else {
            "attested_fail"
        };
        p.raw("<span class=\"badge st-")
            .text(status)
            .raw("\">")
            .t(&format!("status.{status}"))
            .raw("</span> ")
            .text(&ids.join(", "));
    }
    if !any {
        p.t("devices.no_verdicts");
    }
    p.raw("</p>\n</section>\n");
}

/// The first `n` characters of `s`, with `…` when cut.
fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// One row per device: address, identity, ports and, with `findings` (summary: the table holds
/// every device), the number of findings, the worst severity and the failed provisions.
fn table(p: &mut Page<'_>, devices: &[&DeviceEntry], findings: bool) {
    p.raw("<table class=\"compact\">\n<thead><tr>")
        .th("devices.ip")
        .th("devices.vendor")
        .th("devices.model")
        .th("devices.firmware")
        .th("devices.open_ports");
    if findings {
        p.th_num("devices.findings")
            .th("compact.worst")
            .th("compact.failed_provisions");
    }
    p.raw("</tr></thead>\n");
    for d in devices {
        p.raw("<tr>").td(&d.ip.to_string());
        optional(p, d.vendor.as_deref());
        optional(p, d.model.as_deref());
        optional(p, d.firmware.as_deref());
        let ports: Vec<String> = d.open_ports.iter().map(u16::to_string).collect();
        p.td(&ports.join(", "));
        if !findings {
            p.raw("</tr>\n");
            continue;
        }
        p.td_num(d.findings.len() as u64);
        match d.findings.iter().map(|f| f.severity).max_by_key(rank) {
            Some(s) => p.raw("<td>").severity(s).raw("</td>"),
            None => p.td(""),
        };
        let failed: Vec<&str> = d
            .verdicts
            .iter()
            .filter(|v| v.status == VerdictStatus::Fail)
            .map(|v| v.provision.as_str())
            .collect();
        p.td(&failed.join(", ")).raw("</tr>\n");
    }
    p.raw("</table>\n");
}

/// Higher is worse.
fn rank(s: &Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// A check found on at least one device, for the appendix.
struct Row<'a> {
    title: &'a str,
    severity: Severity,
    devices: u64,
    remediation: Option<&'a str>,
    known: bool,
}

/// The appendix: each check with a finding once, worst first, with the number of devices it
/// was found on and its remediation.
pub(crate) fn remediation_appendix(p: &mut Page<'_>, doc: &ReportDocument) {
    let mut rows: BTreeMap<&str, Row<'_>> = BTreeMap::new();
    for d in &doc.devices {
        let mut counted = Vec::new();
        for f in &d.findings {
            let row = rows.entry(f.check_id.as_str()).or_insert(Row {
                title: &f.title,
                severity: f.severity,
                devices: 0,
                remediation: None,
                known: f.known_check,
            });
            if rank(&f.severity) > rank(&row.severity) {
                row.severity = f.severity;
            }
            if row.remediation.is_none() {
                row.remediation = f.remediation.as_deref();
            }
            if !counted.contains(&f.check_id) {
                counted.push(f.check_id.clone());
                row.devices += 1;
            }
        }
    }
    let mut rows: Vec<(&str, Row<'_>)> = rows.into_iter().collect();
    rows.sort_by(|a, b| {
        rank(&b.1.severity)
            .cmp(&rank(&a.1.severity))
            .then(a.0.cmp(b.0))
    });
    p.raw("<section id=\"remediation\" class=\"page\">\n<h2>")
        .t("compact.remediation_heading")
        .raw("</h2>\n");
    if rows.is_empty() {
        p.muted("compact.remediation_none");
        p.raw("</section>\n");
        return;
    }
    p.raw("<table class=\"remediation\">\n<thead><tr>")
        .th("devices.severity")
        .th("devices.check");
    p.th_num("compact.devices_affected")
        .th("devices.remediation")
        .raw("</tr></thead>\n");
    for (id, row) in &rows {
        p.raw("<tr><td>")
            .severity(row.severity)
            .raw("</td><td><strong>")
            .text(row.title)
            .raw("</strong><br><code>")
            .text(id)
            .raw("</code>");
        if !row.known {
            p.raw("<br><span class=\"muted\">")
                .t("devices.unknown_check")
                .raw("</span>");
        }
        p.raw("</td>")
            .td_num(row.devices)
            .td(row.remediation.unwrap_or(""))
            .raw("</tr>\n");
    }
    p.raw("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_cut_on_a_character_boundary() {
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("abcd", 3), "abc…");
        assert_eq!(cut("Mật khẩu", 2), "Mậ…");
        assert_eq!(cut("", 0), "");
        assert_eq!(cut("😀😀", 1), "😀…");
    }

    #[test]
    fn worse_severities_rank_higher() {
        let order = [
            Severity::Info,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ];
        assert!(order.windows(2).all(|w| rank(&w[0]) < rank(&w[1])));
    }
}
