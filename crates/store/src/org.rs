//! The organisation behind the cameras: sites, information systems with their approved
//! security level, owner and authorised scan scopes, scan schedules, and documentary
//! attestations that complete the verdicts a remote scan cannot reach.

use crate::codec::{time_from_text, time_to_text};
use crate::error::StoreError;
use crate::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// A site (a building, a campus) where camera systems are installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Site id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Postal address or description.
    pub address: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An information system that uses cameras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// System id.
    pub id: i64,
    /// Site the system belongs to.
    pub site_id: i64,
    /// Name, unique within the site.
    pub name: String,
    /// Approved security level (1–5).
    pub security_level: i64,
    /// Owner (unit or person responsible).
    pub owner: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// An authorised scan scope of a system: one CIDR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Scope id.
    pub id: i64,
    /// System the scope belongs to.
    pub system_id: i64,
    /// Authorised range as a CIDR.
    pub cidr: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A periodic scan of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Schedule id.
    pub id: i64,
    /// System scanned.
    pub system_id: i64,
    /// Targets (inside the system's scopes).
    pub targets: String,
    /// `daily`, `weekly`, `monthly` or a five-field cron expression.
    pub spec: String,
    /// Next time the scan starts.
    pub next_run: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Documentary evidence an auditor attached to a provision for a model or a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// Attestation id.
    pub id: i64,
    /// `model:<vendor>/<model>` or `system:<id>`.
    pub subject: String,
    /// Baseline id.
    pub baseline: String,
    /// Provision id.
    pub provision: String,
    /// `pass` or `fail`.
    pub status: String,
    /// Reference to the document (title, number, file name).
    pub document: String,
    /// Free note.
    pub note: String,
    /// Auditor.
    pub attested_by: String,
    /// When.
    pub attested_at: DateTime<Utc>,
}

fn time(
    row: &SqliteRow,
    table: &'static str,
    column: &'static str,
) -> Result<DateTime<Utc>, StoreError> {
    time_from_text(table, column, &row.try_get::<String, _>(column)?)
}

fn site(r: &SqliteRow) -> Result<Site, StoreError> {
    Ok(Site {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        created_at: time(r, "sites", "created_at")?,
    })
}

fn system(r: &SqliteRow) -> Result<System, StoreError> {
    Ok(System {
        id: r.try_get("id")?,
        site_id: r.try_get("site_id")?,
        name: r.try_get("name")?,
        security_level: r.try_get("security_level")?,
        owner: r.try_get("owner")?,
        created_at: time(r, "systems", "created_at")?,
    })
}

fn scope(r: &SqliteRow) -> Result<Scope, StoreError> {
    Ok(Scope {
        id: r.try_get("id")?,
        system_id: r.try_get("system_id")?,
        cidr: r.try_get("cidr")?,
        created_at: time(r, "scopes", "created_at")?,
    })
}

fn schedule(r: &SqliteRow) -> Result<Schedule, StoreError> {
    Ok(Schedule {
        id: r.try_get("id")?,
        system_id: r.try_get("system_id")?,
        targets: r.try_get("targets")?,
        spec: r.try_get("spec")?,
        next_run: time(r, "schedules", "next_run")?,
        created_by: r.try_get("created_by")?,
        created_at: time(r, "schedules", "created_at")?,
    })
}

fn attestation(r: &SqliteRow) -> Result<Attestation, StoreError> {
    Ok(Attestation {
        id: r.try_get("id")?,
        subject: r.try_get("subject")?,
        baseline: r.try_get("baseline")?,
        provision: r.try_get("provision")?,
        status: r.try_get("status")?,
        document: r.try_get("document")?,
        note: r.try_get("note")?,
        attested_by: r.try_get("attested_by")?,
        attested_at: time(r, "attestations", "attested_at")?,
    })
}

