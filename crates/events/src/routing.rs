//! PutEvents: entries checked and made events, matched against the enabled rules of their
//! bus, and delivered to each matching rule's targets.

use crate::model::Rule;
use crate::service::{Delivery, State};
use crate::transform::{RuleRef, body};
use crate::{Error, EventBuses, Result};
use serde_json::{Map, Value, json};
use squall_types::ACCOUNT_ID;

/// Most entries in one PutEvents.
pub const MAX_ENTRIES: usize = 10;
/// Most bytes of entries in one PutEvents (EventBridge's 256 KB).
pub const MAX_BYTES: usize = 256 * 1024;
/// How many buses an event may pass through by bus targets.
const MAX_HOPS: u8 = 5;

/// One PutEvents entry.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// `Source`.
    pub source: Option<String>,
    /// `DetailType`.
    pub detail_type: Option<String>,
    /// `Detail`: a JSON object, as text.
    pub detail: Option<String>,
    /// `Resources`.
    pub resources: Vec<String>,
    /// `Time` (epoch milliseconds; `None`: now).
    pub time_ms: Option<u64>,
    /// `EventBusName` (a name or ARN; `None`: the default bus).
    pub bus: Option<String>,
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryResult {
    /// Accepted, as this event id.
    Accepted(String),
    /// Refused (`ErrorCode`, `ErrorMessage`).
    Failed(String, String),
}

impl Entry {
    /// EventBridge's size of an entry: 14 bytes of `Time` (when set) and the UTF-8 bytes of
    /// the rest.
    fn size(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        self.time_ms.map_or(0, |_| 14)
            + text(&self.source)
            + text(&self.detail_type)
            + text(&self.detail)
            + self.resources.iter().map(String::len).sum::<usize>()
    }
}

fn invalid(field: &str) -> EntryResult {
    EntryResult::Failed(
        "InvalidArgument".into(),
        format!("Parameter {field} is not valid. Reason: {field} is a required argument."),
    )
}

