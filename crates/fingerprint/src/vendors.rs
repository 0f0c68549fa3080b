//! Canonical vendor names: `[[vendor]]` alias lists and `[[unbranded]]` placeholder names
//! (what white-label devices put where a manufacturer belongs).

use std::collections::HashMap;

/// Lookup key for a vendor spelling: lower case, letters and digits only, so
/// `"HIKVISION"`, `"Hikvision "` and `"hik-vision"` meet.
pub fn vendor_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a vendor spelling resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Canonical(String),
    Unbranded,
}

/// Alias table. Later definitions override earlier ones, so a user rule directory can
/// re-map a spelling.
#[derive(Debug, Clone, Default)]
pub struct VendorTable {
    by_key: HashMap<String, Entry>,
}

impl VendorTable {
    /// Map `name` itself and every alias to the canonical `name`.
    pub fn add_vendor(&mut self, name: &str, aliases: &[String]) {
        let canonical = Entry::Canonical(name.trim().to_string());
        for spelling in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
            self.by_key.insert(vendor_key(spelling), canonical.clone());
        }
    }

    /// Declare spellings that mean "no particular vendor".
    pub fn add_unbranded(&mut self, names: &[String]) {
        for n in names {
            self.by_key.insert(vendor_key(n), Entry::Unbranded);
        }
    }

    /// The canonical spelling of `raw`: a known alias maps to its vendor (also when only the
    /// first word is known, as in `"Dahua Technology"`), a placeholder maps to `None`, and
    /// anything else is kept as written.
    pub fn canonicalize(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        let key = vendor_key(raw);
        if key.is_empty() {
            return None;
        }
        match self.by_key.get(&key) {
            Some(Entry::Canonical(c)) => return Some(c.clone()),
            Some(Entry::Unbranded) => return None,
            None => {}
        }
        let first = raw
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .map(vendor_key)
            .unwrap_or_default();
        if first.chars().count() >= 3 && first != key {
            if let Some(Entry::Canonical(c)) = self.by_key.get(&first) {
                return Some(c.clone());
            }
        }
        Some(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> VendorTable {
        let mut t = VendorTable::default();
        t.add_vendor(
            "Hikvision",
            &["HIKVISION".into(), "Hangzhou Hikvision".into()],
        );
        t.add_vendor("Dahua", &[]);
        t.add_unbranded(&["Generic".into(), "General".into()]);
        t
    }

    #[test]
    fn aliases_placeholders_and_unknowns() {
        let t = table();
        assert_eq!(t.canonicalize(" hikvision ").as_deref(), Some("Hikvision"));
        assert_eq!(
            t.canonicalize("HANGZHOU HIKVISION").as_deref(),
            Some("Hikvision")
        );
        assert_eq!(t.canonicalize("Dahua Technology").as_deref(), Some("Dahua"));
        assert_eq!(t.canonicalize("GENERIC"), None);
        assert_eq!(
            t.canonicalize("General Purpose"),
            Some("General Purpose".into())
        );
        assert_eq!(t.canonicalize("PythonCam").as_deref(), Some("PythonCam"));
        assert_eq!(t.canonicalize(" -- "), None);
    }

    #[test]
    fn later_definitions_override() {
        let mut t = table();
        t.add_vendor("Hikvision Digital", &["Hikvision".into()]);
        assert_eq!(
            t.canonicalize("hikvision").as_deref(),
            Some("Hikvision Digital")
        );
    }
}
