//! The queues service: queue lifecycle and message operations, held in memory and written
//! through to a `TableStore` before each operation answers.
//!
//! Each queue's state sits behind its own mutex, never held across an await: an operation
//! changes the state, collects the store writes, releases the lock and waits for them.
//! Sends become visible only once durable. Long polls wait on the queue's `Notify` (woken
//! by sends and by messages made visible) or until the next invisible message is due.

use crate::attributes::{QueueAttributes, RedrivePolicy, is_known};
use crate::message::{
    self, Attributes, DEDUP_INTERVAL_MS, NewMessage, check_attributes, check_text, md5_of_attributes, md5_of_body,
    sequence_number,
};
use crate::receipt::Receipt;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use squall_clock::Clock;
use squall_storage::{ItemWrite, TableStore};
use squall_types::{ACCOUNT_ID, RequestId, random_u64};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::Notify;

/// Most entries in a batch request.
pub const MAX_BATCH: usize = 10;

/// Most messages a retention sweep deletes per queue.
const SWEEP_PAGE: usize = 1000;

/// A message as stored and held.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Msg {
    id: String,
    body: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    attrs: Attributes,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sys: Attributes,
    sent_ms: u64,
    /// When it is (or was) next visible.
    visible_ms: u64,
    receives: u32,
    #[serde(default)]
    first_receive_ms: Option<u64>,
    /// Drawn at each receive: only the latest receipt handle acts on the message.
    nonce: u64,
    /// `MessageGroupId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    /// `MessageDeduplicationId` (given, or derived from the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dedup: Option<String>,
    /// The queue a dead-lettered message came from (where a move task returns it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
}

/// A FIFO queue's record of a deduplication id: sends with it within the interval are
/// accepted and dropped.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Dedup {
    expires_ms: u64,
    id: String,
    seq: u64,
}

/// A queue's definition as stored (the table definition of its name).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QueueDef {
    attributes: QueueAttributes,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    created_ms: u64,
    last_modified_ms: u64,
}

pub(crate) struct State {
    def: QueueDef,
    messages: BTreeMap<u64, Msg>,
    /// Visible messages, oldest first.
    ready: BTreeSet<u64>,
    /// Delayed and in-flight messages by when they become visible (stale entries are
    /// skipped: a message's `visible_ms` must still match).
    waiting: BinaryHeap<Reverse<(u64, u64)>>,
    next_seq: u64,
    deleted: bool,
    /// FIFO queues: each group's messages, in order.
    groups: HashMap<String, BTreeSet<u64>>,
    /// FIFO queues: deduplication ids seen within the interval, by scope key.
    dedup: HashMap<String, Dedup>,
}

impl Msg {
    /// The queue a dead-lettered message came from.
    pub(crate) fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }
}

impl State {
    fn new(def: QueueDef) -> State {
        State {
            def,
            messages: BTreeMap::new(),
            ready: BTreeSet::new(),
            waiting: BinaryHeap::new(),
            next_seq: 1,
            deleted: false,
            groups: HashMap::new(),
            dedup: HashMap::new(),
        }
    }

    pub(crate) fn is_fifo(&self) -> bool {
        self.def.attributes.fifo.is_some()
    }

    /// How many messages are visible at `now`.
    pub(crate) fn visible_count(&mut self, now: u64) -> u64 {
        self.promote(now);
        self.ready.len() as u64
    }

    /// Takes up to `n` visible messages off the queue, oldest first (a move task moves
    /// them; [`State::restore`] puts them back if it cannot).
    pub(crate) fn take_visible(&mut self, n: usize, now: u64) -> Moves {
        self.promote(now);
        let seqs: Vec<u64> = self.ready.iter().take(n).copied().collect();
        seqs.into_iter().filter_map(|seq| self.remove(seq).map(|m| (seq, m))).collect()
    }

    /// Puts back messages [`State::take_visible`] took.
    pub(crate) fn restore(&mut self, moves: Moves, now: u64) {
        for (seq, m) in moves {
            self.insert(seq, m, now);
        }
    }

    /// Holds message `seq`, visible or waiting as its time says.
    fn insert(&mut self, seq: u64, m: Msg, now: u64) {
        if self.is_fifo()
            && let Some(g) = &m.group
        {
            self.groups.entry(g.clone()).or_default().insert(seq);
        }
        self.messages.insert(seq, m);
        self.place(seq, now);
    }

    /// Forgets message `seq`.
    fn remove(&mut self, seq: u64) -> Option<Msg> {
        let m = self.messages.remove(&seq)?;
        self.ready.remove(&seq);
        if let Some(g) = &m.group
            && let Some(seqs) = self.groups.get_mut(g)
        {
            seqs.remove(&seq);
            if seqs.is_empty() {
                self.groups.remove(g);
            }
        }
        Some(m)
    }

