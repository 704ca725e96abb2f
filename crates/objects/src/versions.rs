//! Object versions: a bucket's versioning state, version ids, delete markers, and where
//! each version of a key is kept.
//!
//! A key's current version (an object or a delete marker) stays in the bucket's table,
//! so reading the latest object, listing and a PUT into an unversioned bucket cost what
//! they did before versioning existed. The noncurrent versions of a versioned bucket
//! live in the pseudo-table `~v:<bucket>`: partition = key, sort key = the version id.
//! Ids are made to sort newest first (the inverted creation sequence, in base 62, then
//! random characters), so a key's versions read in S3's order. A bucket has at most one
//! `null` version per key; when it is noncurrent, its sort key is made the same way from
//! its modification time, and the current record remembers it (`null_at`).

use crate::checked::{ATTEMPTS, Read, too_busy};
use crate::events::Requester;
use crate::object::object_write;
use crate::record::ObjectRecord;
use crate::service::{Bucket, OBJECTS_PK, Objects};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};

/// The id S3 gives the version written while a bucket kept no versions (or had them
/// suspended).
pub const NULL: &str = "null";

/// A bucket's versioning, once it has been set (a bucket never returns to unversioned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    /// Every write makes a new version.
    Enabled,
    /// Writes make (and replace) the `null` version; versions already made stay.
    Suspended,
}

impl Versioning {
    /// S3's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            Versioning::Enabled => "Enabled",
            Versioning::Suspended => "Suspended",
        }
    }
}

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Base-62 digits of a u64 (62^11 > 2^64).
const ORDER_LEN: usize = 11;
/// A version id's length (S3's are opaque strings of about this size).
const ID_LEN: usize = 32;

/// `n` in [`ORDER_LEN`] base-62 digits, whose byte order is `n`'s order.
fn base62(mut n: u64) -> [u8; ORDER_LEN] {
    let mut out = [b'0'; ORDER_LEN];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Makes version ids: each one's sequence is past the last one's and past the time it is
/// made, so a key's newer versions sort first.
#[derive(Default)]
pub(crate) struct VersionIds {
    last: AtomicU64,
}

impl VersionIds {
    /// A new version id, made at `now_ms`.
    pub(crate) fn next(&self, now_ms: i64) -> String {
        Self::id_of(self.seq((now_ms.max(0) as u64) << 16))
    }

    /// Where a version made at `now_ms` sorts: before every version made earlier.
    pub(crate) fn order(&self, now_ms: i64) -> String {
        Self::order_of(self.seq((now_ms.max(0) as u64) << 16))
    }

    /// A sequence number at least `floor` and past every one this server made.
    fn seq(&self, floor: u64) -> u64 {
        let previous = self.last.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| Some(floor.max(last + 1)));
        floor.max(previous.expect("the update always applies") + 1)
    }

    fn order_of(seq: u64) -> String {
        String::from_utf8(base62(u64::MAX - seq).to_vec()).expect("base-62 digits")
    }

    fn id_of(seq: u64) -> String {
        let mut random = [0u8; ID_LEN - ORDER_LEN];
        getrandom::fill(&mut random).expect("the OS random source works");
        let mut id = Self::order_of(seq).into_bytes();
        id.extend(random.iter().map(|b| DIGITS[(*b % 62) as usize]));
        String::from_utf8(id).expect("base-62 digits")
    }

    /// Makes `new` (numbered already) sort before `old`, the version it replaces, even if
    /// this server's clock is behind the one that wrote `old` (another server's, or this
    /// one's before it was set back).
    pub(crate) fn renumber_after(&self, new: &mut ObjectRecord, old: &ObjectRecord) {
        let Some(floor) = seq_of(&sort_key(old)).map(|s| s + 1) else { return };
        if new.version_id.as_deref().and_then(seq_of).is_some_and(|s| s < floor) {
            new.version_id = Some(Self::id_of(self.seq(floor)));
        }
        if new.null_order.as_deref().and_then(seq_of).is_some_and(|s| s < floor) {
            new.null_order = Some(Self::order_of(self.seq(floor)));
        }
    }
}

/// The sequence number a sort key (a version id, or a null version's order) begins with.
fn seq_of(key: &str) -> Option<u64> {
    let digits = key.as_bytes().get(..ORDER_LEN)?;
    let mut n: u64 = 0;
    for d in digits {
        let v = DIGITS.iter().position(|x| x == d)? as u64;
        n = n.checked_mul(62)?.checked_add(v)?;
    }
    Some(u64::MAX - n)
}

