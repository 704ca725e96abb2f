//! The PostgreSQL storage backend: the storage traits on one shared database, so several
//! Squall nodes act as one platform. Every operation is a database transaction; what must
//! hold across nodes (a message handed out once, a deduplication id seen once) holds by
//! row locks and constraints, never by in-process locks.
//!
//! - `migrate`: versioned schema migrations, applied at connect under an advisory lock, so
//!   nodes starting together migrate once.
//! - `messages`: [`PgMessageStore`], queues and their messages (receives with
//!   `FOR UPDATE SKIP LOCKED`).

mod messages;
mod migrate;

pub use messages::PgMessageStore;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use squall_storage::{Error, Result};
use std::str::FromStr;

/// Connections a node keeps open at most.
const POOL_SIZE: usize = 16;

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
