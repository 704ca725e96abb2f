//! Object events: a bucket's notification targets (functions, queues, topics by ARN) get
//! S3's event record when an object is created or removed; a bucket with
//! `EventBridgeConfiguration` also sends EventBridge's `Object Created` and `Object
//! Deleted` events to the default bus.
//!
//! Events are durable with the change that caused them: their rows go to the outbox
//! (pseudo-table `~events`) in the same store write as the object's record, and a worker
//! hands them to the [`EventSink`] (which enqueues an asynchronous invocation, sends a
//! message, or publishes) and deletes each row once delivered. At least once.

use crate::record::ObjectRecord;
use crate::service::{BucketRecord, Objects};
use crate::{Error, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where events go.
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Delivers `body` from bucket `source` (its ARN) to `arn` (a function, queue or
    /// topic; or the default event bus, [`EVENT_BUS`], `body` then being an
    /// [`EventBridgeEvent`]); `Err` says why not.
    async fn deliver(&self, arn: &str, source: &str, body: String) -> std::result::Result<(), String>;
}

/// One notification target of a bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationTarget {
    /// The configuration's `Id` (`configurationId` in the record).
    pub id: String,
    /// The function, queue or topic ARN.
    pub arn: String,
    /// Event patterns: `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ….
    pub events: Vec<String>,
    /// Only keys starting with this.
    #[serde(default)]
    pub prefix: String,
    /// Only keys ending with this.
    #[serde(default)]
    pub suffix: String,
}

/// The target a bucket's EventBridge events are addressed to in the outbox.
pub const EVENT_BUS: &str = "default-event-bus";

/// An event for EventBridge's default bus, as the outbox keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBridgeEvent {
    /// `detail-type`: `Object Created`, `Object Deleted`.
    pub detail_type: String,
    /// `detail`, S3's shape.
    pub detail: serde_json::Value,
    /// When it happened (epoch milliseconds, the platform clock).
    pub time_ms: u64,
}

impl EventBridgeEvent {
    /// The event an outbox body to [`EVENT_BUS`] holds.
    pub fn from_body(body: &str) -> std::result::Result<EventBridgeEvent, String> {
        serde_json::from_str(body).map_err(|e| format!("an unreadable event for the event bus: {e}"))
    }
}

/// EventBridge's `detail-type`, `reason` and, for deletions, `deletion-type` of S3 event
/// `name`.
fn eventbridge_kind(name: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match name {
        "ObjectCreated:Copy" => ("Object Created", "CopyObject", None),
        "ObjectCreated:CompleteMultipartUpload" => ("Object Created", "CompleteMultipartUpload", None),
        "ObjectRemoved:Delete" => ("Object Deleted", "DeleteObject", Some("Permanently Deleted")),
        "ObjectRemoved:DeleteMarkerCreated" => ("Object Deleted", "DeleteObject", Some("Delete Marker Created")),
        "LifecycleExpiration:Delete" => ("Object Deleted", "Lifecycle Expiration", Some("Permanently Deleted")),
        "LifecycleExpiration:DeleteMarkerCreated" => {
            ("Object Deleted", "Lifecycle Expiration", Some("Delete Marker Created"))
        }
        "LifecycleTransition" => ("Object Storage Class Changed", "Lifecycle Transition", None),
        "ObjectRestore:Post" => ("Object Restore Initiated", "RestoreObject", None),
        "ObjectRestore:Completed" => ("Object Restore Completed", "RestoreObject", None),
        _ => ("Object Created", "PutObject", None),
    }
}

/// The event names S3 sends that Squall produces.
pub const EVENTS: [&str; 10] = [
    "ObjectCreated:Put",
    "ObjectCreated:Copy",
    "ObjectCreated:CompleteMultipartUpload",
    "ObjectRemoved:Delete",
    "ObjectRemoved:DeleteMarkerCreated",
    "LifecycleExpiration:Delete",
    "LifecycleExpiration:DeleteMarkerCreated",
    "LifecycleTransition",
    "ObjectRestore:Post",
    "ObjectRestore:Completed",
];

