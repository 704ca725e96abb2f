//! Time to live: UpdateTimeToLive/DescribeTimeToLive, and a sweeper that deletes items
//! whose TTL attribute (a number of epoch seconds) is in the past.
//!
//! The sweeper walks each TTL table a bounded page per tick from where it stopped, so its
//! cost per tick does not grow with the table. As in DynamoDB, an expired item can still
//! be read until the sweeper reaches it, and expiry times more than five years in the past
//! are ignored.

use crate::change::{Change, MAX_ATTEMPTS, too_busy};
use crate::schema::TableDef;
use crate::service::{Tables, decode};
use crate::value::{AttributeValue, Item};
use crate::{Error, Number, Result};
use squall_storage::ItemWrite;
use std::sync::Arc;
use std::time::Duration;

/// Items examined per table per tick.
const PAGE: usize = 2000;

/// Expiry times older than this are ignored (DynamoDB's rule).
const IGNORE_OLDER_THAN_S: u64 = 5 * 365 * 24 * 3600;

impl Tables {
    /// UpdateTimeToLive: enables TTL on `attribute`, or disables it.
    pub async fn update_ttl(&self, table: &str, enabled: bool, attribute: &str) -> Result<()> {
        if attribute.is_empty() {
            return Err(Error::Validation("TimeToLiveSpecification.AttributeName must not be empty".into()));
        }
        let lock = self.lock(table);
        let _held = lock.lock().await;
        let mut def = (*self.def(table)?).clone();
        match (&def.ttl, enabled) {
            (Some(_), true) => return Err(Error::Validation("TimeToLive is already enabled".into())),
            (None, false) => return Err(Error::Validation("TimeToLive is already disabled".into())),
            (Some(current), false) if current != attribute => {
                return Err(Error::Validation(format!(
                    "TimeToLive is enabled on attribute {current}; disable it with that attribute name"
                )));
            }
            _ => {}
        }
        def.ttl = enabled.then(|| attribute.to_string());
        self.store_def(def).await
    }

    /// DescribeTimeToLive: the attribute, when enabled.
    pub fn describe_ttl(&self, table: &str) -> Result<Option<String>> {
        Ok(self.def(table)?.ttl.clone())
    }

    /// Deletes a page of expired items from every TTL table; how many it deleted.
    pub async fn sweep_expired(&self, now_s: u64) -> Result<usize> {
        let expiry = Expiry::at(now_s);
        let tables: Vec<Arc<TableDef>> =
            self.defs.read().unwrap_or_else(|p| p.into_inner()).values().filter(|d| d.ttl.is_some()).cloned().collect();
        let mut deleted = 0;
        for def in tables {
            let Some(attr) = def.ttl.as_deref() else { continue };
            let cursor = self.sweep_cursors.lock().unwrap_or_else(|p| p.into_inner()).remove(&def.name);
            let rows = self.store.scan(&def.name, cursor, PAGE).await?;
            if rows.len() == PAGE
                && let Some(last) = rows.last()
            {
                let next = (last.pk.clone(), last.sk.clone());
                self.sweep_cursors.lock().unwrap_or_else(|p| p.into_inner()).insert(def.name.clone(), next);
            }
            for row in rows {
                let item = decode(&def.name, &row.item)?;
                if expiry.expired(&item, attr) {
                    deleted += usize::from(self.delete_if_expired(&def.name, &row.pk, &row.sk, &expiry).await?);
                }
            }
        }
        Ok(deleted)
    }

    /// Deletes the item if it is still expired once the table is locked.
    async fn delete_if_expired(&self, table: &str, pk: &[u8], sk: &[u8], expiry: &Expiry) -> Result<bool> {
        let lock = self.lock(table);
        for _ in 0..MAX_ATTEMPTS {
            let held = lock.lock().await;
            let Ok(def) = self.def(table) else { return Ok(false) };
            let Some(attr) = def.ttl.as_deref() else { return Ok(false) };
            let mut change = Change::default();
            let Some(item) = self.load_for(&mut change, table, pk, sk).await? else { return Ok(false) };
            if !expiry.expired(&item, attr) {
                return Ok(false);
            }
            change.push(ItemWrite { table: table.into(), pk: pk.to_vec(), sk: sk.to_vec(), item: None });
            self.derived_writes(&mut change, &def, Some(&item), None, true).await?;
            if self.commit(change, held).await? {
                return Ok(true);
            }
        }
        Err(too_busy(table))
    }

    /// One tick of the sweeper at the clock's time: deletes a page of expired items from
    /// every TTL table, trims old stream records and forgets expired transaction tokens
    /// (each failure a warning); how many expired items it deleted.
    pub async fn sweep(&self) -> usize {
        let now_ms = self.clock().now_ms();
        let deleted = self.sweep_expired(now_ms / 1000).await.unwrap_or_else(|e| {
            tracing::warn!("deleting expired items: {e}");
            0
        });
        if let Err(e) = self.trim_streams(now_ms).await {
            tracing::warn!("trimming stream records: {e}");
        }
        if let Err(e) = self.forget_expired_tokens(now_ms).await {
            tracing::warn!("forgetting expired transaction tokens: {e}");
        }
        deleted
    }

    /// Sweeps every `every` of the clock's time in the background, on one server of the
    /// store at a time.
    pub fn start_ttl_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        let clock = self.clock().clone();
        let leader = self.cluster.leader("tables.sweeper");
        tokio::spawn(async move {
            loop {
                clock.sleep(every).await;
                let Some(tables) = me.upgrade() else { return };
                if leader.is_leader().await {
                    tables.sweep().await;
                }
            }
        })
    }
}

/// The window of expiry times a sweep deletes: before now, and not so far before that
/// DynamoDB would ignore them. Computed once per sweep.
struct Expiry {
    now: Number,
    oldest: Number,
}

impl Expiry {
    fn at(now_s: u64) -> Expiry {
        let number = |s: u64| Number::parse(&s.to_string()).expect("an integer parses");
        Expiry { now: number(now_s), oldest: number(now_s.saturating_sub(IGNORE_OLDER_THAN_S)) }
    }

    /// Whether `item`'s TTL attribute is a number of epoch seconds inside the window.
    fn expired(&self, item: &Item, attr: &str) -> bool {
        let Some(AttributeValue::N(n)) = item.get(attr) else { return false };
        *n < self.now && *n >= self.oldest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_in_the_past_but_not_too_far() {
        let item = |v: &str| Item::from([("exp".to_string(), AttributeValue::N(Number::parse(v).unwrap()))]);
        let e = Expiry::at(1_800_000_000);
        let expired = |item: &Item, attr: &str| e.expired(item, attr);
        assert!(expired(&item("1799999999"), "exp"));
        assert!(expired(&item("1799999999.5"), "exp"));
        assert!(!expired(&item("1800000001"), "exp"));
        assert!(!expired(&item("1"), "exp"), "five years and more in the past is ignored");
        assert!(!expired(&Item::new(), "exp"));
        assert!(!expired(&Item::from([("exp".into(), AttributeValue::S("1".into()))]), "exp"));
    }
}
