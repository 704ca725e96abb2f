//! CreateArchive, DescribeArchive, UpdateArchive, DeleteArchive, ListArchives; each event a
//! bus receives kept in every archive of that bus whose pattern it matches (replayed events
//! are not archived again), and the once-per-cluster sweeper that drops what is past an
//! archive's retention.

use crate::model::Archive;
use crate::names::bus_of;
use crate::rules::check_pattern;
use crate::service::State;
use crate::{Error, EventBuses, Result};
use serde_json::Value;
use squall_storage::ItemWrite;
use squall_types::ACCOUNT_ID;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

/// How often the retention sweeper looks (on the platform clock).
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// Events dropped per store write.
const PAGE: usize = 500;

/// An archive and what it holds.
#[derive(Debug, Clone)]
pub struct ArchiveStats {
    /// The archive.
    pub archive: Archive,
    /// `EventCount`.
    pub event_count: u64,
    /// `SizeBytes`.
    pub size_bytes: u64,
}

/// The pseudo-table of an archive's events (key: the event's time, big-endian, then its
/// id; the event's JSON).
pub(crate) fn events_table(archive: &str) -> String {
    format!("archive:{archive}")
}

/// An archive's ARN.
pub fn archive_arn(region: &str, name: &str) -> String {
    format!("arn:aws:events:{region}:{ACCOUNT_ID}:archive/{name}")
}

fn no_archive(name: &str) -> Error {
    Error::NotFound(format!("Archive {name} does not exist."))
}

/// 1–48 of letters, digits, `.`, `-` and `_`.
fn check_archive_name(name: &str) -> Result<()> {
    let ok = (1..=48).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        return Ok(());
    }
    Err(Error::Validation(format!(
        "1 validation error detected: Value '{name}' at 'archiveName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 48"
    )))
}

fn check_description(d: Option<&str>) -> Result<()> {
    if d.is_some_and(|d| d.chars().count() > 512) {
        return Err(Error::Validation("Description is longer than 512 characters.".into()));
    }
    Ok(())
}

impl EventBuses {
    /// CreateArchive of the bus `source_arn` names.
    pub async fn create_archive(
        &self,
        name: &str,
        source_arn: &str,
        description: Option<String>,
        pattern: Option<String>,
        retention_days: u32,
    ) -> Result<Archive> {
        check_archive_name(name)?;
        check_description(description.as_deref())?;
        if let Some(p) = &pattern {
            check_pattern(p)?;
        }
        if !source_arn.starts_with("arn:aws:events:") {
            return Err(Error::Validation(format!("Parameter EventSourceArn is not valid: {source_arn}")));
        }
        let bus = bus_of(Some(source_arn))?;
        self.change(|d| {
            if d.buses.get(&bus).is_none_or(|b| b.arn != source_arn) {
                return Err(Error::NotFound(format!("Event bus {bus} does not exist.")));
            }
            if d.archives.contains_key(name) {
                return Err(Error::AlreadyExists(format!("Archive {name} already exists.")));
            }
            let archive = Archive {
                name: name.to_string(),
                arn: archive_arn(&self.region, name),
                bus: bus.clone(),
                description,
                pattern,
                retention_days,
                created_ms: d.now_ms,
            };
            d.put_archive(archive.clone());
            Ok(archive)
        })
        .await
    }

    /// UpdateArchive: what is given replaces what the archive had.
    pub async fn update_archive(
        &self,
        name: &str,
        description: Option<String>,
        pattern: Option<String>,
        retention_days: Option<u32>,
    ) -> Result<Archive> {
        check_archive_name(name)?;
        check_description(description.as_deref())?;
        if let Some(p) = &pattern {
            check_pattern(p)?;
        }
        self.change(|d| {
            let mut archive = d.archives.get(name).cloned().ok_or_else(|| no_archive(name))?;
            if description.is_some() {
                archive.description = description;
            }
            if pattern.is_some() {
                archive.pattern = pattern;
            }
            if let Some(days) = retention_days {
                archive.retention_days = days;
            }
            d.put_archive(archive.clone());
            Ok(archive)
        })
        .await
    }

    /// DeleteArchive, with the events it held.
    pub async fn delete_archive(&self, name: &str) -> Result<()> {
        check_archive_name(name)?;
        self.change(|d| {
            if !d.archives.contains_key(name) {
                return Err(no_archive(name));
            }
            d.delete_archive(name);
            Ok(())
        })
        .await?;
        self.store().delete_table(&events_table(name)).await?;
        Ok(())
    }

    /// DescribeArchive.
    pub async fn describe_archive(&self, name: &str) -> Result<ArchiveStats> {
        check_archive_name(name)?;
        let archive = self.snapshot().archives.get(name).map(|(a, _)| a.clone()).ok_or_else(|| no_archive(name))?;
        self.stats(archive).await
    }

