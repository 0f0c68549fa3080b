//! Scan jobs started from the dashboard or a schedule, and a device's history across scans.

use crate::codec::{from_json, time_from_text, time_to_text};
use crate::error::StoreError;
use crate::Store;
use camguard_model::Identity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// A scan requested through `camguard serve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanJob {
    /// Job id.
    pub id: i64,
    /// System whose scope the targets lie in.
    pub system_id: Option<i64>,
    /// Targets.
    pub targets: String,
    /// `queued`, `running`, `finished`, `failed` or `cancelled`.
    pub status: String,
    /// Who asked (a user name, or `schedule:<id>`).
    pub requested_by: String,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// The `scans` row the pipeline wrote, once known.
    pub scan_id: Option<i64>,
    /// Live hosts recorded so far.
    pub hosts_done: i64,
    /// Why it failed.
    pub error: Option<String>,
}

/// One scan's view of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceHistoryEntry {
    /// Scan id.
    pub scan_id: i64,
    /// When the device was observed in that scan.
    pub observed_at: DateTime<Utc>,
    /// Identity concluded in that scan.
    pub identity: Identity,
    /// Findings of that scan, by check id.
    pub findings: Vec<String>,
}

fn job(r: &SqliteRow) -> Result<ScanJob, StoreError> {
    let finished: Option<String> = r.try_get("finished_at")?;
    Ok(ScanJob {
        id: r.try_get("id")?,
        system_id: r.try_get("system_id")?,
        targets: r.try_get("targets")?,
        status: r.try_get("status")?,
        requested_by: r.try_get("requested_by")?,
        created_at: time_from_text(
            "scan_jobs",
            "created_at",
            &r.try_get::<String, _>("created_at")?,
        )?,
        finished_at: finished
            .map(|s| time_from_text("scan_jobs", "finished_at", &s))
            .transpose()?,
        scan_id: r.try_get("scan_id")?,
        hosts_done: r.try_get("hosts_done")?,
        error: r.try_get("error")?,
    })
}

impl Store {
    /// Record a queued job.
    pub async fn create_job(
        &self,
        system_id: Option<i64>,
        targets: &str,
        requested_by: &str,
        now: DateTime<Utc>,
    ) -> Result<ScanJob, StoreError> {
        let r = sqlx::query(
            "INSERT INTO scan_jobs (system_id, targets, status, requested_by, created_at)
             VALUES ($1, $2, 'queued', $3, $4) RETURNING *",
        )
        .bind(system_id)
        .bind(targets)
        .bind(requested_by)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        job(&r)
    }

    /// A job by id.
    pub async fn job(&self, id: i64) -> Result<Option<ScanJob>, StoreError> {
        sqlx::query("SELECT * FROM scan_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(job)
            .transpose()
    }

    /// Every job, newest first.
    pub async fn jobs(&self) -> Result<Vec<ScanJob>, StoreError> {
        sqlx::query("SELECT * FROM scan_jobs ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(job)
            .collect()
    }

    /// Update a job's progress and status. `finished_at` and `error` are set when given.
    pub async fn update_job(
        &self,
        id: i64,
        status: &str,
        scan_id: Option<i64>,
        hosts_done: i64,
        finished_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE scan_jobs SET status = $2, scan_id = COALESCE($3, scan_id), hosts_done = $4,
                    finished_at = COALESCE($5, finished_at), error = COALESCE($6, error)
             WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(scan_id)
        .bind(hosts_done)
        .bind(finished_at.map(time_to_text))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keep a job's scan request (JSON), for a restarted server to resume the job with.
    pub async fn set_job_request(&self, id: i64, request: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO scan_job_requests (job_id, request) VALUES ($1, $2)
             ON CONFLICT (job_id) DO UPDATE SET request = excluded.request",
        )
        .bind(id)
        .bind(request)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Jobs left `queued` or `running` (by a server that stopped), oldest first, with their
    /// scan requests when kept.
    pub async fn orphaned_jobs(&self) -> Result<Vec<(ScanJob, Option<String>)>, StoreError> {
        sqlx::query(
            "SELECT j.*, r.request AS request FROM scan_jobs j
             LEFT JOIN scan_job_requests r ON r.job_id = j.id
             WHERE j.status IN ('queued', 'running') ORDER BY j.id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((job(r)?, r.try_get("request")?)))
        .collect()
    }

    /// Jobs left `queued` or `running` by a server that stopped are marked `failed`.
    pub async fn fail_orphaned_jobs(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE scan_jobs SET status = 'failed', finished_at = $1,
                    error = 'the server stopped while the scan ran'
             WHERE status IN ('queued', 'running')",
        )
        .bind(time_to_text(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The newest `scans.id`, if any (a job learns its scan id from it).
    pub async fn latest_scan_id(&self) -> Result<Option<i64>, StoreError> {
        let r = sqlx::query("SELECT MAX(id) AS id FROM scans")
            .fetch_one(&self.pool)
            .await?;
        Ok(r.try_get("id")?)
    }

    /// A device's observations across scans, oldest first.
    pub async fn device_history(
        &self,
        device_id: i64,
    ) -> Result<Vec<DeviceHistoryEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT o.scan_id, o.observed_at, o.identity,
                    (SELECT group_concat(f.check_id, ' ') FROM findings f
                      WHERE f.scan_id = o.scan_id AND f.device_id = o.device_id) AS checks
             FROM observations o WHERE o.device_id = $1 ORDER BY o.scan_id",
        )
        .bind(device_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let checks: Option<String> = r.try_get("checks")?;
                Ok(DeviceHistoryEntry {
                    scan_id: r.try_get("scan_id")?,
                    observed_at: time_from_text(
                        "observations",
                        "observed_at",
                        &r.try_get::<String, _>("observed_at")?,
                    )?,
                    identity: from_json(
                        "observations",
                        "identity",
                        &r.try_get::<String, _>("identity")?,
                    )?,
                    findings: checks
                        .map(|c| c.split(' ').map(str::to_owned).collect())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}

impl Store {
    /// The scan a job's pipeline recorded (its options carry `"job": <id>`).
    pub async fn scan_for_job(&self, job_id: i64) -> Result<Option<i64>, StoreError> {
        let r = sqlx::query(
            "SELECT MAX(id) AS id FROM scans WHERE json_extract(options, '$.job') = $1",
        )
        .bind(job_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get("id")?)
    }
}

#[cfg(test)]
mod job_request_tests {
    use super::*;

    #[tokio::test]
    async fn orphaned_jobs_come_with_their_requests_and_finished_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("j.db")).await.unwrap();
        let now = Utc::now();
        let a = store
            .create_job(None, "127.0.0.1", "admin", now)
            .await
            .unwrap();
        let b = store
            .create_job(None, "127.0.0.2", "admin", now)
            .await
            .unwrap();
        let c = store
            .create_job(None, "127.0.0.3", "admin", now)
            .await
            .unwrap();
        store.set_job_request(a.id, "{\"job_id\":1}").await.unwrap();
        store
            .update_job(a.id, "running", None, 0, None, None)
            .await
            .unwrap();
        store
            .update_job(c.id, "finished", None, 0, Some(now), None)
            .await
            .unwrap();
        let orphans = store.orphaned_jobs().await.unwrap();
        let got: Vec<(i64, Option<&str>)> =
            orphans.iter().map(|(j, r)| (j.id, r.as_deref())).collect();
        assert_eq!(got, vec![(a.id, Some("{\"job_id\":1}")), (b.id, None)]);
    }
}
