//! Import of public advisory formats into the database format: CSAF 2.0 documents and the
//! CISA Known Exploited Vulnerabilities (KEV) catalog, both JSON.

use crate::db::{Advisory, AffectedRange, Database};
use crate::version::FirmwareVersion;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Deepest product-tree nesting followed (CSAF trees are a few levels deep).
const MAX_DEPTH: usize = 16;

/// Why a document could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not JSON.
    #[error("not JSON")]
    Json(#[from] serde_json::Error),
    /// JSON, but neither a CSAF 2.0 document nor a KEV catalog.
    #[error("neither a CSAF 2.0 document (document.csaf_version) nor a CISA KEV catalog (vulnerabilities[].cveID)")]
    Unknown,
}

/// What an import produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// Advisories converted from a CSAF document.
    pub advisories: Vec<Advisory>,
    /// CVE ids listed in a KEV catalog.
    pub kev: Vec<String>,
    /// Things skipped, one line each (e.g. a version in no known scheme).
    pub skipped: Vec<String>,
}

/// Import a CSAF 2.0 document or a CISA KEV catalog (detected from its content).
pub fn import_json(text: &str) -> Result<Imported, ImportError> {
    let doc: Value = serde_json::from_str(text)?;
    if doc.pointer("/document/csaf_version").is_some() {
        return Ok(from_csaf(&doc));
    }
    if let Some(list) = doc.get("vulnerabilities").and_then(Value::as_array) {
        if list.iter().any(|v| v.get("cveID").is_some()) {
            return Ok(from_kev(list));
        }
    }
    Err(ImportError::Unknown)
}

fn from_kev(list: &[Value]) -> Imported {
    let mut kev = BTreeSet::new();
    for v in list {
        if let Some(id) = v.get("cveID").and_then(Value::as_str) {
            if is_cve(id) {
                kev.insert(id.to_string());
            }
        }
    }
    Imported {
        kev: kev.into_iter().collect(),
        ..Default::default()
    }
}

fn is_cve(id: &str) -> bool {
    let mut parts = id.split('-');
    parts.next() == Some("CVE")
        && parts
            .next()
            .is_some_and(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()))
        && parts
            .next()
            .is_some_and(|n| n.len() >= 4 && n.chars().all(|c| c.is_ascii_digit()))
        && parts.next().is_none()
}

/// One leaf of the product tree: vendor, product and a version or version range.
#[derive(Debug, Clone, Default)]
struct Product {
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    range: Option<String>,
}

fn walk(node: &Value, path: &Product, depth: usize, out: &mut BTreeMap<String, Product>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(branches) = node.get("branches").and_then(Value::as_array) else {
        return;
    };
    for b in branches {
        let name = b.get("name").and_then(Value::as_str).map(str::to_string);
        let mut here = path.clone();
        match b.get("category").and_then(Value::as_str) {
            Some("vendor") => here.vendor = name,
            Some("product_name") | Some("product_family") => here.product = name,
            Some("product_version") => here.version = name,
            Some("product_version_range") => here.range = name,
            _ => {}
        }
        if let Some(id) = b.pointer("/product/product_id").and_then(Value::as_str) {
            out.insert(id.to_string(), here.clone());
        }
        walk(b, &here, depth + 1, out);
    }
}

/// `vers:<scheme>/<constraint>` or a bare `<`/`<=` constraint → (last_affected, fixed).
fn range_bounds(range: &str) -> Option<(Option<String>, Option<String>)> {
    let r = range.trim();
    let r = r
        .strip_prefix("vers:")
        .map_or(r, |rest| rest.split_once('/').map_or(rest, |(_, c)| c));
    if let Some(v) = r.strip_prefix("<=") {
        return Some((Some(v.trim().to_string()), None));
    }
    r.strip_prefix('<')
        .map(|v| (None, Some(v.trim().to_string())))
}

