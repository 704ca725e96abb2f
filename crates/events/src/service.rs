//! [`EventBuses`]: the buses and rules in memory, their store, and how a change is made.

use crate::model::{ApiDestination, Archive, Bus, Connection, Replay, Rule, RuleState, Target};
use crate::names::{DEFAULT_BUS, bus_arn};
use crate::{Result, corrupt};
use squall_clock::Clock;
use squall_lifecycle::{Cluster, Ledger};
use squall_patterns::{Pattern, PatternIndex};
use squall_schedules::Schedule;
use squall_storage::{ItemWrite, TableStore};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::Notify;

/// The store's pseudo-table of buses (key: name).
const BUSES: &str = "buses";
/// Rules (key: bus, name), their targets inside.
const RULES: &str = "rules";
/// Each scheduled rule's next firing (key: rule name; the default bus only).
pub(crate) const DUE: &str = "schedule-due";
/// Archives (key: name); the events of each are in a pseudo-table of its own
/// ([`crate::archives::events_table`]).
const ARCHIVES: &str = "archives";
/// Replays (key: name).
const REPLAYS: &str = "replays";
/// Connections (key: name).
const CONNECTIONS: &str = "connections";
/// API destinations (key: name).
const API_DESTINATIONS: &str = "api-destinations";

/// One delivery of an event to a target.
pub struct Delivery<'a> {
    /// The rule that matched (its ARN is the `aws:SourceArn` of the delivery).
    pub rule_arn: &'a str,
    /// The event's id (a FIFO queue's deduplication id, as EventBridge makes it).
    pub event_id: &'a str,
    /// The target.
    pub target: &'a Target,
    /// What the target gets (the event, or its input as the target shapes it).
    pub body: String,
    /// For an API destination target: the destination and its connection.
    pub api: Option<(ApiDestination, Connection)>,
}

/// Why a delivery did not happen, as a dead letter's `ERROR_CODE` and `ERROR_MESSAGE`
/// say it.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// `NO_PERMISSIONS`, `RESOURCE_NOT_FOUND` or `SDK_CLIENT_ERROR`.
    pub code: &'static str,
    /// Why.
    pub message: String,
    /// Whether trying again may succeed (the store failed): retried by the target's
    /// `RetryPolicy`. A missing permission or target is not retried, as on AWS.
    pub retryable: bool,
}

/// Where targets' deliveries go: the functions, queues and topics of the server.
#[async_trait::async_trait]
pub trait TargetSink: Send + Sync {
    /// Delivers durably, or says why not (the target does not exist, its policy refuses
    /// EventBridge, storage failed).
    async fn deliver(&self, delivery: Delivery<'_>) -> Result<(), Refusal>;
    /// Sends an event rule `rule_arn` could not deliver to its dead-letter queue (when the
    /// queue's policy lets EventBridge send for the rule), with EventBridge's attributes
    /// saying why.
    async fn dead_letter(
        &self,
        rule_arn: &str,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
    ) -> Result<(), String>;
}

/// Where connections keep their secrets: Secrets Manager, as on AWS (the composition root
/// provides it).
#[async_trait::async_trait]
pub trait ConnectionSecrets: Send + Sync {
    /// Makes secret `name` holding `value`; its ARN.
    async fn create(&self, name: &str, value: String) -> Result<String, String>;
    /// Replaces the value of secret `arn`.
    async fn update(&self, arn: &str, value: String) -> Result<(), String>;
    /// The value of secret `arn`.
    async fn read(&self, arn: &str) -> Result<String, String>;
    /// Deletes secret `arn` at once.
    async fn delete(&self, arn: &str) -> Result<(), String>;
    /// Authorizes an OAuth connection: asks its authorization endpoint for a token, which
    /// its calls then use. `Err` says why it could not.
    async fn authorize(&self, connection: &crate::model::Connection) -> Result<(), String>;
}

/// The definitions as one snapshot: replaced whole by each change, read without locks
/// held across awaits.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) buses: BTreeMap<String, Bus>,
    /// Rules by (bus, name).
    pub(crate) rules: BTreeMap<(String, String), Rule>,
    /// Per bus, its enabled rules with a pattern, by name.
    pub(crate) patterns: HashMap<String, PatternIndex<String>>,
    /// Archives by name, with their compiled patterns.
    pub(crate) archives: BTreeMap<String, (Archive, Option<Pattern>)>,
    /// Replays by name.
    pub(crate) replays: BTreeMap<String, Replay>,
    /// Connections by name.
    pub(crate) connections: BTreeMap<String, Connection>,
    /// API destinations by name.
    pub(crate) api_destinations: BTreeMap<String, ApiDestination>,
}

