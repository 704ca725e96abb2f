//! [`BlobStore`] on local files: `<root>/<first two hex digits>/<id>`, written under
//! `<root>/tmp` and renamed into place once fsynced.

use crate::db::io_err;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use squall_storage::{BlobStore, BlobStream, BlobWriter, Error, Result};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Writes and reads move this much per blocking call: large enough for disk throughput,
/// small enough that a stream's memory stays flat.
const CHUNK: usize = 1 << 20;

/// Blobs as files.
pub struct FileBlobStore {
    root: PathBuf,
}

impl FileBlobStore {
    /// Opens (creating) the store rooted at `root`, deleting the temporary files of
    /// uploads a previous process did not finish.
    pub fn open(root: &Path) -> Result<Self> {
        let tmp = root.join("tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io_err("clearing unfinished blobs"))?;
        }
        std::fs::create_dir_all(&tmp).map_err(io_err("creating the blob directory"))?;
        Ok(FileBlobStore { root: root.to_path_buf() })
    }

    fn path(&self, id: &str) -> Result<PathBuf> {
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Backend(format!("{id:?} is not a blob id")));
        }
        Ok(self.root.join(&id[..2]).join(id))
    }
}

fn blocking_failed(e: tokio::task::JoinError) -> Error {
    Error::Backend(format!("blob task failed: {e}"))
}

#[async_trait]
impl BlobStore for FileBlobStore {
    async fn create(&self) -> Result<Box<dyn BlobWriter>> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let tmp = self.root.join("tmp").join(&id);
        let final_path = self.path(&id)?;
        let path = tmp.clone();
        let file = tokio::task::spawn_blocking(move || std::fs::File::create_new(&path))
            .await
            .map_err(blocking_failed)?
            .map_err(io_err("creating a blob"))?;
        Ok(Box::new(FileBlobWriter { id, tmp, final_path, file: Some(file), buf: BytesMut::with_capacity(CHUNK) }))
    }

    async fn read(&self, id: &str, offset: u64, len: u64) -> Result<BlobStream> {
        let path = self.path(id)?;
        // Opened now, so the stream keeps reading this blob even if it is deleted meanwhile.
        let file = tokio::task::spawn_blocking(move || {
            let mut f = std::fs::File::open(path)?;
            f.seek(SeekFrom::Start(offset))?;
            Ok::<_, std::io::Error>(f)
        })
        .await
        .map_err(blocking_failed)?
        .map_err(io_err("opening a blob"))?;
        // Each chunk is one short blocking read when the client asks for it: a slow or
        // stalled client holds a file, never a thread of the blocking pool.
        let state = Some((file, len));
        Ok(Box::pin(futures::stream::unfold(state, |state| async move {
            let (mut file, left) = state?;
            if left == 0 {
                return None;
            }
            let n = left.min(CHUNK as u64) as usize;
            let read = tokio::task::spawn_blocking(move || {
                let mut buf = BytesMut::zeroed(n);
                file.read_exact(&mut buf).map(|()| (file, buf.freeze()))
            })
            .await;
            match read {
                Ok(Ok((file, chunk))) => Some((Ok(chunk), Some((file, left - n as u64)))),
                Ok(Err(e)) => Some((Err(io_err("reading a blob")(e)), None)),
                Err(e) => Some((Err(blocking_failed(e)), None)),
            }
        })))
    }

    async fn delete(&self, id: &str) -> Result<()> {
        let path = self.path(id)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("deleting a blob")(e)),
        }
    }
}

struct FileBlobWriter {
    id: String,
    tmp: PathBuf,
    final_path: PathBuf,
    /// `None` once finished (or while a blocking write holds it).
    file: Option<std::fs::File>,
    buf: BytesMut,
}

impl FileBlobWriter {
    async fn flush(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = self.buf.split().freeze();
        let mut file = self.file.take().ok_or_else(|| Error::Backend("blob writer already failed".into()))?;
        let file = tokio::task::spawn_blocking(move || file.write_all(&data).map(|()| file))
            .await
            .map_err(blocking_failed)?
            .map_err(io_err("writing a blob"))?;
        self.file = Some(file);
        Ok(())
    }
}

#[async_trait]
impl BlobWriter for FileBlobWriter {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        self.buf.extend_from_slice(&data);
        if self.buf.len() >= CHUNK { self.flush().await } else { Ok(()) }
    }

    async fn finish(mut self: Box<Self>) -> Result<String> {
        self.flush().await?;
        let file = self.file.take().ok_or_else(|| Error::Backend("blob writer already failed".into()))?;
        let (tmp, final_path) = (self.tmp.clone(), self.final_path.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            file.sync_all()?;
            let dir = final_path.parent().expect("blob paths have a parent");
            std::fs::create_dir_all(dir)?;
            std::fs::rename(&tmp, &final_path)?;
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(blocking_failed)?
        .map_err(io_err("finishing a blob"))?;
        // Renamed: nothing for `drop` to clean up.
        self.tmp = PathBuf::new();
        Ok(std::mem::take(&mut self.id))
    }
}

impl Drop for FileBlobWriter {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    async fn read_all(store: &FileBlobStore, id: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let mut s = store.read(id, offset, len).await?;
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn blobs_appear_whole_and_read_by_range() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileBlobStore::open(dir.path()).unwrap();
        let data: Vec<u8> = (0..(3 * CHUNK + 7)).map(|i| (i % 251) as u8).collect();
        let mut w = store.create().await.unwrap();
        for piece in data.chunks(70_000) {
            w.write(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        let id = w.finish().await.unwrap();
        assert_eq!(read_all(&store, &id, 0, data.len() as u64).await.unwrap(), data);
        let (o, n) = (CHUNK as u64 - 3, CHUNK as u64 + 10);
        assert_eq!(read_all(&store, &id, o, n).await.unwrap(), &data[o as usize..(o + n) as usize]);
        assert!(read_all(&store, &id, 0, data.len() as u64 + 1).await.is_err(), "reading past the end fails");
        store.delete(&id).await.unwrap();
        store.delete(&id).await.unwrap();
        assert!(store.read(&id, 0, 1).await.is_err());
    }

    #[tokio::test]
    async fn unfinished_blobs_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileBlobStore::open(dir.path()).unwrap();
        let mut w = store.create().await.unwrap();
        w.write(Bytes::from_static(b"partial")).await.unwrap();
        drop(w);
        let leftovers = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
        assert_eq!(leftovers, 0);
        // A crash leaves its temporary files; the next open clears them.
        std::fs::write(dir.path().join("tmp").join("x"), b"junk").unwrap();
        FileBlobStore::open(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }
}
