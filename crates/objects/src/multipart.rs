//! Multipart uploads: parts written as blobs of their own, then joined without copying
//! (the object's record lists the parts' blobs in order) under S3's rules: part numbers
//! 1–10000, every part but the last at least 5 MiB, parts listed in ascending order with
//! their ETags, the ETag the MD5 of the parts' MD5s with `-N`.
//!
//! An upload lives in the pseudo-table `~u:<bucket>`: partition = upload id, sort key
//! empty for the upload itself and the part number (big-endian) for each part.

use crate::body::{ByteSource, Expected, StreamSource, write_body};
use crate::checked::{ATTEMPTS, Read, too_busy};
use crate::checksum::{Algorithm, ChecksumType, Hasher};
use crate::conditions::Conditions;
use crate::events::Requester;
use crate::names::check_key;
use crate::object::check_write_conditions;
use crate::record::{ObjectMeta, ObjectRecord, Segment, StoredChecksum};
use crate::service::Objects;
use crate::sse::{CustomerKey, SseRequest};
use crate::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::ops::Bound;

/// The smallest part but the last.
pub const MIN_PART_SIZE: u64 = 5 << 20;
/// The most parts an upload has.
pub const MAX_PARTS: u32 = 10_000;

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The key the object will have.
    pub key: String,
    /// When it was started (Unix milliseconds).
    pub created_ms: i64,
    /// The object's content type, stored headers and user metadata.
    #[serde(default)]
    pub meta: ObjectMeta,
    /// The object's tags.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The checksum every part gets, and the object a composite of them or (a CRC) the
    /// whole object's, as `checksum_type` says.
    #[serde(default)]
    pub checksum: Option<Algorithm>,
    /// What the object's checksum covers.
    #[serde(default, skip_serializing_if = "ChecksumType::is_composite")]
    pub checksum_type: ChecksumType,
    /// How the parts, and so the object, are encrypted (one data key for all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::sse::Encryption>,
    /// The object lock the upload asked for (the bucket's default applies at completion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<crate::lock::VersionLock>,
    /// The object's storage class.
    #[serde(default, skip_serializing_if = "crate::storage_class::StorageClass::is_standard")]
    pub storage_class: crate::storage_class::StorageClass,
    /// The object's ACL, if it grants more than the owner's full control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<crate::acl::Acl>,
}

/// What a new upload's object will be.
#[derive(Debug, Clone, Default)]
pub struct NewUpload {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// The object lock it asks for.
    pub lock: Option<crate::lock::VersionLock>,
    /// Its storage class.
    pub storage_class: crate::storage_class::StorageClass,
    /// Its ACL, if it grants more than the owner's full control.
    pub acl: Option<crate::acl::Acl>,
}

/// An uploaded part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRecord {
    /// Its number.
    pub number: u32,
    /// Its size.
    pub size: u64,
    /// Hex MD5 of its bytes.
    pub etag: String,
    /// When it was uploaded (Unix milliseconds).
    pub modified_ms: i64,
    /// Its checksum (base64), when the upload has an algorithm.
    #[serde(default)]
    pub checksum: Option<String>,
    /// Where its bytes are (`None` for an empty part).
    #[serde(default)]
    pub segment: Option<Segment>,
}

/// A part as a completion names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// Its number.
    pub number: u32,
    /// The ETag UploadPart returned (quotes optional).
    pub etag: String,
    /// The checksum UploadPart returned, if the client repeats it.
    pub checksum: Option<String>,
}

/// What a CompleteMultipartUpload asks.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    /// The parts, as listed (a part number listed again counts as its last listing).
    pub parts: Vec<CompletedPart>,
    /// `If-None-Match` on the key (`*`, or ETags).
    pub if_none_match: Option<String>,
    /// `If-Match` on the key.
    pub if_match: Option<String>,
    /// The object's checksum as the client computed it (`x-amz-checksum-<alg>`), checked
    /// against the parts'.
    pub checksum: Option<String>,
    /// What the client says the object's checksum covers (`x-amz-checksum-type`); it must
    /// be what the upload was created with.
    pub checksum_type: Option<ChecksumType>,
    /// The object's size as the client reckons it (`x-amz-mp-object-size`), checked.
    pub object_size: Option<u64>,
    /// The customer key of an upload encrypted with one, if the client repeats it (it must
    /// be that key).
    pub customer_key: Option<CustomerKey>,
    /// Who completes, for object events.
    pub requester: Requester,
}

