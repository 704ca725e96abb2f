//! Versioned migrations: `squall_schema` records each one applied; they run in one
//! transaction holding an advisory lock, so of several nodes starting at once one migrates
//! and the others find the work done.

use crate::backend;
use squall_storage::{Error, Result};

/// The advisory lock's key ("squall" in ASCII).
const LOCK: i64 = 0x73_71_75_61_6c_6c;

/// Every migration, in order; never edit one that shipped, add another.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE sqs_queues (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        definition TEXT NOT NULL
    );
    CREATE TABLE sqs_messages (
        seq BIGSERIAL PRIMARY KEY,
        queue BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        grp TEXT,
        origin TEXT,
        sent_ms BIGINT NOT NULL,
        visible_ms BIGINT NOT NULL,
        receives INTEGER NOT NULL DEFAULT 0,
        first_receive_ms BIGINT,
        nonce BIGINT NOT NULL DEFAULT 0,
        content BYTEA NOT NULL
    );
    CREATE INDEX sqs_messages_by_visibility ON sqs_messages (queue, visible_ms);
    CREATE INDEX sqs_messages_by_seq ON sqs_messages (queue, seq);
    CREATE TABLE sqs_dedup (
        queue BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        expires_ms BIGINT NOT NULL,
        id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (queue, key)
    );
    CREATE INDEX sqs_dedup_by_expiry ON sqs_dedup (queue, expires_ms);
",
    "
    CREATE TABLE functions (
        name TEXT PRIMARY KEY,
        service TEXT,
        format INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX functions_by_service ON functions (service);
    CREATE TABLE services (
        name TEXT PRIMARY KEY,
        format INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE artifacts (
        sha256 TEXT PRIMARY KEY,
        bytes BYTEA NOT NULL
    );
    CREATE TABLE logs (
        seq BIGSERIAL PRIMARY KEY,
        function TEXT NOT NULL,
        ts_ms BIGINT NOT NULL,
        request_id TEXT NOT NULL,
        trace_id TEXT NOT NULL,
        stream TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX logs_by_function ON logs (function, seq);
    CREATE TABLE invocations (
        id TEXT PRIMARY KEY,
        function TEXT NOT NULL,
        payload BYTEA NOT NULL,
        traceparent TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        enqueued_ms BIGINT NOT NULL,
        due_ms BIGINT NOT NULL,
        leased_until_ms BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX invocations_by_due ON invocations (due_ms);
",
    "
    CREATE TABLE kv_tables (
        store TEXT NOT NULL,
        name TEXT NOT NULL,
        definition TEXT NOT NULL,
        PRIMARY KEY (store, name)
    );
    CREATE TABLE kv_items (
        store TEXT NOT NULL,
        tbl TEXT NOT NULL,
        pk BYTEA NOT NULL,
        sk BYTEA NOT NULL,
        item BYTEA NOT NULL,
        PRIMARY KEY (store, tbl, pk, sk)
    );
",
    "
    CREATE TABLE squall_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        until TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE squall_versions (
        domain TEXT PRIMARY KEY,
        version BIGINT NOT NULL
    );
",
    // The server holding each invocation's lease, so the leases of a server that is gone
    // end with its own lease rather than at their long expiry.
    "
    ALTER TABLE invocations ADD COLUMN holder TEXT NOT NULL DEFAULT '';
",
    // The chain of requests behind each invocation, for recursive loop detection.
    "
    ALTER TABLE invocations ADD COLUMN lineage TEXT NOT NULL DEFAULT '';
",
];

pub(crate) async fn run(client: &mut tokio_postgres::Client) -> Result<()> {
    let tx = client.transaction().await.map_err(backend)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await.map_err(backend)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS squall_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        .await
        .map_err(backend)?;
    let row = tx.query_one("SELECT COALESCE(MAX(version), 0) FROM squall_schema", &[]).await.map_err(backend)?;
    let applied = row.get::<_, i32>(0) as usize;
    if applied > MIGRATIONS.len() {
        return Err(Error::Corrupt {
            what: "the PostgreSQL schema".into(),
            detail: format!("version {applied} is newer than this build knows ({})", MIGRATIONS.len()),
        });
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.batch_execute(m).await.map_err(backend)?;
        tx.execute("INSERT INTO squall_schema (version) VALUES ($1)", &[&((i + 1) as i32)]).await.map_err(backend)?;
        tracing::info!(version = i + 1, "applied a PostgreSQL migration");
    }
    tx.commit().await.map_err(backend)
}
