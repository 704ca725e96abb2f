//! [`TableStore`] on SQLite: one `items` table keyed by (table, partition key, sort key).

use crate::db::{Db, Sync, backend};
use crate::writer::{GroupWriter, Op, Settle};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use squall_storage::{Error, ItemExpect, ItemWrite, Overlay, Result, StoredItem, SwapTicket, TableStore, WriteTicket};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

const MIGRATIONS: &[&str] = &[
    "
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
    ",
    // Items of 1-4 KB overflowed the WITHOUT ROWID b-tree's leaves (whose rows spill past a
    // quarter page), costing about two pages each: 4.6 bytes on disk per byte of a 1 KiB
    // message. A rowid table keeps a row in its leaf up to nearly a page and spills only
    // whole pages; the key lives in an index. A 1 KiB row now costs about 1.4x; rows of
    // 2-2.5 KiB pack worst (one per 4 KiB page). Larger pages would pack better but write
    // more to the WAL per commit: 8 KiB pages cost a fifth of queue sends' throughput.
    "
    CREATE TABLE items_by_row (
        tbl TEXT NOT NULL,
        pk BLOB NOT NULL,
        sk BLOB NOT NULL,
        item BLOB NOT NULL
    );
    INSERT INTO items_by_row (tbl, pk, sk, item) SELECT tbl, pk, sk, item FROM items ORDER BY tbl, pk, sk;
    DROP TABLE items;
    ALTER TABLE items_by_row RENAME TO items;
    CREATE UNIQUE INDEX items_key ON items (tbl, pk, sk);
    ",
];

/// Tables and items in `tables.db` (`synchronous=NORMAL`: an acknowledged write survives a
/// crash of the process).
///
/// Writes go to the database's [`GroupWriter`] (group commit). Until a write is committed,
/// `get_item` finds it in the `pending` overlay, so callers see their writes in submission
/// order. Reads use another connection, which WAL lets run beside the writer.
pub struct SqliteTableStore {
    reads: Db,
    writer: GroupWriter,
    pending: Arc<Overlay>,
}

impl SqliteTableStore {
    /// Opens or creates the database at `path` and starts its writer thread.
    pub fn open(path: &Path) -> Result<Self> {
        let reads = Db::open(path, Sync::Normal, MIGRATIONS)?;
        let writer = GroupWriter::start(path, "tables")?;
        Ok(SqliteTableStore { reads, writer, pending: Arc::new(Overlay::default()) })
    }

    /// Makes `writes` visible at once (the overlay) and queues them for the writer; with
    /// `old`, the writer first reads what the first write replaces into it.
    fn submit_writes(
        &self,
        writes: Vec<ItemWrite>,
        old: Option<Arc<Mutex<Option<Vec<u8>>>>>,
    ) -> oneshot::Receiver<Result<()>> {
        let staged = self.pending.stage(&writes);
        let pending = self.pending.clone();
        // Committed or failed, the overlay no longer speaks for these writes.
        let settle: Settle = Box::new(move || pending.settle(&staged));
        self.writer.enqueue(
            Box::new(move |tx| {
                if let (Some(slot), Some(w)) = (old, writes.first()) {
                    let mut get = tx
                        .prepare_cached("SELECT item FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3")
                        .map_err(backend)?;
                    let item: Option<Vec<u8>> =
                        get.query_row(params![w.table, w.pk, w.sk], |r| r.get(0)).optional().map_err(backend)?;
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = item;
                }
                apply_writes(tx, &writes)?;
                Ok(())
            }),
            Some(settle),
        )
    }

    /// Runs `op` in the writer, after every write submitted before; waits for its commit.
    async fn run(&self, op: Op) -> Result<()> {
        GroupWriter::settled(self.writer.enqueue(op, None)).await
    }
}

