//! Invocation logs.

use crate::Result;
use async_trait::async_trait;
use squall_types::LogLine;

/// Append-only log lines, per function, read by position.
///
/// Contract: `append` assigns increasing `seq` numbers (across all functions) in the order
/// given; `read` returns lines with `seq > after`, oldest first.
#[async_trait]
pub trait LogStore: Send + Sync + 'static {
    /// Appends lines (their `seq` is ignored and assigned by the store).
    async fn append(&self, lines: Vec<LogLine>) -> Result<()>;

    /// Up to `limit` lines of `function` after position `after`.
    async fn read(&self, function: &str, after: u64, limit: usize) -> Result<Vec<LogLine>>;

    /// The newest `limit` lines of `function`, oldest first.
    async fn tail(&self, function: &str, limit: usize) -> Result<Vec<LogLine>>;

    /// Forgets the lines of a deleted function.
    async fn delete_function(&self, function: &str) -> Result<()>;
}