/// Whether pattern `pattern` (`s3:ObjectCreated:*`) covers event `name` (`ObjectCreated:Put`).
fn covers(pattern: &str, name: &str) -> bool {
    let Some(p) = pattern.strip_prefix("s3:") else { return false };
    match p.strip_suffix('*') {
        Some(family) => name.starts_with(family),
        None => p == name,
    }
}

/// Checks targets: known events, ARNs of functions, queues or topics.
pub fn check_targets(targets: &[NotificationTarget]) -> Result<()> {
    for t in targets {
        if !matches!(squall_types::arn_service(&t.arn), Some("lambda" | "sqs" | "sns")) {
            return Err(Error::InvalidArgument(format!(
                "Unable to validate the destination: {} is not a function, queue or topic ARN",
                t.arn
            )));
        }
        if t.events.is_empty() {
            return Err(Error::InvalidArgument("A notification configuration needs at least one event".into()));
        }
        for e in &t.events {
            let known =
                ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:LifecycleExpiration:*", "s3:ObjectRestore:*", "s3:*"]
                    .contains(&e.as_str())
                    || EVENTS.iter().any(|n| e.strip_prefix("s3:") == Some(n));
            if !known {
                return Err(Error::InvalidArgument(format!("The event is not supported for notifications: {e}")));
            }
        }
    }
    Ok(())
}

/// Who made a change, as the event record reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    /// The request's id.
    pub request_id: String,
    /// The caller's address.
    pub source_ip: String,
    /// The caller's principal (its access key id).
    pub principal: String,
    /// Whether it is the lifecycle worker, whose expirations S3 names
    /// `LifecycleExpiration:*` rather than `ObjectRemoved:*`.
    pub lifecycle: bool,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    arn: String,
    /// The bucket's ARN (absent from rows written before it was kept).
    #[serde(default)]
    source: String,
    body: String,
}

const OUTBOX: &str = "~events";
/// A delivery that keeps failing is dropped (with a warning) after this many attempts,
/// about ten minutes of retrying with the worker's doubling pauses.
const MAX_ATTEMPTS: u32 = 12;

/// Whether `writes` hold outbox rows (so the worker should wake once they are durable).
pub(crate) fn holds_events(writes: &[ItemWrite]) -> bool {
    writes.iter().any(|w| w.table == OUTBOX)
}

/// S3's key encoding in event records: form encoding, `/` kept.
fn encode_key(key: &str) -> String {
    squall_types::form_encode(key).replace("%2F", "/")
}

/// Assigns outbox sequence numbers: past every row already there, growing with time (the
/// wall's, not the platform clock's: a dev clock moved forward before a restart would be
/// behind after it, and numbers must keep growing).
/// How often, among servers sharing a store, the delivering one looks for others' events
/// and the others whether it still delivers (real time).
const SHARED_LOOK_EVERY: Duration = Duration::from_secs(1);

pub(crate) struct Sequencer(AtomicU64);

impl Sequencer {
    pub(crate) fn new(after: u64) -> Sequencer {
        Sequencer(AtomicU64::new(after.max(squall_clock::wall_ms() * 1000)))
    }