    /// Whether a FIFO group has a message in flight (received, not yet visible again):
    /// then none of its messages may be received. Received messages are at the head of
    /// their group, so the scan stops at the first one never received.
    fn group_in_flight(&self, group: &str, now: u64) -> bool {
        let Some(seqs) = self.groups.get(group) else { return false };
        for seq in seqs {
            let Some(m) = self.messages.get(seq) else { continue };
            if m.receives == 0 {
                return false;
            }
            if m.visible_ms > now {
                return true;
            }
        }
        false
    }

    /// Moves messages whose time has come from `waiting` to `ready`.
    fn promote(&mut self, now: u64) {
        while let Some(Reverse((due, seq))) = self.waiting.peek().copied() {
            if due > now {
                break;
            }
            self.waiting.pop();
            if self.messages.get(&seq).is_some_and(|m| m.visible_ms == due) {
                self.ready.insert(seq);
            }
        }
    }

    /// When the next waiting message becomes visible.
    fn next_due(&self) -> Option<u64> {
        self.waiting.peek().map(|Reverse((due, _))| *due)
    }

    fn place(&mut self, seq: u64, now: u64) {
        let due = self.messages[&seq].visible_ms;
        if due <= now {
            self.ready.insert(seq);
        } else {
            self.ready.remove(&seq);
            self.waiting.push(Reverse((due, seq)));
        }
    }
}

pub(crate) struct Queue {
    name: String,
    arn: String,
    state: Mutex<State>,
    notify: Notify,
}

impl Queue {
    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.deleted {
            return Err(Error::QueueDoesNotExist);
        }
        Ok(st)
    }
}

/// What SendMessage returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `MessageId`.
    pub id: String,
    /// `MD5OfMessageBody`.
    pub md5_of_body: String,
    /// `MD5OfMessageAttributes`.
    pub md5_of_attributes: Option<String>,
    /// `MD5OfMessageSystemAttributes`.
    pub md5_of_system_attributes: Option<String>,
    /// `SequenceNumber` (FIFO queues).
    pub sequence_number: Option<String>,
}

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `MessageId`.
    pub id: String,
    /// `ReceiptHandle`.
    pub receipt_handle: String,
    /// `Body`.
    pub body: String,
    /// `MD5OfBody`.
    pub md5_of_body: String,
    /// `MD5OfMessageAttributes` (over every attribute, whichever were asked for).
    pub md5_of_attributes: Option<String>,
    /// Message attributes (all of them; the adapter keeps those asked for).
    pub attributes: Attributes,
    /// System attributes: `SenderId`, `SentTimestamp`, `ApproximateReceiveCount`,
    /// `ApproximateFirstReceiveTimestamp`, `AWSTraceHeader` (strings).
    pub system: BTreeMap<String, String>,
}

/// ReceiveMessage's options.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceiveOptions {
    /// `MaxNumberOfMessages` (1–10, default 1).
    pub max: Option<u32>,
    /// `VisibilityTimeout`, overriding the queue's.
    pub visibility_timeout_s: Option<u32>,
    /// `WaitTimeSeconds`, overriding the queue's.
    pub wait_s: Option<u32>,
}

/// Messages taken off a queue for its dead-letter queue, with their sequence numbers.
pub(crate) type Moves = Vec<(u64, Msg)>;

/// The queues service.
pub struct Queues {
    store: Arc<dyn TableStore>,
    region: String,
    /// What sent times, delays, visibility timeouts, retention and deduplication read.
    pub(crate) clock: Clock,
    queues: RwLock<HashMap<String, Arc<Queue>>>,
    /// Serializes queue creation and deletion.
    admin: tokio::sync::Mutex<()>,
    /// Message move tasks, running and finished.
    pub(crate) tasks: Mutex<Vec<crate::redrive::MoveTask>>,
}

/// The pseudo-table holding a queue's messages (`~` cannot be in a queue name).
fn messages_table(queue: &str) -> String {
    format!("~m:{queue}")
}

/// The pseudo-table holding a FIFO queue's recent deduplication ids.
fn dedup_table(queue: &str) -> String {
    format!("~d:{queue}")
}

fn write_dedup(queue: &str, key: &str, d: Option<&Dedup>) -> ItemWrite {
    ItemWrite {
        table: dedup_table(queue),
        pk: Vec::new(),
        sk: key.as_bytes().to_vec(),
        item: d.map(|d| serde_json::to_vec(d).expect("a deduplication record serializes")),
    }
}

/// The queue name an SQS ARN names, if it is one.
pub fn name_of_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?.split_once(":sqs:")?.1;
    let (_region, rest) = rest.split_once(':')?;
    let (_account, name) = rest.split_once(':')?;
    (!name.is_empty() && !name.contains(':')).then_some(name)
}

