//! Table streams: every change to an item of a table whose stream is enabled is appended,
//! in the same store write as the change, as a record of the stream. Readers page through
//! a stream by sequence number: the Streams API (DescribeStream, GetShardIterator,
//! GetRecords) and the triggers that deliver records to functions.
//!
//! Records live in the pseudo-table `<table>~stream` of the `TableStore` (`~` cannot be in
//! a table name): partition = the stream's label, sort key = the sequence number as 8
//! big-endian bytes, so a page of records is one ordered range read of committed rows.
//! Sequence numbers are assigned under the table's lock when a write is submitted, so their
//! order is the order of the changes. Records older than 24 hours are trimmed, as in
//! DynamoDB. A stream has one shard.

use crate::change::Change;
use crate::service::Tables;
use crate::value::{Item, item_from_json, item_size, item_to_json};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use squall_storage::ItemWrite;
use std::ops::Bound;
use std::sync::Arc;

/// How long records are kept.
pub const RETENTION_MS: u64 = 24 * 3600 * 1000;

/// Most records one read returns (GetRecords' limit).
pub const MAX_READ: usize = 1000;

/// Records read per page when trimming.
const TRIM_PAGE: usize = 1000;

/// Most pages trimmed per stream per sweep (every 2 s: 100k records a second).
const TRIM_PAGES: usize = 200;

/// What a stream record carries (`StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewType {
    /// Only the key attributes.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl ViewType {
    /// Parses DynamoDB's name for it.
    pub fn parse(s: &str) -> Result<ViewType> {
        Ok(match s {
            "KEYS_ONLY" => ViewType::KeysOnly,
            "NEW_IMAGE" => ViewType::NewImage,
            "OLD_IMAGE" => ViewType::OldImage,
            "NEW_AND_OLD_IMAGES" => ViewType::NewAndOldImages,
            other => {
                return Err(Error::Validation(format!(
                    "1 validation error detected: Value '{other}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"
                )));
            }
        })
    }

    /// DynamoDB's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewType::KeysOnly => "KEYS_ONLY",
            ViewType::NewImage => "NEW_IMAGE",
            ViewType::OldImage => "OLD_IMAGE",
            ViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    fn new_image(self) -> bool {
        matches!(self, ViewType::NewImage | ViewType::NewAndOldImages)
    }

    fn old_image(self) -> bool {
        matches!(self, ViewType::OldImage | ViewType::NewAndOldImages)
    }
}

/// One stream of a table, current or past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamDef {
    /// Its label: when it was enabled, `2026-11-23T11:07:59.123` (part of its ARN).
    pub label: String,
    /// What its records carry.
    pub view: ViewType,
    /// When it was enabled, ms since the epoch.
    pub created_ms: u64,
    /// When it was disabled; records stay readable for 24 hours after.
    pub disabled_ms: Option<u64>,
}

impl StreamDef {
    /// A stream enabled at `now_ms`.
    pub fn new(view: ViewType, now_ms: u64) -> StreamDef {
        let iso = squall_types::format_iso8601_millis(now_ms);
        let label = iso.trim_end_matches("+0000").to_string();
        StreamDef { label, view, created_ms: now_ms, disabled_ms: None }
    }

    /// Whether changes are still recorded.
    pub fn enabled(&self) -> bool {
        self.disabled_ms.is_none()
    }

    /// Its one shard's id, derived from its creation time.
    pub fn shard_id(&self) -> String {
        format!("shardId-{:020}-{:08x}", self.created_ms, self.created_ms as u32 ^ 0x5ee_da11)
    }
}

/// `INSERT`, `MODIFY` or `REMOVE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventName {
    /// A new item.
    Insert,
    /// An item changed.
    Modify,
    /// An item deleted.
    Remove,
}

impl EventName {
    /// DynamoDB's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Insert => "INSERT",
            EventName::Modify => "MODIFY",
            EventName::Remove => "REMOVE",
        }
    }
}

