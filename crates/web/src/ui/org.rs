//! The organisation page: sites, systems and their scopes, schedules and attestations, with
//! forms for the roles that may change them (posted as JSON to the API by app.js).

use super::{esc, layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// One `<input>` of an API form: (JSON field, placeholder, type: text | number | list).
type Field<'a> = (&'a str, &'a str, &'a str);

/// A form that app.js posts as JSON to `api`.
fn form(id: &str, api: &str, fields: &[Field<'_>], submit: &str) -> String {
    let mut f = format!("<form class=\"inline api-form\" id=\"{id}\" data-api=\"{api}\">");
    for (name, placeholder, kind) in fields {
        let input_type = if *kind == "number" { "number" } else { "text" };
        let _ = write!(
            f,
            "<input name=\"{name}\" type=\"{input_type}\" data-kind=\"{kind}\" placeholder=\"{}\">",
            esc(placeholder)
        );
    }
    let _ = write!(
        f,
        "<button type=\"submit\">{}</button><span class=\"error\"></span></form>",
        esc(submit)
    );
    f
}

fn table(id: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = format!("<table id=\"{id}\"><thead><tr>");
    for h in header {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            let _ = write!(t, "<td>{}</td>", esc(c));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// `GET /organisation`.
pub async fn page(State(s): State<AppState>, v: Visitor) -> Response {
    let t = Strings::get(v.lang);
    let store = &s.store;
    let (sites, systems, scopes, schedules, attestations) = match (
        store.sites().await,
        store.systems().await,
        store.scopes().await,
        store.schedules().await,
        store.attestations().await,
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
        _ => return super::pages::failure(&v, "cannot read the organisation"),
    };
    let admin = v.caller.role >= Role::Admin;
    let auditor = v.caller.role >= Role::Auditor;
    let mut body = format!("<h1>{}</h1><h2>{}</h2>", t.t("organisation"), t.t("sites"));
    let rows: Vec<Vec<String>> = sites
        .iter()
        .map(|x| vec![x.id.to_string(), x.name.clone(), x.address.clone()])
        .collect();
    body.push_str(&table(
        "sites",
        &["id", t.t("name"), t.t("site_address")],
        &rows,
    ));
    if admin {
        body.push_str(&form(
            "site-form",
            "/api/v1/sites",
            &[
                ("name", t.t("name"), "text"),
                ("address", t.t("site_address"), "text"),
            ],
            t.t("add"),
        ));
    }
    let _ = write!(body, "<h2>{}</h2>", t.t("systems"));
    let rows: Vec<Vec<String>> = systems
        .iter()
        .map(|x| {
            let cidrs: Vec<&str> = scopes
                .iter()
                .filter(|c| c.system_id == x.id)
                .map(|c| c.cidr.as_str())
                .collect();
            vec![
                x.id.to_string(),
                x.site_id.to_string(),
                x.name.clone(),
                x.security_level.to_string(),
                x.owner.clone(),
                cidrs.join(" "),
            ]
        })
        .collect();
    body.push_str(&table(
        "systems",
        &[
            "id",
            "site",
            t.t("name"),
            t.t("security_level"),
            t.t("owner"),
            t.t("scopes"),
        ],
        &rows,
    ));
    if admin {
        body.push_str(&form(
            "system-form",
            "/api/v1/systems",
            &[
                ("site_id", "site id", "number"),
                ("name", t.t("name"), "text"),
                ("security_level", t.t("security_level"), "number"),
                ("owner", t.t("owner"), "text"),
            ],
            t.t("add"),
        ));
        body.push_str(&form(
            "scope-form",
            "/api/v1/scopes",
            &[
                ("system_id", "system id", "number"),
                ("cidr", t.t("cidr"), "text"),
            ],
            t.t("add"),
        ));
    }
    let _ = write!(body, "<h2>{}</h2>", t.t("schedules"));
    let rows: Vec<Vec<String>> = schedules
        .iter()
        .map(|x| {
            vec![
                x.id.to_string(),
                x.system_id.to_string(),
                x.spec.clone(),
                x.targets.clone(),
                x.next_run.format("%Y-%m-%d %H:%M").to_string(),
            ]
        })
        .collect();
    body.push_str(&table(
        "schedules",
        &["id", "system", t.t("spec"), t.t("targets"), t.t("next_run")],
        &rows,
    ));
    if auditor {
        body.push_str(&form(
            "schedule-form",
            "/api/v1/schedules",
            &[
                ("system_id", "system id", "number"),
                ("spec", t.t("spec"), "text"),
            ],
            t.t("add"),
        ));
    }
    let _ = write!(body, "<h2>{}</h2>", t.t("attestations"));
    let rows: Vec<Vec<String>> = attestations
        .iter()
        .map(|x| {
            vec![
                x.subject.clone(),
                x.baseline.clone(),
                x.provision.clone(),
                x.status.clone(),
                x.document.clone(),
                x.attested_by.clone(),
            ]
        })
        .collect();
    body.push_str(&table(
        "attestations",
        &[
            t.t("subject"),
            t.t("baseline"),
            t.t("provision"),
            t.t("status"),
            t.t("document"),
            "by",
        ],
        &rows,
    ));
    if auditor {
        body.push_str(&form(
            "attestation-form",
            "/api/v1/attestations",
            &[
                ("subject", t.t("subject"), "text"),
                ("baseline", t.t("baseline"), "text"),
                ("provision", t.t("provision"), "text"),
                ("status", "pass | fail", "text"),
                ("document", t.t("document"), "text"),
            ],
            t.t("add"),
        ));
    }
    layout(Some(&v), v.lang, t.t("organisation"), &body).into_response()
}
