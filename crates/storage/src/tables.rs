//! Tables: their definitions and their items, as opaque bytes ordered by key.

use crate::Result;
use async_trait::async_trait;
use std::future::Future;
use std::ops::Bound;
use std::pin::Pin;

/// Resolves when submitted writes are durable (or failed).
pub type WriteTicket = Pin<Box<dyn Future<Output = Result<()>> + Send + 'static>>;

/// Resolves when swapped writes are durable, to the item the first write replaced.
pub type SwapTicket = Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>>> + Send + 'static>>;

/// One item write of a batch: `item: None` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemWrite {
    /// The table.
    pub table: String,
    /// The partition key, encoded so that equal keys are equal bytes.
    pub pk: Vec<u8>,
    /// The sort key, encoded so that byte order is key order (empty without one).
    pub sk: Vec<u8>,
    /// The item's bytes, or `None` to delete it.
    pub item: Option<Vec<u8>>,
}

/// A precondition of [`TableStore::write_checked`]: the item must be stored with exactly
/// these bytes (`None`: absent) when the write applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemExpect {
    /// The table.
    pub table: String,
    /// The partition key.
    pub pk: Vec<u8>,
    /// The sort key.
    pub sk: Vec<u8>,
    /// The bytes it must have, or `None`: it must not exist.
    pub item: Option<Vec<u8>>,
}

/// An item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// Its partition key bytes.
    pub pk: Vec<u8>,
    /// Its sort key bytes.
    pub sk: Vec<u8>,
    /// Its bytes.
    pub item: Vec<u8>,
}

/// Table definitions and items.
///
/// Contract for every backend:
/// - every `Ok` write is durable: it survives a crash (`kill -9`) of the process;
/// - `write` applies all its writes or none, and readers never see part of it;
/// - `query` returns one partition's items in sort-key byte order (reversed when asked);
///   `scan` returns a table's items in (partition key, sort key) byte order.
#[async_trait]
pub trait TableStore: Send + Sync + 'static {
    /// Stores a new table's definition; [`crate::Error::Conflict`] if the name is taken.
    async fn create_table(&self, name: &str, definition: &str) -> Result<()>;

    /// Replaces an existing table's definition.
    async fn update_table(&self, name: &str, definition: &str) -> Result<()>;

    /// Deletes a table and all its items; whether it existed.
    async fn delete_table(&self, name: &str) -> Result<bool>;

    /// Every table's name and definition, by name.
    async fn list_tables(&self) -> Result<Vec<(String, String)>>;

    /// One item.
    async fn get_item(&self, table: &str, pk: &[u8], sk: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Applies writes, across tables, all or nothing. The writes are ordered after every
    /// write submitted before and [`TableStore::get_item`] sees them as soon as this
    /// returns; the ticket resolves once they are durable. So a caller may stop
    /// serializing its read-check-write sequences as soon as it has a ticket, while many
    /// writes commit together.
    fn submit(&self, writes: Vec<ItemWrite>) -> WriteTicket;

    /// [`TableStore::submit`], whose ticket also yields the item `writes[0]` replaced, as
    /// it was when the write applied: of two swaps of one key, the later one gets what the
    /// earlier wrote. So a caller learns what it overwrote without reading first (and
    /// without holding a lock across the read).
    fn submit_swap(&self, writes: Vec<ItemWrite>) -> SwapTicket;

    /// Applies `writes` only if every precondition holds when they apply, checked in the
    /// same transaction, else [`crate::Error::Conflict`] and nothing is written; durable when
    /// it returns. Ordered after every write submitted before, but not shown to readers
    /// before it commits. Several servers sharing one store make their read-check-write
    /// sequences safe this way: read, decide, write expecting what was read, and on a
    /// conflict read again.
    async fn write_checked(&self, writes: Vec<ItemWrite>, expect: Vec<ItemExpect>) -> Result<()>;

    /// [`TableStore::submit`] and wait until durable.
    async fn write(&self, writes: Vec<ItemWrite>) -> Result<()> {
        self.submit(writes).await
    }

    /// Up to `limit` items of partition `pk` whose sort key lies in `range`, in key order
    /// (`forward`) or reversed.
    async fn query(
        &self,
        table: &str,
        pk: &[u8],
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        forward: bool,
        limit: usize,
    ) -> Result<Vec<StoredItem>>;

    /// Up to `limit` items after the key `after` (exclusive), in key order.
    async fn scan(&self, table: &str, after: Option<(Vec<u8>, Vec<u8>)>, limit: usize) -> Result<Vec<StoredItem>>;

    /// How many items the table holds and their total size in bytes.
    async fn table_stats(&self, table: &str) -> Result<(u64, u64)>;
}

/// Every item of `table`, in key order, read a page at a time (for loading small
/// pseudo-tables whole at start).
pub async fn scan_all(store: &dyn TableStore, table: &str) -> Result<Vec<StoredItem>> {
    const PAGE: usize = 1000;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = store.scan(table, after.clone(), PAGE).await?;
        let done = rows.len() < PAGE;
        after = rows.last().map(|r| (r.pk.clone(), r.sk.clone()));
        out.extend(rows);
        if done {
            return Ok(out);
        }
    }
}
