//! Writing scans and device records.

use crate::codec::{enum_to_text, time_to_text, to_json};
use crate::error::StoreError;
use crate::types::ScanMeta;
use crate::Store;
use camguard_model::DeviceRecord;
use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};
use std::sync::OnceLock;

/// Starts a write transaction that takes the write lock at once. A deferred transaction that
/// reads first and writes later can fail with `SQLITE_BUSY` under concurrent writers; an
/// immediate one waits for the busy timeout instead. (PostgreSQL: plain `BEGIN`.)
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// Tables holding per-(scan, device) rows, cleared before a record is (re)written.
const PER_SCAN_TABLES: [&str; 5] = [
    "observations",
    "endpoints",
    "findings",
    "verdicts",
    "checks_run",
];

impl Store {
    /// Record the start of a scan; returns its id.
    pub async fn begin_scan(&self, meta: &ScanMeta) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO scans (started_at, targets, options, baseline)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(time_to_text(meta.started_at))
        .bind(&meta.targets)
        .bind(to_json("scan options", &meta.options)?)
        .bind(&meta.baseline)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Record everything one scan concluded about one host, in one transaction; returns the
    /// device id. The device row is matched by address: a re-scan moves `first_seen` /
    /// `last_seen` and, when this observation is the newest, replaces the identity.
    /// Recording the same host twice in one scan replaces the earlier record.
    ///
    /// Once this returns the record is durable (WAL, `synchronous = FULL`).
    pub async fn record_device(&self, scan_id: i64, rec: &DeviceRecord) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let exists = sqlx::query("SELECT id FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::UnknownScan(scan_id));
        }
        let device_id = upsert_device(&mut tx, scan_id, rec).await?;
        for table in PER_SCAN_TABLES {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE scan_id = $1 AND device_id = $2"
            ))
            .bind(scan_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        }
        insert_rows(&mut tx, scan_id, device_id, rec).await?;
        tx.commit().await?;
        Ok(device_id)
    }

    /// Mark a scan finished.
    pub async fn finish_scan(
        &self,
        scan_id: i64,
        finished_at: DateTime<Utc>,
        hosts_scanned: u64,
    ) -> Result<(), StoreError> {
        let hosts = i64::try_from(hosts_scanned).unwrap_or(i64::MAX);
        let done =
            sqlx::query("UPDATE scans SET finished_at = $1, hosts_scanned = $2 WHERE id = $3")
                .bind(time_to_text(finished_at))
                .bind(hosts)
                .bind(scan_id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::UnknownScan(scan_id));
        }
        Ok(())
    }
}

/// True (in the upsert's `SET` expressions) when the incoming observation is the device's
/// newest: every `SET` expression sees the old row, so this compares with the old `last_seen`.
const INCOMING_IS_NEWEST: &str = "excluded.last_seen >= devices.last_seen";

/// Device columns that take the newest observation's value.
const NEWEST_WINS: [&str; 10] = [
    "last_seen",
    "last_scan_id",
    "vendor",
    "product",
    "model",
    "firmware",
    "device_type",
    "camera",
    "confidence",
    "rules",
];

/// The device upsert: insert the row, or keep the earliest `first_seen`, take the
/// [`NEWEST_WINS`] columns from the newest observation, and keep a known serial unless the
/// newest observation brings one.
fn upsert_device_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let newest_wins: String = NEWEST_WINS
            .iter()
            .map(|c| {
                format!(
                    ",\n           {c} = CASE WHEN {INCOMING_IS_NEWEST} \
                     THEN excluded.{c} ELSE devices.{c} END"
                )
            })
            .collect();
        format!(
            "INSERT INTO devices (ip, first_seen, last_seen, last_scan_id, vendor, product, model,
                                  firmware, device_type, camera, confidence, serial, rules)
             VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (ip) DO UPDATE SET
               first_seen = CASE WHEN excluded.first_seen < devices.first_seen
                                 THEN excluded.first_seen ELSE devices.first_seen END,
               serial     = CASE WHEN {INCOMING_IS_NEWEST}
                                 THEN COALESCE(excluded.serial, devices.serial)
                                 ELSE COALESCE(devices.serial, excluded.serial) END{newest_wins}
             RETURNING id"
        )
    })
}

