//! Object operations: put, get and head (with conditions and ranges), delete, copy, tags.

use crate::body::{ByteSource, Expected, StreamSource, write_body};
use crate::checked::{ATTEMPTS, Read, too_busy};
use crate::checksum::Algorithm;
use crate::conditions::{ByteRange, Conditions, etag_matches};
use crate::events::{Requester, holds_events};
use crate::names::check_key;
use crate::record::{INLINE_MAX, ObjectMeta, ObjectRecord, StoredChecksum};
use crate::service::{OBJECTS_PK, Objects};
use crate::sse::{self, CustomerKey, SseRequest};
use crate::versions::Deleted;
use crate::{Error, Result};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use squall_storage::ItemWrite;
use std::sync::Arc;

/// At most this many tags per object.
pub const MAX_TAGS: usize = 10;

/// A PutObject's settings.
#[derive(Debug, Clone, Default)]
pub struct PutObject {
    /// Content type, stored headers, user metadata.
    pub meta: ObjectMeta,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Digests the bytes must match, and the checksum to store.
    pub expected: Expected,
    /// A conditional write: `*` (the key must not exist) or ETags one of which the
    /// current object must have.
    pub if_none_match: Option<String>,
    /// ETags of which the current object must have one.
    pub if_match: Option<String>,
    /// The encryption asked for (else the bucket's default, if any).
    pub sse: Option<SseRequest>,
    /// The object lock asked for (else the bucket's default retention, if any).
    pub lock: Option<crate::lock::VersionLock>,
    /// Its storage class.
    pub storage_class: crate::storage_class::StorageClass,
    /// Its ACL, if it grants more than the owner's full control.
    pub acl: Option<crate::acl::Acl>,
    /// Who writes, for object events.
    pub requester: Requester,
}

/// A CopyObject's settings.
#[derive(Debug, Clone, Default)]
pub struct CopyObject {
    /// The source bucket.
    pub source_bucket: String,
    /// The source key.
    pub source_key: String,
    /// The source's version (an id or `null`), or `None` for its current one.
    pub source_version: Option<String>,
    /// Conditions on the source (`x-amz-copy-source-if-*`).
    pub source_conditions: Conditions,
    /// New metadata (`MetadataDirective: REPLACE`), or `None` to keep the source's.
    pub replace_meta: Option<ObjectMeta>,
    /// New tags (`TaggingDirective: REPLACE`), or `None` to keep the source's.
    pub replace_tags: Option<Vec<(String, String)>>,
    /// The checksum to store; by default the source's algorithm.
    pub checksum: Option<Algorithm>,
    /// The key the source was encrypted with, if the caller's (SSE-C).
    pub source_customer_key: Option<CustomerKey>,
    /// The copy's encryption (else the bucket's default, if any).
    pub sse: Option<SseRequest>,
    /// The copy's object lock (the source's is not copied).
    pub lock: Option<crate::lock::VersionLock>,
    /// The copy's storage class (S3 does not copy the source's: STANDARD unless asked).
    pub storage_class: crate::storage_class::StorageClass,
    /// The copy's ACL (S3 does not copy the source's either).
    pub acl: Option<crate::acl::Acl>,
    /// Who copies, for object events.
    pub requester: Requester,
}

/// An object being read.
pub struct ObjectRead {
    /// Its record (the bytes left out).
    pub record: ObjectRecord,
    /// The inclusive byte positions sent, for a range request.
    pub range: Option<(u64, u64)>,
    /// The bytes.
    pub body: BoxStream<'static, Result<Bytes>>,
}

/// Checks S3's tag limits.
pub fn check_tags(tags: &[(String, String)]) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::InvalidTag("Object tags cannot be greater than 10".into()));
    }
    check_tag_values(tags)
}

/// An object's tags as kept: checked, and in key order (a tag set has no order; S3 lists
/// it by key).
pub(crate) fn tag_set(mut tags: Vec<(String, String)>) -> Result<Vec<(String, String)>> {
    check_tags(&tags)?;
    tags.sort();
    Ok(tags)
}

