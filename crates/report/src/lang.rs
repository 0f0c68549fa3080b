//! Output format and language selection.

use std::fmt;
use std::str::FromStr;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One self-contained HTML page.
    Html,
    /// The documented JSON structure ([`crate::ReportDocument`]).
    Json,
    /// One row per finding (RFC 4180, formula-safe cells).
    Csv,
    /// SARIF 2.1.0, for security dashboards.
    Sarif,
}

/// Language of a report's texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Vietnamese.
    Vi,
}

impl Lang {
    /// ISO 639-1 code: `en` or `vi`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Vi => "vi",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A `--lang` or `--format` value camguard does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} (expected one of: {expected})")]
pub struct ParseChoiceError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl ParseChoiceError {
    /// Look `s` up (trimmed, any case) among `choices`, whose names are listed in
    /// `expected`; `what` names the setting in the error.
    fn choose<T: Copy>(
        s: &str,
        what: &'static str,
        choices: &[(&str, T)],
        expected: &'static str,
    ) -> Result<T, ParseChoiceError> {
        let wanted = s.trim().to_ascii_lowercase();
        choices
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|&(_, value)| value)
            .ok_or_else(|| ParseChoiceError {
                what,
                value: s.to_owned(),
                expected,
            })
    }
}

impl FromStr for Lang {
    type Err = ParseChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let choices = [("en", Lang::En), ("vi", Lang::Vi)];
        ParseChoiceError::choose(s, "language", &choices, "en, vi")
    }
}

/// How much per-device detail the HTML report prints (the other formats always carry all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Detail {
    /// Every device in detail, remediation next to each finding.
    #[default]
    Full,
    /// Detail only for devices with a finding or a failed provision; the others in one compact
    /// table; remediation once per check in an appendix.
    Failed,
    /// No per-device detail: every device in the compact table; remediation appendix.
    Summary,
}

impl Detail {
    /// The `--detail` value: `full`, `failed` or `summary`.
    pub fn name(self) -> &'static str {
        match self {
            Detail::Full => "full",
            Detail::Failed => "failed",
            Detail::Summary => "summary",
        }
    }
}

impl FromStr for Detail {
    type Err = ParseChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let choices = [
            ("full", Detail::Full),
            ("failed", Detail::Failed),
            ("summary", Detail::Summary),
        ];
        ParseChoiceError::choose(s, "report detail", &choices, "full, failed, summary")
    }
}

impl FromStr for Format {
    type Err = ParseChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let choices = [
            ("html", Format::Html),
            ("json", Format::Json),
            ("csv", Format::Csv),
            ("sarif", Format::Sarif),
        ];
        ParseChoiceError::choose(s, "report format", &choices, "html, json, csv, sarif")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_values_only() {
        assert_eq!("vi".parse::<Lang>(), Ok(Lang::Vi));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!("html".parse::<Format>(), Ok(Format::Html));
        assert_eq!("json".parse::<Format>(), Ok(Format::Json));
        let err = "pdf".parse::<Format>().unwrap_err();
        assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
        assert_eq!("sarif".parse::<Format>(), Ok(Format::Sarif));
        assert!(err.to_string().contains("html, json, csv, sarif"), "{err}");
        assert_eq!("failed".parse::<Detail>(), Ok(Detail::Failed));
        assert_eq!("Summary".parse::<Detail>(), Ok(Detail::Summary));
        assert_eq!(Detail::default(), Detail::Full);
        assert!("brief".parse::<Detail>().is_err());
    }
}
