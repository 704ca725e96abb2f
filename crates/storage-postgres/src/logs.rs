//! [`LogStore`] on PostgreSQL: positions from one sequence, so lines from every node
//! interleave in one order.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::Pool;
use squall_storage::{LogStore, Result};
use squall_types::{LogLine, LogStream};
use tokio_postgres::Row;

/// Invocation logs.
pub struct PgLogStore {
    pool: Pool,
}

impl PgLogStore {
    pub(crate) fn new(pool: Pool) -> PgLogStore {
        PgLogStore { pool }
    }
}

fn stream_name(s: LogStream) -> &'static str {
    match s {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
        LogStream::Platform => "platform",
    }
}

fn line(r: &Row) -> LogLine {
    LogLine {
        seq: r.get::<_, i64>(0) as u64,
        function: r.get(1),
        ts_ms: r.get::<_, i64>(2) as u64,
        request_id: r.get(3),
        trace_id: r.get(4),
        stream: match r.get::<_, &str>(5) {
            "stdout" => LogStream::Stdout,
            "stderr" => LogStream::Stderr,
            _ => LogStream::Platform,
        },
        message: r.get(6),
    }
}

const COLUMNS: &str = "seq, function, ts_ms, request_id, trace_id, stream, message";

#[async_trait]
impl LogStore for PgLogStore {
    async fn append(&self, lines: Vec<LogLine>) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        let stmt = tx
            .stmt(
                "INSERT INTO logs (function, ts_ms, request_id, trace_id, stream, message) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .await?;
        for l in &lines {
            tx.execute(
                &stmt,
                &[&l.function, &(l.ts_ms as i64), &l.request_id, &l.trace_id, &stream_name(l.stream), &l.message],
            )
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn read(&self, function: &str, after: u64, limit: usize) -> Result<Vec<LogLine>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .stmt(&format!("SELECT {COLUMNS} FROM logs WHERE function = $1 AND seq > $2 ORDER BY seq LIMIT $3"))
                    .await?,
                &[&function, &(after as i64), &(limit as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(line).collect())
    }

    async fn tail(&self, function: &str, limit: usize) -> Result<Vec<LogLine>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .stmt(&format!("SELECT {COLUMNS} FROM logs WHERE function = $1 ORDER BY seq DESC LIMIT $2"))
                    .await?,
                &[&function, &(limit as i64)],
            )
            .await
            .map_err(backend)?;
        let mut out: Vec<LogLine> = rows.iter().map(line).collect();
        out.reverse();
        Ok(out)
    }

    async fn delete_function(&self, function: &str) -> Result<()> {
        let client = client(&self.pool).await?;
        client
            .execute(&client.stmt("DELETE FROM logs WHERE function = $1").await?, &[&function])
            .await
            .map_err(backend)?;
        Ok(())
    }
}
