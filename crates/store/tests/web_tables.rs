//! Migration 0003 (the dashboard's tables) applies over a database an earlier camguard wrote,
//! and its queries keep secrets hashed and references consistent.

use camguard_store::auth::AuditEntry;
use camguard_store::Store;
use chrono::{TimeZone, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

#[tokio::test]
async fn a_schema_1_database_gains_the_dashboard_tables_and_keeps_its_scans() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::raw_sql(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(include_str!("../migrations/0001_init.sql"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::raw_sql(
            "INSERT INTO schema_migrations VALUES (1, 'init', '2026-01-01T00:00:00.000000Z');
             INSERT INTO scans (started_at, targets, options, baseline)
             VALUES ('2026-01-01T00:00:00.000000Z', '127.0.0.1', '{}', 'qcvn-11-2026');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let store = Store::open(&path)
        .await
        .expect("the old database opens and migrates");
    assert_eq!(
        store.scans().await.unwrap().len(),
        1,
        "earlier scans are kept"
    );
    assert_eq!(store.user_count().await.unwrap(), 0);
    let t = Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap();
    let site = store.create_site("HQ", "", t).await.unwrap();
    let system = store
        .create_system(site.id, "CCTV", 2, "IT", t)
        .await
        .unwrap();
    store
        .create_scope(system.id, "10.0.0.0/24", t)
        .await
        .unwrap();
    assert!(
        store.create_system(999, "orphan", 1, "x", t).await.is_err(),
        "foreign keys hold"
    );
    assert!(store.delete_site(site.id).await.unwrap());
    assert!(
        store.scopes().await.unwrap().is_empty(),
        "deleting a site removes its systems' scopes"
    );
    let id = store
        .create_user("a", "$argon2id$x", "admin", "vi", t)
        .await
        .unwrap();
    assert!(
        store
            .create_user("a", "$argon2id$y", "viewer", "vi", t)
            .await
            .is_err(),
        "names are unique"
    );
    store
        .create_session("hash-of-sid", id, "csrf", t)
        .await
        .unwrap();
    assert_eq!(
        store
            .session("hash-of-sid")
            .await
            .unwrap()
            .unwrap()
            .user
            .username,
        "a"
    );
    assert!(store.delete_user(id).await.unwrap());
    assert!(
        store.session("hash-of-sid").await.unwrap().is_none(),
        "a deleted user's sessions end"
    );
    let entry = AuditEntry {
        id: 0,
        at: t,
        username: None,
        action: "login_failed".into(),
        target: Some("a".into()),
        remote: Some("127.0.0.1:5000".into()),
        outcome: "401".into(),
    };
    store.audit(&entry).await.unwrap();
    let (entries, total) = store.audit_log(10, 0).await.unwrap();
    assert_eq!((entries.len(), total), (1, 1));
    assert_eq!(entries[0].action, "login_failed");
}
