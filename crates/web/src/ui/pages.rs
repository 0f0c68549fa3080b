//! The pages behind the sign-in: inventory, device, scans, reports.

use super::{esc, layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

fn or_dash(v: &Option<String>) -> String {
    v.as_deref().map_or_else(|| "-".into(), esc)
}

/// Filters of the inventory page.
#[derive(Debug, Deserialize)]
pub struct DeviceFilter {
    q: Option<String>,
    vendor: Option<String>,
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

/// `GET /devices`.
pub async fn devices(
    State(s): State<AppState>,
    v: Visitor,
    Query(f): Query<DeviceFilter>,
) -> Response {
    let t = Strings::get(v.lang);
    let inventory = match s.store.inventory().await {
        Ok(i) => i,
        Err(e) => return failure(&v, e),
    };
    let q = f.q.unwrap_or_default().to_lowercase();
    let vendor = f.vendor.unwrap_or_default().to_lowercase();
    let mut rows = String::new();
    for d in inventory.iter().filter(|d| {
        let id = &d.identity;
        let hay = format!(
            "{} {} {} {}",
            d.ip,
            or_dash(&id.vendor),
            or_dash(&id.model),
            or_dash(&id.firmware)
        )
        .to_lowercase();
        hay.contains(&q)
            && id
                .vendor
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains(&vendor)
    }) {
        let id = &d.identity;
        let _ = write!(
            rows,
            "<tr><td><a href=\"/devices/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.id, d.ip, or_dash(&id.vendor), or_dash(&id.model), or_dash(&id.firmware),
            d.findings.len(), d.last_seen.format("%Y-%m-%d %H:%M")
        );
    }
    let body = format!(
        "<h1>{}</h1><form class=\"inline\" method=\"get\"><input name=\"q\" value=\"{}\" placeholder=\"{}\">\
         <input name=\"vendor\" value=\"{}\" placeholder=\"{}\"><button>{}</button></form>\
         <table id=\"devices\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
         <tbody>{rows}</tbody></table>",
        t.t("devices"), esc(&q), t.t("filter"), esc(&vendor), t.t("vendor"), t.t("filter"),
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
        return super::not_found().await;
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
        let evidence = if v.caller.role >= Role::Auditor {
            format!("<code>{}</code>", esc(&f.evidence.to_string()))
        } else {
            format!("<em>{}</em>", t.t("evidence_hidden"))
        };
        let _ = write!(
            findings,
            "<tr><td class=\"sev-{sev}\">{sev}</td><td>{}</td><td>{}</td><td>{evidence}</td><td>{}</td></tr>",
            esc(&f.check_id), esc(&f.summary), esc(&remediation), sev = f.severity.as_str()
        );
    }
    let mut endpoints = String::new();
    for e in &d.endpoints {
        let _ = write!(
            endpoints,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.port,
            esc(&format!("{:?}", e.state)),
            esc(&e.reason)
        );
    }
    let mut verdicts = String::new();
    for x in &d.verdicts {
        let _ = write!(
            verdicts,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&x.baseline),
            esc(&x.provision),
            x.status.as_str()
        );
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
    let body = format!(
        "<h1 id=\"device-title\">{} — {} {}</h1><p>{}: {}</p>\
         <h2>{}</h2><table id=\"findings\"><tbody>{findings}</tbody></table>\
         <h2>{}</h2><table><tbody>{endpoints}</tbody></table>\
         <h2>{}</h2><table><tbody>{verdicts}</tbody></table>\
         <h2>{}</h2><table><tbody>{history}</tbody></table>",
        d.ip,
        or_dash(&id_.vendor),
        or_dash(&id_.model),
        t.t("firmware"),
        or_dash(&id_.firmware),
        t.t("findings"),
        t.t("endpoints"),
        t.t("verdicts"),
        t.t("history")
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
             <input name=\"targets\" placeholder=\"{}\" size=\"40\"><button type=\"submit\">{}</button>\
             <button type=\"button\" id=\"cancel\" hidden>{}</button></form><p id=\"scan-error\" class=\"error\"></p>\
             <h2>{}</h2><div id=\"progress\"></div>",
            t.t("system"), t.t("targets"), t.t("start_scan"), t.t("cancel"), t.t("progress")
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{}</h1>{form}<table id=\"scans\"><tbody>{rows}</tbody></table>",
        t.t("scans")
    );
    layout(Some(&v), v.lang, t.t("scans"), &body).into_response()
}

/// `GET /reports`.
pub async fn reports(v: Visitor) -> Html<String> {
    let t = Strings::get(v.lang);
    let mut links = String::new();
    for format in ["html", "json", "csv", "sarif"] {
        if format.parse::<camguard_report::Format>().is_err() {
            continue;
        }
        for lang in ["vi", "en"] {
            let _ = write!(
                links,
                "<li><a class=\"report\" href=\"/api/v1/reports?format={format}&amp;lang={lang}\" download>{} {format} ({lang})</a></li>",
                t.t("download")
            );
        }
    }
    layout(
        Some(&v),
        v.lang,
        t.t("reports"),
        &format!("<h1>{}</h1><ul>{links}</ul>", t.t("reports")),
    )
}