fn check_name(name: &str, fifo: bool) -> Result<()> {
    let base = if fifo { name.strip_suffix(".fifo") } else { Some(name) };
    let ok = base.is_some_and(|b| {
        !b.is_empty() && name.len() <= 80 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    });
    if !ok && fifo {
        return Err(Error::InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.".into(),
        ));
    }
    if !ok {
        return Err(Error::InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length".into(),
        ));
    }
    Ok(())
}

fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}

fn write_msg(queue: &str, seq: u64, m: Option<&Msg>) -> ItemWrite {
    ItemWrite {
        table: messages_table(queue),
        pk: Vec::new(),
        sk: seq.to_be_bytes().to_vec(),
        item: m.map(|m| serde_json::to_vec(m).expect("a message serializes")),
    }
}

impl Queues {
    /// Loads every queue and its messages from `store`; times are `clock`'s.
    pub async fn open(store: Arc<dyn TableStore>, region: &str, clock: Clock) -> Result<Queues> {
        let queues = Queues {
            store,
            region: region.to_string(),
            clock,
            queues: RwLock::new(HashMap::new()),
            admin: tokio::sync::Mutex::new(()),
            tasks: Mutex::new(Vec::new()),
        };
        let now = queues.clock.now_ms();
        for (name, json) in queues.store.list_tables().await? {
            let def: QueueDef = serde_json::from_str(&json).map_err(|e| corrupt(format!("queue {name}"), e))?;
            let mut state = State::new(def);
            if state.is_fifo() {
                for row in squall_storage::scan_all(queues.store.as_ref(), &dedup_table(&name)).await? {
                    let d: Dedup = serde_json::from_slice(&row.item)
                        .map_err(|e| corrupt(format!("a deduplication id of queue {name}"), e))?;
                    if d.expires_ms > now {
                        state.dedup.insert(String::from_utf8_lossy(&row.sk).into_owned(), d);
                    }
                }
            }
            let mut after = None;
            loop {
                let rows = queues.store.scan(&messages_table(&name), after.clone(), 1000).await?;
                let done = rows.len() < 1000;
                for row in &rows {
                    let seq = row.sk.as_slice().try_into().map(u64::from_be_bytes).unwrap_or(0);
                    let m: Msg = serde_json::from_slice(&row.item)
                        .map_err(|e| corrupt(format!("a message of queue {name}"), e))?;
                    state.insert(seq, m, now);
                    state.next_seq = state.next_seq.max(seq + 1);
                }
                after = rows.last().map(|r| (r.pk.clone(), r.sk.clone()));
                if done {
                    break;
                }
            }
            let q = queues.make(&name, state);
            queues.queues.write().unwrap_or_else(|p| p.into_inner()).insert(name, q);
        }
        Ok(queues)
    }

    fn make(&self, name: &str, state: State) -> Arc<Queue> {
        Arc::new(Queue {
            name: name.to_string(),
            arn: format!("arn:aws:sqs:{}:{ACCOUNT_ID}:{name}", self.region),
            state: Mutex::new(state),
            notify: Notify::new(),
        })
    }

    pub(crate) fn queue(&self, name: &str) -> Result<Arc<Queue>> {
        self.queues.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned().ok_or(Error::QueueDoesNotExist)
    }

