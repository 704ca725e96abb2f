//! [`Topics`]: topics and subscriptions in memory, written through to the store, and the
//! operations SNS offers on them.

use crate::filter::{FilterPolicy, Scope};
use crate::message::{Kind, Notification, Publish};
use crate::names::{Arn, check_topic_name, function_of_arn, queue_of_arn, subscription_of_arn, topic_of_arn};
use crate::{Error, Result, invalid};
use serde::{Deserialize, Serialize};
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_queues::message::{DEDUP_INTERVAL_MS, sequence_number};
use squall_storage::{ItemWrite, TableStore};
use squall_types::{ACCOUNT_ID, RequestId, TraceContext};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, RwLock};

/// The store's pseudo-table of topics (key: name).
const TOPICS: &str = "topics";
/// The store's pseudo-table of subscriptions (key: topic name, subscription id).
const SUBSCRIPTIONS: &str = "subscriptions";
/// The store's pseudo-table of FIFO topics' deduplication ids (key: topic name, id).
const DEDUP: &str = "dedup";

fn write_dedup(topic: &str, key: &str, d: Option<&Dedup>) -> ItemWrite {
    ItemWrite {
        table: DEDUP.into(),
        pk: topic.as_bytes().to_vec(),
        sk: key.as_bytes().to_vec(),
        item: d.map(|d| serde_json::to_vec(d).expect("a deduplication record serializes")),
    }
}

/// Most tags on one topic.
const MAX_TAGS: usize = 50;
/// Topics and subscriptions per page of ListTopics / ListSubscriptions.
const PAGE: usize = 100;
/// Most entries in one PublishBatch.
pub const MAX_BATCH: usize = 10;

/// Topic attributes a caller may set; others are refused.
const SETTABLE_TOPIC_ATTRIBUTES: &[&str] =
    &["DisplayName", "Policy", "DeliveryPolicy", "TracingConfig", "SignatureVersion"];

/// Subscription attributes a caller may set.
const SETTABLE_SUBSCRIPTION_ATTRIBUTES: &[&str] =
    &["DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"];

/// A topic as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
struct TopicDef {
    /// Attributes set by callers (`DisplayName`, `Policy`, …).
    attributes: BTreeMap<String, String>,
    tags: BTreeMap<String, String>,
    /// Subscriptions removed so far (`SubscriptionsDeleted`).
    deleted_subscriptions: u64,
}

impl TopicDef {
    fn is_fifo(&self) -> bool {
        self.attributes.get("FifoTopic").is_some_and(|v| v == "true")
    }
}

/// A subscription as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubscriptionDef {
    /// The id after the topic ARN in the subscription's ARN.
    pub id: String,
    /// `sqs`, `lambda` or `http`.
    pub protocol: String,
    /// The queue ARN, function ARN or URL.
    pub endpoint: String,
    /// Attributes set by callers (`FilterPolicy`, `RawMessageDelivery`, …).
    pub attributes: BTreeMap<String, String>,
    /// Whether deliveries go out (queues and functions at once; HTTP once confirmed).
    pub confirmed: bool,
    /// The confirmation token sent to an HTTP endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A subscription as deliveries see it.
#[derive(Debug)]
pub struct Subscription {
    /// Its ARN.
    pub arn: String,
    /// Its topic's name.
    pub topic: String,
    /// What is stored.
    pub def: SubscriptionDef,
    /// The parsed `FilterPolicy`.
    pub filter: Option<FilterPolicy>,
    /// `RawMessageDelivery`.
    pub raw: bool,
}

struct Topic {
    arn: String,
    def: TopicDef,
    subscriptions: BTreeMap<String, Arc<Subscription>>,
    /// FIFO topics: deduplication ids seen within the interval, by id.
    dedup: HashMap<String, Dedup>,
    /// The same ids by expiry, oldest first (every record lives the same interval, so
    /// insertion order is expiry order): expiring them never scans the whole map.
    dedup_order: VecDeque<(u64, String)>,
    /// FIFO topics: the next `SequenceNumber` (seeded from the wall clock, so it keeps
    /// rising across restarts, which a dev clock moved forward before one would not).
    next_seq: u64,
}

impl Topic {
    fn new(arn: String, def: TopicDef) -> Topic {
        Topic {
            arn,
            def,
            subscriptions: BTreeMap::new(),
            dedup: HashMap::new(),
            dedup_order: VecDeque::new(),
            next_seq: squall_clock::wall_ms() * 1000,
        }
    }

    /// Remembers deduplication id `key` until `d` expires.
    fn remember(&mut self, key: String, d: Dedup) {
        self.dedup_order.push_back((d.expires_ms, key.clone()));
        self.dedup.insert(key, d);
    }

    /// Forgets the ids expired at `now`; their keys. An order entry whose id was since
    /// forgotten or recorded again is skipped.
    fn expire(&mut self, now: u64) -> Vec<String> {
        let mut gone = Vec::new();
        while let Some((expires, _)) = self.dedup_order.front().filter(|(e, _)| *e <= now) {
            let expires = *expires;
            let (_, key) = self.dedup_order.pop_front().expect("just seen");
            if self.dedup.get(&key).is_some_and(|d| d.expires_ms == expires) {
                self.dedup.remove(&key);
                gone.push(key);
            }
        }
        gone
    }

    fn kind(&self) -> Kind {
        if self.def.is_fifo() {
            let content_based_dedup = self.def.attributes.get("ContentBasedDeduplication").is_some_and(|v| v == "true");
            Kind::Fifo { content_based_dedup }
        } else {
            Kind::Standard
        }
    }
}

