//! Per-organisation statistics of a report: counts by provision, vendor and model, and the
//! trend across scans. Part of the JSON document (`stats`, `trend`); see [`crate::document`].

use crate::document::{DeviceEntry, ProvisionRow, SeverityCount};
use camguard_model::Severity;
use camguard_store::ScanTrend;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Severities from the most to the least severe: the order of every per-severity list.
pub const SEVERITY_ORDER: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// Counts over the inventory (each device's latest scan).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Per provision of the baseline, in baseline order.
    pub by_provision: Vec<ProvisionStat>,
    /// Per vendor (unidentified devices under `null`), most devices first.
    pub by_vendor: Vec<VendorStat>,
    /// Per vendor and model, most devices first.
    pub by_model: Vec<ModelStat>,
}

/// Counts of one provision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionStat {
    /// Provision id.
    pub provision: String,
    /// Devices failing it.
    pub failing_devices: u64,
    /// Findings of checks bearing on it.
    pub findings: u64,
}

/// Counts of one vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorStat {
    /// Vendor, if identified.
    pub vendor: Option<String>,
    /// Devices.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
    /// Findings on those devices.
    pub findings: u64,
}

/// Counts of one vendor and model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelStat {
    /// Vendor, if identified.
    pub vendor: Option<String>,
    /// Model, if identified.
    pub model: Option<String>,
    /// Devices.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
    /// Findings on those devices.
    pub findings: u64,
}

/// Totals of one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// Scan id.
    pub scan_id: i64,
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// Devices recorded in the scan.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
    /// Findings recorded in the scan.
    pub findings: u64,
    /// Findings per severity, critical first, all five.
    pub findings_by_severity: Vec<SeverityCount>,
}

/// Count findings per severity, every severity present, critical first.
pub fn severity_counts(counts: &BTreeMap<Severity, u64>) -> Vec<SeverityCount> {
    SEVERITY_ORDER
        .iter()
        .map(|&severity| SeverityCount {
            severity,
            count: counts.get(&severity).copied().unwrap_or(0),
        })
        .collect()
}

/// The trend points of the store's per-scan totals.
pub fn trend(scans: &[ScanTrend]) -> Vec<TrendPoint> {
    scans
        .iter()
        .map(|s| TrendPoint {
            scan_id: s.scan_id,
            started_at: s.started_at,
            devices: s.devices,
            cameras: s.cameras,
            findings: s.findings(),
            findings_by_severity: severity_counts(&s.findings_by_severity),
        })
        .collect()
}

/// Statistics of the inventory.
pub fn stats(devices: &[DeviceEntry], provisions: &[ProvisionRow]) -> Stats {
    let by_provision = provisions
        .iter()
        .map(|p| ProvisionStat {
            provision: p.id.clone(),
            failing_devices: p.counts.fail,
            findings: devices
                .iter()
                .flat_map(|d| &d.findings)
                .filter(|f| p.checks.contains(&f.check_id))
                .count() as u64,
        })
        .collect();

    let mut vendors: BTreeMap<Option<String>, [u64; 3]> = BTreeMap::new();
    let mut models: BTreeMap<(Option<String>, Option<String>), [u64; 3]> = BTreeMap::new();
    for d in devices {
        let add = |c: &mut [u64; 3]| {
            c[0] += 1;
            c[1] += u64::from(d.camera);
            c[2] += d.findings.len() as u64;
        };
        add(vendors.entry(d.vendor.clone()).or_default());
        add(models
            .entry((d.vendor.clone(), d.model.clone()))
            .or_default());
    }
    let mut by_vendor: Vec<VendorStat> = vendors
        .into_iter()
        .map(|(vendor, [devices, cameras, findings])| VendorStat {
            vendor,
            devices,
            cameras,
            findings,
        })
        .collect();
    // Stable sorts: most devices first, unidentified last among equals, then name order.
    by_vendor.sort_by_key(|v| (std::cmp::Reverse(v.devices), v.vendor.is_none()));
    let mut by_model: Vec<ModelStat> = models
        .into_iter()
        .map(
            |((vendor, model), [devices, cameras, findings])| ModelStat {
                vendor,
                model,
                devices,
                cameras,
                findings,
            },
        )
        .collect();
    by_model.sort_by_key(|m| {
        (
            std::cmp::Reverse(m.devices),
            m.vendor.is_none(),
            m.model.is_none(),
        )
    });
    Stats {
        by_provision,
        by_vendor,
        by_model,
    }
}
