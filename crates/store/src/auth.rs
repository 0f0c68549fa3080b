//! Users, sessions, API tokens, failed logins and the audit log of `camguard serve`.
//!
//! Secrets never reach this module in the clear: callers pass argon2 PHC strings and the
//! SHA-256 of session ids and tokens.

use crate::codec::{time_from_text, time_to_text};
use crate::error::StoreError;
use crate::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// A dashboard user (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// `admin`, `auditor` or `viewer`.
    pub role: String,
    /// Preferred language (`vi` or `en`).
    pub lang: String,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
}

/// An API token's metadata (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Token id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's name.
    pub username: String,
    /// Label given at creation.
    pub name: String,
    /// Role the token acts with (at most the owner's).
    pub role: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last successful use.
    pub last_used: Option<DateTime<Utc>>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Entry id (0 before it is written).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`None`: anonymous).
    pub username: Option<String>,
    /// What, e.g. `login`, `login_failed`, `POST /api/v1/scans`.
    pub action: String,
    /// On what (an id, a path, a user name).
    pub target: Option<String>,
    /// From where (remote address).
    pub remote: Option<String>,
    /// Outcome: an HTTP status or `ok` / `denied`.
    pub outcome: String,
}

/// A live session: its user, CSRF token and last activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The signed-in user.
    pub user: User,
    /// Synchronizer CSRF token of the session.
    pub csrf: String,
    /// Last request seen on the session.
    pub last_seen: DateTime<Utc>,
}

fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        lang: row.try_get("lang")?,
        created_at: time_from_text(
            "users",
            "created_at",
            &row.try_get::<String, _>("created_at")?,
        )?,
    })
}

fn token_from_row(row: &SqliteRow) -> Result<ApiToken, StoreError> {
    let last: Option<String> = row.try_get("last_used")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        created_at: time_from_text(
            "api_tokens",
            "created_at",
            &row.try_get::<String, _>("created_at")?,
        )?,
        last_used: last
            .map(|s| time_from_text("api_tokens", "last_used", &s))
            .transpose()?,
    })
}

const USER_COLUMNS: &str = "u.id, u.username, u.role, u.lang, u.created_at";

impl Store {
    /// Number of users.
    pub async fn user_count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Create a user; returns its id. A taken name is a unique-constraint [`StoreError::Sql`].
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        lang: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO users (username, password_hash, role, lang, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role)
        .bind(lang)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// A user and their password hash, by name.
    pub async fn user_credentials(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, by id.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    /// Change a user's role, password hash and/or language; false when there is no such user.
    /// A new password hash or role also ends the user's sessions.
    pub async fn update_user(
        &self,
        id: i64,
        role: Option<&str>,
        password_hash: Option<&str>,
        lang: Option<&str>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET role = COALESCE($2, role), password_hash = COALESCE($3, password_hash),
                              lang = COALESCE($4, lang)
             WHERE id = $1",
        )
        .bind(id)
        .bind(role)
        .bind(password_hash)
        .bind(lang)
        .execute(&self.pool)
        .await?;
        if role.is_some() || password_hash.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(done.rows_affected() > 0)
    }

    /// Delete a user with their sessions and tokens; false when there is no such user.
    pub async fn delete_user(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Record a new session under the hash of its id.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen)
             VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(time_to_text(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this id hash, if any.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.csrf, s.last_seen FROM sessions s
             JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
        ))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                user: user_from_row(&r)?,
                csrf: r.try_get("csrf")?,
                last_seen: time_from_text(
                    "sessions",
                    "last_seen",
                    &r.try_get::<String, _>("last_seen")?,
                )?,
            })
        })
        .transpose()
    }

    /// Move a session's last activity to `now`.
    pub async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(time_to_text(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// End a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record an API token (by its hash); returns its id.
    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        role: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, role, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(role)
        .bind(time_to_text(now))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// The token with this hash and its owner; marks it used at `now`.
    pub async fn use_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.name, t.role AS token_role,
                    t.created_at AS token_created, t.last_used
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let user = user_from_row(&r)?;
        let last: Option<String> = r.try_get("last_used")?;
        let token = ApiToken {
            id: r.try_get("token_id")?,
            user_id: user.id,
            username: user.username.clone(),
            name: r.try_get("name")?,
            role: r.try_get("token_role")?,
            created_at: time_from_text(
                "api_tokens",
                "created_at",
                &r.try_get::<String, _>("token_created")?,
            )?,
            last_used: last
                .map(|s| time_from_text("api_tokens", "last_used", &s))
                .transpose()?,
        };
        sqlx::query("UPDATE api_tokens SET last_used = $2 WHERE id = $1")
            .bind(token.id)
            .bind(time_to_text(now))
            .execute(&self.pool)
            .await?;
        Ok(Some((token, user)))
    }

    /// Tokens of one user, or of everyone with `None`.
    pub async fn tokens(&self, user_id: Option<i64>) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query(
            "SELECT t.id, t.user_id, u.username, t.name, t.role, t.created_at, t.last_used
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE $1 IS NULL OR t.user_id = $1 ORDER BY t.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
    }

    /// Revoke a token (of `user_id` only, unless `None`); false when nothing matched.
    pub async fn delete_token(&self, id: i64, user_id: Option<i64>) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND ($2 IS NULL OR user_id = $2)")
                .bind(id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Record a failed sign-in for `username` at `at`.
    pub async fn record_login_failure(
        &self,
        username: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO login_failures (username, at) VALUES ($1, $2)")
            .bind(username)
            .bind(time_to_text(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins of `username` at or after `since`, oldest first.
    pub async fn login_failures(
        &self,
        username: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        sqlx::query("SELECT at FROM login_failures WHERE username = $1 AND at >= $2 ORDER BY at")
            .bind(username)
            .bind(time_to_text(since))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| time_from_text("login_failures", "at", &r.try_get::<String, _>("at")?))
            .collect()
    }

    /// Forget failed sign-ins older than `before` and sessions idle since before
    /// `idle_before`, so that neither table grows without bound.
    pub async fn prune_auth(
        &self,
        before: DateTime<Utc>,
        idle_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(time_to_text(before))
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE last_seen < $1")
            .bind(time_to_text(idle_before))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forget the failed sign-ins of `username` (after a successful one).
    pub async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Append an audit entry; returns its id.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO audit_log (at, username, action, target, remote, outcome)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(time_to_text(entry.at))
        .bind(&entry.username)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(&entry.remote)
        .bind(&entry.outcome)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    /// A page of the audit log, newest first, with the total number of entries.
    pub async fn audit_log(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = sqlx::query(
            "SELECT id, at, username, action, target, remote, outcome FROM audit_log
             ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: time_from_text("audit_log", "at", &r.try_get::<String, _>("at")?)?,
                    username: r.try_get("username")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    remote: r.try_get("remote")?,
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((entries, u64::try_from(total).unwrap_or(0)))
    }
}
