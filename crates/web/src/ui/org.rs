//! The organisation page: sites, systems and their scopes, schedules and attestations, with
//! forms and delete buttons for the roles that may change them (sent as JSON to the API by
//! app.js).

use super::widgets::{action, form, patch_select, plain, table, Field, Kind, Row};
use super::{layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// The provisions an attestation can complete: those verified from documents (D) or only in
/// a lab (L), as `baseline provision` suggestions.
fn documentary_provisions(
    registry: &camguard_baseline::Registry,
) -> (Vec<(String, String)>, Vec<String>) {
    let baselines = registry.all();
    let ids = baselines
        .iter()
        .map(|b| (b.id.clone(), b.id.clone()))
        .collect();
    let mut provisions: Vec<String> = baselines
        .iter()
        .flat_map(|b| b.provisions.iter())
        .filter(|p| {
            p.classes.iter().any(|c| {
                matches!(
                    c,
                    camguard_baseline::VerificationClass::D
                        | camguard_baseline::VerificationClass::L
                )
            })
        })
        .map(|p| p.id.clone())
        .collect();
    provisions.sort();
    provisions.dedup();
    (ids, provisions)
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
    let delete = |allowed: bool, api: String| {
        if allowed {
            action(t.t("delete"), "DELETE", &api, Some(t.t("confirm_delete")))
        } else {
            String::new()
        }
    };
    let site_name = |id: i64| {
        sites
            .iter()
            .find(|x| x.id == id)
            .map_or_else(|| id.to_string(), |x| x.name.clone())
    };
    let system_name = |id: i64| {
        systems
            .iter()
            .find(|x| x.id == id)
            .map_or_else(|| id.to_string(), |x| format!("{} ({})", x.name, x.id))
    };
    let site_options: Vec<(String, String)> = sites
        .iter()
        .map(|x| (x.id.to_string(), x.name.clone()))
        .collect();
    let system_options: Vec<(String, String)> = systems
        .iter()
        .map(|x| (x.id.to_string(), system_name(x.id)))
        .collect();

    let mut body = format!(
        "<h1>{}</h1><p class=\"hint\">{}</p><h2>{}</h2>",
        t.t("organisation"),
        t.t("organisation_hint"),
        t.t("sites")
    );
    let rows: Vec<Row> = sites
        .iter()
        .map(|x| Row {
            cells: vec![x.id.to_string(), x.name.clone(), x.address.clone()],
            controls: delete(admin, format!("/api/v1/sites/{}", x.id)),
        })
        .collect();
    body.push_str(&table(
        "sites",
        &["id", t.t("name"), t.t("site_address")],
        &rows,
        t.t("none_yet"),
    ));
    if admin {
        body.push_str(&form(
            "site-form",
            "POST",
            "/api/v1/sites",
            &[
                Field::text("name", t.t("name")),
                Field::optional("address", t.t("site_address")),
            ],
            t.t("add_site"),
            None,
        ));
    }

    if admin && !sites.is_empty() {
        body.push_str(&form(
            "site-edit-form",
            "PATCH",
            "/api/v1/sites/{id}",
            &[
                Field::select_id("id", t.t("site"), site_options.clone()),
                Field::optional("name", t.t("name")),
                Field::optional("address", t.t("site_address")),
            ],
            t.t("edit_site"),
            None,
        ));
    }

    let _ = write!(body, "<h2>{}</h2>", t.t("systems"));
    let levels = plain(&["1", "2", "3", "4", "5"]);
    let rows: Vec<Row> = systems
        .iter()
        .map(|x| {
            let api = format!("/api/v1/systems/{}", x.id);
            // Administrators change the approved level in place.
            let level = if admin {
                patch_select(
                    &api,
                    "security_level",
                    &x.security_level.to_string(),
                    &levels,
                    t.t("security_level"),
                )
            } else {
                String::new()
            };
            Row {
                cells: vec![
                    x.id.to_string(),
                    site_name(x.site_id),
                    x.name.clone(),
                    x.security_level.to_string(),
                    x.owner.clone(),
                ],
                controls: format!("{level}{}", delete(admin, api.clone())),
            }
        })
        .collect();
    body.push_str(&table(
        "systems",
        &[
            "id",
            t.t("site"),
            t.t("name"),
            t.t("security_level"),
            t.t("owner"),
        ],
        &rows,
        t.t("none_yet"),
    ));
    if admin && !sites.is_empty() {
        body.push_str(&form(
            "system-form",
            "POST",
            "/api/v1/systems",
            &[
                Field::select_id("site_id", t.t("site"), site_options.clone()),
                Field::text("name", t.t("name")),
                Field {
                    kind: Kind::Select {
                        options: levels.clone(),
                        numeric: true,
                    },
                    ..Field::text("security_level", t.t("security_level"))
                },
                Field::text("owner", t.t("owner")),
            ],
            t.t("add_system"),
            None,
        ));
    }
    if admin && !systems.is_empty() {
        body.push_str(&form(
            "system-edit-form",
            "PATCH",
            "/api/v1/systems/{id}",
            &[
                Field::select_id("id", t.t("system"), system_options.clone()),
                Field::optional("name", t.t("name")),
                Field::optional("owner", t.t("owner")),
            ],
            t.t("edit_system"),
            None,
        ));
    }

    let _ = write!(body, "<h2>{}</h2>", t.t("scopes"));
    let rows: Vec<Row> = scopes
        .iter()
        .map(|x| Row {
            cells: vec![x.id.to_string(), system_name(x.system_id), x.cidr.clone()],
            controls: delete(admin, format!("/api/v1/scopes/{}", x.id)),
        })
        .collect();
    body.push_str(&table(
        "scopes",
        &["id", t.t("system"), t.t("cidr")],
        &rows,
        t.t("none_yet"),
    ));
    if admin && !systems.is_empty() {
        body.push_str(&form(
            "scope-form",
            "POST",
            "/api/v1/scopes",
            &[
                Field::select_id("system_id", t.t("system"), system_options.clone()),
                Field::text("cidr", t.t("cidr")),
            ],
            t.t("add_scope"),
            None,
        ));
    }

    let _ = write!(body, "<h2>{}</h2>", t.t("schedules"));
    let rows: Vec<Row> = schedules
        .iter()
        .map(|x| Row {
            cells: vec![
                x.id.to_string(),
                system_name(x.system_id),
                x.spec.clone(),
                x.targets.clone(),
                x.next_run.format("%Y-%m-%d %H:%M UTC").to_string(),
                x.created_by.clone(),
            ],
            controls: delete(auditor, format!("/api/v1/schedules/{}", x.id)),
        })
        .collect();
    body.push_str(&table(
        "schedules",
        &[
            "id",
            t.t("system"),
            t.t("spec_col"),
            t.t("targets_col"),
            t.t("next_run"),
            t.t("by"),
        ],
        &rows,
        t.t("none_yet"),
    ));
    if auditor && !systems.is_empty() {
        body.push_str(&form(
            "schedule-form",
            "POST",
            "/api/v1/schedules",
            &[
                Field::select_id("system_id", t.t("system"), system_options.clone()),
                Field {
                    kind: Kind::Suggest(plain(&["daily", "weekly", "monthly", "0 2 * * 1"])),
                    ..Field::text("spec", t.t("spec"))
                },
            ],
            t.t("add_schedule"),
            None,
        ));
    }

    let _ = write!(body, "<h2>{}</h2>", t.t("attestations"));
    let rows: Vec<Row> = attestations
        .iter()
        .map(|x| Row {
            cells: vec![
                x.subject.clone(),
                x.baseline.clone(),
                x.provision.clone(),
                x.status.clone(),
                x.document.clone(),
                x.note.clone(),
                format!("{} {}", x.attested_by, x.attested_at.format("%Y-%m-%d")),
            ],
            controls: delete(auditor, format!("/api/v1/attestations/{}", x.id)),
        })
        .collect();
    body.push_str(&table(
        "attestations",
        &[
            t.t("subject_col"),
            t.t("baseline"),
            t.t("provision"),
            t.t("status"),
            t.t("document"),
            t.t("note"),
            t.t("by"),
        ],
        &rows,
        t.t("none_yet"),
    ));
    if auditor {
        let (baselines, provisions) = documentary_provisions(&s.baselines);
        let mut subjects: Vec<(String, String)> = s
            .store
            .inventory()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|d| {
                let i = &d.identity;
                let subject = format!("model:{}/{}", i.vendor.as_deref()?, i.model.as_deref()?);
                Some((subject.clone(), subject))
            })
            .collect();
        subjects.sort();
        subjects.dedup();
        subjects.extend(
            systems
                .iter()
                .map(|x| (format!("system:{}", x.id), system_name(x.id))),
        );
        body.push_str(&form(
            "attestation-form",
            "POST",
            "/api/v1/attestations",
            &[
                Field::select("subject", t.t("subject"), subjects),
                Field::select("baseline", t.t("baseline"), baselines),
                Field {
                    kind: Kind::Suggest(
                        provisions.iter().map(|p| (p.clone(), p.clone())).collect(),
                    ),
                    ..Field::text("provision", t.t("provision_dl"))
                },
                Field::select("status", t.t("status"), plain(&["pass", "fail"])),
                Field::text("document", t.t("document")),
                Field::optional("note", t.t("note")),
            ],
            t.t("add_attestation"),
            None,
        ));
    }
    layout(Some(&v), v.lang, t.t("organisation"), &body).into_response()
}
