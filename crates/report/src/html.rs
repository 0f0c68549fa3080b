//! The HTML report: one self-contained page (inline CSS, no scripts, no external resources).
//!
//! Markup is written through [`Page`], which only accepts `&'static str` as raw HTML; every
//! other string is escaped, so a hostile device string cannot inject markup.

use crate::document::{DeviceEntry, ReportDocument};
use crate::escape::escape_html;
use crate::i18n::Strings;
use camguard_model::{Severity, VerdictStatus};
use chrono::{DateTime, Utc};

const CSS: &str = include_str!("../assets/report.css");

/// Forbid every fetch; allow only the inline style sheet.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; \
                   form-action 'none'; base-uri 'none'";

/// An HTML string under construction.
struct Page<'a> {
    out: String,
    strings: &'a Strings,
}

impl<'a> Page<'a> {
    /// Literal markup from this file.
    fn raw(&mut self, html: &'static str) -> &mut Self {
        self.out.push_str(html);
        self
    }

    /// Text, escaped.
    fn text(&mut self, s: &str) -> &mut Self {
        self.out.push_str(&escape_html(s));
        self
    }

    /// A translated UI string, escaped.
    fn t(&mut self, key: &str) -> &mut Self {
        let s = self.strings.get(key);
        self.out.push_str(&escape_html(s));
        self
    }

    /// `<th>` with a translated label.
    fn th(&mut self, key: &str) -> &mut Self {
        self.raw("<th>").t(key).raw("</th>")
    }

    /// `<th class="num">` with a translated label.
    fn th_num(&mut self, key: &str) -> &mut Self {
        self.raw("<th class=\"num\">").t(key).raw("</th>")
    }

    /// `<td>` with escaped text.
    fn td(&mut self, s: &str) -> &mut Self {
        self.raw("<td>").text(s).raw("</td>")
    }

    /// `<td class="num">` with a number.
    fn td_num(&mut self, n: u64) -> &mut Self {
        self.raw("<td class=\"num\">")
            .text(&n.to_string())
            .raw("</td>")
    }

    /// A muted paragraph with a translated text (what an empty section shows).
    fn muted(&mut self, key: &str) -> &mut Self {
        self.raw("<p class=\"muted\">").t(key).raw("</p>\n")
    }

    /// A key/value row of a `kv` table.
    fn kv(&mut self, key: &str, value: &str) -> &mut Self {
        self.raw("<tr>").th(key).td(value).raw("</tr>\n")
    }

    fn severity(&mut self, s: Severity) -> &mut Self {
        self.raw("<span class=\"badge sev-")
            .text(s.as_str())
            .raw("\">")
            .t(&format!("severity.{}", s.as_str()))
            .raw("</span>")
    }

