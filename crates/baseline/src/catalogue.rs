//! Baseline catalogues: versioned sets of provisions, as data (`data/baselines/*.toml`).
//!
//! File format (one baseline per file; see the built-in files for full examples):
//!
//! ```toml
//! id = "my-baseline"                 # unique id
//! title.en = "…"                     # bilingual title
//! title.vi = "…"
//! issuer = "…"
//! valid_from = "2026-07-01"          # a quoted date, or a bare TOML date
//! valid_until = "2027-12-31"         # optional
//! status = "mandatory"               # or "recommended"
//! provisional = false                # optional: the catalogue is not checked against an official text
//! sources = ["https://…"]            # optional
//!
//! [[provision]]
//! id = "1.a"
//! text.en = "…"                      # paraphrase, bilingual
//! text.vi = "…"
//! etsi = ["5.1-1"]                   # optional ETSI EN 303 645 analogues
//! classes = ["R!", "C"]              # R, R!, C, D, L (at least one)
//! checks = ["AUTH.DEFAULT_CRED"]     # optional check ids bearing on it
//! remote_complete = false            # optional: remote checks fully cover it
//! provisional = false                # optional
//! source = "…"                       # provenance
//! ```

use crate::error::BaselineError;
use camguard_model::Localized;
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashSet;

/// How a provision can be verified (verification classes after the ETSI TS 103 701 conceptual/functional split as encoded in github.com/ouspg/tcsfw).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VerificationClass {
    /// Remote, unauthenticated, non-intrusive.
    #[serde(rename = "R")]
    R,
    /// Remote but intrusive: needs explicit authorisation.
    #[serde(rename = "R!")]
    RIntrusive,
    /// With the owner's credentials.
    #[serde(rename = "C")]
    C,
    /// From documents or vendor evidence.
    #[serde(rename = "D")]
    D,
    /// Only in a lab or physically.
    #[serde(rename = "L")]
    L,
}

impl VerificationClass {
    /// The code used in the data files (`R`, `R!`, `C`, `D`, `L`).
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationClass::R => "R",
            VerificationClass::RIntrusive => "R!",
            VerificationClass::C => "C",
            VerificationClass::D => "D",
            VerificationClass::L => "L",
        }
    }
}

/// One provision of a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// Id within the baseline, e.g. `2.1.a`.
    pub id: String,
    /// Paraphrased text.
    pub text: Localized,
    /// ETSI EN 303 645 provisions it corresponds to.
    #[serde(default)]
    pub etsi: Vec<String>,
    /// How it can be verified.
    pub classes: Vec<VerificationClass>,
    /// Ids of the checks whose findings bear on it.
    #[serde(default)]
    pub checks: Vec<String>,
    /// True only when the remote checks fully cover the provision (so no finding can mean pass).
    #[serde(default)]
    pub remote_complete: bool,
    /// True when the id or text is not confirmed against an official text.
    #[serde(default)]
    pub provisional: bool,
    /// Provenance.
    pub source: String,
}

/// A versioned baseline catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Id, e.g. `qcvn-11-2026`.
    pub id: String,
    /// Title.
    pub title: Localized,
    /// Issuing body and instrument.
    pub issuer: String,
    /// First day the baseline applies.
    #[serde(deserialize_with = "de_date")]
    pub valid_from: NaiveDate,
    /// Last day the baseline applies, if it has ended or will end.
    #[serde(default, deserialize_with = "de_opt_date")]
    pub valid_until: Option<NaiveDate>,
    /// `mandatory` or `recommended`.
    pub status: String,
    /// True when the catalogue is not checked against an official text.
    #[serde(default)]
    pub provisional: bool,
    /// Where the catalogue comes from (URLs).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The provisions, in document order (`[[provision]]` in the TOML files).
    #[serde(alias = "provision")]
    pub provisions: Vec<Provision>,
}

/// Status of a baseline that must be met.
pub const STATUS_MANDATORY: &str = "mandatory";
/// Status of a baseline that is advice.
pub const STATUS_RECOMMENDED: &str = "recommended";

impl Baseline {
    /// Parse and validate a baseline from TOML. `origin` (a path or built-in name) is put in
    /// every error.
    pub fn from_toml(text: &str, origin: &str) -> Result<Baseline, BaselineError> {
        let baseline: Baseline = toml::from_str(text).map_err(|source| BaselineError::Parse {
            origin: origin.to_string(),
            source,
        })?;
        baseline
            .validate()
            .map_err(|reason| BaselineError::Invalid {
                origin: origin.to_string(),
                reason,
            })?;
        Ok(baseline)
    }

