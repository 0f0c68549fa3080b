//! The compliance page: a per-baseline scorecard for the organisation or one system, with
//! charts (severity, vendors, trend) and the models with a failed provision.

use super::charts::bars;
use super::{esc, layout, Strings, Visitor};
use crate::api::inventory::scorecard;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;

/// Query of the page.
#[derive(Debug, Deserialize)]
pub struct Filter {
    baseline: Option<String>,
    system: Option<String>,
}

/// Status columns of the scorecard, in order.
const STATUSES: [&str; 6] = [
    "fail",
    "attested_fail",
    "pass",
    "attested_pass",
    "not_verifiable_remotely",
    "not_tested",
];

fn counts(v: &Value) -> Vec<(String, u64)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /compliance`.
pub async fn page(State(s): State<AppState>, v: Visitor, Query(f): Query<Filter>) -> Response {
    let t = Strings::get(v.lang);
    let system = f.system.as_deref().and_then(|x| x.parse::<i64>().ok());
    let card = match scorecard(&s, f.baseline.as_deref().filter(|b| !b.is_empty()), system).await {
        Ok(c) => c,
        Err(e) => {
            let body = format!("<p class=\"error\">{}</p>", esc(t.problem(e.problem)));
            return layout(Some(&v), v.lang, t.t("compliance"), &body).into_response();
        }
    };
    let systems = s.store.systems().await.unwrap_or_default();
    let baselines: Vec<String> = s.baselines.all().iter().map(|b| b.id.clone()).collect();
    let current = card["baseline"].as_str().unwrap_or_default().to_owned();
    let mut form = String::from("<form class=\"inline\" method=\"get\"><select name=\"baseline\">");
    for b in &baselines {
        let sel = if *b == current { " selected" } else { "" };
        let _ = write!(form, "<option{sel}>{}</option>", esc(b));
    }
    let _ = write!(
        form,
        "</select><select name=\"system\"><option value=\"\">{}</option>",
        t.t("all_systems")
    );
    for x in &systems {
        let sel = if Some(x.id) == system {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            form,
            "<option value=\"{}\"{sel}>{}</option>",
            x.id,
            esc(&x.name)
        );
    }
    let _ = write!(form, "</select><button>{}</button></form>", t.t("show"));

    let order = ["critical", "high", "medium", "low", "info"];
    let sev = counts(&card["severity"]);
    let severity: Vec<(String, u64)> = order
        .iter()
        .map(|k| {
            (
                t.label("severity", k).to_owned(),
                sev.iter().find(|(s, _)| s == k).map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    let trend: Vec<(String, u64)> = card["trend"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        format!("#{}", x["scan_id"]),
                        x["findings"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // Provisions failed: devices failing each provision (scan or attestation), worst first.
    let mut failed: Vec<(String, u64)> = card["provisions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let n = row["counts"]["fail"].as_u64().unwrap_or(0)
                + row["counts"]["attested_fail"].as_u64().unwrap_or(0);
            (row["provision"].as_str().unwrap_or_default().to_owned(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    failed.sort_by_key(|x| std::cmp::Reverse(x.1));
    let charts = format!(
        "<div class=\"charts\">{}{}{}{}</div>",
        bars(t.t("severity"), &severity, "#a61b1b"),
        bars(t.t("provisions_failed"), &failed, "#7a1f5c"),
        bars(t.t("vendors"), &counts(&card["vendors"]), "#12355b"),
        bars(t.t("trend"), &trend, "#b36b00")
    );

    let mut table = format!(
        "<table id=\"scorecard\"><thead><tr><th>{}</th>",
        t.t("provision")
    );
    for st in STATUSES {
        let _ = write!(table, "<th>{}</th>", esc(t.label("verdict", st)));
    }
    table.push_str("</tr></thead><tbody>");
    for row in card["provisions"].as_array().into_iter().flatten() {
        let text = row["text"][v.lang].as_str().unwrap_or_default();
        let _ = write!(
            table,
            "<tr><td title=\"{}\">{}</td>",
            esc(text),
            esc(row["provision"].as_str().unwrap_or_default())
        );
        for st in STATUSES {
            let n = row["counts"][st].as_u64().unwrap_or(0);
            let class = if st.ends_with("fail") && n > 0 {
                " class=\"sev-high\""
            } else {
                ""
            };
            let _ = write!(table, "<td{class}>{n}</td>");
        }
        table.push_str("</tr>");
    }
    table.push_str("</tbody></table>");
    let mut warned = String::new();
    for (check, models) in card["registry_models"].as_object().into_iter().flatten() {
        for (model, n) in counts(models) {
            let _ = write!(
                warned,
                "<li><strong>{}</strong> {} ({n})</li>",
                esc(check),
                esc(&model)
            );
        }
    }
    for (model, n) in counts(&card["warned_models"]) {
        let _ = write!(warned, "<li>{} ({n})</li>", esc(&model));
    }
    let body = format!(
        "<h1>{} — {}</h1>{form}<p>{}: {}</p>{charts}<h2>{}</h2><ul id=\"warned\">{warned}</ul>{table}",
        t.t("compliance"),
        esc(&current),
        t.t("devices"),
        card["devices"],
        t.t("warned_models")
    );
    layout(Some(&v), v.lang, t.t("compliance"), &body).into_response()
}
