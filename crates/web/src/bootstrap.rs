//! First start: with no user in the database, create `admin` with a random password that is
//! shown once to the operator (never logged, stored only as an argon2 hash).

use crate::secret::{hash_password, random_password};
use camguard_store::Store;
use chrono::{DateTime, Utc};

/// Length of the generated first password.
pub const FIRST_PASSWORD_LEN: usize = 20;

/// Why the first administrator could not be created.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] camguard_store::StoreError),
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// When the database has no user, create `admin` and return its one-time password.
pub async fn ensure_admin(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<String>, BootstrapError> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let password = random_password(FIRST_PASSWORD_LEN);
    let hash = hash_password(&password).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    store
        .create_user("admin", &hash, "admin", "vi", now)
        .await?;
    Ok(Some(password))
}
