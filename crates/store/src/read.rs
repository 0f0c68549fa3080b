//! Reading scans and the device inventory.

use crate::codec::{enum_from_text, from_json, port_from_i64, time_from_text};
use crate::error::StoreError;
use crate::types::{InventoryDevice, ScanSummary};
use crate::Store;
use camguard_model::{Endpoint, Finding, Identity, ProvisionVerdict, Severity};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::Row;
use std::collections::HashMap;

impl Store {
    /// Every scan, oldest first, with per-scan counts.
    pub async fn scans(&self) -> Result<Vec<ScanSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.started_at, s.finished_at, s.targets, s.options, s.baseline,
                    s.hosts_scanned,
                    (SELECT COUNT(*) FROM observations o WHERE o.scan_id = s.id) AS devices,
                    (SELECT COUNT(*) FROM observations o
                      WHERE o.scan_id = s.id AND o.camera = 1) AS cameras,
                    (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id) AS findings
             FROM scans s ORDER BY s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(scan_from_row).collect()
    }

    /// Latest state of every device (its newest scan's endpoints, findings and verdicts),
    /// cameras first, then by address.
    pub async fn inventory(&self) -> Result<Vec<InventoryDevice>, StoreError> {
        // One read transaction: a consistent snapshot even while a scan is writing.
        let mut tx = self.pool.begin().await?;
        let device_rows = sqlx::query(
            "SELECT id, ip, first_seen, last_seen, last_scan_id, vendor, product, model, firmware,
                    device_type, camera, confidence, serial, rules
             FROM devices",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut devices = device_rows
            .iter()
            .map(device_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let index: HashMap<i64, usize> =
            devices.iter().enumerate().map(|(i, d)| (d.id, i)).collect();

        for (i, row) in latest_rows(
            &mut tx,
            &index,
            "endpoints",
            "t.port, t.state, t.service, t.reason",
            "t.port",
        )
        .await?
        {
            devices[i].endpoints.push(endpoint_from_row(&row)?);
        }
        for (i, row) in latest_rows(
            &mut tx,
            &index,
            "findings",
            "t.check_id, t.severity, t.port, t.summary, t.evidence",
            "t.id",
        )
        .await?
        {
            devices[i].findings.push(finding_from_row(&row)?);
        }
        for (i, row) in latest_rows(
            &mut tx,
            &index,
            "verdicts",
            "t.baseline, t.provision, t.status, t.findings",
            "t.position",
        )
        .await?
        {
            devices[i].verdicts.push(verdict_from_row(&row)?);
        }
        for (i, row) in
            latest_rows(&mut tx, &index, "checks_run", "t.check_id", "t.check_id").await?
        {
            devices[i].checks_run.push(row.try_get("check_id")?);
        }
        tx.commit().await?;

        devices.sort_by(|a, b| {
            b.identity
                .camera
                .cmp(&a.identity.camera)
                .then(a.ip.cmp(&b.ip))
        });
        Ok(devices)
    }

    /// Number of distinct devices ever recorded.
    pub async fn device_count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM devices")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The `columns` of the rows of `table` that belong to each device's newest scan, ordered by
/// device and then `order`, each with the device's position in `index` (rows of devices not
/// in `index` are skipped).
async fn latest_rows(
    conn: &mut SqliteConnection,
    index: &HashMap<i64, usize>,
    table: &str,
    columns: &str,
    order: &str,
) -> Result<Vec<(usize, SqliteRow)>, StoreError> {
    let sql = format!(
        "SELECT t.device_id, {columns} FROM {table} t
         JOIN devices d ON d.id = t.device_id AND d.last_scan_id = t.scan_id
         ORDER BY t.device_id, {order}"
    );
    let mut rows = Vec::new();
    for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
        if let Some(&i) = index.get(&row.try_get::<i64, _>("device_id")?) {
            rows.push((i, row));
        }
    }
    Ok(rows)
}

fn count(row: &SqliteRow, column: &'static str) -> Result<u64, StoreError> {
    let n: i64 = row.try_get(column)?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt {
        table: "scans",
        column,
        reason: format!("negative count {n}"),
    })
}

