//! The tables service: table lifecycle and item operations over a `TableStore`.
//!
//! Definitions are cached in memory (loaded at start, and again when another server on the
//! same store changes them). Read-check-write sequences on one table are serialized by a
//! per-table lock on this server, and checked at commit against the others' ([`crate::change`]).

use crate::change::{Change, MAX_ATTEMPTS, too_busy};
use crate::expr::{self, ExprContext, ExprKind, RangeCondition};
use crate::index;
use crate::schema::{CreateTable, IndexDef, KeySchema, ScalarType, TableDef, index_store_name, scalar_key};
use crate::value::{AttributeValue, Item, item_size};
use crate::{Error, Result};
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_storage::{ItemWrite, StoredItem, TableStore};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};

/// The name under which changes of table definitions are announced to the other servers.
pub(crate) const DOMAIN: &str = "tables";

/// DynamoDB's item size limit.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// A Query or Scan page stops after this much data (DynamoDB's 1 MB).
const MAX_PAGE_BYTES: usize = 1 << 20;

/// Expression placeholders of one request.
#[derive(Debug, Clone, Default)]
pub struct Placeholders {
    /// `ExpressionAttributeNames`.
    pub names: HashMap<String, String>,
    /// `ExpressionAttributeValues`.
    pub values: HashMap<String, AttributeValue>,
}

/// What a write returns (`ReturnValues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnValues {
    /// Nothing.
    #[default]
    None,
    /// The item before the write.
    AllOld,
    /// The item after the write (UpdateItem).
    AllNew,
    /// The attributes the update wrote, before it (UpdateItem).
    UpdatedOld,
    /// The attributes the update wrote, after it (UpdateItem).
    UpdatedNew,
}

/// A conditional write's options.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// `ConditionExpression`.
    pub condition: Option<String>,
    /// Placeholders.
    pub placeholders: Placeholders,
    /// `ReturnValues`.
    pub return_values: ReturnValues,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub return_old_on_failure: bool,
}

/// A Query or Scan.
#[derive(Debug, Clone, Default)]
pub struct ReadRequest {
    /// The table.
    pub table: String,
    /// `IndexName`: read a secondary index instead of the table.
    pub index: Option<String>,
    /// `KeyConditionExpression` (Query only).
    pub key_condition: Option<String>,
    /// `FilterExpression`.
    pub filter: Option<String>,
    /// `ProjectionExpression`.
    pub projection: Option<String>,
    /// Placeholders.
    pub placeholders: Placeholders,
    /// `ScanIndexForward` (default true).
    pub forward: bool,
    /// `Limit`: items evaluated, before the filter.
    pub limit: Option<usize>,
    /// `ExclusiveStartKey`.
    pub start_key: Option<Item>,
    /// `Select: COUNT`.
    pub count_only: bool,
    /// `Segment` and `TotalSegments` (Scan).
    pub segment: Option<(u32, u32)>,
}

/// A Query or Scan page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Matching items (empty with `count_only`).
    pub items: Vec<Item>,
    /// How many matched the filter.
    pub count: usize,
    /// How many were evaluated.
    pub scanned: usize,
    /// Where the next page starts, if there may be one.
    pub last_key: Option<Item>,
}

/// What UpdateTable changes.
#[derive(Debug, Clone, Default)]
pub struct UpdateTable {
    /// New attribute definitions (for new index keys).
    pub attributes: Vec<crate::schema::KeyAttr>,
    /// A new billing mode.
    pub billing: Option<crate::schema::Billing>,
    /// Global secondary indexes to create.
    pub create_indexes: Vec<crate::schema::CreateIndex>,
    /// Global secondary indexes to delete, by name.
    pub delete_indexes: Vec<String>,
    /// `StreamSpecification`: enable a stream with this view (`Some`) or disable it (`None`).
    pub stream: Option<Option<crate::stream::ViewType>>,
}

/// One request of a BatchWriteItem.
#[derive(Debug, Clone)]
pub enum BatchWrite {
    /// `PutRequest`: the item.
    Put(Item),
    /// `DeleteRequest`: the key.
    Delete(Item),
}

/// One table's part of a BatchGetItem.
#[derive(Debug, Clone)]
pub struct BatchGet {
    /// The table.
    pub table: String,
    /// The keys to read.
    pub keys: Vec<Item>,
    /// `ProjectionExpression`.
    pub projection: Option<String>,
    /// Placeholders.
    pub placeholders: Placeholders,
}

/// A table as DescribeTable reports it.
#[derive(Debug, Clone)]
pub struct TableStatus {
    /// The definition.
    pub def: TableDef,
    /// Items in it now.
    pub item_count: u64,
    /// Their bytes.
    pub size_bytes: u64,
    /// Item count and bytes of each index, in the definition's order.
    pub index_stats: Vec<(u64, u64)>,
}