/// One change, as read back from a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// Its sequence number (increasing within the stream).
    pub seq: u64,
    /// What happened.
    pub event: EventName,
    /// When, ms since the epoch.
    pub at_ms: u64,
    /// The item's key.
    pub keys: Item,
    /// The item after, when the view carries it.
    pub new: Option<Item>,
    /// The item before, when the view carries it.
    pub old: Option<Item>,
    /// The view it was recorded with.
    pub view: ViewType,
    /// Whether time to live deleted the item.
    pub by_ttl: bool,
}

/// The stored form (items in DynamoDB JSON).
#[derive(Serialize, Deserialize)]
struct Stored {
    e: EventName,
    t: u64,
    k: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<Value>,
    v: ViewType,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ttl: bool,
}

/// DynamoDB's form of a sequence number: 21 digits.
pub fn format_seq(seq: u64) -> String {
    format!("{seq:021}")
}

/// Parses a sequence number.
pub fn parse_seq(s: &str) -> Option<u64> {
    (!s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl StreamRecord {
    /// The record as Lambda's DynamoDB event shows it: the Streams API's shape with
    /// `eventSourceARN` and a lower-camel-case `userIdentity`.
    pub fn to_event_json(&self, region: &str, table_id: &str, stream_arn: &str) -> Value {
        let mut out = self.to_json(region, table_id);
        out["eventSourceARN"] = stream_arn.into();
        if self.by_ttl {
            out["userIdentity"] = json!({ "type": "Service", "principalId": "dynamodb.amazonaws.com" });
        }
        out
    }

    /// The record as the Streams API's GetRecords shows it.
    pub fn to_json(&self, region: &str, table_id: &str) -> Value {
        let mut dynamodb = json!({
            "ApproximateCreationDateTime": self.at_ms / 1000,
            "Keys": item_to_json(&self.keys),
            "SequenceNumber": format_seq(self.seq),
            "SizeBytes": self.size(),
            "StreamViewType": self.view.as_str(),
        });
        if let Some(n) = &self.new {
            dynamodb["NewImage"] = item_to_json(n);
        }
        if let Some(o) = &self.old {
            dynamodb["OldImage"] = item_to_json(o);
        }
        let mut out = json!({
            "eventID": event_id(table_id, self.seq),
            "eventName": self.event.as_str(),
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": dynamodb,
        });
        if self.by_ttl {
            out["userIdentity"] = json!({ "Type": "Service", "PrincipalId": "dynamodb.amazonaws.com" });
        }
        out
    }

    /// `SizeBytes`: the key and images it carries.
    pub fn size(&self) -> usize {
        item_size(&self.keys) + self.new.as_ref().map_or(0, item_size) + self.old.as_ref().map_or(0, item_size)
    }
}

/// A stable 32-hex-digit id for a record (the same on every read).
fn event_id(table_id: &str, seq: u64) -> String {
    // FNV-1a of the table's id: records of a re-created table get other ids.
    let h = table_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{h:016x}{seq:016x}")
}

/// A stream's ARN: `arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>`.
pub fn stream_arn(region: &str, account: &str, table: &str, label: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}")
}

/// The table and label a stream ARN names.
pub fn parse_stream_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?.split_once(":dynamodb:")?.1;
    let (_region_account, path) = rest.split_once(":table/")?;
    let (table, label) = path.split_once("/stream/")?;
    (!table.is_empty() && !label.is_empty()).then_some((table, label))
}

/// The suffix of the pseudo-tables holding stream records.
pub(crate) const RECORDS_SUFFIX: &str = "~stream";

/// Where consumers' positions in a table's streams are stored.
pub(crate) fn checkpoints_store_name(table: &str) -> String {
    format!("{table}~consumers")
}

fn checkpoint_key(consumer: &str, label: &str) -> Vec<u8> {
    [consumer.as_bytes(), b"\0", label.as_bytes()].concat()
}

/// Where a table's stream records are stored.
pub(crate) fn records_store_name(table: &str) -> String {
    format!("{table}{RECORDS_SUFFIX}")
}

/// Where a reader starts (`ShardIteratorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The oldest record kept.
    TrimHorizon,
    /// After the newest record.
    Latest,
    /// At this sequence number.
    At(u64),
    /// After this sequence number.
    After(u64),
}

