//! [`PatternIndex`]: many patterns under keys, matched without testing every one per event.
//!
//! Each pattern is filed under the exact values of one field per branch (see
//! `Pattern::index_entries`): `{"source": ["aws.s3"], ...}` under `("source", "aws.s3")`. An event
//! only reaches the patterns filed under one of its own leaves, plus the residual patterns that
//! have no all-exact field (which are tested for every event). The pure data structure holds no
//! lock; the caller shares it behind its own.

use std::collections::HashMap;
use std::hash::Hash;

use serde_json::Value;

use crate::event::EventView;
use crate::pattern::Pattern;
use crate::values::Key;

/// Patterns under keys of type `K` (a rule name, say).
#[derive(Debug, Clone)]
pub struct PatternIndex<K> {
    /// Patterns by slot; `None` marks a free slot.
    slots: Vec<Option<Entry<K>>>,
    /// Free slots, reused before the vector grows.
    free: Vec<usize>,
    /// The slot of each key.
    by_key: HashMap<K, usize>,
    /// Slots filed under (field path, exact value).
    by_value: HashMap<String, HashMap<Key, Vec<usize>>>,
    /// Slots tested for every event.
    residual: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Entry<K> {
    key: K,
    pattern: Pattern,
    /// Where the slot is filed in `by_value`; `None` when it is residual.
    filed: Option<Vec<(String, Key)>>,
}

impl<K: Clone + Eq + Hash> Default for PatternIndex<K> {
    fn default() -> Self {
        PatternIndex::new()
    }
}

impl<K: Clone + Eq + Hash> PatternIndex<K> {
    pub fn new() -> Self {
        PatternIndex {
            slots: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            by_value: HashMap::new(),
            residual: Vec::new(),
        }
    }

    /// Files `pattern` under `key`, replacing the key's previous pattern.
    pub fn insert(&mut self, key: K, pattern: Pattern) {
        self.remove(&key);
        let slot = self.free.pop().unwrap_or(self.slots.len());
        let filed = pattern.index_entries();
        match &filed {
            Some(entries) => {
                for (path, value) in entries {
                    self.by_value.entry(path.clone()).or_default().entry(value.clone()).or_default().push(slot);
                }
            }
            None => self.residual.push(slot),
        }
        let entry = Entry { key: key.clone(), pattern, filed };
        if slot == self.slots.len() {
            self.slots.push(Some(entry));
        } else {
            self.slots[slot] = Some(entry);
        }
        self.by_key.insert(key, slot);
    }

    /// Removes the key's pattern, if any.
    pub fn remove(&mut self, key: &K) {
        let Some(slot) = self.by_key.remove(key) else { return };
        let Some(entry) = self.slots.get_mut(slot).and_then(Option::take) else { return };
        match entry.filed {
            Some(entries) => {
                for (path, value) in entries {
                    let Some(values) = self.by_value.get_mut(&path) else { continue };
                    if let Some(slots) = values.get_mut(&value) {
                        slots.retain(|s| *s != slot);
                        if slots.is_empty() {
                            values.remove(&value);
                        }
                    }
                    if values.is_empty() {
                        self.by_value.remove(&path);
                    }
                }
            }
            None => self.residual.retain(|s| *s != slot),
        }
        self.free.push(slot);
    }

    /// The pattern filed under `key`.
    pub fn get(&self, key: &K) -> Option<&Pattern> {
        let slot = *self.by_key.get(key)?;
        self.slots.get(slot)?.as_ref().map(|e| &e.pattern)
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Every key whose pattern matches `event`, each once, in slot order.
    pub fn matching(&self, event: &Value) -> Vec<K> {
        if !event.is_object() {
            return Vec::new();
        }
        let view = EventView::new(event, None);
        self.candidates(&view)
            .into_iter()
            .filter_map(|slot| self.slots.get(slot)?.as_ref())
            .filter(|entry| entry.pattern.matches_view(&view))
            .map(|entry| entry.key.clone())
            .collect()
    }

    /// The slots worth testing against the event: those filed under one of its leaves, and the
    /// residual ones. Sorted, without repeats.
    fn candidates(&self, view: &EventView<'_>) -> Vec<usize> {
        let mut candidates = self.residual.clone();
        let mut collect = |path: &str, values: &HashMap<Key, Vec<usize>>| {
            for leaf in view.leaves_at(path) {
                if let Some(slots) = Key::of_leaf(leaf).and_then(|key| values.get(&key)) {
                    candidates.extend_from_slice(slots);
                }
            }
        };
        // Walk whichever side is smaller: the indexed paths or the event's leaf paths.
        if self.by_value.len() <= view.path_count() {
            for (path, values) in &self.by_value {
                collect(path, values);
            }
        } else {
            for path in view.paths() {
                if let Some(values) = self.by_value.get(path) {
                    collect(path, values);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// How many patterns `matching` would test against `event` (for tests of the index's reach).
    #[cfg(test)]
    pub(crate) fn candidate_count(&self, event: &Value) -> usize {
        self.candidates(&EventView::new(event, None)).len()
    }
}
