//! Documentary evidence an auditor attached to a provision: it completes a device's verdict
//! that a remote scan could not reach, labelled as attested (who, when, which document). A
//! verdict the scan proved failed is never replaced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One attested verdict of one device, as the report's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Device address.
    pub ip: IpAddr,
    /// Baseline id.
    pub baseline: String,
    /// Provision id.
    pub provision: String,
    /// The document shows the provision met (else: not met).
    pub pass: bool,
    /// What was attested (`model:Vendor/Model`, `system:ID`).
    pub subject: String,
    /// The document's reference.
    pub document: String,
    /// Who attested it.
    pub attested_by: String,
    /// When.
    pub attested_at: DateTime<Utc>,
}

/// An attested verdict as the report carries it (next to the scanned status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedVerdict {
    /// `attested_pass` or `attested_fail`.
    pub status: String,
    /// What was attested.
    pub subject: String,
    /// The document's reference.
    pub document: String,
    /// Who attested it.
    pub attested_by: String,
    /// When.
    pub attested_at: DateTime<Utc>,
}

impl From<&Attestation> for AttestedVerdict {
    fn from(a: &Attestation) -> Self {
        AttestedVerdict {
            status: if a.pass {
                "attested_pass"
            } else {
                "attested_fail"
            }
            .to_owned(),
            subject: a.subject.clone(),
            document: a.document.clone(),
            attested_by: a.attested_by.clone(),
            attested_at: a.attested_at,
        }
    }
}

impl AttestedVerdict {
    /// Whether it attests the provision met.
    pub fn is_pass(&self) -> bool {
        self.status == "attested_pass"
    }
}