/// A FIFO topic's record of a deduplication id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Dedup {
    expires_ms: u64,
    id: String,
    seq: u64,
}

/// What Publish answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `MessageId`.
    pub id: String,
    /// `SequenceNumber` (FIFO topics).
    pub sequence_number: Option<String>,
}

/// A page of a listing and the token of the next one.
pub type Page<T> = (Vec<T>, Option<String>);

/// The topics service.
pub struct Topics {
    store: Arc<dyn TableStore>,
    region: String,
    /// Where SubscribeURL and UnsubscribeURL point (the api port).
    pub(crate) public_base: String,
    topics: RwLock<HashMap<String, Topic>>,
    /// Serializes changes, so read-check-write sequences hold.
    admin: tokio::sync::Mutex<()>,
    pub(crate) deliver: crate::deliver::Deliverer,
    /// What deduplication windows, message timestamps and HTTP retry times read.
    pub(crate) clock: Clock,
    /// This server among those of the store.
    pub(crate) cluster: Cluster,
}

/// The name under which changes of topics and subscriptions are announced to the other
/// servers.
pub(crate) const DOMAIN: &str = "topics";

/// Every topic with its subscriptions, as stored.
async fn load_topics(store: &dyn TableStore, region: &str) -> Result<HashMap<String, Topic>> {
    let mut topics = HashMap::new();
    for row in squall_storage::scan_all(store, TOPICS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let def: TopicDef = serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("topic {name}"), e))?;
        let arn = format!("arn:aws:sns:{region}:{ACCOUNT_ID}:{name}");
        topics.insert(name, Topic::new(arn, def));
    }
    for row in squall_storage::scan_all(store, SUBSCRIPTIONS).await? {
        let topic_name = String::from_utf8_lossy(&row.pk).into_owned();
        let def: SubscriptionDef =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("a subscription of {topic_name}"), e))?;
        let Some(topic) = topics.get_mut(&topic_name) else { continue };
        let sub = Subscription::new(&topic_name, &topic.arn, def)
            .map_err(|e| corrupt(format!("a subscription of {topic_name}"), e))?;
        topic.subscriptions.insert(sub.def.id.clone(), Arc::new(sub));
    }
    Ok(topics)
}

fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}

fn not_found_topic() -> Error {
    Error::NotFound("Topic does not exist".into())
}

fn not_found_subscription() -> Error {
    Error::NotFound("Subscription does not exist".into())
}

fn write_topic(name: &str, def: Option<&TopicDef>) -> ItemWrite {
    ItemWrite {
        table: TOPICS.into(),
        pk: name.as_bytes().to_vec(),
        sk: Vec::new(),
        item: def.map(|d| serde_json::to_vec(d).expect("a topic serializes")),
    }
}

fn write_subscription(topic: &str, id: &str, def: Option<&SubscriptionDef>) -> ItemWrite {
    ItemWrite {
        table: SUBSCRIPTIONS.into(),
        pk: topic.as_bytes().to_vec(),
        sk: id.as_bytes().to_vec(),
        item: def.map(|d| serde_json::to_vec(d).expect("a subscription serializes")),
    }
}

/// A random id: a UUID, as SNS uses for messages and subscriptions.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Subscription {
    fn new(topic: &str, topic_arn: &str, def: SubscriptionDef) -> Result<Subscription> {
        let filter = match def.attributes.get("FilterPolicy") {
            Some(p) => Some(parse_filter(p, def.attributes.get("FilterPolicyScope"))?),
            None => None,
        };
        let raw = def.attributes.get("RawMessageDelivery").is_some_and(|v| v == "true");
        Ok(Subscription { arn: format!("{topic_arn}:{}", def.id), topic: topic.to_string(), def, filter, raw })
    }

    /// Whether `n` passes this subscription's filter policy.
    pub fn wants(&self, n: &Notification) -> bool {
        let Some(filter) = &self.filter else { return true };
        // SNS checks attribute policies only on messages that have attributes, so even
        // `exists: false` does not pass a message without any.
        if n.attributes.is_empty()
            && self.def.attributes.get("FilterPolicyScope").is_none_or(|s| s == "MessageAttributes")
        {
            return false;
        }
        let lookup = |name: &str| {
            n.attributes.get(name).map(|v| crate::filter::AttributeRef {
                data_type: v.data_type.as_str(),
                value: v.string.as_deref().unwrap_or(""),
            })
        };
        filter.matches(&lookup, n.message_for(&self.def.protocol))
    }
}

fn parse_filter(policy: &str, scope: Option<&String>) -> Result<FilterPolicy> {
    let scope = match scope {
        None => Scope::default(),
        Some(s) => Scope::parse(s).ok_or_else(|| invalid("Attributes Reason: FilterPolicyScope: Invalid value"))?,
    };
    FilterPolicy::parse(policy, scope).map_err(|m| match m.strip_prefix("Invalid parameter: ") {
        // A few of SNS's messages name the problem without naming FilterPolicy.
        Some(whole) => invalid(whole),
        None => invalid(format!("FilterPolicy: {m}")),
    })
}

/// The attributes whose values are booleans, which SNS takes in any case.
const BOOLEAN_ATTRIBUTES: [&str; 3] = ["FifoTopic", "ContentBasedDeduplication", "RawMessageDelivery"];

