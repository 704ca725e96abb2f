//! Storage contracts: the traits every backend implements and every service calls.
//!
//! - [`MetaStore`]: functions, services and settings (small records, transactional).
//! - [`ArtifactStore`]: code packages, content-addressed by SHA-256.
//! - [`LogStore`]: invocation log lines, append-only, read by position.
//! - [`InvocationQueue`]: asynchronous invocations waiting to run (durable, leased).
//! - [`TableStore`]: table definitions and their items, ordered by encoded key.
//! - [`MessageStore`]: queues and their messages, handed out by the store.
//! - [`Coordination`]: leases on once-per-cluster work, and versions of cached definitions.
//! - [`BlobStore`]: the bytes of stored objects, streamed in and read by range.
//!
//! Backends: `squall-storage-embedded` (SQLite + files). A PostgreSQL backend implements the
//! same traits; callers hold `Arc<dyn Trait>` and never learn which one they have.
//! Deliberately absent: any SQL, any file path, any HTTP.
#![deny(missing_docs)]

mod artifact;
mod blobs;
mod coordination;
mod error;
mod logs;
mod messages;
mod meta;
mod overlay;
mod queue;
mod tables;

pub use artifact::{ArtifactStore, sha256_hex_is_valid};
pub use blobs::{BlobStore, BlobStream, BlobWriter};
pub use coordination::{Coordination, Local as LocalCoordination, SERVER_LEASES};
pub use error::{Error, Result};
pub use logs::LogStore;
pub use messages::{
    DeadLetter, Dedup, FifoPicker, MessageCounts, MessageReceipt, MessageStore, MoveBlocked, MoveTo, Moved,
    NewStoredMessage, ReceiveRequest, Received, SendOutcome, StoredMessage, VisibilityChange,
};
pub use meta::{DeploymentChange, Expect, MetaStore};
pub use overlay::{Overlay, Staged};
pub use queue::{InvocationQueue, QueuedInvocation};
pub use tables::{ItemExpect, ItemWrite, StoredItem, SwapTicket, TableStore, WriteTicket, scan_all};
