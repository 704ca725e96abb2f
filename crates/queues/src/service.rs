//! The queues service: queue lifecycle and message operations over a [`MessageStore`],
//! which holds the messages and decides which receive gets which (so a backlog lives on
//! disk, and several servers on one store share a queue).
//!
//! Definitions are held in memory as well (read on every operation). Long polls wait on
//! the queue's `Notify` (woken by sends, moves and messages made visible here) or until
//! the store says the next invisible message is due.

use crate::attributes::{QueueAttributes, is_known};
use crate::message::Attributes;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_storage::{MessageStore, TableStore};
use squall_types::ACCOUNT_ID;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Notify;

/// Most entries in a batch request.
pub const MAX_BATCH: usize = 10;

/// What a message carries that the store does not act on (its `content`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Content {
    pub(crate) body: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) attrs: Attributes,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) sys: Attributes,
    /// `MessageDeduplicationId` (given, or derived from the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) dedup: Option<String>,
}

impl Content {
    pub(crate) fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("message content serializes")
    }
}

/// A queue's definition as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct QueueDef {
    pub(crate) attributes: QueueAttributes,
    #[serde(default)]
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) created_ms: u64,
    pub(crate) last_modified_ms: u64,
}

impl QueueDef {
    pub(crate) fn is_fifo(&self) -> bool {
        self.attributes.fifo.is_some()
    }
}

pub(crate) struct Queue {
    pub(crate) name: String,
    arn: String,
    def: RwLock<Arc<QueueDef>>,
    deleted: AtomicBool,
    pub(crate) notify: Notify,
}

