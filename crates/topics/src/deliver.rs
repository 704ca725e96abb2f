//! Fan-out of a published message to its subscribers.
//!
//! Queues and functions are written to before Publish answers: the message lands in the
//! queue's store, or as an asynchronous invocation in the functions service's durable
//! queue (which retries the function). HTTP endpoints are slow and may be down, so their
//! deliveries (and subscription confirmations) go to a durable outbox first; a worker
//! posts them and retries failures with SNS's default policy (3 retries, 20 s apart). The
//! worker holds a bounded window of the outbox in memory and reads the rest in as the
//! window empties, so deliveries piling up for an endpoint that is down cost disk.
//! Among servers sharing a store, one (the holder of the outbox's lease) delivers what all
//! of them put in the outbox, reading it in at least every second; each server numbers its
//! deliveries in a range of its own (an epoch drawn from the store at start).
//! A delivery that cannot be made (the queue or function is gone, the endpoint never
//! answered 2xx) goes to the subscription's dead-letter queue when it has a
//! `RedrivePolicy`, and is dropped with a warning otherwise.

use crate::message::Notification;
use crate::names::{function_of_arn, queue_of_arn};
use crate::service::{Subscription, Topics, new_id};
use crate::{Error, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde::{Deserialize, Serialize};
use serde_json::json;
use squall_queues::message::NewMessage;
use squall_storage::{ItemWrite, TableStore};
use squall_types::{TraceContext, format_iso8601_millis_z};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// SNS's default delivery policy for HTTP endpoints (what `EffectiveDeliveryPolicy` shows
/// and the outbox follows).
pub const DEFAULT_DELIVERY_POLICY: &str = r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}"#;

/// Retries after a failed HTTP delivery, and the wait before each.
const HTTP_RETRIES: u32 = 3;
const HTTP_RETRY_DELAY: Duration = Duration::from_secs(20);
/// How long one POST may take (real time: the endpoint answers in real time, whatever the
/// platform clock says).
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);
/// Most HTTP deliveries in flight at once.
const HTTP_CONCURRENCY: usize = 16;

/// The store's pseudo-table of pending HTTP deliveries (key: sequence number).
const OUTBOX: &str = "outbox";

/// Most deliveries held in memory, and most bytes of their bodies: the rest wait in the
/// store and are read in as the held ones finish, so an endpoint that is down while
/// publishes go on costs disk, not memory.
pub(crate) const WINDOW: usize = 1024;
const WINDOW_BYTES: usize = 16 << 20;

/// How often the delivering server looks for what the others put in the outbox, and the
/// others whether it still delivers (real time).
const SHARED_LOOK_EVERY: Duration = Duration::from_secs(1);

/// Rows of the outbox read per store call when reading it in.
const READ_PAGE: usize = 256;

/// An HTTP delivery waiting in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    /// `Notification` or `SubscriptionConfirmation`.
    kind: String,
    subscription_arn: String,
    topic_arn: String,
    message_id: String,
    endpoint: String,
    body: String,
    raw: bool,
    /// Failed attempts so far.
    attempts: u32,
    /// Where failed deliveries go, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dead_letter_queue: Option<String>,
}

/// The outbox's window in memory: deliveries waiting (by due time) and being sent. A
/// delivery is `held` from when it is read in (or staged) until it is finished; the store
/// has the rest, and `behind` says it may have some not held.
#[derive(Default)]
struct Outbox {
    /// Pending deliveries by (due time, sequence number).
    due: BTreeMap<(u64, u64), Pending>,
    in_flight: usize,
    /// Every delivery held, with its body's size.
    held: HashMap<u64, usize>,
    held_bytes: usize,
    behind: bool,
    /// Deliveries finished while `read_in` scans the store: a page it read before their
    /// rows were deleted still has them, and they must not be held (sent) again.
    finished_during_read: Option<HashSet<u64>>,
}

impl Outbox {
    fn has_room(&self) -> bool {
        self.held.len() < WINDOW && self.held_bytes < WINDOW_BYTES
    }