    /// Numbers after `after` exactly (a range of this server's own on a shared store).
    pub(crate) fn after(after: u64) -> Sequencer {
        Sequencer(AtomicU64::new(after))
    }

    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// The version id an event names: a version's in a bucket with versioning (`null` for
/// the null version), none otherwise.
fn versioned_id(bucket: &BucketRecord, record: Option<&ObjectRecord>) -> Option<String> {
    let record = record?;
    (bucket.versioning.is_some() || record.version_id.is_some())
        .then(|| crate::versions::version_label(record).to_string())
}

impl Objects {
    /// The outbox rows announcing `name` (`ObjectCreated:Put`, …) of `key` to every
    /// target of `bucket` that wants it; written with the change.
    pub(crate) fn event_writes(
        &self,
        bucket: &BucketRecord,
        name: &str,
        key: &str,
        record: Option<&ObjectRecord>,
        by: &Requester,
    ) -> Vec<ItemWrite> {
        let name = match (by.lifecycle, name) {
            (true, "ObjectRemoved:Delete") => "LifecycleExpiration:Delete",
            (true, "ObjectRemoved:DeleteMarkerCreated") => "LifecycleExpiration:DeleteMarkerCreated",
            (_, name) => name,
        };
        let mut writes = Vec::new();
        for t in &bucket.notifications {
            if !t.events.iter().any(|p| covers(p, name)) || !key.starts_with(&t.prefix) || !key.ends_with(&t.suffix) {
                continue;
            }
            let seq = self.sequencer.next();
            let mut object = serde_json::json!({ "key": encode_key(key), "sequencer": format!("{seq:016X}") });
            if let Some(r) = record.filter(|_| name.starts_with("ObjectCreated")) {
                object["size"] = r.size.into();
                object["eTag"] = r.etag.clone().into();
            }
            if let Some(v) = versioned_id(bucket, record) {
                object["versionId"] = v.into();
            }
            let principal = serde_json::json!({ "principalId": by.principal });
            let event = serde_json::json!({ "Records": [{
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": bucket.region,
                "eventTime": squall_types::format_iso8601_millis_z(self.clock.now_ms()),
                "eventName": name,
                "userIdentity": principal,
                "requestParameters": { "sourceIPAddress": by.source_ip },
                "responseElements": { "x-amz-request-id": by.request_id, "x-amz-id-2": by.request_id },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": t.id,
                    "bucket": { "name": bucket.name, "ownerIdentity": principal, "arn": format!("arn:aws:s3:::{}", bucket.name) },
                    "object": object,
                },
            }]});
            let source = format!("arn:aws:s3:::{}", bucket.name);
            let pending = Pending { arn: t.arn.clone(), source, body: event.to_string() };
            writes.push(ItemWrite {
                table: OUTBOX.into(),
                pk: Vec::new(),
                sk: seq.to_be_bytes().to_vec(),
                item: Some(serde_json::to_vec(&pending).expect("records serialize")),
            });
        }
        if bucket.eventbridge {
            let seq = self.sequencer.next();
            let (detail_type, reason, deletion) = eventbridge_kind(name);
            let mut object = serde_json::json!({ "key": key, "sequencer": format!("{seq:016X}") });
            if let Some(r) = record.filter(|_| name.starts_with("ObjectCreated")) {
                object["size"] = r.size.into();
                object["etag"] = r.etag.trim_matches('"').into();
            }
            if let Some(v) = versioned_id(bucket, record) {
                object["version-id"] = v.into();
            }
            let mut detail = serde_json::json!({
                "version": "0",
                "bucket": { "name": bucket.name },
                "object": object,
                "request-id": by.request_id,
                "requester": squall_types::ACCOUNT_ID,
                "source-ip-address": by.source_ip,
                "reason": reason,
            });
            if let Some(d) = deletion {
                detail["deletion-type"] = d.into();
            }
            if let Some(r) = record.filter(|_| name == "LifecycleTransition") {
                detail["destination-storage-class"] = r.storage_class.as_str().into();
            }
            let event = EventBridgeEvent { detail_type: detail_type.into(), detail, time_ms: self.clock.now_ms() };
            let pending = Pending {
                arn: EVENT_BUS.into(),
                source: format!("arn:aws:s3:::{}", bucket.name),
                body: serde_json::to_string(&event).expect("events serialize"),
            };
            writes.push(ItemWrite {
                table: OUTBOX.into(),
                pk: Vec::new(),
                sk: seq.to_be_bytes().to_vec(),
                item: Some(serde_json::to_vec(&pending).expect("records serialize")),
            });
        }
        writes
    }

    /// Replaces a bucket's notification targets, and whether its events also go to the
    /// default event bus.
    pub async fn set_notifications(
        &self,
        bucket: &str,
        targets: Vec<NotificationTarget>,
        eventbridge: bool,
    ) -> Result<()> {
        check_targets(&targets)?;
        self.update_bucket(bucket, |b| {
            b.notifications = targets;
            b.eventbridge = eventbridge;
        })
        .await
    }

