//! From observations to a stored, reported device: identification, checks, verdicts.
//!
//! The scan stage yields [`HostObservation`]s; this module turns each into a
//! [`DeviceRecord`] with the fingerprint engine, the check catalogue and the chosen baseline.

use camguard_baseline::Baseline;
use camguard_checks::{AssessmentData, CheckOptions};
use camguard_fingerprint::Engine;
use camguard_model::{DeviceRecord, FingerprintInput, HostObservation};
use camguard_scan::VendorHint;
use std::sync::Arc;

/// Everything needed to assess one host, shared by all hosts of a scan.
pub struct Assessor {
    /// Fingerprint engine (built-in rules plus `--fingerprints`).
    pub engine: Arc<Engine>,
    /// Baseline the verdicts are computed against.
    pub baseline: Baseline,
    /// Which opt-in checks ran.
    pub check_options: CheckOptions,
    /// Reference data of the identity checks: advisories (bundled + imported), latest
    /// releases, registries of certified and warned models (from the scan database).
    pub data: Arc<AssessmentData>,
}

impl Assessor {
    /// Identify, check and judge one host.
    pub fn assess(&self, observation: HostObservation) -> DeviceRecord {
        let identity = self
            .engine
            .identify(&FingerprintInput::from_host(&observation));
        let outcome = camguard_checks::run_checks_in_context(
            &observation,
            &identity,
            &self.check_options,
            &self.data,
        );
        let verdicts =
            camguard_baseline::assess(&self.baseline, &outcome.findings, &outcome.checks_run);
        DeviceRecord {
            observation,
            identity,
            findings: outcome.findings,
            checks_run: outcome.checks_run,
            verdicts,
        }
    }
}

/// A vendor hint for the scanner's credential check, backed by the fingerprint engine.
pub fn vendor_hint(engine: Arc<Engine>) -> VendorHint {
    Arc::new(move |obs: &HostObservation| engine.identify(&FingerprintInput::from_host(obs)).vendor)
}

/// The reference data a scan starts with: the bundled advisories plus those imported with
/// `camguard advisories import` (default user directory), the bundled releases, no registries
/// (see [`add_registries`]).
pub fn assessment_data() -> anyhow::Result<Arc<AssessmentData>> {
    let advisories = match crate::cmd_advisories::default_dir() {
        Ok(dir) => crate::cmd_advisories::load(&dir)?,
        // No HOME (a service account): nothing can have been imported; bundled data only.
        Err(_) => {
            tracing::warn!(
                "neither HOME nor XDG_DATA_HOME is set: using the bundled advisories only"
            );
            camguard_advisories::Database::builtin().clone()
        }
    };
    Ok(Arc::new(AssessmentData::new(
        advisories,
        camguard_registry::Registries::default(),
    )))
}

/// Load the registries of certified and warned models imported into the scan database
/// (`camguard registry import`); a list never imported stays unloaded.
pub async fn add_registries(
    assessor: &mut Assessor,
    store: Option<&camguard_store::Store>,
) -> anyhow::Result<()> {
    let Some(store) = store else {
        return Ok(());
    };
    let registries = store.registries().await?;
    if registries != camguard_registry::Registries::default() {
        let mut data = (*assessor.data).clone();
        data.registries = registries;
        assessor.data = Arc::new(data);
    }
    Ok(())
}