    fn hold(&mut self, seq: u64, p: &Pending) {
        self.held.insert(seq, p.body.len());
        self.held_bytes += p.body.len();
    }

    fn release(&mut self, seq: u64) {
        if let Some(n) = self.held.remove(&seq) {
            self.held_bytes -= n;
        }
        if let Some(finished) = &mut self.finished_during_read {
            finished.insert(seq);
        }
    }
}

/// Delivers notifications; owned by [`Topics`].
pub struct Deliverer {
    store: Arc<dyn TableStore>,
    queues: Arc<squall_queues::Queues>,
    functions: Arc<squall_functions::Functions>,
    next_seq: AtomicU64,
    /// Whether other servers share the store: deliveries are then held in memory only by
    /// the server delivering them, read in from the store.
    shared: bool,
    outbox: Mutex<Outbox>,
    wake: Notify,
    client: Client<HttpConnector, Full<Bytes>>,
}

fn outbox_write(seq: u64, p: Option<&Pending>) -> ItemWrite {
    ItemWrite {
        table: OUTBOX.into(),
        pk: Vec::new(),
        sk: seq.to_be_bytes().to_vec(),
        item: p.map(|p| serde_json::to_vec(p).expect("a delivery serializes")),
    }
}

/// The queue a subscription's `RedrivePolicy` names.
fn dead_letter_queue(s: &Subscription) -> Option<String> {
    let policy: serde_json::Value = serde_json::from_str(s.def.attributes.get("RedrivePolicy")?).ok()?;
    queue_of_arn(policy.get("deadLetterTargetArn")?.as_str()?).map(str::to_string)
}

impl Deliverer {
    /// Loads the outbox; nothing is sent until [`Topics::start_deliveries`].
    pub(crate) async fn open(
        store: Arc<dyn TableStore>,
        queues: Arc<squall_queues::Queues>,
        functions: Arc<squall_functions::Functions>,
        cluster: &squall_lifecycle::Cluster,
    ) -> Result<Deliverer> {
        let next_seq = if cluster.shared {
            // A range no other server numbers in: the store's count of servers started.
            let epoch = cluster.coordination.bump("topics.outbox.epoch").await?;
            (epoch << 32) + 1
        } else {
            // The last row's number, read backwards; the rows themselves are read in by the
            // worker, a window at a time.
            let last = store.query(OUTBOX, &[], (Bound::Unbounded, Bound::Unbounded), false, 1).await?;
            last.first().and_then(|r| r.sk.as_slice().try_into().ok()).map_or(1, |b| u64::from_be_bytes(b) + 1)
        };
        let outbox = Outbox { behind: true, ..Outbox::default() };
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Ok(Deliverer {
            store,
            queues,
            functions,
            next_seq: AtomicU64::new(next_seq),
            shared: cluster.shared,
            outbox: Mutex::new(outbox),
            wake: Notify::new(),
            client,
        })
    }