/// Puts and deletes `writes` inside the writer's transaction.
fn apply_writes(tx: &rusqlite::Transaction<'_>, writes: &[ItemWrite]) -> Result<()> {
    let mut put = tx
        .prepare_cached(
            "INSERT INTO items (tbl, pk, sk, item) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tbl, pk, sk) DO UPDATE SET item = excluded.item",
        )
        .map_err(backend)?;
    let mut delete = tx.prepare_cached("DELETE FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3").map_err(backend)?;
    for w in writes {
        match &w.item {
            Some(item) => put.execute(params![w.table, w.pk, w.sk, item]),
            None => delete.execute(params![w.table, w.pk, w.sk]),
        }
        .map_err(backend)?;
    }
    Ok(())
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
        self.run(Box::new(move |tx| {
            let n = tx
                .execute("INSERT OR IGNORE INTO tables (name, definition) VALUES (?1, ?2)", params![name, definition])
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("table {name} exists")));
            }
            Ok(())
        }))
        .await
    }

    async fn update_table(&self, name: &str, definition: &str) -> Result<()> {
        let (name, definition) = (name.to_string(), definition.to_string());
        self.run(Box::new(move |tx| {
            let n = tx
                .execute("UPDATE tables SET definition = ?2 WHERE name = ?1", params![name, definition])
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("table {name} does not exist")));
            }
            Ok(())
        }))
        .await
    }

    async fn delete_table(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.writer
            .call(move |tx| {
                tx.execute("DELETE FROM items WHERE tbl = ?1", [&name]).map_err(backend)?;
                let n = tx.execute("DELETE FROM tables WHERE name = ?1", [&name]).map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn list_tables(&self) -> Result<Vec<(String, String)>> {
        self.reads
            .call(|c| {
                let mut stmt =
                    c.prepare_cached("SELECT name, definition FROM tables ORDER BY name").map_err(backend)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn get_item(&self, table: &str, pk: &[u8], sk: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(value) = self.pending.get(table, pk, sk) {
            return Ok(value);
        }
        let key = (table.to_string(), pk.to_vec(), sk.to_vec());
        self.reads
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT item FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3")
                    .map_err(backend)?;
                stmt.query_row(params![key.0, key.1, key.2], |r| r.get(0)).optional().map_err(backend)
            })
            .await
    }

    fn submit(&self, writes: Vec<ItemWrite>) -> WriteTicket {
        let rx = self.submit_writes(writes, None);
        Box::pin(GroupWriter::settled(rx))
    }

    fn submit_swap(&self, writes: Vec<ItemWrite>) -> SwapTicket {
        let old = Arc::new(Mutex::new(None));
        let rx = self.submit_writes(writes, Some(old.clone()));
        Box::pin(async move {
            GroupWriter::settled(rx).await?;
            Ok(old.lock().unwrap_or_else(|p| p.into_inner()).take())
        })
    }

    async fn write_checked(&self, writes: Vec<ItemWrite>, expect: Vec<ItemExpect>) -> Result<()> {
        // The writer is the only one writing, so what it reads is what the writes replace.
        self.run(Box::new(move |tx| {
            let mut get =
                tx.prepare_cached("SELECT item FROM items WHERE tbl = ?1 AND pk = ?2 AND sk = ?3").map_err(backend)?;
            for e in &expect {
                let current: Option<Vec<u8>> =
                    get.query_row(params![e.table, e.pk, e.sk], |r| r.get(0)).optional().map_err(backend)?;
                if current != e.item {
                    return Err(Error::Conflict(format!("an item of {} changed", e.table)));
                }
            }
            apply_writes(tx, &writes)
        }))
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
        self.reads
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
        self.reads
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
        self.reads
            .call(move |c| {
                c.query_row("SELECT COUNT(*), COALESCE(SUM(LENGTH(item)), 0) FROM items WHERE tbl = ?1", [table], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
                })
                .map_err(backend)
            })
            .await
    }
}

#[cfg(test)]
mod wal_tests {
    use super::*;
    use crate::writer::{checkpoint, wal_path};

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[tokio::test]
    async fn a_1_kb_item_costs_at_most_one_and_a_half_times_its_size_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteTableStore::open(&path).unwrap();
        let n = 4000u64;
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            let writes = chunk
                .iter()
                .map(|i| ItemWrite {
                    table: "~m:jobs".into(),
                    pk: i.to_be_bytes().to_vec(),
                    sk: vec![],
                    item: Some(pseudo_random(1024, *i)),
                })
                .collect();
            store.write(writes).await.unwrap();
        }
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        let ratio = bytes as f64 / (n * 1024) as f64;
        assert!(ratio <= 1.5, "{bytes} bytes on disk for {n} items of 1 KiB: {ratio:.2}x");
    }

    #[tokio::test]
    async fn a_database_of_the_first_layout_is_migrated_with_its_items() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            // What the first schema left: a WITHOUT ROWID items table.
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA journal_mode=WAL;").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch("PRAGMA user_version=1;").unwrap();
            conn.execute("INSERT INTO tables (name, definition) VALUES ('t', '{}')", []).unwrap();
            for i in 0..50u32 {
                conn.execute(
                    "INSERT INTO items (tbl, pk, sk, item) VALUES ('t', ?1, x'01', ?2)",
                    params![i.to_be_bytes().to_vec(), vec![i as u8; 2000]],
                )
                .unwrap();
            }
        }
        let store = SqliteTableStore::open(&path).unwrap();
        assert_eq!(store.get_item("t", &7u32.to_be_bytes(), &[1]).await.unwrap(), Some(vec![7; 2000]));
        assert_eq!(store.table_stats("t").await.unwrap(), (50, 100_000));
        store
            .write(vec![ItemWrite {
                table: "t".into(),
                pk: 7u32.to_be_bytes().to_vec(),
                sk: vec![1],
                item: Some(vec![1]),
            }])
            .await
            .unwrap();
        assert_eq!(store.get_item("t", &7u32.to_be_bytes(), &[1]).await.unwrap(), Some(vec![1]), "upserts by key");
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let index: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'items_key'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(index, 1);
    }

    #[tokio::test]
    async fn a_large_wal_is_truncated_by_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteTableStore::open(&path).unwrap();
        let writes = (0..200u32)
            .map(|i| ItemWrite {
                table: "t".into(),
                pk: i.to_be_bytes().to_vec(),
                sk: vec![],
                item: Some(vec![7; 4096]),
            })
            .collect();
        store.write(writes).await.unwrap();
        let wal = wal_path(&path);
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        let conn = rusqlite::Connection::open(&path).unwrap();
        // Small enough: left as it is.
        checkpoint(&conn, &wal, u64::MAX).unwrap();
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        checkpoint(&conn, &wal, 0).unwrap();
        assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0);
        assert_eq!(store.get_item("t", &7u32.to_be_bytes(), &[]).await.unwrap(), Some(vec![7; 4096]));
    }
}