/// `value` as stored: a boolean attribute's `True` or `FALSE` as `true` or `false`.
fn canonical(name: &str, value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    if BOOLEAN_ATTRIBUTES.contains(&name) && matches!(lower.as_str(), "true" | "false") {
        lower
    } else {
        value.to_string()
    }
}

/// Every attribute's value as stored.
fn canonical_map(attributes: BTreeMap<String, String>) -> BTreeMap<String, String> {
    attributes
        .into_iter()
        .map(|(k, v)| {
            let v = canonical(&k, &v);
            (k, v)
        })
        .collect()
}

/// Checks one topic attribute of a topic that is (`fifo`) a FIFO topic or not.
fn check_topic_attribute(name: &str, value: &str, fifo: bool) -> Result<()> {
    match name {
        "FifoTopic" if !matches!(value, "true" | "false") => Err(invalid("Attributes Reason: FifoTopic")),
        "ContentBasedDeduplication" if !fifo => {
            Err(invalid("Attributes Reason: Content-based deduplication can only be set for FIFO topics"))
        }
        "ContentBasedDeduplication" if !matches!(value, "true" | "false") => {
            Err(invalid("Attributes Reason: ContentBasedDeduplication"))
        }
        "FifoTopic" | "ContentBasedDeduplication" => Ok(()),
        "DisplayName" if value.chars().count() > 100 => Err(invalid("DisplayName")),
        "Policy" => match squall_iam::Policy::accept(value, squall_iam::PolicyKind::Resource) {
            Ok(_) => Ok(()),
            Err(m) => Err(invalid(format!("Attributes Reason: Policy: {}", m.0))),
        },
        "DeliveryPolicy" if serde_json::from_str::<serde_json::Value>(value).is_err() => {
            Err(invalid(format!("Attributes Reason: {name}: failed to parse JSON")))
        }
        "TracingConfig" if !matches!(value, "PassThrough" | "Active") => {
            Err(invalid("Attributes Reason: TracingConfig"))
        }
        "SignatureVersion" if !matches!(value, "1" | "2") => Err(invalid("Attributes Reason: SignatureVersion")),
        "ArchivePolicy" | "FifoThroughputScope" => {
            Err(invalid(format!("Attributes Reason: {name} is not supported yet")))
        }
        "KmsMasterKeyId" => Err(invalid("Attributes Reason: KmsMasterKeyId: encryption at rest is not supported yet")),
        n if SETTABLE_TOPIC_ATTRIBUTES.contains(&n) => Ok(()),
        n if n.ends_with("FeedbackRoleArn") || n.ends_with("FeedbackSampleRate") => {
            Err(invalid(format!("Attributes Reason: {n}: delivery status logging is not supported yet")))
        }
        _ => Err(invalid("AttributeName")),
    }
}

/// Checks one subscription attribute for a subscription of `protocol`.
fn check_subscription_attribute(protocol: &str, name: &str, value: &str) -> Result<()> {
    match name {
        "RawMessageDelivery" if !matches!(value, "true" | "false") => {
            Err(invalid("Attributes Reason: RawMessageDelivery: Invalid value [Must be true or false]"))
        }
        "RawMessageDelivery" if protocol == "lambda" && value == "true" => {
            Err(invalid("Attributes Reason: Delivery protocol [lambda] does not support raw message delivery."))
        }
        "DeliveryPolicy" if serde_json::from_str::<serde_json::Value>(value).is_err() => {
            Err(invalid("Attributes Reason: DeliveryPolicy: failed to parse JSON"))
        }
        "RedrivePolicy" => {
            let target = serde_json::from_str::<serde_json::Value>(value)
                .ok()
                .and_then(|v| v.get("deadLetterTargetArn").and_then(|a| a.as_str()).map(str::to_string));
            match target.as_deref().and_then(queue_of_arn) {
                Some(_) => Ok(()),
                None => Err(invalid("RedrivePolicy: deadLetterTargetArn must be an SQS queue ARN")),
            }
        }
        n if SETTABLE_SUBSCRIPTION_ATTRIBUTES.contains(&n) => Ok(()),
        "SubscriptionRoleArn" => {
            Err(invalid("Attributes Reason: SubscriptionRoleArn: Firehose deliveries are not supported yet"))
        }
        _ => Err(invalid("AttributeName")),
    }
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 || k.starts_with("aws:") {
            return Err(invalid(format!("Tags Reason: invalid tag {k:?}")));
        }
    }
    Ok(())
}

/// What a Subscribe asks for.
#[derive(Debug, Clone, Default)]
pub struct Subscribe {
    /// `Protocol`.
    pub protocol: String,
    /// `Endpoint`.
    pub endpoint: String,
    /// `Attributes`.
    pub attributes: BTreeMap<String, String>,
}

/// A subscription as listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// `SubscriptionArn` (`PendingConfirmation` while an HTTP endpoint has not confirmed).
    pub arn: String,
    /// `TopicArn`.
    pub topic_arn: String,
    /// `Protocol`.
    pub protocol: String,
    /// `Endpoint`.
    pub endpoint: String,
}

