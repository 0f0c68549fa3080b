//! Server-rendered pages (no JavaScript framework, no build step): plain HTML, one script
//! and one style sheet embedded in the binary. Strings come from `data/i18n/web-{en,vi}.toml`;
//! the language is the `camguard_lang` cookie, else the user's setting, else Vietnamese.

mod account;
mod audit;
mod charts;
mod compliance;
mod org;
mod pages;
mod settings;
mod widgets;

use crate::auth::{cookie, resolve, Caller, Via};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use camguard_report::escape_html as esc;
use std::collections::HashMap;
use std::sync::OnceLock;

const APP_JS: &str = include_str!("../../assets/app.js");
const APP_CSS: &str = include_str!("../../assets/app.css");

/// UI strings of one language.
pub struct Strings(HashMap<String, String>);

impl Strings {
    /// The strings of `lang` (`en` or anything else for Vietnamese).
    pub fn get(lang: &str) -> &'static Strings {
        static EN: OnceLock<Strings> = OnceLock::new();
        static VI: OnceLock<Strings> = OnceLock::new();
        let (cell, text) = if lang == "en" {
            (&EN, include_str!("../../../../data/i18n/web-en.toml"))
        } else {
            (&VI, include_str!("../../../../data/i18n/web-vi.toml"))
        };
        cell.get_or_init(|| Strings(toml::from_str(text).unwrap_or_default()))
    }

    /// The label of a status or severity code (`{kind}_{code}` in the strings), else the code.
    pub fn label<'a>(&'a self, kind: &str, code: &'a str) -> &'a str {
        self.0
            .get(&format!("{kind}_{code}"))
            .map_or(code, String::as_str)
    }

    /// A problem's text (`problem_<code>`), the same the page script shows for API problems.
    pub fn problem(&self, p: crate::error::Problem) -> &str {
        self.0
            .get(&problem_key(p.code()))
            .map_or(p.code(), String::as_str)
    }

    /// A string by key (the key itself when missing).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.0.get(key).map_or(key, String::as_str)
    }
}

/// The strings key of a problem code: `problem_` and the code with `_` for `-`.
pub fn problem_key(code: &str) -> String {
    format!("problem_{}", code.replace('-', "_"))
}

/// A signed-in page visitor with their language.
pub struct Visitor {
    caller: Caller,
    lang: &'static str,
}

/// Not signed in: go to the sign-in page.
pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

fn lang_of(parts: &Parts, user_lang: Option<&str>) -> &'static str {
    match cookie(parts, "camguard_lang").or(user_lang) {
        Some("en") => "en",
        _ => "vi",
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ToLogin> {
        match resolve(parts, state).await {
            Ok(Some(caller)) => {
                let lang = lang_of(parts, Some(&caller.user.lang));
                Ok(Visitor { caller, lang })
            }
            _ => Err(ToLogin),
        }
    }
}

/// A whole page around `body`.
fn layout(v: Option<&Visitor>, lang: &str, title: &str, body: &str) -> Html<String> {
    let s = Strings::get(lang);
    let csrf = match v.map(|v| &v.caller.via) {
        Some(Via::Session { csrf, .. }) => esc(csrf),
        _ => String::new(),
    };
    let nav = match v {
        Some(v) => format!(
            "<nav><a href=\"/devices\">{}</a><a href=\"/scans\">{}</a><a href=\"/compliance\">{}</a>\
             <a href=\"/organisation\">{}</a><a href=\"/reports\">{}</a>{}\
             <span class=\"right\"><a href=\"#\" data-lang=\"vi\">VI</a><a href=\"#\" data-lang=\"en\">EN</a>\
             <a href=\"/account\">{} ({})</a><button id=\"logout\">{}</button></span></nav>",
            s.t("devices"), s.t("scans"), s.t("compliance"), s.t("organisation"), s.t("reports"),
            if v.caller.role >= crate::auth::Role::Admin {
                format!(
                    "<a href=\"/audit\">{}</a><a href=\"/settings\">{}</a>",
                    s.t("audit"),
                    s.t("settings")
                )
            } else {
                String::new()
            },
            esc(&v.caller.user.username), v.caller.role.as_str(), s.t("sign_out")
        ),
        None => "<nav><span class=\"right\"><a href=\"#\" data-lang=\"vi\">VI</a><a href=\"#\" data-lang=\"en\">EN</a></span></nav>".into(),
    };
    // The API's problem codes in the user's language, for app.js to show instead of `detail`.
    let mut problems = String::from("<div id=\"problems\" hidden");
    for code in crate::error::Problem::ALL.iter().map(|p| p.code()) {
        let key = problem_key(code);
        problems.push_str(&format!(" data-{code}=\"{}\"", esc(s.t(&key))));
    }
    problems.push_str("></div>");
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"csrf-token\" content=\"{csrf}\"><title>{} · {}</title>\
         <link rel=\"stylesheet\" href=\"/assets/app.css\"><script src=\"/assets/app.js\" defer></script>\
         </head><body>{nav}<main><p id=\"flash\" class=\"error\" role=\"alert\"></p>{body}</main>{problems}</body></html>",
        esc(title), s.t("title")
    ))
}

async fn login_page(State(state): State<AppState>, parts: Parts) -> Response {
    if let Ok(Some(_)) = resolve(&parts, &state).await {
        return Redirect::to("/devices").into_response();
    }
    let lang = lang_of(&parts, None);
    let s = Strings::get(lang);
    let body = format!(
        "<form id=\"login-form\" class=\"login\" data-e401=\"{}\" data-e429=\"{}\"><h1>{}</h1>\
         <label for=\"username\">{}</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>\
         <label for=\"password\">{}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <p><button type=\"submit\">{}</button></p><p id=\"login-error\" class=\"error\"></p></form>",
        esc(s.t("login_refused")), esc(s.t("login_locked")),
        s.t("title"), s.t("username"), s.t("password"), s.t("sign_in")
    );
    layout(None, lang, s.t("sign_in"), &body).into_response()
}

async fn asset_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
        .into_response()
}

async fn asset_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS).into_response()
}

/// The 404 page, inside the navigation when signed in.
fn missing(v: Option<&Visitor>, lang: &'static str) -> Response {
    let s = Strings::get(lang);
    let body = format!(
        "<h1>404</h1><p>{}</p><p><a href=\"/devices\">{}</a></p>",
        s.t("not_found"),
        s.t("devices")
    );
    (StatusCode::NOT_FOUND, layout(v, lang, "404", &body)).into_response()
}

async fn not_found(parts: Parts) -> Response {
    missing(None, lang_of(&parts, None))
}

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/devices") }))
        .route("/login", get(login_page))
        .route("/devices", get(pages::devices))
        .route("/devices/{id}", get(pages::device))
        .route("/scans", get(pages::scans))
        .route("/reports", get(pages::reports))
        .route("/compliance", get(compliance::page))
        .route("/organisation", get(org::page))
        .route("/account", get(account::page))
        .route("/audit", get(audit::page))
        .route("/settings", get(settings::page))
        .route("/assets/app.js", get(asset_js))
        .route("/assets/app.css", get(asset_css))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(not_found)
}
