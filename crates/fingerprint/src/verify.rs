//! `camguard fingerprints verify`: every example of every rule file in a directory, checked
//! against its own rule.
//!
//! - camguard TOML rules: each example must yield exactly what it lists (see the crate
//!   documentation); vendor spellings resolve through the built-in vendor table plus the
//!   file's own `[[vendor]]` entries.
//! - Recog XML fingerprints: each example must match and every parameter it asserts must
//!   equal the extracted one ([`RecogFingerprint::verify`](crate::recog::RecogFingerprint::verify));
//!   a fingerprint that verifies but cannot be loaded as a rule is a failure too.
//!
//! A file that cannot be parsed at all is one failure with rule `-`.

use crate::builtin::BUILTIN_RULE_FILES;
use crate::error::FingerprintError;
use crate::load_dir::{read_rule_file, rule_files, RuleFileKind};
use crate::recog::{field_for_matches, parse_recog};
use crate::rule::Rule;
use crate::rule_file::{parse_file, ParsedFile};
use crate::vendors::VendorTable;
use std::fmt;
use std::path::Path;

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// The rule file.
    pub file: String,
    /// The rule id, or `-` for a file-level failure.
    pub rule: String,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.rule, self.message)
    }
}

/// Totals and failures of one verification run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rule files checked.
    pub files: usize,
    /// Rules (TOML rules and Recog fingerprints) checked.
    pub rules: usize,
    /// Examples checked.
    pub examples: usize,
    /// Every failure, in file and rule order.
    pub failures: Vec<VerifyFailure>,
    /// Notes that are not failures (a Recog file camguard will not load, …).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// `N files, N rules, N examples: N failures`.
    pub fn summary(&self) -> String {
        format!(
            "{} files, {} rules, {} examples checked: {} failure{}",
            self.files,
            self.rules,
            self.examples,
            self.failures.len(),
            if self.failures.len() == 1 { "" } else { "s" }
        )
    }
}

/// Verify every rule file (`*.toml`, `*.xml`) in `dir`. Only an unreadable directory is an
/// error; everything wrong inside the files is reported as failures.
pub fn verify_dir(dir: &Path) -> Result<VerifyReport, FingerprintError> {
    let base = builtin_vendors()?;
    let mut report = VerifyReport::default();
    for (path, kind) in rule_files(dir)? {
        let file = path.display().to_string();
        report.files += 1;
        let text = match read_rule_file(&path) {
            Ok(t) => t,
            Err(e) => {
                report.failures.push(file_failure(&file, &e));
                continue;
            }
        };
        match kind {
            RuleFileKind::Toml => verify_toml(&file, &text, &base, &mut report),
            RuleFileKind::RecogXml => verify_recog(&file, &text, &mut report),
        }
    }
    Ok(report)
}

fn builtin_vendors() -> Result<VendorTable, FingerprintError> {
    let mut table = VendorTable::default();
    for (name, text) in BUILTIN_RULE_FILES {
        add_vendors(
            &mut table,
            &parse_file(&format!("data/fingerprints/{name}"), text)?,
        );
    }
    Ok(table)
}

fn add_vendors(table: &mut VendorTable, parsed: &ParsedFile) {
    for v in &parsed.vendors {
        table.add_vendor(&v.name, &v.aliases);
    }
    for u in &parsed.unbranded {
        table.add_unbranded(&u.names);
    }
}

fn file_failure(file: &str, e: &FingerprintError) -> VerifyFailure {
    match e {
        FingerprintError::InvalidRule { rule, reason, .. } => VerifyFailure {
            file: file.into(),
            rule: rule.clone(),
            message: reason.clone(),
        },
        FingerprintError::Parse { reason, .. } => VerifyFailure {
            file: file.into(),
            rule: "-".into(),
            message: reason.clone(),
        },
        other => VerifyFailure {
            file: file.into(),
            rule: "-".into(),
            message: other.to_string(),
        },
    }
}

fn verify_toml(file: &str, text: &str, base: &VendorTable, report: &mut VerifyReport) {
    let parsed = match parse_file(file, text) {
        Ok(p) => p,
        Err(e) => {
            report.failures.push(file_failure(file, &e));
            return;
        }
    };
    let mut vendors = base.clone();
    add_vendors(&mut vendors, &parsed);
    for rule in &parsed.rules {
        report.rules += 1;
        report.examples += rule.example_count();
        report.failures.extend(toml_failures(rule, &vendors));
    }
}

fn toml_failures(rule: &Rule, vendors: &VendorTable) -> Vec<VerifyFailure> {
    let prefix = format!("{}: rule `{}`: ", rule.file, rule.id);
    rule.verify_examples(vendors)
        .into_iter()
        .map(|m| VerifyFailure {
            file: rule.file.clone(),
            rule: rule.id.clone(),
            message: m.strip_prefix(&prefix).map_or(m.clone(), str::to_string),
        })
        .collect()
}

fn verify_recog(file: &str, text: &str, report: &mut VerifyReport) {
    let parsed = match parse_recog(file, text) {
        Ok(p) => p,
        Err(e) => {
            report.failures.push(file_failure(file, &e));
            return;
        }
    };
    let field = field_for_matches(&parsed.matches);
    if field.is_none() {
        report.notes.push(format!(
            "{file}: matches=\"{}\" is not observed by camguard: examples checked, rules not loaded",
            parsed.matches
        ));
    }
    for fp in &parsed.fingerprints {
        report.rules += 1;
        report.examples += fp.examples.len();
        let fail = |message: String| VerifyFailure {
            file: file.to_string(),
            rule: fp.id.clone(),
            message,
        };
        let failures = fp.verify();
        if failures.is_empty() {
            if let Some(field) = field {
                let loaded = fp
                    .to_rule_spec(field, file)
                    .and_then(|spec| spec.map(|s| Rule::compile(s, file)).transpose());
                if let Err(e) = loaded {
                    report
                        .failures
                        .push(fail(format!("cannot be loaded as a rule: {e}")));
                }
            }
        }
        report.failures.extend(failures.into_iter().map(fail));
    }
}