/// What a change starts from and leaves: every definition.
#[derive(Clone, Default)]
pub(crate) struct Definitions {
    pub(crate) buses: BTreeMap<String, Bus>,
    pub(crate) rules: BTreeMap<(String, String), Rule>,
    pub(crate) archives: BTreeMap<String, Archive>,
    pub(crate) replays: BTreeMap<String, Replay>,
    pub(crate) connections: BTreeMap<String, Connection>,
    pub(crate) api_destinations: BTreeMap<String, ApiDestination>,
}

impl State {
    /// The snapshot of these definitions; a pattern `previous` already compiled (same
    /// rule, same text) is reused, so a change parses only the patterns it changed.
    fn new(d: Definitions, previous: Option<&State>) -> State {
        let Definitions { buses, rules, archives, replays, connections, api_destinations } = d;
        let mut patterns: HashMap<String, PatternIndex<String>> = HashMap::new();
        for ((bus, name), rule) in &rules {
            if rule.state != RuleState::Enabled {
                continue;
            }
            let Some(text) = rule.pattern.as_deref() else { continue };
            let compiled = previous
                .filter(|p| p.rule(bus, name).is_some_and(|r| r.pattern.as_deref() == Some(text)))
                .and_then(|p| p.patterns.get(bus)?.get(name).cloned());
            let Some(p) = compiled.or_else(|| Pattern::parse(text).ok()) else { continue };
            patterns.entry(bus.clone()).or_default().insert(name.clone(), p);
        }
        let archives = archives
            .into_iter()
            .map(|(name, a)| {
                let compiled = a.pattern.as_deref().and_then(|p| Pattern::parse(p).ok());
                (name, (a, compiled))
            })
            .collect();
        State { buses, rules, patterns, archives, replays, connections, api_destinations }
    }

    /// Every definition, to decide a change on.
    pub(crate) fn definitions(&self) -> Definitions {
        Definitions {
            buses: self.buses.clone(),
            rules: self.rules.clone(),
            archives: self.archives.iter().map(|(n, (a, _))| (n.clone(), a.clone())).collect(),
            replays: self.replays.clone(),
            connections: self.connections.clone(),
            api_destinations: self.api_destinations.clone(),
        }
    }

    pub(crate) fn rule(&self, bus: &str, name: &str) -> Option<&Rule> {
        self.rules.get(&(bus.to_string(), name.to_string()))
    }
}

/// EventBridge's buses and rules.
pub struct EventBuses {
    store: Arc<dyn TableStore>,
    pub(crate) region: String,
    pub(crate) clock: Clock,
    state: RwLock<Arc<State>>,
    /// Serializes changes, so read-check-write sequences hold.
    admin: tokio::sync::Mutex<()>,
    ledger: Ledger,
    pub(crate) cluster: Cluster,
    pub(crate) sink: OnceLock<Arc<dyn TargetSink>>,
    /// Where connections' secrets are kept.
    pub(crate) secrets: OnceLock<Arc<dyn ConnectionSecrets>>,
    /// Each scheduled rule's next firing, by name (the default bus's rules).
    pub(crate) due: std::sync::Mutex<BTreeMap<String, u64>>,
    /// Wakes the scheduler when schedules change.
    pub(crate) schedules_changed: Notify,
    /// Wakes the retry worker when a retry is stored.
    pub(crate) retries_changed: Notify,
    /// Wakes the replay worker when a replay starts or is cancelled.
    pub(crate) replays_changed: Notify,
}

