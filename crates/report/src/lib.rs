//! camguard report stage: the inventory as a self-contained HTML page, JSON, CSV or SARIF,
//! and the diff between two scans.
//!
//! [`render`] turns the store's inventory, the chosen baseline and the built-in check
//! catalogue into a [`ReportDocument`] (the JSON structure, documented in [`document`]) and
//! writes it in the requested [`Format`] and [`Lang`]: HTML (cover, executive summary with
//! inline-SVG charts, per-provision table, per-device detail; A4 print CSS), JSON, CSV (one
//! row per finding, [`csv`]) or SARIF 2.1.0 ([`sarif`]). [`ReportInput::detail`] sets how much
//! of each device the HTML prints ([`Detail`]: everything, only the devices with findings
//! with remediation once per check in an appendix, or one row per device). [`render_diff`] writes the
//! [`diff::DiffDocument`] of two scans as JSON, HTML or CSV. UI strings come from
//! `data/i18n/{en,vi}.toml`, check titles and remediation from the check catalogue, provision
//! texts from the baseline.

pub mod attestation;
pub mod csv;
pub mod diff;
pub mod document;
mod escape;
mod html;
mod html_compact;
mod html_diff;
pub mod i18n;
mod lang;
pub mod sarif;
pub mod stats;
mod svg;

pub use document::{ReportDocument, SCHEMA, SCHEMA_MINOR, SCHEMA_VERSION};
pub use escape::escape_html;
pub use lang::{Detail, Format, Lang, ParseChoiceError};

use camguard_store::{InventoryDevice, ScanSummary, ScanTrend};
use chrono::{DateTime, Utc};

/// What a report is made from.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// When the report is generated (shown on the report).
    pub generated_at: DateTime<Utc>,
    /// Baseline the verdicts are judged against.
    pub baseline: &'a camguard_baseline::Baseline,
    /// Scans in the store, oldest first.
    pub scans: Vec<ScanSummary>,
    /// Latest state of every device, as returned by `Store::inventory`.
    pub devices: Vec<InventoryDevice>,
    /// Organisation the report is for (shown on the cover), if given.
    pub organisation: Option<String>,
    /// Per-scan totals, as returned by `Store::scan_trend` (empty: no trend chart).
    pub trend: Vec<ScanTrend>,
    /// How much per-device detail the HTML report prints (default [`Detail::Full`]).
    pub detail: Detail,
    /// Verdicts completed by documentary evidence (default none); a scanned `fail` stays.
    pub attestations: Vec<attestation::Attestation>,
}

impl<'a> ReportInput<'a> {
    /// An input without organisation and trend (set the public fields to add them).
    pub fn new(
        generated_at: DateTime<Utc>,
        baseline: &'a camguard_baseline::Baseline,
        scans: Vec<ScanSummary>,
        devices: Vec<InventoryDevice>,
    ) -> ReportInput<'a> {
        ReportInput {
            generated_at,
            baseline,
            scans,
            devices,
            organisation: None,
            trend: Vec::new(),
            detail: Detail::Full,
            attestations: Vec::new(),
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An embedded translation file is broken.
    #[error("translations for {lang}: {reason}")]
    Translations {
        /// Language code.
        lang: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The requested combination is not available.
    #[error("not supported: {what}")]
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },
    /// The document could not be serialised.
    #[error("cannot write the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Build the report document (the content of both formats).
pub fn document(input: &ReportInput<'_>, lang: Lang) -> ReportDocument {
    document::build(input, camguard_checks::Catalogue::builtin(), lang)
}

/// Render the report in `format` and `lang`.
pub fn render(input: &ReportInput<'_>, format: Format, lang: Lang) -> Result<String, ReportError> {
    render_with(input, camguard_checks::Catalogue::builtin(), format, lang)
}

/// Render the report with the texts of `catalogue` (the built-in one in [`render`]; a fixed
/// one keeps golden files independent of catalogue edits).
pub fn render_with(
    input: &ReportInput<'_>,
    catalogue: &camguard_checks::Catalogue,
    format: Format,
    lang: Lang,
) -> Result<String, ReportError> {
    let doc = document::build(input, catalogue, lang);
    match format {
        Format::Json => pretty_json(&doc),
        Format::Html => {
            let strings = i18n::Strings::load(lang)?;
            Ok(html::render(&doc, &strings, input.detail))
        }
        Format::Csv => Ok(csv::findings(&doc)),
        Format::Sarif => {
            let log = sarif::render(&doc, catalogue);
            pretty_json(&log)
        }
    }
}

/// `value` as indented JSON ending in a newline (the JSON and SARIF files).
fn pretty_json<T: serde::Serialize>(value: &T) -> Result<String, ReportError> {
    let mut out = serde_json::to_string_pretty(value)?;
    out.push('\n');
    Ok(out)
}

/// Build the diff document of two scans.
pub fn diff_document(input: &diff::DiffInput, lang: Lang) -> diff::DiffDocument {
    diff::build(input, camguard_checks::Catalogue::builtin(), lang)
}

/// Render the diff of two scans as JSON, HTML or CSV (SARIF has no notion of a diff).
pub fn render_diff(
    input: &diff::DiffInput,
    format: Format,
    lang: Lang,
) -> Result<String, ReportError> {
    render_diff_with(input, camguard_checks::Catalogue::builtin(), format, lang)
}

/// Render the diff with the texts of `catalogue`.
pub fn render_diff_with(
    input: &diff::DiffInput,
    catalogue: &camguard_checks::Catalogue,
    format: Format,
    lang: Lang,
) -> Result<String, ReportError> {
    let doc = diff::build(input, catalogue, lang);
    match format {
        Format::Json => pretty_json(&doc),
        Format::Html => {
            let strings = i18n::Strings::load(lang)?;
            Ok(html_diff::render(&doc, &strings))
        }
        Format::Csv => Ok(diff::csv(&doc)),
        Format::Sarif => Err(ReportError::Unsupported {
            what: "a diff report in SARIF (use json, html or csv)",
        }),
    }
}
