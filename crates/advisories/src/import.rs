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
    /// CVE ids of a KEV catalog marked `knownRansomwareCampaignUse: Known`.
    pub ransomware: Vec<String>,
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
    let mut ransomware = BTreeSet::new();
    let mut skipped = Vec::new();
    for v in list {
        match v.get("cveID").and_then(Value::as_str) {
            Some(id) if is_cve(id) => {
                kev.insert(id.to_string());
                let known = v
                    .get("knownRansomwareCampaignUse")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.trim().eq_ignore_ascii_case("known"));
                if known {
                    ransomware.insert(id.to_string());
                }
            }
            Some(id) => skipped.push(format!(
                "KEV entry {:?}: not a CVE id",
                id.chars().take(40).collect::<String>()
            )),
            None => skipped.push("KEV entry without cveID".into()),
        }
    }
    Imported {
        kev: kev.into_iter().collect(),
        ransomware: ransomware.into_iter().collect(),
        skipped,
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

/// One affected interval of a version range: `introduced` (>=), `last_affected` (<=),
/// `fixed` (<).
#[derive(Debug, Clone, Default, PartialEq)]
struct Bounds {
    introduced: Option<String>,
    last_affected: Option<String>,
    fixed: Option<String>,
}

/// Most constraints read from one `vers:` range.
const MAX_CONSTRAINTS: usize = 32;

/// A `vers:<scheme>/<c1>|<c2>|…` range (or the same constraints without the prefix) as
/// affected intervals. Constraints come in version order (the vers specification): `>=A`
/// opens an interval that the next `<B` or `<=B` closes; a lone `<B`/`<=B` is everything
/// below; `=A` or a bare `A` is one version. `None` for what cannot be expressed as bounds
/// (`*`, `>`, `!=`, an interval left open), so the product is skipped, not guessed.
fn range_bounds(range: &str) -> Option<Vec<Bounds>> {
    let r = range.trim();
    let r = r
        .strip_prefix("vers:")
        .map_or(r, |rest| rest.split_once('/').map_or(rest, |(_, c)| c));
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for (i, c) in r.split('|').enumerate() {
        if i >= MAX_CONSTRAINTS {
            return None;
        }
        // vers percent-encodes some characters; camera versions need only the space.
        let c = c.trim().replace("%20", " ");
        let version = |s: &str| -> Option<String> {
            let v = s.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        if let Some(v) = c.strip_prefix(">=") {
            if open.is_some() {
                return None;
            }
            open = Some(version(v)?);
        } else if let Some(v) = c.strip_prefix("<=") {
            out.push(Bounds {
                introduced: open.take(),
                last_affected: Some(version(v)?),
                fixed: None,
            });
        } else if let Some(v) = c.strip_prefix('<') {
            out.push(Bounds {
                introduced: open.take(),
                fixed: Some(version(v)?),
                last_affected: None,
            });
        } else if c.starts_with(['>', '!', '*']) || c.is_empty() || open.is_some() {
            return None;
        } else {
            let v = version(c.strip_prefix('=').unwrap_or(&c))?;
            out.push(Bounds {
                introduced: Some(v.clone()),
                last_affected: Some(v),
                fixed: None,
            });
        }
    }
    (open.is_none() && !out.is_empty()).then_some(out)
}

/// Model patterns for a CSAF product name: the name itself, without a leading vendor name and
/// without a trailing parenthesised description (`AVM1203 (IP Camera)` → `AVM1203`), and with
/// the lower-case `x` that advisories use for "any digit" in an upper-case designation
/// (`DS-2CD2xx2F-I` → `DS-2CD2??2F-I`).
fn model_patterns(vendor: &str, product: &str) -> Vec<String> {
    let mut name = product.trim().to_string();
    for prefix in [
        vendor.trim(),
        vendor.split_whitespace().next().unwrap_or_default(),
    ] {
        let head = name.get(..prefix.len());
        let rest = name.get(prefix.len()..).unwrap_or_default();
        if !prefix.is_empty()
            && head.is_some_and(|h| h.eq_ignore_ascii_case(prefix))
            && rest.starts_with(' ')
        {
            name = rest.trim().to_string();
            break;
        }
    }
    if name.ends_with(')') {
        if let Some(open) = name.rfind(" (") {
            name.truncate(open);
        }
    }
    let lower_besides_x = name.chars().any(|c| c.is_ascii_lowercase() && c != 'x');
    if !lower_besides_x && name.chars().any(|c| c.is_ascii_uppercase()) {
        let chars: Vec<char> = name.chars().collect();
        let near_digit = |i: usize| {
            let mut j = i;
            while j > 0 && chars[j - 1] == 'x' {
                j -= 1;
            }
            let mut k = i;
            while k + 1 < chars.len() && chars[k + 1] == 'x' {
                k += 1;
            }
            (j > 0 && chars[j - 1].is_ascii_digit())
                || chars.get(k + 1).is_some_and(char::is_ascii_digit)
        };
        name = chars
            .iter()
            .enumerate()
            .map(|(i, &c)| if c == 'x' && near_digit(i) { '?' } else { c })
            .collect();
    }
    let mut out = vec![name.clone()];
    if name != product.trim() {
        out.push(product.trim().to_string());
    }
    out.retain(|m| !m.is_empty());
    out
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
        let affected_ids: BTreeSet<&str> = ["known_affected", "first_affected", "last_affected"]
            .into_iter()
            .flat_map(ids)
            .collect();
        for id in affected_ids {
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
            let models = model_patterns(vendor, model);
            let intervals = match (&p.version, &p.range) {
                (Some(v), _) => vec![Bounds {
                    introduced: Some(v.clone()),
                    last_affected: Some(v.clone()),
                    fixed: None,
                }],
                (None, Some(r)) => match range_bounds(r) {
                    Some(b) => b,
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
            let bad = intervals
                .iter()
                .flat_map(|b| [&b.introduced, &b.last_affected, &b.fixed])
                .flatten()
                .find(|b| FirmwareVersion::parse(b).is_none());
            if let Some(bad) = bad {
                imported.skipped.push(format!(
                    "{cve}: {id}: version {bad:?} follows no known scheme"
                ));
                continue;
            }
            vendors.insert(vendor.clone());
            affected.extend(intervals.into_iter().map(|b| AffectedRange {
                models: models.clone(),
                introduced: b.introduced,
                last_affected: b.last_affected,
                fixed: b.fixed,
                ..Default::default()
            }));
        }
        if affected.is_empty() {
            imported
                .skipped
                .push(format!("{cve}: no importable affected product"));
            continue;
        }
        let fixed: BTreeSet<String> = ["fixed", "first_fixed"]
            .into_iter()
            .flat_map(ids)
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
        db.add_ransomware(self.ransomware);
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

    fn b(introduced: Option<&str>, last: Option<&str>, fixed: Option<&str>) -> Bounds {
        Bounds {
            introduced: introduced.map(Into::into),
            last_affected: last.map(Into::into),
            fixed: fixed.map(Into::into),
        }
    }

    #[test]
    fn vers_ranges() {
        assert_eq!(
            range_bounds("vers:generic/<1.2.3"),
            Some(vec![b(None, None, Some("1.2.3"))])
        );
        assert_eq!(
            range_bounds("<=V5.4.0 build 160530"),
            Some(vec![b(None, Some("V5.4.0 build 160530"), None)])
        );
        assert_eq!(
            range_bounds("vers:generic/>=1.0|<2.0"),
            Some(vec![b(Some("1.0"), None, Some("2.0"))])
        );
        assert_eq!(
            range_bounds("vers:intdot/>=5.2.0|<=5.4.0|>=5.5.0|<5.5.800|6.0.1"),
            Some(vec![
                b(Some("5.2.0"), Some("5.4.0"), None),
                b(Some("5.5.0"), None, Some("5.5.800")),
                b(Some("6.0.1"), Some("6.0.1"), None),
            ])
        );
        assert_eq!(
            range_bounds("vers:generic/<=V5.4.0%20build%20160530"),
            Some(vec![b(None, Some("V5.4.0 build 160530"), None)])
        );
        for unsupported in [
            "vers:all/*",
            "vers:generic/>1.0",
            "vers:generic/!=1.0",
            "vers:generic/>=1.0",
            "vers:generic/>=1.0|>=2.0|<3",
            "",
        ] {
            assert_eq!(range_bounds(unsupported), None, "{unsupported}");
        }
        let many = vec!["1.0"; MAX_CONSTRAINTS + 1].join("|");
        assert_eq!(range_bounds(&many), None);
    }

    proptest::proptest! {
        /// Hostile range strings and product names never panic, and every interval read has a
        /// bound.
        #[test]
        fn hostile_ranges_and_names_never_panic(r in ".{0,120}", v in ".{0,40}", p in ".{0,80}") {
            if let Some(intervals) = range_bounds(&r) {
                for i in intervals {
                    proptest::prop_assert!(
                        i.introduced.is_some() || i.last_affected.is_some() || i.fixed.is_some()
                    );
                }
            }
            let _ = model_patterns(&v, &p);
        }
    }

    #[test]
    fn product_names_become_model_patterns() {
        assert_eq!(
            model_patterns("AVTECH Security Corporation", "AVM1203 (IP Camera)"),
            ["AVM1203", "AVM1203 (IP Camera)"]
        );
        assert_eq!(
            model_patterns("Hikvision", "Hikvision DS-2CD2xx2F-I"),
            ["DS-2CD2??2F-I", "Hikvision DS-2CD2xx2F-I"]
        );
        assert_eq!(model_patterns("Axis", "P1346"), ["P1346"]);
        // Lower-case names keep their x: it is a letter there.
        assert_eq!(model_patterns("TP-Link", "Tapo C200 x2"), ["Tapo C200 x2"]);
        assert_eq!(model_patterns("X", "XNO-6080R"), ["XNO-6080R"]);
    }
}