/// Tag keys (1–128 characters, unique) and values (up to 256).
pub(crate) fn check_tag_values(tags: &[(String, String)]) -> Result<()> {
    for (i, (k, v)) in tags.iter().enumerate() {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::InvalidTag("The TagKey you have provided is invalid".into()));
        }
        if v.chars().count() > 256 {
            return Err(Error::InvalidTag("The TagValue you have provided is invalid".into()));
        }
        if tags[..i].iter().any(|(other, _)| other == k) {
            return Err(Error::InvalidTag("Cannot provide multiple Tags with the same key".into()));
        }
    }
    Ok(())
}

/// The store write of `key`'s record in `bucket` (`None` deletes it).
pub(crate) fn object_write(bucket: &str, key: &str, record: Option<&ObjectRecord>) -> ItemWrite {
    ItemWrite {
        table: bucket.into(),
        pk: OBJECTS_PK.to_vec(),
        sk: key.as_bytes().to_vec(),
        item: record.map(ObjectRecord::encode),
    }
}

/// Whether a record was written under versioning: found while this server believes the
/// bucket never had it, another server turned it on and this one has not heard yet.
pub(crate) fn versioned_elsewhere(record: &ObjectRecord) -> bool {
    record.version_id.is_some() || record.null_at.is_some() || record.null_order.is_some()
}

/// A write's conditions on the current version it replaces: `If-None-Match` (`*`: there
/// is none; ETags: it has none of them) and `If-Match` (it has one of these ETags, or
/// `*`: it exists).
pub(crate) fn check_write_conditions(
    old: Option<&ObjectRecord>,
    key: &str,
    if_none_match: Option<&str>,
    if_match: Option<&str>,
) -> Result<()> {
    match (old, if_none_match, if_match) {
        (Some(o), Some(n), _) if etag_matches(n, &o.etag) => Err(Error::PreconditionFailed),
        (None, _, Some(_)) => Err(Error::NoSuchKey(key.into())),
        (Some(o), _, Some(m)) if !etag_matches(m, &o.etag) => Err(Error::PreconditionFailed),
        _ => Ok(()),
    }
}