    /// CreateQueue: creates the queue, or accepts one that exists with the same attributes.
    pub async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<()> {
        let mut attrs = QueueAttributes::default();
        attrs.apply(attributes)?;
        check_name(name, attrs.fifo.is_some())?;
        attrs.check()?;
        self.check_dead_letter_type(&attrs)?;
        let _admin = self.admin.lock().await;
        if let Ok(q) = self.queue(name) {
            let st = q.lock()?;
            if st.def.attributes != attrs {
                return Err(Error::QueueNameExists(format!(
                    "A queue already exists with the same name and a different value for attribute(s) {}",
                    attributes.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            return Ok(());
        }
        let now = self.clock.now_ms();
        let def = QueueDef { attributes: attrs, tags, created_ms: now, last_modified_ms: now };
        let json = serde_json::to_string(&def).expect("a queue definition serializes");
        self.store.create_table(name, &json).await?;
        let q = self.make(name, State::new(def));
        self.queues.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), q);
        Ok(())
    }

    /// GetQueueUrl: whether the queue exists.
    pub fn check_queue(&self, name: &str) -> Result<()> {
        self.queue(name).map(|_| ())
    }

    /// The queue's ARN.
    pub fn queue_arn(&self, name: &str) -> Result<String> {
        Ok(self.queue(name)?.arn.clone())
    }

    /// ListQueues: names starting with `prefix`, by name.
    pub fn list_queues(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .queues
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect();
        names.sort();
        names
    }

    /// DeleteQueue: the queue and its messages; long polls on it return.
    pub async fn delete_queue(&self, name: &str) -> Result<()> {
        let _admin = self.admin.lock().await;
        let q = self.queue(name)?;
        self.store.delete_table(&messages_table(name)).await?;
        self.store.delete_table(&dedup_table(name)).await?;
        self.store.delete_table(name).await?;
        q.state.lock().unwrap_or_else(|p| p.into_inner()).deleted = true;
        self.queues.write().unwrap_or_else(|p| p.into_inner()).remove(name);
        q.notify.notify_waiters();
        Ok(())
    }

    /// GetQueueAttributes: the named attributes (`All` for every one).
    pub fn get_attributes(&self, name: &str, names: &[String]) -> Result<BTreeMap<String, String>> {
        if let Some(bad) = names.iter().find(|n| !is_known(n)) {
            return Err(Error::InvalidAttributeName(format!("Unknown Attribute {bad}.")));
        }
        let q = self.queue(name)?;
        let st = q.lock()?;
        let now = self.clock.now_ms();
        let (mut visible, mut in_flight, mut delayed) = (0u64, 0u64, 0u64);
        for m in st.messages.values() {
            match (m.visible_ms <= now, m.receives) {
                (true, _) => visible += 1,
                (false, 0) => delayed += 1,
                (false, _) => in_flight += 1,
            }
        }
        let mut all = st.def.attributes.to_map();
        all.insert("QueueArn".into(), q.arn.clone());
        all.insert("ApproximateNumberOfMessages".into(), visible.to_string());
        all.insert("ApproximateNumberOfMessagesNotVisible".into(), in_flight.to_string());
        all.insert("ApproximateNumberOfMessagesDelayed".into(), delayed.to_string());
        all.insert("CreatedTimestamp".into(), (st.def.created_ms / 1000).to_string());
        all.insert("LastModifiedTimestamp".into(), (st.def.last_modified_ms / 1000).to_string());
        if names.iter().any(|n| n == "All") {
            return Ok(all);
        }
        Ok(all.into_iter().filter(|(k, _)| names.contains(k)).collect())
    }

    /// Persists a changed definition, then applies it.
    async fn update_def(&self, q: &Queue, change: impl FnOnce(&mut QueueDef) -> Result<()>) -> Result<()> {
        let _admin = self.admin.lock().await;
        let mut def = q.lock()?.def.clone();
        change(&mut def)?;
        def.last_modified_ms = self.clock.now_ms();
        let json = serde_json::to_string(&def).expect("a queue definition serializes");
        self.store.update_table(&q.name, &json).await?;
        q.lock()?.def = def;
        Ok(())
    }

    /// SetQueueAttributes.
    pub async fn set_attributes(&self, name: &str, changes: &BTreeMap<String, String>) -> Result<()> {
        let q = self.queue(name)?;
        let mut next = q.lock()?.def.attributes.clone();
        next.apply(changes)?;
        self.check_dead_letter_type(&next)?;
        self.update_def(&q, |d| {
            let fifo = d.attributes.fifo.is_some();
            d.attributes.apply(changes)?;
            if d.attributes.fifo.is_some() != fifo {
                return Err(Error::InvalidAttributeValue(
                    "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.".into(),
                ));
            }
            d.attributes.check()
        })
        .await
    }

    /// A dead-letter queue must be of its source's type (when it exists already).
    fn check_dead_letter_type(&self, attrs: &QueueAttributes) -> Result<()> {
        let Some(r) = &attrs.redrive else { return Ok(()) };
        let Some(target) = name_of_arn(&r.dead_letter_target_arn).and_then(|n| self.queue(n).ok()) else {
            return Ok(());
        };
        if target.lock()?.is_fifo() != attrs.fifo.is_some() {
            return Err(Error::InvalidParameterValue(
                "Value for parameter RedrivePolicy is invalid. Reason: Dead-letter target must be the same type of queue as the source.".into(),
            ));
        }
        Ok(())
    }

    /// TagQueue.
    pub async fn tag_queue(&self, name: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let q = self.queue(name)?;
        self.update_def(&q, |d| {
            d.tags.extend(tags);
            if d.tags.len() > 50 {
                return Err(Error::InvalidParameterValue("Too many tags added for queue (at most 50).".into()));
            }
            Ok(())
        })
        .await
    }

    /// UntagQueue.
    pub async fn untag_queue(&self, name: &str, keys: &[String]) -> Result<()> {
        let q = self.queue(name)?;
        self.update_def(&q, |d| {
            for k in keys {
                d.tags.remove(k);
            }
            Ok(())
        })
        .await
    }

    /// ListQueueTags.
    pub fn list_tags(&self, name: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.queue(name)?.lock()?.def.tags.clone())
    }

    /// ListDeadLetterSourceQueues: queues whose redrive policy names this one.
    pub fn dead_letter_sources(&self, name: &str) -> Result<Vec<String>> {
        let arn = self.queue(name)?.arn.clone();
        let queues: Vec<Arc<Queue>> = self.queues.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        let mut out: Vec<String> = queues
            .iter()
            .filter(|q| {
                q.lock()
                    .is_ok_and(|st| st.def.attributes.redrive.as_ref().is_some_and(|r| r.dead_letter_target_arn == arn))
            })
            .map(|q| q.name.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    /// PurgeQueue: deletes every message.
    pub async fn purge(&self, name: &str) -> Result<()> {
        let q = self.queue(name)?;
        let writes: Vec<ItemWrite> = {
            let mut st = q.lock()?;
            let gone = std::mem::take(&mut st.messages);
            st.ready.clear();
            st.waiting.clear();
            st.groups.clear();
            gone.keys().map(|seq| write_msg(name, *seq, None)).collect()
        };
        for chunk in writes.chunks(1000) {
            self.store.write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    fn prepare(&self, st: &State, m: &NewMessage) -> Result<Msg> {
        check_text(&m.body, "the message body")?;
        check_attributes(&m.attributes)?;
        if m.body.is_empty() {
            return Err(Error::MissingParameter("The request must contain the parameter MessageBody.".into()));
        }
        let size = m.body.len() + message::attributes_size(&m.attributes);
        let limit = st.def.attributes.max_message_bytes as usize;
        if size > limit {
            return Err(Error::InvalidParameterValue(format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )));
        }
        if let Some(d) = m.delay_s.filter(|d| st.is_fifo() && *d > 0) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
            )));
        }
        let dedup = match (&st.def.attributes.fifo, &m.dedup_id) {
            (None, Some(_)) => {
                return Err(Error::InvalidParameterValue(
                    "The request include parameter MessageDeduplicationId that is not valid for this queue type."
                        .into(),
                ));
            }
            (None, None) => None,
            (Some(_), Some(id)) => Some(check_fifo_id("MessageDeduplicationId", id)?.to_string()),
            (Some(f), None) if f.content_based_dedup => Some(hex::encode(Sha256::digest(m.body.as_bytes()))),
            (Some(_), None) => {
                return Err(Error::InvalidParameterValue(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly".into(),
                ));
            }
        };
        let group = match &m.group_id {
            Some(g) => Some(check_fifo_id("MessageGroupId", g)?.to_string()),
            None if st.is_fifo() => {
                return Err(Error::MissingParameter("The request must contain the parameter MessageGroupId.".into()));
            }
            None => None,
        };
        if let Some(d) = m.delay_s.filter(|d| *d > 900) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {d} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."
            )));
        }
        if let Some(bad) = m.system_attributes.keys().find(|k| k.as_str() != "AWSTraceHeader") {
            return Err(Error::InvalidParameterValue(format!(
                "Message system attribute name '{bad}' is invalid: only AWSTraceHeader is supported."
            )));
        }
        let now = self.clock.now_ms();
        let delay = m.delay_s.unwrap_or(st.def.attributes.delay_s);
        Ok(Msg {
            id: RequestId::new().to_string(),
            body: m.body.clone(),
            attrs: m.attributes.clone(),
            sys: m.system_attributes.clone(),
            sent_ms: now,
            visible_ms: now + u64::from(delay) * 1000,
            receives: 0,
            first_receive_ms: None,
            nonce: 0,
            group,
            dedup,
            origin: None,
        })
    }

    /// SendMessage.
    pub async fn send(&self, name: &str, m: NewMessage) -> Result<Sent> {
        self.send_batch(name, vec![m]).await?.pop().expect("one result per message")
    }

    /// SendMessageBatch (and SendMessage): each message is checked on its own; the valid
    /// ones are stored in one write and become visible once it is durable.
    pub async fn send_batch(&self, name: &str, batch: Vec<NewMessage>) -> Result<Vec<Result<Sent>>> {
        let q = self.queue(name)?;
        let mut results = Vec::with_capacity(batch.len());
        let mut accepted = Vec::new();
        // Deduplication ids recorded by this batch: forgotten again if its write fails.
        let mut recorded: Vec<(String, Dedup)> = Vec::new();
        {
            let mut st = q.lock()?;
            let now = self.clock.now_ms();
            for m in &batch {
                let msg = match self.prepare(&st, m) {
                    Ok(msg) => msg,
                    Err(e) => {
                        results.push(Err(e));
                        continue;
                    }
                };
                let key = dedup_key(&st, &msg);
                if let Some(d) = key.as_ref().and_then(|k| st.dedup.get(k)).filter(|d| d.expires_ms > now) {
                    // A duplicate within the interval: accepted, not enqueued again.
                    results.push(Ok(sent(&msg, d.id.clone(), Some(d.seq))));
                    continue;
                }
                let seq = st.next_seq;
                st.next_seq += 1;
                let fifo = st.is_fifo();
                if let Some(k) = key {
                    let d = Dedup { expires_ms: now + DEDUP_INTERVAL_MS, id: msg.id.clone(), seq };
                    st.dedup.insert(k.clone(), d.clone());
                    recorded.push((k, d));
                }
                results.push(Ok(sent(&msg, msg.id.clone(), fifo.then_some(seq))));
                accepted.push((seq, msg));
            }
        }
        if accepted.is_empty() {
            return Ok(results);
        }
        let mut writes: Vec<ItemWrite> = accepted.iter().map(|(seq, m)| write_msg(name, *seq, Some(m))).collect();
        writes.extend(recorded.iter().map(|(k, d)| write_dedup(name, k, Some(d))));
        if let Err(e) = self.store.write(writes).await {
            let mut st = q.lock()?;
            for (k, _) in &recorded {
                st.dedup.remove(k);
            }
            return Err(e.into());
        }
        {
            let mut st = q.lock()?;
            let now = self.clock.now_ms();
            for (seq, m) in accepted {
                st.insert(seq, m, now);
            }
        }
        q.notify.notify_waiters();
        Ok(results)
    }

    /// ReceiveMessage: up to `max` visible messages, waiting up to the wait time for one.
    pub async fn receive(&self, name: &str, opts: ReceiveOptions) -> Result<Vec<Received>> {
        let max = opts.max.unwrap_or(1);
        if !(1..=10).contains(&max) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
            )));
        }
        if let Some(w) = opts.wait_s.filter(|w| *w > 20) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {w} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
            )));
        }
        if let Some(v) = opts.visibility_timeout_s.filter(|v| *v > 43_200) {
            return Err(Error::InvalidParameterValue(format!(
                "Value {v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided."
            )));
        }
        let q = self.queue(name)?;
        let (wait_s, dlq) = {
            let st = q.lock()?;
            let dlq = st.def.attributes.redrive.clone().and_then(|r| {
                let target = name_of_arn(&r.dead_letter_target_arn).and_then(|n| self.queue(n).ok())?;
                (target.name != q.name).then_some((r, target))
            });
            (opts.wait_s.unwrap_or(st.def.attributes.receive_wait_s), dlq)
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait_s));
        loop {
            let notified = q.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (got, writes, moves, next_due) =
                self.take(&q, max as usize, opts.visibility_timeout_s, dlq.as_ref().map(|d| &d.0))?;
            if !writes.is_empty() {
                self.store.write(writes).await?;
            }
            let moved = !moves.is_empty();
            if let (Some((_, target)), true) = (&dlq, moved) {
                self.move_to(&q, target, moves, Some(q.name.clone())).await?;
            }
            if !got.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(got);
            }
            if moved {
                continue;
            }
            // The wait itself is real time (a connected client's), but the next message
            // falls due on the clock, so advancing it past that wakes this poll too.
            let due = async {
                match next_due {
                    Some(due) => self.clock.sleep_until_ms(due).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => {}
                () = due => {}
            }
        }
    }

    /// Takes up to `max` visible messages under the lock: the received ones with their
    /// writes, those due for the dead-letter queue, and when the next one becomes visible.
    #[allow(clippy::type_complexity)]
    fn take(
        &self,
        q: &Queue,
        max: usize,
        visibility_s: Option<u32>,
        redrive: Option<&RedrivePolicy>,
    ) -> Result<(Vec<Received>, Vec<ItemWrite>, Moves, Option<u64>)> {
        let mut st = q.lock()?;
        let now = self.clock.now_ms();
        st.promote(now);
        let vt = u64::from(visibility_s.unwrap_or(st.def.attributes.visibility_timeout_s)) * 1000;
        let (mut got, mut writes, mut moves) = (Vec::new(), Vec::new(), Vec::new());
        for seq in pick(&st, max, now) {
            let Some(m) = st.messages.get_mut(&seq) else { continue };
            if redrive.is_some_and(|r| m.receives >= r.max_receive_count) {
                let m = st.remove(seq).expect("present");
                moves.push((seq, m));
                continue;
            }
            st.ready.remove(&seq);
            let m = st.messages.get_mut(&seq).expect("present");
            m.receives += 1;
            m.first_receive_ms.get_or_insert(now);
            m.nonce = random_u64();
            m.visible_ms = now + vt;
            let m = m.clone();
            writes.push(write_msg(&q.name, seq, Some(&m)));
            st.waiting.push(Reverse((m.visible_ms, seq)));
            got.push(received(&q.name, seq, &m));
        }
        Ok((got, writes, moves, st.next_due()))
    }

    /// Appends messages taken off `from` to the dead-letter queue `to` (they keep their id
    /// and sent time; their receive count starts again), in one store write with their
    /// deletion from `from`, so a crash leaves each in exactly one of the two.
    /// `origin` is what the moved messages remember as where they came from: the source
    /// queue when dead-lettering, nothing when a move task returns them.
    pub(crate) async fn move_to(&self, from: &Queue, to: &Queue, moves: Moves, origin: Option<String>) -> Result<()> {
        let mut writes: Vec<ItemWrite> = moves.iter().map(|(seq, _)| write_msg(&from.name, *seq, None)).collect();
        let placed: Vec<(u64, Msg)> = {
            let mut st = to.lock()?;
            moves
                .into_iter()
                .map(|(_, mut m)| {
                    let seq = st.next_seq;
                    st.next_seq += 1;
                    m.origin = origin.clone();
                    m.receives = 0;
                    m.first_receive_ms = None;
                    m.visible_ms = self.clock.now_ms();
                    (seq, m)
                })
                .collect()
        };
        writes.extend(placed.iter().map(|(seq, m)| write_msg(&to.name, *seq, Some(m))));
        self.store.write(writes).await?;
        {
            let mut st = to.lock()?;
            let now = self.clock.now_ms();
            for (seq, m) in placed {
                st.insert(seq, m, now);
            }
        }
        tracing::debug!(from = from.name, to = to.name, "moved messages to the dead-letter queue");
        to.notify.notify_waiters();
        Ok(())
    }

    fn receipt(&self, name: &str, handle: &str) -> Result<Receipt> {
        Receipt::decode(handle).filter(|r| r.queue == name).ok_or_else(|| {
            Error::ReceiptHandleIsInvalid(format!(
                "The input receipt handle \"{handle}\" is not a valid receipt handle."
            ))
        })
    }

    /// DeleteMessage: deletes the message if `handle` is its latest receipt handle; a
    /// stale handle succeeds and deletes nothing (SQS's rule).
    pub async fn delete_message(&self, name: &str, handle: &str) -> Result<()> {
        self.delete_batch(name, &[handle]).await?.pop().expect("one result per handle")
    }

    /// DeleteMessageBatch: one store write for every valid handle.
    pub async fn delete_batch(&self, name: &str, handles: &[&str]) -> Result<Vec<Result<()>>> {
        let q = self.queue(name)?;
        let mut results = Vec::with_capacity(handles.len());
        let mut writes = Vec::new();
        {
            let mut st = q.lock()?;
            for h in handles {
                match self.receipt(name, h) {
                    Ok(r) => {
                        if st.messages.get(&r.seq).is_some_and(|m| m.nonce == r.nonce && m.receives > 0) {
                            st.remove(r.seq);
                            writes.push(write_msg(name, r.seq, None));
                        }
                        results.push(Ok(()));
                    }
                    Err(e) => results.push(Err(e)),
                }
            }
        }
        if !writes.is_empty() {
            self.store.write(writes).await?;
        }
        Ok(results)
    }

    /// ChangeMessageVisibility: the message becomes visible `timeout_s` from now.
    pub async fn change_visibility(&self, name: &str, handle: &str, timeout_s: u32) -> Result<()> {
        self.change_visibility_batch(name, &[(handle, timeout_s)]).await?.pop().expect("one result per entry")
    }

    /// ChangeMessageVisibilityBatch.
    pub async fn change_visibility_batch(&self, name: &str, entries: &[(&str, u32)]) -> Result<Vec<Result<()>>> {
        let q = self.queue(name)?;
        let mut results = Vec::with_capacity(entries.len());
        let mut writes = Vec::new();
        let mut wake = false;
        {
            let mut st = q.lock()?;
            let now = self.clock.now_ms();
            for (h, timeout_s) in entries {
                let r = match self.receipt(name, h) {
                    Ok(r) => r,
                    Err(e) => {
                        results.push(Err(e));
                        continue;
                    }
                };
                if *timeout_s > 43_200 {
                    results.push(Err(Error::InvalidParameterValue(format!(
                        "Value {timeout_s} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200."
                    ))));
                    continue;
                }
                let Some(m) = st.messages.get_mut(&r.seq).filter(|m| m.nonce == r.nonce && m.receives > 0) else {
                    results.push(Err(Error::InvalidParameterValue(format!(
                        "Value {h} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
                    ))));
                    continue;
                };
                if m.visible_ms <= now {
                    results.push(Err(Error::MessageNotInflight));
                    continue;
                }
                m.visible_ms = now + u64::from(*timeout_s) * 1000;
                let m = m.clone();
                writes.push(write_msg(name, r.seq, Some(&m)));
                st.place(r.seq, now);
                wake |= *timeout_s == 0;
                results.push(Ok(()));
            }
        }
        if !writes.is_empty() {
            self.store.write(writes).await?;
        }
        if wake {
            q.notify.notify_waiters();
        }
        Ok(results)
    }

    /// Deletes messages older than their queue's retention period, a bounded page per
    /// queue; how many.
    pub async fn sweep(&self, now: u64) -> Result<usize> {
        let queues: Vec<Arc<Queue>> = self.queues.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        let mut deleted = 0;
        for q in queues {
            let writes: Vec<ItemWrite> = {
                let Ok(mut st) = q.lock() else { continue };
                let keep_ms = u64::from(st.def.attributes.retention_s) * 1000;
                let expired: Vec<u64> = st
                    .messages
                    .iter()
                    .take(SWEEP_PAGE)
                    .filter(|(_, m)| m.sent_ms + keep_ms <= now)
                    .map(|(seq, _)| *seq)
                    .collect();
                for seq in &expired {
                    st.remove(*seq);
                }
                let mut writes: Vec<ItemWrite> = expired.iter().map(|seq| write_msg(&q.name, *seq, None)).collect();
                let old: Vec<String> = st
                    .dedup
                    .iter()
                    .filter(|(_, d)| d.expires_ms <= now)
                    .map(|(k, _)| k.clone())
                    .take(SWEEP_PAGE)
                    .collect();
                for k in &old {
                    st.dedup.remove(k);
                }
                writes.extend(old.iter().map(|k| write_dedup(&q.name, k, None)));
                writes
            };
            deleted += writes.len();
            if !writes.is_empty() {
                self.store.write(writes).await?;
            }
        }
        Ok(deleted)
    }

    /// Sweeps every `every` of the clock's time in the background.
    pub fn start_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        let clock = self.clock.clone();
        tokio::spawn(async move {
            loop {
                clock.sleep(every).await;
                let Some(queues) = me.upgrade() else { return };
                if let Err(e) = queues.sweep(clock.now_ms()).await {
                    tracing::warn!("deleting expired messages: {e}");
                }
            }
        })
    }
}