    async fn stats(&self, archive: Archive) -> Result<ArchiveStats> {
        let (event_count, size_bytes) = self.store().table_stats(&events_table(&archive.name)).await?;
        Ok(ArchiveStats { archive, event_count, size_bytes })
    }

    /// ListArchives: by name, those of the bus `source_arn` names when given.
    pub async fn list_archives(
        &self,
        prefix: Option<&str>,
        source_arn: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ArchiveStats>, Option<String>)> {
        let state = self.snapshot();
        if let Some(source) = source_arn {
            let bus = bus_of(Some(source))?;
            if !state.buses.contains_key(&bus) {
                return Err(Error::NotFound(format!("Event bus {bus} does not exist.")));
            }
        }
        let mut matching = state
            .archives
            .values()
            .map(|(a, _)| a)
            .filter(|a| prefix.is_none_or(|p| a.name.starts_with(p)))
            .filter(|a| source_arn.is_none_or(|s| state.buses.get(&a.bus).is_some_and(|b| b.arn == s)))
            .filter(|a| after.is_none_or(|t| a.name.as_str() > t));
        let page: Vec<Archive> = matching.by_ref().take(limit).cloned().collect();
        let next = matching.next().and(page.last().map(|a| a.name.clone()));
        let mut out = Vec::with_capacity(page.len());
        for a in page {
            out.push(self.stats(a).await?);
        }
        Ok((out, next))
    }

    /// Keeps `event` (received by `bus`) in every archive of the bus whose pattern matches
    /// it, by its `time`; a replayed event is not archived again.
    pub(crate) async fn archive_event(&self, state: &State, bus: &str, event: &Value) {
        if event.get("replay-name").is_some() || state.archives.is_empty() {
            return;
        }
        let time_ms = event["time"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .and_then(|t| u64::try_from(t.timestamp_millis()).ok())
            .unwrap_or_else(|| self.clock.now_ms());
        let id = event["id"].as_str().unwrap_or_default();
        let writes: Vec<ItemWrite> = state
            .archives
            .values()
            .filter(|(a, p)| a.bus == bus && p.as_ref().is_none_or(|p| p.matches(event)))
            .map(|(a, _)| ItemWrite {
                table: events_table(&a.name),
                pk: Vec::new(),
                sk: [time_ms.to_be_bytes().as_slice(), id.as_bytes()].concat(),
                item: Some(event.to_string().into_bytes()),
            })
            .collect();
        if writes.is_empty() {
            return;
        }
        if let Err(e) = self.store().write(writes).await {
            tracing::warn!(bus, "an event could not be archived: {e}");
        }
    }

    /// The events of `archive` after the key `from` and before `to_ms` (exclusive), at most
    /// `limit`, in time order: each with its key and time.
    pub(crate) async fn archived(
        &self,
        archive: &str,
        from: Bound<Vec<u8>>,
        to_ms: u64,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, u64, Value)>> {
        let range = (from, Bound::Excluded(to_ms.to_be_bytes().to_vec()));
        let rows = self.store().query(&events_table(archive), b"", range, true, limit).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let at = u64::from_be_bytes(r.sk.get(..8)?.try_into().ok()?);
                let event = serde_json::from_slice(&r.item).ok()?;
                Some((r.sk, at, event))
            })
            .collect())
    }

    /// The retention sweeper's task.
    pub(crate) fn start_archive_sweeper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let leader = self.cluster.leader("events.archives");
        tokio::spawn(async move {
            loop {
                if leader.is_leader().await
                    && let Err(e) = me.sweep_archives(me.clock.now_ms()).await
                {
                    tracing::warn!("dropping archived events past their retention: {e}");
                }
                me.clock.sleep(SWEEP_EVERY).await;
            }
        })
    }

    /// Drops every archived event older than its archive's retention at `now`.
    pub(crate) async fn sweep_archives(&self, now: u64) -> Result<()> {
        let state = self.snapshot();
        for (a, _) in state.archives.values().filter(|(a, _)| a.retention_days > 0) {
            let cutoff = now.saturating_sub(u64::from(a.retention_days) * 86_400_000);
            let table = events_table(&a.name);
            loop {
                let range = (Bound::Unbounded, Bound::Excluded(cutoff.to_be_bytes().to_vec()));
                let rows = self.store().query(&table, b"", range, true, PAGE).await?;
                if rows.is_empty() {
                    break;
                }
                let done = rows
                    .iter()
                    .map(|r| ItemWrite { table: table.clone(), pk: r.pk.clone(), sk: r.sk.clone(), item: None })
                    .collect();
                self.store().write(done).await?;
                if rows.len() < PAGE {
                    break;
                }
            }
        }
        Ok(())
    }
}
