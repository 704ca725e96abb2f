//! The overlay a [`crate::TableStore`] keeps of writes submitted and not yet committed, so
//! that a caller reads its own writes (and those submitted before it) at once while they
//! commit in groups.

use crate::ItemWrite;
use std::collections::HashMap;
use std::sync::Mutex;

/// A stored item's identity: table, partition key, sort key.
type ItemKey = (String, Vec<u8>, Vec<u8>);

/// Submitted writes not yet committed: the newest value per item, with its submission number.
#[derive(Default)]
pub struct Overlay {
    inner: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    next: u64,
    items: HashMap<ItemKey, (u64, Option<Vec<u8>>)>,
}

/// What one submission put in the overlay, to take out once it is settled.
#[derive(Debug, Default)]
pub struct Staged(Vec<(ItemKey, u64)>);

impl Overlay {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `writes` visible to [`Overlay::get`] until [`Overlay::settle`].
    pub fn stage(&self, writes: &[ItemWrite]) -> Staged {
        let mut p = self.lock();
        Staged(
            writes
                .iter()
                .map(|w| {
                    p.next += 1;
                    let (key, seq) = ((w.table.clone(), w.pk.clone(), w.sk.clone()), p.next);
                    p.items.insert(key.clone(), (seq, w.item.clone()));
                    (key, seq)
                })
                .collect(),
        )
    }

    /// The newest submitted value of an item (`Some(None)`: deleted), if a submission of
    /// it is pending.
    pub fn get(&self, table: &str, pk: &[u8], sk: &[u8]) -> Option<Option<Vec<u8>>> {
        let key: ItemKey = (table.to_string(), pk.to_vec(), sk.to_vec());
        self.lock().items.get(&key).map(|(_, v)| v.clone())
    }

    /// Takes a submission's writes out (committed or failed, the store now speaks for
    /// them), unless a later submission of the same item replaced them.
    pub fn settle(&self, staged: &Staged) {
        let mut p = self.lock();
        for (key, seq) in &staged.0 {
            if p.items.get(key).is_some_and(|(s, _)| s == seq) {
                p.items.remove(key);
            }
        }
    }
}