/// What a change writes, decided on a copy of the definitions.
pub(crate) struct Draft {
    pub(crate) buses: BTreeMap<String, Bus>,
    pub(crate) rules: BTreeMap<(String, String), Rule>,
    pub(crate) archives: BTreeMap<String, Archive>,
    pub(crate) replays: BTreeMap<String, Replay>,
    pub(crate) connections: BTreeMap<String, Connection>,
    pub(crate) api_destinations: BTreeMap<String, ApiDestination>,
    writes: Vec<ItemWrite>,
    /// Schedules set (`Some`) or dropped (`None`) by the change.
    due: Vec<(String, Option<u64>)>,
    pub(crate) now_ms: u64,
}

impl Draft {
    pub(crate) fn put_bus(&mut self, bus: Bus) {
        self.writes.push(write(BUSES, &bus.name, "", Some(json(&bus))));
        self.buses.insert(bus.name.clone(), bus);
    }

    pub(crate) fn delete_bus(&mut self, name: &str) {
        self.writes.push(write(BUSES, name, "", None));
        self.buses.remove(name);
    }

    /// Stores `rule`; a scheduled rule of the default bus gets its next firing, kept when
    /// its schedule did not change (`previous` is the rule as it was).
    pub(crate) fn put_rule(&mut self, rule: Rule, previous: Option<&Rule>) {
        self.writes.push(write(RULES, &rule.bus, &rule.name, Some(json(&rule))));
        let same_schedule = previous.is_some_and(|p| p.schedule == rule.schedule && p.state == rule.state);
        if rule.bus == DEFAULT_BUS && !same_schedule {
            let next = match (&rule.schedule, rule.state) {
                (Some(expr), RuleState::Enabled) => {
                    Schedule::parse(expr).ok().and_then(|s| s.next_after(self.now_ms, self.now_ms))
                }
                _ => None,
            };
            self.set_due(&rule.name, next);
        }
        self.rules.insert((rule.bus.clone(), rule.name.clone()), rule);
    }

    pub(crate) fn put_archive(&mut self, archive: Archive) {
        self.writes.push(write(ARCHIVES, &archive.name, "", Some(json(&archive))));
        self.archives.insert(archive.name.clone(), archive);
    }

    /// Removes an archive's definition (its events' table is dropped after the change).
    pub(crate) fn delete_archive(&mut self, name: &str) {
        self.writes.push(write(ARCHIVES, name, "", None));
        self.archives.remove(name);
    }

    pub(crate) fn put_connection(&mut self, c: Connection) {
        self.writes.push(write(CONNECTIONS, &c.name, "", Some(json(&c))));
        self.connections.insert(c.name.clone(), c);
    }

    pub(crate) fn delete_connection(&mut self, name: &str) {
        self.writes.push(write(CONNECTIONS, name, "", None));
        self.connections.remove(name);
    }

    pub(crate) fn put_api_destination(&mut self, a: ApiDestination) {
        self.writes.push(write(API_DESTINATIONS, &a.name, "", Some(json(&a))));
        self.api_destinations.insert(a.name.clone(), a);
    }

    pub(crate) fn delete_api_destination(&mut self, name: &str) {
        self.writes.push(write(API_DESTINATIONS, name, "", None));
        self.api_destinations.remove(name);
    }

    pub(crate) fn delete_replay(&mut self, name: &str) {
        self.writes.push(write(REPLAYS, name, "", None));
        self.replays.remove(name);
    }

    pub(crate) fn put_replay(&mut self, replay: Replay) {
        self.writes.push(write(REPLAYS, &replay.name, "", Some(json(&replay))));
        self.replays.insert(replay.name.clone(), replay);
    }

    pub(crate) fn delete_rule(&mut self, bus: &str, name: &str) {
        self.writes.push(write(RULES, bus, name, None));
        if bus == DEFAULT_BUS {
            self.set_due(name, None);
        }
        self.rules.remove(&(bus.to_string(), name.to_string()));
    }

    fn set_due(&mut self, rule: &str, due: Option<u64>) {
        self.writes.push(write(DUE, rule, "", due.map(|d| d.to_be_bytes().to_vec())));
        self.due.push((rule.to_string(), due));
    }
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("a definition serializes")
}

pub(crate) fn write(table: &str, pk: &str, sk: &str, item: Option<Vec<u8>>) -> ItemWrite {
    ItemWrite { table: table.into(), pk: pk.as_bytes().to_vec(), sk: sk.as_bytes().to_vec(), item }
}

