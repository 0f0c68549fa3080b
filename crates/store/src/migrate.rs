//! Embedded, numbered schema migrations and the runner that applies them.
//!
//! Each migration runs in its own transaction together with the row that records it in
//! `schema_migrations`, so a crash mid-way leaves the database at the previous version.

use crate::codec::time_to_text;
use crate::error::StoreError;
use chrono::Utc;
use sqlx::{Row, SqlitePool};
use std::path::Path;

/// One numbered migration compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version number (the file's numeric prefix).
    pub version: i64,
    /// Name (the rest of the file name).
    pub name: &'static str,
    /// SQL text.
    pub sql: &'static str,
}

/// All migrations, in ascending version order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "registries",
        sql: include_str!("../migrations/0002_registries.sql"),
    },
    Migration {
        version: 3,
        name: "web",
        sql: include_str!("../migrations/0003_web.sql"),
    },
    Migration {
        version: 4,
        name: "settings",
        sql: include_str!("../migrations/0004_settings.sql"),
    },
    Migration {
        version: 5,
        name: "job_request",
        sql: include_str!("../migrations/0005_job_request.sql"),
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Bring the database up to [`latest_version`]. Idempotent.
pub(crate) async fn run(pool: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .execute(pool)
    .await?;

    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("version"))
        .collect::<Result<_, _>>()?;

    if let Some(&found) = applied.last() {
        if found > latest_version() {
            return Err(StoreError::SchemaTooNew {
                path: path.to_owned(),
                found,
                supported: latest_version(),
            });
        }
    }

    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let fail = |source| StoreError::Migration {
            path: path.to_owned(),
            version: m.version,
            name: m.name.to_owned(),
            source,
        };
        let mut tx = pool.begin().await.map_err(fail)?;
        sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(fail)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(time_to_text(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order() {
        let mut prev = 0;
        for m in MIGRATIONS {
            assert!(m.version > prev, "migration {} out of order", m.version);
            assert!(!m.sql.trim().is_empty());
            prev = m.version;
        }
        assert_eq!(latest_version(), prev);
    }
}
