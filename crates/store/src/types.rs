//! Values passed into and returned from the store.

use camguard_model::{Endpoint, Finding, Identity, ProvisionVerdict};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What is known about a scan when it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanMeta {
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// The target specification as the user gave it (e.g. `127.0.0.1/30,127.0.1.5`).
    pub targets: String,
    /// Scan options (ports, enabled checks, rates, …) as a JSON object.
    pub options: serde_json::Value,
    /// Id of the baseline the verdicts refer to.
    pub baseline: String,
}

/// One scan with its statistics, as listed by [`crate::Store::scans`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// Scan id.
    pub id: i64,
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// When the scan finished; `None` while running or when it was interrupted.
    pub finished_at: Option<DateTime<Utc>>,
    /// Target specification.
    pub targets: String,
    /// Scan options.
    pub options: serde_json::Value,
    /// Baseline id.
    pub baseline: String,
    /// Hosts the scan tried, as reported by `finish_scan`.
    pub hosts_scanned: Option<u64>,
    /// Devices recorded in this scan.
    pub devices: u64,
    /// Of those, devices identified as cameras (or DVR/NVR/encoders) in this scan.
    pub cameras: u64,
    /// Findings recorded in this scan.
    pub findings: u64,
}

/// The latest state of one device: its row plus what its newest scan recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryDevice {
    /// Device id.
    pub id: i64,
    /// Address.
    pub ip: IpAddr,
    /// Earliest observation time.
    pub first_seen: DateTime<Utc>,
    /// Latest observation time.
    pub last_seen: DateTime<Utc>,
    /// Id of the scan the rest of this value comes from (the device's newest).
    pub scan_id: i64,
    /// Identity as concluded by the newest scan.
    pub identity: Identity,
    /// Serial number reported over ONVIF, if any.
    pub serial: Option<String>,
    /// Endpoints of the newest scan, by port.
    pub endpoints: Vec<Endpoint>,
    /// Findings of the newest scan, in recorded order.
    pub findings: Vec<Finding>,
    /// Verdicts of the newest scan, in recorded order.
    pub verdicts: Vec<ProvisionVerdict>,
    /// Ids of the checks that ran in the newest scan, sorted.
    pub checks_run: Vec<String>,
}

impl InventoryDevice {
    /// Open ports of the newest scan.
    pub fn open_ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.endpoints
            .iter()
            .filter(|e| e.state == camguard_model::EndpointState::Open)
            .map(|e| e.port)
    }
}