    fn status(&mut self, s: VerdictStatus) -> &mut Self {
        self.raw("<span class=\"badge st-")
            .text(s.as_str())
            .raw("\">")
            .t(&format!("status.{}", s.as_str()))
            .raw("</span>")
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Render the document as one HTML page.
pub fn render(doc: &ReportDocument, strings: &Strings) -> String {
    let mut p = Page {
        out: String::with_capacity(64 * 1024),
        strings,
    };
    head(&mut p, doc);
    summary(&mut p, doc);
    provisions(&mut p, doc);
    devices(&mut p, doc);
    scans(&mut p, doc);
    p.raw("<footer><p>")
        .t("footer.generated_by")
        .raw(" · ")
        .text(&time(doc.generated_at));
    p.raw(" · schema ")
        .text(&format!("{} v{}", doc.schema, doc.schema_version));
    p.raw("</p></footer>\n</body>\n</html>\n");
    p.out
}

fn head(p: &mut Page<'_>, doc: &ReportDocument) {
    p.raw("<!DOCTYPE html>\n<html lang=\"")
        .text(&doc.lang)
        .raw("\">\n<head>\n<meta charset=\"utf-8\">\n");
    p.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    p.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"")
        .text(CSP)
        .raw("\">\n");
    p.raw("<title>")
        .t("report.title")
        .raw(" — ")
        .text(&doc.baseline.id)
        .raw("</title>\n");
    p.raw("<style>\n")
        .raw(CSS)
        .raw("</style>\n</head>\n<body>\n");

    let b = &doc.baseline;
    p.raw("<header>\n<h1>").t("report.title").raw("</h1>\n");
    p.raw("<p class=\"meta\">")
        .t("report.generated_at")
        .raw(": ")
        .text(&time(doc.generated_at))
        .raw("</p>\n");
    p.raw("<p class=\"meta\">")
        .t("report.baseline")
        .raw(": <strong>")
        .text(&b.id)
        .raw("</strong> — ")
        .text(&b.title);
    if b.provisional {
        p.raw(" <span class=\"badge provisional\">")
            .t("report.provisional")
            .raw("</span>");
    }
    p.raw("</p>\n<p class=\"meta\">")
        .t("report.issuer")
        .raw(": ")
        .text(&b.issuer);
    // Known status words are translated; anything else is shown as the catalogue states it.
    let status = p
        .strings
        .lookup(&format!("baseline_status.{}", b.status))
        .unwrap_or(&b.status)
        .to_owned();
    p.raw(" · ").t("report.status").raw(": ").text(&status);
    p.raw(" · ")
        .t("report.valid")
        .raw(": ")
        .text(&b.valid_from.to_string())
        .raw(" – ");
    match b.valid_until {
        Some(d) => p.text(&d.to_string()),
        None => p.t("report.valid_open"),
    };
    p.raw("</p>\n");
    if b.provisional || doc.provisions.iter().any(|x| x.provisional) {
        p.raw("<p class=\"note\">")
            .t("report.provisional_note")
            .raw("</p>\n");
    }
    p.raw("<p class=\"meta\">")
        .t("report.scope_note")
        .raw("</p>\n</header>\n");
}

fn summary(p: &mut Page<'_>, doc: &ReportDocument) {
    let s = &doc.summary;
    p.raw("<section id=\"summary\">\n<h2>")
        .t("summary.heading")
        .raw("</h2>\n<table class=\"kv\">\n");
    p.kv("summary.devices", &s.devices.to_string());
    p.kv("summary.cameras", &s.cameras.to_string());
    p.kv("summary.findings", &s.findings.to_string());
    p.raw("</table>\n<h3>")
        .t("summary.by_severity")
        .raw("</h3>\n<table>\n<tr>");
    for c in &s.findings_by_severity {
        p.raw("<th>").severity(c.severity).raw("</th>");
    }
    p.raw("</tr>\n<tr>");
    for c in &s.findings_by_severity {
        p.td_num(c.count);
    }
    p.raw("</tr>\n</table>\n<h3>")
        .t("summary.by_vendor_model")
        .raw("</h3>\n");
    if s.by_vendor_model.is_empty() {
        p.muted("summary.none");
    } else {
        p.raw("<table>\n<tr>")
            .th("summary.vendor")
            .th("summary.model");
        p.th_num("summary.devices")
            .th_num("summary.cameras")
            .raw("</tr>\n");
        for g in &s.by_vendor_model {
            p.raw("<tr>");
            optional(p, g.vendor.as_deref());
            optional(p, g.model.as_deref());
            p.td_num(g.devices).td_num(g.cameras).raw("</tr>\n");
        }
        p.raw("</table>\n");
    }
    p.raw("</section>\n");
}

/// A cell with the value, or a muted "unknown".
fn optional(p: &mut Page<'_>, value: Option<&str>) {
    match value {
        Some(v) if !v.is_empty() => p.td(v),
        _ => p
            .raw("<td class=\"muted\">")
            .t("summary.unknown")
            .raw("</td>"),
    };
}

fn provisions(p: &mut Page<'_>, doc: &ReportDocument) {
    p.raw("<section id=\"provisions\">\n<h2>")
        .t("provisions.heading")
        .raw("</h2>\n");
    p.raw("<p class=\"note\">")
        .t("provisions.note_nvr")
        .raw("</p>\n");
    p.raw("<table class=\"counts\">\n<tr>")
        .th("provisions.provision")
        .th("provisions.text");
    p.th_num("provisions.fail").th_num("provisions.pass");
    p.th_num("provisions.not_verifiable_remotely")
        .th_num("provisions.not_tested")
        .raw("</tr>\n");
    for row in &doc.provisions {
        p.raw("<tr><td>").text(&row.id);
        if row.provisional {
            p.raw(" <span class=\"badge provisional\">")
                .t("provisions.provisional")
                .raw("</span>");
        }
        p.raw("</td>").td(&row.text);
        let c = &row.counts;
        p.td_num(c.fail)
            .td_num(c.pass)
            .td_num(c.not_verifiable_remotely)
            .td_num(c.not_tested);
        p.raw("</tr>\n");
    }
    p.raw("</table>\n<p class=\"meta\">")
        .t("provisions.note_not_tested")
        .raw("</p>\n</section>\n");
}

fn devices(p: &mut Page<'_>, doc: &ReportDocument) {
    p.raw("<section id=\"devices\">\n<h2>")
        .t("devices.heading")
        .raw("</h2>\n");
    if doc.devices.is_empty() {
        p.muted("devices.none");
    }
    for d in &doc.devices {
        device(p, d);
    }
    p.raw("</section>\n");
}

fn device(p: &mut Page<'_>, d: &DeviceEntry) {
    p.raw("<section class=\"device\" id=\"device-")
        .text(&d.id.to_string())
        .raw("\">\n<h3>");
    p.text(&d.ip.to_string());
    let label: Vec<&str> = [d.vendor.as_deref(), d.model.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !label.is_empty() {
        p.raw(" — ").text(&label.join(" "));
    }
    p.raw("</h3>\n<table class=\"kv\">\n");
    p.kv("devices.ip", &d.ip.to_string());
    for (key, value) in [
        ("devices.vendor", &d.vendor),
        ("devices.product", &d.product),
        ("devices.model", &d.model),
        ("devices.firmware", &d.firmware),
        ("devices.serial", &d.serial),
    ] {
        p.raw("<tr>").th(key);
        optional(p, value.as_deref());
        p.raw("</tr>\n");
    }
    p.raw("<tr>").th("devices.type").raw("<td>");
    match d.device_type {
        Some(t) => p.t(&format!("device_type.{}", t.as_str())),
        None => p
            .raw("<span class=\"muted\">")
            .t("summary.unknown")
            .raw("</span>"),
    };
    p.raw(" (")
        .t(if d.camera {
            "devices.camera"
        } else {
            "devices.not_camera"
        })
        .raw(")</td></tr>\n");
    p.kv(
        "devices.confidence",
        &format!("{:.0}%", d.confidence.clamp(0.0, 1.0) * 100.0),
    );
    let ports: Vec<String> = d.open_ports.iter().map(u16::to_string).collect();
    p.raw("<tr>").th("devices.open_ports");
    if ports.is_empty() {
        p.raw("<td class=\"muted\">").t("summary.none").raw("</td>");
    } else {
        p.td(&ports.join(", "));
    }
    p.raw("</tr>\n");
    p.kv("devices.first_seen", &time(d.first_seen));
    p.kv("devices.last_seen", &time(d.last_seen));
    p.kv("devices.scan", &format!("#{}", d.scan_id));
    p.kv("devices.checks_run", &d.checks_run.join(", "));
    p.raw("</table>\n");

    p.raw("<h4>").t("devices.findings").raw("</h4>\n");
    if d.findings.is_empty() {
        p.muted("devices.no_findings");
    } else {
        p.raw("<table class=\"findings\">\n<tr>")
            .th("devices.severity")
            .th("devices.check")
            .th("devices.port");
        p.th("devices.summary")
            .th("devices.evidence")
            .th("devices.remediation")
            .raw("</tr>\n");
        for f in &d.findings {
            p.raw("<tr><td>")
                .severity(f.severity)
                .raw("</td><td><strong>")
                .text(&f.title);
            p.raw("</strong><br><code>")
                .text(&f.check_id)
                .raw("</code>");
            if !f.known_check {
                p.raw("<br><span class=\"muted\">")
                    .t("devices.unknown_check")
                    .raw("</span>");
            }
            p.raw("</td>");
            p.td(&f.port.map(|x| x.to_string()).unwrap_or_default());
            p.td(&f.summary);
            let evidence = serde_json::to_string(&f.evidence).unwrap_or_default();
            p.raw("<td><code>").text(&evidence).raw("</code></td>");
            p.td(f.remediation.as_deref().unwrap_or(""));
            p.raw("</tr>\n");
        }
        p.raw("</table>\n");
    }

    p.raw("<h4>").t("devices.verdicts").raw("</h4>\n");
    if d.verdicts.is_empty() {
        p.muted("devices.no_verdicts");
    } else {
        p.raw("<table>\n<tr>")
            .th("provisions.provision")
            .th("provisions.text");
        p.th("devices.status").th("devices.cited").raw("</tr>\n");
        for v in &d.verdicts {
            p.raw("<tr><td>").text(&v.provision);
            if v.text.is_none() {
                p.raw(" <span class=\"muted\">(")
                    .text(&v.baseline)
                    .raw(")</span>");
            }
            p.raw("</td>").td(v.text.as_deref().unwrap_or(""));
            p.raw("<td>")
                .status(v.status)
                .raw("</td>")
                .td(&v.findings.join(", "))
                .raw("</tr>\n");
        }
        p.raw("</table>\n");
    }
    p.raw("</section>\n");
}

fn scans(p: &mut Page<'_>, doc: &ReportDocument) {
    p.raw("<section id=\"scans\">\n<h2>")
        .t("scans.heading")
        .raw("</h2>\n<table>\n<tr>");
    p.th("scans.id")
        .th("scans.started")
        .th("scans.finished")
        .th("scans.targets");
    p.th_num("scans.hosts")
        .th_num("scans.devices")
        .th_num("scans.findings")
        .raw("</tr>\n");
    for s in &doc.scans {
        p.raw("<tr>")
            .td(&format!("#{}", s.id))
            .td(&time(s.started_at));
        match s.finished_at {
            Some(t) => p.td(&time(t)),
            None => p
                .raw("<td class=\"muted\">")
                .t("scans.unfinished")
                .raw("</td>"),
        };
        p.td(&s.targets);
        match s.hosts_scanned {
            Some(n) => p.td_num(n),
            None => p.td(""),
        };
        p.td_num(s.devices).td_num(s.findings).raw("</tr>\n");
    }
    p.raw("</table>\n");
    if !doc.baseline.sources.is_empty() {
        // Citations are plain text on purpose: the page links to nothing.
        p.raw("<h3>").t("report.sources").raw("</h3>\n<ul>\n");
        for s in &doc.baseline.sources {
            p.raw("<li>").text(s).raw("</li>\n");
        }
        p.raw("</ul>\n");
    }
    p.raw("</section>\n");
}
