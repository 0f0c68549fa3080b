//! The pages behind the sign-in: inventory, device, scans, reports.

use super::{esc, layout, Strings, Visitor};
use crate::api::inventory::{DeviceQuery, Org};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

fn or_dash(v: &Option<String>) -> String {
    v.as_deref().map_or_else(|| "-".into(), esc)
}

/// Filters of the inventory page, as the form sends them (empty fields are no filter).
#[derive(Debug, Default, Deserialize)]
pub struct DeviceFilter {
    q: Option<String>,
    vendor: Option<String>,
    model: Option<String>,
    firmware: Option<String>,
    check: Option<String>,
    verdict: Option<String>,
    site: Option<String>,
    camera: Option<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A `YYYY-MM-DD` date field as the start of that day (UTC).
fn day(v: &Option<String>) -> Option<chrono::DateTime<chrono::Utc>> {
    given(v).and_then(|d| {
        chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

impl DeviceFilter {
    fn query(&self) -> DeviceQuery {
        DeviceQuery {
            q: given(&self.q),
            vendor: given(&self.vendor),
            model: given(&self.model),
            firmware: given(&self.firmware),
            check: given(&self.check),
            verdict: given(&self.verdict),
            site: given(&self.site).and_then(|s| s.parse().ok()),
            camera: given(&self.camera).and_then(|s| s.parse().ok()),
            first_seen: day(&self.first_seen),
            last_seen: day(&self.last_seen),
            ..DeviceQuery::default()
        }
    }
}

pub(super) fn failure(v: &Visitor, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "page");
    layout(
        Some(v),
        v.lang,
        "error",
        "<p class=\"error\">internal error (see the server log)</p>",
    )
    .into_response()
}

fn input(name: &str, value: &Option<String>, placeholder: &str) -> String {
    format!(
        "<input name=\"{name}\" value=\"{}\" placeholder=\"{}\">",
        esc(value.as_deref().unwrap_or("")),
        esc(placeholder)
    )
}

fn select(name: &str, label: &str, value: &Option<String>, options: &[(String, String)]) -> String {
    let mut out = format!(
        "<select name=\"{name}\" aria-label=\"{0}\"><option value=\"\">{0}: *</option>",
        esc(label)
    );
    for (v, label) in options {
        let sel = if value.as_deref() == Some(v.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(v),
            esc(label)
        );
    }
    out.push_str("</select>");
    out
}

/// `GET /devices`.
pub async fn devices(
    State(s): State<AppState>,
    v: Visitor,
    Query(f): Query<DeviceFilter>,
) -> Response {
    let t = Strings::get(v.lang);
    let (inventory, org, sites) = match (
        s.store.inventory().await,
        Org::load(&s).await,
        s.store.sites().await,
    ) {
        (Ok(i), Ok(o), Ok(sites)) => (i, o, sites),
        _ => return failure(&v, "cannot read the inventory"),
    };
    let query = f.query();
    let mut rows = String::new();
    let mut shown = 0usize;
    for d in inventory.iter().filter(|d| query.matches(d, &org)) {
        shown += 1;
        let id = &d.identity;
        let _ = write!(
            rows,
            "<tr><td><a href=\"/devices/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.id, d.ip, or_dash(&id.vendor), or_dash(&id.model), or_dash(&id.firmware),
            d.findings.len(), d.last_seen.format("%Y-%m-%d %H:%M")
        );
    }
    let verdicts: Vec<(String, String)> = ["fail", "pass", "not_verifiable_remotely", "not_tested"]
        .iter()
        .map(|x| (x.to_string(), t.label("verdict", x).to_owned()))
        .collect();
    let site_options: Vec<(String, String)> = sites
        .iter()
        .map(|x| (x.id.to_string(), x.name.clone()))
        .collect();
    let camera = vec![
        ("true".to_owned(), t.t("camera").to_owned()),
        ("false".to_owned(), t.t("other_device").to_owned()),
    ];
    let body = format!(
        "<h1>{}</h1><form class=\"inline\" method=\"get\" id=\"device-filter\">{}{}{}{}{}{}{}{}\
         <label class=\"field\"><span>{}</span><input name=\"first_seen\" type=\"date\" value=\"{}\"></label>\
         <label class=\"field\"><span>{}</span><input name=\"last_seen\" type=\"date\" value=\"{}\"></label><button>{}</button>\
         <a href=\"/devices\">{}</a></form><p id=\"device-count\">{shown} / {}</p>\
         <table id=\"devices\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
         <tbody>{rows}</tbody></table>",
        t.t("devices"),
        input("q", &f.q, t.t("filter")),
        input("vendor", &f.vendor, t.t("vendor")),
        input("model", &f.model, t.t("model")),
        input("firmware", &f.firmware, t.t("firmware")),
        input("check", &f.check, t.t("findings")),
        select("verdict", t.t("verdict"), &f.verdict, &verdicts),
        select("site", t.t("site"), &f.site, &site_options),
        select("camera", t.t("kind"), &f.camera, &camera),
        t.t("first_seen_since"),
        esc(f.first_seen.as_deref().unwrap_or("")),
        t.t("last_seen_since"),
        esc(f.last_seen.as_deref().unwrap_or("")),
        t.t("filter"),
        t.t("clear_filters"),
        inventory.len(),
        t.t("address"), t.t("vendor"), t.t("model"), t.t("firmware"), t.t("findings"), t.t("last_seen")
    );
    layout(Some(&v), v.lang, t.t("devices"), &body).into_response()
}

/// `GET /devices/{id}`.
pub async fn device(State(s): State<AppState>, v: Visitor, Path(id): Path<i64>) -> Response {
    let t = Strings::get(v.lang);
    let inventory = match s.store.inventory().await {
        Ok(i) => i,
        Err(e) => return failure(&v, e),
    };
    let Some(d) = inventory.into_iter().find(|d| d.id == id) else {
        return super::missing(Some(&v), v.lang);
    };
    let catalogue = camguard_checks::Catalogue::builtin();
    let mut findings = String::new();
    for f in &d.findings {
        let remediation = catalogue
            .get(&f.check_id)
            .map(|c| {
                if v.lang == "en" {
                    c.remediation.en.clone()
                } else {
                    c.remediation.vi.clone()
                }
            })
            .unwrap_or_default();
        let summary = if v.caller.role >= Role::Auditor {
            f.summary.clone()
        } else {
            crate::redact::viewer_summary(f, v.lang)
        };
        let evidence = if v.caller.role >= Role::Auditor {
            format!("<code>{}</code>", esc(&f.evidence.to_string()))
        } else {
            format!("<em>{}</em>", t.t("evidence_hidden"))
        };
        let _ = write!(
            findings,
            "<tr><td class=\"sev-{sev}\">{}</td><td>{}</td><td>{}</td><td>{evidence}</td><td>{}</td></tr>",
            esc(t.label("severity", f.severity.as_str())), esc(&f.check_id), esc(&summary), esc(&remediation),
            sev = f.severity.as_str()
        );
    }
    let mut endpoints = String::new();
    for e in &d.endpoints {
        let _ = write!(
            endpoints,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.port,
            esc(t.label("port", &format!("{:?}", e.state).to_lowercase())),
            esc(&e.reason)
        );
    }
    let mut verdicts = String::new();
    // Verdicts with attested provisions labelled (attested_pass / attested_fail).
    let org = Org::load(&s).await.ok();
    let mut baselines: Vec<&str> = d.verdicts.iter().map(|x| x.baseline.as_str()).collect();
    baselines.dedup();
    for b in baselines {
        for (provision, status, _) in org.as_ref().map(|o| o.verdicts(&d, b)).unwrap_or_default() {
            let _ = write!(
                verdicts,
                "<tr><td>{}</td><td>{}</td><td class=\"verdict-{status}\" data-status=\"{status}\">{}</td></tr>",
                esc(b),
                esc(&provision),
                esc(t.label("verdict", &status))
            );
        }
    }
    let mut history = String::new();
    if let Ok(h) = s.store.device_history(id).await {
        for e in h {
            let _ = write!(
                history,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.scan_id,
                e.observed_at.format("%Y-%m-%d %H:%M"),
                esc(&e.findings.join(" "))
            );
        }
    }
    let id_ = &d.identity;
    let identity = [
        (t.t("vendor"), or_dash(&id_.vendor)),
        (t.t("product"), or_dash(&id_.product)),
        (t.t("model"), or_dash(&id_.model)),
        (t.t("firmware"), or_dash(&id_.firmware)),
        (t.t("serial"), or_dash(&d.serial)),
        (
            t.t("device_type"),
            id_.device_type
                .map_or_else(|| "-".into(), |x| x.as_str().to_owned()),
        ),
        (
            t.t("camera"),
            if id_.camera { t.t("yes") } else { t.t("no") }.to_owned(),
        ),
        (
            t.t("confidence"),
            format!("{:.0} %", id_.confidence * 100.0),
        ),
        (
            t.t("first_seen"),
            d.first_seen.format("%Y-%m-%d %H:%M").to_string(),
        ),
        (
            t.t("last_seen"),
            d.last_seen.format("%Y-%m-%d %H:%M").to_string(),
        ),
    ]
    .iter()
    .fold(String::new(), |mut out, (k, val)| {
        let _ = write!(out, "<tr><th>{}</th><td>{val}</td></tr>", esc(k));
        out
    });
    let th = |keys: &[&str]| {
        keys.iter().fold(String::new(), |mut out, k| {
            let _ = write!(out, "<th>{}</th>", esc(t.t(k)));
            out
        })
    };
    let body = format!(
        "<h1 id=\"device-title\">{} — {}</h1>\
         <h2>{}</h2><table id=\"identity\" class=\"facts\"><tbody>{identity}</tbody></table>\
         <h2>{}</h2><table id=\"findings\"><thead><tr>{}</tr></thead><tbody>{findings}</tbody></table>\
         <h2>{}</h2><table id=\"endpoints\"><thead><tr>{}</tr></thead><tbody>{endpoints}</tbody></table>\
         <h2>{}</h2><table id=\"verdicts\"><thead><tr>{}</tr></thead><tbody>{verdicts}</tbody></table>\
         <h2>{}</h2><table id=\"history\"><thead><tr>{}</tr></thead><tbody>{history}</tbody></table>",
        d.ip,
        esc(&[id_.vendor.as_deref(), id_.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")),
        t.t("identity"),
        t.t("findings"),
        th(&["severity_col", "check", "summary", "evidence", "remediation"]),
        t.t("endpoints"),
        th(&["port", "state", "reason"]),
        t.t("verdicts"),
        th(&["baseline", "provision", "status"]),
        t.t("history"),
        th(&["scan_col", "observed", "findings"]),
    );
    layout(Some(&v), v.lang, &d.ip.to_string(), &body).into_response()
}

/// `GET /scans`.
pub async fn scans(State(s): State<AppState>, v: Visitor) -> Response {
    let t = Strings::get(v.lang);
    let (scans, systems) = match (s.store.scans().await, s.store.systems().await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return failure(&v, e),
    };
    let mut rows = String::new();
    for x in scans.iter().rev() {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            x.id,
            x.started_at.format("%Y-%m-%d %H:%M"),
            esc(&x.targets),
            x.devices,
            x.findings
        );
    }
    let form = if v.caller.role >= Role::Auditor {
        let options: String = systems
            .iter()
            .map(|x| format!("<option value=\"{}\">{}</option>", x.id, esc(&x.name)))
            .collect();
        format!(
            "<form id=\"scan-form\" class=\"inline\"><label>{} <select name=\"system\">{options}</select></label>\
             <input name=\"targets\" placeholder=\"{}\" size=\"40\">\
             <label class=\"check\"><input type=\"checkbox\" name=\"check_credentials\"> {}</label>\
             <label class=\"check\"><input type=\"checkbox\" name=\"prove_streams\"> {}</label>\
             <button type=\"submit\">{}</button>\
             <button type=\"button\" id=\"cancel\" hidden>{}</button></form><p class=\"hint\">{}</p><p id=\"scan-error\" class=\"error\"></p>\
             <h2>{}</h2><div id=\"progress\" data-findings=\"{}\" data-hosts=\"{}\" data-camera=\"{}\" data-scan=\"{}\"></div>",
            t.t("system"), t.t("targets"), t.t("check_credentials"), t.t("prove_streams"),
            t.t("start_scan"), t.t("cancel"), t.t("intrusive_hint"), t.t("progress"),
            esc(&t.t("findings").to_lowercase()), esc(&t.t("hosts").to_lowercase()),
            esc(&t.t("camera").to_lowercase()), esc(&t.t("scan_col").to_lowercase())
        )
    } else {
        String::new()
    };
    let mut jobs = String::new();
    for j in s.store.jobs().await.unwrap_or_default().iter().take(50) {
        // A running job (started here or by a schedule) can be cancelled from its row.
        let cancel = if v.caller.role >= Role::Auditor
            && matches!(j.status.as_str(), "queued" | "running")
        {
            super::widgets::action(
                t.t("cancel"),
                "POST",
                &format!("/api/v1/jobs/{}/cancel", j.id),
                None,
            )
        } else {
            String::new()
        };
        let _ = write!(
            jobs,
            "<tr><td>{}</td><td class=\"job-{status}\" data-status=\"{status}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"controls\">{cancel}</td></tr>",
            j.id,
            esc(t.label("job", &j.status)),
            esc(&j.targets),
            esc(&j.requested_by),
            j.hosts_done,
            j.scan_id.map_or_else(String::new, |id| id.to_string()),
            status = esc(&j.status),
        );
    }
    let body = format!(
        "<h1>{}</h1>{form}<h2>{}</h2><table id=\"jobs\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{jobs}</tbody></table>\
         <h2>{}</h2><table id=\"scans\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
         <tbody>{rows}</tbody></table>",
        t.t("scans"),
        t.t("jobs"),
        t.t("job"),
        t.t("status"),
        t.t("targets_col"),
        t.t("by"),
        t.t("hosts"),
        t.t("scan_col"),
        t.t("recorded_scans"),
        t.t("scan_col"),
        t.t("started"),
        t.t("targets_col"),
        t.t("devices"),
        t.t("findings")
    );
    layout(Some(&v), v.lang, t.t("scans"), &body).into_response()
}

/// `GET /reports`.
pub async fn reports(v: Visitor) -> Html<String> {
    let t = Strings::get(v.lang);
    let mut rows = String::new();
    for format in ["html", "json", "csv", "sarif"] {
        if format.parse::<camguard_report::Format>().is_err() {
            continue;
        }
        let _ = write!(
            rows,
            "<tr><th>{}</th><td>{}</td>",
            format.to_uppercase(),
            esc(t.t(&format!("report_{format}")))
        );
        for lang in ["vi", "en"] {
            let _ = write!(
                rows,
                "<td><a class=\"report\" href=\"/api/v1/reports?format={format}&amp;lang={lang}\" download>{} ({lang})</a></td>",
                t.t("download")
            );
        }
        rows.push_str("</tr>");
    }
    // What changed between the newest two finished scans.
    let mut diff = String::new();
    for format in ["html", "json", "csv"] {
        let _ = write!(
            diff,
            "<li><a class=\"diff\" href=\"/api/v1/reports/diff?format={format}&amp;lang={}\" download>{} {}</a></li>",
            v.lang,
            t.t("download"),
            format.to_uppercase()
        );
    }
    let hidden = if v.caller.role < Role::Auditor {
        format!("<p class=\"hint\">{}</p>", t.t("reports_no_evidence"))
    } else {
        String::new()
    };
    layout(
        Some(&v),
        v.lang,
        t.t("reports"),
        &format!(
            "<h1>{}</h1><p class=\"hint\">{}</p>{hidden}<table id=\"reports\" class=\"facts\"><tbody>{rows}</tbody></table>\
             <h2>{}</h2><p class=\"hint\">{}</p><ul>{diff}</ul>",
            t.t("reports"),
            t.t("reports_hint"),
            t.t("diff"),
            t.t("diff_hint")
        ),
    )
}