impl Topics {
    /// Loads every topic and subscription from `store`; deliveries go to `queues` and
    /// `functions`; confirmation and unsubscribe links point at `public_base`; times are
    /// `clock`'s.
    pub async fn open(
        store: Arc<dyn TableStore>,
        region: &str,
        public_base: &str,
        queues: Arc<squall_queues::Queues>,
        functions: Arc<squall_functions::Functions>,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Arc<Topics>> {
        let mut topics = load_topics(store.as_ref(), region).await?;
        let now = clock.now_ms();
        let mut remembered = Vec::new();
        for row in squall_storage::scan_all(store.as_ref(), DEDUP).await? {
            let topic_name = String::from_utf8_lossy(&row.pk).into_owned();
            let d: Dedup = serde_json::from_slice(&row.item)
                .map_err(|e| corrupt(format!("a deduplication id of {topic_name}"), e))?;
            if d.expires_ms > now {
                remembered.push((topic_name, String::from_utf8_lossy(&row.sk).into_owned(), d));
            }
        }
        remembered.sort_by_key(|(_, _, d)| d.expires_ms);
        for (topic_name, key, d) in remembered {
            if let Some(t) = topics.get_mut(&topic_name) {
                t.next_seq = t.next_seq.max(d.seq + 1);
                t.remember(key, d);
            }
        }
        let deliver = crate::deliver::Deliverer::open(store.clone(), queues, functions, &cluster).await?;
        let me = Arc::new(Topics {
            store,
            region: region.to_string(),
            public_base: public_base.trim_end_matches('/').to_string(),
            topics: RwLock::new(topics),
            admin: tokio::sync::Mutex::new(()),
            deliver,
            clock,
            cluster,
        });
        Ok(me)
    }

    /// Takes topics and subscriptions as stored now, after another server changed them;
    /// what this server remembers of a FIFO topic's deduplication ids stays.
    pub async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        let mut fresh = load_topics(self.store.as_ref(), &self.region).await?;
        let mut topics = self.write();
        for (name, t) in fresh.iter_mut() {
            if let Some(old) = topics.remove(name) {
                t.dedup = old.dedup;
                t.dedup_order = old.dedup_order;
                t.next_seq = old.next_seq;
            }
        }
        *topics = fresh;
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Topic>> {
        self.topics.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Topic>> {
        self.topics.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The name of the topic `arn` names, if it is one of this server's topic ARNs.
    fn topic_name<'a>(&self, arn: &'a str) -> Result<&'a str> {
        let name = topic_of_arn(arn).ok_or_else(|| invalid("TopicArn"))?;
        let a = Arn::parse(arn).expect("a topic ARN parses");
        if a.region != self.region || a.account != ACCOUNT_ID {
            return Err(not_found_topic());
        }
        Ok(name)
    }

    /// CreateTopic: creates the topic, or returns the ARN of one that exists with the same
    /// attributes and tags.
    pub async fn create_topic(
        &self,
        name: &str,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<String> {
        let attributes = canonical_map(attributes);
        let fifo = attributes.get("FifoTopic").is_some_and(|v| v == "true");
        check_topic_name(name, fifo)?;
        for (k, v) in &attributes {
            check_topic_attribute(k, v, fifo)?;
        }
        check_tags(&tags)?;
        if tags.len() > MAX_TAGS {
            return Err(Error::TagLimitExceeded);
        }
        let _admin = self.admin.lock().await;
        if let Some(t) = self.read().get(name) {
            if attributes.iter().any(|(k, v)| t.def.attributes.get(k) != Some(v)) {
                return Err(invalid("Attributes Reason: Topic already exists with different attributes"));
            }
            if !tags.is_empty() && tags != t.def.tags {
                return Err(invalid("Tags Reason: Topic already exists with different tags"));
            }
            return Ok(t.arn.clone());
        }
        let def = TopicDef { attributes, tags, deleted_subscriptions: 0 };
        self.store.write(vec![write_topic(name, Some(&def))]).await?;
        self.cluster.changed(DOMAIN).await;
        let arn = format!("arn:aws:sns:{}:{ACCOUNT_ID}:{name}", self.region);
        self.write().insert(name.to_string(), Topic::new(arn.clone(), def));
        Ok(arn)
    }

    /// ListTopics: topic ARNs in name order, a page at a time.
    pub fn list_topics(&self, next: Option<&str>) -> Result<Page<String>> {
        let mut names: Vec<String> = self.read().keys().cloned().collect();
        names.sort();
        let arns = names.into_iter().map(|n| format!("arn:aws:sns:{}:{ACCOUNT_ID}:{n}", self.region)).collect();
        page(arns, next, |arn| arn.clone())
    }

    /// DeleteTopic: the topic and its subscriptions; deleting a missing topic succeeds.
    pub async fn delete_topic(&self, arn: &str) -> Result<()> {
        let name = self.topic_name(arn)?;
        let _admin = self.admin.lock().await;
        let (ids, dedup): (Vec<String>, Vec<String>) = match self.read().get(name) {
            Some(t) => (t.subscriptions.keys().cloned().collect(), t.dedup.keys().cloned().collect()),
            None => return Ok(()),
        };
        let mut writes = vec![write_topic(name, None)];
        writes.extend(ids.iter().map(|id| write_subscription(name, id, None)));
        writes.extend(dedup.iter().map(|k| write_dedup(name, k, None)));
        self.store.write(writes).await?;
        self.cluster.changed(DOMAIN).await;
        self.write().remove(name);
        Ok(())
    }

    /// The topic's own access policy (its `Policy` attribute), if one was set (the default
    /// policy GetTopicAttributes reports grants the account what its identity policies
    /// allow, so it is not consulted).
    pub fn policy(&self, arn: &str) -> Option<String> {
        let name = self.topic_name(arn).ok()?;
        self.read().get(name)?.def.attributes.get("Policy").cloned()
    }

    /// GetTopicAttributes: the stored attributes and the computed ones.
    pub fn topic_attributes(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        let name = self.topic_name(arn)?;
        let topics = self.read();
        let t = topics.get(name).ok_or_else(not_found_topic)?;
        let confirmed = t.subscriptions.values().filter(|s| s.def.confirmed).count();
        let mut out = BTreeMap::from([
            ("TopicArn".to_string(), t.arn.clone()),
            ("Owner".to_string(), ACCOUNT_ID.to_string()),
            ("DisplayName".to_string(), String::new()),
            ("Policy".to_string(), default_policy(&t.arn)),
            ("SubscriptionsConfirmed".to_string(), confirmed.to_string()),
            ("SubscriptionsPending".to_string(), (t.subscriptions.len() - confirmed).to_string()),
            ("SubscriptionsDeleted".to_string(), t.def.deleted_subscriptions.to_string()),
            ("EffectiveDeliveryPolicy".to_string(), crate::deliver::DEFAULT_DELIVERY_POLICY.to_string()),
        ]);
        out.extend(t.def.attributes.clone());
        Ok(out)
    }

    /// SetTopicAttributes: one attribute.
    pub async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> Result<()> {
        let value = &canonical(name, value);
        if name == "FifoTopic" {
            return Err(invalid("Attributes Reason: FifoTopic cannot be changed once the topic exists"));
        }
        self.change_topic(arn, |def| {
            // The stored type decides, as it does for Publish.
            check_topic_attribute(name, value, def.is_fifo())?;
            def.attributes.insert(name.to_string(), value.to_string());
            Ok(())
        })
        .await
    }

    /// TagResource.
    pub async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        check_tags(&tags)?;
        self.change_topic(arn, |def| {
            def.tags.extend(tags);
            if def.tags.len() > MAX_TAGS {
                return Err(Error::TagLimitExceeded);
            }
            Ok(())
        })
        .await
    }

    /// UntagResource.
    pub async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        self.change_topic(arn, |def| {
            for k in keys {
                def.tags.remove(k);
            }
            Ok(())
        })
        .await
    }