/// An item's stored key: partition and sort key bytes.
pub(crate) type StoredKey = (Vec<u8>, Vec<u8>);

/// Every table's definition, as stored.
async fn load_defs(store: &dyn TableStore) -> Result<HashMap<String, Arc<TableDef>>> {
    let mut defs = HashMap::new();
    for (name, json) in store.list_tables().await? {
        let def: TableDef = serde_json::from_str(&json).map_err(|e| {
            Error::Storage(squall_storage::Error::Corrupt { what: format!("table {name}"), detail: e.to_string() })
        })?;
        defs.insert(name, Arc::new(def));
    }
    Ok(defs)
}

/// The tables service.
pub struct Tables {
    pub(crate) store: Arc<dyn TableStore>,
    /// What TTL expiry, stream record times and retention, and token expiry read.
    clock: Clock,
    /// Recent `ClientRequestToken`s of transactions: token → (expiry ms, request fingerprint).
    pub(crate) tokens: std::sync::Mutex<HashMap<String, (u64, u64)>>,
    pub(crate) defs: RwLock<HashMap<String, Arc<TableDef>>>,
    locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Where the TTL sweeper goes on in each table.
    pub(crate) sweep_cursors: std::sync::Mutex<HashMap<String, StoredKey>>,
    /// The last stream sequence number given out, per table (loaded on first use).
    pub(crate) stream_seqs: std::sync::Mutex<HashMap<String, u64>>,
    /// Bumped after every commit that appended stream records.
    pub(crate) stream_commits: tokio::sync::watch::Sender<u64>,
    /// This server among those of the store.
    pub(crate) cluster: Cluster,
    /// Whether other servers write the store too (`cluster.shared`): read-check-write
    /// sequences are then checked at commit ([`crate::change`]).
    pub(crate) shared: bool,
}

impl Tables {
    /// Loads the table definitions from `store`; times are `clock`'s.
    pub async fn open(store: Arc<dyn TableStore>, clock: Clock, cluster: Cluster) -> Result<Tables> {
        let defs = load_defs(store.as_ref()).await?;
        Ok(Tables {
            shared: cluster.shared,
            cluster,
            store,
            clock,
            tokens: Default::default(),
            defs: RwLock::new(defs),
            locks: Default::default(),
            sweep_cursors: Default::default(),
            stream_seqs: Default::default(),
            stream_commits: tokio::sync::watch::Sender::new(0),
        })
    }

    /// Takes the definitions as stored now, after another server changed them: tables made
    /// there appear, tables deleted there go (with what this server knew of their streams).
    pub async fn refresh(&self) -> Result<()> {
        let defs = load_defs(self.store.as_ref()).await?;
        self.stream_seqs.lock().unwrap_or_else(|p| p.into_inner()).retain(|name, _| defs.contains_key(name));
        *self.defs.write().unwrap_or_else(|p| p.into_inner()) = defs;
        Ok(())
    }

