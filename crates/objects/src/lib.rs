//! S3-compatible object storage, without HTTP: buckets, objects and their metadata,
//! streamed writes checked against their digests, conditional and ranged reads, copies,
//! tags and listings.
//!
//! - `names`: S3's bucket naming rules and key limits.
//! - `checksum`: CRC32, CRC32C, CRC64NVME, SHA1 and SHA256, as S3 reports them.
//! - `record`: an object's stored record; objects up to [`record::INLINE_MAX`] keep their
//!   bytes in it, larger ones in blobs ([`squall_storage::BlobStore`]).
//! - `body`: [`ByteSource`] (the bytes as they arrive) streamed into a blob, with the
//!   MD5 ETag and the checksum computed on the way and checked before the blob is kept.
//! - `conditions`: `If-*` conditions and byte ranges; `cors`: bucket CORS rules.
//! - `events`: object events to functions, queues and topics, through a durable outbox.
//! - `website`: a bucket served as a static website (index and error documents).
//! - `service`: [`Objects`] and its buckets; `object`: put, get, head, delete, copy,
//!   tags; `list`: ordered listings with prefixes and delimiters; `multipart`: uploads in
//!   parts, joined without copying; `versions`: versioning, version ids, delete markers
//!   and the listing of every version.
#![deny(missing_docs)]

pub mod access_log;
pub mod acl;
pub mod checksum;
pub mod conditions;
pub mod cors;
pub mod events;
pub mod names;
mod policy;
pub mod record;
pub mod website;

mod body;
mod checked;
mod error;
pub mod expiry;
mod list;
pub mod lock;
mod multipart;
mod object;
pub mod public;
mod service;
pub mod sse;
pub mod storage_class;
pub mod versions;

pub use body::{ByteSource, Expected, MAX_WRITE, StreamSource, check_digests};
pub use error::{Error, Result};

/// The canonical user id S3 reports as every bucket's and object's owner: one account per
/// installation.
pub fn owner_id() -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(squall_types::ACCOUNT_ID.as_bytes()))
}
pub use list::{ListPage, ListRequest};
pub use multipart::{
    CompletedPart, Completion, MAX_PARTS, MIN_PART_SIZE, NewUpload, PartRecord, PartsPage, UploadRecord,
};
pub use object::{CopyObject, MAX_TAGS, ObjectRead, PutObject, check_tags};
pub use service::{BucketRecord, DefaultEncryption, KmsDefault, Objects};
pub use versions::{Deleted, VersionEntry, Versioning, VersionsPage};

mod lifecycle;
mod reset;
mod restore;
#[cfg(test)]
mod sse_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod version_tests;
