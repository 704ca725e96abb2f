//! [`TableStore`] on SQLite: one `items` table keyed by (table, partition key, sort key).

use crate::db::{Db, Sync, backend};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use squall_storage::{Error, ItemWrite, Result, StoredItem, TableStore};
use std::ops::Bound;
use std::path::Path;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE tables (
        name TEXT PRIMARY KEY,
        definition TEXT NOT NULL
    );
    CREATE TABLE items (
        tbl TEXT NOT NULL,
        pk BLOB NOT NULL,
        sk BLOB NOT NULL,
        item BLOB NOT NULL,
        PRIMARY KEY (tbl, pk, sk)
    ) WITHOUT ROWID;
"];

/// Tables and items in `tables.db` (`synchronous=NORMAL`: an acknowledged write survives a
/// crash of the process; WAL keeps writers from blocking readers).
pub struct SqliteTableStore {
    db: Db,
}

impl SqliteTableStore {
    /// Opens or creates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(SqliteTableStore { db: Db::open(path, Sync::Normal, MIGRATIONS)? })
    }
}

fn stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    Ok(StoredItem { pk: r.get(0)?, sk: r.get(1)?, item: r.get(2)? })
}

/// A sort-key bound as SQL and its parameter.
fn bound_sql(b: &Bound<Vec<u8>>, lower: bool) -> (&'static str, Option<Vec<u8>>) {
    match (b, lower) {
        (Bound::Included(v), true) => (" AND sk >= ?", Some(v.clone())),
        (Bound::Excluded(v), true) => (" AND sk > ?", Some(v.clone())),
        (Bound::Included(v), false) => (" AND sk <= ?", Some(v.clone())),
        (Bound::Excluded(v), false) => (" AND sk < ?", Some(v.clone())),
        (Bound::Unbounded, _) => ("", None),
    }
}

#[async_trait]
impl TableStore for SqliteTableStore {
    async fn create_table(&self, name: &str, definition: &str) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.db
            .call(move |c| {
                let n = c
                    .execute(
                        "INSERT OR IGNORE INTO tables (name, definition) VALUES (?1, ?2)",
                        params![name, definition],
                    )
                    .map_err(backend)?;
                if n == 0 {
                    return Err(Error::Conflict(format!("table {name} exists")));
                }
                Ok(())
            })
            .await
    }

    async fn update_table(&self, name: &str, definition: &str) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.db
            .call(move |c| {
                let n = c
                    .execute("UPDATE tables SET definition = ?2 WHERE name = ?1", params![name, definition])
                    .map_err(backend)?;
                if n == 0 {
                    return Err(Error::Conflict(format!("table {name} does not exist")));
                }
                Ok(())
            })
            .await
    }

    async fn delete_table(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                tx.execute("DELETE FROM items WHERE tbl = ?1", [&name]).map_err(backend)?;
                let n = tx.execute("DELETE FROM tables WHERE name = ?1", [&name]).map_err(backend)?;
                tx.commit().map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn list_tables(&self) -> Result<Vec<(String, String)>> {
        self.db
            .call(|c| {
                let mut stmt =
                    c.prepare_cached("SELECT name, definition FROM tables ORDER BY name").map_err(backend)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn get_item(&self, table: &str, pk: &[u8], sk: &[u8]) -> Result<Option<Vec<u8>>> {
        let (table, pk, sk) = (table.to_string(), pk.to_vec(), sk.to_vec());
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT item FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3")
                    .map_err(backend)?;
                stmt.query_row(params![table, pk, sk], |r| r.get(0)).optional().map_err(backend)
            })
            .await
    }

    async fn write(&self, writes: Vec<ItemWrite>) -> Result<()> {
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                {
                    let mut put = tx
                        .prepare_cached(
                            "INSERT INTO items (tbl, pk, sk, item) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (tbl, pk, sk) DO UPDATE SET item = excluded.item",
                        )
                        .map_err(backend)?;
                    let mut delete = tx
                        .prepare_cached("DELETE FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3")
                        .map_err(backend)?;
                    for w in &writes {
                        match &w.item {
                            Some(item) => put.execute(params![w.table, w.pk, w.sk, item]),
                            None => delete.execute(params![w.table, w.pk, w.sk]),
                        }
                        .map_err(backend)?;
                    }
                }
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn query(
        &self,
        table: &str,
        pk: &[u8],
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        forward: bool,
        limit: usize,
    ) -> Result<Vec<StoredItem>> {
        let (table, pk) = (table.to_string(), pk.to_vec());
        self.db
            .call(move |c| {
                let (lo_sql, lo) = bound_sql(&range.0, true);
                let (hi_sql, hi) = bound_sql(&range.1, false);
                let order = if forward { "ASC" } else { "DESC" };
                let sql = format!(
                    "SELECT pk, sk, item FROM items WHERE tbl = ? AND pk = ?{lo_sql}{hi_sql} ORDER BY sk {order} LIMIT ?"
                );
                let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
                let mut args: Vec<rusqlite::types::Value> = vec![table.into(), pk.into()];
                args.extend(lo.into_iter().chain(hi).map(rusqlite::types::Value::from));
                args.push((limit.min(i64::MAX as usize) as i64).into());
                let rows = stmt.query_map(rusqlite::params_from_iter(args), stored).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn scan(&self, table: &str, after: Option<(Vec<u8>, Vec<u8>)>, limit: usize) -> Result<Vec<StoredItem>> {
        let table = table.to_string();
        let limit = limit.min(i64::MAX as usize) as i64;
        self.db
            .call(move |c| {
                let rows = match after {
                    None => {
                        let mut stmt = c
                            .prepare_cached("SELECT pk, sk, item FROM items WHERE tbl = ?1 ORDER BY pk, sk LIMIT ?2")
                            .map_err(backend)?;
                        let rows = stmt.query_map(params![table, limit], stored).map_err(backend)?;
                        rows.collect::<rusqlite::Result<Vec<_>>>()
                    }
                    Some((pk, sk)) => {
                        let mut stmt = c
                            .prepare_cached(
                                "SELECT pk, sk, item FROM items WHERE tbl = ?1 AND (pk > ?2 OR (pk = ?2 AND sk > ?3))
                                 ORDER BY pk, sk LIMIT ?4",
                            )
                            .map_err(backend)?;
                        let rows = stmt.query_map(params![table, pk, sk, limit], stored).map_err(backend)?;
                        rows.collect::<rusqlite::Result<Vec<_>>>()
                    }
                };
                rows.map_err(backend)
            })
            .await
    }

    async fn table_stats(&self, table: &str) -> Result<(u64, u64)> {
        let table = table.to_string();
        self.db
            .call(move |c| {
                c.query_row("SELECT COUNT(*), COALESCE(SUM(LENGTH(item)), 0) FROM items WHERE tbl = ?1", [table], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
                })
                .map_err(backend)
            })
            .await
    }
}
