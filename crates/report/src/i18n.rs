//! UI strings of the report, from `data/i18n/<lang>.toml` (embedded).

use crate::lang::Lang;
use crate::ReportError;
use std::collections::BTreeMap;

const EN: &str = include_str!("../../../data/i18n/en.toml");
const VI: &str = include_str!("../../../data/i18n/vi.toml");

/// The embedded translation file of a language.
pub(crate) fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => EN,
        Lang::Vi => VI,
    }
}

/// Translated strings by dotted key (`section.key`).
#[derive(Debug, Clone)]
pub struct Strings {
    map: BTreeMap<String, String>,
}

impl Strings {
    /// The strings of `lang`.
    pub fn load(lang: Lang) -> Result<Strings, ReportError> {
        Strings::parse(source(lang)).map_err(|reason| ReportError::Translations {
            lang: lang.code(),
            reason,
        })
    }

    /// Parse a translation file: tables of string values, flattened to `table.key`.
    pub fn parse(text: &str) -> Result<Strings, String> {
        let value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut map = BTreeMap::new();
        flatten("", &value, &mut map)?;
        Ok(Strings { map })
    }

    /// The string for `key`, or the key itself when missing (the key-parity test keeps this
    /// from happening in a release).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map_or(key, String::as_str)
    }

    /// The string for `key`, if the file has one.
    pub fn lookup(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// All keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out)?,
            other => {
                return Err(format!(
                    "{key}: expected a string, found {}",
                    other.type_str()
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let en = Strings::load(Lang::En).unwrap();
        let vi = Strings::load(Lang::Vi).unwrap();
        let en_keys: Vec<&str> = en.keys().collect();
        let vi_keys: Vec<&str> = vi.keys().collect();
        let only_en: Vec<_> = en_keys.iter().filter(|k| !vi_keys.contains(k)).collect();
        let only_vi: Vec<_> = vi_keys.iter().filter(|k| !en_keys.contains(k)).collect();
        assert!(only_en.is_empty(), "missing in vi.toml: {only_en:?}");
        assert!(only_vi.is_empty(), "missing in en.toml: {only_vi:?}");
        assert!(
            en_keys.len() > 50,
            "suspiciously few keys: {}",
            en_keys.len()
        );
    }

    #[test]
    fn every_string_is_non_empty_and_vietnamese_is_translated() {
        let en = Strings::load(Lang::En).unwrap();
        let vi = Strings::load(Lang::Vi).unwrap();
        for key in en.keys() {
            assert!(!en.get(key).trim().is_empty(), "en {key} empty");
            assert!(!vi.get(key).trim().is_empty(), "vi {key} empty");
        }
        assert!(en.get("meta.source").len() > 20 && vi.get("meta.source").len() > 20);
        // Real Vietnamese carries diacritics; most strings must have some.
        let with_marks = vi.keys().filter(|k| !vi.get(k).is_ascii()).count();
        assert!(
            with_marks * 10 >= vi.keys().count() * 8,
            "{with_marks} strings with diacritics"
        );
    }

    #[test]
    fn baseline_status_words_are_translated() {
        for lang in [Lang::En, Lang::Vi] {
            let s = Strings::load(lang).unwrap();
            for status in [
                camguard_baseline::STATUS_MANDATORY,
                camguard_baseline::STATUS_RECOMMENDED,
            ] {
                let key = format!("baseline_status.{status}");
                assert!(s.lookup(&key).is_some(), "{lang}: {key}");
            }
        }
    }

    #[test]
    fn malformed_files_are_rejected() {
        assert!(Strings::parse("[a]\nb = 3\n").unwrap_err().contains("a.b"));
        assert!(Strings::parse("a = ").is_err());
        let s = Strings::parse("[a]\nb = \"x\"\n").unwrap();
        assert_eq!(s.get("a.b"), "x");
        assert_eq!(s.get("a.c"), "a.c");
    }
}