    /// The clock the service reads (callers stamp what they pass in with it).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub(crate) fn def(&self, name: &str) -> Result<Arc<TableDef>> {
        self.defs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| Error::ResourceNotFound("Requested resource not found".into()))
    }

    /// Submits writes to the store; once they commit, stream readers are woken if they
    /// appended stream records.
    pub(crate) fn submit(&self, writes: Vec<ItemWrite>) -> squall_storage::WriteTicket {
        let streams = writes.iter().any(|w| w.table.ends_with(crate::stream::RECORDS_SUFFIX));
        let done = self.store.submit(writes);
        if !streams {
            return done;
        }
        let commits = self.stream_commits.clone();
        Box::pin(async move {
            done.await?;
            commits.send_modify(|n| *n += 1);
            Ok(())
        })
    }

    /// Stores a changed definition and makes it the one in use. Call with the table's lock held.
    pub(crate) async fn store_def(&self, def: TableDef) -> Result<()> {
        let json = serde_json::to_string(&def).expect("a table definition serializes");
        self.store.update_table(&def.name, &json).await?;
        self.defs.write().unwrap_or_else(|p| p.into_inner()).insert(def.name.clone(), Arc::new(def));
        self.cluster.changed(DOMAIN).await;
        Ok(())
    }

    pub(crate) fn lock(&self, table: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(table.to_string()).or_default().clone()
    }

    /// CreateTable.
    pub async fn create_table(&self, req: CreateTable, now_ms: u64, id: String) -> Result<TableStatus> {
        let def = req.into_def(now_ms, id)?;
        let json = serde_json::to_string(&def).expect("a table definition serializes");
        match self.store.create_table(&def.name, &json).await {
            Err(squall_storage::Error::Conflict(_)) => {
                return Err(Error::ResourceInUse(format!("Table already exists: {}", def.name)));
            }
            other => other?,
        }
        let def = Arc::new(def);
        self.defs.write().unwrap_or_else(|p| p.into_inner()).insert(def.name.clone(), def.clone());
        self.cluster.changed(DOMAIN).await;
        let index_stats = vec![(0, 0); def.indexes.len()];
        Ok(TableStatus { def: (*def).clone(), item_count: 0, size_bytes: 0, index_stats })
    }

    /// DescribeTable.
    pub async fn describe_table(&self, name: &str) -> Result<TableStatus> {
        let def = self.def(name)?;
        let (item_count, size_bytes) = self.store.table_stats(name).await?;
        let mut index_stats = Vec::with_capacity(def.indexes.len());
        for i in &def.indexes {
            index_stats.push(self.store.table_stats(&index_store_name(name, &i.name)).await?);
        }
        Ok(TableStatus { def: (*def).clone(), item_count, size_bytes, index_stats })
    }

    /// UpdateTable: billing, and global secondary indexes created (filled from the items
    /// already there) or deleted.
    pub async fn update_table(&self, name: &str, change: UpdateTable) -> Result<TableStatus> {
        let lock = self.lock(name);
        let held = lock.lock().await;
        let mut def = (*self.def(name)?).clone();
        for a in change.attributes {
            match def.attributes.iter().find(|d| d.name == a.name) {
                Some(d) if d.kind != a.kind => {
                    return Err(Error::Validation(format!(
                        "One or more parameter values were invalid: Attribute {} is already defined with type {}",
                        a.name,
                        d.kind.as_str()
                    )));
                }
                Some(_) => {}
                None => def.attributes.push(a),
            }
        }
        if let Some(b) = change.billing {
            def.billing = b;
        }
        match (change.stream, def.stream().is_some()) {
            (Some(Some(_)), true) => {
                return Err(Error::Validation(format!("Table already has an enabled stream: TableName: {name}")));
            }
            (Some(None), false) => {
                return Err(Error::Validation(format!("Table does not have an enabled stream: TableName: {name}")));
            }
            (Some(Some(view)), false) => def.streams.push(crate::stream::StreamDef::new(view, self.clock.now_ms())),
            (Some(None), true) => {
                if let Some(s) = def.streams.last_mut() {
                    s.disabled_ms = Some(self.clock.now_ms());
                }
            }
            (None, _) => {}
        }
        for gone in &change.delete_indexes {
            let before = def.indexes.len();
            def.indexes.retain(|i| !(i.global && &i.name == gone));
            if def.indexes.len() == before {
                return Err(Error::ResourceNotFound(format!("Requested resource not found: Index: {gone} not found")));
            }
        }
        let mut created = Vec::new();
        for c in change.create_indexes {
            let idx = crate::schema::CreateIndex { global: true, ..c }.into_def(&def.key, &def.attributes)?;
            if def.indexes.iter().any(|i| i.name == idx.name) {
                return Err(Error::Validation(format!(
                    "One or more parameter values were invalid: Index with name: {} already exists",
                    idx.name
                )));
            }
            created.push(idx.name.clone());
            def.indexes.push(idx);
        }
        for gone in &change.delete_indexes {
            self.store.delete_table(&index_store_name(name, gone)).await?;
        }
        // Fill new indexes from what the table holds, a page at a time.
        if !created.is_empty() {
            let indexes = def.indexes.iter().filter(|i| created.contains(&i.name)).cloned().collect();
            let fresh = TableDef { indexes, ..def.clone() };
            let mut cursor = None;
            loop {
                let batch = self.store.scan(name, cursor.clone(), 500).await?;
                let done = batch.len() < 500;
                cursor = batch.last().map(|r| (r.pk.clone(), r.sk.clone()));
                let mut writes = Vec::new();
                for row in &batch {
                    writes.extend(index::changes(&fresh, None, Some(&decode(name, &row.item)?))?);
                }
                if !writes.is_empty() {
                    self.store.write(writes).await?;
                }
                if done {
                    break;
                }
            }
        }
        self.store_def(def).await?;
        drop(held);
        self.describe_table(name).await
    }

    /// ListTables: names after `start` (exclusive), at most `limit` (1–100); and the
    /// last name returned when more remain.
    pub fn list_tables(&self, start: Option<&str>, limit: Option<usize>) -> Result<(Vec<String>, Option<String>)> {
        let limit = limit.unwrap_or(100);
        if !(1..=100).contains(&limit) {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"
            )));
        }
        let mut names: Vec<String> = self.defs.read().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect();
        names.sort();
        let rest: Vec<String> = names.into_iter().filter(|n| start.is_none_or(|s| n.as_str() > s)).collect();
        let more = rest.len() > limit;
        let page: Vec<String> = rest.into_iter().take(limit).collect();
        let last = more.then(|| page.last().cloned()).flatten();
        Ok((page, last))
    }

    /// DeleteTable: the table as it was.
    pub async fn delete_table(&self, name: &str) -> Result<TableStatus> {
        let status = self.describe_table(name).await?;
        let lock = self.lock(name);
        let _held = lock.lock().await;
        for i in &status.def.indexes {
            // Index entries live in pseudo-tables of the store: deleting one drops its rows.
            self.store.delete_table(&index_store_name(name, &i.name)).await?;
        }
        self.store.delete_table(&crate::stream::records_store_name(name)).await?;
        self.store.delete_table(&crate::stream::checkpoints_store_name(name)).await?;
        self.store.delete_table(&crate::change::head_store_name(name)).await?;
        self.store.delete_table(name).await?;
        self.defs.write().unwrap_or_else(|p| p.into_inner()).remove(name);
        self.stream_seqs.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        self.cluster.changed(DOMAIN).await;
        Ok(status)
    }

    pub(crate) async fn load(&self, table: &str, pk: &[u8], sk: &[u8]) -> Result<Option<Item>> {
        match self.store.get_item(table, pk, sk).await? {
            Some(bytes) => Ok(Some(decode(table, &bytes)?)),
            None => Ok(None),
        }
    }

    /// GetItem, with an optional `ProjectionExpression`.
    pub async fn get_item(
        &self,
        table: &str,
        key: &Item,
        projection: Option<&str>,
        placeholders: &Placeholders,
    ) -> Result<Option<Item>> {
        let def = self.def(table)?;
        let cx = ExprContext::new(&placeholders.names, &placeholders.values);
        let projection = projection.map(|p| expr::parse_projection(p, &cx)).transpose()?;
        cx.check_unused()?;
        let (pk, sk) = def.key.encode(key, true)?;
        let item = self.load(table, &pk, &sk).await?;
        Ok(item.map(|i| match &projection {
            Some(p) => p.apply(&i),
            None => i,
        }))
    }

    /// PutItem: the old item when `ReturnValues: ALL_OLD`.
    pub async fn put_item(&self, table: &str, item: Item, opts: &WriteOptions) -> Result<Option<Item>> {
        let def = self.def(table)?;
        if !matches!(opts.return_values, ReturnValues::None | ReturnValues::AllOld) {
            return Err(Error::Validation("Return values set to invalid value".into()));
        }
        let (pk, sk) = def.key.encode(&item, false)?;
        check_size(&item)?;
        let cx = ExprContext::new(&opts.placeholders.names, &opts.placeholders.values);
        let condition =
            opts.condition.as_deref().map(|c| expr::parse_condition(c, ExprKind::Condition, &cx)).transpose()?;
        cx.check_unused()?;
        let item_write =
            || ItemWrite { table: table.into(), pk: pk.clone(), sk: sk.clone(), item: Some(encode(&item)) };
        // Encoded once; again only for an attempt after a conflict.
        let mut write = Some(item_write());
        // Every write takes the table's lock, so a transaction's checks hold until it commits.
        let lock = self.lock(table);
        for _ in 0..MAX_ATTEMPTS {
            let write = write.take().unwrap_or_else(item_write);
            let held = lock.lock().await;
            // Re-read under the lock: an UpdateTable may have changed indexes or the stream.
            let def = self.def(table)?;
            if condition.is_none()
                && opts.return_values == ReturnValues::None
                && def.indexes.is_empty()
                && def.stream().is_none()
            {
                let done = self.store.submit(vec![write]);
                drop(held);
                done.await?;
                return Ok(None);
            }
            let mut change = Change::default();
            let old = self.load_for(&mut change, table, &pk, &sk).await?;
            check_condition(condition.as_ref(), old.as_ref(), opts)?;
            change.push(write);
            self.derived_writes(&mut change, &def, old.as_ref(), Some(&item), false).await?;
            if self.commit(change, held).await? {
                return Ok(old.filter(|_| opts.return_values == ReturnValues::AllOld));
            }
        }
        Err(too_busy(table))
    }

    /// DeleteItem: the old item when `ReturnValues: ALL_OLD`.
    pub async fn delete_item(&self, table: &str, key: &Item, opts: &WriteOptions) -> Result<Option<Item>> {
        let def = self.def(table)?;
        if !matches!(opts.return_values, ReturnValues::None | ReturnValues::AllOld) {
            return Err(Error::Validation("Return values set to invalid value".into()));
        }
        let (pk, sk) = def.key.encode(key, true)?;
        let cx = ExprContext::new(&opts.placeholders.names, &opts.placeholders.values);
        let condition =
            opts.condition.as_deref().map(|c| expr::parse_condition(c, ExprKind::Condition, &cx)).transpose()?;
        cx.check_unused()?;
        let lock = self.lock(table);
        for _ in 0..MAX_ATTEMPTS {
            let held = lock.lock().await;
            // Re-read under the lock: an UpdateTable may have changed indexes or the stream.
            let def = self.def(table)?;
            let mut change = Change::default();
            let old = self.load_for(&mut change, table, &pk, &sk).await?;
            check_condition(condition.as_ref(), old.as_ref(), opts)?;
            if old.is_some() {
                change.push(ItemWrite { table: table.into(), pk: pk.clone(), sk: sk.clone(), item: None });
                self.derived_writes(&mut change, &def, old.as_ref(), None, false).await?;
            }
            if self.commit(change, held).await? {
                return Ok(old.filter(|_| opts.return_values == ReturnValues::AllOld));
            }
        }
        Err(too_busy(table))
    }

    /// UpdateItem: creates the item when it does not exist (unless the condition refuses).
    pub async fn update_item(
        &self,
        table: &str,
        key: &Item,
        update: Option<&str>,
        opts: &WriteOptions,
    ) -> Result<Option<Item>> {
        let def = self.def(table)?;
        let (pk, sk) = def.key.encode(key, true)?;
        let cx = ExprContext::new(&opts.placeholders.names, &opts.placeholders.values);
        let update = update.map(|u| expr::parse_update(u, &cx)).transpose()?;
        let condition =
            opts.condition.as_deref().map(|c| expr::parse_condition(c, ExprKind::Condition, &cx)).transpose()?;
        cx.check_unused()?;
        let targets = update.as_ref().map(|u| u.top_level_targets()).unwrap_or_default();
        if let Some(k) = targets.iter().find(|t| def.key.is_key(t)) {
            return Err(Error::Validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {k}. This attribute is part of the key"
            )));
        }
        let lock = self.lock(table);
        let mut attempts = 0;
        let (old, new) = loop {
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                return Err(too_busy(table));
            }
            let held = lock.lock().await;
            // Re-read under the lock: an UpdateTable may have changed indexes or the stream.
            let def = self.def(table)?;
            let mut change = Change::default();
            let old = self.load_for(&mut change, table, &pk, &sk).await?;
            check_condition(condition.as_ref(), old.as_ref(), opts)?;
            let mut new = old.clone().unwrap_or_else(|| key.clone());
            if let Some(u) = &update {
                u.apply(&mut new)?;
            }
            check_size(&new)?;
            change.push(ItemWrite { table: table.into(), pk: pk.clone(), sk: sk.clone(), item: Some(encode(&new)) });
            self.derived_writes(&mut change, &def, old.as_ref(), Some(&new), false).await?;
            if self.commit(change, held).await? {
                break (old, new);
            }
        };
        let pick = |from: Option<&Item>| -> Option<Item> {
            let from = from?;
            let picked: Item =
                from.iter().filter(|(k, _)| targets.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            (!picked.is_empty()).then_some(picked)
        };
        Ok(match opts.return_values {
            ReturnValues::None => None,
            ReturnValues::AllOld => old,
            ReturnValues::AllNew => Some(new),
            ReturnValues::UpdatedOld => pick(old.as_ref()),
            ReturnValues::UpdatedNew => pick(Some(&new)),
        })
    }

    /// BatchWriteItem: up to 25 puts and deletes over any tables, applied together.
    pub async fn batch_write(&self, requests: Vec<(String, BatchWrite)>) -> Result<()> {
        if requests.is_empty() || requests.len() > 25 {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Member must have length less than or equal to 25 and greater than or equal to 1 (got {})",
                requests.len()
            )));
        }
        let mut planned = Vec::with_capacity(requests.len());
        let mut seen = std::collections::HashSet::new();
        for (table, op) in &requests {
            let def = self.def(table)?;
            let (key_source, new) = match op {
                BatchWrite::Put(item) => {
                    check_size(item)?;
                    (item, Some(item))
                }
                BatchWrite::Delete(key) => (key, None),
            };
            let (pk, sk) = def.key.encode(key_source, new.is_none())?;
            if !seen.insert((table.clone(), pk.clone(), sk.clone())) {
                return Err(Error::Validation("Provided list of item keys contains duplicates".into()));
            }
            planned.push((def, pk, sk, new));
        }
        let tables: std::collections::BTreeSet<String> = planned.iter().map(|p| p.0.name.clone()).collect();
        let locks: Vec<_> = tables.iter().map(|t| self.lock(t)).collect();
        for _ in 0..MAX_ATTEMPTS {
            let mut held = Vec::with_capacity(locks.len());
            for l in &locks {
                held.push(l.lock().await);
            }
            let mut change = Change::default();
            for (def, pk, sk, new) in &planned {
                // Re-read under the lock: an UpdateTable may have changed indexes or the stream.
                let def = self.def(&def.name)?;
                if !def.indexes.is_empty() || def.stream().is_some() {
                    let old = self.load_for(&mut change, &def.name, pk, sk).await?;
                    self.derived_writes(&mut change, &def, old.as_ref(), *new, false).await?;
                }
                change.push(ItemWrite {
                    table: def.name.clone(),
                    pk: pk.clone(),
                    sk: sk.clone(),
                    item: new.map(encode),
                });
            }
            if self.commit(change, held).await? {
                return Ok(());
            }
        }
        Err(too_busy(tables.first().map_or("", |t| t.as_str())))
    }

    /// BatchGetItem: up to 100 keys over any tables; found items by table.
    pub async fn batch_get(&self, requests: Vec<BatchGet>) -> Result<HashMap<String, Vec<Item>>> {
        let keys: usize = requests.iter().map(|r| r.keys.len()).sum();
        if keys == 0 || keys > 100 {
            return Err(Error::Validation(format!(
                "Too many items requested for the BatchGetItem call (or none): {keys}; the limit is 100"
            )));
        }
        let mut out: HashMap<String, Vec<Item>> = HashMap::new();
        for r in &requests {
            let def = self.def(&r.table)?;
            let cx = ExprContext::new(&r.placeholders.names, &r.placeholders.values);
            let projection = r.projection.as_deref().map(|p| expr::parse_projection(p, &cx)).transpose()?;
            cx.check_unused()?;
            let mut seen = std::collections::HashSet::new();
            let found = out.entry(r.table.clone()).or_default();
            for key in &r.keys {
                let (pk, sk) = def.key.encode(key, true)?;
                if !seen.insert((pk.clone(), sk.clone())) {
                    return Err(Error::Validation("Provided list of item keys contains duplicates".into()));
                }
                if let Some(item) = self.load(&r.table, &pk, &sk).await? {
                    found.push(match &projection {
                        Some(p) => p.apply(&item),
                        None => item,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The partition key attribute of `table`, or of its index `index`
    /// (`dynamodb:LeadingKeys` is its values).
    pub fn partition_key(&self, table: &str, index: Option<&str>) -> Result<String> {
        let def = self.def(table)?;
        Ok(Source::new(&def, index)?.key().hash.name.clone())
    }

    /// The partition key value a Query's key condition names.
    pub fn query_partition(
        &self,
        table: &str,
        index: Option<&str>,
        key_condition: &str,
        placeholders: &Placeholders,
    ) -> Result<AttributeValue> {
        let def = self.def(table)?;
        let key = Source::new(&def, index)?.key();
        let cx = ExprContext::new(&placeholders.names, &placeholders.values);
        Ok(expr::key_condition(key_condition, &cx, &key.hash.name, key.range.as_ref().map(|r| r.name.as_str()))?.hash)
    }

    /// Query: one partition, in sort-key order.
    pub async fn query(&self, req: &ReadRequest) -> Result<Page> {
        let def = self.def(&req.table)?;
        let cx = ExprContext::new(&req.placeholders.names, &req.placeholders.values);
        let Some(kc) = req.key_condition.as_deref() else {
            return Err(Error::Validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.".into(),
            ));
        };
        let src = Source::new(&def, req.index.as_deref())?;
        let key = src.key();
        let kc = expr::key_condition(kc, &cx, &key.hash.name, key.range.as_ref().map(|r| r.name.as_str()))?;
        let (filter, projection) = read_exprs(req, &cx)?;
        cx.check_unused()?;
        let pk = scalar_key(&kc.hash, key.hash.kind).ok_or_else(|| {
            Error::Validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type".into(),
            )
        })?;
        let mut range = src.range(kc.range.as_ref())?;
        if let Some(start) = &req.start_key {
            let (spk, ssk) = src.start(start)?;
            if spk != pk {
                return Err(Error::Validation("The provided starting key is invalid".into()));
            }
            if req.forward {
                range.0 = tighter_lower(range.0, ssk);
            } else {
                range.1 = tighter_upper(range.1, ssk);
            }
        }
        let limit = check_limit(req.limit)?;
        let rows = self.store.query(&src.store, &pk, range, req.forward, limit.saturating_add(1)).await?;
        page(&src, rows, limit, filter.as_ref(), projection.as_ref(), req.count_only)
    }

    /// Scan: the whole table (or one segment of it), in key order.
    pub async fn scan(&self, req: &ReadRequest) -> Result<Page> {
        let def = self.def(&req.table)?;
        let cx = ExprContext::new(&req.placeholders.names, &req.placeholders.values);
        let src = Source::new(&def, req.index.as_deref())?;
        let (filter, projection) = read_exprs(req, &cx)?;
        cx.check_unused()?;
        let after = req.start_key.as_ref().map(|s| src.start(s)).transpose()?;
        let limit = check_limit(req.limit)?;
        let segment = match req.segment {
            Some((s, total)) if total == 0 || total > 1_000_000 || s >= total => {
                return Err(Error::Validation(format!(
                    "1 validation error detected: Value '{s}' at 'segment' failed to satisfy constraint: Member must have value less than {total}"
                )));
            }
            other => other,
        };
        // Segments split the table by a hash of the partition key; each segment scans the
        // table and keeps its share (correct, not yet cheaper than one scan).
        let mut rows = Vec::new();
        let mut cursor = after;
        loop {
            let batch = self.store.scan(&src.store, cursor.clone(), 1000).await?;
            let done = batch.len() < 1000;
            cursor = batch.last().map(|r| (r.pk.clone(), r.sk.clone()));
            rows.extend(batch.into_iter().filter(|r| segment.is_none_or(|(s, t)| segment_of(&r.pk, t) == s)));
            if done || rows.len() > limit {
                break;
            }
        }
        page(&src, rows, limit, filter.as_ref(), projection.as_ref(), req.count_only)
    }
}

/// What a Query or Scan reads: the table, or one of its secondary indexes.
struct Source<'a> {
    /// The store table holding the rows.
    store: String,
    def: &'a TableDef,
    index: Option<&'a IndexDef>,
}

impl<'a> Source<'a> {
    fn new(def: &'a TableDef, index: Option<&str>) -> Result<Source<'a>> {
        match index {
            None => Ok(Source { store: def.name.clone(), def, index: None }),
            Some(name) => {
                let index = def.index(name)?;
                Ok(Source { store: index_store_name(&def.name, name), def, index: Some(index) })
            }
        }
    }

    /// The key a key condition is about.
    fn key(&self) -> &'a KeySchema {
        self.index.map_or(&self.def.key, |i| &i.key)
    }

    /// Stored sort-key bounds for a condition on the sort key.
    fn range(&self, cond: Option<&RangeCondition>) -> Result<KeyRange> {
        match (self.index, cond, &self.def.key.range) {
            (Some(i), cond, _) => index::entry_range(cond, i.key.range.as_ref().map_or(ScalarType::S, |r| r.kind)),
            (None, Some(cond), Some(attr)) => sort_range(cond, attr.kind),
            (None, _, _) => Ok((Bound::Unbounded, Bound::Unbounded)),
        }
    }

    /// The stored key an `ExclusiveStartKey` names.
    fn start(&self, start: &Item) -> Result<(Vec<u8>, Vec<u8>)> {
        match self.index {
            Some(i) => index::start_entry(i, &self.def.key, start),
            None => self.def.key.encode(start, true).map_err(|_| {
                Error::Validation(
                    "The provided starting key is invalid: The provided key element does not match the schema".into(),
                )
            }),
        }
    }

    /// The `LastEvaluatedKey` of a row.
    fn last_key(&self, item: &Item) -> Item {
        match self.index {
            Some(i) => index::keys_of(i, &self.def.key, item),
            None => self.def.key.key_of(item),
        }
    }
}

/// A read's parsed filter and projection.
type ReadExprs = (Option<expr::Condition>, Option<expr::Projection>);

fn read_exprs(req: &ReadRequest, cx: &ExprContext) -> Result<ReadExprs> {
    let filter = req.filter.as_deref().map(|f| expr::parse_condition(f, ExprKind::Filter, cx)).transpose()?;
    let projection = req.projection.as_deref().map(|p| expr::parse_projection(p, cx)).transpose()?;
    if req.count_only && projection.is_some() {
        return Err(Error::Validation(
            "Cannot specify the ProjectionExpression when choosing to get only the Count".into(),
        ));
    }
    Ok((filter, projection))
}

fn check_limit(limit: Option<usize>) -> Result<usize> {
    match limit {
        Some(0) => Err(Error::Validation(
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1".into(),
        )),
        Some(n) => Ok(n),
        None => Ok(usize::MAX - 1),
    }
}

/// Which of `total` segments a partition key falls in (FNV-1a).
fn segment_of(pk: &[u8], total: u32) -> u32 {
    let h = pk.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    (h % u64::from(total)) as u32
}

/// Builds a page from rows fetched one past `limit`.
fn page(
    src: &Source<'_>,
    rows: Vec<StoredItem>,
    limit: usize,
    filter: Option<&expr::Condition>,
    projection: Option<&expr::Projection>,
    count_only: bool,
) -> Result<Page> {
    let mut out = Page::default();
    let mut bytes = 0;
    let mut last: Option<Item> = None;
    let total = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        if out.scanned == limit || bytes >= MAX_PAGE_BYTES {
            out.last_key = last.as_ref().map(|l| src.last_key(l));
            return Ok(out);
        }
        let item = decode(&src.store, &row.item)?;
        bytes += row.item.len();
        out.scanned += 1;
        let keep = match filter {
            Some(f) => f.eval(&item)?,
            None => true,
        };
        if keep {
            out.count += 1;
            if !count_only {
                out.items.push(match projection {
                    Some(p) => p.apply(&item),
                    None => item.clone(),
                });
            }
        }
        // DynamoDB reports where it stopped when the limit is reached exactly too.
        if out.scanned == limit && i + 1 == total {
            out.last_key = Some(src.last_key(&item));
        }
        last = Some(item);
    }
    Ok(out)
}

/// A range of encoded sort keys.
pub(crate) type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

fn sort_range(cond: &RangeCondition, kind: crate::schema::ScalarType) -> Result<KeyRange> {
    let key = |v: &AttributeValue| {
        scalar_key(v, kind).ok_or_else(|| {
            Error::Validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type".into(),
            )
        })
    };
    Ok(match cond {
        RangeCondition::Eq(v) => (Bound::Included(key(v)?), Bound::Included(key(v)?)),
        RangeCondition::Lt(v) => (Bound::Unbounded, Bound::Excluded(key(v)?)),
        RangeCondition::Le(v) => (Bound::Unbounded, Bound::Included(key(v)?)),
        RangeCondition::Gt(v) => (Bound::Excluded(key(v)?), Bound::Unbounded),
        RangeCondition::Ge(v) => (Bound::Included(key(v)?), Bound::Unbounded),
        RangeCondition::Between(a, b) => {
            let (a, b) = (key(a)?, key(b)?);
            if a > b {
                return Err(Error::Validation(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound".into(),
                ));
            }
            (Bound::Included(a), Bound::Included(b))
        }
        RangeCondition::BeginsWith(v) => {
            if kind == crate::schema::ScalarType::N {
                return Err(Error::Validation(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N".into(),
                ));
            }
            let prefix = key(v)?;
            (Bound::Included(prefix.clone()), prefix_end(prefix))
        }
    })
}

