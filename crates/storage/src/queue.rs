//! The durable queue of asynchronous invocations.

use crate::Result;
use async_trait::async_trait;

/// An invocation accepted for later: what to run and how often it was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedInvocation {
    /// The request id the caller was given; every attempt runs under it.
    pub id: String,
    /// The function's full name.
    pub function: String,
    /// The event.
    pub payload: Vec<u8>,
    /// The caller's W3C `traceparent`, continued by every attempt.
    pub traceparent: String,
    /// The `Lineage` of the X-Ray trace header of what caused it (recursive loop
    /// detection's counts, [`squall_types`'s `Lineage`]), empty when none.
    pub lineage: String,
    /// Attempts that ended in a function error so far.
    pub attempts: u32,
    /// When it was accepted, ms since the epoch.
    pub enqueued_ms: u64,
    /// When it may next run, ms since the epoch.
    pub due_ms: u64,
}

/// Asynchronous invocations waiting to run.
///
/// Contract for every backend:
/// - `enqueue` returning `Ok` is durable: the invocation survives a crash of the process;
/// - `lease` hands each due invocation to one caller until its lease ends; an invocation
///   whose lease ends before `complete` or `retry_at` is handed out again (at least once);
/// - a backend that only one process opens releases the leases of earlier processes when
///   it is opened; one that several servers share records each lease's server, and
///   `release_orphans` ends the leases of servers that are gone.
#[async_trait]
pub trait InvocationQueue: Send + Sync + 'static {
    /// Stores a new invocation.
    async fn enqueue(&self, invocation: &QueuedInvocation) -> Result<()>;

    /// Up to `limit` invocations due at `now_ms`, oldest due first, each leased until
    /// `lease_until_ms`.
    async fn lease(&self, now_ms: u64, lease_until_ms: u64, limit: usize) -> Result<Vec<QueuedInvocation>>;

    /// Forgets an invocation that is finished (run, or given up on).
    async fn complete(&self, id: &str) -> Result<()>;

    /// Schedules another attempt at `due_ms`, recording `attempts`; ends the lease.
    async fn retry_at(&self, id: &str, attempts: u32, due_ms: u64) -> Result<()>;

    /// When the next invocation not leased becomes due, if any is waiting.
    async fn next_due_ms(&self) -> Result<Option<u64>>;

    /// Makes due again the invocations leased by servers that are gone (no live lease
    /// under [`crate::SERVER_LEASES`] names them); how many.
    async fn release_orphans(&self) -> Result<usize>;
}
