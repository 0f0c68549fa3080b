//! Which advisories a device falls under.

use crate::db::{Advisory, Database};
use crate::version::FirmwareVersion;
use camguard_registry::model_name::same_vendor;
use serde::Serialize;

/// One advisory a device matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// CVE id.
    pub id: String,
    /// One-line description.
    pub title: String,
    /// CVSS base score.
    pub cvss: f64,
    /// CVSS vector, when known.
    pub cvss_vector: Option<String>,
    /// Listed in CISA KEV.
    pub kev: bool,
    /// CISA KEV says it is known to be used in ransomware campaigns.
    pub ransomware: bool,
    /// First fixed version(s).
    pub fixed: Vec<String>,
    /// How the matching range was derived, when not verbatim.
    pub note: Option<String>,
    /// Fields of the advisory that are recalled rather than verified.
    pub uncertain: Vec<String>,
    /// Provenance.
    pub source: String,
}

impl Match {
    fn new(a: &Advisory, kev: bool, ransomware: bool, note: Option<String>) -> Match {
        Match {
            id: a.id.clone(),
            title: a.title.clone(),
            cvss: a.cvss,
            cvss_vector: a.cvss_vector.clone(),
            kev,
            ransomware,
            fixed: a.fixed.clone(),
            note,
            uncertain: a.uncertain.clone(),
            source: a.source.clone(),
        }
    }
}

impl Database {
    /// Advisories that certainly apply to this device, highest CVSS first.
    ///
    /// The vendor matches by name, ignoring case, separators and a legal-name tail
    /// (`AVTECH Security Corporation` is `AVTECH`). Needs a firmware string of a known
    /// scheme; an affected range whose
    /// bounds cannot be compared with the firmware does not match (never guessed). A model
    /// is needed unless the range covers every model (`*`).
    pub fn match_device(&self, vendor: &str, model: Option<&str>, firmware: &str) -> Vec<Match> {
        let Some(fw) = FirmwareVersion::parse(firmware) else {
            return Vec::new();
        };
        let vendor = vendor.trim();
        let mut out: Vec<Match> = self
            .all()
            .iter()
            .filter(|a| a.vendors.iter().any(|v| same_vendor(v, vendor)))
            .filter_map(|a| {
                a.affected
                    .iter()
                    .find(|r| r.covers_model(model) && r.covers_firmware(&fw) == Some(true))
                    .map(|r| Match::new(a, self.is_kev(a), self.is_ransomware(a), r.note.clone()))
            })
            .collect();
        out.sort_by(|a, b| b.cvss.total_cmp(&a.cvss).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

/// [`Database::match_device`] on the bundled database.
pub fn match_device(vendor: &str, model: Option<&str>, firmware: &str) -> Vec<Match> {
    Database::builtin().match_device(vendor, model, firmware)
}