/// The first byte string after every string that starts with `prefix`.
pub(crate) fn prefix_end(mut prefix: Vec<u8>) -> Bound<Vec<u8>> {
    while let Some(last) = prefix.pop() {
        if last < 0xFF {
            prefix.push(last + 1);
            return Bound::Excluded(prefix);
        }
    }
    Bound::Unbounded
}

fn tighter_lower(b: Bound<Vec<u8>>, after: Vec<u8>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(v) | Bound::Excluded(v) if v > after => Bound::Included(v),
        _ => Bound::Excluded(after),
    }
}

fn tighter_upper(b: Bound<Vec<u8>>, before: Vec<u8>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(v) | Bound::Excluded(v) if v < before => Bound::Included(v),
        _ => Bound::Excluded(before),
    }
}

fn check_condition(condition: Option<&expr::Condition>, old: Option<&Item>, opts: &WriteOptions) -> Result<()> {
    let Some(c) = condition else { return Ok(()) };
    let empty = Item::new();
    if c.eval(old.unwrap_or(&empty))? {
        return Ok(());
    }
    Err(Error::ConditionalCheckFailed { item: old.filter(|_| opts.return_old_on_failure).cloned() })
}

pub(crate) fn check_size(item: &Item) -> Result<()> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(Error::Validation("Item size has exceeded the maximum allowed size".into()));
    }
    Ok(())
}

pub(crate) fn encode(item: &Item) -> Vec<u8> {
    crate::stored::encode(item)
}

pub(crate) fn decode(table: &str, bytes: &[u8]) -> Result<Item> {
    crate::stored::decode(bytes).map_err(|detail| {
        Error::Storage(squall_storage::Error::Corrupt { what: format!("an item of table {table}"), detail })
    })
}
