//! Reading a list file (CSV or JSON) into a validated [`RegistryList`], with its provenance.

use crate::csv;
use crate::entry::{Entry, ListKind};
use crate::error::RegistryError;
use crate::json;
use crate::list::RegistryList;
use sha2::{Digest, Sha256};

/// Largest list file imported.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Most entries in one list.
pub const MAX_ENTRIES: usize = 100_000;

/// File format of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON document (see [`crate::json`]).
    Json,
}

impl Format {
    /// The format a file name suggests (`.csv`, `.json`), else the one its content looks like
    /// (JSON starts with `{` or `[`).
    pub fn detect(file_name: &str, text: &str) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        match text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next()
        {
            Some('{') | Some('[') => Format::Json,
            _ => Format::Csv,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?} (csv or json)")),
        }
    }
}

/// Where an imported list came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// File name as given.
    pub file_name: String,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

impl Provenance {
    /// The provenance of `bytes` read from `file_name`.
    pub fn of(file_name: &str, bytes: &[u8]) -> Provenance {
        Provenance {
            file_name: file_name.to_string(),
            sha256: hex::encode(Sha256::digest(bytes)),
        }
    }
}

/// Parse a list file of `kind`. Every entry is validated; the first invalid one fails the
/// whole file (a list is imported whole or not at all).
pub fn parse_file(
    kind: ListKind,
    text: &str,
    format: Format,
) -> Result<RegistryList, RegistryError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(RegistryError::TooLarge(format!(
            "larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    let entries = match format {
        Format::Json => {
            let doc = json::parse(text)?;
            if let Some(found) = doc.list {
                if found != kind {
                    return Err(RegistryError::WrongList {
                        found: found.to_string(),
                        wanted: kind.to_string(),
                    });
                }
            }
            doc.entries
                .into_iter()
                .map(|mut e| {
                    if e.source.trim().is_empty() {
                        e.source = doc.source.clone().unwrap_or_default();
                    }
                    e.date = e.date.or_else(|| doc.date.clone());
                    e.issuer = e.issuer.or_else(|| doc.issuer.clone());
                    e
                })
                .collect::<Vec<_>>()
        }
        Format::Csv => from_csv(text)?,
    };
    if entries.len() > MAX_ENTRIES {
        return Err(RegistryError::TooLarge(format!(
            "more than {MAX_ENTRIES} entries"
        )));
    }
    let entries: Vec<Entry> = entries.into_iter().map(Entry::tidy).collect();
    for (i, e) in entries.iter().enumerate() {
        e.validate().map_err(|reason| RegistryError::Invalid {
            index: i + 1,
            reason,
        })?;
    }
    Ok(RegistryList::from_entries(kind, entries))
}

/// CSV columns, in export order; `variants` are separated by `;`.
pub const CSV_COLUMNS: [&str; 8] = [
    "vendor",
    "model",
    "variants",
    "reference",
    "issuer",
    "date",
    "source",
    "note",
];

fn from_csv(text: &str) -> Result<Vec<Entry>, RegistryError> {
    let records = csv::parse(text)?;
    let Some((header, rows)) = records.split_first() else {
        return Ok(Vec::new());
    };
    let mut columns = Vec::with_capacity(header.len());
    for name in header {
        let n = name.trim().to_ascii_lowercase();
        let n = match n.as_str() {
            "certificate" | "notice" | "id" => "reference".to_string(),
            "manufacturer" => "vendor".to_string(),
            _ => n,
        };
        if !CSV_COLUMNS.contains(&n.as_str()) {
            return Err(RegistryError::Csv {
                line: 1,
                reason: format!(
                    "unknown column {name:?} (columns: {})",
                    CSV_COLUMNS.join(", ")
                ),
            });
        }
        if columns.contains(&n) {
            return Err(RegistryError::Csv {
                line: 1,
                reason: format!("column {n:?} twice"),
            });
        }
        columns.push(n);
    }
    for required in ["vendor", "model", "source"] {
        if !columns.iter().any(|c| c == required) {
            return Err(RegistryError::Csv {
                line: 1,
                reason: format!("no {required:?} column"),
            });
        }
    }
    let mut entries = Vec::with_capacity(rows.len().min(MAX_ENTRIES + 1));
    for (i, row) in rows.iter().enumerate() {
        if entries.len() > MAX_ENTRIES {
            break;
        }
        if row.len() > columns.len() {
            return Err(RegistryError::Invalid {
                index: i + 1,
                reason: format!("{} fields for {} columns", row.len(), columns.len()),
            });
        }
        let mut e = Entry::default();
        for (col, value) in columns.iter().zip(row) {
            let v = value.clone();
            match col.as_str() {
                "vendor" => e.vendor = v,
                "model" => e.model = v,
                "variants" => e.variants = v.split(';').map(str::to_string).collect(),
                "reference" => e.reference = Some(v),
                "issuer" => e.issuer = Some(v),
                "date" => e.date = Some(v),
                "source" => e.source = v,
                _ => e.note = Some(v),
            }
        }
        entries.push(e);
    }
    Ok(entries)
}

/// Write entries as CSV with the [`CSV_COLUMNS`] header.
pub fn to_csv(entries: &[Entry]) -> String {
    let mut out = csv::record(&CSV_COLUMNS);
    for e in entries {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        out.push_str(&csv::record(&[
            e.vendor.clone(),
            e.model.clone(),
            e.variants.join(";"),
            opt(&e.reference),
            opt(&e.issuer),
            opt(&e.date),
            e.source.clone(),
            opt(&e.note),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RegistryList {
        let text = "vendor,model,variants,certificate,issuer,date,source,note\n\
            Hikvision,DS-2CD2143G2-I,DS-2CD2143G2-I(*MM);DS-2CD2143G2-I/EU,EXAMPLE-1,Example body,2026-01-15,https://example.invalid/list,\"lens codes only, not -IS\"\n\
            Dahua,IPC-HDW2431T-AS-S2,,,,,example,\n";
        parse_file(ListKind::Certified, text, Format::Csv).expect("valid CSV")
    }

    #[test]
    fn csv_import_reads_every_column() {
        let l = sample();
        assert_eq!(l.entries().len(), 2);
        let e = &l.entries()[0];
        assert_eq!(e.variants, ["DS-2CD2143G2-I(*MM)", "DS-2CD2143G2-I/EU"]);
        assert_eq!(e.reference.as_deref(), Some("EXAMPLE-1"));
        assert_eq!(e.date.as_deref(), Some("2026-01-15"));
        assert_eq!(e.note.as_deref(), Some("lens codes only, not -IS"));
        assert_eq!(l.entries()[1].reference, None, "empty cells are absent");
        assert!(l.entries()[1].variants.is_empty());
    }

    #[test]
    fn csv_and_json_exports_read_back_equal() {
        let l = sample();
        let csv = to_csv(l.entries());
        assert_eq!(
            parse_file(ListKind::Certified, &csv, Format::Csv).expect("csv"),
            l
        );
        let json = json::write(ListKind::Certified, l.entries());
        assert_eq!(
            parse_file(ListKind::Certified, &json, Format::Json).expect("json"),
            l
        );
        // A certified list is not imported as a warning list.
        assert!(matches!(
            parse_file(ListKind::Warned, &json, Format::Json),
            Err(RegistryError::WrongList { .. })
        ));
    }

    #[test]
    fn json_list_defaults_fill_entries() {
        let text = r#"{"list": "warned", "source": "notice 1", "date": "2026-02-01", "issuer": "X",
            "entries": [{"vendor": "V", "model": "M", "source": ""}]}"#;
        let l = parse_file(ListKind::Warned, text, Format::Json).expect("valid");
        assert_eq!(l.entries()[0].source, "notice 1");
        assert_eq!(l.entries()[0].date.as_deref(), Some("2026-02-01"));
        assert_eq!(l.entries()[0].issuer.as_deref(), Some("X"));
    }

    #[test]
    fn bad_files_name_the_problem() {
        let cases = [
            ("vendor,model\nV,M\n", "no \"source\" column"),
            ("vendor,model,source,colour\nV,M,s,red\n", "unknown column"),
            ("vendor,model,source\nV,,s\n", "entry 1: model is empty"),
            (
                "vendor,model,source\nV,M,s,extra\n",
                "4 fields for 3 columns",
            ),
            (
                "vendor,model,source,date\nV,M,s,2026/01/01\n",
                "not YYYY-MM-DD",
            ),
        ];
        for (text, want) in cases {
            let e = parse_file(ListKind::Certified, text, Format::Csv).expect_err(text);
            assert!(e.to_string().contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn the_shipped_example_lists_load_and_say_they_are_examples() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/registries");
        for (file, kind) in [
            ("example-certified.csv", ListKind::Certified),
            ("example-warned.json", ListKind::Warned),
        ] {
            let text = std::fs::read_to_string(dir.join(file)).expect(file);
            assert!(text.contains("EXAMPLE"), "{file} must say it is an example");
            let l = parse_file(kind, &text, Format::detect(file, &text)).expect(file);
            assert!(!l.entries().is_empty(), "{file}");
            for e in l.entries() {
                let r = e.reference.as_deref().unwrap_or_default();
                assert!(
                    r.starts_with("EXAMPLE-"),
                    "{file}: {r:?} is not an example id"
                );
                assert!(e.source.contains("EXAMPLE"), "{file}: {}", e.source);
            }
        }
    }

    proptest::proptest! {
        /// Hostile list files never panic; whatever is accepted is valid.
        #[test]
        fn hostile_files_never_panic(text in ".{0,300}", json in proptest::bool::ANY) {
            let format = if json { Format::Json } else { Format::Csv };
            let header = "vendor,model,source\n";
            for t in [text.clone(), format!("{header}{text}")] {
                if let Ok(l) = parse_file(ListKind::Warned, &t, format) {
                    for e in l.entries() {
                        proptest::prop_assert!(e.validate().is_ok());
                    }
                }
            }
        }
    }

    #[test]
    fn format_detection() {
        assert_eq!(Format::detect("a.JSON", ""), Format::Json);
        assert_eq!(Format::detect("a.csv", "{"), Format::Csv);
        assert_eq!(Format::detect("-", " [ ]"), Format::Json);
        assert_eq!(Format::detect("list.txt", "vendor,model"), Format::Csv);
    }

    #[test]
    fn provenance_is_the_sha256_of_the_bytes() {
        let p = Provenance::of("x.csv", b"abc");
        assert_eq!(
            p.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