    fn outbox(&self) -> std::sync::MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many deliveries the window holds.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.outbox().held.len()
    }

    /// Wakes the outbox worker (something was added).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// The outbox write of a subscription confirmation for an HTTP endpoint; the caller
    /// commits it with the subscription, then calls [`Deliverer::wake`].
    pub(crate) fn confirmation(&self, topics: &Topics, s: &Subscription) -> ItemWrite {
        let topic_arn = s.arn.rsplit_once(':').map_or("", |(t, _)| t).to_string();
        let token = s.def.token.clone().unwrap_or_default();
        let subscribe_url = format!(
            "{}/?Action=ConfirmSubscription&TopicArn={}&Token={}",
            topics.public_base,
            squall_types::form_encode(&topic_arn),
            token
        );
        let message_id = new_id();
        let body = json!({
            "Type": "SubscriptionConfirmation",
            "MessageId": message_id,
            "Token": token,
            "TopicArn": topic_arn,
            "Message": format!("You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message."),
            "SubscribeURL": subscribe_url,
            "Timestamp": format_iso8601_millis_z(topics.clock.now_ms()),
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": "",
        })
        .to_string();
        let p = Pending {
            kind: "SubscriptionConfirmation".into(),
            subscription_arn: s.arn.clone(),
            topic_arn,
            message_id,
            endpoint: s.def.endpoint.clone(),
            body,
            raw: false,
            attempts: 0,
            dead_letter_queue: None,
        };
        self.stage(p)
    }

    /// Gives `p` a sequence number and, while the window has room, holds it in memory;
    /// returns its store write, which the caller commits (through [`Deliverer::commit`])
    /// before the delivery may be sent.
    fn stage(&self, p: Pending) -> ItemWrite {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let write = outbox_write(seq, Some(&p));
        let mut outbox = self.outbox();
        if !self.shared && outbox.has_room() {
            // Due only once the caller has committed: `settle` makes it due now.
            outbox.hold(seq, &p);
            outbox.due.insert((u64::MAX, seq), p);
        }
        write
    }

    /// Makes staged deliveries due (their writes committed) or forgets them (failed); a
    /// committed one the window had no room for waits in the store.
    fn settle(&self, writes: &[ItemWrite], committed: bool) {
        let mut outbox = self.outbox();
        for w in writes.iter().filter(|w| w.table == OUTBOX) {
            let Ok(seq) = w.sk.as_slice().try_into().map(u64::from_be_bytes) else { continue };
            match outbox.due.remove(&(u64::MAX, seq)) {
                Some(p) if committed => {
                    outbox.due.insert((0, seq), p);
                }
                Some(_) => outbox.release(seq),
                None if committed => outbox.behind = true,
                None => {}
            }
        }
    }

    /// Reads deliveries the window does not hold from the store, while it has room.
    async fn read_in(&self) -> Result<()> {
        {
            let mut outbox = self.outbox();
            if !outbox.behind || !outbox.has_room() {
                return Ok(());
            }
            // Cleared first: a commit landing during the read sets it again.
            outbox.behind = false;
            outbox.finished_during_read = Some(HashSet::new());
        }
        let read = self.read_pages().await;
        self.outbox().finished_during_read = None;
        read
    }

    async fn read_pages(&self) -> Result<()> {
        let mut after = None;
        loop {
            let rows = self.store.scan(OUTBOX, after.clone(), READ_PAGE).await?;
            let ended = rows.len() < READ_PAGE;
            after = rows.last().map(|r| (r.pk.clone(), r.sk.clone()));
            let mut outbox = self.outbox();
            for row in rows {
                let Ok(seq) = row.sk.as_slice().try_into().map(u64::from_be_bytes) else { continue };
                let finished = outbox.finished_during_read.as_ref().is_some_and(|f| f.contains(&seq));
                if finished || outbox.held.contains_key(&seq) {
                    continue;
                }
                if !outbox.has_room() {
                    outbox.behind = true;
                    return Ok(());
                }
                match serde_json::from_slice::<Pending>(&row.item) {
                    Ok(p) => {
                        outbox.hold(seq, &p);
                        outbox.due.insert((0, seq), p);
                    }
                    Err(e) => tracing::warn!(seq, "skipping an unreadable HTTP delivery: {e}"),
                }
            }
            if ended {
                return Ok(());
            }
        }
    }

    /// Commits `writes` (some of them staged outbox entries) and releases the staged ones.
    pub(crate) async fn commit(&self, writes: Vec<ItemWrite>) -> Result<()> {
        let r = self.store.write(writes.clone()).await;
        self.settle(&writes, r.is_ok());
        if r.is_ok() {
            self.wake();
        }
        Ok(r?)
    }

    /// Delivers `n` to `targets`; `Ok` once every delivery is durable.
    pub(crate) async fn fan_out(
        &self,
        topics: &Topics,
        n: &Notification,
        targets: &[&Subscription],
        trace: &TraceContext,
    ) -> Result<()> {
        let mut http = Vec::new();
        let mut direct = Vec::new();
        for s in targets {
            match s.def.protocol.as_str() {
                "http" => http.push(self.stage(Pending {
                    kind: "Notification".into(),
                    subscription_arn: s.arn.clone(),
                    topic_arn: n.topic_arn.clone(),
                    message_id: n.id.clone(),
                    endpoint: s.def.endpoint.clone(),
                    body: if s.raw {
                        n.message_for("http").to_string()
                    } else {
                        n.envelope("http", &topics.unsubscribe_url(&s.arn))
                    },
                    raw: s.raw,
                    attempts: 0,
                    dead_letter_queue: dead_letter_queue(s),
                })),
                _ => direct.push(self.deliver_now(topics, n, s, trace)),
            }
        }
        let (sent, staged) = tokio::join!(futures::future::join_all(direct), async {
            if http.is_empty() { Ok(()) } else { self.commit(http).await }
        });
        staged?;
        sent.into_iter().collect()
    }

    /// Delivers to a queue or a function; a target that is gone or refuses the message is
    /// dead-lettered (or dropped), which is not the publisher's error.
    async fn deliver_now(
        &self,
        topics: &Topics,
        n: &Notification,
        s: &Subscription,
        trace: &TraceContext,
    ) -> Result<()> {
        let unsubscribe = topics.unsubscribe_url(&s.arn);
        let delivery = |action| squall_iam::delivery::Delivery {
            service: "sns.amazonaws.com",
            action,
            resource: &s.def.endpoint,
            source_arn: &n.topic_arn,
            source_account: squall_types::ACCOUNT_ID,
        };
        let failure = match s.def.protocol.as_str() {
            "sqs" if !delivery("sqs:SendMessage").allowed_by(self.queue_policy(&s.def.endpoint).as_deref()) => {
                delivery("sqs:SendMessage").refusal()
            }
            "sqs" => {
                let queue = queue_of_arn(&s.def.endpoint).unwrap_or_default();
                // A FIFO queue gets the group and deduplication id (so a delivery repeated
                // after a crash is dropped there); a standard queue ignores both.
                let (group_id, dedup_id) =
                    if queue.ends_with(".fifo") { (n.group_id.clone(), n.dedup_id.clone()) } else { (None, None) };
                let m = if s.raw {
                    // SQS takes ten attributes; SNS drops the rest on raw deliveries.
                    let attributes = n.attributes.iter().take(10).map(|(k, v)| (k.clone(), v.clone())).collect();
                    NewMessage {
                        body: n.message_for("sqs").to_string(),
                        attributes,
                        group_id,
                        dedup_id,
                        system_attributes: trace_attribute(n),
                        ..Default::default()
                    }
                } else {
                    NewMessage {
                        body: n.envelope("sqs", &unsubscribe),
                        group_id,
                        dedup_id,
                        system_attributes: trace_attribute(n),
                        ..Default::default()
                    }
                };
                match self.queues.send(queue, m).await {
                    Ok(_) => return Ok(()),
                    Err(squall_queues::Error::Storage(e)) => return Err(Error::Storage(e)),
                    Err(e) => format!("queue {queue}: {e}"),
                }
            }
            "lambda" => {
                let name = function_of_arn(&s.def.endpoint).unwrap_or_default();
                match self.functions.function(name) {
                    Some(f) if !delivery("lambda:InvokeFunction").allowed_by(f.config.policy_document().as_deref()) => {
                        delivery("lambda:InvokeFunction").refusal()
                    }
                    Some(f) => {
                        let event = n.lambda_event(&s.arn, &unsubscribe).to_string();
                        let id = Topics::delivery_request_id();
                        return self
                            .functions
                            .enqueue_async(&f, Bytes::from(event), &id, trace, &lineage(n))
                            .await
                            .map_err(|e| Error::Delivery(format!("function {name}: {e}")));
                    }
                    None => format!("function {name} does not exist"),
                }
            }
            other => format!("protocol {other} has no direct delivery"),
        };
        let body = n.envelope(&s.def.protocol, &unsubscribe);
        self.dead_letter(&s.arn, dead_letter_queue(s).as_deref(), &body, &failure).await
    }

    /// The policy of the queue `arn` names, if it has one.
    fn queue_policy(&self, arn: &str) -> Option<String> {
        self.queues.policy(queue_of_arn(arn)?)
    }

    /// Sends a delivery that failed to the dead-letter queue, or drops it with a warning.
    async fn dead_letter(&self, subscription: &str, queue: Option<&str>, body: &str, why: &str) -> Result<()> {
        let Some(queue) = queue else {
            tracing::warn!(subscription, "dropping a delivery: {why}");
            return Ok(());
        };
        match self.queues.send(queue, NewMessage { body: body.to_string(), ..Default::default() }).await {
            Ok(_) => Ok(()),
            Err(squall_queues::Error::Storage(e)) => Err(Error::Storage(e)),
            Err(e) => {
                tracing::warn!(
                    subscription,
                    queue,
                    "dropping a delivery ({why}): the dead-letter queue refused it: {e}"
                );
                Ok(())
            }
        }
    }
}

