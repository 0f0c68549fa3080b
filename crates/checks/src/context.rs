//! Reference data the identity checks compare a device with, besides its own observations:
//! the advisory database, the latest firmware releases known, and the imported registries of
//! certified and warned models. The pipeline builds it once per scan.

use camguard_advisories::{Database, LatestFirmware};
use camguard_registry::Registries;
use std::sync::OnceLock;

/// What the identity checks compare a device with.
#[derive(Debug, Clone)]
pub struct AssessmentData {
    /// Advisories (bundled plus imported) for `VULN.KNOWN_FIRMWARE_CVE`.
    pub advisories: Database,
    /// Latest known releases for `VULN.FIRMWARE_OUTDATED`.
    pub latest_firmware: LatestFirmware,
    /// Certified and warned model lists for `REG.*`; a list not loaded leaves its check
    /// undecided (not tested).
    pub registries: Registries,
}

impl AssessmentData {
    /// The bundled data: advisories and releases shipped in `data/advisories`, no registries.
    pub fn builtin() -> &'static AssessmentData {
        static DATA: OnceLock<AssessmentData> = OnceLock::new();
        DATA.get_or_init(AssessmentData::default)
    }

    /// The given advisories and registries with the bundled release data.
    pub fn new(advisories: Database, registries: Registries) -> AssessmentData {
        AssessmentData {
            advisories,
            latest_firmware: LatestFirmware::builtin().clone(),
            registries,
        }
    }
}

impl Default for AssessmentData {
    fn default() -> Self {
        AssessmentData::new(Database::builtin().clone(), Registries::default())
    }
}
