//! Verdicts: what a host's findings mean for each provision of a baseline (docs/architecture.md).

use crate::catalogue::{Baseline, Provision};
use camguard_model::{Finding, ProvisionVerdict, Severity, VerdictStatus};

/// Judge every provision of `baseline` from one host's findings and the ids of the checks
/// that ran on it.
///
/// * `fail` — a finding above `info` severity of a check bearing on the provision exists
///   (informational findings are cited under `not_verifiable_remotely` instead);
/// * `pass` — only when the provision is `remote_complete` and every bearing check ran
///   without a finding;
/// * `not_tested` — it has bearing checks but none of them ran (disabled, host unreachable);
/// * `not_verifiable_remotely` — everything else. Never a silent pass.
pub fn assess(
    baseline: &Baseline,
    findings: &[Finding],
    checks_run: &[String],
) -> Vec<ProvisionVerdict> {
    baseline
        .provisions
        .iter()
        .map(|p| {
            let (status, cited) = judge(p, findings, checks_run);
            ProvisionVerdict {
                baseline: baseline.id.clone(),
                provision: p.id.clone(),
                status,
                findings: cited,
            }
        })
        .collect()
}

fn judge(
    p: &Provision,
    findings: &[Finding],
    checks_run: &[String],
) -> (VerdictStatus, Vec<String>) {
    let cited: Vec<String> = p
        .checks
        .iter()
        .filter(|c| findings.iter().any(|f| &f.check_id == *c))
        .cloned()
        .collect();
    // Informational findings are cited but prove no violation: only a finding above `info`
    // fails a provision, and a provision with only informational findings is never a pass.
    let violation = findings
        .iter()
        .any(|f| f.severity > Severity::Info && cited.contains(&f.check_id));
    if violation {
        return (VerdictStatus::Fail, cited);
    }
    if !cited.is_empty() {
        return (VerdictStatus::NotVerifiableRemotely, cited);
    }
    if p.checks.is_empty() {
        return (VerdictStatus::NotVerifiableRemotely, cited);
    }
    let ran = p.checks.iter().filter(|c| checks_run.contains(c)).count();
    let status = if ran == 0 {
        VerdictStatus::NotTested
    } else if p.remote_complete && ran == p.checks.len() {
        VerdictStatus::Pass
    } else {
        VerdictStatus::NotVerifiableRemotely
    };
    (status, cited)
}
