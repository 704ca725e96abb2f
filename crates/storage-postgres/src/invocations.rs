//! [`InvocationQueue`] on PostgreSQL: due invocations are leased with
//! `FOR UPDATE SKIP LOCKED`, so every node's dispatcher takes different ones. A lease
//! records its server: once that server's own lease is gone (it died or stopped),
//! `release_orphans` makes its invocations due again for any node.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::Pool;
use squall_storage::{InvocationQueue, QueuedInvocation, Result};
use tokio_postgres::Row;

/// Asynchronous invocations waiting to run.
pub struct PgInvocationQueue {
    pool: Pool,
    /// The server taking leases through this queue.
    holder: String,
}

impl PgInvocationQueue {
    pub(crate) fn new(pool: Pool, holder: &str) -> PgInvocationQueue {
        PgInvocationQueue { pool, holder: holder.to_string() }
    }
}

fn invocation(r: &Row) -> QueuedInvocation {
    QueuedInvocation {
        id: r.get(0),
        function: r.get(1),
        payload: r.get(2),
        traceparent: r.get(3),
        attempts: r.get::<_, i32>(4) as u32,
        enqueued_ms: r.get::<_, i64>(5) as u64,
        due_ms: r.get::<_, i64>(6) as u64,
        lineage: r.get(7),
    }
}

#[async_trait]
impl InvocationQueue for PgInvocationQueue {
    async fn enqueue(&self, inv: &QueuedInvocation) -> Result<()> {
        let client = client(&self.pool).await?;
        client
            .execute(
                &client
                    .stmt(
                        "INSERT INTO invocations (id, function, payload, traceparent, attempts, enqueued_ms, due_ms, lineage)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .await?,
                &[
                    &inv.id,
                    &inv.function,
                    &inv.payload,
                    &inv.traceparent,
                    &(inv.attempts as i32),
                    &(inv.enqueued_ms as i64),
                    &(inv.due_ms as i64),
                    &inv.lineage,
                ],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn lease(&self, now_ms: u64, lease_until_ms: u64, limit: usize) -> Result<Vec<QueuedInvocation>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .stmt(
                        "UPDATE invocations SET leased_until_ms = $2, holder = $4 WHERE id IN
                   (SELECT id FROM invocations WHERE due_ms <= $1 AND leased_until_ms <= $1
                    ORDER BY due_ms LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING id, function, payload, traceparent, attempts, enqueued_ms, due_ms, lineage",
                    )
                    .await?,
                &[&(now_ms as i64), &(lease_until_ms as i64), &(limit as i64), &self.holder],
            )
            .await
            .map_err(backend)?;
        let mut out: Vec<QueuedInvocation> = rows.iter().map(invocation).collect();
        out.sort_by(|a, b| a.due_ms.cmp(&b.due_ms).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    async fn complete(&self, id: &str) -> Result<()> {
        let client = client(&self.pool).await?;
        client.execute(&client.stmt("DELETE FROM invocations WHERE id = $1").await?, &[&id]).await.map_err(backend)?;
        Ok(())
    }

    async fn retry_at(&self, id: &str, attempts: u32, due_ms: u64) -> Result<()> {
        let client = client(&self.pool).await?;
        client
            .execute(
                &client
                    .stmt("UPDATE invocations SET attempts = $2, due_ms = $3, leased_until_ms = 0 WHERE id = $1")
                    .await?,
                &[&id, &(attempts as i32), &(due_ms as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn next_due_ms(&self) -> Result<Option<u64>> {
        let client = client(&self.pool).await?;
        // A leased invocation becomes due again when its lease ends.
        let row = client
            .query_one(&client.stmt("SELECT MIN(GREATEST(due_ms, leased_until_ms)) FROM invocations").await?, &[])
            .await
            .map_err(backend)?;
        Ok(row.get::<_, Option<i64>>(0).map(|v| v as u64))
    }

    async fn release_orphans(&self) -> Result<usize> {
        let client = client(&self.pool).await?;
        let n = client
            .execute(
                &client
                    .stmt(
                        "UPDATE invocations SET leased_until_ms = 0 WHERE leased_until_ms > 0 AND holder <> $1
                         AND NOT EXISTS (SELECT 1 FROM squall_leases
                             WHERE name = $2 || invocations.holder AND until > clock_timestamp())",
                    )
                    .await?,
                &[&self.holder, &squall_storage::SERVER_LEASES],
            )
            .await
            .map_err(backend)?;
        Ok(n as usize)
    }
}
