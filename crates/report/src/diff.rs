//! The diff report between two scans: per device, the findings that are new, fixed or
//! regressed, and the devices that appeared or vanished.
//!
//! A finding is keyed by (device address, check id, port). Between an older scan O and a
//! newer scan N:
//! - *fixed*: in O, not in N, on a device N observed (a device N did not see is *vanished*,
//!   and its findings are not counted as fixed: nothing shows they were);
//! - *regressed*: in N, not in O, but recorded on the same address in a scan before O: it
//!   was fixed by O and is back;
//! - *new*: in N, not in O, and never recorded on that address before;
//! - *unchanged*: in both (counted, not listed).
//!
//! # JSON structure (schema `camguard-diff`, version 1)
//!
//! ```text
//! { "schema": "camguard-diff", "schema_version": 1, "generated_at": RFC 3339,
//!   "lang": "en" | "vi", "organisation": string | null,
//!   "old_scan": ScanSummary, "new_scan": ScanSummary,
//!   "totals": { new, fixed, regressed, unchanged, new_devices, vanished_devices,
//!               unchanged_devices },
//!   "devices": [{ ip, change: "new" | "vanished" | "present", vendor, model, firmware,
//!                 new[], fixed[], regressed[], unchanged }]   (changed devices only, by address)
//! }
//! finding: { check_id, severity, port, title, summary, remediation }
//! ```

use crate::lang::Lang;
use camguard_checks::Catalogue;
use camguard_model::{Finding, Severity};
use camguard_store::{ScanDevice, ScanSummary};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Value of the diff's `schema` field.
pub const DIFF_SCHEMA: &str = "camguard-diff";
/// Current value of the diff's `schema_version` field.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// What a diff is made from.
#[derive(Debug, Clone)]
pub struct DiffInput {
    /// When the report is generated.
    pub generated_at: DateTime<Utc>,
    /// Organisation the report is for, if given.
    pub organisation: Option<String>,
    /// The older scan.
    pub old_scan: ScanSummary,
    /// The newer scan.
    pub new_scan: ScanSummary,
    /// Devices of the older scan (`Store::scan_devices`).
    pub old_devices: Vec<ScanDevice>,
    /// Devices of the newer scan.
    pub new_devices: Vec<ScanDevice>,
    /// Devices of every scan before the older one (any order): where regressions come from.
    pub earlier: Vec<Vec<ScanDevice>>,
}

/// A diff report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffDocument {
    /// Always [`DIFF_SCHEMA`].
    pub schema: String,
    /// [`DIFF_SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// When the report was generated.
    pub generated_at: DateTime<Utc>,
    /// Language of the texts.
    pub lang: String,
    /// Organisation the report is for.
    pub organisation: Option<String>,
    /// The older scan.
    pub old_scan: ScanSummary,
    /// The newer scan.
    pub new_scan: ScanSummary,
    /// Totals over every device.
    pub totals: DiffTotals,
    /// Devices with a change, by address.
    pub devices: Vec<DeviceDiff>,
}

/// Totals of a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffTotals {
    /// New findings.
    pub new: u64,
    /// Fixed findings.
    pub fixed: u64,
    /// Regressed findings.
    pub regressed: u64,
    /// Findings in both scans.
    pub unchanged: u64,
    /// Devices only in the newer scan.
    pub new_devices: u64,
    /// Devices only in the older scan.
    pub vanished_devices: u64,
    /// Devices in both scans without a change.
    pub unchanged_devices: u64,
}

/// Whether a device is in one scan or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChange {
    /// Only in the newer scan.
    New,
    /// Only in the older scan.
    Vanished,
    /// In both.
    Present,
}

impl DeviceChange {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceChange::New => "new",
            DeviceChange::Vanished => "vanished",
            DeviceChange::Present => "present",
        }
    }
}

/// Changes on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceDiff {
    /// Address.
    pub ip: IpAddr,
    /// In which scans the device is.
    pub change: DeviceChange,
    /// Vendor (newest identity that has one).
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Firmware.
    pub firmware: Option<String>,
    /// New findings.
    pub new: Vec<FindingChange>,
    /// Fixed findings.
    pub fixed: Vec<FindingChange>,
    /// Regressed findings.
    pub regressed: Vec<FindingChange>,
    /// Number of findings in both scans.
    pub unchanged: u64,
}

/// A finding in a diff, with the catalogue's texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    /// Check id.
    pub check_id: String,
    /// Severity.
    pub severity: Severity,
    /// Port.
    pub port: Option<u16>,
    /// Check title (the id when unknown).
    pub title: String,
    /// Device-specific summary.
    pub summary: String,
    /// Remediation from the catalogue.
    pub remediation: Option<String>,
}

type Key = (String, Option<u16>);

fn key(f: &Finding) -> Key {
    (f.check_id.clone(), f.port)
}