impl Queue {
    /// The queue's definition; [`Error::QueueDoesNotExist`] once it is deleted.
    pub(crate) fn def(&self) -> Result<Arc<QueueDef>> {
        if self.deleted.load(Ordering::Acquire) {
            return Err(Error::QueueDoesNotExist);
        }
        Ok(self.def.read().unwrap_or_else(|p| p.into_inner()).clone())
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

/// The queues service.
pub struct Queues {
    pub(crate) store: Arc<dyn MessageStore>,
    region: String,
    /// What sent times, delays, visibility timeouts, retention and deduplication read.
    pub(crate) clock: Clock,
    queues: RwLock<HashMap<String, Arc<Queue>>>,
    /// Serializes queue creation, deletion and definition changes.
    admin: tokio::sync::Mutex<()>,
    /// Message move tasks, running and finished.
    pub(crate) tasks: Mutex<Vec<crate::redrive::MoveTask>>,
    /// The servers sharing the store, if any: told of definition changes.
    pub(crate) cluster: Cluster,
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

pub(crate) fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}

/// A store failure on a message operation: a conflict there means the queue is gone.
pub(crate) fn storage_error(e: squall_storage::Error) -> Error {
    match e {
        squall_storage::Error::Conflict(_) => Error::QueueDoesNotExist,
        e => Error::Storage(e),
    }
}

impl Queues {
    /// Loads every queue's definition from `store`, first carrying over the queues of
    /// `legacy` (the layout before messages had a store of their own), if given; times
    /// are `clock`'s.
    pub async fn open(
        store: Arc<dyn MessageStore>,
        legacy: Option<Arc<dyn TableStore>>,
        region: &str,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Queues> {
        if let Some(legacy) = legacy {
            crate::legacy::carry_over(legacy.as_ref(), store.as_ref(), clock.now_ms()).await?;
        }
        let queues = Queues {
            store,
            region: region.to_string(),
            clock,
            queues: RwLock::new(HashMap::new()),
            admin: tokio::sync::Mutex::new(()),
            tasks: Mutex::new(Vec::new()),
            cluster,
        };
        queues.load().await?;
        Ok(queues)
    }

    /// Reads every definition from the store: queues another server created appear, those
    /// it deleted go (their long polls return), changed ones take their new definition.
    async fn load(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for (name, json) in self.store.list_queues().await? {
            let def: QueueDef = serde_json::from_str(&json).map_err(|e| corrupt(format!("queue {name}"), e))?;
            match self.queue(&name) {
                Ok(q) => *q.def.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(def),
                Err(_) => {
                    let q = self.make(&name, def);
                    self.queues.write().unwrap_or_else(|p| p.into_inner()).insert(name.clone(), q);
                }
            }
            seen.insert(name);
        }
        for q in self.all().into_iter().filter(|q| !seen.contains(&q.name)) {
            q.deleted.store(true, Ordering::Release);
            self.queues.write().unwrap_or_else(|p| p.into_inner()).remove(&q.name);
            q.notify.notify_waiters();
        }
        Ok(())
    }

    /// [`Queues::load`] under the lock that orders this server's own changes.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.load().await
    }

    fn make(&self, name: &str, def: QueueDef) -> Arc<Queue> {
        Arc::new(Queue {
            name: name.to_string(),
            arn: format!("arn:aws:sqs:{}:{ACCOUNT_ID}:{name}", self.region),
            def: RwLock::new(Arc::new(def)),
            deleted: AtomicBool::new(false),
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
        self.check_dead_letter_target(name, &attrs)?;
        let _admin = self.admin.lock().await;
        if let Ok(q) = self.queue(name) {
            if q.def()?.attributes != attrs {
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
        self.store.create_queue(name, &json).await?;
        let q = self.make(name, def);
        self.queues.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), q);
        self.cluster.changed("queues").await;
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

    /// The queues, in no order.
    pub(crate) fn all(&self) -> Vec<Arc<Queue>> {
        self.queues.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// DeleteQueue: the queue and its messages; long polls on it return.
    pub async fn delete_queue(&self, name: &str) -> Result<()> {
        let _admin = self.admin.lock().await;
        let q = self.queue(name)?;
        self.store.delete_queue(name).await?;
        q.deleted.store(true, Ordering::Release);
        self.queues.write().unwrap_or_else(|p| p.into_inner()).remove(name);
        q.notify.notify_waiters();
        self.cluster.changed("queues").await;
        Ok(())
    }

    /// The queue's own access policy (its `Policy` attribute), if it has one.
    pub fn policy(&self, name: &str) -> Option<String> {
        let def = self.queue(name).ok()?.def().ok()?;
        def.attributes.opaque.get("Policy").filter(|p| !p.trim().is_empty()).cloned()
    }

    /// GetQueueAttributes: the named attributes (`All` for every one).
    pub async fn get_attributes(&self, name: &str, names: &[String]) -> Result<BTreeMap<String, String>> {
        if let Some(bad) = names.iter().find(|n| !is_known(n)) {
            return Err(Error::InvalidAttributeName(format!("Unknown Attribute {bad}.")));
        }
        let q = self.queue(name)?;
        let def = q.def()?;
        let counts = self.store.counts(name, self.clock.now_ms()).await.map_err(storage_error)?;
        let mut all = def.attributes.to_map();
        all.insert("QueueArn".into(), q.arn.clone());
        all.insert("ApproximateNumberOfMessages".into(), counts.visible.to_string());
        all.insert("ApproximateNumberOfMessagesNotVisible".into(), counts.in_flight.to_string());
        all.insert("ApproximateNumberOfMessagesDelayed".into(), counts.delayed.to_string());
        all.insert("CreatedTimestamp".into(), (def.created_ms / 1000).to_string());
        all.insert("LastModifiedTimestamp".into(), (def.last_modified_ms / 1000).to_string());
        if names.iter().any(|n| n == "All") {
            return Ok(all);
        }
        Ok(all.into_iter().filter(|(k, _)| names.contains(k)).collect())
    }

    /// Persists a changed definition, then applies it.
    async fn update_def(&self, q: &Queue, change: impl FnOnce(&mut QueueDef) -> Result<()>) -> Result<()> {
        let _admin = self.admin.lock().await;
        let mut def = QueueDef::clone(&*q.def()?);
        change(&mut def)?;
        def.last_modified_ms = self.clock.now_ms();
        let json = serde_json::to_string(&def).expect("a queue definition serializes");
        self.store.update_queue(&q.name, &json).await.map_err(storage_error)?;
        *q.def.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(def);
        self.cluster.changed("queues").await;
        Ok(())
    }

    /// SetQueueAttributes.
    pub async fn set_attributes(&self, name: &str, changes: &BTreeMap<String, String>) -> Result<()> {
        let q = self.queue(name)?;
        let mut next = q.def()?.attributes.clone();
        next.apply(changes)?;
        self.check_dead_letter_target(name, &next)?;
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
    /// A redrive policy's target must be a queue of the source's type, whose
    /// `RedriveAllowPolicy` (if any) lets `source` use it.
    fn check_dead_letter_target(&self, source: &str, attrs: &QueueAttributes) -> Result<()> {
        let Some(r) = &attrs.redrive else { return Ok(()) };
        let Some(target) = name_of_arn(&r.dead_letter_target_arn).and_then(|n| self.queue(n).ok()) else {
            return Ok(());
        };
        let target = target.def()?;
        if target.is_fifo() != attrs.fifo.is_some() {
            return Err(Error::InvalidParameterValue(
                "Value for parameter RedrivePolicy is invalid. Reason: Dead-letter target must be the same type of queue as the source.".into(),
            ));
        }
        let source_arn = format!("arn:aws:sqs:{}:{ACCOUNT_ID}:{source}", self.region);
        match target.attributes.opaque.get("RedriveAllowPolicy").map(|p| crate::attributes::RedriveAllow::parse(p)) {
            Some(Ok(allow)) if !allow.admits(&source_arn) => Err(Error::InvalidParameterValue(format!(
                "Value for parameter RedrivePolicy is invalid. Reason: the dead-letter queue's RedriveAllowPolicy does not allow {source_arn} to use it."
            ))),
            _ => Ok(()),
        }
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
        Ok(self.queue(name)?.def()?.tags.clone())
    }

    /// ListDeadLetterSourceQueues: queues whose redrive policy names this one.
    pub fn dead_letter_sources(&self, name: &str) -> Result<Vec<String>> {
        let arn = self.queue(name)?.arn.clone();
        let mut out: Vec<String> = self
            .all()
            .iter()
            .filter(|q| {
                q.def().is_ok_and(|d| d.attributes.redrive.as_ref().is_some_and(|r| r.dead_letter_target_arn == arn))
            })
            .map(|q| q.name.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    /// PurgeQueue: deletes every message.
    pub async fn purge(&self, name: &str) -> Result<()> {
        self.queue(name)?.def()?;
        self.store.purge(name).await.map_err(storage_error)
    }
}
