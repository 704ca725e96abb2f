//! One read-check-write of items, committed so that it holds across servers.
//!
//! On a store of its own a server serializes a table's read-check-write sequences with the
//! table's lock and submits the writes without waiting (later writes are ordered after
//! them). On a store shared with other servers that lock holds only here: a [`Change`]
//! remembers the bytes of every item it read, and its writes apply only if none of them
//! changed meanwhile (`TableStore::write_checked`); when one did, the caller reads again
//! and decides again. A stream's sequence numbers come from a head row of the table read
//! and written the same way, so they grow in commit order cluster-wide.

use crate::{Item, Result, Tables};
use squall_storage::{ItemExpect, ItemWrite};
use std::collections::HashMap;

/// How often a read-check-write is tried before giving up: each conflict means another
/// server committed, so running out takes a key written that many times meanwhile.
pub(crate) const MAX_ATTEMPTS: usize = 64;

/// Writes to commit together, and (on a shared store) what they were decided on.
#[derive(Default)]
pub(crate) struct Change {
    pub(crate) writes: Vec<ItemWrite>,
    expect: Vec<ItemExpect>,
    /// Stream sequence numbers given out by this change: table → the last one.
    heads: HashMap<String, u64>,
}

/// Where a table's stream head (the last sequence number given out) is kept on a shared
/// store.
pub(crate) fn head_store_name(table: &str) -> String {
    format!("{table}~head")
}

impl Change {
    /// Adds a write.
    pub(crate) fn push(&mut self, write: ItemWrite) {
        self.writes.push(write);
    }

    /// The first sequence number of a table whose stream has no head yet: past `floor`.
    pub(crate) fn start_seq(&mut self, table: &str, floor: u64) -> u64 {
        self.heads.insert(table.to_string(), floor + 1);
        floor + 1
    }
}

impl Tables {
    /// An item as stored now; on a shared store the change applies only if it is still so.
    pub(crate) async fn load_for(
        &self,
        change: &mut Change,
        table: &str,
        pk: &[u8],
        sk: &[u8],
    ) -> Result<Option<Item>> {
        let bytes = self.read_for(change, table, pk, sk).await?;
        bytes.map(|b| crate::service::decode(table, &b)).transpose()
    }

    /// The raw bytes of [`Tables::load_for`].
    pub(crate) async fn read_for(
        &self,
        change: &mut Change,
        table: &str,
        pk: &[u8],
        sk: &[u8],
    ) -> Result<Option<Vec<u8>>> {
        let bytes = self.store.get_item(table, pk, sk).await?;
        if self.shared {
            change.expect.push(ItemExpect {
                table: table.to_string(),
                pk: pk.to_vec(),
                sk: sk.to_vec(),
                item: bytes.clone(),
            });
        }
        Ok(bytes)
    }

    /// The next stream sequence number of `table` on a shared store: one past the stored
    /// head, which is written with the change; `None` when the table has none yet
    /// ([`Change::start_seq`] then).
    pub(crate) async fn next_shared_seq(&self, change: &mut Change, table: &str) -> Result<Option<u64>> {
        if let Some(last) = change.heads.get_mut(table) {
            *last += 1;
            return Ok(Some(*last));
        }
        let head = self.read_for(change, &head_store_name(table), b"", b"").await?;
        let Some(stored) = head.and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok()).map(u64::from_be_bytes) else {
            return Ok(None);
        };
        change.heads.insert(table.to_string(), stored + 1);
        Ok(Some(stored + 1))
    }

    /// Commits `change`, releasing `held` (the tables' locks) as soon as that is safe; false
    /// when an item it read changed meanwhile on another server (nothing was written: read
    /// and decide again).
    pub(crate) async fn commit<G: Send>(&self, change: Change, held: G) -> Result<bool> {
        let Change { mut writes, expect, heads } = change;
        if writes.is_empty() {
            return Ok(true);
        }
        if !self.shared {
            // Ordered and visible once submitted: the lock can go before the commit.
            let done = self.submit(writes);
            drop(held);
            done.await?;
            return Ok(true);
        }
        for (table, last) in heads {
            writes.push(ItemWrite {
                table: head_store_name(&table),
                pk: Vec::new(),
                sk: Vec::new(),
                item: Some(last.to_be_bytes().to_vec()),
            });
        }
        let streams = writes.iter().any(|w| w.table.ends_with(crate::stream::RECORDS_SUFFIX));
        let outcome = self.store.write_checked(writes, expect).await;
        drop(held);
        match outcome {
            Ok(()) => {
                if streams {
                    self.stream_commits.send_modify(|n| *n += 1);
                }
                Ok(true)
            }
            Err(squall_storage::Error::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The error after [`MAX_ATTEMPTS`] conflicts.
pub(crate) fn too_busy(table: &str) -> crate::Error {
    crate::Error::Storage(squall_storage::Error::Backend(format!(
        "an item of table {table} kept changing on other servers while this one wrote it ({MAX_ATTEMPTS} attempts)"
    )))
}
