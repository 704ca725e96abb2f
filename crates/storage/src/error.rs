//! The storage error: what a caller can act on.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A conditional write found the record in another state than expected
    /// (it exists, it is gone, or another writer changed it first).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Content did not match its address (an artifact whose bytes hash differently).
    #[error("digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The address the caller gave.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// Stored data could not be decoded; the store needs attention.
    #[error("corrupt record {what}: {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// Why decoding failed.
        detail: String,
    },
    /// The backend failed (I/O, database); retrying may help.
    #[error("storage backend: {0}")]
    Backend(String),
}

/// Storage results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
