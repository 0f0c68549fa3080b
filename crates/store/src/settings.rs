//! Administrator settings of the dashboard: named values (JSON), each with who changed it
//! last and when. What the keys mean and which values are allowed is the server's business.

use crate::codec::time_to_text;
use crate::error::StoreError;
use crate::Store;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::Row;

impl Store {
    /// Every stored setting, by key (keys never written are absent).
    pub async fn settings(&self) -> Result<Map<String, Value>, StoreError> {
        let rows = sqlx::query("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Map::new();
        for r in rows {
            let key: String = r.try_get("key")?;
            let text: String = r.try_get("value")?;
            // A value that is not JSON (written by hand) is read as the string it is.
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            out.insert(key, value);
        }
        Ok(out)
    }

    /// Write `values` (insert or replace each key) in one transaction, as `by` at `now`.
    pub async fn put_settings(
        &self,
        values: &Map<String, Value>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (key, value) in values {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(key)
            .bind(value.to_string())
            .bind(time_to_text(now))
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn settings_round_trip_and_replace_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).await.unwrap();
        assert!(store.settings().await.unwrap().is_empty());
        let mut v = Map::new();
        v.insert("organisation".into(), json!("Sở TT&TT"));
        v.insert("session_idle_minutes".into(), json!(30));
        store.put_settings(&v, "admin", Utc::now()).await.unwrap();
        v.insert("session_idle_minutes".into(), json!(45));
        store.put_settings(&v, "admin", Utc::now()).await.unwrap();
        let read = store.settings().await.unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read["organisation"], "Sở TT&TT");
        assert_eq!(read["session_idle_minutes"], 45);
    }
}
