//! [`InvocationQueue`] on SQLite.

use crate::db::{Db, Sync, backend};
use async_trait::async_trait;
use rusqlite::params;
use squall_storage::{InvocationQueue, QueuedInvocation, Result};
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE invocations (
        id TEXT PRIMARY KEY,
        function TEXT NOT NULL,
        payload BLOB NOT NULL,
        traceparent TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        enqueued_ms INTEGER NOT NULL,
        due_ms INTEGER NOT NULL,
        leased_until_ms INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX invocations_by_due ON invocations(due_ms);
",
    // The chain of requests behind each invocation, for recursive loop detection.
    "ALTER TABLE invocations ADD COLUMN lineage TEXT NOT NULL DEFAULT '';",
];

/// Asynchronous invocations in `queue.db` (`synchronous=FULL`: an accepted invocation
/// survives a crash of the machine).
pub struct SqliteInvocationQueue {
    db: Db,
}

impl SqliteInvocationQueue {
    /// Opens or creates the database at `path`. Only one server opens it, so leases held
    /// by an earlier one (which crashed or stopped mid-run) are released now.
    pub fn open(path: &Path) -> Result<Self> {
        let db = Db::open(path, Sync::Full, MIGRATIONS)?;
        db.blocking(|c| c.execute("UPDATE invocations SET leased_until_ms = 0", []).map_err(backend))?;
        Ok(SqliteInvocationQueue { db })
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<QueuedInvocation> {
    Ok(QueuedInvocation {
        id: r.get(0)?,
        function: r.get(1)?,
        payload: r.get(2)?,
        traceparent: r.get(3)?,
        attempts: r.get(4)?,
        enqueued_ms: r.get::<_, i64>(5)? as u64,
        due_ms: r.get::<_, i64>(6)? as u64,
        lineage: r.get(7)?,
    })
}

#[async_trait]
impl InvocationQueue for SqliteInvocationQueue {
    /// One server opens this store, and releases every lease when it does: none is orphaned.
    async fn release_orphans(&self) -> Result<usize> {
        Ok(0)
    }

    async fn enqueue(&self, inv: &QueuedInvocation) -> Result<()> {
        let inv = inv.clone();
        self.db
            .call(move |c| {
                c.execute(
                    "INSERT INTO invocations (id, function, payload, traceparent, attempts, enqueued_ms, due_ms, lineage)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        inv.id,
                        inv.function,
                        inv.payload,
                        inv.traceparent,
                        inv.attempts,
                        inv.enqueued_ms as i64,
                        inv.due_ms as i64,
                        inv.lineage
                    ],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn lease(&self, now_ms: u64, lease_until_ms: u64, limit: usize) -> Result<Vec<QueuedInvocation>> {
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                let due = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT id, function, payload, traceparent, attempts, enqueued_ms, due_ms, lineage FROM invocations
                             WHERE due_ms <= ?1 AND leased_until_ms <= ?1 ORDER BY due_ms LIMIT ?2",
                        )
                        .map_err(backend)?;
                    let rows = stmt.query_map(params![now_ms as i64, limit as i64], row).map_err(backend)?;
                    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)?
                };
                for inv in &due {
                    tx.execute(
                        "UPDATE invocations SET leased_until_ms = ?2 WHERE id = ?1",
                        params![inv.id, lease_until_ms as i64],
                    )
                    .map_err(backend)?;
                }
                tx.commit().map_err(backend)?;
                Ok(due)
            })
            .await
    }

    async fn complete(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.db
            .call(move |c| {
                c.execute("DELETE FROM invocations WHERE id = ?1", [id]).map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn retry_at(&self, id: &str, attempts: u32, due_ms: u64) -> Result<()> {
        let id = id.to_string();
        self.db
            .call(move |c| {
                c.execute(
                    "UPDATE invocations SET attempts = ?2, due_ms = ?3, leased_until_ms = 0 WHERE id = ?1",
                    params![id, attempts, due_ms as i64],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn next_due_ms(&self) -> Result<Option<u64>> {
        self.db
            .call(|c| {
                // A leased invocation becomes due again when its lease ends.
                let next: Option<i64> = c
                    .query_row("SELECT MIN(MAX(due_ms, leased_until_ms)) FROM invocations", [], |r| r.get(0))
                    .map_err(backend)?;
                Ok(next.map(|n| n as u64))
            })
            .await
    }
}
