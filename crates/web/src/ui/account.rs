//! The account page: change one's password, manage one's API tokens, and (administrators)
//! the users: create, change role or password, delete. Secrets a request returns (a token, a
//! generated password) are shown once by app.js and never rendered by the server.

use super::widgets::{action, form, patch_select, plain, table, Field, Row};
use super::{esc, layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// The roles a caller may hand out (at most their own).
fn roles_up_to(role: Role) -> Vec<(String, String)> {
    [Role::Viewer, Role::Auditor, Role::Admin]
        .into_iter()
        .filter(|r| *r <= role)
        .map(|r| (r.as_str().to_owned(), r.as_str().to_owned()))
        .collect()
}

/// `GET /account`.
pub async fn page(State(s): State<AppState>, v: Visitor) -> Response {
    let t = Strings::get(v.lang);
    let admin = v.caller.role >= Role::Admin;
    let owner = (!admin).then_some(v.caller.user.id);
    let tokens = s.store.tokens(owner).await.unwrap_or_default();
    let mut body = format!(
        "<h1>{}: {}</h1><h2>{}</h2>",
        t.t("account"),
        esc(&v.caller.user.username),
        t.t("change_password"),
    );
    body.push_str(&form(
        "password-form",
        "PATCH",
        "/api/v1/me",
        &[
            Field::password("current_password", t.t("current_password")),
            Field::password("password", t.t("new_password")),
        ],
        t.t("change_password"),
        None,
    ));
    let _ = write!(body, "<h2>{}</h2>", t.t("tokens"));
    let rows: Vec<Row> = tokens
        .iter()
        .map(|tok| Row {
            cells: vec![
                tok.id.to_string(),
                tok.username.clone(),
                tok.name.clone(),
                tok.role.clone(),
            ],
            controls: action(
                t.t("revoke"),
                "DELETE",
                &format!("/api/v1/tokens/{}", tok.id),
                Some(t.t("confirm_delete")),
            ),
        })
        .collect();
    body.push_str(&table(
        "tokens",
        &["id", t.t("username"), t.t("name"), t.t("role")],
        &rows,
        t.t("none_yet"),
    ));
    body.push_str(&form(
        "token-form",
        "POST",
        "/api/v1/tokens",
        &[
            Field::text("name", t.t("name")),
            Field::select("role", t.t("role"), roles_up_to(v.caller.role)),
        ],
        t.t("add_token"),
        Some("token"),
    ));
    let _ = write!(
        body,
        "<p class=\"secret\" id=\"secret\" hidden>{} <code></code></p>",
        t.t("token_shown_once")
    );
    if admin {
        let users = s.store.users().await.unwrap_or_default();
        let roles = roles_up_to(Role::Admin);
        let _ = write!(body, "<h2>{}</h2>", t.t("users"));
        let rows: Vec<Row> = users
            .iter()
            .map(|u| {
                // An administrator cannot demote or delete themself (the API refuses it too).
                let own = u.id == v.caller.user.id;
                let controls = if own {
                    String::new()
                } else {
                    let api = format!("/api/v1/users/{}", u.id);
                    format!(
                        "{}{}",
                        patch_select(&api, "role", &u.role, &roles, t.t("role")),
                        action(t.t("delete"), "DELETE", &api, Some(t.t("confirm_delete")))
                    )
                };
                Row {
                    cells: vec![
                        u.id.to_string(),
                        u.username.clone(),
                        u.role.clone(),
                        u.lang.clone(),
                    ],
                    controls,
                }
            })
            .collect();
        body.push_str(&table(
            "users",
            &["id", t.t("username"), t.t("role"), t.t("language")],
            &rows,
            t.t("none_yet"),
        ));
        body.push_str(&form(
            "user-form",
            "POST",
            "/api/v1/users",
            &[
                Field::text("username", t.t("username")),
                Field::select("role", t.t("role"), roles),
                Field::select("lang", t.t("language"), plain(&["vi", "en"])),
            ],
            t.t("add_user"),
            Some("password"),
        ));
        let others: Vec<(String, String)> = users
            .iter()
            .filter(|u| u.id != v.caller.user.id)
            .map(|u| (u.id.to_string(), u.username.clone()))
            .collect();
        if !others.is_empty() {
            let _ = write!(body, "<h3>{}</h3>", t.t("set_password"));
            body.push_str(&form(
                "user-password-form",
                "PATCH",
                "/api/v1/users/{id}",
                &[
                    Field::select_id("id", t.t("username"), others),
                    Field::password("password", t.t("new_password")),
                ],
                t.t("set_password"),
                None,
            ));
        }
    }
    layout(Some(&v), v.lang, t.t("account"), &body).into_response()
}
