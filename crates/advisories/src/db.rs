//! The advisory database: `data/advisories/*.toml`, embedded, plus user directories.

use crate::glob;
use crate::version::FirmwareVersion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// The bundled advisory files, embedded at build time.
const BUILTIN: &[(&str, &str)] = &[
    (
        "hikvision.toml",
        include_str!("../../../data/advisories/hikvision.toml"),
    ),
    (
        "dahua.toml",
        include_str!("../../../data/advisories/dahua.toml"),
    ),
    (
        "xiongmai.toml",
        include_str!("../../../data/advisories/xiongmai.toml"),
    ),
    (
        "tplink.toml",
        include_str!("../../../data/advisories/tplink.toml"),
    ),
    (
        "avtech.toml",
        include_str!("../../../data/advisories/avtech.toml"),
    ),
    (
        "reolink.toml",
        include_str!("../../../data/advisories/reolink.toml"),
    ),
    (
        "uniview.toml",
        include_str!("../../../data/advisories/uniview.toml"),
    ),
    (
        "tvt.toml",
        include_str!("../../../data/advisories/tvt.toml"),
    ),
    (
        "axis.toml",
        include_str!("../../../data/advisories/axis.toml"),
    ),
];

/// Largest advisory file read from disk.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// One advisory: a CVE (or vendor id) and the firmware it affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    /// `CVE-YYYY-NNNN` (or a vendor advisory id when no CVE exists).
    pub id: String,
    /// Vendor names it applies to (canonical spelling as identified; OEM brands listed too).
    pub vendors: Vec<String>,
    /// One-line description.
    pub title: String,
    /// CVSS base score (v3.x unless `cvss_vector` says otherwise).
    pub cvss: f64,
    /// CVSS vector, when known.
    #[serde(default)]
    pub cvss_vector: Option<String>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    #[serde(default)]
    pub kev: bool,
    /// First fixed firmware version(s), as the vendor names them.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// Affected ranges; the advisory applies when any range does.
    pub affected: Vec<AffectedRange>,
    /// Provenance (advisory ids, URLs).
    pub source: String,
    /// Fields recalled rather than checked against the primary source (e.g. `["kev"]`).
    #[serde(default)]
    pub uncertain: Vec<String>,
}

/// Models and firmware one affected range covers. Every bound given must hold, and must be
/// decidable for the device's firmware: an incomparable bound never matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffectedRange {
    /// Model patterns (`*`, `?`; case-insensitive). `["*"]` = every model of the vendor.
    pub models: Vec<String>,
    /// First affected version (inclusive).
    #[serde(default)]
    pub introduced: Option<String>,
    /// Last affected version (inclusive).
    #[serde(default)]
    pub last_affected: Option<String>,
    /// First fixed version (exclusive upper bound).
    #[serde(default)]
    pub fixed: Option<String>,
    /// Builds dated before this `YYYY-MM-DD` are affected.
    #[serde(default)]
    pub build_before: Option<String>,
    /// How the range was derived, when not verbatim from the source.
    #[serde(default)]
    pub note: Option<String>,
}

