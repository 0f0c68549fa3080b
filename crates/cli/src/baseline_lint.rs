//! `camguard baselines validate FILE`: every problem of a custom baseline file, each with the
//! line it is on — unknown check ids, duplicate provision ids, bad dates, missing bilingual
//! texts, empty or unknown verification classes, missing sources.
//!
//! The file is read into a lenient, span-keeping view first (so that all problems are found in
//! one run, not only the first); when that view finds nothing, the strict loader
//! ([`camguard_baseline::Baseline::from_toml`]) has the last word (unknown fields, types).

use camguard_baseline::Baseline;
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use toml::Spanned;

/// Largest file read (the loader's limit).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Verification class codes.
const CLASSES: [&str; 5] = ["R", "R!", "C", "D", "L"];

/// One problem: 1-based line (0: the whole file) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Line of the offending value; 0 when no line applies.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
struct RawText {
    en: Option<String>,
    vi: Option<String>,
}

#[derive(Deserialize)]
struct RawBaseline {
    id: Option<Spanned<String>>,
    title: Option<RawText>,
    issuer: Option<Spanned<String>>,
    valid_from: Option<Spanned<toml::Value>>,
    valid_until: Option<Spanned<toml::Value>>,
    status: Option<Spanned<String>>,
    #[serde(default, alias = "provisions")]
    provision: Vec<Spanned<RawProvision>>,
}

#[derive(Deserialize)]
struct RawProvision {
    id: Option<Spanned<String>>,
    text: Option<RawText>,
    classes: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    checks: Vec<Spanned<String>>,
    remote_complete: Option<Spanned<bool>>,
    source: Option<Spanned<String>>,
}

