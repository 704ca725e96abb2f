//! [`Scheduler`]: the groups and schedules in memory, their store, and how a change is made.

use crate::firing::first_due;
use crate::model::{Due, Group, Schedule};
use crate::names::{DEFAULT_GROUP, group_arn};
use crate::{Result, corrupt};
use squall_clock::Clock;
use squall_lifecycle::{Cluster, Ledger};
use squall_storage::{ItemExpect, ItemWrite, TableStore};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::Notify;

/// The store's pseudo-table of groups (key: name).
const GROUPS: &str = "groups";
/// Schedules (key: group, name).
const SCHEDULES: &str = "schedules";
/// Each schedule's next act (key: group, name), a [`Due`].
const DUE: &str = "due";

/// A schedule's key: its group and name.
pub(crate) type Key = (String, String);

/// The definitions as one snapshot, replaced whole by each change.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) schedules: BTreeMap<Key, Schedule>,
}

/// EventBridge Scheduler's groups and schedules.
pub struct Scheduler {
    store: Arc<dyn TableStore>,
    pub(crate) region: String,
    pub(crate) clock: Clock,
    state: RwLock<Arc<State>>,
    /// Serializes changes, so read-check-write sequences hold.
    admin: tokio::sync::Mutex<()>,
    ledger: Ledger,
    pub(crate) cluster: Cluster,
    pub(crate) sink: OnceLock<Arc<dyn crate::FiringSink>>,
    /// Each schedule's next act.
    pub(crate) due: std::sync::Mutex<BTreeMap<Key, Due>>,
    /// Wakes the firing worker when schedules change.
    pub(crate) changed: Notify,
}

/// What a change writes, decided on a copy of the definitions.
pub(crate) struct Draft {
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) schedules: BTreeMap<Key, Schedule>,
    writes: Vec<ItemWrite>,
    due: Vec<(Key, Option<Due>)>,
    pub(crate) now_ms: u64,
}

impl Draft {
    pub(crate) fn put_group(&mut self, group: Group) {
        self.writes.push(write(GROUPS, &group.name, "", Some(json(&group))));
        self.groups.insert(group.name.clone(), group);
    }

    /// Removes a group and every schedule in it.
    pub(crate) fn delete_group(&mut self, name: &str) {
        self.writes.push(write(GROUPS, name, "", None));
        self.groups.remove(name);
        let keys: Vec<Key> = self.schedules.keys().filter(|(g, _)| g == name).cloned().collect();
        for (group, schedule) in keys {
            self.delete_schedule(&group, &schedule);
        }
    }

    /// Stores `schedule` with its first act from now, or with `keep` (its act as it was,
    /// when what decides its firings did not change).
    pub(crate) fn put_schedule(&mut self, schedule: Schedule, keep: Option<Due>) {
        let key = (schedule.group.clone(), schedule.name.clone());
        self.writes.push(write(SCHEDULES, &key.0, &key.1, Some(json(&schedule))));
        if keep.is_none() {
            let due = first_due(&schedule, self.now_ms);
            self.set_due(key.clone(), due);
        }
        self.schedules.insert(key, schedule);
    }

    pub(crate) fn delete_schedule(&mut self, group: &str, name: &str) {
        self.writes.push(write(SCHEDULES, group, name, None));
        let key = (group.to_string(), name.to_string());
        self.set_due(key.clone(), None);
        self.schedules.remove(&key);
    }

    fn set_due(&mut self, key: Key, due: Option<Due>) {
        self.writes.push(write(DUE, &key.0, &key.1, due.as_ref().map(json)));
        self.due.push((key, due));
    }
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("a definition serializes")
}

fn write(table: &str, pk: &str, sk: &str, item: Option<Vec<u8>>) -> ItemWrite {
    ItemWrite { table: table.into(), pk: pk.as_bytes().to_vec(), sk: sk.as_bytes().to_vec(), item }
}