fn scan_from_row(row: &SqliteRow) -> Result<ScanSummary, StoreError> {
    let finished: Option<String> = row.try_get("finished_at")?;
    let hosts: Option<i64> = row.try_get("hosts_scanned")?;
    Ok(ScanSummary {
        id: row.try_get("id")?,
        started_at: time_from_text(
            "scans",
            "started_at",
            &row.try_get::<String, _>("started_at")?,
        )?,
        finished_at: finished
            .map(|s| time_from_text("scans", "finished_at", &s))
            .transpose()?,
        targets: row.try_get("targets")?,
        options: from_json("scans", "options", &row.try_get::<String, _>("options")?)?,
        baseline: row.try_get("baseline")?,
        hosts_scanned: hosts.map(|n| u64::try_from(n).unwrap_or(0)),
        devices: count(row, "devices")?,
        cameras: count(row, "cameras")?,
        findings: count(row, "findings")?,
    })
}

fn device_from_row(row: &SqliteRow) -> Result<InventoryDevice, StoreError> {
    let ip: String = row.try_get("ip")?;
    let device_type: Option<String> = row.try_get("device_type")?;
    Ok(InventoryDevice {
        id: row.try_get("id")?,
        ip: ip.parse().map_err(|_| StoreError::Corrupt {
            table: "devices",
            column: "ip",
            reason: format!("{ip:?} is not an IP address"),
        })?,
        first_seen: time_from_text(
            "devices",
            "first_seen",
            &row.try_get::<String, _>("first_seen")?,
        )?,
        last_seen: time_from_text(
            "devices",
            "last_seen",
            &row.try_get::<String, _>("last_seen")?,
        )?,
        scan_id: row.try_get("last_scan_id")?,
        identity: Identity {
            camera: row.try_get::<i64, _>("camera")? != 0,
            vendor: row.try_get("vendor")?,
            product: row.try_get("product")?,
            model: row.try_get("model")?,
            firmware: row.try_get("firmware")?,
            device_type: device_type
                .map(|t| enum_from_text("devices", "device_type", &t))
                .transpose()?,
            confidence: row.try_get("confidence")?,
            rules: from_json("devices", "rules", &row.try_get::<String, _>("rules")?)?,
        },
        serial: row.try_get("serial")?,
        endpoints: Vec::new(),
        findings: Vec::new(),
        verdicts: Vec::new(),
        checks_run: Vec::new(),
    })
}

fn endpoint_from_row(row: &SqliteRow) -> Result<Endpoint, StoreError> {
    let service: Option<String> = row.try_get("service")?;
    Ok(Endpoint {
        port: port_from_i64("endpoints", "port", row.try_get("port")?)?,
        state: enum_from_text("endpoints", "state", &row.try_get::<String, _>("state")?)?,
        service: service
            .map(|s| enum_from_text("endpoints", "service", &s))
            .transpose()?,
        reason: row.try_get("reason")?,
    })
}

pub(crate) fn finding_from_row(row: &SqliteRow) -> Result<Finding, StoreError> {
    let severity: String = row.try_get("severity")?;
    let port: Option<i64> = row.try_get("port")?;
    Ok(Finding {
        check_id: row.try_get("check_id")?,
        severity: Severity::parse(&severity).ok_or_else(|| StoreError::Corrupt {
            table: "findings",
            column: "severity",
            reason: format!("unknown severity {severity:?}"),
        })?,
        port: port
            .map(|p| port_from_i64("findings", "port", p))
            .transpose()?,
        summary: row.try_get("summary")?,
        evidence: from_json(
            "findings",
            "evidence",
            &row.try_get::<String, _>("evidence")?,
        )?,
    })
}

fn verdict_from_row(row: &SqliteRow) -> Result<ProvisionVerdict, StoreError> {
    Ok(ProvisionVerdict {
        baseline: row.try_get("baseline")?,
        provision: row.try_get("provision")?,
        status: enum_from_text("verdicts", "status", &row.try_get::<String, _>("status")?)?,
        findings: from_json(
            "verdicts",
            "findings",
            &row.try_get::<String, _>("findings")?,
        )?,
    })
}
