//! The account page: change one's password, manage one's API tokens, and (administrators)
//! the users. Secrets a request returns (a token, a generated password) are shown once by
//! app.js and never rendered by the server.

use super::{esc, layout, Strings, Visitor};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// `GET /account`.
pub async fn page(State(s): State<AppState>, v: Visitor) -> Response {
    let t = Strings::get(v.lang);
    let admin = v.caller.role >= Role::Admin;
    let owner = (!admin).then_some(v.caller.user.id);
    let tokens = s.store.tokens(owner).await.unwrap_or_default();
    let mut body = format!(
        "<h1>{}: {}</h1><h2>{}</h2>\
         <form class=\"inline api-form\" id=\"password-form\" data-api=\"/api/v1/me\" data-method=\"PATCH\">\
         <input name=\"current_password\" type=\"password\" autocomplete=\"current-password\" placeholder=\"{}\">\
         <input name=\"password\" type=\"password\" autocomplete=\"new-password\" placeholder=\"{}\">\
         <button type=\"submit\">{}</button><span class=\"error\"></span></form>",
        t.t("account"),
        esc(&v.caller.user.username),
        t.t("change_password"),
        t.t("current_password"),
        t.t("new_password"),
        t.t("change_password"),
    );
    let _ = write!(
        body,
        "<h2>{}</h2><table id=\"tokens\"><tbody>",
        t.t("tokens")
    );
    for tok in &tokens {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            tok.id,
            esc(&tok.username),
            esc(&tok.name),
            esc(&tok.role)
        );
    }
    let _ = write!(
        body,
        "</tbody></table><form class=\"inline api-form\" id=\"token-form\" data-api=\"/api/v1/tokens\" data-show=\"token\">\
         <input name=\"name\" placeholder=\"{}\"><input name=\"role\" placeholder=\"viewer | auditor | admin\">\
         <button type=\"submit\">{}</button><span class=\"error\"></span></form>\
         <p class=\"secret\" id=\"secret\" hidden>{} <code></code></p>",
        t.t("name"),
        t.t("add"),
        t.t("token_shown_once")
    );
    if admin {
        let users = s.store.users().await.unwrap_or_default();
        let _ = write!(body, "<h2>{}</h2><table id=\"users\"><tbody>", t.t("users"));
        for u in &users {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                u.id,
                esc(&u.username),
                esc(&u.role),
                esc(&u.lang)
            );
        }
        let _ = write!(
            body,
            "</tbody></table><form class=\"inline api-form\" id=\"user-form\" data-api=\"/api/v1/users\" data-show=\"password\">\
             <input name=\"username\" placeholder=\"{}\"><input name=\"role\" placeholder=\"viewer | auditor | admin\">\
             <button type=\"submit\">{}</button><span class=\"error\"></span></form>",
            t.t("username"),
            t.t("add")
        );
    }
    layout(Some(&v), v.lang, t.t("account"), &body).into_response()
}
