//! The store's error type.

use std::path::PathBuf;

/// Everything that can go wrong opening, migrating, writing or reading the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database does not exist.
    #[error("cannot open database {path}: directory {dir} does not exist or is not a directory")]
    MissingDirectory {
        /// Database path asked for.
        path: PathBuf,
        /// Its parent directory.
        dir: PathBuf,
    },
    /// SQLite could not open or create the file (permissions, read-only file system, …).
    #[error("cannot open database {path}: {source}")]
    Open {
        /// Database path asked for.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// The file exists but is not a SQLite database.
    #[error("{path} is not a SQLite database (or is encrypted or corrupt): {source}")]
    NotADatabase {
        /// Database path asked for.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// The database was written by a newer camguard.
    #[error(
        "database {path} has schema version {found}, newer than this camguard supports ({supported})"
    )]
    SchemaTooNew {
        /// Database path.
        path: PathBuf,
        /// Highest migration applied in the file.
        found: i64,
        /// Highest migration this build knows.
        supported: i64,
    },
    /// A migration failed to apply.
    #[error("database {path}: migration {version} ({name}) failed: {source}")]
    Migration {
        /// Database path.
        path: PathBuf,
        /// Migration version number.
        version: i64,
        /// Migration name.
        name: String,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// No scan has this id.
    #[error("no scan with id {0}")]
    UnknownScan(i64),
    /// A stored value could not be decoded.
    #[error("corrupt value in {table}.{column}: {reason}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A value could not be encoded as JSON.
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}