/// Compute the diff.
pub fn build(input: &DiffInput, catalogue: &Catalogue, lang: Lang) -> DiffDocument {
    let code = lang.code();
    let change = |f: &Finding| {
        let def = catalogue.get(&f.check_id);
        FindingChange {
            check_id: f.check_id.clone(),
            severity: f.severity,
            port: f.port,
            title: def.map_or_else(|| f.check_id.clone(), |c| c.title.get(code).to_owned()),
            summary: f.summary.clone(),
            remediation: def.map(|c| c.remediation.get(code).to_owned()),
        }
    };
    let by_ip = |devices: &[ScanDevice]| -> BTreeMap<IpAddr, ScanDevice> {
        devices.iter().map(|d| (d.ip, d.clone())).collect()
    };
    let old = by_ip(&input.old_devices);
    let new = by_ip(&input.new_devices);
    let mut seen_before: BTreeSet<(IpAddr, Key)> = BTreeSet::new();
    for scan in &input.earlier {
        for d in scan {
            seen_before.extend(d.findings.iter().map(|f| (d.ip, key(f))));
        }
    }
    let ips: BTreeSet<IpAddr> = old.keys().chain(new.keys()).copied().collect();
    let mut totals = DiffTotals::default();
    let mut devices = Vec::new();
    for ip in ips {
        let (o, n) = (old.get(&ip), new.get(&ip));
        let pick = |get: fn(&ScanDevice) -> &Option<String>| {
            n.and_then(|d| get(d).clone())
                .or_else(|| o.and_then(|d| get(d).clone()))
        };
        let mut entry = DeviceDiff {
            ip,
            change: match (o, n) {
                (Some(_), Some(_)) => DeviceChange::Present,
                (None, _) => DeviceChange::New,
                (_, None) => DeviceChange::Vanished,
            },
            vendor: pick(|d| &d.identity.vendor),
            model: pick(|d| &d.identity.model),
            firmware: pick(|d| &d.identity.firmware),
            new: Vec::new(),
            fixed: Vec::new(),
            regressed: Vec::new(),
            unchanged: 0,
        };
        let old_keys: BTreeSet<Key> = o.iter().flat_map(|d| d.findings.iter().map(key)).collect();
        if let Some(n) = n {
            let new_keys: BTreeSet<Key> = n.findings.iter().map(key).collect();
            for f in &n.findings {
                if old_keys.contains(&key(f)) {
                    entry.unchanged += 1;
                } else if seen_before.contains(&(ip, key(f))) {
                    entry.regressed.push(change(f));
                } else {
                    entry.new.push(change(f));
                }
            }
            if let Some(o) = o {
                for f in &o.findings {
                    if !new_keys.contains(&key(f)) {
                        entry.fixed.push(change(f));
                    }
                }
            }
        }
        totals.new += entry.new.len() as u64;
        totals.fixed += entry.fixed.len() as u64;
        totals.regressed += entry.regressed.len() as u64;
        totals.unchanged += entry.unchanged;
        match entry.change {
            DeviceChange::New => totals.new_devices += 1,
            DeviceChange::Vanished => totals.vanished_devices += 1,
            DeviceChange::Present => {
                if entry.new.is_empty() && entry.fixed.is_empty() && entry.regressed.is_empty() {
                    totals.unchanged_devices += 1;
                    continue;
                }
            }
        }
        devices.push(entry);
    }
    DiffDocument {
        schema: DIFF_SCHEMA.to_owned(),
        schema_version: DIFF_SCHEMA_VERSION,
        generated_at: input.generated_at,
        lang: code.to_owned(),
        organisation: input.organisation.clone(),
        old_scan: input.old_scan.clone(),
        new_scan: input.new_scan.clone(),
        totals,
        devices,
    }
}

/// Columns of the diff CSV, in order.
pub const DIFF_COLUMNS: [&str; 9] = [
    "change", "ip", "vendor", "model", "firmware", "check_id", "severity", "port", "summary",
];

/// The diff as CSV: one row per changed finding (`new`, `fixed`, `regressed`) and one per
/// device that appeared (`device_new`) or vanished (`device_vanished`).
pub fn csv(doc: &DiffDocument) -> String {
    let mut out = String::new();
    crate::csv::row(&mut out, &DIFF_COLUMNS);
    for d in &doc.devices {
        let ident = [
            d.ip.to_string(),
            d.vendor.clone().unwrap_or_default(),
            d.model.clone().unwrap_or_default(),
            d.firmware.clone().unwrap_or_default(),
        ];
        let device_row = match d.change {
            DeviceChange::New => Some("device_new"),
            DeviceChange::Vanished => Some("device_vanished"),
            DeviceChange::Present => None,
        };
        if let Some(what) = device_row {
            let mut cells = vec![what.to_owned()];
            cells.extend(ident.iter().cloned());
            cells.extend([String::new(), String::new(), String::new(), String::new()]);
            crate::csv::row(&mut out, &cells);
        }
        for (what, list) in [
            ("new", &d.new),
            ("fixed", &d.fixed),
            ("regressed", &d.regressed),
        ] {
            for f in list {
                let mut cells = vec![what.to_owned()];
                cells.extend(ident.iter().cloned());
                cells.extend([
                    f.check_id.clone(),
                    f.severity.as_str().to_owned(),
                    f.port.map(|p| p.to_string()).unwrap_or_default(),
                    f.summary.clone(),
                ]);
                crate::csv::row(&mut out, &cells);
            }
        }
    }
    out
}