    /// Where the event worker delivers, from its start (set once; later calls are ignored).
    pub fn set_event_sink(&self, sink: Arc<dyn EventSink>) {
        let _ = self.event_sink.set(sink);
    }

    /// Starts the worker that delivers the outbox's events to `sink`.
    pub fn start_events(self: &Arc<Self>, sink: Arc<dyn EventSink>) -> tokio::task::JoinHandle<()> {
        let objects = self.clone();
        let leader = self.cluster.leader("objects.events");
        tokio::spawn(async move {
            let mut attempts: std::collections::HashMap<Vec<u8>, u32> = Default::default();
            let mut backoff = Duration::from_secs(1);
            loop {
                if objects.shared && !leader.is_leader().await {
                    // Another server delivers the events of every server.
                    tokio::time::sleep(SHARED_LOOK_EVERY).await;
                    continue;
                }
                let rows = match objects.store.scan(OUTBOX, None, 100).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading pending object events failed");
                        Vec::new()
                    }
                };
                let mut failed = false;
                for row in &rows {
                    let delivered = match serde_json::from_slice::<Pending>(&row.item) {
                        Ok(p) => match sink.deliver(&p.arn, &p.source, p.body).await {
                            Ok(()) => true,
                            Err(e) => {
                                let n = attempts.entry(row.sk.clone()).or_default();
                                *n += 1;
                                tracing::warn!(target_arn = %p.arn, error = %e, attempt = *n, "an object event was not delivered");
                                *n >= MAX_ATTEMPTS
                            }
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "dropping an unreadable object event");
                            true
                        }
                    };
                    if delivered {
                        attempts.remove(&row.sk);
                        let done = ItemWrite { table: OUTBOX.into(), pk: Vec::new(), sk: row.sk.clone(), item: None };
                        if let Err(e) = objects.store.write(vec![done]).await {
                            tracing::warn!(error = %e, "could not clear a delivered object event");
                        }
                    } else {
                        failed = true;
                    }
                }
                if failed {
                    // A failing target gets doubling pauses of the clock's time (new events
                    // do not cut them short), so an outage of a few minutes loses nothing.
                    objects.clock.sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                } else {
                    backoff = Duration::from_secs(1);
                    if rows.is_empty() {
                        let look_again = async {
                            match objects.shared {
                                // Others' events wake nobody here.
                                true => tokio::time::sleep(SHARED_LOOK_EVERY).await,
                                false => std::future::pending().await,
                            }
                        };
                        tokio::select! {
                            () = objects.events_pending.notified() => {}
                            () = objects.clock.sleep(Duration::from_secs(5)) => {}
                            () = look_again => {}
                        }
                    }
                }
            }
        })
    }

    /// The last outbox sequence number in `store`, for seeding the sequencer.
    pub(crate) async fn last_event(store: &dyn squall_storage::TableStore) -> Result<u64> {
        let rows = squall_storage::scan_all(store, OUTBOX).await?;
        Ok(rows.last().and_then(|r| r.sk.as_slice().try_into().ok()).map(u64::from_be_bytes).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_keys() {
        assert!(covers("s3:ObjectCreated:*", "ObjectCreated:Put"));
        assert!(covers("s3:*", "ObjectRemoved:Delete"));
        assert!(!covers("s3:ObjectCreated:Put", "ObjectCreated:Copy"));
        assert!(!covers("ObjectCreated:*", "ObjectCreated:Put"));
        assert_eq!(encode_key("photos/red flower+1.jpg"), "photos/red+flower%2B1.jpg");
        let t =
            |arn: &str, e: &str| NotificationTarget { arn: arn.into(), events: vec![e.into()], ..Default::default() };
        check_targets(&[t("arn:aws:lambda:us-east-1:000000000000:function:f", "s3:ObjectCreated:*")]).unwrap();
        assert!(check_targets(&[t("arn:aws:s3:::b", "s3:ObjectCreated:*")]).is_err());
        assert!(check_targets(&[t("arn:aws:sqs:us-east-1:000000000000:q", "s3:Replication:*")]).is_err());
    }
}
