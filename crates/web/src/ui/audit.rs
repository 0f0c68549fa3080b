//! The audit log page (administrators): who did what, when, from where, newest first.

use super::widgets::{table, Row};
use super::{layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;

/// Entries per page.
const PER_PAGE: u32 = 100;

/// `?page=` of the audit page.
#[derive(Debug, Default, Deserialize)]
pub struct AuditPage {
    page: Option<u32>,
}

/// `GET /audit`.
pub async fn page(State(s): State<AppState>, v: Visitor, Query(q): Query<AuditPage>) -> Response {
    let t = Strings::get(v.lang);
    if v.caller.role < Role::Admin {
        let body = format!("<p class=\"error\">{}</p>", t.t("admin_only"));
        return (
            StatusCode::FORBIDDEN,
            layout(Some(&v), v.lang, t.t("audit"), &body),
        )
            .into_response();
    }
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let offset = u64::from(page - 1) * u64::from(PER_PAGE);
    let (entries, total) = match s.store.audit_log(PER_PAGE, offset).await {
        Ok(x) => x,
        Err(e) => return super::pages::failure(&v, e),
    };
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            Row::plain(vec![
                e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.username.clone().unwrap_or_else(|| "-".into()),
                e.action.clone(),
                e.target.clone().unwrap_or_default(),
                e.remote.clone().unwrap_or_default(),
                e.outcome.clone(),
            ])
        })
        .collect();
    let mut body = format!("<h1>{}</h1><p>{} {total}</p>", t.t("audit"), t.t("entries"));
    body.push_str(&table(
        "audit",
        &[
            t.t("when"),
            t.t("who"),
            t.t("what"),
            t.t("target"),
            t.t("from"),
            t.t("outcome"),
        ],
        &rows,
        t.t("none_yet"),
    ));
    body.push_str("<p class=\"pager\">");
    if page > 1 {
        let _ = write!(body, "<a href=\"/audit?page={}\">&larr;</a> ", page - 1);
    }
    if offset + u64::from(PER_PAGE) < total {
        let _ = write!(body, "<a href=\"/audit?page={}\">&rarr;</a>", page + 1);
    }
    body.push_str("</p>");
    layout(Some(&v), v.lang, t.t("audit"), &body).into_response()
}