/// Refuses a version id this server cannot have made (S3's error for a malformed one).
pub fn check_version_id(id: &str) -> Result<()> {
    if id == NULL || (id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())) {
        Ok(())
    } else {
        Err(Error::InvalidArgument("Invalid version id specified".into()))
    }
}

/// The pseudo-table of `bucket`'s noncurrent versions.
pub(crate) fn versions_table(bucket: &str) -> String {
    format!("~v:{bucket}")
}

/// Where `record` is kept once noncurrent.
fn sort_key(record: &ObjectRecord) -> String {
    match (&record.version_id, &record.null_order) {
        (Some(id), _) => id.clone(),
        (None, Some(order)) => format!("{order}~null"),
        // Written before the bucket had versioning: by its time, after any version made
        // in the same millisecond (`~` sorts after every digit).
        (None, None) => {
            let order = base62(u64::MAX - ((record.modified_ms.max(0) as u64) << 16));
            format!("{}~null", String::from_utf8_lossy(&order))
        }
    }
}

pub(crate) fn version_write(bucket: &str, key: &str, sk: &str, record: Option<&ObjectRecord>) -> ItemWrite {
    ItemWrite {
        table: versions_table(bucket),
        pk: key.as_bytes().to_vec(),
        sk: sk.as_bytes().to_vec(),
        item: record.map(ObjectRecord::encode),
    }
}

/// A version found: its record, and where it is (`None`: the key's current record; else
/// its sort key among the noncurrent versions).
pub(crate) type Found = (ObjectRecord, Option<String>);

/// What a DeleteObject did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    /// The version id to report (`x-amz-version-id`): the delete marker made or the version
    /// removed; `None` in a bucket that never had versioning.
    pub version_id: Option<String>,
    /// Whether a delete marker was made, or the version removed was one.
    pub delete_marker: bool,
}

/// One version in a listing.
#[derive(Debug)]
pub struct VersionEntry {
    /// Its key.
    pub key: String,
    /// Its record (bytes left out); a delete marker has `delete_marker` set.
    pub record: ObjectRecord,
    /// Whether it is the key's current version.
    pub latest: bool,
}

/// One page of ListObjectVersions.
#[derive(Debug, Default)]
pub struct VersionsPage {
    /// Versions, by key, then newest first.
    pub versions: Vec<VersionEntry>,
    /// Common prefixes, in order.
    pub common_prefixes: Vec<String>,
    /// Whether more follow.
    pub truncated: bool,
    /// Where the next page starts: the last key or common prefix of this one, and the
    /// last version's id (none after a common prefix).
    pub next: Option<(String, Option<String>)>,
}

/// The id a listing or a response reports for `record`.
pub fn version_label(record: &ObjectRecord) -> &str {
    record.version_id.as_deref().unwrap_or(NULL)
}

impl Objects {
    /// The id the next write to a bucket with `versioning` gets (`None`: the null version).
    fn new_version_id(&self, versioning: Option<Versioning>) -> Option<String> {
        (versioning == Some(Versioning::Enabled)).then(|| self.version_ids.next(self.now_ms()))
    }

    /// Gives `record` its version id for a write under `versioning` (and a `null` version
    /// written while suspended its place among the key's versions).
    pub(crate) fn number(&self, record: &mut ObjectRecord, versioning: Option<Versioning>) {
        record.version_id = self.new_version_id(versioning);
        record.null_order = (versioning == Some(Versioning::Suspended)).then(|| self.version_ids.order(self.now_ms()));
    }

