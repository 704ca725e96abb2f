//! [`LogStore`] on SQLite.

use crate::db::{Db, Sync, backend};
use async_trait::async_trait;
use rusqlite::params;
use squall_storage::{LogStore, Result};
use squall_types::{LogLine, LogStream};
use std::path::Path;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE logs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        function TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        stream TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX logs_by_function ON logs(function, seq);
"];

/// Invocation logs in `logs.db`.
pub struct SqliteLogStore {
    db: Db,
}

impl SqliteLogStore {
    /// Opens or creates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(SqliteLogStore { db: Db::open(path, Sync::Normal, MIGRATIONS)? })
    }
}

fn stream_name(s: LogStream) -> &'static str {
    match s {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
        LogStream::Platform => "platform",
    }
}

fn parse_stream(s: &str) -> LogStream {
    match s {
        "stdout" => LogStream::Stdout,
        "stderr" => LogStream::Stderr,
        _ => LogStream::Platform,
    }
}

fn row_to_line(r: &rusqlite::Row<'_>) -> rusqlite::Result<LogLine> {
    Ok(LogLine {
        seq: r.get::<_, i64>(0)? as u64,
        function: r.get(1)?,
        ts_ms: r.get::<_, i64>(2)? as u64,
        request_id: r.get(3)?,
        trace_id: r.get(4)?,
        stream: parse_stream(&r.get::<_, String>(5)?),
        message: r.get(6)?,
    })
}

const COLUMNS: &str = "seq, function, ts_ms, request_id, trace_id, stream, message";

#[async_trait]
impl LogStore for SqliteLogStore {
    async fn append(&self, lines: Vec<LogLine>) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                {
                    let mut stmt = tx
                        .prepare_cached(
                            "INSERT INTO logs (function, ts_ms, request_id, trace_id, stream, message)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        )
                        .map_err(backend)?;
                    for l in &lines {
                        stmt.execute(params![
                            l.function,
                            l.ts_ms as i64,
                            l.request_id,
                            l.trace_id,
                            stream_name(l.stream),
                            l.message
                        ])
                        .map_err(backend)?;
                    }
                }
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn read(&self, function: &str, after: u64, limit: usize) -> Result<Vec<LogLine>> {
        let function = function.to_string();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM logs WHERE function = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
                    ))
                    .map_err(backend)?;
                let rows =
                    stmt.query_map(params![function, after as i64, limit as i64], row_to_line).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
            })
            .await
    }

    async fn tail(&self, function: &str, limit: usize) -> Result<Vec<LogLine>> {
        let function = function.to_string();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM logs WHERE function = ?1 ORDER BY seq DESC LIMIT ?2"
                    ))
                    .map_err(backend)?;
                let rows = stmt.query_map(params![function, limit as i64], row_to_line).map_err(backend)?;
                let mut lines = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)?;
                lines.reverse();
                Ok(lines)
            })
            .await
    }

    async fn delete_function(&self, function: &str) -> Result<()> {
        let function = function.to_string();
        self.db
            .call(move |c| {
                c.execute("DELETE FROM logs WHERE function = ?1", [function]).map_err(backend)?;
                Ok(())
            })
            .await
    }
}