    /// ListTagsForResource.
    pub fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        let name = self.topic_name(arn)?;
        Ok(self.read().get(name).ok_or_else(not_found_topic)?.def.tags.clone())
    }

    async fn change_topic(&self, arn: &str, change: impl FnOnce(&mut TopicDef) -> Result<()>) -> Result<()> {
        let name = self.topic_name(arn)?;
        let _admin = self.admin.lock().await;
        let mut def = self.read().get(name).ok_or_else(not_found_topic)?.def.clone();
        change(&mut def)?;
        self.store.write(vec![write_topic(name, Some(&def))]).await?;
        self.cluster.changed(DOMAIN).await;
        if let Some(t) = self.write().get_mut(name) {
            t.def = def;
        }
        Ok(())
    }

    /// Subscribe: a confirmed subscription for a queue or a function, a pending one for an
    /// HTTP endpoint (which is sent a confirmation). Subscribing the same endpoint again
    /// returns the existing subscription.
    pub async fn subscribe(&self, topic_arn: &str, mut s: Subscribe) -> Result<SubscriptionInfo> {
        s.attributes = canonical_map(std::mem::take(&mut s.attributes));
        let name = self.topic_name(topic_arn)?;
        check_endpoint(&s.protocol, &s.endpoint)?;
        let fifo_queue = s.protocol == "sqs" && s.endpoint.ends_with(".fifo");
        match (name.ends_with(".fifo"), s.protocol.as_str()) {
            (false, _) if fifo_queue => {
                return Err(invalid(
                    "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics",
                ));
            }
            (true, "sqs") | (false, _) => {}
            (true, other) => {
                return Err(invalid(format!("Protocol Reason: FIFO topics deliver to SQS queues only, not {other}")));
            }
        }
        for (k, v) in &s.attributes {
            check_subscription_attribute(&s.protocol, k, v)?;
        }
        let _admin = self.admin.lock().await;
        let arn = self.read().get(name).ok_or_else(not_found_topic)?.arn.clone();
        let existing = self.read().get(name).and_then(|t| {
            t.subscriptions.values().find(|x| x.def.protocol == s.protocol && x.def.endpoint == s.endpoint).cloned()
        });
        if let Some(x) = existing {
            if s.attributes.iter().any(|(k, v)| x.def.attributes.get(k) != Some(v)) {
                return Err(invalid("Attributes Reason: Subscription already exists with different attributes"));
            }
            return Ok(self.info(&arn, &x));
        }
        let http = s.protocol == "http";
        let def = SubscriptionDef {
            id: new_id(),
            protocol: s.protocol,
            endpoint: s.endpoint,
            attributes: s.attributes,
            confirmed: !http,
            token: http.then(|| format!("{}{}", new_id().replace('-', ""), new_id().replace('-', ""))),
        };
        let sub = Arc::new(Subscription::new(name, &arn, def)?);
        let mut writes = vec![write_subscription(name, &sub.def.id, Some(&sub.def))];
        if http {
            writes.push(self.deliver.confirmation(self, &sub));
        }
        // Inserted first, so the worker finds the subscription the confirmation is for.
        if let Some(t) = self.write().get_mut(name) {
            t.subscriptions.insert(sub.def.id.clone(), sub.clone());
        }
        if let Err(e) = self.deliver.commit(writes).await {
            if let Some(t) = self.write().get_mut(name) {
                t.subscriptions.remove(&sub.def.id);
            }
            return Err(e);
        }
        self.cluster.changed(DOMAIN).await;
        Ok(self.info(&arn, &sub))
    }

    fn info(&self, topic_arn: &str, s: &Subscription) -> SubscriptionInfo {
        SubscriptionInfo {
            arn: if s.def.confirmed { s.arn.clone() } else { "PendingConfirmation".into() },
            topic_arn: topic_arn.to_string(),
            protocol: s.def.protocol.clone(),
            endpoint: s.def.endpoint.clone(),
        }
    }

    /// The ARN a pending subscription will have (what `ReturnSubscriptionArn` asks for).
    pub fn subscription_arn(&self, topic_arn: &str, protocol: &str, endpoint: &str) -> Option<String> {
        let name = topic_of_arn(topic_arn)?;
        let topics = self.read();
        let t = topics.get(name)?;
        t.subscriptions
            .values()
            .find(|x| x.def.protocol == protocol && x.def.endpoint == endpoint)
            .map(|x| x.arn.clone())
    }

    /// ConfirmSubscription: the pending subscription holding `token` starts receiving.
    pub async fn confirm(&self, topic_arn: &str, token: &str) -> Result<String> {
        let name = self.topic_name(topic_arn)?;
        let _admin = self.admin.lock().await;
        let (arn, sub) = {
            let topics = self.read();
            let t = topics.get(name).ok_or_else(not_found_topic)?;
            let sub = t.subscriptions.values().find(|s| s.def.token.as_deref() == Some(token)).cloned();
            (t.arn.clone(), sub.ok_or_else(|| invalid("Token"))?)
        };
        if sub.def.confirmed {
            return Ok(sub.arn.clone());
        }
        let def = SubscriptionDef { confirmed: true, ..sub.def.clone() };
        self.store.write(vec![write_subscription(name, &def.id, Some(&def))]).await?;
        self.cluster.changed(DOMAIN).await;
        let sub = Arc::new(Subscription::new(name, &arn, def)?);
        if let Some(t) = self.write().get_mut(name) {
            t.subscriptions.insert(sub.def.id.clone(), sub.clone());
        }
        Ok(sub.arn.clone())
    }

    /// Unsubscribe; removing a subscription that is already gone succeeds, as on AWS.
    pub async fn unsubscribe(&self, arn: &str) -> Result<()> {
        let (name, id) = subscription_of_arn(arn).ok_or_else(|| invalid("SubscriptionArn"))?;
        let _admin = self.admin.lock().await;
        let mut def = {
            let topics = self.read();
            match topics.get(name) {
                Some(t) if t.subscriptions.contains_key(id) => t.def.clone(),
                _ => return Ok(()),
            }
        };
        def.deleted_subscriptions += 1;
        self.store.write(vec![write_subscription(name, id, None), write_topic(name, Some(&def))]).await?;
        self.cluster.changed(DOMAIN).await;
        if let Some(t) = self.write().get_mut(name) {
            t.subscriptions.remove(id);
            t.def = def;
        }
        Ok(())
    }

    fn subscription(&self, arn: &str) -> Result<(String, Arc<Subscription>)> {
        let (name, id) = subscription_of_arn(arn).ok_or_else(|| invalid("SubscriptionArn"))?;
        let topics = self.read();
        let t = topics.get(name).ok_or_else(not_found_subscription)?;
        let s = t.subscriptions.get(id).ok_or_else(not_found_subscription)?;
        Ok((t.arn.clone(), s.clone()))
    }

    /// GetSubscriptionAttributes.
    pub fn subscription_attributes(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        let (topic_arn, s) = self.subscription(arn)?;
        let mut out = BTreeMap::from([
            ("SubscriptionArn".to_string(), s.arn.clone()),
            ("TopicArn".to_string(), topic_arn),
            ("Owner".to_string(), ACCOUNT_ID.to_string()),
            ("Protocol".to_string(), s.def.protocol.clone()),
            ("Endpoint".to_string(), s.def.endpoint.clone()),
            ("PendingConfirmation".to_string(), (!s.def.confirmed).to_string()),
            ("ConfirmationWasAuthenticated".to_string(), (s.def.protocol != "http").to_string()),
            ("RawMessageDelivery".to_string(), s.raw.to_string()),
        ]);
        if s.def.protocol == "http" {
            out.insert("EffectiveDeliveryPolicy".into(), crate::deliver::DEFAULT_DELIVERY_POLICY.to_string());
        }
        out.extend(s.def.attributes.clone());
        if out.contains_key("FilterPolicy") && !out.contains_key("FilterPolicyScope") {
            out.insert("FilterPolicyScope".into(), Scope::default().as_str().into());
        }
        Ok(out)
    }

    /// SetSubscriptionAttributes: one attribute (an empty `FilterPolicy` removes it).
    pub async fn set_subscription_attribute(&self, arn: &str, name: &str, value: &str) -> Result<()> {
        let value = &canonical(name, value);
        let _admin = self.admin.lock().await;
        let (topic_arn, s) = self.subscription(arn)?;
        let mut def = s.def.clone();
        if name == "FilterPolicy" && value.is_empty() {
            def.attributes.remove(name);
        } else {
            check_subscription_attribute(&def.protocol, name, value)?;
            def.attributes.insert(name.to_string(), value.to_string());
        }
        let sub = Arc::new(Subscription::new(&s.topic, &topic_arn, def)?);
        self.store.write(vec![write_subscription(&s.topic, &sub.def.id, Some(&sub.def))]).await?;
        self.cluster.changed(DOMAIN).await;
        if let Some(t) = self.write().get_mut(&s.topic) {
            t.subscriptions.insert(sub.def.id.clone(), sub);
        }
        Ok(())
    }

    /// ListSubscriptions (`topic: None`) or ListSubscriptionsByTopic, a page at a time.
    pub fn list_subscriptions(&self, topic_arn: Option<&str>, next: Option<&str>) -> Result<Page<SubscriptionInfo>> {
        let topics = self.read();
        // Keyed by the subscription's real ARN: a stable order for paging.
        let mut keyed: Vec<(String, SubscriptionInfo)> = Vec::new();
        let mut add = |t: &Topic| keyed.extend(t.subscriptions.values().map(|s| (s.arn.clone(), self.info(&t.arn, s))));
        match topic_arn {
            Some(arn) => add(topics.get(self.topic_name(arn)?).ok_or_else(not_found_topic)?),
            None => topics.values().for_each(add),
        }
        drop(topics);
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let (items, next) = page(keyed, next, |(k, _)| k.clone())?;
        Ok((items.into_iter().map(|(_, i)| i).collect(), next))
    }

    /// Publish: checks the message, delivers it to every confirmed subscription whose
    /// filter it passes, and answers once every delivery is durable. On a FIFO topic a
    /// deduplication id seen within five minutes is accepted and not delivered again.
    pub async fn publish(&self, topic_arn: &str, p: Publish, trace: &TraceContext) -> Result<Published> {
        let name = self.topic_name(topic_arn)?;
        let (kind, subscribers) = {
            let topics = self.read();
            let t = topics.get(name).ok_or_else(not_found_topic)?;
            (t.kind(), t.subscriptions.values().filter(|s| s.def.confirmed).cloned().collect::<Vec<_>>())
        };
        let now = self.clock.now_ms();
        let mut n = p.into_notification(kind, new_id(), topic_arn.to_string(), now)?;
        let mut record = None;
        if let Some(dedup) = n.dedup_id.clone() {
            // Another server may have published it: its record is in the store.
            if self.cluster.shared
                && let Some(bytes) = self.store.get_item(DEDUP, name.as_bytes(), dedup.as_bytes()).await?
                && let Ok(d) = serde_json::from_slice::<Dedup>(&bytes)
                && d.expires_ms > now
            {
                return Ok(Published { id: d.id, sequence_number: Some(sequence_number(d.seq)) });
            }
            let mut topics = self.write();
            let t = topics.get_mut(name).ok_or_else(not_found_topic)?;
            if let Some(d) = t.dedup.get(&dedup).filter(|d| d.expires_ms > now) {
                return Ok(Published { id: d.id.clone(), sequence_number: Some(sequence_number(d.seq)) });
            }
            let seq = t.next_seq;
            t.next_seq += 1;
            let d = Dedup { expires_ms: now + DEDUP_INTERVAL_MS, id: n.id.clone(), seq };
            // Forget what has expired, in the same store write as this record.
            let expired = t.expire(now);
            t.remember(dedup.clone(), d.clone());
            n.sequence_number = Some(sequence_number(seq));
            let mut writes = vec![write_dedup(name, &dedup, Some(&d))];
            writes.extend(expired.iter().map(|k| write_dedup(name, k, None)));
            record = Some((dedup, writes));
        }
        let targets: Vec<&Subscription> = subscribers.iter().map(AsRef::as_ref).filter(|s| s.wants(&n)).collect();
        let delivered = self.deliver.fan_out(self, &n, &targets, trace).await;
        if let Some((dedup, writes)) = record {
            // Recorded after the deliveries: a crash in between lets a retry deliver again,
            // and the subscribed FIFO queues drop it by the same deduplication id.
            let stored = match &delivered {
                Ok(()) => self.store.write(writes).await.map_err(Error::from),
                Err(_) => Ok(()),
            };
            if (delivered.is_err() || stored.is_err())
                && let Some(t) = self.write().get_mut(name)
            {
                t.dedup.remove(&dedup);
            }
            stored?;
        }
        delivered?;
        Ok(Published { id: n.id, sequence_number: n.sequence_number })
    }

    /// PublishBatch: each entry published on its own; the outcome per entry in order.
    pub async fn publish_batch(
        &self,
        topic_arn: &str,
        entries: Vec<(String, Publish)>,
        trace: &TraceContext,
    ) -> Result<Vec<(String, Result<Published>)>> {
        let name = self.topic_name(topic_arn)?;
        if !self.read().contains_key(name) {
            return Err(not_found_topic());
        }
        if entries.is_empty() {
            return Err(Error::EmptyBatchRequest);
        }
        if entries.len() > MAX_BATCH {
            return Err(Error::TooManyEntriesInBatchRequest);
        }
        let mut seen = std::collections::HashSet::new();
        for (id, _) in &entries {
            let ok = !id.is_empty()
                && id.len() <= 80
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(Error::InvalidBatchEntryId);
            }
            if !seen.insert(id.clone()) {
                return Err(Error::BatchEntryIdsNotDistinct);
            }
        }
        let total: usize =
            entries.iter().map(|(_, p)| p.message.len() + squall_queues::message::attributes_size(&p.attributes)).sum();
        if total > crate::message::MAX_MESSAGE_BYTES {
            return Err(Error::BatchRequestTooLong);
        }
        let mut out = Vec::with_capacity(entries.len());
        for (id, p) in entries {
            let r = self.publish(topic_arn, p, trace).await;
            if let Err(Error::Storage(e)) = r {
                return Err(Error::Storage(e));
            }
            out.push((id, r));
        }
        Ok(out)
    }

    /// Every confirmed subscription of a function (for wiring `sns` events).
    pub fn topic_exists(&self, arn: &str) -> bool {
        topic_of_arn(arn).is_some_and(|n| self.read().contains_key(n))
    }

    /// The request id deliveries to functions run under.
    pub(crate) fn delivery_request_id() -> RequestId {
        RequestId::new()
    }

    /// The link that removes a subscription without credentials.
    pub(crate) fn unsubscribe_url(&self, subscription_arn: &str) -> String {
        format!(
            "{}/?Action=Unsubscribe&SubscriptionArn={}",
            self.public_base,
            squall_types::form_encode(subscription_arn)
        )
    }

    /// Whether a subscription still exists (deliveries from the outbox check before sending).
    pub(crate) fn has_subscription(&self, arn: &str) -> bool {
        self.subscription(arn).is_ok()
    }
}

