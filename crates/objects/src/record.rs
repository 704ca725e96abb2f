//! An object as stored: its record (size, ETag, metadata, checksum, where its bytes are)
//! and, for small objects, the bytes themselves.

use crate::checksum::Algorithm;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use squall_storage::Error as StorageError;
use std::collections::BTreeMap;

/// Objects up to this size live inside their record: one store write, no file.
pub const INLINE_MAX: usize = 64 << 10;

/// The headers S3 stores with an object and returns on GET and HEAD, besides
/// `Content-Type` (lower-case names).
pub const STORED_HEADERS: [&str; 5] =
    ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

/// What the writer said about an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The [`STORED_HEADERS`] given, by lower-case name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// User metadata (`x-amz-meta-<name>`), names in lower case.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user: BTreeMap<String, String>,
}

/// An object's stored checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChecksum {
    /// Which algorithm.
    pub algorithm: Algorithm,
    /// The base64 digest: of the whole object, or for a composite multipart checksum of
    /// its parts' digests, with `-N`.
    pub value: String,
}

impl StoredChecksum {
    /// What it covers: composite values end in `-<parts>` (base64 has no `-`).
    pub fn kind(&self) -> crate::checksum::ChecksumType {
        match self.value.contains('-') {
            true => crate::checksum::ChecksumType::Composite,
            false => crate::checksum::ChecksumType::FullObject,
        }
    }
}

/// A stretch of an object's bytes held in one blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The blob's id.
    pub blob: String,
    /// Its size in bytes (sealed, for an encrypted object).
    pub size: u64,
    /// For an encrypted object: how this blob is sealed (crate::sse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<crate::sse::SealedPiece>,
}

/// An object version, or a delete marker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    /// Size in bytes.
    pub size: u64,
    /// The ETag without quotes: hex MD5, or `<hex>-<parts>` for multipart uploads.
    pub etag: String,
    /// When it was written (Unix milliseconds).
    pub modified_ms: i64,
    /// Content type, stored headers, user metadata.
    #[serde(default)]
    pub meta: ObjectMeta,
    /// The additional checksum, when the writer asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<StoredChecksum>,
    /// Tags, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The sizes of a multipart upload's parts, in order (empty for other objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_sizes: Vec<u64>,
    /// The blobs holding the bytes, in order; empty when the bytes are inline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    /// Its object lock (retention, legal hold), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<crate::lock::VersionLock>,
    /// How its bytes are encrypted, if they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::sse::Encryption>,
    /// The multipart upload that made it (completing that upload again answers with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// Its version id; `None` for the `null` version (every object of a bucket that never
    /// had versioning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Whether this version is a delete marker (no bytes, no ETag).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
    /// A `null` version written while the bucket's versioning was suspended: where it
    /// sorts among the key's versions once noncurrent (crate::versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_order: Option<String>,
    /// On a key's current version: where its noncurrent `null` version is kept, if it has
    /// one (crate::versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_at: Option<String>,
    /// Its ACL, when it grants more than the owner's full control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<crate::acl::Acl>,
    /// Until when (Unix milliseconds) a restored copy of an archived object is readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_expiry_ms: Option<i64>,
    /// Its storage class (a label here: every class keeps its bytes alike).
    #[serde(default, skip_serializing_if = "crate::storage_class::StorageClass::is_standard")]
    pub storage_class: crate::storage_class::StorageClass,
    /// The bytes of an object of at most [`INLINE_MAX`] bytes.
    #[serde(skip)]
    pub inline: Bytes,
}

const FORMAT: u8 = 1;

impl ObjectRecord {
    /// The stored form: a format byte, the record's JSON length (u32 LE), the JSON, then
    /// the inline bytes raw.
    pub fn encode(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("records serialize");
        let mut out = Vec::with_capacity(5 + json.len() + self.inline.len());
        out.push(FORMAT);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&self.inline);
        out
    }

    /// Reads [`ObjectRecord::encode`]'s form; `key` names the record in errors.
    pub fn decode(key: &str, bytes: &[u8]) -> Result<ObjectRecord, StorageError> {
        let corrupt = |detail: String| StorageError::Corrupt { what: format!("object {key:?}"), detail };
        if bytes.len() < 5 || bytes[0] != FORMAT {
            return Err(corrupt("unknown record format".into()));
        }
        let len = u32::from_le_bytes(bytes[1..5].try_into().expect("four bytes")) as usize;
        let json = bytes.get(5..5 + len).ok_or_else(|| corrupt("truncated record".into()))?;
        let mut record: ObjectRecord = serde_json::from_slice(json).map_err(|e| corrupt(e.to_string()))?;
        record.inline = Bytes::copy_from_slice(&bytes[5 + len..]);
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let mut r = ObjectRecord {
            size: 3,
            etag: "abc".into(),
            modified_ms: 17,
            meta: ObjectMeta { content_type: Some("text/plain".into()), ..Default::default() },
            checksum: Some(StoredChecksum { algorithm: Algorithm::Crc32, value: "AAAAAA==".into() }),
            tags: vec![("a".into(), "1".into())],
            part_sizes: vec![3],
            segments: Vec::new(),
            version_id: Some("v1".into()),
            inline: Bytes::from_static(b"hey"),
            ..Default::default()
        };
        r.meta.user.insert("color".into(), "blue".into());
        assert_eq!(ObjectRecord::decode("k", &r.encode()).unwrap(), r);
        assert!(ObjectRecord::decode("k", b"\x02abc").is_err());
    }
}
