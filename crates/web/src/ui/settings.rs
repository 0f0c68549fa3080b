//! The settings page (administrators): one form sent with PUT to `/api/v1/settings`, filled
//! with the settings in force.

use super::{esc, layout, Strings, Visitor};
use crate::auth::Role;
use crate::settings::{Settings, IDLE_MINUTES, SCAN_CONCURRENCY, SCAN_RATE};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// A labelled input holding `value`; numbers carry their bounds and are sent as numbers.
fn input(f: &mut String, name: &str, label: &str, value: &str, bounds: Option<(i64, i64)>) {
    let extra = match bounds {
        Some((lo, hi)) => {
            format!(" type=\"number\" data-kind=\"number\" min=\"{lo}\" max=\"{hi}\" required")
        }
        None => " type=\"text\" data-kind=\"text\"".into(),
    };
    let _ = write!(
        f,
        "<label class=\"field\"><span>{}</span><input name=\"{}\" value=\"{}\"{extra}></label>",
        esc(label),
        esc(name),
        esc(value)
    );
}

/// A labelled choice among `options` (value, label) with `current` selected. A choice whose
/// first option is empty (`""`, sent as such: `data-clear`) clears the setting.
fn choice(f: &mut String, name: &str, label: &str, options: &[(String, String)], current: &str) {
    let clear = if options.first().is_some_and(|(v, _)| v.is_empty()) {
        " data-clear"
    } else {
        ""
    };
    let _ = write!(
        f,
        "<label class=\"field\"><span>{}</span><select name=\"{}\" data-kind=\"text\"{clear}>",
        esc(label),
        esc(name)
    );
    super::widgets::push_options(f, options, current);
    f.push_str("</select></label>");
}

/// `GET /settings`.
pub async fn page(State(s): State<AppState>, v: Visitor) -> Response {
    let t = Strings::get(v.lang);
    if v.caller.role < Role::Admin {
        let body = format!("<p class=\"error\">{}</p>", t.t("admin_only"));
        return (
            StatusCode::FORBIDDEN,
            layout(Some(&v), v.lang, t.t("settings"), &body),
        )
            .into_response();
    }
    let settings = match Settings::current(&s).await {
        Ok(x) => x,
        Err(e) => {
            let body = format!("<p class=\"error\">{}</p>", esc(t.problem(e.problem)));
            return layout(Some(&v), v.lang, t.t("settings"), &body).into_response();
        }
    };
    let mut f = format!(
        "<h1>{}</h1><p class=\"hint\">{}</p>\
         <form class=\"api-form\" id=\"settings-form\" data-method=\"PUT\" data-api=\"/api/v1/settings\">",
        t.t("settings"),
        t.t("settings_hint")
    );
    input(
        &mut f,
        "organisation",
        t.t("organisation_name"),
        &settings.organisation,
        None,
    );
    let mut baselines = vec![(String::new(), t.t("baseline_automatic").to_owned())];
    baselines.extend(
        s.baselines
            .all()
            .iter()
            .map(|b| (b.id.clone(), b.id.clone())),
    );
    choice(
        &mut f,
        "default_baseline",
        t.t("default_baseline"),
        &baselines,
        settings.default_baseline.as_deref().unwrap_or_default(),
    );
    let langs = [
        ("vi".to_owned(), "Tiếng Việt".to_owned()),
        ("en".to_owned(), "English".to_owned()),
    ];
    choice(
        &mut f,
        "default_lang",
        t.t("default_lang"),
        &langs,
        &settings.default_lang,
    );
    for (name, value, bounds) in [
        (
            "session_idle_minutes",
            settings.session_idle_minutes,
            IDLE_MINUTES,
        ),
        ("scan_rate", settings.scan_rate, SCAN_RATE),
        (
            "scan_concurrency",
            settings.scan_concurrency,
            SCAN_CONCURRENCY,
        ),
    ] {
        input(&mut f, name, t.t(name), &value.to_string(), Some(bounds));
    }
    let _ = write!(
        f,
        "<button type=\"submit\">{}</button><span class=\"error\" role=\"alert\"></span></form>",
        t.t("save")
    );
    layout(Some(&v), v.lang, t.t("settings"), &f).into_response()
}
