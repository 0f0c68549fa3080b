//! The latest firmware releases camguard knows of (`data/advisories/latest_firmware.toml`), and
//! whether a device's firmware is older than the one for its model.

use crate::glob;
use crate::version::FirmwareVersion;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../../data/advisories/latest_firmware.toml");

/// One known release for a vendor's model family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Vendor as identified.
    pub vendor: String,
    /// Model patterns (`*`, `?`; case-insensitive).
    pub models: Vec<String>,
    /// Version string as the vendor writes it.
    pub version: String,
    /// Release or publication date, `YYYY-MM-DD`.
    pub date: String,
    /// Where the release is named.
    pub source: String,
    /// How the entry was derived, when not verbatim from release notes.
    #[serde(default)]
    pub basis: Option<String>,
    /// Fields recalled rather than checked against the source.
    #[serde(default)]
    pub uncertain: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseFile {
    #[serde(default)]
    release: Vec<Release>,
}

/// A device's firmware compared with the latest release known for its model.
#[derive(Debug, Clone, PartialEq)]
pub struct Currency<'a> {
    /// The release compared with.
    pub latest: &'a Release,
    /// True when the device's firmware is older than it.
    pub outdated: bool,
}

/// The known releases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LatestFirmware {
    releases: Vec<Release>,
}

/// Why a release file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LatestError {
    /// Not TOML of the release-file shape.
    #[error("{file}: not a valid release file")]
    Parse {
        /// File name.
        file: String,
        /// Parser error.
        source: toml::de::Error,
    },
    /// A release breaks a rule of the format.
    #[error("{file}: release {version:?}: {reason}")]
    Invalid {
        /// File name.
        file: String,
        /// Version of the release.
        version: String,
        /// What is wrong.
        reason: String,
    },
}

impl LatestFirmware {
    /// The bundled releases (validated by this crate's tests).
    pub fn builtin() -> &'static LatestFirmware {
        static DB: OnceLock<LatestFirmware> = OnceLock::new();
        DB.get_or_init(|| {
            LatestFirmware::from_toml("latest_firmware.toml", BUILTIN).unwrap_or_else(|e| {
                panic!(
                    "embedded data/advisories/latest_firmware.toml: {e}: {:?}",
                    std::error::Error::source(&e)
                )
            })
        })
    }

    /// Parse a file in the `latest_firmware.toml` format.
    pub fn from_toml(file: &str, text: &str) -> Result<LatestFirmware, LatestError> {
        let parsed: ReleaseFile = toml::from_str(text).map_err(|source| LatestError::Parse {
            file: file.to_string(),
            source,
        })?;
        for r in &parsed.release {
            validate(r).map_err(|reason| LatestError::Invalid {
                file: file.to_string(),
                version: r.version.clone(),
                reason,
            })?;
        }
        Ok(LatestFirmware {
            releases: parsed.release,
        })
    }

    /// All releases, in file order.
    pub fn all(&self) -> &[Release] {
        &self.releases
    }

    /// Compare a device's firmware with the newest known release for its vendor and model
    /// that is comparable with it (same version scheme). `None` when no release applies or
    /// none can be compared: then nothing is known, and nothing is claimed.
    pub fn currency(&self, vendor: &str, model: &str, firmware: &str) -> Option<Currency<'_>> {
        let fw = FirmwareVersion::parse(firmware)?;
        let vendor = vendor.trim();
        let mut best: Option<(&Release, FirmwareVersion)> = None;
        for r in &self.releases {
            if !camguard_registry::model_name::same_vendor(&r.vendor, vendor)
                || !r.models.iter().any(|p| glob::matches(p, model))
            {
                continue;
            }
            let Some(v) = FirmwareVersion::parse(&r.version) else {
                continue;
            };
            if fw.compare(&v).is_none() {
                continue;
            }
            let newer = match &best {
                Some((_, b)) => v.compare(b) == Some(std::cmp::Ordering::Greater),
                None => true,
            };
            if newer {
                best = Some((r, v));
            }
        }
        let (latest, v) = best?;
        Some(Currency {
            latest,
            outdated: fw.compare(&v) == Some(std::cmp::Ordering::Less),
        })
    }
}

fn validate(r: &Release) -> Result<(), String> {
    if r.vendor.trim().is_empty() || r.source.trim().is_empty() {
        return Err("vendor and source are required".into());
    }
    if r.models.is_empty() || r.models.iter().any(|m| m.trim().is_empty()) {
        return Err("no model pattern".into());
    }
    if FirmwareVersion::parse(&r.version).is_none() {
        return Err("version follows no known scheme".into());
    }
    if crate::db::parse_date(&r.date).is_none() {
        return Err(format!("date {:?} is not YYYY-MM-DD", r.date));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_releases_load_with_sources() {
        let db = LatestFirmware::builtin();
        assert!(!db.all().is_empty());
        for r in db.all() {
            assert!(
                r.source.contains("http"),
                "{}: source without URL",
                r.version
            );
        }
    }

    #[test]
    fn older_firmware_of_the_family_is_outdated_and_the_release_itself_is_not() {
        let db = LatestFirmware::builtin();
        let c = db
            .currency("Hikvision", "DS-2CD2143G0-I", "V5.5.82 build 190909")
            .expect("covered");
        assert!(c.outdated);
        assert_eq!(c.latest.version, "V5.5.800 build 210628");
        for fw in [
            "V5.5.800 build 210628",
            "V5.5.800_build210628",
            "V5.6.0 build 220101",
        ] {
            let c = db.currency("HIKVISION", "ds-2cd2143g0-i", fw).expect(fw);
            assert!(!c.outdated, "{fw}");
        }
        let tapo = db
            .currency("TP-Link", "Tapo C200", "1.1.15 Build 211130 Rel.33696n")
            .expect("tapo");
        assert!(tapo.outdated);
    }

    #[test]
    fn no_claim_without_a_comparable_release() {
        let db = LatestFirmware::builtin();
        // Another family, another scheme, unparsable firmware, unknown vendor.
        assert_eq!(
            db.currency("Hikvision", "DS-2CD2T47G1-L", "V5.5.82 build 190909"),
            None
        );
        assert_eq!(db.currency("Hikvision", "DS-2CD2143G0-I", "5.5.82"), None);
        assert_eq!(db.currency("Hikvision", "DS-2CD2143G0-I", "latest"), None);
        assert_eq!(
            db.currency("Acme", "DS-2CD2143G0-I", "V5.5.82 build 190909"),
            None
        );
    }

    #[test]
    fn the_newest_comparable_release_wins() {
        let text = r#"
[[release]]
vendor = "X"
models = ["M*"]
version = "1.2.0"
date = "2020-01-01"
source = "s"

[[release]]
vendor = "X"
models = ["M1"]
version = "1.5.0"
date = "2022-01-01"
source = "s"
"#;
        let db = LatestFirmware::from_toml("t.toml", text).expect("valid");
        assert_eq!(
            db.currency("X", "M1", "1.3").expect("m1").latest.version,
            "1.5.0"
        );
        assert!(db.currency("X", "M1", "1.3").expect("m1").outdated);
        assert!(!db.currency("X", "M2", "1.3").expect("m2").outdated);
        let bad = text.replace("1.5.0", "banana");
        assert!(LatestFirmware::from_toml("t.toml", &bad).is_err());
    }
}
