//! The embedded storage backend: SQLite in WAL mode for records and logs, plain files for
//! artifacts, all under the data directory.
//!
//! - `meta.db`: functions, services, settings (`synchronous=FULL`: an acknowledged write
//!   survives a crash of the process or the machine).
//! - `logs.db`: invocation logs (`synchronous=NORMAL`: survives a crash of the process).
//! - `queue.db`: asynchronous invocations waiting to run (`synchronous=FULL`).
//! - `tables.db`: DynamoDB-style tables and items (`synchronous=NORMAL`).
//! - `queues.db`: SQS-style queues and their messages, a [`SqliteMessageStore`]
//!   (`synchronous=NORMAL`). `messages.db`, where they lived before as a second
//!   [`SqliteTableStore`], is opened only to carry them over, then removed.
//! - `topics.db`: SNS-style topics, subscriptions and pending HTTP deliveries, a third
//!   [`SqliteTableStore`].
//! - `events.db`: event buses, rules with their targets, scheduled rules' next firings.
//! - `scheduler.db`: EventBridge Scheduler's schedule groups, schedules and their next acts.
//! - `workflows.db`: Step Functions' state machines, executions, their runs and history.
//! - `layers.db`: Lambda layers' versions (their zips are artifacts).
//! - `params.db`: SSM parameters and Secrets Manager secrets (values sealed by the
//!   service before they get here), another [`SqliteTableStore`].
//! - `iam.db`: IAM users, access keys, groups, roles and policies, another
//!   [`SqliteTableStore`].
//! - `artifacts/sha256/ab/abcd…`: code packages, written to a temporary file, fsynced and
//!   renamed, so a reader never sees a partial blob.
//!
//! SQLite calls block, so each runs on tokio's blocking pool behind a mutex per database.

mod artifacts;
mod blobs;
mod db;
mod logs;
mod messages;
mod meta;
mod queue;
mod tables;
mod writer;

pub use artifacts::FileArtifactStore;
pub use blobs::FileBlobStore;
pub use logs::SqliteLogStore;
pub use messages::SqliteMessageStore;
pub use meta::SqliteMetaStore;
pub use queue::SqliteInvocationQueue;
pub use tables::SqliteTableStore;

use std::path::Path;
use std::sync::Arc;

/// The embedded stores, opened together under one data directory.
pub struct EmbeddedStores {
    /// Functions, services, settings.
    pub meta: Arc<SqliteMetaStore>,
    /// Code packages.
    pub artifacts: Arc<FileArtifactStore>,
    /// Invocation logs.
    pub logs: Arc<SqliteLogStore>,
    /// Asynchronous invocations.
    pub queue: Arc<SqliteInvocationQueue>,
    /// Tables and items.
    pub tables: Arc<SqliteTableStore>,
    /// Queues and messages.
    pub messages: Arc<SqliteMessageStore>,
    /// Topics, subscriptions and pending HTTP deliveries.
    pub topics: Arc<SqliteTableStore>,
    /// Buckets, object records and small objects' bytes.
    pub objects: Arc<SqliteTableStore>,
    /// Larger objects' bytes.
    pub blobs: Arc<FileBlobStore>,
    /// Parameters and secrets.
    pub params: Arc<SqliteTableStore>,
    /// IAM's identities and policies.
    pub identities: Arc<SqliteTableStore>,
    /// Event buses, rules and schedules.
    pub events: Arc<SqliteTableStore>,
    pub scheduler: Arc<SqliteTableStore>,
    pub workflows: Arc<SqliteTableStore>,
    /// Lambda layers' versions.
    pub layers: Arc<SqliteTableStore>,
}

impl EmbeddedStores {
    /// Opens (creating when missing) the stores under `data_dir`.
    pub fn open(data_dir: &Path) -> squall_storage::Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(db::io_err("creating the data directory"))?;
        Ok(EmbeddedStores {
            meta: Arc::new(SqliteMetaStore::open(&data_dir.join("meta.db"))?),
            artifacts: Arc::new(FileArtifactStore::open(&data_dir.join("artifacts"))?),
            logs: Arc::new(SqliteLogStore::open(&data_dir.join("logs.db"))?),
            queue: Arc::new(SqliteInvocationQueue::open(&data_dir.join("queue.db"))?),
            tables: Arc::new(SqliteTableStore::open(&data_dir.join("tables.db"))?),
            messages: Arc::new(SqliteMessageStore::open(&data_dir.join("queues.db"))?),
            topics: Arc::new(SqliteTableStore::open(&data_dir.join("topics.db"))?),
            objects: Arc::new(SqliteTableStore::open(&data_dir.join("objects.db"))?),
            blobs: Arc::new(FileBlobStore::open(&data_dir.join("blobs"))?),
            params: Arc::new(SqliteTableStore::open(&data_dir.join("params.db"))?),
            identities: Arc::new(SqliteTableStore::open(&data_dir.join("iam.db"))?),
            events: Arc::new(SqliteTableStore::open(&data_dir.join("events.db"))?),
            scheduler: Arc::new(SqliteTableStore::open(&data_dir.join("scheduler.db"))?),
            workflows: Arc::new(SqliteTableStore::open(&data_dir.join("workflows.db"))?),
            layers: Arc::new(SqliteTableStore::open(&data_dir.join("layers.db"))?),
        })
    }
}

/// Queues in the layout before [`SqliteMessageStore`] (`messages.db`, a
/// [`SqliteTableStore`]), if `data_dir` has any; [`remove_legacy_messages`] once carried over.
pub fn legacy_messages(data_dir: &Path) -> squall_storage::Result<Option<Arc<SqliteTableStore>>> {
    let path = data_dir.join(LEGACY_MESSAGES);
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(Arc::new(SqliteTableStore::open(&path)?)))
}

/// Deletes `messages.db` (and its WAL) after its queues were carried over and the store
/// opened by [`legacy_messages`] was dropped.
pub fn remove_legacy_messages(data_dir: &Path) -> squall_storage::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = data_dir.join(format!("{LEGACY_MESSAGES}{suffix}"));
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(squall_storage::Error::Backend(format!("removing {}: {e}", path.display())));
            }
            _ => {}
        }
    }
    Ok(())
}

const LEGACY_MESSAGES: &str = "messages.db";

#[cfg(test)]
mod tests;