/// Up to `max` visible messages to hand out, in order. On a FIFO queue, a group with a
/// message in flight gives none; the others give their messages in order (several of one
/// group may go in one batch, which then holds the group).
fn pick(st: &State, max: usize, now: u64) -> Vec<u64> {
    if !st.is_fifo() {
        return st.ready.iter().take(max).copied().collect();
    }
    let mut out = Vec::new();
    let mut blocked = std::collections::HashSet::new();
    let mut open = std::collections::HashSet::new();
    for seq in &st.ready {
        if out.len() == max {
            break;
        }
        let Some(group) = st.messages.get(seq).and_then(|m| m.group.as_deref()) else { continue };
        if blocked.contains(group) {
            continue;
        }
        if !open.contains(group) {
            if st.group_in_flight(group, now) {
                blocked.insert(group);
                continue;
            }
            open.insert(group);
        }
        out.push(*seq);
    }
    out
}

/// The key a FIFO message's deduplication id is remembered under: the id, or with
/// `DeduplicationScope: messageGroup` the group and the id.
fn dedup_key(st: &State, m: &Msg) -> Option<String> {
    let f = st.def.attributes.fifo.as_ref()?;
    let id = m.dedup.as_ref()?;
    Some(if f.dedup_per_group { format!("{}\u{0}{id}", m.group.as_deref().unwrap_or("")) } else { id.clone() })
}

