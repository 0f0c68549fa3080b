//! Registries of certified and warned camera models (migration 0002): imports with their
//! provenance, and the current entries of each list.

use crate::codec::{from_json, time_from_text, time_to_text, to_json};
use crate::error::StoreError;
use crate::Store;
use camguard_registry::{Entry, ListKind, Provenance, Registries, RegistryList};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// One recorded import of a list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryImport {
    /// Import id.
    pub id: i64,
    /// Which list.
    pub list: ListKind,
    /// File name and SHA-256 of its bytes.
    pub provenance: Provenance,
    /// `csv` or `json`.
    pub format: String,
    /// Entries imported.
    pub entries: i64,
    /// When.
    pub imported_at: DateTime<Utc>,
    /// Whether the import replaced the list's earlier entries (otherwise it added to them).
    pub replaced: bool,
}

impl Store {
    /// Record an import of `list` and its entries in one transaction; returns the import id.
    /// With `replace`, the list's earlier entries are removed first (their imports stay
    /// recorded as history).
    pub async fn import_registry(
        &self,
        list: &RegistryList,
        provenance: &Provenance,
        format: &str,
        replace: bool,
    ) -> Result<i64, StoreError> {
        let kind = list.kind.as_str();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if replace {
            sqlx::query("DELETE FROM registry_entries WHERE list = $1")
                .bind(kind)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(
            "INSERT INTO registry_imports (list, file_name, sha256, format, entries, imported_at, replaced)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(kind)
        .bind(&provenance.file_name)
        .bind(&provenance.sha256)
        .bind(format)
        .bind(list.entries().len() as i64)
        .bind(time_to_text(Utc::now()))
        .bind(i64::from(replace))
        .fetch_one(&mut *tx)
        .await?;
        let import_id: i64 = row.try_get("id")?;
        for (position, e) in list.entries().iter().enumerate() {
            sqlx::query(
                "INSERT INTO registry_entries
                   (import_id, list, position, vendor, model, variants, reference, issuer, date, source, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(import_id)
            .bind(kind)
            .bind(position as i64)
            .bind(&e.vendor)
            .bind(&e.model)
            .bind(to_json("registry variants", &e.variants)?)
            .bind(&e.reference)
            .bind(&e.issuer)
            .bind(&e.date)
            .bind(&e.source)
            .bind(&e.note)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(import_id)
    }

    /// The current entries of `list` with the id of the import each came from, in import then
    /// file order; `None` when the list was never imported (an imported empty list is
    /// `Some` and empty).
    pub async fn registry_list(
        &self,
        list: ListKind,
    ) -> Result<Option<Vec<(Entry, i64)>>, StoreError> {
        let imported = sqlx::query("SELECT COUNT(*) AS n FROM registry_imports WHERE list = $1")
            .bind(list.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get::<i64, _>("n")?;
        if imported == 0 {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT import_id, vendor, model, variants, reference, issuer, date, source, note
             FROM registry_entries WHERE list = $1 ORDER BY import_id, position",
        )
        .bind(list.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let variants: String = r.try_get("variants")?;
            out.push((
                Entry {
                    vendor: r.try_get("vendor")?,
                    model: r.try_get("model")?,
                    variants: from_json("registry_entries", "variants", &variants)?,
                    reference: r.try_get("reference")?,
                    issuer: r.try_get("issuer")?,
                    date: r.try_get("date")?,
                    source: r.try_get("source")?,
                    note: r.try_get("note")?,
                },
                r.try_get("import_id")?,
            ));
        }
        Ok(Some(out))
    }

    /// Both lists as loaded for an assessment (a list never imported is `None`).
    pub async fn registries(&self) -> Result<Registries, StoreError> {
        let mut regs = Registries::default();
        for kind in ListKind::ALL {
            if let Some(entries) = self.registry_list(kind).await? {
                regs.set(RegistryList::from_entries(
                    kind,
                    entries.into_iter().map(|(e, _)| e).collect(),
                ));
            }
        }
        Ok(regs)
    }

    /// Every recorded import, oldest first.
    pub async fn registry_imports(&self) -> Result<Vec<RegistryImport>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, list, file_name, sha256, format, entries, imported_at, replaced
             FROM registry_imports ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let list: String = r.try_get("list")?;
                let at: String = r.try_get("imported_at")?;
                Ok(RegistryImport {
                    id: r.try_get("id")?,
                    list: list.parse().map_err(|reason| StoreError::Corrupt {
                        table: "registry_imports",
                        column: "list",
                        reason,
                    })?,
                    provenance: Provenance {
                        file_name: r.try_get("file_name")?,
                        sha256: r.try_get("sha256")?,
                    },
                    format: r.try_get("format")?,
                    entries: r.try_get("entries")?,
                    imported_at: time_from_text("registry_imports", "imported_at", &at)?,
                    replaced: r.try_get::<i64, _>("replaced")? != 0,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: ListKind, models: &[&str]) -> RegistryList {
        RegistryList::from_entries(
            kind,
            models
                .iter()
                .map(|m| Entry {
                    vendor: "Hikvision".into(),
                    model: m.to_string(),
                    variants: vec![format!("{m}(*MM)")],
                    reference: Some("EXAMPLE-1".into()),
                    date: Some("2026-01-15".into()),
                    source: "example".into(),
                    ..Default::default()
                })
                .collect(),
        )
    }

    #[tokio::test]
    async fn imports_replace_or_add_and_keep_their_provenance() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        assert_eq!(store.registries().await.unwrap(), Registries::default());

        let p1 = Provenance::of("a.csv", b"a");
        let first = list(ListKind::Certified, &["DS-1", "DS-2"]);
        store
            .import_registry(&first, &p1, "csv", true)
            .await
            .unwrap();
        let p2 = Provenance::of("b.json", b"b");
        let more = list(ListKind::Certified, &["DS-3"]);
        store
            .import_registry(&more, &p2, "json", false)
            .await
            .unwrap();
        let got = store
            .registry_list(ListKind::Certified)
            .await
            .unwrap()
            .unwrap();
        let models: Vec<&str> = got.iter().map(|(e, _)| e.model.as_str()).collect();
        assert_eq!(models, ["DS-1", "DS-2", "DS-3"]);
        assert_eq!(got[0].0, first.entries()[0], "entries round-trip");

        // Replacing drops earlier entries; imports stay as history.
        store
            .import_registry(&more, &p2, "json", true)
            .await
            .unwrap();
        let regs = store.registries().await.unwrap();
        assert_eq!(regs.certified.unwrap().entries().len(), 1);
        assert_eq!(regs.warned, None, "never imported");
        let imports = store.registry_imports().await.unwrap();
        assert_eq!(imports.len(), 3);
        assert_eq!(imports[0].provenance, p1);
        assert!(imports[2].replaced && !imports[1].replaced);

        // An empty warning list, once imported, is loaded (and empty).
        let empty = RegistryList::new(ListKind::Warned);
        store
            .import_registry(&empty, &p1, "csv", true)
            .await
            .unwrap();
        assert_eq!(store.registries().await.unwrap().warned, Some(empty));
    }
}
