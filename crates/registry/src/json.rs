//! The JSON form of a list: `{"list": "certified", "source": …, "date": …, "entries": [ … ]}`
//! (list-level `source`/`date`/`issuer` fill entries that lack them), or a bare array of entries.

use crate::entry::{Entry, ListKind};
use crate::error::RegistryError;
use serde::{Deserialize, Serialize};

/// A list document as written to and read from JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Which list this is; checked against the list asked for when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListKind>,
    /// Title of the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Default source of the entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Default date of the entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Default issuer of the entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Free text about the list (e.g. that it is an example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The entries.
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AnyDocument {
    Full(Document),
    Bare(Vec<Entry>),
}

/// Parse a JSON list document (or a bare array of entries).
pub fn parse(text: &str) -> Result<Document, RegistryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Parse once to a value so errors name the JSON problem, not the untagged enum.
    let value: serde_json::Value = serde_json::from_str(text)?;
    Ok(match value {
        serde_json::Value::Array(_) => Document {
            entries: serde_json::from_value(value)?,
            ..Default::default()
        },
        _ => match serde_json::from_value::<AnyDocument>(value.clone()) {
            Ok(AnyDocument::Full(d)) => d,
            Ok(AnyDocument::Bare(entries)) => Document {
                entries,
                ..Default::default()
            },
            // Re-run the precise deserializer for a useful message.
            Err(_) => serde_json::from_value::<Document>(value)?,
        },
    })
}

/// Write a list as a JSON document.
pub fn write(kind: ListKind, entries: &[Entry]) -> String {
    let doc = Document {
        list: Some(kind),
        entries: entries.to_vec(),
        ..Default::default()
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_bare_documents() {
        let full = r#"{"list": "warned", "source": "notice", "entries": [
            {"vendor": "V", "model": "M", "source": "s"}]}"#;
        let d = parse(full).expect("full");
        assert_eq!(d.list, Some(ListKind::Warned));
        assert_eq!(d.entries.len(), 1);
        let bare = r#"[{"vendor": "V", "model": "M", "source": "s", "variants": ["M-*"]}]"#;
        assert_eq!(parse(bare).expect("bare").entries[0].variants, ["M-*"]);
        for bad in [
            "{",
            "{}",
            r#"{"entries": [{"vendor": "V"}]}"#,
            r#"{"entries": [], "colour": 1}"#,
            r#"{"list": "banned", "entries": []}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