/// A table's stream as DescribeStream reports it.
#[derive(Debug, Clone)]
pub struct StreamStatus {
    /// The table's name.
    pub table: String,
    /// The table's definition (key schema, id).
    pub def: Arc<crate::schema::TableDef>,
    /// The stream.
    pub stream: StreamDef,
    /// The oldest record kept, if any.
    pub first_seq: Option<u64>,
    /// The newest record, if any.
    pub last_seq: Option<u64>,
}

impl Tables {
    /// Adds to `change` the index changes and the stream record of one item's change.
    /// Call with the table's lock held: stream sequence numbers are assigned here.
    pub(crate) async fn derived_writes(
        &self,
        change: &mut Change,
        def: &crate::schema::TableDef,
        old: Option<&Item>,
        new: Option<&Item>,
        by_ttl: bool,
    ) -> Result<()> {
        change.writes.extend(crate::index::changes(def, old, new)?);
        let Some(stream) = def.streams.last().filter(|s| s.enabled()) else { return Ok(()) };
        let event = match (old, new) {
            (None, Some(_)) => EventName::Insert,
            (Some(o), Some(n)) if o != n => EventName::Modify,
            (Some(_), None) => EventName::Remove,
            // No change, no record (DynamoDB's rule).
            _ => return Ok(()),
        };
        let keys = def.key.key_of(new.or(old).expect("a change has an item"));
        let stored = Stored {
            e: event,
            t: self.clock().now_ms(),
            k: item_to_json(&keys),
            n: new.filter(|_| stream.view.new_image()).map(item_to_json),
            o: old.filter(|_| stream.view.old_image()).map(item_to_json),
            v: stream.view,
            ttl: by_ttl,
        };
        let seq = self.next_seq(change, def).await?;
        change.push(ItemWrite {
            table: records_store_name(&def.name),
            pk: stream.label.as_bytes().to_vec(),
            sk: seq.to_be_bytes().to_vec(),
            item: Some(serde_json::to_vec(&stored).expect("a record serializes")),
        });
        Ok(())
    }

