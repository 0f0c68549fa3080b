//! Building blocks of the pages: tables with per-row actions, forms that app.js posts as JSON
//! to the API, buttons that call one API route. Every text is escaped here; no inline script
//! or style is ever produced (the CSP forbids both).

use super::esc;
use std::fmt::Write;

/// What kind of control a form field is.
pub(super) enum Kind {
    /// Free text.
    Text,
    /// A password (never echoed).
    Password,
    /// Free text with suggestions (value, label) offered by the browser.
    Suggest(Vec<(String, String)>),
    /// A choice among (value, label); numbers are sent as JSON numbers when `numeric`.
    Select {
        /// (value, label) pairs.
        options: Vec<(String, String)>,
        /// Values are ids.
        numeric: bool,
    },
}

/// One field of an API form.
pub(super) struct Field<'a> {
    /// JSON field name.
    pub name: &'a str,
    /// Visible label.
    pub label: &'a str,
    /// Control.
    pub kind: Kind,
    /// The browser refuses to submit without it.
    pub required: bool,
}

impl<'a> Field<'a> {
    /// A required text field.
    pub fn text(name: &'a str, label: &'a str) -> Self {
        Field {
            name,
            label,
            kind: Kind::Text,
            required: true,
        }
    }

    /// An optional text field.
    pub fn optional(name: &'a str, label: &'a str) -> Self {
        Field {
            required: false,
            ..Field::text(name, label)
        }
    }

    /// A required password field.
    pub fn password(name: &'a str, label: &'a str) -> Self {
        Field {
            kind: Kind::Password,
            ..Field::text(name, label)
        }
    }

    /// A required choice of text values.
    pub fn select(name: &'a str, label: &'a str, options: Vec<(String, String)>) -> Self {
        Field {
            kind: Kind::Select {
                options,
                numeric: false,
            },
            ..Field::text(name, label)
        }
    }

    /// A required choice of ids (sent as numbers).
    pub fn select_id(name: &'a str, label: &'a str, options: Vec<(String, String)>) -> Self {
        Field {
            kind: Kind::Select {
                options,
                numeric: true,
            },
            ..Field::text(name, label)
        }
    }
}

/// Options from plain values (value = label).
pub(super) fn plain(values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), (*v).to_owned()))
        .collect()
}

/// A form that app.js sends as JSON with `method` to `api`; `show` names a field of the
/// answer shown once (a token, a generated password) instead of reloading the page.
pub(super) fn form(
    id: &str,
    method: &str,
    api: &str,
    fields: &[Field<'_>],
    submit: &str,
    show: Option<&str>,
) -> String {
    let show = show.map_or_else(String::new, |s| format!(" data-show=\"{}\"", esc(s)));
    let mut f = format!(
        "<form class=\"inline api-form\" id=\"{}\" data-method=\"{}\" data-api=\"{}\"{show}>",
        esc(id),
        esc(method),
        esc(api)
    );
    for field in fields {
        let req = if field.required { " required" } else { "" };
        let name = esc(field.name);
        let label = esc(field.label);
        let _ = write!(f, "<label class=\"field\"><span>{label}</span>");
        match &field.kind {
            Kind::Text | Kind::Password => {
                let (ty, extra) = match field.kind {
                    Kind::Password => ("password", " autocomplete=\"new-password\""),
                    _ => ("text", ""),
                };
                let _ = write!(
                    f,
                    "<input name=\"{name}\" type=\"{ty}\" data-kind=\"text\"{extra}{req}>"
                );
            }
            Kind::Suggest(options) => {
                let _ = write!(
                    f,
                    "<input name=\"{name}\" type=\"text\" data-kind=\"text\" list=\"dl-{name}\"{req}><datalist id=\"dl-{name}\">"
                );
                for (value, label) in options {
                    let _ = write!(
                        f,
                        "<option value=\"{}\">{}</option>",
                        esc(value),
                        esc(label)
                    );
                }
                f.push_str("</datalist>");
            }
            Kind::Select { options, numeric } => {
                let kind = if *numeric { "number" } else { "text" };
                let _ = write!(f, "<select name=\"{name}\" data-kind=\"{kind}\"{req}>");
                for (value, label) in options {
                    let _ = write!(
                        f,
                        "<option value=\"{}\">{}</option>",
                        esc(value),
                        esc(label)
                    );
                }
                f.push_str("</select>");
            }
        }
        f.push_str("</label>");
    }
    let _ = write!(
        f,
        "<button type=\"submit\">{}</button><span class=\"error\" role=\"alert\"></span></form>",
        esc(submit)
    );
    f
}

/// A button calling `method api` (after a confirmation when `confirm` is given), then
/// reloading the page; a refusal is shown in the page's alert line.
pub(super) fn action(label: &str, method: &str, api: &str, confirm: Option<&str>) -> String {
    let confirm = confirm.map_or_else(String::new, |c| format!(" data-confirm=\"{}\"", esc(c)));
    format!(
        "<button type=\"button\" class=\"api-action danger\" data-method=\"{}\" data-api=\"{}\"{confirm}>{}</button>",
        esc(method),
        esc(api),
        esc(label)
    )
}

/// A choice that sends `{field: value}` with PATCH to `api` when changed (the value as a
/// JSON number when every option is a number).
pub(super) fn patch_select(
    api: &str,
    field: &str,
    current: &str,
    options: &[(String, String)],
    label: &str,
) -> String {
    let numeric = options.iter().all(|(v, _)| v.parse::<i64>().is_ok());
    let kind = if numeric { "number" } else { "text" };
    let mut s = format!(
        "<select class=\"api-select\" data-api=\"{}\" data-field=\"{}\" data-kind=\"{kind}\" aria-label=\"{}\">",
        esc(api),
        esc(field),
        esc(label)
    );
    push_options(&mut s, options, current);
    s.push_str("</select>");
    s
}

/// The `<option>`s of a select over `options` (value, label), `current` selected.
pub(crate) fn push_options(out: &mut String, options: &[(String, String)], current: &str) {
    for (value, text) in options {
        let sel = if value == current { " selected" } else { "" };
        let _ = write!(
            out,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(text)
        );
    }
}

/// One table row: escaped cells, then raw controls built by [`action`] / [`patch_select`].
pub(super) struct Row {
    /// Cell texts (escaped when rendered).
    pub cells: Vec<String>,
    /// Controls of the row (already HTML).
    pub controls: String,
}

impl Row {
    /// A row without controls.
    pub fn plain(cells: Vec<String>) -> Self {
        Row {
            cells,
            controls: String::new(),
        }
    }
}

/// A table with a header; an empty table says `empty`.
pub(super) fn table(id: &str, header: &[&str], rows: &[Row], empty: &str) -> String {
    let controls = rows.iter().any(|r| !r.controls.is_empty());
    let mut t = format!("<table id=\"{}\"><thead><tr>", esc(id));
    for h in header {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    if controls {
        t.push_str("<th></th>");
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in &r.cells {
            let _ = write!(t, "<td>{}</td>", esc(c));
        }
        if controls {
            let _ = write!(t, "<td class=\"controls\">{}</td>", r.controls);
        }
        t.push_str("</tr>");
    }
    if rows.is_empty() {
        let _ = write!(
            t,
            "<tr class=\"empty\"><td colspan=\"{}\">{}</td></tr>",
            header.len() + usize::from(controls),
            esc(empty)
        );
    }
    t.push_str("</tbody></table>");
    t
}
