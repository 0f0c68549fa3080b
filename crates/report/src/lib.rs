//! camguard report stage: the inventory as one self-contained HTML page or as JSON.
//!
//! [`render`] turns the store's inventory, the chosen baseline and the built-in check
//! catalogue into a [`ReportDocument`] (the JSON structure, documented in [`document`]) and
//! writes it in the requested [`Format`] and [`Lang`]. UI strings come from
//! `data/i18n/{en,vi}.toml`, check titles and remediation from the check catalogue, provision
//! texts from the baseline.

pub mod document;
mod escape;
mod html;
pub mod i18n;
mod lang;

pub use document::{ReportDocument, SCHEMA, SCHEMA_VERSION};
pub use escape::escape_html;
pub use lang::{Format, Lang, ParseChoiceError};

use camguard_store::{InventoryDevice, ScanSummary};
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
    let doc = document(input, lang);
    match format {
        Format::Json => {
            let mut out = serde_json::to_string_pretty(&doc)?;
            out.push('\n');
            Ok(out)
        }
        Format::Html => {
            let strings = i18n::Strings::load(lang)?;
            Ok(html::render(&doc, &strings))
        }
    }
}
