//! A SQLite connection shared by async callers, and error conversions.

use rusqlite::Connection;
use squall_storage::{Error, Result};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One SQLite connection; calls run on the blocking pool, one at a time.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
}

/// How hard a database tries to keep a commit.
pub(crate) enum Sync {
    /// fsync on every commit: survives power loss.
    Full,
    /// fsync at checkpoints: survives a crash of the process.
    Normal,
}

impl Db {
    /// Opens `path` in WAL mode and runs `migrations` in order: the database's
    /// `user_version` says how many already ran.
    pub(crate) fn open(path: &Path, sync: Sync, migrations: &[&str]) -> Result<Self> {
        let mut conn = Connection::open(path).map_err(backend)?;
        let sync = match sync {
            Sync::Full => "FULL",
            Sync::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
        ))
        .map_err(backend)?;
        let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(backend)?;
        if version > migrations.len() {
            return Err(Error::Corrupt {
                what: path.display().to_string(),
                detail: format!("schema version {version} is newer than this build knows ({})", migrations.len()),
            });
        }
        for (i, m) in migrations.iter().enumerate().skip(version) {
            let tx = conn.transaction().map_err(backend)?;
            tx.execute_batch(m).map_err(backend)?;
            tx.execute_batch(&format!("PRAGMA user_version={}", i + 1)).map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(Db { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on this thread (for startup work).
    pub(crate) fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Runs `f` with the connection on the blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still
            // consistent (SQLite rolls back an open transaction), so keep using it.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Backend(format!("storage task failed: {e}")))?
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

pub(crate) fn io_err(what: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::Backend(format!("{what}: {e}"))
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Corrupt { what: what.to_string(), detail: e.to_string() })
}

pub(crate) fn encode<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialize to JSON")
}