impl Scheduler {
    /// Loads every group and schedule from `store` (the default group exists without being
    /// stored).
    pub async fn open(store: Arc<dyn TableStore>, region: &str, clock: Clock, cluster: Cluster) -> Result<Scheduler> {
        let ledger = Ledger::open(store.clone(), SCHEDULES, crate::DOMAIN, cluster.clone()).await?;
        let (state, due) = load(store.as_ref(), region).await?;
        Ok(Scheduler {
            store,
            region: region.to_string(),
            clock,
            state: RwLock::new(Arc::new(state)),
            admin: tokio::sync::Mutex::new(()),
            ledger,
            cluster,
            sink: OnceLock::new(),
            due: std::sync::Mutex::new(due),
            changed: Notify::new(),
        })
    }

    /// Where firings go (set once, by the composition root).
    pub fn set_sink(&self, sink: Arc<dyn crate::FiringSink>) {
        let _ = self.sink.set(sink);
    }

    /// The definitions now.
    pub(crate) fn snapshot(&self) -> Arc<State> {
        self.state.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the definitions as stored now, after another server changed them.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.ledger.stale().await?;
        self.reload().await
    }

    async fn reload(&self) -> Result<()> {
        let (state, due) = load(self.store.as_ref(), &self.region).await?;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(state);
        *self.due.lock().unwrap_or_else(|p| p.into_inner()) = due;
        self.changed.notify_one();
        Ok(())
    }