/// A page of an upload's parts.
#[derive(Debug)]
pub struct PartsPage {
    /// The upload.
    pub upload: UploadRecord,
    /// Parts after the marker, in order.
    pub parts: Vec<PartRecord>,
    /// Whether more follow.
    pub truncated: bool,
}

fn uploads_table(bucket: &str) -> String {
    format!("~u:{bucket}")
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what: what.to_string(), detail: e.to_string() })
}

/// The store writes that delete an upload and its parts.
fn upload_deletes(bucket: &str, upload_id: &str, parts: &[PartRecord]) -> Vec<ItemWrite> {
    let row =
        |sk: Vec<u8>| ItemWrite { table: uploads_table(bucket), pk: upload_id.as_bytes().to_vec(), sk, item: None };
    std::iter::once(row(Vec::new())).chain(parts.iter().map(|p| row(p.number.to_be_bytes().to_vec()))).collect()
}

fn check_part_number(number: u32) -> Result<()> {
    if (1..=MAX_PARTS).contains(&number) {
        Ok(())
    } else {
        Err(Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()))
    }
}

impl Objects {
    /// Starts a multipart upload of `key`, encrypted as `sse` asks (else as the bucket's
    /// default says); its id.
    pub async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        NewUpload { meta, tags, lock, storage_class, acl }: NewUpload,
        checksum: Option<(Algorithm, ChecksumType)>,
        sse: Option<&SseRequest>,
    ) -> Result<(String, Option<crate::sse::Encryption>)> {
        check_key(key)?;
        let tags = crate::object::tag_set(tags)?;
        let b = self.get_bucket(bucket)?;
        let (lock_config, default) = {
            let s = b.settings();
            (s.object_lock.clone(), s.encryption.as_ref().map(crate::service::DefaultEncryption::request))
        };
        // Checked now, applied at completion (with the default retention of that moment).
        crate::lock::for_new_version(lock_config.as_ref(), lock.clone(), self.now_ms())?;
        let encryption = match sse.or(default.as_ref()) {
            Some(r) => Some(crate::sse::new_key(self.keys(), r, &format!("{bucket}/{key}")).await?.0),
            None => None,
        };
        let id = format!("{}{}", uuid_hex(), uuid_hex());
        let record = UploadRecord {
            key: key.into(),
            created_ms: self.now_ms(),
            meta,
            tags,
            checksum: checksum.map(|(a, _)| a),
            checksum_type: checksum.map(|(_, t)| t).unwrap_or_default(),
            encryption: encryption.clone(),
            lock,
            storage_class,
            acl,
        };
        let write = ItemWrite {
            table: uploads_table(bucket),
            pk: id.as_bytes().to_vec(),
            sk: Vec::new(),
            item: Some(serde_json::to_vec(&record).expect("records serialize")),
        };
        self.store.write(vec![write]).await?;
        Ok((id, encryption))
    }

    /// How an upload's parts are encrypted, if they are (to authorize the key they use).
    pub async fn upload_encryption(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<crate::sse::Encryption>> {
        Ok(self.load_upload(bucket, key, upload_id).await?.encryption)
    }

    async fn load_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadRecord> {
        self.get_bucket(bucket)?;
        let bytes = self
            .store
            .get_item(&uploads_table(bucket), upload_id.as_bytes(), b"")
            .await?
            .ok_or_else(|| Error::NoSuchUpload(upload_id.into()))?;
        let upload: UploadRecord = serde_json::from_slice(&bytes).map_err(|e| corrupt("an upload", e))?;
        if upload.key != key {
            return Err(Error::NoSuchUpload(upload_id.into()));
        }
        Ok(upload)
    }

    /// Parts of an upload numbered above `after`, at most `limit` (+1 to tell truncation).
    async fn load_parts(&self, bucket: &str, upload_id: &str, after: u32, limit: usize) -> Result<Vec<PartRecord>> {
        let rows = self.load_part_rows(bucket, upload_id, after, limit).await?;
        Ok(rows.into_iter().map(|(p, _)| p).collect())
    }

    /// [`Objects::load_parts`], each with its row's bytes.
    async fn load_part_rows(
        &self,
        bucket: &str,
        upload_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<(PartRecord, Vec<u8>)>> {
        let rows = self
            .store
            .query(
                &uploads_table(bucket),
                upload_id.as_bytes(),
                (Bound::Excluded(after.to_be_bytes().to_vec()), Bound::Unbounded),
                true,
                limit,
            )
            .await?;
        rows.into_iter()
            .map(|r| Ok((serde_json::from_slice(&r.item).map_err(|e| corrupt("a part", e))?, r.item)))
            .collect()
    }

    /// Uploads part `number` of an upload, replacing an earlier part of that number; the
    /// part, and the upload's checksum algorithm (which its checksum is of).
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        (number, customer_key): (u32, Option<&CustomerKey>),
        mut expected: Expected,
        source: &mut dyn ByteSource,
    ) -> Result<(PartRecord, Option<Algorithm>, Option<crate::sse::Encryption>)> {
        check_part_number(number)?;
        let upload = self.load_upload(bucket, key, upload_id).await?;
        let data_key = crate::sse::open_key(self.keys(), upload.encryption.as_ref(), customer_key)?;
        match (upload.checksum, expected.checksum) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::InvalidRequest(format!(
                    "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                    a.name().to_lowercase(),
                    b.name().to_lowercase()
                )));
            }
            (Some(a), None) => expected.checksum = Some(a),
            _ => {}
        }
        // Parts are always blobs: completing an upload joins them without copying.
        let seal = data_key.map(|k| crate::sse::Sealing::part(&k, number));
        let written = write_body(self.blobs.as_ref(), source, &expected, 0, seal).await?;
        let part = PartRecord {
            number,
            size: written.size,
            etag: crate::sse::etag(upload.encryption.as_ref(), &written.md5),
            modified_ms: self.now_ms(),
            checksum: written.checksum.map(|(_, v)| v),
            segment: written.segments.into_iter().next(),
        };
        let result = self.commit_part(bucket, key, upload_id, &part).await;
        if result.is_err() {
            self.discard_parts(std::slice::from_ref(&part));
        }
        result.map(|()| (part, expected.checksum, upload.encryption))
    }

    async fn commit_part(&self, bucket: &str, key: &str, upload_id: &str, part: &PartRecord) -> Result<()> {
        let b = self.get_bucket(bucket)?;
        let table = uploads_table(bucket);
        let sk = part.number.to_be_bytes().to_vec();
        for _ in 0..ATTEMPTS {
            let guard = b.lock_key(bucket, key).await?;
            // Completion and abort lock the same key (and on a shared store change the
            // upload's row), so the upload cannot end in between.
            let mut read = Read::default();
            let upload = self.store.get_item(&table, upload_id.as_bytes(), b"").await?;
            if upload.is_none() {
                return Err(Error::NoSuchUpload(upload_id.into()));
            }
            read.saw(&table, upload_id.as_bytes(), b"", upload.as_deref());
            let old = self.store.get_item(&table, upload_id.as_bytes(), &sk).await?;
            read.saw(&table, upload_id.as_bytes(), &sk, old.as_deref());
            let write = ItemWrite {
                table: table.clone(),
                pk: upload_id.as_bytes().to_vec(),
                sk: sk.clone(),
                item: Some(serde_json::to_vec(part).expect("records serialize")),
            };
            if !self.commit_read(vec![write], read, guard).await? {
                continue;
            }
            if let Some(old) = old {
                let old: PartRecord = serde_json::from_slice(&old).map_err(|e| corrupt("a part", e))?;
                self.discard_parts(&[old]);
            }
            return Ok(());
        }
        Err(too_busy(key))
    }

    /// UploadPartCopy: part `number` from another object's bytes (`range`, inclusive,
    /// or all of them).
    #[allow(clippy::too_many_arguments, reason = "mirrors UploadPartCopy's parameters")]
    pub async fn upload_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        (number, customer_key): (u32, Option<&CustomerKey>),
        (source_bucket, source_key, source_version, source_sse): (&str, &str, Option<&str>, Option<&CustomerKey>),
        conditions: &Conditions,
        range: Option<(u64, u64)>,
    ) -> Result<(PartRecord, ObjectRecord, Option<crate::sse::Encryption>)> {
        check_part_number(number)?;
        self.load_upload(bucket, key, upload_id).await?;
        let source = self.copy_source(source_bucket, source_key, source_version).await?;
        let source_data_key = crate::sse::open_key(self.keys(), source.encryption.as_ref(), source_sse)?;
        conditions.check_copy_source(&source)?;
        let (start, end) = match range {
            None => (0, source.size),
            Some((first, last)) if first <= last && last < source.size => (first, last + 1),
            Some(_) => {
                return Err(Error::InvalidArgument(format!(
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy (the object has {} bytes)",
                    source.size
                )));
            }
        };
        let read = self.read_plain(&source, source_data_key.map(std::sync::Arc::new), start, end).await?;
        let mut bytes = StreamSource(read);
        let (part, _, encryption) =
            self.upload_part(bucket, key, upload_id, (number, customer_key), Expected::default(), &mut bytes).await?;
        Ok((part, source, encryption))
    }

    /// A page of an upload's parts, after part `after`.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        after: u32,
        max_parts: usize,
    ) -> Result<PartsPage> {
        let upload = self.load_upload(bucket, key, upload_id).await?;
        let mut parts = self.load_parts(bucket, upload_id, after, max_parts + 1).await?;
        let truncated = parts.len() > max_parts;
        parts.truncate(max_parts);
        Ok(PartsPage { upload, parts, truncated })
    }

    /// Completes an upload: the object becomes the listed parts, in order. Completing an
    /// upload again answers with the object it made, while that is still the key's.
    pub async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        mut completion: Completion,
    ) -> Result<ObjectRecord> {
        if completion.parts.is_empty() {
            return Err(Error::InvalidRequest("You must specify at least one part".into()));
        }
        if completion.parts.windows(2).any(|w| w[0].number > w[1].number) {
            return Err(Error::InvalidPartOrder);
        }
        // A part number listed twice (a part sent again) is its last listing.
        let parts = std::mem::take(&mut completion.parts);
        let mut listed: Vec<CompletedPart> = Vec::with_capacity(parts.len());
        for part in parts {
            match listed.last_mut() {
                Some(last) if last.number == part.number => *last = part,
                _ => listed.push(part),
            }
        }
        completion.parts = listed;
        let b = self.get_bucket(bucket)?;
        for _ in 0..ATTEMPTS {
            let guard = b.lock_key(bucket, key).await?;
            match self.try_complete(&b, (bucket, key), upload_id, &completion, guard).await {
                Ok(Some(record)) => return Ok(record),
                Ok(None) => {}
                Err(Error::NoSuchUpload(id)) => {
                    return match self.load(bucket, key).await? {
                        Some(r) if r.upload_id.as_deref() == Some(upload_id) => Ok(r),
                        _ => Err(Error::NoSuchUpload(id)),
                    };
                }
                Err(e) => return Err(e),
            }
        }
        Err(too_busy(key))
    }

    /// One attempt at completing an upload under `guard`; `None` when a row it read
    /// changed on another server meanwhile (nothing was written).
    async fn try_complete(
        &self,
        b: &crate::service::Bucket,
        (bucket, key): (&str, &str),
        upload_id: &str,
        completion: &Completion,
        guard: crate::service::KeyGuard<'_>,
    ) -> Result<Option<ObjectRecord>> {
        let listed = &completion.parts;
        // Part writes submitted before the lock was taken may not be committed yet, and
        // queries read committed rows only: wait for them, or a part just replaced could
        // be joined with its old blob (which its writer then deletes).
        self.store.write(Vec::new()).await?;
        let mut read = Read::default();
        let table = uploads_table(bucket);
        let upload_row = self.store.get_item(&table, upload_id.as_bytes(), b"").await?;
        read.saw(&table, upload_id.as_bytes(), b"", upload_row.as_deref());
        let upload = self.load_upload(bucket, key, upload_id).await?;
        if completion.customer_key.is_some() {
            crate::sse::open_key(self.keys(), upload.encryption.as_ref(), completion.customer_key.as_ref())?;
        }
        let rows = self.load_part_rows(bucket, upload_id, 0, MAX_PARTS as usize).await?;
        let mut stored = Vec::with_capacity(rows.len());
        for (part, bytes) in rows {
            read.saw(&table, upload_id.as_bytes(), &part.number.to_be_bytes(), Some(&bytes));
            stored.push(part);
        }
        let mut chosen = Vec::with_capacity(listed.len());
        for (i, want) in listed.iter().enumerate() {
            let part = stored
                .iter()
                .find(|p| p.number == want.number)
                .filter(|p| p.etag == want.etag.trim().trim_matches('"'))
                .filter(|p| want.checksum.is_none() || want.checksum == p.checksum)
                .ok_or_else(|| Error::InvalidPart(format!("part {}", want.number)))?;
            if i + 1 < listed.len() && part.size < MIN_PART_SIZE {
                return Err(Error::EntityTooSmall { size: part.size });
            }
            chosen.push(part.clone());
        }
        let size: u64 = chosen.iter().map(|p| p.size).sum();
        if let Some(given) = completion.object_size.filter(|n| *n != size) {
            return Err(Error::InvalidRequest(format!(
                "The provided 'x-amz-mp-object-size' header value {given} does not match what was computed: {size}"
            )));
        }
        let mut md5s = Vec::with_capacity(16 * chosen.len());
        for p in &chosen {
            md5s.extend(hex::decode(&p.etag).map_err(|e| corrupt("a part's ETag", e))?);
        }
        if let Some(t) = completion.checksum_type.filter(|t| *t != upload.checksum_type) {
            return Err(Error::InvalidRequest(format!(
                "The upload was created using the {} checksum mode. The complete request must use the same checksum mode, not {}.",
                upload.checksum_type.name(),
                t.name()
            )));
        }
        let part_crc = |p: &PartRecord| {
            p.checksum.as_deref().and_then(crate::checksum::crc_value).ok_or_else(|| corrupt("a part's CRC", "missing"))
        };
        let checksum = match upload.checksum {
            // The parts' CRCs combined: the CRC of the whole object, no byte read again.
            Some(a) if upload.checksum_type == ChecksumType::FullObject => {
                let mut crc = part_crc(&chosen[0])?;
                for p in &chosen[1..] {
                    crc = crate::checksum::combine(a, crc, part_crc(p)?, p.size)
                        .ok_or_else(|| corrupt("a full-object checksum", "not a CRC"))?;
                }
                Some(StoredChecksum { algorithm: a, value: crate::checksum::crc_digest(a, crc) })
            }
            Some(a) => {
                let mut h = Hasher::new(a);
                for p in &chosen {
                    let digest = p.checksum.as_deref().and_then(|c| STANDARD.decode(c).ok());
                    h.update(&digest.ok_or_else(|| corrupt("a part's checksum", "missing"))?);
                }
                Some(StoredChecksum { algorithm: a, value: format!("{}-{}", h.finish(), chosen.len()) })
            }
            None => None,
        };
        match (&completion.checksum, &checksum) {
            (Some(given), Some(c)) if given.trim() != c.value => {
                return Err(Error::BadDigest(format!(
                    "The {} you specified did not match the calculated checksum.",
                    c.algorithm.name()
                )));
            }
            (Some(_), None) => {
                return Err(Error::InvalidRequest(
                    "The upload was created without a checksum algorithm, so the object's checksum cannot be checked"
                        .into(),
                ));
            }
            _ => {}
        }
        let (versioning, lock_config) = {
            let s = b.settings();
            (s.versioning, s.object_lock.clone())
        };
        let mut record = ObjectRecord {
            size,
            etag: format!("{}-{}", hex::encode(Md5::digest(&md5s)), chosen.len()),
            modified_ms: self.now_ms(),
            meta: upload.meta,
            checksum,
            tags: upload.tags,
            part_sizes: chosen.iter().map(|p| p.size).collect(),
            segments: chosen.iter().filter_map(|p| p.segment.clone()).collect(),
            upload_id: Some(upload_id.to_string()),
            encryption: upload.encryption.clone(),
            lock: crate::lock::for_new_version(lock_config.as_ref(), upload.lock.clone(), self.now_ms())?,
            storage_class: upload.storage_class,
            acl: upload.acl.clone(),
            ..Default::default()
        };
        self.number(&mut record, versioning);
        let old = self.load_for(&mut read, bucket, key).await?;
        if versioning.is_none() && old.as_ref().is_some_and(crate::object::versioned_elsewhere) {
            // Another server turned versioning on: hear it, and try again.
            drop(guard);
            self.refresh().await?;
            return Ok(None);
        }
        let live = old.as_ref().filter(|o| !o.delete_marker);
        check_write_conditions(live, key, completion.if_none_match.as_deref(), completion.if_match.as_deref())?;
        let (mut writes, gone) = self.place(&mut read, (bucket, key), versioning, old, &mut record).await?;
        writes.extend(upload_deletes(bucket, upload_id, &stored));
        let event = "ObjectCreated:CompleteMultipartUpload";
        writes.extend(self.event_writes(&b.settings(), event, key, Some(&record), &completion.requester));
        if !self.commit_read(writes, read, guard).await? {
            return Ok(None);
        }
        gone.iter().for_each(|g| self.discard(Some(g)));
        let unused: Vec<PartRecord> =
            stored.into_iter().filter(|p| !chosen.iter().any(|c| c.number == p.number)).collect();
        self.discard_parts(&unused);
        Ok(Some(record))
    }

    /// Aborts an upload, deleting its parts.
    pub async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<()> {
        let b = self.get_bucket(bucket)?;
        let guard = b.lock_key(bucket, key).await?;
        // As in completion: see every part submitted before the lock.
        self.store.write(Vec::new()).await?;
        self.load_upload(bucket, key, upload_id).await?;
        let parts = self.load_parts(bucket, upload_id, 0, MAX_PARTS as usize).await?;
        let ticket = self.store.submit(upload_deletes(bucket, upload_id, &parts));
        drop(guard);
        ticket.await?;
        self.discard_parts(&parts);
        Ok(())
    }

    /// The bucket's uploads in progress whose keys start with `prefix`, by key and then
    /// start time.
    pub async fn list_uploads(&self, bucket: &str, prefix: &str) -> Result<Vec<(String, UploadRecord)>> {
        self.get_bucket(bucket)?;
        let rows = squall_storage::scan_all(self.store.as_ref(), &uploads_table(bucket)).await?;
        let mut out = Vec::new();
        for row in rows.into_iter().filter(|r| r.sk.is_empty()) {
            let upload: UploadRecord = serde_json::from_slice(&row.item).map_err(|e| corrupt("an upload", e))?;
            if upload.key.starts_with(prefix) {
                out.push((String::from_utf8_lossy(&row.pk).into_owned(), upload));
            }
        }
        out.sort_by(|a, b| (&a.1.key, a.1.created_ms, &a.0).cmp(&(&b.1.key, b.1.created_ms, &b.0)));
        Ok(out)
    }

    /// Deletes every upload of a bucket being deleted (holding it exclusively).
    pub(crate) async fn drop_uploads(&self, bucket: &str) -> Result<()> {
        let table = uploads_table(bucket);
        let rows = squall_storage::scan_all(self.store.as_ref(), &table).await?;
        let parts: Vec<PartRecord> =
            rows.iter().filter(|r| !r.sk.is_empty()).filter_map(|r| serde_json::from_slice(&r.item).ok()).collect();
        self.store.delete_table(&table).await?;
        self.discard_parts(&parts);
        Ok(())
    }

    fn discard_parts(&self, parts: &[PartRecord]) {
        let segments: Vec<Segment> = parts.iter().filter_map(|p| p.segment.clone()).collect();
        self.discard_segments(&segments);
    }
}

fn uuid_hex() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source works");
    hex::encode(b)
}