impl Topics {
    /// Sends the outbox's HTTP deliveries from now on, in the background.
    pub fn start_deliveries(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.outbox_worker().await })
    }

    async fn outbox_worker(self: Arc<Self>) {
        let leader = self.cluster.leader("topics.outbox");
        // When this server last read in what the others wrote (real time, as their writes).
        let mut looked: Option<std::time::Instant> = None;
        loop {
            if self.deliver.shared {
                if !leader.is_leader().await {
                    // Another server delivers; what this one held (it led before) is its now.
                    *self.deliver.outbox() = Outbox { behind: true, ..Outbox::default() };
                    looked = None;
                    tokio::time::sleep(SHARED_LOOK_EVERY).await;
                    continue;
                }
                // Others' deliveries wake nobody here: read the outbox in again once a
                // look's time has passed, not at every wake (a delivery finishing is one).
                if looked.is_none_or(|t| t.elapsed() >= SHARED_LOOK_EVERY) {
                    self.deliver.outbox().behind = true;
                    looked = Some(std::time::Instant::now());
                }
            }
            if let Err(e) = self.deliver.read_in().await {
                tracing::warn!("reading the HTTP outbox: {e}");
                self.deliver.outbox().behind = true;
            }
            let now = self.clock.now_ms();
            let (ready, next_due) = {
                let mut outbox = self.deliver.outbox();
                let room = HTTP_CONCURRENCY.saturating_sub(outbox.in_flight);
                let keys: Vec<(u64, u64)> =
                    outbox.due.keys().take_while(|(due, _)| *due <= now).take(room).copied().collect();
                let ready: Vec<(u64, Pending)> =
                    keys.iter().filter_map(|k| outbox.due.remove(k).map(|p| (k.1, p))).collect();
                outbox.in_flight += ready.len();
                let next = outbox.due.keys().map(|(due, _)| *due).find(|d| *d != u64::MAX);
                (ready, next)
            };
            for (seq, p) in ready {
                let me = self.clone();
                tokio::spawn(async move {
                    let finished = me.send_pending(seq, p).await;
                    let mut outbox = me.deliver.outbox();
                    // Saturating: a window emptied when another server took over the
                    // outbox counts nothing in flight.
                    outbox.in_flight = outbox.in_flight.saturating_sub(1);
                    if finished {
                        outbox.release(seq);
                    }
                    drop(outbox);
                    me.deliver.wake();
                });
            }
            // Until something is added or finishes, or the next retry is due on the clock (an
            // advanced clock wakes this at once); a minute at most.
            let now = self.clock.now_ms();
            let until = next_due.map_or(now + 60_000, |d| d.clamp(now + 1, now + 60_000));
            let look_again = async {
                match self.deliver.shared {
                    true => tokio::time::sleep(SHARED_LOOK_EVERY).await,
                    false => std::future::pending().await,
                }
            };
            tokio::select! {
                () = self.deliver.wake.notified() => {}
                () = self.clock.sleep_until_ms(until) => {}
                () = look_again => {}
            }
        }
    }

    /// One attempt at an HTTP delivery, then its bookkeeping; whether it is finished (sent,
    /// or given up on), rather than due again.
    async fn send_pending(&self, seq: u64, mut p: Pending) -> bool {
        let d = &self.deliver;
        let gone = p.kind == "Notification" && !self.has_subscription(&p.subscription_arn);
        let outcome = if gone { Ok(()) } else { post(&d.client, &p).await };
        let write = match outcome {
            Ok(()) => outbox_write(seq, None),
            Err(why) if p.attempts >= HTTP_RETRIES => {
                let why = format!("{} {} failed {} times: {why}", p.kind, p.message_id, p.attempts + 1);
                if let Err(e) = d.dead_letter(&p.subscription_arn, p.dead_letter_queue.as_deref(), &p.body, &why).await
                {
                    tracing::warn!("dead-lettering an HTTP delivery: {e}; retrying later");
                    d.requeue(seq, p, self.retry_due());
                    return false;
                }
                outbox_write(seq, None)
            }
            Err(why) => {
                p.attempts += 1;
                tracing::info!(endpoint = p.endpoint, attempt = p.attempts, "HTTP delivery failed: {why}");
                let w = outbox_write(seq, Some(&p));
                if let Err(e) = d.store.write(vec![w]).await {
                    tracing::warn!("recording an HTTP delivery's attempt: {e}");
                }
                d.requeue(seq, p, self.retry_due());
                return false;
            }
        };
        if let Err(e) = d.store.write(vec![write]).await {
            // Sent but not forgotten: the row stays, so it is read in and sent again (at least once).
            tracing::warn!("completing an HTTP delivery: {e}");
        }
        true
    }
}

