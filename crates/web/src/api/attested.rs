//! Attestations in downloaded reports: the dashboard hands camguard-report each device's
//! verdicts completed by an auditor's documentary evidence (the same rule as the device page:
//! never over a scanned failure); the report labels them as attested in every place it shows
//! verdicts. CSV (findings) and SARIF (results) carry scan results only.

use super::inventory::Org;
use camguard_report::attestation::Attestation;
use camguard_store::InventoryDevice;

/// The attested verdicts of `devices` for `baseline`, by device then provision.
pub(crate) fn rows(org: &Org, devices: &[InventoryDevice], baseline: &str) -> Vec<Attestation> {
    let mut out = Vec::new();
    for d in devices {
        for (provision, status, id) in org.verdicts(d, baseline) {
            let Some(a) = id.and_then(|id| org.attestation(id)) else {
                continue;
            };
            out.push(Attestation {
                ip: d.ip,
                baseline: baseline.to_owned(),
                provision,
                pass: status == "attested_pass",
                subject: a.subject.clone(),
                document: a.document.clone(),
                attested_by: a.attested_by.clone(),
                attested_at: a.attested_at,
            });
        }
    }
    out
}
