//! [`ArtifactStore`] on PostgreSQL: code packages as `bytea` rows keyed by their SHA-256,
//! so every node reads what any node uploaded (a package is at most Lambda's 250 MB
//! unzipped; PostgreSQL holds up to 1 GB in a value).

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use squall_storage::{ArtifactStore, Error, Result, sha256_hex_is_valid};

/// Code packages.
pub struct PgArtifactStore {
    pool: Pool,
}

impl PgArtifactStore {
    pub(crate) fn new(pool: Pool) -> PgArtifactStore {
        PgArtifactStore { pool }
    }
}

fn check(sha256: &str) -> Result<()> {
    if !sha256_hex_is_valid(sha256) {
        return Err(Error::Backend(format!("{sha256:?} is not a SHA-256 in lowercase hex")));
    }
    Ok(())
}

#[async_trait]
impl ArtifactStore for PgArtifactStore {
    async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<()> {
        check(sha256)?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != sha256 {
            return Err(Error::DigestMismatch { expected: sha256.to_string(), actual });
        }
        let client = client(&self.pool).await?;
        client
            .execute(
                &client.stmt("INSERT INTO artifacts (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING").await?,
                &[&sha256, &bytes],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        check(sha256)?;
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(&client.stmt("SELECT bytes FROM artifacts WHERE sha256 = $1").await?, &[&sha256])
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn contains(&self, sha256: &str) -> Result<bool> {
        check(sha256)?;
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(&client.stmt("SELECT 1 FROM artifacts WHERE sha256 = $1").await?, &[&sha256])
            .await
            .map_err(backend)?;
        Ok(row.is_some())
    }
}