impl Topics {
    /// When a failed HTTP delivery is tried again.
    fn retry_due(&self) -> u64 {
        self.clock.now_ms() + HTTP_RETRY_DELAY.as_millis() as u64
    }
}

impl Deliverer {
    fn requeue(&self, seq: u64, p: Pending, due_ms: u64) {
        self.outbox().due.insert((due_ms, seq), p);
    }
}

/// POSTs one delivery; `Err` says why it did not end in a 2xx.
async fn post(client: &Client<HttpConnector, Full<Bytes>>, p: &Pending) -> Result<(), String> {
    let mut req = http::Request::post(&p.endpoint)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=UTF-8")
        .header(http::header::USER_AGENT, "Amazon Simple Notification Service Agent")
        .header("x-amz-sns-message-type", &p.kind)
        .header("x-amz-sns-message-id", &p.message_id)
        .header("x-amz-sns-topic-arn", &p.topic_arn);
    if p.kind == "Notification" {
        req = req.header("x-amz-sns-subscription-arn", &p.subscription_arn);
    }
    if p.raw {
        req = req.header("x-amz-sns-rawdelivery", "true");
    }
    let req = req.body(Full::new(Bytes::from(p.body.clone()))).map_err(|e| format!("bad request: {e}"))?;
    match tokio::time::timeout(HTTP_TIMEOUT, client.request(req)).await {
        Err(_) => Err(format!("no answer within {HTTP_TIMEOUT:?}")),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(r)) if r.status().is_success() => Ok(()),
        Ok(Ok(r)) => Err(format!("answered {}", r.status())),
    }
}

/// The publisher's X-Ray trace header as a queue delivery's `AWSTraceHeader`, as SNS passes
/// it on (it carries the chain of requests recursive loop detection counts).
fn trace_attribute(n: &Notification) -> squall_queues::message::Attributes {
    n.trace_header.iter().map(|h| squall_queues::message::trace_header_attribute(h)).collect()
}

/// The chain of requests a publish belongs to.
fn lineage(n: &Notification) -> squall_types::Lineage {
    n.trace_header.as_deref().map(squall_types::Lineage::from_trace_header).unwrap_or_default()
}
