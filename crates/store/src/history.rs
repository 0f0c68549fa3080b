//! Reading one scan's state and the history across scans (what diff reports and trends need).
//!
//! [`crate::Store::inventory`] gives each device's *newest* state; the functions here give the
//! state as a given scan recorded it, and per-scan totals by severity.

use crate::codec::{from_json, time_from_text};
use crate::error::StoreError;
use crate::read::finding_from_row;
use crate::Store;
use camguard_model::{Finding, Identity, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One device as one scan recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanDevice {
    /// Device id.
    pub device_id: i64,
    /// Address.
    pub ip: IpAddr,
    /// Identity as concluded in that scan.
    pub identity: Identity,
    /// Findings of that scan, in recorded order.
    pub findings: Vec<Finding>,
}

/// Per-scan totals, for trends across scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanTrend {
    /// Scan id.
    pub scan_id: i64,
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// Devices recorded in the scan.
    pub devices: u64,
    /// Of those, surveillance devices.
    pub cameras: u64,
    /// Findings per severity (only severities that occur).
    pub findings_by_severity: BTreeMap<Severity, u64>,
}

impl ScanTrend {
    /// Findings of every severity.
    pub fn findings(&self) -> u64 {
        self.findings_by_severity.values().sum()
    }
}

impl Store {
    /// Every device observed in scan `scan_id` with the identity and findings of that scan,
    /// by address. An unknown scan id gives an empty list.
    pub async fn scan_devices(&self, scan_id: i64) -> Result<Vec<ScanDevice>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT o.device_id, d.ip, o.identity FROM observations o
             JOIN devices d ON d.id = o.device_id
             WHERE o.scan_id = $1",
        )
        .bind(scan_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut devices = Vec::with_capacity(rows.len());
        let mut index = BTreeMap::new();
        for row in &rows {
            let ip: String = row.try_get("ip")?;
            let device_id: i64 = row.try_get("device_id")?;
            index.insert(device_id, devices.len());
            devices.push(ScanDevice {
                device_id,
                ip: ip.parse().map_err(|_| StoreError::Corrupt {
                    table: "devices",
                    column: "ip",
                    reason: format!("{ip:?} is not an IP address"),
                })?,
                identity: from_json(
                    "observations",
                    "identity",
                    &row.try_get::<String, _>("identity")?,
                )?,
                findings: Vec::new(),
            });
        }
        let findings = sqlx::query(
            "SELECT device_id, check_id, severity, port, summary, evidence FROM findings
             WHERE scan_id = $1 ORDER BY device_id, id",
        )
        .bind(scan_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        for row in &findings {
            let device_id: i64 = row.try_get("device_id")?;
            if let Some(&i) = index.get(&device_id) {
                devices[i].findings.push(finding_from_row(row)?);
            }
        }
        devices.sort_by_key(|d| d.ip);
        Ok(devices)
    }

    /// Per-scan totals (devices, cameras, findings by severity), oldest scan first.
    pub async fn scan_trend(&self) -> Result<Vec<ScanTrend>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let scans = sqlx::query(
            "SELECT s.id, s.started_at,
                    (SELECT COUNT(*) FROM observations o WHERE o.scan_id = s.id) AS devices,
                    (SELECT COUNT(*) FROM observations o
                      WHERE o.scan_id = s.id AND o.camera = 1) AS cameras
             FROM scans s ORDER BY s.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let counts = sqlx::query(
            "SELECT scan_id, severity, COUNT(*) AS n FROM findings GROUP BY scan_id, severity",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut trend = Vec::with_capacity(scans.len());
        let mut index = BTreeMap::new();
        for row in &scans {
            let scan_id: i64 = row.try_get("id")?;
            index.insert(scan_id, trend.len());
            trend.push(ScanTrend {
                scan_id,
                started_at: time_from_text(
                    "scans",
                    "started_at",
                    &row.try_get::<String, _>("started_at")?,
                )?,
                devices: non_negative(row.try_get("devices")?),
                cameras: non_negative(row.try_get("cameras")?),
                findings_by_severity: BTreeMap::new(),
            });
        }
        for row in &counts {
            let scan_id: i64 = row.try_get("scan_id")?;
            let severity: String = row.try_get("severity")?;
            let severity = Severity::parse(&severity).ok_or_else(|| StoreError::Corrupt {
                table: "findings",
                column: "severity",
                reason: format!("unknown severity {severity:?}"),
            })?;
            if let Some(&i) = index.get(&scan_id) {
                *trend[i].findings_by_severity.entry(severity).or_default() +=
                    non_negative(row.try_get("n")?);
            }
        }
        Ok(trend)
    }
}

fn non_negative(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