/// The problems of the file at `path`; `known_ids` are the baselines already loaded (an id
/// clash is a problem). The parsed baseline comes back when there is none.
pub fn validate_file(
    path: &Path,
    known_ids: &[String],
) -> Result<(Baseline, Vec<Problem>), Vec<Problem>> {
    let whole = |message: String| vec![Problem { line: 0, message }];
    let file = std::fs::File::open(path).map_err(|e| whole(format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| whole(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(whole(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|e| whole(format!("not UTF-8: {e}")))?;
    validate_text(&text, known_ids)
}

/// [`validate_file`] on text.
pub fn validate_text(
    text: &str,
    known_ids: &[String],
) -> Result<(Baseline, Vec<Problem>), Vec<Problem>> {
    let raw: RawBaseline = toml::from_str(text).map_err(|e| vec![toml_problem(text, &e)])?;
    let mut problems = lint(text, &raw, known_ids);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    match toml::from_str::<Baseline>(text) {
        Err(e) => Err(vec![toml_problem(text, &e)]),
        Ok(_) => match Baseline::from_toml(text, "file") {
            Ok(b) => {
                let warnings = warnings(text, &raw);
                Ok((b, warnings))
            }
            Err(e) => Err(vec![Problem {
                line: 0,
                message: e.to_string(),
            }]),
        },
    }
}

/// A TOML or type error, with its line when the parser knows it.
fn toml_problem(text: &str, e: &toml::de::Error) -> Problem {
    Problem {
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        message: e.message().trim().to_string(),
    }
}

/// The first line from line `from` on (1-based) that sets `key` (`key =` or `key.…`), before
/// the next table header.
fn key_line(text: &str, from: usize, key: &str) -> Option<usize> {
    for (i, line) in text.lines().enumerate().skip(from.saturating_sub(1)) {
        let t = line.trim_start();
        if i + 1 > from && t.starts_with('[') {
            return None;
        }
        if let Some(rest) = t.strip_prefix(key) {
            if rest.trim_start().starts_with(['=', '.']) {
                return Some(i + 1);
            }
        }
    }
    None
}

/// 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Lint<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Lint<'_> {
    fn at<T>(&mut self, value: &Spanned<T>, message: String) {
        let line = line_of(self.text, value.span().start);
        self.problems.push(Problem { line, message });
    }

    fn whole(&mut self, message: String) {
        self.problems.push(Problem { line: 0, message });
    }

    /// A required, non-blank string.
    fn required(&mut self, value: &Option<Spanned<String>>, near: usize, what: &str) {
        match value {
            None => self.problems.push(Problem {
                line: near,
                message: format!("{what} is missing"),
            }),
            Some(v) if v.get_ref().trim().is_empty() => self.at(v, format!("{what} is empty")),
            Some(_) => {}
        }
    }

    /// A bilingual text; `near` is the line of its table (the parser gives no span for a
    /// dotted-key table), refined to the line of its `key`.
    fn bilingual(&mut self, value: &Option<RawText>, near: usize, key: &str, what: &str) {
        let line = key_line(self.text, near, key).unwrap_or(near);
        let Some(v) = value else {
            self.problems.push(Problem {
                line,
                message: format!("{what} is missing (needs {key}.en and {key}.vi)"),
            });
            return;
        };
        for (lang, t) in [("en", &v.en), ("vi", &v.vi)] {
            if t.as_deref().is_none_or(|t| t.trim().is_empty()) {
                self.problems.push(Problem {
                    line,
                    message: format!("{what}.{lang} is missing or empty"),
                });
            }
        }
    }

    fn date(&mut self, value: &Spanned<toml::Value>, what: &str) -> Option<chrono::NaiveDate> {
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
            other => {
                self.at(
                    value,
                    format!("{what} must be a date YYYY-MM-DD, not {other}"),
                );
                return None;
            }
        };
        match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(e) => {
                self.at(
                    value,
                    format!("{what} {text:?} is not a date YYYY-MM-DD: {e}"),
                );
                None
            }
        }
    }
}

fn lint(text: &str, raw: &RawBaseline, known_ids: &[String]) -> Vec<Problem> {
    let mut l = Lint {
        text,
        problems: Vec::new(),
    };
    // Top-level fields: a missing one has no line (0).
    l.required(&raw.id, 0, "id");
    if let Some(id) = &raw.id {
        if id
            .get_ref()
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            l.at(id, format!("id {:?} must not contain spaces", id.get_ref()));
        }
        if known_ids.iter().any(|k| k == id.get_ref()) {
            l.at(
                id,
                format!("id {:?} is already taken by another baseline", id.get_ref()),
            );
        }
    }
    l.bilingual(&raw.title, 0, "title", "title");
    l.required(&raw.issuer, 0, "issuer");
    match &raw.status {
        None => l.whole("status is missing (\"mandatory\" or \"recommended\")".into()),
        Some(s) if !["mandatory", "recommended"].contains(&s.get_ref().as_str()) => l.at(
            s,
            format!(
                "status {:?} must be \"mandatory\" or \"recommended\"",
                s.get_ref()
            ),
        ),
        Some(_) => {}
    }
    let from = match &raw.valid_from {
        None => {
            l.whole("valid_from is missing".into());
            None
        }
        Some(v) => l.date(v, "valid_from"),
    };
    if let Some(v) = &raw.valid_until {
        if let (Some(until), Some(from)) = (l.date(v, "valid_until"), from) {
            if until < from {
                l.at(
                    v,
                    format!("valid_until {until} is before valid_from {from}"),
                );
            }
        }
    }
    if raw.provision.is_empty() {
        l.whole("no [[provision]]".into());
    }
    let catalogue = camguard_checks::Catalogue::builtin();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for p in &raw.provision {
        let near = line_of(text, p.span().start);
        let p = p.get_ref();
        let name =
            p.id.as_ref()
                .map(|i| i.get_ref().clone())
                .unwrap_or_default();
        let what = |field: &str| format!("provision {name:?}: {field}");
        l.required(&p.id, near, "provision id");
        if let Some(id) = &p.id {
            let line = line_of(text, id.span().start);
            if id
                .get_ref()
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            {
                l.at(id, format!("provision id {name:?} must not contain spaces"));
            }
            if let Some(first) = seen.insert(id.get_ref().clone(), line) {
                l.at(
                    id,
                    format!("duplicate provision id {name:?} (first on line {first})"),
                );
            }
        }
        l.bilingual(&p.text, near, "text", &what("text"));
        match &p.classes {
            None => l.problems.push(Problem {
                line: near,
                message: what("classes is missing (R, R!, C, D, L)"),
            }),
            Some(c) if c.get_ref().is_empty() => l.at(c, what("classes is empty (R, R!, C, D, L)")),
            Some(c) => {
                for class in c.get_ref() {
                    if !CLASSES.contains(&class.get_ref().as_str()) {
                        l.at(
                            class,
                            what(&format!(
                                "unknown verification class {:?} (R, R!, C, D, L)",
                                class.get_ref()
                            )),
                        );
                    }
                }
            }
        }
        let mut checks = HashMap::new();
        for c in &p.checks {
            if catalogue.get(c.get_ref()).is_none() {
                l.at(
                    c,
                    what(&format!(
                        "unknown check id {:?} (not in data/checks/checks.toml)",
                        c.get_ref()
                    )),
                );
            }
            if checks.insert(c.get_ref().clone(), ()).is_some() {
                l.at(c, what(&format!("check {:?} listed twice", c.get_ref())));
            }
        }
        if let Some(rc) = &p.remote_complete {
            if *rc.get_ref() && p.checks.is_empty() {
                l.at(
                    rc,
                    what("remote_complete = true but no checks: nothing could show it is met"),
                );
            }
        }
        l.required(&p.source, near, &what("source"));
    }
    l.problems
}

