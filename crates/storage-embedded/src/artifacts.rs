//! [`ArtifactStore`] on local files, content-addressed.

use crate::db::io_err;
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use squall_storage::{ArtifactStore, Error, Result, sha256_hex_is_valid};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Blobs under `<root>/sha256/<first two hex digits>/<digest>`.
pub struct FileArtifactStore {
    root: PathBuf,
}

impl FileArtifactStore {
    /// Opens (creating) the store rooted at `root`.
    pub fn open(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root.join("sha256")).map_err(io_err("creating the artifact directory"))?;
        Ok(FileArtifactStore { root: root.to_path_buf() })
    }

    fn path(&self, sha256: &str) -> Result<PathBuf> {
        if !sha256_hex_is_valid(sha256) {
            return Err(Error::Backend(format!("{sha256:?} is not a SHA-256 digest")));
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(sha256))
    }
}

/// Writes `bytes` to `path` so that it appears whole or not at all, and stays after a crash.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("artifact paths have a parent");
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile_in(dir)?;
    tmp.1.write_all(bytes)?;
    tmp.1.sync_all()?;
    std::fs::rename(&tmp.0, path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// A fresh temporary file in `dir`: the name is unique within this process (counter) and
/// across processes (pid); `create_new` guards against leftovers of a crashed run.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".tmp-{}-{n}", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[async_trait]
impl ArtifactStore for FileArtifactStore {
    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<()> {
        let path = self.path(sha256)?;
        let expected = sha256.to_string();
        tokio::task::spawn_blocking(move || {
            let actual = hex::encode(Sha256::digest(&bytes));
            if actual != expected {
                return Err(Error::DigestMismatch { expected, actual });
            }
            if path.exists() {
                return Ok(());
            }
            write_atomically(&path, &bytes).map_err(io_err("writing an artifact"))
        })
        .await
        .map_err(|e| Error::Backend(format!("artifact task failed: {e}")))?
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(sha256)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("reading an artifact")(e)),
        }
    }

    async fn contains(&self, sha256: &str) -> Result<bool> {
        let path = self.path(sha256)?;
        Ok(tokio::fs::try_exists(&path).await.map_err(io_err("checking an artifact"))?)
    }
}
