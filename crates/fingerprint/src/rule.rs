//! A compiled rule and what it claims when it matches.

use crate::rule_file::{check_spec, ExampleSpec, RuleSpec};
use crate::template::Template;
use crate::vendors::VendorTable;
use camguard_model::{DeviceType, FingerprintInput};
use regex::{Regex, RegexBuilder};

/// Bytes of each field that rules look at; the rest of a (possibly hostile) value is ignored.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;

/// Compiled-size limit for one rule's regex.
const REGEX_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// The first [`MAX_FIELD_BYTES`] of `text`, cut on a character boundary.
pub fn bounded(text: &str) -> &str {
    if text.len() <= MAX_FIELD_BYTES {
        return text;
    }
    let mut end = MAX_FIELD_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What one matching rule says about the device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    /// Surveillance device or not.
    pub camera: Option<bool>,
    /// Canonical vendor.
    pub vendor: Option<String>,
    /// Product line.
    pub product: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Firmware.
    pub firmware: Option<String>,
    /// Device type.
    pub device_type: Option<DeviceType>,
}

impl Claims {
    /// Forget every value that `want` does not assert (for partial examples).
    fn keep_asserted(&mut self, want: &Claims) {
        self.camera = self.camera.filter(|_| want.camera.is_some());
        self.vendor = self.vendor.take().filter(|_| want.vendor.is_some());
        self.product = self.product.take().filter(|_| want.product.is_some());
        self.model = self.model.take().filter(|_| want.model.is_some());
        self.firmware = self.firmware.take().filter(|_| want.firmware.is_some());
        self.device_type = self.device_type.filter(|_| want.device_type.is_some());
    }
}

/// Metadata of a loaded rule (for listings such as `camguard rules`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleInfo<'a> {
    /// Stable id.
    pub id: &'a str,
    /// The observation field it matches.
    pub field: &'static str,
    /// Certainty in (0, 1].
    pub weight: f64,
    /// File it was loaded from (`data/fingerprints/…` for built-in rules).
    pub file: &'a str,
    /// Provenance.
    pub source: &'a str,
    /// Free text, if any.
    pub description: Option<&'a str>,
}

/// A validated, compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// Index of the matched field in [`FingerprintInput::FIELDS`].
    pub field_index: usize,
    /// The pattern as compiled (with a leading `(?i)` for case-insensitive rules).
    pub pattern: String,
    /// Certainty in (0, 1].
    pub weight: f64,
    /// File the rule came from.
    pub file: String,
    /// Provenance.
    pub source: String,
    /// Free text for humans.
    pub description: Option<String>,
    regex: Regex,
    camera: Option<bool>,
    vendor: Option<Template>,
    product: Option<Template>,
    model: Option<Template>,
    firmware: Option<Template>,
    device_type: Option<DeviceType>,
    examples: Vec<ExampleSpec>,
}

impl Rule {
    /// Validate and compile `spec`, read from `file`.
    pub fn compile(spec: RuleSpec, file: &str) -> Result<Rule, String> {
        check_spec(&spec)?;
        let field_index = FingerprintInput::FIELDS
            .iter()
            .position(|f| *f == spec.field)
            .ok_or_else(|| format!("unknown field `{}`", spec.field))?;
        let pattern = if spec.case_insensitive {
            format!("(?i){}", spec.pattern)
        } else {
            spec.pattern.clone()
        };
        let regex = RegexBuilder::new(&pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("bad pattern: {e}"))?;
        let template = |v: &Option<String>| -> Result<Option<Template>, String> {
            v.as_deref().map(|t| Template::parse(t, &regex)).transpose()
        };
        Ok(Rule {
            vendor: template(&spec.vendor)?,
            product: template(&spec.product)?,
            model: template(&spec.model)?,
            firmware: template(&spec.firmware)?,
            id: spec.id,
            field_index,
            pattern,
            weight: spec.weight,
            file: file.to_string(),
            source: spec.source,
            description: spec.description,
            camera: spec.camera,
            device_type: spec.device_type,
            examples: spec.example,
            regex,
        })
    }

    /// A public view of the rule's metadata.
    pub fn info(&self) -> RuleInfo<'_> {
        RuleInfo {
            id: &self.id,
            field: FingerprintInput::FIELDS[self.field_index],
            weight: self.weight,
            file: &self.file,
            source: &self.source,
            description: self.description.as_deref(),
        }
    }

    /// Run the rule on an already bounded value; `None` when it does not match.
    pub fn apply(&self, text: &str, vendors: &VendorTable) -> Option<Claims> {
        let caps = self.regex.captures(text)?;
        let expand = |t: &Option<Template>| t.as_ref().and_then(|t| t.expand(&caps));
        Some(Claims {
            camera: self.camera,
            vendor: expand(&self.vendor).and_then(|v| vendors.canonicalize(&v)),
            product: expand(&self.product),
            model: expand(&self.model),
            firmware: expand(&self.firmware),
            device_type: self.device_type,
        })
    }

    /// Number of examples (counter-examples included).
    pub(crate) fn example_count(&self) -> usize {
        self.examples.len()
    }

    /// Check the rule's examples; one message per failure.
    pub fn verify_examples(&self, vendors: &VendorTable) -> Vec<String> {
        let mut failures = Vec::new();
        for (n, ex) in self.examples.iter().enumerate() {
            let at = format!(
                "{}: rule `{}`: example {} ({:?})",
                self.file,
                self.id,
                n + 1,
                ex.value
            );
            let got = self.apply(bounded(&ex.value), vendors);
            match (ex.matches, got) {
                (false, None) => {}
                (false, Some(_)) => failures.push(format!("{at}: matched but must not")),
                (true, None) => failures.push(format!("{at}: pattern does not match")),
                (true, Some(mut got)) => {
                    let want = Claims {
                        camera: ex.camera,
                        vendor: match ex.partial {
                            true => ex.vendor.as_deref().and_then(|v| vendors.canonicalize(v)),
                            false => ex.vendor.clone(),
                        },
                        product: ex.product.clone(),
                        model: ex.model.clone(),
                        firmware: ex.firmware.clone(),
                        device_type: ex.device_type,
                    };
                    if ex.partial {
                        got.keep_asserted(&want);
                    }
                    if got != want {
                        failures.push(format!("{at}: expected {want:?}, got {got:?}"));
                    }
                }
            }
        }
        failures
    }
}
