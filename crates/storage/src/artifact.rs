//! Code artifacts, addressed by the SHA-256 of their bytes.

use crate::Result;
use async_trait::async_trait;

/// Whether `s` is a lower-case hex SHA-256 digest (the only valid artifact address).
pub fn sha256_hex_is_valid(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Immutable blobs keyed by their SHA-256.
///
/// Contract: `put` verifies the digest before the blob becomes visible, is idempotent, and
/// is durable when it returns; a blob is never visible partially written.
#[async_trait]
pub trait ArtifactStore: Send + Sync + 'static {
    /// Stores `bytes` under `sha256` (lower-case hex) after checking the digest.
    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<()>;

    /// The blob, if stored.
    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// Whether the blob is stored.
    async fn contains(&self, sha256: &str) -> Result<bool>;
}
