//! [`Coordination`] on PostgreSQL: a lease is a row whose expiry is read against the
//! database's clock (`clock_timestamp()`), so the servers' own clocks need not agree;
//! versions are counters bumped in place.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::Pool;
use squall_storage::{Coordination, Result};
use std::collections::BTreeMap;

/// Leases and versions in `squall_leases` and `squall_versions`.
pub struct PgCoordination {
    pool: Pool,
}

impl PgCoordination {
    pub(crate) fn new(pool: Pool) -> PgCoordination {
        PgCoordination { pool }
    }
}

#[async_trait]
impl Coordination for PgCoordination {
    async fn lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        let client = client(&self.pool).await?;
        let ttl = ttl_ms as f64 / 1000.0;
        // Taken when absent, expired, or already ours; the row lock makes two takers agree.
        let row = client
            .query_opt(
                &client
                    .stmt(
                        "INSERT INTO squall_leases (name, holder, until) VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
                         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                         WHERE squall_leases.holder = EXCLUDED.holder OR squall_leases.until <= clock_timestamp()
                         RETURNING 1",
                    )
                    .await?,
                &[&name, &holder, &ttl],
            )
            .await
            .map_err(backend)?;
        Ok(row.is_some())
    }

    async fn release(&self, name: &str, holder: &str) -> Result<()> {
        let client = client(&self.pool).await?;
        client
            .execute(
                &client.stmt("DELETE FROM squall_leases WHERE name = $1 AND holder = $2").await?,
                &[&name, &holder],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn held(&self, prefix: &str) -> Result<usize> {
        let client = client(&self.pool).await?;
        let row = client
            .query_one(
                &client
                    .stmt(
                        "SELECT count(*) FROM squall_leases WHERE starts_with(name, $1) AND until > clock_timestamp()",
                    )
                    .await?,
                &[&prefix],
            )
            .await
            .map_err(backend)?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    async fn bump(&self, domain: &str) -> Result<u64> {
        let client = client(&self.pool).await?;
        let row = client
            .query_one(
                &client
                    .stmt(
                        "INSERT INTO squall_versions (domain, version) VALUES ($1, 1)
                         ON CONFLICT (domain) DO UPDATE SET version = squall_versions.version + 1
                         RETURNING version",
                    )
                    .await?,
                &[&domain],
            )
            .await
            .map_err(backend)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    async fn versions(&self) -> Result<BTreeMap<String, u64>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(&client.stmt("SELECT domain, version FROM squall_versions").await?, &[])
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get::<_, i64>(1) as u64)).collect())
    }
}