fn from_csaf(doc: &Value) -> Imported {
    let mut products = BTreeMap::new();
    if let Some(tree) = doc.get("product_tree") {
        walk(tree, &Product::default(), 0, &mut products);
    }
    let tracking = doc
        .pointer("/document/tracking/id")
        .and_then(Value::as_str)
        .unwrap_or("CSAF document");
    let publisher = doc
        .pointer("/document/publisher/name")
        .and_then(Value::as_str)
        .unwrap_or("unknown publisher");
    let mut imported = Imported::default();
    for vuln in doc
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(cve) = vuln
            .get("cve")
            .and_then(Value::as_str)
            .filter(|c| is_cve(c))
        else {
            imported
                .skipped
                .push("a vulnerability without a CVE id".into());
            continue;
        };
        let ids = |key: &str| -> Vec<&str> {
            vuln.pointer(&format!("/product_status/{key}"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        };
        let mut vendors = BTreeSet::new();
        let mut affected = Vec::new();
        for id in ids("known_affected") {
            let Some(p) = products.get(id) else {
                imported
                    .skipped
                    .push(format!("{cve}: product {id} not in the product tree"));
                continue;
            };
            let (Some(vendor), Some(model)) = (&p.vendor, &p.product) else {
                imported.skipped.push(format!(
                    "{cve}: product {id} without vendor and product name"
                ));
                continue;
            };
            let range = match (&p.version, &p.range) {
                (Some(v), _) => AffectedRange {
                    models: vec![model.clone()],
                    introduced: Some(v.clone()),
                    last_affected: Some(v.clone()),
                    ..Default::default()
                },
                (None, Some(r)) => match range_bounds(r) {
                    Some((last_affected, fixed)) => AffectedRange {
                        models: vec![model.clone()],
                        last_affected,
                        fixed,
                        ..Default::default()
                    },
                    None => {
                        imported
                            .skipped
                            .push(format!("{cve}: {id}: range {r:?} not understood"));
                        continue;
                    }
                },
                (None, None) => {
                    imported.skipped.push(format!("{cve}: {id}: no version"));
                    continue;
                }
            };
            let bounds = [&range.introduced, &range.last_affected, &range.fixed];
            if let Some(bad) = bounds
                .into_iter()
                .flatten()
                .find(|b| FirmwareVersion::parse(b).is_none())
            {
                imported.skipped.push(format!(
                    "{cve}: {id}: version {bad:?} follows no known scheme"
                ));
                continue;
            }
            vendors.insert(vendor.clone());
            affected.push(range);
        }
        if affected.is_empty() {
            imported
                .skipped
                .push(format!("{cve}: no importable affected product"));
            continue;
        }
        let fixed: BTreeSet<String> = ids("fixed")
            .into_iter()
            .filter_map(|id| products.get(id))
            .filter_map(|p| p.version.clone())
            .collect();
        let score = vuln
            .get("scores")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|s| s.get("cvss_v3"));
        let cvss = score
            .and_then(|s| s.get("baseScore"))
            .and_then(Value::as_f64)
            .filter(|c| (0.0..=10.0).contains(c));
        let url = vuln
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                doc.pointer("/document/references")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .find_map(|r| r.get("url").and_then(Value::as_str));
        imported.advisories.push(Advisory {
            id: cve.to_string(),
            vendors: vendors.into_iter().collect(),
            title: vuln
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(cve)
                .chars()
                .take(300)
                .collect(),
            cvss: cvss.unwrap_or(0.0),
            cvss_vector: score
                .and_then(|s| s.get("vectorString"))
                .and_then(Value::as_str)
                .map(str::to_string),
            kev: false,
            fixed: fixed.into_iter().collect(),
            affected,
            source: match url {
                Some(u) => format!("CSAF {tracking} ({publisher}) {u}"),
                None => format!("CSAF {tracking} ({publisher})"),
            },
            uncertain: if cvss.is_some() {
                vec![]
            } else {
                vec!["cvss".into()]
            },
        });
    }
    imported
}

impl Imported {
    /// The imported advisories and KEV ids as one database (KEV ids mark advisories of this
    /// database and of any database it is later merged into).
    pub fn into_database(self) -> Database {
        let mut db = Database::default();
        for a in self.advisories {
            db.insert(a);
        }
        db.add_kev(self.kev);
        db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_json_is_refused_without_panicking() {
        assert!(matches!(import_json("{"), Err(ImportError::Json(_))));
        assert!(matches!(import_json("{}"), Err(ImportError::Unknown)));
        assert!(matches!(import_json("[1,2]"), Err(ImportError::Unknown)));
    }

    #[test]
    fn import_error_display_does_not_repeat_its_source() {
        let e = import_json("{").expect_err("not JSON");
        let source = std::error::Error::source(&e).expect("parser error kept as source");
        assert!(!e.to_string().contains(&source.to_string()), "{e}");
        let deep = "{\"document\":{\"csaf_version\":\"2.0\"},\"product_tree\":".to_string()
            + &"{\"branches\":[".repeat(60)
            + &"]}".repeat(60)
            + "}";
        assert!(import_json(&deep)
            .expect("valid JSON")
            .advisories
            .is_empty());
    }

    #[test]
    fn vers_ranges() {
        assert_eq!(
            range_bounds("vers:generic/<1.2.3"),
            Some((None, Some("1.2.3".into())))
        );
        assert_eq!(
            range_bounds("<=V5.4.0 build 160530"),
            Some((Some("V5.4.0 build 160530".into()), None))
        );
        assert_eq!(range_bounds("vers:generic/>=1.0|<2.0"), None);
    }
}