    /// The provision with this id.
    pub fn provision(&self, id: &str) -> Option<&Provision> {
        self.provisions.iter().find(|p| p.id == id)
    }

    /// True when `status` is `mandatory`.
    pub fn is_mandatory(&self) -> bool {
        self.status == STATUS_MANDATORY
    }

    /// True when the baseline applies on `date`.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_until.is_none_or(|until| date <= until)
    }

    fn validate(&self) -> Result<(), String> {
        if !is_identifier(&self.id) {
            return Err(format!(
                "id {:?} must be non-empty, without spaces",
                self.id
            ));
        }
        bilingual(&self.title, "title")?;
        if self.issuer.trim().is_empty() {
            return Err("issuer is empty".into());
        }
        if self.status != STATUS_MANDATORY && self.status != STATUS_RECOMMENDED {
            return Err(format!(
                "status {:?} must be \"{STATUS_MANDATORY}\" or \"{STATUS_RECOMMENDED}\"",
                self.status
            ));
        }
        if let Some(until) = self.valid_until {
            if until < self.valid_from {
                return Err(format!(
                    "valid_until {until} is before valid_from {}",
                    self.valid_from
                ));
            }
        }
        if self.provisions.is_empty() {
            return Err("no [[provision]]".into());
        }
        let mut ids = HashSet::new();
        for p in &self.provisions {
            validate_provision(p).map_err(|e| format!("provision {:?}: {e}", p.id))?;
            if !ids.insert(p.id.as_str()) {
                return Err(format!("provision {:?} appears twice", p.id));
            }
        }
        Ok(())
    }
}

fn validate_provision(p: &Provision) -> Result<(), String> {
    if !is_identifier(&p.id) {
        return Err("id must be non-empty, without spaces".into());
    }
    bilingual(&p.text, "text")?;
    if p.classes.is_empty() {
        return Err("classes is empty".into());
    }
    if p.source.trim().is_empty() {
        return Err("source is empty".into());
    }
    let mut checks = HashSet::new();
    for c in &p.checks {
        if !is_identifier(c) {
            return Err(format!("check id {c:?} is malformed"));
        }
        if !checks.insert(c) {
            return Err(format!("check {c:?} listed twice"));
        }
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn bilingual(text: &Localized, what: &str) -> Result<(), String> {
    if text.en.trim().is_empty() || text.vi.trim().is_empty() {
        return Err(format!("{what} needs both en and vi"));
    }
    Ok(())
}

/// A date given as a `YYYY-MM-DD` string or as a bare TOML date.
fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let value = toml::Value::deserialize(d)?;
    date_from_value(&value).map_err(serde::de::Error::custom)
}

fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let value = Option::<toml::Value>::deserialize(d)?;
    value
        .as_ref()
        .map(date_from_value)
        .transpose()
        .map_err(serde::de::Error::custom)
}

fn date_from_value(value: &toml::Value) -> Result<NaiveDate, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => return Err(format!("expected a date YYYY-MM-DD, found {other}")),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| format!("invalid date {text:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "t"
title = { en = "T", vi = "Tê" }
issuer = "me"
valid_from = "2026-07-01"
status = "recommended"
[[provision]]
id = "1"
text = { en = "x", vi = "ích" }
classes = ["R", "R!", "C", "D", "L"]
source = "s"
"#;

    #[test]
    fn json_round_trip_keeps_everything() {
        let b = Baseline::from_toml(MINIMAL, "t.toml").expect("parses");
        let json = serde_json::to_value(&b).expect("serialises");
        assert_eq!(json["valid_from"], "2026-07-01");
        assert_eq!(json["provisions"][0]["classes"][1], "R!");
        let back: Baseline = serde_json::from_value(json).expect("deserialises");
        assert_eq!(back, b);
    }

    #[test]
    fn class_codes_round_trip() {
        let b = Baseline::from_toml(MINIMAL, "t.toml").expect("parses");
        let codes: Vec<&str> = b.provisions[0].classes.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["R", "R!", "C", "D", "L"]);
        assert!(b.is_valid_on(NaiveDate::from_ymd_opt(2026, 7, 1).expect("date")));
        assert!(!b.is_valid_on(NaiveDate::from_ymd_opt(2026, 6, 30).expect("date")));
    }

    #[test]
    fn datetime_with_time_is_rejected() {
        let text = MINIMAL.replace("\"2026-07-01\"", "2026-07-01T10:00:00");
        let err = Baseline::from_toml(&text, "t.toml").expect_err("not a date");
        assert!(err.to_string().contains("t.toml"));
    }
}
