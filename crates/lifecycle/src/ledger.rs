//! Changes of a service's records, serialized across servers sharing a store.
//!
//! A service using a ledger keeps its records in memory and changes them under its own
//! lock. With
//! other servers on the same store, a change first makes sure the records are current (a
//! generation row, bumped by every change, says whether another server changed something
//! since they were loaded), then commits expecting that generation, so two servers
//! deciding from the same records cannot both commit: the later one is refused with
//! [`squall_storage::Error::Conflict`] (SSM's `TooManyUpdates`, IAM's
//! `ConcurrentModification`) and nothing is written.

use crate::Cluster;
use squall_storage::{ItemExpect, ItemWrite, Result, TableStore};
use std::sync::{Arc, Mutex};

/// The pseudo-table of the generation rows.
const GENERATIONS: &str = "generations";

/// One service's generation.
pub struct Ledger {
    store: Arc<dyn TableStore>,
    /// The service's row in [`GENERATIONS`].
    key: &'static str,
    /// The name its changes are announced under to the other servers.
    domain: &'static str,
    cluster: Cluster,
    /// The generation the records in memory reflect (`None`: no change stored yet).
    seen: Mutex<Option<Vec<u8>>>,
}

impl Ledger {
    /// The ledger of the service `key`, its records just loaded (the generation is read
    /// before them, so a change committed in between is loaded again at the next one);
    /// changes are announced as `domain`'s.
    pub async fn open(
        store: Arc<dyn TableStore>,
        key: &'static str,
        domain: &'static str,
        cluster: Cluster,
    ) -> Result<Ledger> {
        let seen = match cluster.shared {
            true => store.get_item(GENERATIONS, key.as_bytes(), b"").await?,
            false => None,
        };
        Ok(Ledger { store, key, domain, cluster, seen: Mutex::new(seen) })
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Option<Vec<u8>>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether another server changed the records since they were loaded (call with the
    /// service's lock held, before deciding a change); the stored generation is then the
    /// one the caller's reload reflects.
    pub async fn stale(&self) -> Result<bool> {
        if !self.cluster.shared {
            return Ok(false);
        }
        let stored = self.store.get_item(GENERATIONS, self.key.as_bytes(), b"").await?;
        let mut seen = self.seen();
        let stale = *seen != stored;
        *seen = stored;
        Ok(stale)
    }

    /// Commits `writes`; on a shared store only if no other server committed a change
    /// since this one's records were current, else [`squall_storage::Error::Conflict`] and
    /// nothing is written.
    pub async fn commit(&self, mut writes: Vec<ItemWrite>) -> Result<()> {
        if !self.cluster.shared {
            return self.store.write(writes).await;
        }
        let seen = self.seen().clone();
        let number = seen.as_deref().and_then(|b| <[u8; 8]>::try_from(b).ok()).map_or(0, u64::from_be_bytes);
        let next = (number + 1).to_be_bytes().to_vec();
        let row =
            |item| ItemWrite { table: GENERATIONS.into(), pk: self.key.as_bytes().to_vec(), sk: Vec::new(), item };
        writes.push(row(Some(next.clone())));
        let expect =
            ItemExpect { table: GENERATIONS.into(), pk: self.key.as_bytes().to_vec(), sk: Vec::new(), item: seen };
        self.store.write_checked(writes, vec![expect]).await?;
        *self.seen() = Some(next);
        self.cluster.changed(self.domain).await;
        Ok(())
    }
}
