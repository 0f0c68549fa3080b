//! The TOML shape of a rule file (see the crate documentation for the format) and its
//! validation into [`Rule`]s and vendor-table entries.

use crate::error::FingerprintError;
use crate::rule::Rule;
use camguard_model::{DeviceType, FingerprintInput};
use serde::Deserialize;

/// Largest rule file the loader reads.
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Top level of a rule file. Each table is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Value>,
    #[serde(default)]
    vendor: Vec<VendorSpec>,
    #[serde(default)]
    unbranded: Vec<UnbrandedSpec>,
}

/// One `[[rule]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable id, `[a-z0-9._-]+`.
    pub id: String,
    /// The [`FingerprintInput`] field matched.
    pub field: String,
    /// Regex (Rust `regex` syntax).
    pub pattern: String,
    /// Match without regard to case.
    #[serde(default)]
    pub case_insensitive: bool,
    /// Certainty in (0, 1].
    pub weight: f64,
    /// Free text for humans.
    #[serde(default)]
    pub description: Option<String>,
    /// Where the banner or string is documented.
    pub source: String,
    /// Asserted: is this a surveillance device?
    #[serde(default)]
    pub camera: Option<bool>,
    /// Asserted vendor (template).
    #[serde(default)]
    pub vendor: Option<String>,
    /// Asserted product (template).
    #[serde(default)]
    pub product: Option<String>,
    /// Asserted model (template).
    #[serde(default)]
    pub model: Option<String>,
    /// Asserted firmware (template).
    #[serde(default)]
    pub firmware: Option<String>,
    /// Asserted device type.
    #[serde(default)]
    pub device_type: Option<DeviceType>,
    /// Worked examples, at least one that matches.
    #[serde(default)]
    pub example: Vec<ExampleSpec>,
}

/// One `[[rule.example]]`: an input value and everything the rule must yield for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    /// The field value.
    pub value: String,
    /// `false` for a counter-example the pattern must not match.
    #[serde(default = "yes")]
    pub matches: bool,
    /// Expected `camera` (absent = the rule asserts nothing about it).
    #[serde(default)]
    pub camera: Option<bool>,
    /// Expected vendor, after canonicalisation.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Expected product.
    #[serde(default)]
    pub product: Option<String>,
    /// Expected model.
    #[serde(default)]
    pub model: Option<String>,
    /// Expected firmware.
    #[serde(default)]
    pub firmware: Option<String>,
    /// Expected device type.
    #[serde(default)]
    pub device_type: Option<DeviceType>,
    /// Only the listed expectations are checked (Recog examples assert a subset of params);
    /// never set from TOML.
    #[serde(skip)]
    pub partial: bool,
}

fn yes() -> bool {
    true
}

/// One `[[vendor]]`: canonical spelling plus the other spellings devices use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSpec {
    /// Canonical spelling.
    pub name: String,
    /// Other spellings (ONVIF manufacturer strings, legal names, …).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Where the spellings come from.
    pub source: String,
}

/// One `[[unbranded]]`: names that stand for "no particular vendor".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnbrandedSpec {
    /// Placeholder spellings.
    pub names: Vec<String>,
    /// Where they are seen.
    pub source: String,
}

/// The validated contents of one rule file.
#[derive(Debug)]
pub struct ParsedFile {
    /// Compiled rules, in file order.
    pub rules: Vec<Rule>,
    /// Vendor alias lists.
    pub vendors: Vec<VendorSpec>,
    /// Placeholder vendor names.
    pub unbranded: Vec<UnbrandedSpec>,
}

/// Parse and validate the rule file `text`, called `file` in errors.
pub fn parse_file(file: &str, text: &str) -> Result<ParsedFile, FingerprintError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| FingerprintError::Parse {
        file: file.to_string(),
        reason: e.to_string().trim().to_string(),
    })?;
    let mut rules = Vec::with_capacity(raw.rule.len());
    for (i, value) in raw.rule.into_iter().enumerate() {
        let label = value
            .get("id")
            .and_then(toml::Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| format!("#{}", i + 1), str::to_string);
        let invalid = |reason: String| FingerprintError::InvalidRule {
            file: file.to_string(),
            rule: label.clone(),
            reason,
        };
        let spec: RuleSpec = value
            .try_into()
            .map_err(|e: toml::de::Error| invalid(e.to_string().trim().to_string()))?;
        rules.push(Rule::compile(spec, file).map_err(invalid)?);
    }
    for v in &raw.vendor {
        if v.name.trim().is_empty() || v.source.trim().is_empty() {
            return Err(FingerprintError::InvalidVendor {
                file: file.to_string(),
                reason: format!("vendor {:?} needs a non-empty name and source", v.name),
            });
        }
    }
    for u in &raw.unbranded {
        if u.names.is_empty() || u.source.trim().is_empty() {
            return Err(FingerprintError::InvalidVendor {
                file: file.to_string(),
                reason: "[[unbranded]] needs names and a source".to_string(),
            });
        }
    }
    Ok(ParsedFile {
        rules,
        vendors: raw.vendor,
        unbranded: raw.unbranded,
    })
}

/// Check the parts of a spec that need no regex.
pub fn check_spec(spec: &RuleSpec) -> Result<(), String> {
    let id_ok = !spec.id.is_empty()
        && spec
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !id_ok {
        return Err("id must be non-empty and use only a-z, 0-9, `.`, `_`, `-`".into());
    }
    if !FingerprintInput::FIELDS.contains(&spec.field.as_str()) {
        return Err(format!(
            "unknown field `{}` (expected one of {})",
            spec.field,
            FingerprintInput::FIELDS.join(", ")
        ));
    }
    if !(spec.weight > 0.0 && spec.weight <= 1.0) {
        return Err(format!("weight {} is not in (0, 1]", spec.weight));
    }
    if spec.source.trim().is_empty() {
        return Err("source (provenance) must not be empty".into());
    }
    let asserts_something = spec.camera.is_some()
        || spec.vendor.is_some()
        || spec.product.is_some()
        || spec.model.is_some()
        || spec.firmware.is_some()
        || spec.device_type.is_some();
    if !asserts_something {
        return Err(
            "asserts nothing (set camera, vendor, product, model, firmware or device_type)".into(),
        );
    }
    if !spec.example.iter().any(|e| e.matches) {
        return Err("needs at least one [[rule.example]] that matches".into());
    }
    Ok(())
}