/// Things that load but deserve a look: a remote-complete provision whose classes are not only
/// remote ones.
fn warnings(text: &str, raw: &RawBaseline) -> Vec<Problem> {
    let mut out = Vec::new();
    for p in &raw.provision {
        let p = p.get_ref();
        let (Some(rc), Some(classes)) = (&p.remote_complete, &p.classes) else {
            continue;
        };
        let non_remote = classes
            .get_ref()
            .iter()
            .any(|c| !matches!(c.get_ref().as_str(), "R" | "R!"));
        if *rc.get_ref() && non_remote {
            out.push(Problem {
                line: line_of(text, rc.span().start),
                message: format!(
                    "provision {:?}: remote_complete = true with a non-remote class (C, D or L): \
                     a scan without findings will pass it",
                    p.id.as_ref().map(|i| i.get_ref().as_str()).unwrap_or("")
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"id = "t"
title = { en = "T", vi = "Tê" }
issuer = "me"
valid_from = "2026-07-01"
status = "recommended"

[[provision]]
id = "1"
text = { en = "x", vi = "ích" }
classes = ["R"]
checks = ["COMM.CLEARTEXT_ADMIN"]
remote_complete = true
source = "s"
"#;

    fn problems(text: &str) -> Vec<(usize, String)> {
        validate_text(text, &[])
            .expect_err("invalid")
            .into_iter()
            .map(|p| (p.line, p.message))
            .collect()
    }

    #[test]
    fn a_good_file_has_no_problem() {
        let (b, warnings) = validate_text(GOOD, &[]).expect("valid");
        assert_eq!(b.id, "t");
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn every_problem_is_found_with_its_line() {
        let text = GOOD.replace("\"2026-07-01\"", "\"2026-13-01\"").replace(
            "checks = [\"COMM.CLEARTEXT_ADMIN\"]",
            "checks = [\"COMM.CLEARTEXT_ADMIN\", \"NO.SUCH\"]",
        ) + r#"
[[provision]]
id = "1"
text.en = "again"
classes = []
source = "s"
"#;
        let found = problems(&text);
        let lines: Vec<usize> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [4, 11, 16, 17, 18], "{found:?}");
        assert!(found[0]
            .1
            .contains("valid_from \"2026-13-01\" is not a date"));
        assert!(found[1].1.contains("unknown check id \"NO.SUCH\""));
        assert!(found[2]
            .1
            .contains("duplicate provision id \"1\" (first on line 8)"));
        assert!(found[3].1.contains("text.vi is missing"));
        assert!(found[4].1.contains("classes is empty"));
    }

    #[test]
    fn valid_until_before_valid_from_is_reported_on_its_line() {
        let text = GOOD.replace("status =", "valid_until = 2026-06-30\nstatus =");
        let found = problems(&text);
        assert_eq!(found[0].0, 5, "{found:?}");
        assert!(found[0].1.contains("before valid_from"));
    }

    #[test]
    fn syntax_and_unknown_fields_keep_the_parsers_line() {
        let found = problems(&GOOD.replace("issuer = \"me\"", "issuer = me"));
        assert_eq!(found[0].0, 3, "{found:?}");
        let found = problems(&GOOD.replace("source = \"s\"", "source = \"s\"\nsauce = 1"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("sauce"), "{found:?}");
        assert_eq!(found[0].0, 14, "{found:?}");
    }

    #[test]
    fn an_id_clash_is_a_problem() {
        let found = validate_text(GOOD, &["t".to_string()]).expect_err("clash");
        assert_eq!(found[0].line, 1);
        assert!(found[0].message.contains("already taken"));
    }

    #[test]
    fn remote_complete_with_a_document_class_is_a_warning() {
        let text = GOOD.replace("classes = [\"R\"]", "classes = [\"R\", \"D\"]");
        let (_, warnings) = validate_text(&text, &[]).expect("valid");
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, 12);
    }

    #[test]
    fn hostile_text_never_panics() {
        for text in [
            "",
            "\u{0}",
            "[[provision]]\n[[provision]]",
            "id = 1",
            "x = [[[",
            "title = 3",
        ] {
            let _ = validate_text(text, &[]);
        }
    }
}
