//! Lifecycle rules and the worker that applies them on the platform clock: expiring
//! current versions (by age or date), removing expired delete markers, removing
//! noncurrent versions some days after they stopped being current (keeping the newest
//! few if asked), moving versions to other storage classes (transitions), and aborting
//! multipart uploads left incomplete. As on S3, a number of
//! days counts from the object's time and ends at the next midnight UTC. Once per
//! cluster, a bounded number of keys per bucket each pass.

use crate::events::Requester;
use crate::record::ObjectRecord;
use crate::service::{OBJECTS_PK, Objects};
use crate::storage_class::StorageClass;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;
/// Keys of one bucket looked at in one pass; a bucket with more goes on at the next.
const KEYS_PER_PASS: usize = 1000;
/// Noncurrent versions of one key looked at in one pass (the newest; older ones wait for
/// the newer to go).
const MAX_VERSIONS: usize = 10_000;

/// Which objects a rule applies to: all of these must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFilter {
    /// Keys beginning with this.
    #[serde(default)]
    pub prefix: String,
    /// Objects carrying each of these tags.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Objects larger than this many bytes.
    #[serde(default)]
    pub size_greater: Option<u64>,
    /// Objects smaller than this many bytes.
    #[serde(default)]
    pub size_less: Option<u64>,
}

impl RuleFilter {
    fn matches(&self, key: &str, record: &ObjectRecord) -> bool {
        key.starts_with(&self.prefix)
            && self.tags.iter().all(|t| record.tags.contains(t))
            && self.size_greater.is_none_or(|n| record.size > n)
            && self.size_less.is_none_or(|n| record.size < n)
    }
}

/// One lifecycle rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// Its `ID`.
    pub id: Option<String>,
    /// `Status` `Enabled`.
    pub enabled: bool,
    /// Which objects.
    pub filter: RuleFilter,
    /// Expire current versions this many days after they were written.
    pub expire_days: Option<u32>,
    /// Expire current versions from this date (Unix milliseconds, a midnight UTC).
    pub expire_date_ms: Option<i64>,
    /// Remove a delete marker that has no older versions left.
    pub expired_delete_marker: bool,
    /// Remove noncurrent versions this many days after they stopped being current.
    pub noncurrent_days: Option<u32>,
    /// ... keeping this many of the newest noncurrent versions.
    pub newer_noncurrent: Option<u32>,
    /// Abort multipart uploads this many days after they started.
    pub abort_upload_days: Option<u32>,
    /// Move current versions to other storage classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    /// Move noncurrent versions to other storage classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub noncurrent_transitions: Vec<NoncurrentTransition>,
}

/// A rule's `Transition`: current versions move to `class` some days after they were
/// written, or from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Days after the version was written.
    pub days: Option<u32>,
    /// Or from this date (Unix milliseconds, a midnight UTC).
    pub date_ms: Option<i64>,
    /// The class.
    pub class: StorageClass,
}

/// A rule's `NoncurrentVersionTransition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentTransition {
    /// Days after the version stopped being current.
    pub days: u32,
    /// Keep this many of the newest noncurrent versions where they are.
    pub newer: Option<u32>,
    /// The class.
    pub class: StorageClass,
}

/// Objects smaller than this do not move to another class unless their rule filters by
/// size (S3's default since 2024, `all_storage_classes_128K`; `varies_by_storage_class`
/// differs only for the archive classes, which are not served).
pub const MIN_TRANSITION_SIZE: u64 = 128 << 10;

/// How far along S3's transition waterfall a class is: lifecycle moves versions only
/// further along it.
fn rank(class: StorageClass) -> u8 {
    match class {
        StorageClass::Standard | StorageClass::ReducedRedundancy => 0,
        StorageClass::StandardIa => 1,
        StorageClass::IntelligentTiering => 2,
        StorageClass::OnezoneIa => 3,
        StorageClass::GlacierIr => 4,
        StorageClass::Glacier => 5,
        StorageClass::DeepArchive => 6,
    }
}

/// The class `record` should be in by `now` under `rules`' transitions (`noncurrent`:
/// which of its key's noncurrent versions it is, newest 0, and since when), if that is
/// further along than where it is. Small objects stay unless their rule filters by size,
/// or with `small_to_archive` (`varies_by_storage_class`) the class is an archive one.
fn transition_target(
    rules: &[&LifecycleRule],
    record: &ObjectRecord,
    (noncurrent, small_to_archive): (Option<(usize, i64)>, bool),
    now: i64,
) -> Option<StorageClass> {
    let mut due_classes: Vec<StorageClass> = Vec::new();
    let sized = |r: &LifecycleRule| r.filter.size_greater.is_some() || r.filter.size_less.is_some();
    let moves = |r: &LifecycleRule, class: StorageClass| {
        record.size >= MIN_TRANSITION_SIZE || sized(r) || (small_to_archive && class.is_archive())
    };
    for r in rules {
        match noncurrent {
            None => due_classes.extend(
                r.transitions
                    .iter()
                    .filter(|t| moves(r, t.class))
                    .filter(|t| {
                        t.days.is_some_and(|d| now >= due(record.modified_ms, d)) || t.date_ms.is_some_and(|d| now >= d)
                    })
                    .map(|t| t.class),
            ),
            Some((index, since)) => due_classes.extend(
                r.noncurrent_transitions
                    .iter()
                    .filter(|t| moves(r, t.class))
                    .filter(|t| now >= due(since, t.days) && t.newer.is_none_or(|keep| index >= keep as usize))
                    .map(|t| t.class),
            ),
        }
    }
    due_classes.into_iter().max_by_key(|c| rank(*c)).filter(|c| rank(*c) > rank(record.storage_class))
}