/// Why advisories could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A file is not valid TOML of the advisory shape.
    #[error("{file}: not a valid advisory file")]
    Parse {
        /// File name.
        file: String,
        /// Parser error.
        source: toml::de::Error,
    },
    /// An advisory breaks a rule of the format.
    #[error("{file}: advisory {id:?}: {reason}")]
    Invalid {
        /// File name.
        file: String,
        /// Advisory id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory could not be read.
    #[error("{path}: read failed")]
    Io {
        /// Path.
        path: String,
        /// I/O error.
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvisoryFile {
    /// CVE ids listed in CISA KEV (imported catalogs); they mark advisories of any file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    kev: Vec<String>,
    /// CVE ids whose KEV entry says `knownRansomwareCampaignUse: Known`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ransomware: Vec<String>,
    #[serde(default)]
    advisory: Vec<Advisory>,
}

/// A set of advisories, with at most one per id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Database {
    advisories: Vec<Advisory>,
    kev_ids: BTreeSet<String>,
    ransomware_ids: BTreeSet<String>,
}

impl Database {
    /// The bundled database (validated by this crate's tests).
    pub fn builtin() -> &'static Database {
        static DB: OnceLock<Database> = OnceLock::new();
        DB.get_or_init(|| {
            let mut db = Database::default();
            for (file, text) in BUILTIN {
                let more = Database::from_toml(file, text).unwrap_or_else(|e| {
                    panic!(
                        "embedded data/advisories/{file}: {e}: {:?}",
                        std::error::Error::source(&e)
                    )
                });
                db.merge(more);
            }
            db
        })
    }

    /// Parse one file in the `data/advisories` format.
    pub fn from_toml(file: &str, text: &str) -> Result<Database, DbError> {
        let parsed: AdvisoryFile = toml::from_str(text).map_err(|source| DbError::Parse {
            file: file.to_string(),
            source,
        })?;
        for a in &parsed.advisory {
            validate(a).map_err(|reason| DbError::Invalid {
                file: file.to_string(),
                id: a.id.clone(),
                reason,
            })?;
        }
        let mut db = Database::default();
        for a in parsed.advisory {
            db.insert(a);
        }
        db.add_kev(parsed.kev);
        db.add_ransomware(parsed.ransomware);
        Ok(db)
    }

    /// Load every `*.toml` of a directory (sorted by name); a missing directory is empty.
    pub fn from_dir(dir: &Path) -> Result<Database, DbError> {
        let io = |source| DbError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut db = Database::default();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(db),
            Err(e) => return Err(io(e)),
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let text = read_bounded(&path)?;
            db.merge(Database::from_toml(&path.display().to_string(), &text)?);
        }
        Ok(db)
    }

    /// Add or replace (same id) one advisory.
    pub fn insert(&mut self, advisory: Advisory) {
        match self.advisories.iter_mut().find(|a| a.id == advisory.id) {
            Some(slot) => *slot = advisory,
            None => self.advisories.push(advisory),
        }
    }

    /// Add every advisory of `other`, replacing those with the same id.
    pub fn merge(&mut self, other: Database) {
        for a in other.advisories {
            self.insert(a);
        }
        self.kev_ids.extend(other.kev_ids);
        self.ransomware_ids.extend(other.ransomware_ids);
    }

    /// All advisories, in load order.
    pub fn all(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The advisory with this id.
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.advisories
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(id))
    }

    /// Record CVE ids listed in CISA KEV: advisories with these ids (here or in databases
    /// merged later) count as KEV-listed.
    pub fn add_kev(&mut self, ids: impl IntoIterator<Item = String>) {
        self.kev_ids
            .extend(ids.into_iter().map(|id| id.trim().to_ascii_uppercase()));
    }

    /// Whether an advisory is KEV-listed (by its own flag or an imported catalog).
    pub fn is_kev(&self, advisory: &Advisory) -> bool {
        advisory.kev || self.kev_ids.contains(&advisory.id.to_ascii_uppercase())
    }

    /// Record CVE ids that CISA KEV lists as used in ransomware campaigns.
    pub fn add_ransomware(&mut self, ids: impl IntoIterator<Item = String>) {
        self.ransomware_ids
            .extend(ids.into_iter().map(|id| id.trim().to_ascii_uppercase()));
    }

    /// Whether CISA KEV lists the advisory's CVE as used in ransomware campaigns.
    pub fn is_ransomware(&self, advisory: &Advisory) -> bool {
        self.ransomware_ids
            .contains(&advisory.id.to_ascii_uppercase())
    }

    /// KEV ids recorded from imported catalogs.
    pub fn kev_ids(&self) -> impl Iterator<Item = &str> {
        self.kev_ids.iter().map(String::as_str)
    }

    /// The database as TOML in the `data/advisories` format.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&AdvisoryFile {
            kev: self.kev_ids.iter().cloned().collect(),
            ransomware: self.ransomware_ids.iter().cloned().collect(),
            advisory: self.advisories.clone(),
        })
        .unwrap_or_default()
    }
}

/// Read a file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> Result<String, DbError> {
    use std::io::Read;
    let io = |source| DbError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(io(std::io::Error::other(format!(
            "larger than {MAX_FILE_BYTES} bytes"
        ))));
    }
    Ok(text)
}

