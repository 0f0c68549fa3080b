//! Findings (what a check proved) and verdicts (what that means for a baseline provision).

use crate::identity::Identity;
use crate::observation::HostObservation;
use serde::{Deserialize, Serialize};

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// The snake_case name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parse the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// A violation a check proved on one device, with its (redacted) evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable check id, e.g. `CG-AUTH-001`.
    pub check_id: String,
    /// Severity from the check catalogue.
    pub severity: Severity,
    /// Port the finding concerns, if one.
    pub port: Option<u16>,
    /// Short English summary specific to this device.
    pub summary: String,
    /// Redacted evidence: what was sent and observed. Never a password, never imagery.
    pub evidence: serde_json::Value,
}

/// Verdict on one baseline provision for one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    /// A check proved a violation.
    Fail,
    /// The evidence fully covers the provision and shows no violation.
    Pass,
    /// The provision needs credentials, documents or a lab.
    NotVerifiableRemotely,
    /// The checks bearing on it were disabled or the device was unreachable.
    NotTested,
}

impl VerdictStatus {
    /// The snake_case name used in JSON and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictStatus::Fail => "fail",
            VerdictStatus::Pass => "pass",
            VerdictStatus::NotVerifiableRemotely => "not_verifiable_remotely",
            VerdictStatus::NotTested => "not_tested",
        }
    }
}

/// The verdict on one provision of one baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionVerdict {
    /// Baseline id, e.g. `qcvn-11-2026`.
    pub baseline: String,
    /// Provision id within the baseline.
    pub provision: String,
    /// The verdict.
    pub status: VerdictStatus,
    /// Check ids of the findings the verdict cites.
    pub findings: Vec<String>,
}

/// Everything camguard concluded about one host in one scan: the JSON Lines record of
/// `camguard scan` and the unit the store ingests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// Raw observations.
    pub observation: HostObservation,
    /// Identification result.
    pub identity: Identity,
    /// Findings of the enabled checks.
    pub findings: Vec<Finding>,
    /// Ids of the checks that ran (so a missing finding means "checked, not found").
    pub checks_run: Vec<String>,
    /// Verdicts per provision of the chosen baseline.
    pub verdicts: Vec<ProvisionVerdict>,
}