/// An event's `time`: seconds, UTC.
pub(crate) fn event_time(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An event as EventBridge delivers it, its fields in EventBridge's order.
pub(crate) fn envelope(
    id: &str,
    detail_type: &str,
    source: &str,
    time_ms: u64,
    region: &str,
    resources: &[String],
    detail: Value,
) -> Value {
    let mut m = Map::new();
    m.insert("version".into(), json!("0"));
    m.insert("id".into(), json!(id));
    m.insert("detail-type".into(), json!(detail_type));
    m.insert("source".into(), json!(source));
    m.insert("account".into(), json!(ACCOUNT_ID));
    m.insert("time".into(), json!(event_time(time_ms)));
    m.insert("region".into(), json!(region));
    m.insert("resources".into(), json!(resources));
    m.insert("detail".into(), detail);
    Value::Object(m)
}

impl EventBuses {
    /// PutEvents: each entry is refused on its own or accepted, and an accepted one has
    /// reached every matching rule's targets when this returns.
    pub async fn put_events(&self, entries: Vec<Entry>) -> Result<Vec<EntryResult>> {
        if entries.is_empty() {
            return Err(Error::Validation(
                "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
            ));
        }
        if entries.len() > MAX_ENTRIES {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to {MAX_ENTRIES}"
            )));
        }
        if entries.iter().map(Entry::size).sum::<usize>() > MAX_BYTES {
            return Err(Error::Validation("Total size of the entries in the request is over the limit.".into()));
        }
        let state = self.snapshot();
        let mut results = Vec::with_capacity(entries.len());
        for entry in entries {
            results.push(self.put_one(&state, entry).await);
        }
        Ok(results)
    }

    async fn put_one(&self, state: &State, e: Entry) -> EntryResult {
        let Some(source) = e.source.filter(|s| !s.is_empty()) else { return invalid("Source") };
        let Some(detail_type) = e.detail_type.filter(|s| !s.is_empty()) else { return invalid("DetailType") };
        let Some(detail) = e.detail.filter(|s| !s.is_empty()) else { return invalid("Detail") };
        if source.starts_with("aws.") {
            // Only AWS's services send `aws.` events (a scheduled event among them).
            return EntryResult::Failed(
                "NotAuthorizedForSourceException".into(),
                "Not authorized for the source.".into(),
            );
        }
        let detail: Value = match serde_json::from_str(&detail) {
            Ok(v @ Value::Object(_)) => v,
            _ => return EntryResult::Failed("MalformedDetail".into(), "Detail is malformed.".into()),
        };
        let bus = match crate::names::bus_of(e.bus.as_deref()) {
            Ok(b) if state.buses.contains_key(&b) => b,
            Ok(b) => {
                return EntryResult::Failed(
                    "ResourceNotFoundException".into(),
                    format!("Event bus {b} does not exist."),
                );
            }
            Err(err) => return EntryResult::Failed("InvalidArgument".into(), err.to_string()),
        };
        let id = uuid::Uuid::new_v4().to_string();
        let time = e.time_ms.unwrap_or_else(|| self.clock.now_ms());
        let event = envelope(&id, &detail_type, &source, time, &self.region, &e.resources, detail);
        self.route(state, &bus, &event, 0).await;
        EntryResult::Accepted(id)
    }

    /// An event an AWS service sends (S3's `Object Created` with source `aws.s3`, Lambda's
    /// invocation records with source `lambda`) onto `bus` (a name or ARN), as PutEvents
    /// would but under a source callers may not use, at `time_ms` (when it happened; `None`:
    /// now); its id.
    pub async fn put_service_event(
        &self,
        bus: &str,
        source: &str,
        detail_type: &str,
        detail: Value,
        resources: Vec<String>,
        time_ms: Option<u64>,
    ) -> Result<String> {
        let state = self.snapshot();
        let bus = crate::names::bus_of(Some(bus))?;
        if !state.buses.contains_key(&bus) {
            return Err(Error::NotFound(format!("Event bus {bus} does not exist.")));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let time = time_ms.unwrap_or_else(|| self.clock.now_ms());
        let event = envelope(&id, detail_type, source, time, &self.region, &resources, detail);
        self.route(&state, &bus, &event, 0).await;
        Ok(id)
    }

    /// Keeps `event` in `bus`'s archives, then delivers it to the targets of `bus`'s
    /// matching rules.
    fn route<'a>(
        &'a self,
        state: &'a State,
        bus: &'a str,
        event: &'a Value,
        hops: u8,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(async move {
            self.archive_event(state, bus, event).await;
            self.route_to(state, bus, event, hops, None).await;
        })
    }

    /// Delivers `event` to the targets of `bus`'s matching rules (only those whose ARN
    /// `only` lists, when it is given: a replay's `FilterArns`).
    pub(crate) async fn route_to(&self, state: &State, bus: &str, event: &Value, hops: u8, only: Option<&[String]>) {
        let Some(index) = state.patterns.get(bus) else { return };
        let text = event.to_string();
        for name in index.matching(event) {
            if let Some(rule) = state.rule(bus, &name).filter(|r| only.is_none_or(|o| o.contains(&r.arn))) {
                self.deliver_to_targets(state, rule, event, &text, hops).await;
            }
        }
    }

    /// Hands `event` to each of `rule`'s targets; a bus target routes it again there.
    pub(crate) async fn deliver_to_targets(&self, state: &State, rule: &Rule, event: &Value, text: &str, hops: u8) {
        let Some(sink) = self.sink.get() else {
            tracing::warn!(rule = %rule.arn, "an event matched before deliveries were wired; dropped");
            return;
        };
        for target in &rule.targets {
            if let Some(bus) = target.arn.split_once(":event-bus/").map(|(_, b)| b) {
                if !state.buses.contains_key(bus) {
                    tracing::warn!(rule = %rule.arn, target = %target.arn, "an event was not delivered: its target bus does not exist");
                } else if hops + 1 >= MAX_HOPS {
                    tracing::warn!(rule = %rule.arn, target = %target.arn, "an event passed through {MAX_HOPS} buses; not sent on");
                } else {
                    self.route(state, bus, event, hops + 1).await;
                }
                continue;
            }
            let body = body(target, event, text, &RuleRef { arn: &rule.arn, name: &rule.name });
            let event_id = event["id"].as_str().unwrap_or_default();
            // An API destination is called from the outbox: PutEvents does not wait on it.
            if target.arn.contains(":api-destination/") {
                if let Err(e) = self.defer(rule, target, &body, event_id).await {
                    let refusal = crate::Refusal { code: "SDK_CLIENT_ERROR", message: e, retryable: false };
                    self.dead_letter(rule, target, body, &refusal, None, 0).await;
                }
                continue;
            }
            let delivery = Delivery { rule_arn: &rule.arn, event_id, target, body: body.clone(), api: None };
            let Err(refusal) = sink.deliver(delivery).await else { continue };
            let exhausted = if refusal.retryable {
                match self.retry_later(rule, target, &body, event_id, self.clock.now_ms()).await {
                    Ok(()) => continue,
                    Err(limit) => limit,
                }
            } else {
                None
            };
            self.dead_letter(rule, target, body, &refusal, exhausted, 0).await;
        }
    }
}