fn validate(a: &Advisory) -> Result<(), String> {
    if a.id.trim().is_empty() || a.id.chars().any(char::is_whitespace) {
        return Err("id must be non-empty without spaces".into());
    }
    if a.vendors.is_empty() {
        return Err("no vendor".into());
    }
    if !(0.0..=10.0).contains(&a.cvss) {
        return Err(format!("cvss {} outside 0–10", a.cvss));
    }
    if a.source.trim().is_empty() {
        return Err("no source".into());
    }
    if a.affected.is_empty() {
        return Err("no affected range".into());
    }
    for r in &a.affected {
        if r.models.is_empty() {
            return Err("affected range without models (use [\"*\"] for all)".into());
        }
        let bounds = [&r.introduced, &r.last_affected, &r.fixed];
        if bounds.iter().all(|b| b.is_none()) && r.build_before.is_none() {
            return Err("affected range without any version bound".into());
        }
        for b in bounds.into_iter().flatten() {
            if FirmwareVersion::parse(b).is_none() {
                return Err(format!("version {b:?} follows no known scheme"));
            }
        }
        if let Some(d) = &r.build_before {
            if parse_date(d).is_none() {
                return Err(format!("build_before {d:?} is not YYYY-MM-DD"));
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` as `yyyymmdd`.
pub(crate) fn parse_date(s: &str) -> Option<u32> {
    let mut it = s.trim().split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(y * 10_000 + m * 100 + d)
}

impl AffectedRange {
    /// Whether a model falls under this range's patterns. An unknown model matches only `*`.
    pub fn covers_model(&self, model: Option<&str>) -> bool {
        self.models.iter().any(|p| match model {
            Some(m) => glob::matches(p, m),
            None => p == "*",
        })
    }

    /// Whether the firmware is inside the range: `Some(true/false)` when every bound could be
    /// decided, `None` when one could not (different scheme, no build date).
    pub fn covers_firmware(&self, fw: &FirmwareVersion) -> Option<bool> {
        use std::cmp::Ordering::*;
        let cmp = |bound: &Option<String>| -> Option<Option<std::cmp::Ordering>> {
            match bound {
                None => Some(None),
                Some(b) => fw.compare_to_bound(&FirmwareVersion::parse(b)?).map(Some),
            }
        };
        let mut inside = true;
        if let Some(o) = cmp(&self.introduced)? {
            inside &= o != Less;
        }
        if let Some(o) = cmp(&self.last_affected)? {
            inside &= o != Greater;
        }
        if let Some(o) = cmp(&self.fixed)? {
            inside &= o == Less;
        }
        if let Some(d) = &self.build_before {
            inside &= fw.build_date()? < parse_date(d)?;
        }
        Some(inside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_database_loads_with_unique_ids_and_sources() {
        let db = Database::builtin();
        assert!(db.all().len() >= 8, "{}", db.all().len());
        for a in db.all() {
            assert!(a.id.starts_with("CVE-"), "{}", a.id);
            assert!(a.source.contains("http"), "{}: source without URL", a.id);
        }
    }

    #[test]
    fn the_readme_counts_the_bundled_cves() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
                .expect("README.md");
        let stated = readme
            .split("(`data/advisories/`: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .expect("README states the number of bundled CVEs");
        assert_eq!(stated, Database::builtin().all().len());
    }

    #[test]
    fn every_data_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/advisories");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("data/advisories")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml") && n != "latest_firmware.toml")
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILTIN.iter().map(|(f, _)| f.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn invalid_advisories_are_refused() {
        let base = r#"[[advisory]]
id = "CVE-1-1"
vendors = ["X"]
title = "t"
cvss = 5.0
source = "s"
"#;
        let cases = [
            format!("{base}[[advisory.affected]]\nmodels = [\"*\"]\n"),
            format!("{base}[[advisory.affected]]\nmodels = []\nfixed = \"1.2\"\n"),
            format!("{base}[[advisory.affected]]\nmodels = [\"*\"]\nfixed = \"banana\"\n"),
            format!("{base}[[advisory.affected]]\nmodels = [\"*\"]\nbuild_before = \"2021-8-1\"\n"),
            base.replace("5.0", "11.0")
                + "[[advisory.affected]]\nmodels = [\"*\"]\nfixed = \"1.2\"\n",
        ];
        for text in cases {
            assert!(Database::from_toml("t.toml", &text).is_err(), "{text}");
        }
        let ok = format!("{base}[[advisory.affected]]\nmodels = [\"*\"]\nfixed = \"1.2\"\n");
        assert_eq!(
            Database::from_toml("t.toml", &ok)
                .expect("valid")
                .all()
                .len(),
            1
        );
    }

    #[test]
    fn db_error_display_does_not_repeat_its_source() {
        let e = Database::from_toml("bad.toml", "[[advisory]]\nid = 1").expect_err("bad");
        let source = std::error::Error::source(&e).expect("parser error kept as source");
        assert_eq!(e.to_string(), "bad.toml: not a valid advisory file");
        assert!(!e.to_string().contains(&source.to_string()));
    }

    #[test]
    fn round_trips_through_toml() {
        let db = Database::builtin();
        let again = Database::from_toml("again.toml", &db.to_toml()).expect("own output parses");
        assert_eq!(&again, db);
    }
}