    /// Sets `bucket`'s versioning (a bucket with object lock keeps it enabled).
    pub async fn set_versioning(&self, bucket: &str, state: Versioning) -> Result<()> {
        self.update_bucket_checked(bucket, |b| {
            if state != Versioning::Enabled && b.object_lock.is_some() {
                return Err(Error::InvalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
                        .into(),
                ));
            }
            b.versioning = Some(state);
            Ok(())
        })
        .await
    }

    /// `bucket`'s versioning: `None` if it was never set.
    pub fn versioning(&self, bucket: &str) -> Result<Option<Versioning>> {
        self.with_bucket(bucket, |b| b.versioning)
    }

    /// The current record of `key` and, if the version `version` (an id or `null`) exists,
    /// that version; both remembered in `read`.
    pub(crate) async fn locate(
        &self,
        read: &mut Read,
        bucket: &str,
        key: &str,
        version: &str,
    ) -> Result<(Option<ObjectRecord>, Option<Found>)> {
        let current = self.load_for(read, bucket, key).await?;
        let Some(cur) = &current else { return Ok((None, None)) };
        let wanted = (version != NULL).then_some(version);
        if cur.version_id.as_deref() == wanted {
            return Ok((current.clone(), Some((cur.clone(), None))));
        }
        let sk = match wanted {
            Some(id) => id.to_string(),
            None => match &cur.null_at {
                Some(sk) => sk.clone(),
                None => return Ok((current, None)),
            },
        };
        let table = versions_table(bucket);
        let bytes = self.store.get_item(&table, key.as_bytes(), sk.as_bytes()).await?;
        read.saw(&table, key.as_bytes(), sk.as_bytes(), bytes.as_deref());
        let found = bytes.map(|b| ObjectRecord::decode(key, &b)).transpose()?.map(|r| (r, Some(sk)));
        Ok((current, found))
    }

    /// The version of `key` a read names (`None`: the current one), which must be an
    /// object: a delete marker is refused as S3 refuses it (404 as the current version,
    /// 405 by id).
    pub(crate) async fn read_version(&self, bucket: &str, key: &str, version: Option<&str>) -> Result<Found> {
        let marker = |r: &ObjectRecord, by_version: bool| Error::DeleteMarker {
            key: key.into(),
            version_id: r.version_id.clone(),
            modified_ms: r.modified_ms,
            by_version,
        };
        let Some(version) = version else {
            let record = self.load(bucket, key).await?.ok_or_else(|| Error::NoSuchKey(key.into()))?;
            if record.delete_marker {
                return Err(marker(&record, false));
            }
            return Ok((record, None));
        };
        check_version_id(version)?;
        match self.locate(&mut Read::default(), bucket, key, version).await?.1 {
            Some((r, _)) if r.delete_marker => Err(marker(&r, true)),
            Some(found) => Ok(found),
            None if version == NULL => Err(Error::NoSuchKey(key.into())),
            None => Err(Error::NoSuchVersion { key: key.into(), version_id: version.into() }),
        }
    }

    /// The store writes that make `new` the current version of `key` in place of `old`
    /// (read into `read`) under `versioning`, main row first; and the versions they
    /// remove, whose bytes go once the writes are durable. `new.version_id` is already
    /// set.
    pub(crate) async fn place(
        &self,
        read: &mut Read,
        (bucket, key): (&str, &str),
        versioning: Option<Versioning>,
        old: Option<ObjectRecord>,
        new: &mut ObjectRecord,
    ) -> Result<(Vec<ItemWrite>, Vec<ObjectRecord>)> {
        let (mut writes, mut gone) = (Vec::new(), Vec::new());
        new.null_at = None;
        if let Some(o) = &old {
            self.version_ids.renumber_after(new, o);
        }
        if versioning.is_none() {
            gone.extend(old);
        } else {
            let mut null_at = old.as_ref().and_then(|o| o.null_at.clone());
            if let Some(mut o) = old {
                if o.version_id.is_none() && new.version_id.is_none() {
                    // Suspended: the null version is replaced (never one object lock holds).
                    if o.lock.as_ref().is_some_and(|l| l.protects(self.now_ms(), false)) {
                        return Err(Error::AccessDenied(
                            "Access Denied because object protected by object lock.".into(),
                        ));
                    }
                    gone.push(o);
                } else {
                    let sk = sort_key(&o);
                    if o.version_id.is_none() {
                        null_at = Some(sk.clone());
                    }
                    o.null_at = None;
                    writes.push(version_write(bucket, key, &sk, Some(&o)));
                }
            }
            if new.version_id.is_none()
                && let Some(sk) = null_at.take()
            {
                // The new null version replaces the noncurrent one.
                let table = versions_table(bucket);
                let bytes = self.store.get_item(&table, key.as_bytes(), sk.as_bytes()).await?;
                read.saw(&table, key.as_bytes(), sk.as_bytes(), bytes.as_deref());
                if let Some(b) = bytes {
                    gone.push(ObjectRecord::decode(key, &b)?);
                }
                writes.push(version_write(bucket, key, &sk, None));
            }
            new.null_at = null_at;
        }
        writes.insert(0, object_write(bucket, key, Some(new)));
        Ok((writes, gone))
    }

    /// Makes a delete marker the current version of `key` in a bucket with versioning.
    pub(crate) async fn delete_with_marker(
        &self,
        b: &Bucket,
        (bucket, key): (&str, &str),
        versioning: Versioning,
        by: &Requester,
    ) -> Result<Deleted> {
        let mut marker = ObjectRecord { delete_marker: true, modified_ms: self.now_ms(), ..Default::default() };
        self.number(&mut marker, Some(versioning));
        for _ in 0..ATTEMPTS {
            let guard = b.lock_key(bucket, key).await?;
            let mut read = Read::default();
            let old = self.load_for(&mut read, bucket, key).await?;
            let (mut writes, gone) = self.place(&mut read, (bucket, key), Some(versioning), old, &mut marker).await?;
            writes.extend(self.event_writes(
                &b.settings(),
                "ObjectRemoved:DeleteMarkerCreated",
                key,
                Some(&marker),
                by,
            ));
            if self.commit_read(writes, read, guard).await? {
                gone.iter().for_each(|g| self.discard(Some(g)));
                let version_id = Some(version_label(&marker).to_string());
                return Ok(Deleted { version_id, delete_marker: true });
            }
        }
        Err(too_busy(key))
    }

    /// Removes version `version` (an id or `null`) of `key` for good; the key's newest
    /// remaining version becomes current if it was. Nothing to remove is no error. A
    /// version object lock protects is refused (`bypass`: the caller may bypass a
    /// governance retention, and asked to).
    pub async fn delete_version(
        &self,
        bucket: &str,
        key: &str,
        version: &str,
        by: &Requester,
        bypass: bool,
    ) -> Result<Deleted> {
        self.remove_version(bucket, key, version, by, Some(bypass)).await
    }

    /// [`Objects::delete_version`]; `bypass` `None` ignores object lock (the dev server's
    /// reset, which takes everything).
    pub(crate) async fn remove_version(
        &self,
        bucket: &str,
        key: &str,
        version: &str,
        by: &Requester,
        bypass: Option<bool>,
    ) -> Result<Deleted> {
        check_version_id(version)?;
        let b = self.get_bucket(bucket)?;
        let table = versions_table(bucket);
        for _ in 0..ATTEMPTS {
            let guard = b.lock_key(bucket, key).await?;
            let mut read = Read::default();
            // Queries read committed rows: wait for this key's writes submitted before.
            self.store.write(Vec::new()).await?;
            let (current, found) = self.locate(&mut read, bucket, key, version).await?;
            let Some((gone, at)) = found else {
                let versioned = b.record.read().expect("bucket lock").versioning.is_some();
                return Ok(Deleted { version_id: versioned.then(|| version.to_string()), delete_marker: false });
            };
            if let (Some(bypass), Some(lock)) = (bypass, &gone.lock)
                && lock.protects(self.now_ms(), bypass)
            {
                return Err(Error::AccessDenied("Access Denied because object protected by object lock.".into()));
            }
            let mut writes = Vec::new();
            match at {
                None => {
                    let newest =
                        self.store.query(&table, key.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, 1);
                    match newest.await?.pop() {
                        Some(row) => {
                            read.saw(&table, key.as_bytes(), &row.sk, Some(&row.item));
                            let mut promoted = ObjectRecord::decode(key, &row.item)?;
                            promoted.null_at = match promoted.version_id {
                                None => None,
                                Some(_) => gone.null_at.clone(),
                            };
                            writes.push(object_write(bucket, key, Some(&promoted)));
                            writes.push(ItemWrite { table: table.clone(), pk: row.pk, sk: row.sk, item: None });
                        }
                        None => writes.push(object_write(bucket, key, None)),
                    }
                }
                Some(sk) => {
                    writes.push(version_write(bucket, key, &sk, None));
                    if gone.version_id.is_none() {
                        let mut current = current.expect("a key with versions has a current one");
                        current.null_at = None;
                        writes.push(object_write(bucket, key, Some(&current)));
                    }
                }
            }
            let versioned = b.settings().versioning.is_some();
            writes.extend(self.event_writes(&b.settings(), "ObjectRemoved:Delete", key, Some(&gone), by));
            if self.commit_read(writes, read, guard).await? {
                self.discard(Some(&gone));
                let version_id = (versioned || gone.version_id.is_some()).then(|| version.to_string());
                return Ok(Deleted { version_id, delete_marker: gone.delete_marker });
            }
        }
        Err(too_busy(key))
    }

    /// One page of every version of `bucket`'s keys: `req.after` is the key marker, and
    /// `version_after` the version id marker (the listing then resumes within that key).
    pub async fn list_versions(
        &self,
        bucket: &str,
        req: &crate::ListRequest,
        version_after: Option<&str>,
    ) -> Result<VersionsPage> {
        let versioned = self.get_bucket(bucket)?.record.read().expect("bucket lock").versioning.is_some();
        let mut page = VersionsPage::default();
        if req.max_keys == 0 {
            return Ok(page);
        }
        let table = versions_table(bucket);
        let delimiter = req.delimiter.as_deref().filter(|d| !d.is_empty());
        // Resuming within the marker's key: its versions through the marker were listed.
        let mut resume = version_after.zip(req.after.clone());
        let mut lower = match (&resume, &req.after) {
            (Some((_, key)), _) if key.as_str() >= req.prefix.as_str() => Bound::Included(key.as_bytes().to_vec()),
            (None, Some(a)) if a.as_str() >= req.prefix.as_str() => Bound::Excluded(a.as_bytes().to_vec()),
            _ => Bound::Included(req.prefix.as_bytes().to_vec()),
        };
        let count = |p: &VersionsPage| p.versions.len() + p.common_prefixes.len();
        let full = |p: &mut VersionsPage| {
            let done = count(p) == req.max_keys;
            p.truncated |= done;
            done
        };
        'pages: loop {
            let want = (req.max_keys - count(&page)).clamp(1, 1000) + 1;
            let rows = self.store.query(bucket, OBJECTS_PK, (lower.clone(), Bound::Unbounded), true, want).await?;
            let exhausted = rows.len() < want;
            for row in rows {
                let key = crate::list::key_of(bucket, &row.sk)?;
                if !key.starts_with(&req.prefix) {
                    break 'pages;
                }
                lower = Bound::Excluded(row.sk.clone());
                let resuming = resume.take().filter(|(_, k)| *k == key).map(|(v, _)| v);
                let rolled = delimiter.and_then(|d| {
                    let rest = &key[req.prefix.len()..];
                    rest.find(d).map(|at| key[..req.prefix.len() + at + d.len()].to_string())
                });
                if let Some(cp) = rolled {
                    if req.after.as_ref().is_none_or(|a| cp.as_str() > a.as_str()) {
                        if full(&mut page) {
                            break 'pages;
                        }
                        page.next = Some((cp.clone(), None));
                        page.common_prefixes.push(cp.clone());
                    }
                    lower = Bound::Included(crate::list::past_prefix(&cp));
                    continue 'pages;
                }
                let mut current = ObjectRecord::decode(&key, &row.item)?;
                current.inline = Default::default();
                // Where the noncurrent versions to list start.
                let mut from = Bound::Unbounded;
                match resuming {
                    None => {
                        if full(&mut page) {
                            break 'pages;
                        }
                        page.next = Some((key.clone(), Some(version_label(&current).to_string())));
                        page.versions.push(VersionEntry { key: key.clone(), record: current, latest: true });
                    }
                    Some(marker) if marker == version_label(&current) => {}
                    Some(marker) => match (marker == NULL, &current.null_at) {
                        (false, _) => from = Bound::Excluded(marker.as_bytes().to_vec()),
                        (true, Some(sk)) => from = Bound::Excluded(sk.as_bytes().to_vec()),
                        (true, None) => continue,
                    },
                }
                if !versioned {
                    continue;
                }
                loop {
                    let want = (req.max_keys - count(&page)).clamp(1, 1000) + 1;
                    let older = self.store.query(&table, key.as_bytes(), (from.clone(), Bound::Unbounded), true, want);
                    let older = older.await?;
                    let last_batch = older.len() < want;
                    for v in older {
                        if full(&mut page) {
                            break 'pages;
                        }
                        let mut record = ObjectRecord::decode(&key, &v.item)?;
                        record.inline = Default::default();
                        page.next = Some((key.clone(), Some(version_label(&record).to_string())));
                        page.versions.push(VersionEntry { key: key.clone(), record, latest: false });
                        from = Bound::Excluded(v.sk);
                    }
                    if last_batch {
                        break;
                    }
                }
            }
            if exhausted {
                break;
            }
        }
        if !page.truncated {
            page.next = None;
        }
        Ok(page)
    }
}