impl Objects {
    /// Stores `source` as `key` in `bucket`. Nothing is visible (and a previous version
    /// stays) unless every byte arrived and every digest matched.
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        put: PutObject,
        source: &mut dyn ByteSource,
    ) -> Result<ObjectRecord> {
        self.store_object(bucket, key, put, source, "ObjectCreated:Put").await
    }

    async fn store_object(
        &self,
        bucket: &str,
        key: &str,
        put: PutObject,
        source: &mut dyn ByteSource,
        event: &str,
    ) -> Result<ObjectRecord> {
        check_key(key)?;
        let mut put = put;
        put.tags = tag_set(std::mem::take(&mut put.tags))?;
        let b = self.get_bucket(bucket)?;
        let (lock_config, default) = {
            let s = b.settings();
            (s.object_lock.clone(), s.encryption.as_ref().map(crate::service::DefaultEncryption::request))
        };
        let lock = crate::lock::for_new_version(lock_config.as_ref(), put.lock.take(), self.now_ms())?;
        let (encryption, seal) = match put.sse.as_ref().or(default.as_ref()) {
            Some(r) => {
                let (enc, key) = sse::new_key(self.keys(), r, &format!("{bucket}/{key}")).await?;
                (Some(enc), Some(sse::Sealing::object(key)))
            }
            None => (None, None),
        };
        let written = write_body(self.blobs.as_ref(), source, &put.expected, INLINE_MAX, seal).await?;
        let record = ObjectRecord {
            size: written.size,
            etag: sse::etag(encryption.as_ref(), &written.md5),
            encryption,
            lock,
            modified_ms: self.now_ms(),
            meta: put.meta,
            checksum: written.checksum.map(|(algorithm, value)| StoredChecksum { algorithm, value }),
            tags: put.tags,
            part_sizes: Vec::new(),
            segments: written.segments,
            inline: written.inline,
            storage_class: put.storage_class,
            acl: put.acl,
            ..Default::default()
        };
        let mut record = record;
        let conditions = (put.if_none_match, put.if_match);
        match self.commit(bucket, key, &mut record, conditions, (event, &put.requester)).await {
            Ok(()) => Ok(record),
            Err(e) => {
                self.discard(Some(&record));
                Err(e)
            }
        }
    }

    /// Writes `record` as `key` (a new version of it in a bucket with versioning, whose
    /// id `record` then has), checking the write conditions against the current version
    /// under the key's lock; a replaced version's blobs go once the write is durable.
    async fn commit(
        &self,
        bucket: &str,
        key: &str,
        record: &mut ObjectRecord,
        (if_none_match, if_match): (Option<String>, Option<String>),
        (event, by): (&str, &Requester),
    ) -> Result<()> {
        let b = self.get_bucket(bucket)?;
        let guard = b.lock_key(bucket, key).await?;
        let mut versioning = b.settings().versioning;
        self.number(record, versioning);
        // On a store shared with other servers, one of them may have turned versioning on
        // before this one heard: read first there, and see.
        if versioning.is_none() && if_none_match.is_none() && if_match.is_none() && !self.shared {
            // Nothing to check first: the store says what the write replaced, which saves
            // a read on every plain PUT.
            let mut writes = vec![object_write(bucket, key, Some(record))];
            writes.extend(self.event_writes(&b.settings(), event, key, Some(record), by));
            let wakes = holds_events(&writes);
            let ticket = self.store.submit_swap(writes);
            drop(guard);
            // The write is durable: an unreadable old record costs its blobs (an orphan),
            // never the new object.
            let old = ticket.await?.and_then(|bytes| {
                ObjectRecord::decode(key, &bytes)
                    .map_err(|e| tracing::warn!(error = %e, "the replaced record could not be read; its blobs stay"))
                    .ok()
            });
            if wakes {
                self.events_pending.notify_one();
            }
            self.discard(old.as_ref());
            return Ok(());
        }
        let mut guard = guard;
        for _ in 0..ATTEMPTS {
            let mut read = Read::default();
            let old = self.load_for(&mut read, bucket, key).await?;
            if versioning.is_none() && old.as_ref().is_some_and(versioned_elsewhere) {
                drop(guard);
                self.refresh().await?;
                versioning = b.settings().versioning;
                self.number(record, versioning);
                guard = b.lock_key(bucket, key).await?;
                continue;
            }
            let live = old.as_ref().filter(|o| !o.delete_marker);
            check_write_conditions(live, key, if_none_match.as_deref(), if_match.as_deref())?;
            let (mut writes, gone) = self.place(&mut read, (bucket, key), versioning, old, record).await?;
            writes.extend(self.event_writes(&b.settings(), event, key, Some(record), by));
            if self.commit_read(writes, read, guard).await? {
                gone.iter().for_each(|g| self.discard(Some(g)));
                return Ok(());
            }
            guard = b.lock_key(bucket, key).await?;
        }
        Err(too_busy(key))
    }

    /// The record of `key` (its current version, or `version`: an id or `null`) after
    /// the read conditions, and the inclusive positions of `range` within it.
    pub async fn head_object(
        &self,
        bucket: &str,
        key: &str,
        (version, customer_key): (Option<&str>, Option<&CustomerKey>),
        conditions: &Conditions,
        range: Option<ByteRange>,
    ) -> Result<(ObjectRecord, Option<(u64, u64)>)> {
        self.get_bucket(bucket)?;
        let (record, _) = self.read_version(bucket, key, version).await?;
        sse::open_key(self.keys(), record.encryption.as_ref(), customer_key)?;
        conditions.check_read(&record)?;
        let range = range.map(|r| r.resolve(record.size)).transpose()?;
        Ok((record, range))
    }

    /// The inclusive byte positions of part `number` of `record` (a multipart upload's
    /// part; any other object is its own part 1).
    pub fn part_range(record: &ObjectRecord, number: u32) -> Result<(u64, u64)> {
        let sizes = if record.part_sizes.is_empty() { vec![record.size] } else { record.part_sizes.clone() };
        let index = (number as usize).checked_sub(1).filter(|i| *i < sizes.len()).ok_or(Error::InvalidPartNumber)?;
        let first: u64 = sizes[..index].iter().sum();
        if sizes[index] == 0 {
            return Err(Error::InvalidPartNumber);
        }
        Ok((first, first + sizes[index] - 1))
    }

    /// Reads `key` (all of it, or `range`; its current version or `version`; an object
    /// encrypted with the caller's key needs `customer_key`).
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        (version, customer_key): (Option<&str>, Option<&CustomerKey>),
        conditions: &Conditions,
        range: Option<ByteRange>,
    ) -> Result<ObjectRead> {
        let (mut record, range) = self.head_object(bucket, key, (version, customer_key), conditions, range).await?;
        self.check_readable(&record)?;
        let (start, end) = match range {
            Some((first, last)) => (first, last + 1),
            None => (0, record.size),
        };
        let data_key = sse::open_key(self.keys(), record.encryption.as_ref(), customer_key)?;
        let body = self.read_plain(&record, data_key.map(Arc::new), start, end).await?;
        record.inline = Bytes::new();
        Ok(ObjectRead { record, range, body })
    }

    /// Bytes `start..end` of `record`'s object as plaintext (opened with `data_key` when
    /// the object is encrypted: only the sealed chunks holding them are read), as the
    /// client takes them. The first blobs are opened before the stream is handed out: a
    /// local blob opened stays readable when an overwrite or a delete removes it, so a
    /// download under way finishes with the version it started (as on S3). Objects of
    /// more blobs than that open the rest as the reader reaches them.
    pub(crate) async fn read_plain(
        &self,
        record: &ObjectRecord,
        data_key: Option<Arc<sse::DataKey>>,
        start: u64,
        end: u64,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        const EAGER: usize = 64;
        /// One stretch to read: from the inline bytes or a blob, the stored range, and
        /// for sealed bytes how to open them.
        struct Span {
            blob: Option<String>,
            from: u64,
            len: u64,
            open: Option<sse::Opening>,
        }
        let corrupt = |blob: &str| {
            Error::Storage(squall_storage::Error::Corrupt {
                what: "an encrypted object".into(),
                detail: format!("blob {blob} says nothing of how it is sealed"),
            })
        };
        // Each piece: the inline bytes or a blob, its size as the reader sees it, its key.
        let mut pieces = Vec::new();
        if record.segments.is_empty() {
            pieces.push((None, record.size, data_key.clone().map(|k| (k, sse::Piece { id: 0, plain: record.size }))));
        }
        for s in &record.segments {
            let sealing = match &data_key {
                None => None,
                Some(k) => {
                    let sealed = s.sealed.as_ref().ok_or_else(|| corrupt(&s.blob))?;
                    Some((k.for_piece(sealed), sse::Piece { id: sealed.piece, plain: sealed.plain }))
                }
            };
            let size = sealing.as_ref().map_or(s.size, |(_, p)| p.plain);
            pieces.push((Some(s.blob.clone()), size, sealing));
        }
        let mut spans = Vec::new();
        let mut at = 0u64;
        for (blob, size, sealing) in pieces {
            let (lo, hi) = (start.max(at) - at, end.min(at + size).saturating_sub(at));
            at += size;
            if lo >= hi {
                continue;
            }
            spans.push(match sealing {
                None => Span { blob, from: lo, len: hi - lo, open: None },
                Some((key, piece)) => {
                    let (from, to, first) = sse::sealed_range(piece, lo, hi);
                    let skip = lo - first * sse::CHUNK as u64;
                    let opening = sse::Opening { key, piece, first, skip, take: hi - lo };
                    Span { blob, from, len: to - from, open: Some(opening) }
                }
            });
        }
        let mut streams = Vec::with_capacity(spans.len());
        for (i, span) in spans.into_iter().enumerate() {
            let stored: BoxStream<'static, Result<Bytes>> = match span.blob {
                None => {
                    let bytes = record.inline.slice(span.from as usize..(span.from + span.len) as usize);
                    futures::stream::once(async move { Ok(bytes) }).boxed()
                }
                Some(id) if i < EAGER => self.blobs.read(&id, span.from, span.len).await?.map_err(Error::from).boxed(),
                Some(id) => {
                    let blobs = self.blobs.clone();
                    futures::stream::once(async move { blobs.read(&id, span.from, span.len).await })
                        .try_flatten()
                        .map_err(Error::from)
                        .boxed()
                }
            };
            streams.push(match span.open {
                None => stored,
                Some(opening) => sse::open_stream(opening, stored),
            });
        }
        Ok(futures::stream::iter(streams).flatten().boxed())
    }

    /// Deletes `key`: in a bucket with versioning, a delete marker becomes its current
    /// version; otherwise the object goes.
    pub async fn delete_object(&self, bucket: &str, key: &str, by: &Requester) -> Result<Deleted> {
        let b = self.get_bucket(bucket)?;
        for _ in 0..ATTEMPTS {
            let versioning = b.record.read().expect("bucket lock").versioning;
            if let Some(v) = versioning {
                return self.delete_with_marker(&b, (bucket, key), v, by).await;
            }
            let guard = b.lock_key(bucket, key).await?;
            let mut read = Read::default();
            let Some(old) = self.load_for(&mut read, bucket, key).await? else { return Ok(Deleted::default()) };
            if versioned_elsewhere(&old) {
                drop(guard);
                self.refresh().await?;
                continue;
            }
            let mut writes = vec![object_write(bucket, key, None)];
            writes.extend(self.event_writes(
                &b.record.read().expect("bucket lock"),
                "ObjectRemoved:Delete",
                key,
                None,
                by,
            ));
            if self.commit_read(writes, read, guard).await? {
                self.discard(Some(&old));
                return Ok(Deleted::default());
            }
        }
        Err(too_busy(key))
    }

    /// Submits `writes`, releases the key's lock, waits until they are durable and wakes
    /// the event worker if they hold events.
    pub(crate) async fn submit_with_events(
        &self,
        writes: Vec<ItemWrite>,
        lock: crate::service::KeyGuard<'_>,
    ) -> Result<()> {
        let events = holds_events(&writes);
        let ticket = self.store.submit(writes);
        drop(lock);
        ticket.await?;
        if events {
            self.events_pending.notify_one();
        }
        Ok(())
    }

    /// Copies an object to `key` in `bucket`; the bytes are streamed, so any size copies in
    /// constant memory. The new record, and the source's.
    pub async fn copy_object(&self, bucket: &str, key: &str, copy: CopyObject) -> Result<(ObjectRecord, ObjectRecord)> {
        check_key(key)?;
        self.get_bucket(bucket)?;
        let source = self.copy_source(&copy.source_bucket, &copy.source_key, copy.source_version.as_deref()).await?;
        let source_key = sse::open_key(self.keys(), source.encryption.as_ref(), copy.source_customer_key.as_ref())?;
        copy.source_conditions.check_copy_source(&source)?;
        let same = copy.source_bucket == bucket && copy.source_key == key && copy.source_version.is_none();
        let changes = copy.replace_meta.is_some()
            || copy.replace_tags.is_some()
            || copy.checksum.is_some()
            || copy.storage_class != source.storage_class;
        if same && !changes && copy.sse.is_none() {
            return Err(Error::InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without changing \
                 the object's metadata, storage class, website redirect location or encryption attributes."
                    .into(),
            ));
        }
        let tags = tag_set(copy.replace_tags.unwrap_or_else(|| source.tags.clone()))?;
        let put = PutObject {
            meta: copy.replace_meta.unwrap_or_else(|| source.meta.clone()),
            tags,
            expected: Expected {
                checksum: copy.checksum.or(source.checksum.as_ref().map(|c| c.algorithm)),
                ..Default::default()
            },
            requester: copy.requester,
            sse: copy.sse,
            lock: copy.lock,
            storage_class: copy.storage_class,
            acl: copy.acl,
            ..Default::default()
        };
        let mut bytes = StreamSource(self.read_plain(&source, source_key.map(Arc::new), 0, source.size).await?);
        let record = self.store_object(bucket, key, put, &mut bytes, "ObjectCreated:Copy").await?;
        Ok((record, source))
    }

    /// The version a copy reads: a delete marker named by id is refused as S3 refuses it.
    pub(crate) async fn copy_source(&self, bucket: &str, key: &str, version: Option<&str>) -> Result<ObjectRecord> {
        self.get_bucket(bucket)?;
        match self.read_version(bucket, key, version).await {
            Ok((record, _)) => {
                self.check_readable(&record)?;
                Ok(record)
            }
            Err(Error::DeleteMarker { by_version: true, .. }) => Err(Error::InvalidRequest(
                "The source of a copy request may not specifically refer to a delete marker by version id.".into(),
            )),
            Err(Error::DeleteMarker { .. }) => Err(Error::NoSuchKey(key.into())),
            Err(e) => Err(e),
        }
    }

    /// Replaces the tags of `key` (its current version, or `version`).
    pub async fn put_tags(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        tags: Vec<(String, String)>,
    ) -> Result<ObjectRecord> {
        let tags = tag_set(tags)?;
        self.update(bucket, key, version, move |r| {
            r.tags = tags.clone();
            Ok(())
        })
        .await
    }

    /// The record of `key` (its current version, or `version`): its tags, lock and the
    /// rest, without its bytes' key (reading the record needs no SSE-C key).
    pub async fn record(&self, bucket: &str, key: &str, version: Option<&str>) -> Result<ObjectRecord> {
        self.get_bucket(bucket)?;
        Ok(self.read_version(bucket, key, version).await?.0)
    }

    /// Changes a version's record in place (its bytes and ETag stay), unless `change`
    /// refuses; the changed record.
    pub(crate) async fn update(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        change: impl Fn(&mut ObjectRecord) -> Result<()>,
    ) -> Result<ObjectRecord> {
        self.update_as(bucket, key, version, None, change).await
    }

    /// [`Objects::update`], with the events `events` names (`LifecycleTransition`, …)
    /// written in the same store write; a record left as it was is not written again.
    pub(crate) async fn update_as(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        events: Option<(&[&str], &Requester)>,
        change: impl Fn(&mut ObjectRecord) -> Result<()>,
    ) -> Result<ObjectRecord> {
        let b = self.get_bucket(bucket)?;
        for _ in 0..ATTEMPTS {
            // Checks the version exists and is no delete marker; then read again, locked.
            self.read_version(bucket, key, version).await?;
            let guard = b.lock_key(bucket, key).await?;
            let mut read = Read::default();
            let found = match version {
                None => self.load_for(&mut read, bucket, key).await?.map(|r| (r, None)),
                Some(v) => self.locate(&mut read, bucket, key, v).await?.1,
            };
            let Some((mut record, at)) = found.filter(|(r, _)| !r.delete_marker) else { continue };
            let before = events.is_some().then(|| record.clone());
            change(&mut record)?;
            if before.is_some_and(|b| b == record) {
                // Nothing changed: nothing to write, nothing to announce.
                return Ok(record);
            }
            let mut writes = vec![match &at {
                None => object_write(bucket, key, Some(&record)),
                Some(sk) => crate::versions::version_write(bucket, key, sk, Some(&record)),
            }];
            if let Some((names, by)) = events {
                let bucket_record = b.record.read().expect("bucket lock");
                for name in names {
                    writes.extend(self.event_writes(&bucket_record, name, key, Some(&record), by));
                }
            }
            if self.commit_read(writes, read, guard).await? {
                return Ok(record);
            }
        }
        Err(too_busy(key))
    }
}