impl EventBuses {
    /// Loads every bus and rule from `store` (the default bus exists without being stored).
    pub async fn open(store: Arc<dyn TableStore>, region: &str, clock: Clock, cluster: Cluster) -> Result<EventBuses> {
        let ledger = Ledger::open(store.clone(), RULES, crate::DOMAIN, cluster.clone()).await?;
        let (state, due) = load(store.as_ref(), region).await?;
        Ok(EventBuses {
            store,
            region: region.to_string(),
            clock,
            state: RwLock::new(Arc::new(state)),
            admin: tokio::sync::Mutex::new(()),
            ledger,
            cluster,
            sink: OnceLock::new(),
            secrets: OnceLock::new(),
            due: std::sync::Mutex::new(due),
            schedules_changed: Notify::new(),
            retries_changed: Notify::new(),
            replays_changed: Notify::new(),
        })
    }

    /// The store the definitions, firings and retries are kept in.
    pub(crate) fn store(&self) -> &dyn TableStore {
        self.store.as_ref()
    }

    /// Where connections' secrets go (set once, by the composition root).
    pub fn set_secrets(&self, secrets: Arc<dyn ConnectionSecrets>) {
        let _ = self.secrets.set(secrets);
    }

    /// Where deliveries go (set once, by the composition root).
    pub fn set_sink(&self, sink: Arc<dyn TargetSink>) {
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

    pub(crate) async fn reload(&self) -> Result<()> {
        let (state, due) = load(self.store.as_ref(), &self.region).await?;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(state);
        *self.due.lock().unwrap_or_else(|p| p.into_inner()) = due;
        self.schedules_changed.notify_one();
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
        let Definitions { buses, rules, archives, replays, connections, api_destinations } = current.definitions();
        let mut draft = Draft {
            buses,
            rules,
            archives,
            replays,
            connections,
            api_destinations,
            writes: Vec::new(),
            due: Vec::new(),
            now_ms: self.clock.now_ms(),
        };
        let answer = decide(&mut draft)?;
        if draft.writes.is_empty() {
            return Ok(answer);
        }
        self.ledger.commit(std::mem::take(&mut draft.writes)).await?;
        let definitions = Definitions {
            buses: draft.buses,
            rules: draft.rules,
            archives: draft.archives,
            replays: draft.replays,
            connections: draft.connections,
            api_destinations: draft.api_destinations,
        };
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(State::new(definitions, Some(&current)));
        if !draft.due.is_empty() {
            let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            for (rule, at) in draft.due {
                match at {
                    Some(at) => due.insert(rule, at),
                    None => due.remove(&rule),
                };
            }
            drop(due);
            self.schedules_changed.notify_one();
        }
        Ok(answer)
    }

    /// Moves a scheduled rule's next firing from `from` to `to` (the scheduler's own write,
    /// outside the ledger: firings do not make other servers reload definitions), only if
    /// it is still `from` in the store; `false` when a change of the rule (on any server)
    /// set another meanwhile, which then stands.
    pub(crate) async fn advance_due(&self, rule: &str, from: u64, to: Option<u64>) -> Result<bool> {
        let row = write(DUE, rule, "", to.map(|d| d.to_be_bytes().to_vec()));
        let expect = squall_storage::ItemExpect {
            table: DUE.into(),
            pk: rule.as_bytes().to_vec(),
            sk: Vec::new(),
            item: Some(from.to_be_bytes().to_vec()),
        };
        match self.store.write_checked(vec![row], vec![expect]).await {
            Ok(()) => {}
            Err(squall_storage::Error::Conflict(_)) => {
                // Another change set it: take what the store holds, so the stale firing is
                // not fired again.
                let stored = self.store.get_item(DUE, rule.as_bytes(), b"").await?;
                let stored = stored.and_then(|item| <[u8; 8]>::try_from(item.as_slice()).ok()).map(u64::from_be_bytes);
                let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
                match stored {
                    Some(at) => due.insert(rule.to_string(), at),
                    None => due.remove(rule),
                };
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
        let mut due = self.due.lock().unwrap_or_else(|p| p.into_inner());
        if due.get(rule) == Some(&from) {
            match to {
                Some(at) => due.insert(rule.to_string(), at),
                None => due.remove(rule),
            };
        }
        Ok(true)
    }

    /// Gives every enabled scheduled rule without a next firing one from `now` (a firing
    /// whose write was lost to a conflict or a crash), so no schedule stops for good.
    pub(crate) async fn give_every_schedule_a_firing(&self, now: u64) -> Result<()> {
        let _admin = self.admin.lock().await;
        let state = self.snapshot();
        let missing: Vec<(String, u64)> = {
            let due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            state
                .rules
                .values()
                .filter(|r| r.bus == DEFAULT_BUS && r.state == RuleState::Enabled && !due.contains_key(&r.name))
                .filter_map(|r| {
                    let next = Schedule::parse(r.schedule.as_deref()?).ok()?.next_after(r.created_ms, now)?;
                    Some((r.name.clone(), next))
                })
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let writes = missing.iter().map(|(r, at)| write(DUE, r, "", Some(at.to_be_bytes().to_vec()))).collect();
        self.store.write(writes).await?;
        self.due.lock().unwrap_or_else(|p| p.into_inner()).extend(missing);
        Ok(())
    }

    /// The next firings as stored (a new leader's view, after another server fired).
    pub(crate) async fn load_due(&self) -> Result<()> {
        let due = load_due(self.store.as_ref()).await?;
        *self.due.lock().unwrap_or_else(|p| p.into_inner()) = due;
        Ok(())
    }

    /// The bus named `name`.
    pub(crate) fn default_bus(region: &str) -> Bus {
        Bus {
            name: DEFAULT_BUS.into(),
            arn: bus_arn(region, DEFAULT_BUS),
            description: None,
            created_ms: 0,
            tags: vec![],
        }
    }
}

async fn load(store: &dyn TableStore, region: &str) -> Result<(State, BTreeMap<String, u64>)> {
    let mut buses = BTreeMap::new();
    buses.insert(DEFAULT_BUS.to_string(), EventBuses::default_bus(region));
    for row in squall_storage::scan_all(store, BUSES).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let bus: Bus = serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("event bus {name}"), e))?;
        buses.insert(name, bus);
    }
    let mut rules = BTreeMap::new();
    for row in squall_storage::scan_all(store, RULES).await? {
        let rule: Rule = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("rule {}", String::from_utf8_lossy(&row.sk)), e))?;
        rules.insert((rule.bus.clone(), rule.name.clone()), rule);
    }
    let mut archives = BTreeMap::new();
    for row in squall_storage::scan_all(store, ARCHIVES).await? {
        let a: Archive = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("archive {}", String::from_utf8_lossy(&row.pk)), e))?;
        archives.insert(a.name.clone(), a);
    }
    let mut replays = BTreeMap::new();
    for row in squall_storage::scan_all(store, REPLAYS).await? {
        let r: Replay = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("replay {}", String::from_utf8_lossy(&row.pk)), e))?;
        replays.insert(r.name.clone(), r);
    }
    let mut connections = BTreeMap::new();
    for row in squall_storage::scan_all(store, CONNECTIONS).await? {
        let c: Connection = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("connection {}", String::from_utf8_lossy(&row.pk)), e))?;
        connections.insert(c.name.clone(), c);
    }
    let mut api_destinations = BTreeMap::new();
    for row in squall_storage::scan_all(store, API_DESTINATIONS).await? {
        let a: ApiDestination = serde_json::from_slice(&row.item)
            .map_err(|e| corrupt(format!("API destination {}", String::from_utf8_lossy(&row.pk)), e))?;
        api_destinations.insert(a.name.clone(), a);
    }
    let due = load_due(store).await?;
    let definitions = Definitions { buses, rules, archives, replays, connections, api_destinations };
    Ok((State::new(definitions, None), due))
}

async fn load_due(store: &dyn TableStore) -> Result<BTreeMap<String, u64>> {
    let mut due = BTreeMap::new();
    for row in squall_storage::scan_all(store, DUE).await? {
        let at = <[u8; 8]>::try_from(row.item.as_slice())
            .map_err(|_| corrupt(format!("schedule of {}", String::from_utf8_lossy(&row.pk)), "not 8 bytes"))?;
        due.insert(String::from_utf8_lossy(&row.pk).into_owned(), u64::from_be_bytes(at));
    }
    Ok(due)
}