/// A bucket's lifecycle configuration: the document as given (returned as is) and its rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The XML document PutBucketLifecycleConfiguration stored.
    pub document: String,
    /// `x-amz-transition-default-minimum-object-size` as given, returned on reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_transition_size: Option<String>,
    /// Its rules.
    pub rules: Vec<LifecycleRule>,
}

/// `at` plus `days`, at the next midnight UTC (S3's rounding).
pub(crate) fn due(at_ms: i64, days: u32) -> i64 {
    let t = at_ms + i64::from(days) * DAY_MS;
    (t + DAY_MS - 1).div_euclid(DAY_MS) * DAY_MS
}

/// Who lifecycle actions are done by, in events and logs.
fn lifecycle_requester() -> Requester {
    Requester {
        request_id: "lifecycle".into(),
        source_ip: String::new(),
        principal: "s3.amazonaws.com".into(),
        lifecycle: true,
    }
}

impl Objects {
    /// Sets (or with `None` deletes) a bucket's lifecycle configuration.
    pub async fn set_lifecycle(&self, bucket: &str, lifecycle: Option<Lifecycle>) -> Result<()> {
        self.update_bucket(bucket, |b| b.lifecycle = lifecycle).await?;
        self.lifecycle_changed.notify_one();
        Ok(())
    }

    /// The lifecycle worker: a pass over every bucket with rules, then a sleep on the
    /// platform clock (an hour, or a moment while buckets are not done; a moved clock or
    /// a new configuration wakes it), on one server of a cluster at a time.
    pub fn start_lifecycle(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let objects = self.clone();
        let leader = self.cluster.leader("objects.lifecycle");
        tokio::spawn(async move {
            let mut cursors: HashMap<String, String> = HashMap::new();
            loop {
                if objects.shared && !leader.is_leader().await {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
                let more = match objects.lifecycle_pass(&mut cursors, &leader).await {
                    Ok(more) => more,
                    Err(e) => {
                        tracing::warn!(error = %e, "applying lifecycle rules failed");
                        false
                    }
                };
                if more {
                    // Buckets not done go on in a moment of real time (a frozen clock included).
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                tokio::select! {
                    _ = objects.clock.sleep(Duration::from_secs(3600)) => {}
                    _ = objects.lifecycle_changed.notified() => {}
                }
            }
        })
    }

    /// One pass: up to [`KEYS_PER_PASS`] keys of each bucket with rules, after its cursor;
    /// whether some bucket has keys left.
    pub(crate) async fn lifecycle_pass(
        &self,
        cursors: &mut HashMap<String, String>,
        leader: &squall_lifecycle::Leader,
    ) -> Result<bool> {
        let mut more = false;
        for bucket in self.list_buckets() {
            if self.shared && !leader.is_leader().await {
                // Another server took the lease: it goes on from its own start.
                return Ok(false);
            }
            let Some(lifecycle) = bucket.lifecycle.filter(|l| l.rules.iter().any(|r| r.enabled)) else {
                cursors.remove(&bucket.name);
                continue;
            };
            let small_to_archive = lifecycle.min_transition_size.as_deref() == Some("varies_by_storage_class");
            let rules: Vec<LifecycleRule> = lifecycle.rules.into_iter().filter(|r| r.enabled).collect();
            let name = bucket.name;
            let after = cursors.remove(&name);
            let lower = match &after {
                Some(a) => Bound::Excluded(a.as_bytes().to_vec()),
                None => Bound::Unbounded,
            };
            let rows = match self.store.query(&name, OBJECTS_PK, (lower, Bound::Unbounded), true, KEYS_PER_PASS).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(bucket = %name, error = %e, "lifecycle: listing the bucket failed");
                    continue;
                }
            };
            if rows.len() == KEYS_PER_PASS {
                let last = String::from_utf8_lossy(&rows[rows.len() - 1].sk).into_owned();
                cursors.insert(name.clone(), last);
                more = true;
            }
            for row in rows {
                let key = String::from_utf8_lossy(&row.sk).into_owned();
                if let Err(e) = self.apply_rules(&name, &key, &rules, small_to_archive).await {
                    tracing::warn!(bucket = %name, key, error = %e, "lifecycle: a rule could not be applied");
                }
            }
            if !cursors.contains_key(&name)
                && let Err(e) = self.abort_stale_uploads(&name, &rules).await
            {
                tracing::warn!(bucket = %name, error = %e, "lifecycle: aborting stale uploads failed");
            }
        }
        Ok(more)
    }

