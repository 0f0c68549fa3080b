//! The diff report as one self-contained HTML page (same style sheet and rules as the report).

use crate::diff::{DeviceChange, DiffDocument, FindingChange};
use crate::html::{head, optional, time, Page};
use crate::i18n::Strings;
use camguard_store::ScanSummary;

/// Render the diff as one HTML page.
pub fn render(doc: &DiffDocument, strings: &Strings) -> String {
    let mut p = Page::new(strings);
    let title = format!(
        "{} #{} → #{}",
        strings.get("diff.title"),
        doc.old_scan.id,
        doc.new_scan.id
    );
    head(&mut p, &doc.lang, &title);
    p.raw("<header id=\"cover\" class=\"cover\">\n<p class=\"kicker\">")
        .t("report.title")
        .raw("</p>\n<h1>")
        .t("diff.title")
        .raw("</h1>\n");
    if let Some(org) = doc.organisation.as_deref().filter(|o| !o.trim().is_empty()) {
        p.raw("<p class=\"org\">").text(org).raw("</p>\n");
    }
    p.raw("<table class=\"kv cover-facts\">\n");
    scan_row(&mut p, "diff.old_scan", &doc.old_scan);
    scan_row(&mut p, "diff.new_scan", &doc.new_scan);
    p.kv("cover.date", &time(doc.generated_at));
    p.raw("</table>\n</header>\n");

    let t = &doc.totals;
    p.raw("<section id=\"totals\">\n<h2>")
        .t("diff.totals")
        .raw("</h2>\n<div class=\"tiles\">\n");
    for (key, n) in [
        ("diff.new", t.new),
        ("diff.fixed", t.fixed),
        ("diff.regressed", t.regressed),
        ("diff.unchanged", t.unchanged),
        ("diff.new_devices", t.new_devices),
        ("diff.vanished_devices", t.vanished_devices),
        ("diff.unchanged_devices", t.unchanged_devices),
    ] {
        p.raw("<div class=\"tile\"><span class=\"figure\">")
            .text(&n.to_string())
            .raw("</span><span class=\"label\">")
            .t(key)
            .raw("</span></div>\n");
    }
    p.raw("</div>\n</section>\n<section id=\"changes\">\n<h2>")
        .t("diff.devices")
        .raw("</h2>\n");
    if doc.devices.is_empty() {
        p.muted("diff.none");
    }
    for d in &doc.devices {
        p.raw("<section class=\"device\">\n<h3>")
            .text(&d.ip.to_string());
        let label: Vec<&str> = [d.vendor.as_deref(), d.model.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if !label.is_empty() {
            p.raw(" — ").text(&label.join(" "));
        }
        p.raw(" <span class=\"badge change-")
            .text(d.change.as_str())
            .raw("\">")
            .t(match d.change {
                DeviceChange::New => "diff.device_new",
                DeviceChange::Vanished => "diff.device_vanished",
                DeviceChange::Present => "diff.device_present",
            })
            .raw("</span></h3>\n<table class=\"kv\">\n<tr>")
            .th("devices.firmware");
        optional(&mut p, d.firmware.as_deref());
        p.raw("</tr>\n</table>\n");
        for (key, list) in [
            ("diff.new", &d.new),
            ("diff.regressed", &d.regressed),
            ("diff.fixed", &d.fixed),
        ] {
            if !list.is_empty() {
                p.raw("<h4>").t(key).raw("</h4>\n");
                findings(&mut p, list);
            }
        }
        p.raw("</section>\n");
    }
    p.raw("</section>\n<footer><p>")
        .t("footer.generated_by")
        .raw(" · ")
        .text(&time(doc.generated_at))
        .raw(" · schema ")
        .text(&format!("{} v{}", doc.schema, doc.schema_version))
        .raw("</p></footer>\n</body>\n</html>\n");
    p.out
}

fn scan_row(p: &mut Page<'_>, key: &str, s: &ScanSummary) {
    p.raw("<tr>")
        .th(key)
        .raw("<td>#")
        .text(&s.id.to_string())
        .raw(" · ")
        .text(&time(s.started_at))
        .raw(" · <code>")
        .text(&s.targets)
        .raw("</code></td></tr>\n");
}

fn findings(p: &mut Page<'_>, list: &[FindingChange]) {
    p.raw("<table class=\"findings\">\n<thead><tr>")
        .th("devices.severity")
        .th("devices.check")
        .th("devices.port")
        .th("devices.summary")
        .th("devices.remediation")
        .raw("</tr></thead>\n");
    for f in list {
        p.raw("<tr><td>")
            .severity(f.severity)
            .raw("</td><td><strong>")
            .text(&f.title)
            .raw("</strong><br><code>")
            .text(&f.check_id)
            .raw("</code></td>");
        p.td(&f.port.map(|x| x.to_string()).unwrap_or_default())
            .td(&f.summary)
            .td(f.remediation.as_deref().unwrap_or(""))
            .raw("</tr>\n");
    }
    p.raw("</table>\n");
}