/// Checks that `endpoint` suits `protocol`; protocols Squall cannot deliver to are refused.
fn check_endpoint(protocol: &str, endpoint: &str) -> Result<()> {
    match protocol {
        "sqs" if queue_of_arn(endpoint).is_none() => Err(invalid("SQS endpoint ARN")),
        "lambda" if function_of_arn(endpoint).is_none() => Err(invalid("Lambda endpoint ARN")),
        "http" if !endpoint.starts_with("http://") || endpoint.len() <= "http://".len() => {
            Err(invalid("Endpoint must match the specified protocol"))
        }
        "sqs" | "lambda" | "http" => Ok(()),
        "https" | "email" | "email-json" | "sms" | "application" | "firehose" => {
            Err(invalid(format!("Protocol: {protocol} deliveries are not supported yet")))
        }
        other => Err(invalid(format!("Amazon SNS does not support this protocol string: {other}"))),
    }
}

/// The policy SNS gives a new topic.
fn default_policy(topic_arn: &str) -> String {
    serde_json::json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": [
                "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish"
            ],
            "Resource": topic_arn,
            "Condition": { "StringEquals": { "AWS:SourceOwner": ACCOUNT_ID } }
        }]
    })
    .to_string()
}

/// One page of `items` (sorted by `key`) after the token `next` (the last key of the
/// previous page).
fn page<T>(items: Vec<T>, next: Option<&str>, key: impl Fn(&T) -> String) -> Result<Page<T>> {
    let start = match next {
        None => 0,
        Some(token) => items.iter().position(|i| key(i).as_str() > token).unwrap_or(items.len()),
    };
    let mut rest: Vec<T> = items.into_iter().skip(start).collect();
    let more = rest.len() > PAGE;
    rest.truncate(PAGE);
    let token = if more { rest.last().map(&key) } else { None };
    Ok((rest, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_attributes_are_taken_in_any_case() {
        assert_eq!(canonical("FifoTopic", "True"), "true");
        assert_eq!(canonical("RawMessageDelivery", "FALSE"), "false");
        assert_eq!(canonical("ContentBasedDeduplication", "tRuE"), "true");
        // Not a boolean: refused later as it is.
        assert_eq!(canonical("RawMessageDelivery", "yes"), "yes");
        // Not a boolean attribute: kept as sent.
        assert_eq!(canonical("DisplayName", "True"), "True");
        assert!(check_topic_attribute("FifoTopic", &canonical("FifoTopic", "True"), true).is_ok());
        assert!(
            check_subscription_attribute("sqs", "RawMessageDelivery", &canonical("RawMessageDelivery", "True")).is_ok()
        );
    }

    #[test]
    fn pages_resume_after_their_token() {
        let items: Vec<String> = (0..250).map(|i| format!("{i:03}")).collect();
        let (p1, t1) = page(items.clone(), None, Clone::clone).unwrap();
        assert_eq!((p1.len(), t1.as_deref()), (100, Some("099")));
        let (p2, t2) = page(items.clone(), t1.as_deref(), Clone::clone).unwrap();
        assert_eq!(p2[0], "100");
        let (p3, t3) = page(items, t2.as_deref(), Clone::clone).unwrap();
        assert_eq!((p3.len(), t3), (50, None));
    }

    #[test]
    fn deduplication_ids_expire_in_order_without_forgetting_renewed_ones() {
        let mut t = Topic::new("arn".into(), TopicDef::default());
        let d = |expires_ms| Dedup { expires_ms, id: "m".into(), seq: 1 };
        t.remember("a".into(), d(10));
        t.remember("b".into(), d(20));
        t.remember("a".into(), d(30));
        t.remember("c".into(), d(30));
        assert_eq!(t.expire(25), vec!["b".to_string()]);
        assert_eq!(t.dedup.len(), 2);
        let mut gone = t.expire(30);
        gone.sort();
        assert_eq!(gone, vec!["a".to_string(), "c".to_string()]);
        assert!(t.dedup.is_empty() && t.dedup_order.is_empty());
    }

    #[test]
    fn endpoints_must_suit_their_protocol() {
        assert!(check_endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q").is_ok());
        assert!(check_endpoint("sqs", "https://example.com").is_err());
        assert!(check_endpoint("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f").is_ok());
        assert!(check_endpoint("http", "http://127.0.0.1:9/hook").is_ok());
        assert!(check_endpoint("http", "ftp://x").is_err());
        assert!(check_endpoint("email", "a@b.c").is_err());
        assert!(check_endpoint("pigeon", "x").is_err());
    }
}