    /// The rules' actions on one key, each version matched against the rules' filters on
    /// its own: its current version (read now, not when the pass listed the key), then its
    /// noncurrent ones.
    async fn apply_rules(
        &self,
        bucket: &str,
        key: &str,
        rules: &[LifecycleRule],
        small_to_archive: bool,
    ) -> Result<()> {
        let Some(current) = self.load(bucket, key).await? else { return Ok(()) };
        let now = self.now_ms();
        let by = lifecycle_requester();
        let matching =
            |record: &ObjectRecord| rules.iter().filter(|r| r.filter.matches(key, record)).collect::<Vec<_>>();
        let for_current = matching(&current);
        let noncurrent_rules =
            rules.iter().any(|r| r.noncurrent_days.is_some() || !r.noncurrent_transitions.is_empty());
        let marker_rules = current.delete_marker && for_current.iter().any(|r| r.expired_delete_marker);
        let versions = match (noncurrent_rules, marker_rules) {
            (false, false) => Vec::new(),
            (false, true) => self.noncurrent_of(bucket, key, 1).await?,
            (true, _) => self.noncurrent_of(bucket, key, MAX_VERSIONS).await?,
        };
        if current.delete_marker {
            if versions.is_empty() && marker_rules {
                let id = crate::versions::version_label(&current).to_string();
                self.delete_version(bucket, key, &id, &by, false).await?;
            }
        } else if for_current.iter().any(|r| {
            r.expire_days.is_some_and(|d| now >= due(current.modified_ms, d))
                || r.expire_date_ms.is_some_and(|d| now >= d)
        }) {
            self.delete_object(bucket, key, &by).await?;
        } else if transition_target(&for_current, &current, (None, small_to_archive), now).is_some() {
            // Moved in place, if the key's current version is still one the rules move.
            let moved = self.update_as(bucket, key, None, Some((&["LifecycleTransition"][..], &by)), |r| {
                if let Some(class) = transition_target(&matching(r), r, (None, small_to_archive), now) {
                    r.storage_class = class;
                }
                Ok(())
            });
            match moved.await {
                Ok(_) | Err(Error::NoSuchKey(_) | Error::DeleteMarker { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        // A noncurrent version stopped being current when the next newer one was written.
        let mut newer_ms = current.modified_ms;
        for (i, v) in versions.iter().enumerate() {
            let became_noncurrent = newer_ms;
            newer_ms = v.modified_ms;
            let expired = matching(v).iter().any(|r| {
                r.noncurrent_days.is_some_and(|d| now >= due(became_noncurrent, d))
                    && r.newer_noncurrent.is_none_or(|keep| i >= keep as usize)
            });
            let id = crate::versions::version_label(v).to_string();
            if !expired {
                let at = Some((i, became_noncurrent));
                if let Some(class) = transition_target(&matching(v), v, (at, small_to_archive), now) {
                    // Only further along, as the current version's move.
                    let moved =
                        self.update_as(bucket, key, Some(&id), Some((&["LifecycleTransition"][..], &by)), |r| {
                            if rank(class) > rank(r.storage_class) {
                                r.storage_class = class;
                            }
                            Ok(())
                        });
                    match moved.await {
                        Ok(_) | Err(Error::NoSuchVersion { .. } | Error::DeleteMarker { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            match self.delete_version(bucket, key, &id, &by, false).await {
                // Object lock outlasts lifecycle rules.
                Err(Error::AccessDenied(_)) => {}
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    /// Up to `limit` of a key's noncurrent versions, newest first.
    async fn noncurrent_of(&self, bucket: &str, key: &str, limit: usize) -> Result<Vec<ObjectRecord>> {
        if self.with_bucket(bucket, |b| b.versioning.is_none())? {
            return Ok(Vec::new());
        }
        let table = crate::versions::versions_table(bucket);
        let rows = self.store.query(&table, key.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, limit).await?;
        rows.iter()
            .map(|r| ObjectRecord::decode(key, &r.item))
            .collect::<std::result::Result<_, _>>()
            .map_err(Error::from)
    }

    /// Aborts the uploads a rule's `AbortIncompleteMultipartUpload` has expired.
    async fn abort_stale_uploads(&self, bucket: &str, rules: &[LifecycleRule]) -> Result<()> {
        if rules.iter().all(|r| r.abort_upload_days.is_none()) {
            return Ok(());
        }
        let now = self.now_ms();
        for (id, upload) in self.list_uploads(bucket, "").await? {
            let expired = rules.iter().any(|r| {
                upload.key.starts_with(&r.filter.prefix)
                    && r.abort_upload_days.is_some_and(|d| now >= due(upload.created_ms, d))
            });
            if expired {
                match self.abort_upload(bucket, &upload.key, &id).await {
                    Ok(()) | Err(Error::NoSuchUpload(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_end_at_the_next_midnight() {
        let noon = 10 * DAY_MS + DAY_MS / 2;
        assert_eq!(due(noon, 1), 12 * DAY_MS);
        assert_eq!(due(10 * DAY_MS, 1), 11 * DAY_MS);
    }
}