/// Insert or update the device row; returns its id.
async fn upsert_device(
    tx: &mut Transaction<'_, Sqlite>,
    scan_id: i64,
    rec: &DeviceRecord,
) -> Result<i64, StoreError> {
    let obs = &rec.observation;
    let id = &rec.identity;
    let seen = time_to_text(obs.observed_at);
    let device_type = id.device_type.map(|t| t.as_str().to_owned());
    let serial = obs.onvif.as_ref().and_then(|o| {
        o.device_info_authenticated
            .as_ref()
            .and_then(|i| i.serial.clone())
            .or_else(|| {
                o.device_info_anonymous
                    .as_ref()
                    .and_then(|i| i.serial.clone())
            })
    });
    let row = sqlx::query(upsert_device_sql())
        .bind(obs.ip.to_string())
        .bind(&seen)
        .bind(scan_id)
        .bind(&id.vendor)
        .bind(&id.product)
        .bind(&id.model)
        .bind(&id.firmware)
        .bind(device_type)
        .bind(i64::from(id.camera))
        .bind(if id.confidence.is_finite() {
            id.confidence
        } else {
            0.0
        })
        .bind(serial)
        .bind(to_json("fingerprint rules", &id.rules)?)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("id")?)
}

/// Insert the per-scan rows of one record.
async fn insert_rows(
    tx: &mut Transaction<'_, Sqlite>,
    scan_id: i64,
    device_id: i64,
    rec: &DeviceRecord,
) -> Result<(), StoreError> {
    let obs = &rec.observation;
    sqlx::query(
        "INSERT INTO observations (scan_id, device_id, observed_at, camera, identity, observation)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scan_id)
    .bind(device_id)
    .bind(time_to_text(obs.observed_at))
    .bind(i64::from(rec.identity.camera))
    .bind(to_json("identity", &rec.identity)?)
    .bind(to_json("observation", obs)?)
    .execute(&mut **tx)
    .await?;

    for e in &obs.endpoints {
        let service = e
            .service
            .as_ref()
            .map(|s| enum_to_text("service", s))
            .transpose()?;
        // A port listed twice keeps its first entry.
        sqlx::query(
            "INSERT INTO endpoints (scan_id, device_id, port, state, service, reason)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (scan_id, device_id, port) DO NOTHING",
        )
        .bind(scan_id)
        .bind(device_id)
        .bind(i64::from(e.port))
        .bind(enum_to_text("endpoint state", &e.state)?)
        .bind(service)
        .bind(&e.reason)
        .execute(&mut **tx)
        .await?;
    }

    for f in &rec.findings {
        sqlx::query(
            "INSERT INTO findings (scan_id, device_id, check_id, severity, port, summary, evidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(scan_id)
        .bind(device_id)
        .bind(&f.check_id)
        .bind(f.severity.as_str())
        .bind(f.port.map(i64::from))
        .bind(&f.summary)
        .bind(to_json("finding evidence", &f.evidence)?)
        .execute(&mut **tx)
        .await?;
    }

    for (position, v) in rec.verdicts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO verdicts (scan_id, device_id, baseline, provision, position, status, findings)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (scan_id, device_id, baseline, provision) DO NOTHING",
        )
        .bind(scan_id)
        .bind(device_id)
        .bind(&v.baseline)
        .bind(&v.provision)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(v.status.as_str())
        .bind(to_json("verdict findings", &v.findings)?)
        .execute(&mut **tx)
        .await?;
    }

    for check in &rec.checks_run {
        sqlx::query(
            "INSERT INTO checks_run (scan_id, device_id, check_id) VALUES ($1, $2, $3)
             ON CONFLICT (scan_id, device_id, check_id) DO NOTHING",
        )
        .bind(scan_id)
        .bind(device_id)
        .bind(check)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