    /// The next sequence number of the table's stream. The first call per table starts
    /// after the newest record of any of its streams, and never below the clock in
    /// microseconds: trimming may have deleted every record, and numbers must still grow
    /// past those readers' checkpoints name (no server writes a million records a second).
    /// On a shared store the number comes from the table's stream head instead, read and
    /// written with the change (that floor applies to a table without a head).
    async fn next_seq(&self, change: &mut Change, def: &crate::schema::TableDef) -> Result<u64> {
        if self.shared {
            if let Some(seq) = self.next_shared_seq(change, &def.name).await? {
                return Ok(seq);
            }
        } else if let Some(s) = self.stream_seqs.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&def.name) {
            *s += 1;
            return Ok(*s);
        }
        // The wall, not the platform clock: a dev clock moved forward before a restart
        // would be behind after it, and numbers must keep growing.
        let mut newest = squall_clock::wall_ms() * 1000;
        for s in &def.streams {
            if let Some(last) = self.newest_record(&def.name, &s.label).await? {
                newest = newest.max(last);
            }
        }
        if self.shared {
            return Ok(change.start_seq(&def.name, newest));
        }
        let mut seqs = self.stream_seqs.lock().unwrap_or_else(|p| p.into_inner());
        let s = seqs.entry(def.name.clone()).or_insert(newest);
        *s += 1;
        Ok(*s)
    }

    async fn newest_record(&self, table: &str, label: &str) -> Result<Option<u64>> {
        let rows = self
            .store
            .query(&records_store_name(table), label.as_bytes(), (Bound::Unbounded, Bound::Unbounded), false, 1)
            .await?;
        Ok(rows.first().map(|r| seq_of(&r.sk)))
    }

    async fn oldest_record(&self, table: &str, label: &str) -> Result<Option<u64>> {
        let rows = self
            .store
            .query(&records_store_name(table), label.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, 1)
            .await?;
        Ok(rows.first().map(|r| seq_of(&r.sk)))
    }

    /// A receiver that changes whenever stream records have been committed, on any table.
    pub fn stream_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.stream_commits.subscribe()
    }

    /// Every stream (ListStreams), of one table or all, by table then age.
    pub fn list_streams(&self, table: Option<&str>) -> Result<Vec<(String, StreamDef)>> {
        if let Some(t) = table {
            let def = self.def(t)?;
            return Ok(def.streams.iter().map(|s| (t.to_string(), s.clone())).collect());
        }
        let defs = self.defs.read().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<(String, StreamDef)> =
            defs.values().flat_map(|d| d.streams.iter().map(|s| (d.name.clone(), s.clone()))).collect();
        out.sort_by(|a, b| (&a.0, a.1.created_ms).cmp(&(&b.0, b.1.created_ms)));
        Ok(out)
    }

    /// A stream by table and label (DescribeStream).
    pub async fn describe_stream(&self, table: &str, label: &str) -> Result<StreamStatus> {
        let def = self.def(table).map_err(|_| stream_not_found(table, label))?;
        let stream =
            def.streams.iter().find(|s| s.label == label).cloned().ok_or_else(|| stream_not_found(table, label))?;
        let first_seq = self.oldest_record(table, label).await?;
        let last_seq = self.newest_record(table, label).await?;
        Ok(StreamStatus { table: table.to_string(), def, stream, first_seq, last_seq })
    }

    /// The sequence number a reader starting at `start` reads after.
    pub async fn stream_position(&self, table: &str, label: &str, start: Start) -> Result<u64> {
        let s = self.describe_stream(table, label).await?;
        Ok(match start {
            Start::TrimHorizon => s.first_seq.map_or(0, |f| f - 1),
            Start::Latest => s.last_seq.unwrap_or(0),
            Start::At(seq) => seq.saturating_sub(1),
            Start::After(seq) => seq,
        })
    }

    /// Up to `limit` records of a stream after sequence number `after`, in order.
    pub async fn read_stream(&self, table: &str, label: &str, after: u64, limit: usize) -> Result<Vec<StreamRecord>> {
        let def = self.def(table).map_err(|_| stream_not_found(table, label))?;
        if !def.streams.iter().any(|s| s.label == label) {
            return Err(stream_not_found(table, label));
        }
        let rows = self
            .store
            .query(
                &records_store_name(table),
                label.as_bytes(),
                (Bound::Excluded(after.to_be_bytes().to_vec()), Bound::Unbounded),
                true,
                limit.clamp(1, MAX_READ),
            )
            .await?;
        rows.iter().map(|r| decode_record(table, seq_of(&r.sk), &r.item)).collect()
    }

    /// The table's id (part of its records' event ids), if it exists.
    pub fn table_id(&self, table: &str) -> Option<String> {
        Some(self.def(table).ok()?.id.clone())
    }

    /// The label of the table's enabled stream, if it has one.
    pub fn current_stream(&self, table: &str) -> Option<String> {
        self.def(table).ok()?.stream().map(|s| s.label.clone())
    }

    /// Where `consumer` stopped reading a stream: the last sequence number it is done with.
    pub async fn stream_checkpoint(&self, consumer: &str, table: &str, label: &str) -> Result<Option<u64>> {
        Ok(self.stream_checkpoint_with(consumer, table, label).await?.map(|(seq, _)| seq))
    }

    /// [`Tables::stream_checkpoint`] and what the consumer saved with it (a tumbling
    /// window's state), if anything.
    pub async fn stream_checkpoint_with(
        &self,
        consumer: &str,
        table: &str,
        label: &str,
    ) -> Result<Option<(u64, Option<Vec<u8>>)>> {
        let key = checkpoint_key(consumer, label);
        let bytes = self.store.get_item(&checkpoints_store_name(table), &key, b"").await?;
        // Eight bytes of sequence number, then what was saved with it.
        Ok(bytes.filter(|b| b.len() >= 8).map(|b| {
            let seq = seq_of(&b[..8]);
            (seq, (b.len() > 8).then(|| b[8..].to_vec()))
        }))
    }

    /// Records that `consumer` is done with a stream up to sequence number `seq`; durable on `Ok`.
    pub async fn save_stream_checkpoint(&self, consumer: &str, table: &str, label: &str, seq: u64) -> Result<()> {
        self.save_stream_checkpoint_with(consumer, table, label, seq, None).await
    }

    /// [`Tables::save_stream_checkpoint`] with `with` kept beside the sequence number, in
    /// the same write.
    pub async fn save_stream_checkpoint_with(
        &self,
        consumer: &str,
        table: &str,
        label: &str,
        seq: u64,
        with: Option<&[u8]>,
    ) -> Result<()> {
        let key = checkpoint_key(consumer, label);
        let mut item = seq.to_be_bytes().to_vec();
        item.extend_from_slice(with.unwrap_or_default());
        let write = ItemWrite { table: checkpoints_store_name(table), pk: key, sk: Vec::new(), item: Some(item) };
        self.store.write(vec![write]).await?;
        Ok(())
    }

    /// Deletes records older than the retention, a bounded page per stream, and forgets
    /// streams disabled longer ago than that; how many records it deleted.
    pub async fn trim_streams(&self, now_ms: u64) -> Result<usize> {
        let cutoff = now_ms.saturating_sub(RETENTION_MS);
        let defs: Vec<Arc<crate::schema::TableDef>> = self
            .defs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|d| !d.streams.is_empty())
            .cloned()
            .collect();
        let mut deleted = 0;
        for def in defs {
            let store_name = records_store_name(&def.name);
            for s in &def.streams {
                // Page after page until a record that is kept (bounded, so one busy stream
                // cannot hold the sweeper; writes faster than this are trimmed over ticks).
                for _ in 0..TRIM_PAGES {
                    let rows = self
                        .store
                        .query(&store_name, s.label.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, TRIM_PAGE)
                        .await?;
                    let full = rows.len() == TRIM_PAGE;
                    let mut writes = Vec::new();
                    let mut kept = false;
                    for r in rows {
                        let stored: Stored = serde_json::from_slice(&r.item).map_err(|e| corrupt(&def.name, e))?;
                        if stored.t >= cutoff {
                            kept = true;
                            break;
                        }
                        writes.push(ItemWrite { table: store_name.clone(), pk: r.pk, sk: r.sk, item: None });
                    }
                    deleted += writes.len();
                    if !writes.is_empty() {
                        self.store.write(writes).await?;
                    }
                    if kept || !full {
                        break;
                    }
                }
            }
            // A stream disabled for longer than the retention goes once its records have.
            let mut gone = Vec::new();
            for s in def.streams.iter().filter(|s| s.disabled_ms.is_some_and(|d| d < cutoff)) {
                if self.oldest_record(&def.name, &s.label).await?.is_none() {
                    gone.push(s.label.clone());
                }
            }
            if !gone.is_empty() {
                let lock = self.lock(&def.name);
                let _held = lock.lock().await;
                let Ok(current) = self.def(&def.name) else { continue };
                let mut changed = (*current).clone();
                changed.streams.retain(|s| !gone.contains(&s.label));
                self.store_def(changed).await?;
            }
        }
        Ok(deleted)
    }
}

fn stream_not_found(table: &str, label: &str) -> Error {
    Error::ResourceNotFound(format!("Requested resource not found: Stream: table/{table}/stream/{label} not found"))
}

fn seq_of(sk: &[u8]) -> u64 {
    sk.try_into().map_or(0, u64::from_be_bytes)
}

fn corrupt(table: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt {
        what: format!("a stream record of table {table}"),
        detail: e.to_string(),
    })
}

fn decode_record(table: &str, seq: u64, bytes: &[u8]) -> Result<StreamRecord> {
    let s: Stored = serde_json::from_slice(bytes).map_err(|e| corrupt(table, e))?;
    let item = |v: &Value| item_from_json(v).map_err(|e| corrupt(table, e));
    Ok(StreamRecord {
        seq,
        event: s.e,
        at_ms: s.t,
        keys: item(&s.k)?,
        new: s.n.as_ref().map(item).transpose()?,
        old: s.o.as_ref().map(item).transpose()?,
        view: s.v,
        by_ttl: s.ttl,
    })
}
