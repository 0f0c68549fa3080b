//! From observations to a stored, reported device: identification, checks, verdicts.
//!
//! The scan stage yields [`HostObservation`]s; this module turns each into a
//! [`DeviceRecord`] with the fingerprint engine, the check catalogue and the chosen baseline.

use camguard_baseline::Baseline;
use camguard_checks::CheckOptions;
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
}

impl Assessor {
    /// Identify, check and judge one host.
    pub fn assess(&self, observation: HostObservation) -> DeviceRecord {
        let identity = self
            .engine
            .identify(&FingerprintInput::from_host(&observation));
        let outcome =
            camguard_checks::run_checks_with_identity(&observation, &identity, &self.check_options);
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
