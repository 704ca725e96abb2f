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
//! - `tables`: [`PgTableStore`], table definitions and items, one namespace per store.
//! - `coordination`: [`PgCoordination`], leases (on the database's clock) and versions.

mod artifacts;
mod coordination;
mod invocations;
mod logs;
mod messages;
mod meta;
mod migrate;
mod tables;

pub use artifacts::PgArtifactStore;
pub use coordination::PgCoordination;
pub use invocations::PgInvocationQueue;
pub use logs::PgLogStore;
pub use messages::PgMessageStore;
pub use meta::PgMetaStore;
pub use tables::PgTableStore;

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

/// Connections are made without TLS: a URL asking for it (`sslmode` other than `disable`)
/// is refused by name rather than connected in plaintext.
fn refuse_tls(url: &str) -> Result<()> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&') {
        if let Some(("sslmode", mode)) = pair.split_once('=')
            && mode != "disable"
        {
            return Err(Error::Backend(format!(
                "sslmode={mode} in the PostgreSQL URL is not supported: Squall connects without TLS for now (sslmode=disable, or no sslmode)"
            )));
        }
    }
    Ok(())
}

/// `url` without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl PgStores {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and applies the
    /// migrations this build knows that the database lacks.
    pub async fn connect(url: &str) -> Result<PgStores> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Backend(format!("the PostgreSQL URL does not parse: {e}")))?;
        refuse_tls(url)?;
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

    /// Makes the asynchronous invocations server `holder` had leased due again, for that
    /// server starting again (its id is kept in its data directory): what it had started
    /// when it crashed runs again at once (at least once, as Lambda's).
    pub async fn release_invocation_leases(&self, holder: &str) -> Result<u64> {
        let client = self.client().await?;
        client
            .execute(
                &client
                    .stmt("UPDATE invocations SET leased_until_ms = 0 WHERE leased_until_ms > 0 AND holder = $1")
                    .await?,
                &[&holder],
            )
            .await
            .map_err(backend)
    }

    /// Queues and messages.
    pub fn messages(&self) -> PgMessageStore {
        PgMessageStore::new(self.pool.clone())
    }

    /// Functions, services and settings.
    pub fn meta(&self) -> PgMetaStore {
        PgMetaStore::new(self.pool.clone())
    }

    /// Asynchronous invocations, leased by server `holder`.
    pub fn invocations(&self, holder: &str) -> PgInvocationQueue {
        PgInvocationQueue::new(self.pool.clone(), holder)
    }

    /// Invocation logs.
    pub fn logs(&self) -> PgLogStore {
        PgLogStore::new(self.pool.clone())
    }

    /// The table store of `namespace` (`tables`, `topics`, `objects`, `params`: what the
    /// embedded backend keeps in a database file each). Starts its writer task on the
    /// current tokio runtime.
    pub fn tables(&self, namespace: &str) -> PgTableStore {
        PgTableStore::new(self.pool.clone(), namespace)
    }

    /// Leases and definition versions.
    pub fn coordination(&self) -> PgCoordination {
        PgCoordination::new(self.pool.clone())
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

/// Statements prepared once per connection and kept: each SQL text is parsed and planned
/// once, and a call is one round trip instead of two.
pub(crate) trait Prepare {
    async fn stmt(&self, sql: &str) -> Result<tokio_postgres::Statement>;
}

impl Prepare for deadpool_postgres::ClientWrapper {
    async fn stmt(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        self.prepare_cached(sql).await.map_err(backend)
    }
}

impl Prepare for deadpool_postgres::Transaction<'_> {
    async fn stmt(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        self.prepare_cached(sql).await.map_err(backend)
    }
}

impl Prepare for tokio_postgres::Client {
    async fn stmt(&self, sql: &str) -> Result<tokio_postgres::Statement> {
        self.prepare(sql).await.map_err(backend)
    }
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
