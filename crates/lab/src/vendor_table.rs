//! Per-vendor fact tables of `data/lab/*.toml`: one `[default]` entry and `[[vendor]]`
//! entries, each with a `source`; a vendor without an entry gets the default.
//!
//! `certificates.toml` (certs) and `discovery.toml` (ssdp, wsd) have this shape.

use crate::error::LabError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::OnceLock;

/// One entry of a vendor table.
pub(crate) trait VendorEntry {
    /// Canonical vendor name (`None` for the default entry).
    fn vendor(&self) -> Option<&str>;
    /// Provenance of the entry's facts.
    fn source(&self) -> &str;
}

/// A parsed vendor table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "T: Deserialize<'de>"))]
pub(crate) struct VendorTable<T> {
    default: T,
    #[serde(default)]
    vendor: Vec<T>,
}

impl<T: VendorEntry + DeserializeOwned> VendorTable<T> {
    /// Parse `text`; every entry must have a non-empty `source` and pass `check` (which gets
    /// the entry's name, `default` for the default entry).
    pub(crate) fn parse(
        text: &str,
        check: impl Fn(&str, &T) -> Result<(), String>,
    ) -> Result<VendorTable<T>, String> {
        let table: VendorTable<T> = toml::from_str(text).map_err(|e| e.to_string())?;
        for entry in table.entries() {
            let name = entry.vendor().unwrap_or("default");
            if entry.source().trim().is_empty() {
                return Err(format!(
                    "{name}: `source` must say where the facts come from"
                ));
            }
            check(name, entry)?;
        }
        Ok(table)
    }

    /// Parse `text` once into `cell`; a bad table is a [`LabError::Personality`] naming `file`.
    pub(crate) fn cached(
        cell: &'static OnceLock<Result<VendorTable<T>, String>>,
        file: &str,
        text: &str,
        check: impl Fn(&str, &T) -> Result<(), String>,
    ) -> Result<&'static VendorTable<T>, LabError> {
        cell.get_or_init(|| VendorTable::parse(text, check))
            .as_ref()
            .map_err(|message| LabError::Personality {
                name: file.into(),
                message: message.clone(),
            })
    }

    /// The entry of `vendor` (case-insensitive), or the default entry.
    pub(crate) fn for_vendor(&self, vendor: &str) -> &T {
        self.vendor
            .iter()
            .find(|f| f.vendor().is_some_and(|v| v.eq_ignore_ascii_case(vendor)))
            .unwrap_or(&self.default)
    }

    /// The default entry, then every vendor entry.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &T> {
        std::iter::once(&self.default).chain(&self.vendor)
    }

    /// Number of vendor entries (the default not counted).
    #[cfg(test)]
    pub(crate) fn vendor_count(&self) -> usize {
        self.vendor.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Entry {
        #[serde(default)]
        vendor: Option<String>,
        port: u16,
        source: String,
    }

    impl VendorEntry for Entry {
        fn vendor(&self) -> Option<&str> {
            self.vendor.as_deref()
        }
        fn source(&self) -> &str {
            &self.source
        }
    }

    const TEXT: &str = "[default]\nport = 1\nsource = \"d\"\n\n\
                        [[vendor]]\nvendor = \"Axis\"\nport = 2\nsource = \"s\"\n";

    #[test]
    fn lookup_falls_back_to_default() {
        let t = VendorTable::<Entry>::parse(TEXT, |_, _| Ok(())).expect("parses");
        assert_eq!(t.for_vendor("axis").port, 2);
        assert_eq!(t.for_vendor("Nobody").port, 1);
        assert_eq!(t.entries().count(), 2);
        assert_eq!(t.vendor_count(), 1);
    }

    #[test]
    fn missing_source_and_failed_check_are_named() {
        let no_source = TEXT.replace("source = \"s\"", "source = \" \"");
        let e = VendorTable::<Entry>::parse(&no_source, |_, _| Ok(())).expect_err("no source");
        assert!(e.starts_with("Axis: `source`"), "{e}");
        let e = VendorTable::<Entry>::parse(TEXT, |name, f| {
            (f.port != 2)
                .then_some(())
                .ok_or(format!("{name}: bad port"))
        })
        .expect_err("check");
        assert_eq!(e, "Axis: bad port");
    }
}