impl Store {
    async fn all<T>(
        &self,
        sql: &str,
        decode: fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        sqlx::query(sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    async fn delete_by_id(&self, table: &str, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every site, by id.
    pub async fn sites(&self) -> Result<Vec<Site>, StoreError> {
        self.all("SELECT * FROM sites ORDER BY id", site).await
    }

    /// Create a site.
    pub async fn create_site(
        &self,
        name: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Site, StoreError> {
        let r = sqlx::query(
            "INSERT INTO sites (name, address, created_at) VALUES ($1, $2, $3) RETURNING *",
        )
        .bind(name)
        .bind(address)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        site(&r)
    }

    /// Change a site's name and/or address; `None` keeps a field. `None` when no such site.
    pub async fn update_site(
        &self,
        id: i64,
        name: Option<&str>,
        address: Option<&str>,
    ) -> Result<Option<Site>, StoreError> {
        let r = sqlx::query(
            "UPDATE sites SET name = COALESCE($2, name), address = COALESCE($3, address)
             WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(name)
        .bind(address)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(site).transpose()
    }

    /// Delete a site (and its systems, scopes and schedules).
    pub async fn delete_site(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_by_id("sites", id).await
    }

    /// Every system, by id.
    pub async fn systems(&self) -> Result<Vec<System>, StoreError> {
        self.all("SELECT * FROM systems ORDER BY id", system).await
    }

    /// Create a system of a site. An unknown site is a foreign-key [`StoreError::Sql`].
    pub async fn create_system(
        &self,
        site_id: i64,
        name: &str,
        security_level: i64,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<System, StoreError> {
        let r = sqlx::query(
            "INSERT INTO systems (site_id, name, security_level, owner, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        )
        .bind(site_id)
        .bind(name)
        .bind(security_level)
        .bind(owner)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        system(&r)
    }

    /// Change a system's name, approved security level or owner (`None`: unchanged).
    /// `None` when there is no such system.
    pub async fn update_system(
        &self,
        id: i64,
        name: Option<&str>,
        security_level: Option<i64>,
        owner: Option<&str>,
    ) -> Result<Option<System>, StoreError> {
        let r = sqlx::query(
            "UPDATE systems SET name = COALESCE($2, name),
                 security_level = COALESCE($3, security_level), owner = COALESCE($4, owner)
             WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(name)
        .bind(security_level)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(system).transpose()
    }

    /// Delete a system (and its scopes and schedules).
    pub async fn delete_system(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_by_id("systems", id).await
    }

    /// Every scope, by id.
    pub async fn scopes(&self) -> Result<Vec<Scope>, StoreError> {
        self.all("SELECT * FROM scopes ORDER BY id", scope).await
    }

    /// Add an authorised range to a system.
    pub async fn create_scope(
        &self,
        system_id: i64,
        cidr: &str,
        now: DateTime<Utc>,
    ) -> Result<Scope, StoreError> {
        let r = sqlx::query(
            "INSERT INTO scopes (system_id, cidr, created_at) VALUES ($1, $2, $3) RETURNING *",
        )
        .bind(system_id)
        .bind(cidr)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        scope(&r)
    }

    /// Delete a scope.
    pub async fn delete_scope(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_by_id("scopes", id).await
    }

    /// Every schedule, by id.
    pub async fn schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        self.all("SELECT * FROM schedules ORDER BY id", schedule)
            .await
    }

    /// Create a schedule.
    pub async fn create_schedule(
        &self,
        system_id: i64,
        targets: &str,
        spec: &str,
        next_run: DateTime<Utc>,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Schedule, StoreError> {
        let r = sqlx::query(
            "INSERT INTO schedules (system_id, targets, spec, next_run, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(system_id)
        .bind(targets)
        .bind(spec)
        .bind(time_to_text(next_run))
        .bind(created_by)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        schedule(&r)
    }

    /// Move a schedule's next run.
    pub async fn set_schedule_next_run(
        &self,
        id: i64,
        next_run: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE schedules SET next_run = $2 WHERE id = $1")
            .bind(id)
            .bind(time_to_text(next_run))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Delete a schedule.
    pub async fn delete_schedule(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_by_id("schedules", id).await
    }

    /// Every attestation, by id.
    pub async fn attestations(&self) -> Result<Vec<Attestation>, StoreError> {
        self.all("SELECT * FROM attestations ORDER BY id", attestation)
            .await
    }

    /// Record an attestation (its `id` is ignored); returns it as stored.
    pub async fn create_attestation(&self, a: &Attestation) -> Result<Attestation, StoreError> {
        let r = sqlx::query(
            "INSERT INTO attestations (subject, baseline, provision, status, document, note,
                                       attested_by, attested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(&a.subject)
        .bind(&a.baseline)
        .bind(&a.provision)
        .bind(&a.status)
        .bind(&a.document)
        .bind(&a.note)
        .bind(&a.attested_by)
        .bind(time_to_text(a.attested_at))
        .fetch_one(&self.pool)
        .await?;
        attestation(&r)
    }

    /// Delete an attestation.
    pub async fn delete_attestation(&self, id: i64) -> Result<bool, StoreError> {
        self.delete_by_id("attestations", id).await
    }
}
