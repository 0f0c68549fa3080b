//! One listed model, and which list it is on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest text accepted in one field of an entry.
pub(crate) const MAX_FIELD_CHARS: usize = 1024;
/// Most variant patterns one entry may list.
pub(crate) const MAX_VARIANTS: usize = 64;

/// Which registry a list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Models certified as conforming to the regulation (a certificate or declaration of
    /// conformity exists).
    Certified,
    /// Models a competent authority has warned against.
    Warned,
}

impl ListKind {
    /// Both lists, in a fixed order.
    pub const ALL: [ListKind; 2] = [ListKind::Certified, ListKind::Warned];

    /// The name used on the command line, in files and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Certified => "certified",
            ListKind::Warned => "warned",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ListKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "certified" | "conforming" => Ok(ListKind::Certified),
            "warned" | "warning" => Ok(ListKind::Warned),
            other => Err(format!("unknown list {other:?} (certified or warned)")),
        }
    }
}

/// One model on a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Vendor as the list names it (compared case- and separator-insensitively).
    pub vendor: String,
    /// Model designation as the list names it.
    pub model: String,
    /// Documented variants of the same model: patterns where `*` is any run of characters and
    /// `?` one character, e.g. `DS-2CD2143G2-I(*MM)` for lens codes. Without one, a model with an
    /// extra suffix letter is a different model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Certificate, declaration or notice id, as the issuer writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Who issued the certificate or the warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Date of the certificate or notice, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Where the fact comes from: a URL or a document (required; in JSON the document's
    /// `source` fills it when absent).
    #[serde(default)]
    pub source: String,
    /// Free text (scope, conditions, why the entry is there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    /// Check the rules of the format: vendor, model and source present, fields bounded, the
    /// date `YYYY-MM-DD`, variant patterns not empty.
    pub fn validate(&self) -> Result<(), String> {
        let required = [
            ("vendor", &self.vendor),
            ("model", &self.model),
            ("source", &self.source),
        ];
        for (name, value) in required {
            if value.trim().is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        let optional = [&self.reference, &self.issuer, &self.date, &self.note];
        let texts = required
            .iter()
            .map(|(_, v)| v.as_str())
            .chain(optional.into_iter().flatten().map(String::as_str))
            .chain(self.variants.iter().map(String::as_str));
        for t in texts {
            if t.chars().count() > MAX_FIELD_CHARS {
                return Err(format!(
                    "a field is longer than {MAX_FIELD_CHARS} characters"
                ));
            }
            if t.chars().any(|c| c.is_control() && c != '\t') {
                return Err("a field holds a control character".into());
            }
        }
        if self.variants.len() > MAX_VARIANTS {
            return Err(format!("more than {MAX_VARIANTS} variants"));
        }
        if self.variants.iter().any(|v| v.trim().is_empty()) {
            return Err("an empty variant pattern".into());
        }
        if crate::model_name::canonical(&self.model).is_empty() {
            return Err(format!("model {:?} has no letters or digits", self.model));
        }
        if let Some(d) = &self.date {
            if !is_date(d) {
                return Err(format!("date {d:?} is not YYYY-MM-DD"));
            }
        }
        Ok(())
    }

    /// Trim every field and drop empty optional ones.
    pub(crate) fn tidy(mut self) -> Entry {
        let opt = |o: Option<String>| o.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        self.vendor = self.vendor.trim().to_string();
        self.model = self.model.trim().to_string();
        self.source = self.source.trim().to_string();
        self.variants = self
            .variants
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        self.reference = opt(self.reference);
        self.issuer = opt(self.issuer);
        self.date = opt(self.date);
        self.note = opt(self.note);
        self
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            vendor: "Hikvision".into(),
            model: "DS-2CD2143G2-I".into(),
            source: "example".into(),
            ..Default::default()
        }
    }

    #[test]
    fn list_kind_names_round_trip() {
        for k in ListKind::ALL {
            assert_eq!(k.as_str().parse::<ListKind>(), Ok(k));
        }
        assert_eq!("Conforming".parse::<ListKind>(), Ok(ListKind::Certified));
        assert!("banned".parse::<ListKind>().is_err());
    }

    #[test]
    fn invalid_entries_are_refused() {
        assert_eq!(entry().validate(), Ok(()));
        let bad = [
            Entry {
                vendor: " ".into(),
                ..entry()
            },
            Entry {
                model: "--".into(),
                ..entry()
            },
            Entry {
                source: String::new(),
                ..entry()
            },
            Entry {
                date: Some("2026-13-01".into()),
                ..entry()
            },
            Entry {
                date: Some("1/2/2026".into()),
                ..entry()
            },
            Entry {
                note: Some("x".repeat(MAX_FIELD_CHARS + 1)),
                ..entry()
            },
            Entry {
                note: Some("a\u{0}b".into()),
                ..entry()
            },
            Entry {
                variants: vec!["".into()],
                ..entry()
            },
        ];
        for e in bad {
            assert!(e.validate().is_err(), "{e:?}");
        }
    }
}
