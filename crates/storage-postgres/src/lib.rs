//! The PostgreSQL storage backend: the storage traits on one shared database, so several
//! Squall nodes act as one platform. Every operation is a database transaction; what must
//! hold across nodes (a message handed out once, a deduplication id seen once) holds by
//! row locks and constraints, never by in-process locks.
//!
//! - `migrate`: versioned schema migrations, applied at connect under an advisory lock, so
//!   nodes starting together migrate once.
//! - `messages`: [`PgMessageStore`], queues and their messages (receives with
//!   `FOR UPDATE SKIP LOCKED`).
//! - `meta`: [`PgMetaStore`], functions, services and settings (conditional writes under
//!   row locks).
//! - `invocations`: [`PgInvocationQueue`], asynchronous invocations leased with
//!   `FOR UPDATE SKIP LOCKED`.
//! - `logs`: [`PgLogStore`]; `artifacts`: [`PgArtifactStore`], code packages as `bytea`.

mod artifacts;
mod invocations;
mod logs;
mod messages;
mod meta;
mod migrate;

pub use artifacts::PgArtifactStore;
pub use invocations::PgInvocationQueue;
pub use logs::PgLogStore;
pub use messages::PgMessageStore;
pub use meta::PgMetaStore;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use squall_storage::{Error, Result};
use std::str::FromStr;

/// Connections a node keeps open at most.
const POOL_SIZE: usize = 16;

/// How long a call waits for a connection (a free one from the pool, or a new one): past
/// it, the call fails with a clear error instead of hanging while PostgreSQL is away.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A pool of connections to one database, migrated to this build's schema.
#[derive(Clone)]
pub struct PgStores {
    pool: Pool,
}

impl PgStores {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and applies the
    /// migrations this build knows that the database lacks.
    pub async fn connect(url: &str) -> Result<PgStores> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Backend(format!("the PostgreSQL URL does not parse: {e}")))?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(TIMEOUT))
            .create_timeout(Some(TIMEOUT))
            .recycle_timeout(Some(TIMEOUT))
            .build()
            .map_err(|e| Error::Backend(format!("building the PostgreSQL pool: {e}")))?;
        let stores = PgStores { pool };
        migrate::run(&mut *stores.client().await?).await?;
        Ok(stores)
    }

    /// Queues and messages.
    pub fn messages(&self) -> PgMessageStore {
        PgMessageStore::new(self.pool.clone())
    }

    /// Functions, services and settings.
    pub fn meta(&self) -> PgMetaStore {
        PgMetaStore::new(self.pool.clone())
    }

    /// Asynchronous invocations.
    pub fn invocations(&self) -> PgInvocationQueue {
        PgInvocationQueue::new(self.pool.clone())
    }

    /// Invocation logs.
    pub fn logs(&self) -> PgLogStore {
        PgLogStore::new(self.pool.clone())
    }

    /// Code packages.
    pub fn artifacts(&self) -> PgArtifactStore {
        PgArtifactStore::new(self.pool.clone())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        client(&self.pool).await
    }
}

pub(crate) async fn client(pool: &Pool) -> Result<deadpool_postgres::Object> {
    pool.get().await.map_err(|e| Error::Backend(format!("connecting to PostgreSQL: {e}")))
}

/// A database error as the storage contract's.
pub(crate) fn backend(e: tokio_postgres::Error) -> Error {
    match e.as_db_error() {
        Some(db) => Error::Backend(format!("PostgreSQL: {} ({})", db.message(), db.code().code())),
        None => Error::Backend(format!("PostgreSQL: {e}")),
    }
}

#[cfg(test)]
mod tests;
