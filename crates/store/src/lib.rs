//! camguard store stage: scans, devices and their findings and verdicts in SQLite.
//!
//! Queries are built at run time (no compile-time macros) in SQL that also suits PostgreSQL
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`), so a second backend can reuse them. The schema
//! lives in numbered files under `migrations/`, embedded and applied by [`Store::open`].
//!
//! A device is keyed by its address; each scan adds its observation, endpoints, findings,
//! verdicts and the checks that ran, and the device row keeps first/last seen and the identity
//! from its newest observation. [`Store::inventory`] returns each device's newest state.

pub mod auth;
mod codec;
mod error;
mod history;
pub mod jobs;
pub mod migrate;
pub mod org;
mod read;
mod registry;
pub mod settings;
mod types;
mod write;

pub use error::StoreError;
pub use history::{ScanDevice, ScanTrend};
pub use registry::RegistryImport;
pub use types::{InventoryDevice, ScanMeta, ScanSummary};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// SQLite's primary result code for "file is not a database".
const SQLITE_NOTADB: &str = "26";

/// A handle on the camguard database. Cheap to clone; safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Open (create if missing) and migrate. A directory that does not exist / is not writable,
    /// or a file that is not a SQLite database, gives a clear [`StoreError`] naming the path.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(StoreError::MissingDirectory {
                path: path.to_owned(),
                dir,
            });
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a transaction that committed survives a crash or power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| classify_open_error(path, e))?;
        migrate::run(&pool, path).await.map_err(|e| match e {
            StoreError::Sql(e) => classify_open_error(path, e),
            other => other,
        })?;
        Ok(Store {
            pool,
            path: path.to_owned(),
        })
    }

    /// The path the store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Close the connections, waiting for them to finish (checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn classify_open_error(path: &Path, source: sqlx::Error) -> StoreError {
    let not_a_db = source
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == SQLITE_NOTADB);
    if not_a_db {
        StoreError::NotADatabase {
            path: path.to_owned(),
            source,
        }
    } else {
        StoreError::Open {
            path: path.to_owned(),
            source,
        }
    }
}
