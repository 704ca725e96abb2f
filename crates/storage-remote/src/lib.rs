//! [`BlobStore`] in an S3-compatible object store, through the `object_store` crate: each
//! blob is one object `<prefix>/<id>`, uploaded in 8 MiB parts as it is written (so memory
//! stays bounded and nothing is visible until the upload completes) and read by range.
#![deny(missing_docs)]

use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, WriteMultipart};
use squall_storage::{BlobStore, BlobStream, BlobWriter, Error, Result};
use std::sync::Arc;

/// Parts are this large (S3's minimum is 5 MiB).
const PART: usize = 8 << 20;

/// Where the blobs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteConfig {
    /// The bucket.
    pub bucket: String,
    /// A key prefix (may be empty).
    pub prefix: String,
    /// The endpoint (`https://s3.us-east-1.amazonaws.com`, `http://127.0.0.1:9000`); `None`
    /// for AWS's own.
    pub endpoint: Option<String>,
    /// The region to sign for.
    pub region: String,
    /// The access key id and secret.
    pub credentials: (String, String),
}

impl RemoteConfig {
    /// Reads `s3://bucket[/prefix]`.
    pub fn parse_url(url: &str) -> Option<(String, String)> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.trim_matches('/').to_string()))
    }
}

/// Blobs in a remote bucket.
pub struct RemoteBlobStore {
    store: Arc<AmazonS3>,
    prefix: String,
}

fn backend(e: object_store::Error) -> Error {
    Error::Backend(format!("remote blob store: {e}"))
}

impl RemoteBlobStore {
    /// Connects (lazily: the first request reaches the store).
    pub fn new(config: &RemoteConfig) -> Result<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.credentials.0)
            .with_secret_access_key(&config.credentials.1);
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(RemoteBlobStore { store: Arc::new(builder.build().map_err(backend)?), prefix: config.prefix.clone() })
    }

    fn path(&self, id: &str) -> Result<Path> {
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Backend(format!("{id:?} is not a blob id")));
        }
        Ok(if self.prefix.is_empty() { Path::from(id) } else { Path::from(format!("{}/{id}", self.prefix)) })
    }
}

#[async_trait]
impl BlobStore for RemoteBlobStore {
    async fn create(&self) -> Result<Box<dyn BlobWriter>> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let upload = self.store.put_multipart(&self.path(&id)?).await.map_err(backend)?;
        Ok(Box::new(RemoteWriter { id, upload: Some(WriteMultipart::new_with_chunk_size(upload, PART)) }))
    }

    async fn read(&self, id: &str, offset: u64, len: u64) -> Result<BlobStream> {
        if len == 0 {
            return Ok(futures::stream::empty().boxed());
        }
        let options = GetOptions { range: Some(GetRange::Bounded(offset..offset + len)), ..Default::default() };
        let got = self.store.get_opts(&self.path(id)?, options).await.map_err(backend)?;
        Ok(got.into_stream().map_err(backend).boxed())
    }

    async fn delete(&self, id: &str) -> Result<()> {
        match self.store.delete(&self.path(id)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}

struct RemoteWriter {
    id: String,
    /// `None` once finished.
    upload: Option<WriteMultipart>,
}

#[async_trait]
impl BlobWriter for RemoteWriter {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        let upload = self.upload.as_mut().ok_or_else(|| Error::Backend("blob already finished".into()))?;
        // At most two parts in flight: memory stays bounded whatever the blob's size.
        upload.wait_for_capacity(2).await.map_err(backend)?;
        upload.put(data);
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<String> {
        let upload = self.upload.take().ok_or_else(|| Error::Backend("blob already finished".into()))?;
        upload.finish().await.map_err(backend)?;
        Ok(std::mem::take(&mut self.id))
    }
}

impl Drop for RemoteWriter {
    fn drop(&mut self) {
        // An unfinished upload is aborted so its parts do not linger in the bucket.
        if let Some(upload) = self.upload.take() {
            tokio_spawn_abort(upload);
        }
    }
}

fn tokio_spawn_abort(upload: WriteMultipart) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            if let Err(e) = upload.abort().await {
                tracing::warn!(error = %e, "could not abort an unfinished blob upload");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_prefix() {
        assert_eq!(RemoteConfig::parse_url("s3://b"), Some(("b".into(), String::new())));
        assert_eq!(RemoteConfig::parse_url("s3://b/some/prefix/"), Some(("b".into(), "some/prefix".into())));
        assert_eq!(RemoteConfig::parse_url("s3:///x"), None);
        assert_eq!(RemoteConfig::parse_url("https://b"), None);
    }
}
