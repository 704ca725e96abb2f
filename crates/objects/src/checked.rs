//! Read-check-write sequences that hold across servers sharing a store.
//!
//! A key's lock serializes them on one server. With other servers on the same store, a
//! sequence remembers the bytes of each row it decided on and its writes apply only if
//! none changed meanwhile (`TableStore::write_checked`); on a conflict it reads and
//! decides again. A plain PUT needs none of this: the store says what it replaced.

use crate::events::holds_events;
use crate::service::{KeyGuard, OBJECTS_PK};
use crate::{Error, Objects, Result};
use squall_storage::{ItemExpect, ItemWrite};

/// How often a sequence is tried before giving up (each conflict is another server's
/// committed write of the same key).
pub(crate) const ATTEMPTS: usize = 64;

/// The rows a read-check-write decided on.
#[derive(Default)]
pub(crate) struct Read(Vec<ItemExpect>);

impl Read {
    /// Remembers that `table`'s row (`pk`, `sk`) was `bytes` (`None`: absent).
    pub(crate) fn saw(&mut self, table: &str, pk: &[u8], sk: &[u8], bytes: Option<&[u8]>) {
        self.0.push(ItemExpect {
            table: table.into(),
            pk: pk.to_vec(),
            sk: sk.to_vec(),
            item: bytes.map(<[u8]>::to_vec),
        });
    }
}

impl Objects {
    /// `key`'s record in `bucket`, remembered in `read`.
    pub(crate) async fn load_for(
        &self,
        read: &mut Read,
        bucket: &str,
        key: &str,
    ) -> Result<Option<crate::record::ObjectRecord>> {
        let bytes = self.store.get_item(bucket, OBJECTS_PK, key.as_bytes()).await?;
        read.saw(bucket, OBJECTS_PK, key.as_bytes(), bytes.as_deref());
        Ok(bytes.map(|b| crate::record::ObjectRecord::decode(key, &b)).transpose()?)
    }

    /// Commits `writes`, releasing `guard` as soon as that is safe, and wakes the event
    /// worker if they hold events; false when a row in `read` changed on another server
    /// (nothing was written).
    pub(crate) async fn commit_read(&self, writes: Vec<ItemWrite>, read: Read, guard: KeyGuard<'_>) -> Result<bool> {
        if !self.shared {
            self.submit_with_events(writes, guard).await?;
            return Ok(true);
        }
        let events = holds_events(&writes);
        let outcome = self.store.write_checked(writes, read.0).await;
        drop(guard);
        match outcome {
            Ok(()) => {
                if events {
                    self.events_pending.notify_one();
                }
                Ok(true)
            }
            Err(squall_storage::Error::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The error after [`ATTEMPTS`] conflicts on `key`.
pub(crate) fn too_busy(key: &str) -> Error {
    Error::Storage(squall_storage::Error::Backend(format!(
        "{key} kept changing on other servers while this one wrote it ({ATTEMPTS} attempts)"
    )))
}
