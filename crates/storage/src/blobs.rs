//! Blobs: the bytes of stored objects, written as a stream and read back by range.

use crate::Result;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// A blob's bytes as they are read: chunks in order.
pub type BlobStream = BoxStream<'static, Result<Bytes>>;

/// Immutable blobs named by the store.
///
/// Contract for every backend:
/// - a blob becomes readable only through [`BlobWriter::finish`], whole: a writer dropped
///   before finishing (an interrupted upload) leaves nothing readable behind;
/// - once `finish` returns, the blob survives a crash (`kill -9`) of the process and the
///   machine's power loss;
/// - reading and writing run in memory bounded by the backend's chunk size, whatever the
///   blob's size.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts a new blob.
    async fn create(&self) -> Result<Box<dyn BlobWriter>>;

    /// `len` bytes of blob `id` from `offset`; the stream fails if the blob is shorter.
    async fn read(&self, id: &str, offset: u64, len: u64) -> Result<BlobStream>;

    /// Removes blob `id`; removing a missing blob is not an error.
    async fn delete(&self, id: &str) -> Result<()>;
}

/// A blob being written.
#[async_trait]
pub trait BlobWriter: Send {
    /// Appends `data`.
    async fn write(&mut self, data: Bytes) -> Result<()>;

    /// Makes the blob durable and readable; returns its id.
    async fn finish(self: Box<Self>) -> Result<String>;
}