    /// Decides a change on a copy of the current definitions (`decide` may refuse it),
    /// commits what it wrote, then makes the copy current.
    pub(crate) async fn change<T>(&self, decide: impl FnOnce(&mut Draft) -> Result<T>) -> Result<T> {
        let _admin = self.admin.lock().await;
        if self.ledger.stale().await? {
            self.reload().await?;
        }
        let current = self.snapshot();
        let mut draft = Draft {
            groups: current.groups.clone(),
            schedules: current.schedules.clone(),
            writes: Vec::new(),
            due: Vec::new(),
            now_ms: self.clock.now_ms(),
        };
        let answer = decide(&mut draft)?;
        if draft.writes.is_empty() {
            return Ok(answer);
        }
        self.ledger.commit(std::mem::take(&mut draft.writes)).await?;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) =
            Arc::new(State { groups: draft.groups, schedules: draft.schedules });
        if !draft.due.is_empty() {
            let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            for (key, next) in draft.due {
                match next {
                    Some(next) => due.insert(key, next),
                    None => due.remove(&key),
                };
            }
            drop(due);
            self.changed.notify_one();
        }
        Ok(answer)
    }

    /// Moves a schedule's next act from `from` to `to` (the worker's own write, outside the
    /// ledger), only if it is still `from` in the store; `false` when a change of the
    /// schedule (on any server) set another meanwhile, which then stands.
    pub(crate) async fn advance_due(&self, key: &Key, from: Due, to: Option<Due>) -> Result<bool> {
        let row = write(DUE, &key.0, &key.1, to.as_ref().map(json));
        let expect = ItemExpect {
            table: DUE.into(),
            pk: key.0.as_bytes().to_vec(),
            sk: key.1.as_bytes().to_vec(),
            item: Some(json(&from)),
        };
        match self.store.write_checked(vec![row], vec![expect]).await {
            Ok(()) => {}
            Err(squall_storage::Error::Conflict(_)) => {
                // Another change set it: take what the store holds, so the stale act does
                // not fire again.
                let stored = self.stored_due(key).await?;
                self.remember_due(key, stored);
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
        if due.get(key) == Some(&from) {
            match to {
                Some(next) => due.insert(key.clone(), next),
                None => due.remove(key),
            };
        }
        Ok(true)
    }

    /// A schedule's next act as the store holds it.
    pub(crate) async fn stored_due(&self, key: &Key) -> Result<Option<Due>> {
        let Some(item) = self.store.get_item(DUE, key.0.as_bytes(), key.1.as_bytes()).await? else { return Ok(None) };
        serde_json::from_slice(&item).map(Some).map_err(|e| corrupt(format!("next firing of {}/{}", key.0, key.1), e))
    }

    /// Takes `due` as a schedule's next act in memory.
    pub(crate) fn remember_due(&self, key: &Key, due: Option<Due>) {
        let mut map = self.due.lock().unwrap_or_else(|p| p.into_inner());
        match due {
            Some(d) => map.insert(key.clone(), d),
            None => map.remove(key),
        };
    }

    /// The store the definitions, acts and retries are kept in.
    pub(crate) fn store(&self) -> &dyn TableStore {
        self.store.as_ref()
    }

    /// A schedule's next act in memory.
    pub(crate) fn due_of(&self, key: &Key) -> Option<Due> {
        self.due.lock().unwrap_or_else(|p| p.into_inner()).get(key).copied()
    }

    /// Gives every enabled schedule that will fire again but has no next act one from
    /// `now` (an act whose write was lost to a conflict or a crash).
    pub(crate) async fn give_every_schedule_a_firing(&self, now: u64) -> Result<()> {
        let _admin = self.admin.lock().await;
        let state = self.snapshot();
        let missing: Vec<(Key, Due)> = {
            let due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            state
                .schedules
                .iter()
                .filter(|(key, _)| !due.contains_key(*key))
                .filter_map(|(key, s)| Some((key.clone(), first_due(s, now)?)))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let writes = missing.iter().map(|((g, n), d)| write(DUE, g, n, Some(json(d)))).collect();
        self.store.write(writes).await?;
        self.due.lock().unwrap_or_else(|p| p.into_inner()).extend(missing);
        Ok(())
    }

    /// The next acts as stored (a new leader's view, after another server fired).
    pub(crate) async fn load_due(&self) -> Result<()> {
        let due = load_due(self.store.as_ref()).await?;
        *self.due.lock().unwrap_or_else(|p| p.into_inner()) = due;
        Ok(())
    }

    pub(crate) fn default_group(region: &str) -> Group {
        Group {
            name: DEFAULT_GROUP.into(),
            arn: group_arn(region, DEFAULT_GROUP),
            created_ms: 0,
            modified_ms: 0,
            tags: vec![],
            client_token: None,
        }
    }

    /// Forgets every group and schedule (a dev server's reset).
    pub async fn reset(&self) -> Result<()> {
        self.change(|d| {
            let groups: Vec<String> = d.groups.keys().filter(|g| *g != DEFAULT_GROUP).cloned().collect();
            for g in groups {
                d.delete_group(&g);
            }
            let keys: Vec<Key> = d.schedules.keys().cloned().collect();
            for (g, n) in keys {
                d.delete_schedule(&g, &n);
            }
            Ok(())
        })
        .await
    }
}

async fn load(store: &dyn TableStore, region: &str) -> Result<(State, BTreeMap<Key, Due>)> {
    let mut groups = BTreeMap::new();
    groups.insert(DEFAULT_GROUP.to_string(), Scheduler::default_group(region));
    for row in squall_storage::scan_all(store, GROUPS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let group: Group =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("schedule group {name}"), e))?;
        groups.insert(name, group);
    }
    let mut schedules = BTreeMap::new();
    for row in squall_storage::scan_all(store, SCHEDULES).await? {
        let s: Schedule = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("schedule {}", String::from_utf8_lossy(&row.sk)), e))?;
        schedules.insert((s.group.clone(), s.name.clone()), s);
    }
    let due = load_due(store).await?;
    Ok((State { groups, schedules }, due))
}

async fn load_due(store: &dyn TableStore) -> Result<BTreeMap<Key, Due>> {
    let mut due = BTreeMap::new();
    for row in squall_storage::scan_all(store, DUE).await? {
        let key = (String::from_utf8_lossy(&row.pk).into_owned(), String::from_utf8_lossy(&row.sk).into_owned());
        let next: Due =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("next firing of {}/{}", key.0, key.1), e))?;
        due.insert(key, next);
    }
    Ok(due)
}