/// What SendMessage answers for `m`, stored as message `id` (an earlier one, for a duplicate).
fn sent(m: &Msg, id: String, seq: Option<u64>) -> Sent {
    Sent {
        id,
        md5_of_body: md5_of_body(&m.body),
        md5_of_attributes: md5_of_attributes(&m.attrs),
        md5_of_system_attributes: md5_of_attributes(&m.sys),
        sequence_number: seq.map(sequence_number),
    }
}

/// A `MessageGroupId` or `MessageDeduplicationId`: 1 to 128 printable ASCII characters.
fn check_fifo_id<'a>(what: &str, id: &'a str) -> Result<&'a str> {
    if !message::is_fifo_id(id) {
        return Err(Error::InvalidParameterValue(format!(
            "Value {id} for parameter {what} is invalid. Reason: {what} can only include alphanumeric and punctuation characters. 1 to 128 in length."
        )));
    }
    Ok(id)
}

fn received(queue: &str, seq: u64, m: &Msg) -> Received {
    let mut system = BTreeMap::from([
        ("SenderId".to_string(), ACCOUNT_ID.to_string()),
        ("SentTimestamp".to_string(), m.sent_ms.to_string()),
        ("ApproximateReceiveCount".to_string(), m.receives.to_string()),
        ("ApproximateFirstReceiveTimestamp".to_string(), m.first_receive_ms.unwrap_or(m.sent_ms).to_string()),
    ]);
    if let Some(trace) = m.sys.get("AWSTraceHeader").and_then(|v| v.string.clone()) {
        system.insert("AWSTraceHeader".into(), trace);
    }
    if let Some(g) = &m.group {
        system.insert("MessageGroupId".into(), g.clone());
    }
    if let Some(d) = &m.dedup {
        system.insert("MessageDeduplicationId".into(), d.clone());
        system.insert("SequenceNumber".into(), sequence_number(seq));
    }
    Received {
        id: m.id.clone(),
        receipt_handle: Receipt { queue: queue.to_string(), seq, nonce: m.nonce }.encode(),
        body: m.body.clone(),
        md5_of_body: md5_of_body(&m.body),
        md5_of_attributes: md5_of_attributes(&m.attrs),
        attributes: m.attrs.clone(),
        system,
    }
}
