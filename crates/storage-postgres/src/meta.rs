//! [`MetaStore`] on PostgreSQL: records as JSON documents, as the embedded backend keeps
//! them; a conditional write locks the function's row, so two nodes updating one function
//! serialize and the second sees the first's revision.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use squall_storage::{DeploymentChange, Error, Expect, MetaStore, Result};
use squall_types::{FunctionRecord, ServiceRecord};

const FORMAT: i32 = 1;

/// Functions, services and settings.
pub struct PgMetaStore {
    pool: Pool,
}

impl PgMetaStore {
    pub(crate) fn new(pool: Pool) -> PgMetaStore {
        PgMetaStore { pool }
    }
}

fn decode<T: serde::de::DeserializeOwned>(what: String, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Corrupt { what, detail: e.to_string() })
}

fn encode<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("records serialize to JSON")
}

async fn load_function(tx: &Transaction<'_>, name: &str, lock: bool) -> Result<Option<FunctionRecord>> {
    let sql = if lock {
        "SELECT record FROM functions WHERE name = $1 FOR UPDATE"
    } else {
        "SELECT record FROM functions WHERE name = $1"
    };
    let row = tx.query_opt(sql, &[&name]).await.map_err(backend)?;
    row.map(|r| decode(format!("function {name}"), r.get(0))).transpose()
}

async fn load_service(tx: &Transaction<'_>, name: &str) -> Result<Option<ServiceRecord>> {
    let row = tx
        .query_opt(&tx.stmt("SELECT record FROM services WHERE name = $1 FOR UPDATE").await?, &[&name])
        .await
        .map_err(backend)?;
    row.map(|r| decode(format!("service {name}"), r.get(0))).transpose()
}

async fn write_function(tx: &Transaction<'_>, rec: &FunctionRecord) -> Result<()> {
    tx.execute(
        &tx.stmt("INSERT INTO functions (name, service, format, record) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET service = EXCLUDED.service, format = EXCLUDED.format, record = EXCLUDED.record").await?,
        &[&rec.config.name.as_str(), &rec.config.service.as_ref().map(|s| s.as_str()), &FORMAT, &encode(rec)],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn write_service(tx: &Transaction<'_>, rec: &ServiceRecord) -> Result<()> {
    tx.execute(
        &tx.stmt(
            "INSERT INTO services (name, format, record) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET format = EXCLUDED.format, record = EXCLUDED.record",
        )
        .await?,
        &[&rec.name.as_str(), &FORMAT, &encode(rec)],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

impl PgMetaStore {
    async fn list<T: serde::de::DeserializeOwned>(&self, sql: &str, what: &str) -> Result<Vec<T>> {
        let client = client(&self.pool).await?;
        let rows = client.query(sql, &[]).await.map_err(backend)?;
        rows.iter().map(|r| decode(format!("{what} {}", r.get::<_, String>(0)), r.get(1))).collect()
    }
}

#[async_trait]
impl MetaStore for PgMetaStore {
    async fn get_function(&self, name: &str) -> Result<Option<FunctionRecord>> {
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        load_function(&tx, name, false).await
    }

    async fn list_functions(&self) -> Result<Vec<FunctionRecord>> {
        self.list("SELECT name, record FROM functions ORDER BY name COLLATE \"C\"", "function").await
    }

    async fn put_function(&self, record: &FunctionRecord, expect: Expect) -> Result<()> {
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        let name = record.config.name.as_str();
        if expect == Expect::Absent {
            // Claims the name: of two nodes creating it, the second finds it taken.
            let n = tx
                .execute(
                    &tx.stmt("INSERT INTO functions (name, service, format, record) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING").await?,
                    &[&name, &record.config.service.as_ref().map(|s| s.as_str()), &FORMAT, &encode(record)],
                )
                .await
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("function {name} already exists")));
            }
            return tx.commit().await.map_err(backend);
        }
        let current = load_function(&tx, name, true).await?;
        match (expect, &current) {
            (Expect::Revision(r), Some(cur)) if cur.revision == r => {}
            (_, Some(_)) => return Err(Error::Conflict(format!("function {name} was changed concurrently"))),
            (_, None) => return Err(Error::Conflict(format!("function {name} no longer exists"))),
        }
        write_function(&tx, record).await?;
        tx.commit().await.map_err(backend)
    }

    async fn delete_function(&self, name: &str) -> Result<Option<FunctionRecord>> {
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        let Some(rec) = load_function(&tx, name, true).await? else { return Ok(None) };
        tx.execute(&tx.stmt("DELETE FROM functions WHERE name = $1").await?, &[&name]).await.map_err(backend)?;
        if let Some(svc) = &rec.config.service
            && let Some(mut s) = load_service(&tx, svc.as_str()).await?
        {
            s.functions.retain(|f| f.as_str() != name);
            s.routes.retain(|r| r.function != name);
            write_service(&tx, &s).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(Some(rec))
    }

    async fn get_service(&self, name: &str) -> Result<Option<ServiceRecord>> {
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(&client.stmt("SELECT record FROM services WHERE name = $1").await?, &[&name])
            .await
            .map_err(backend)?;
        row.map(|r| decode(format!("service {name}"), r.get(0))).transpose()
    }

    async fn list_services(&self) -> Result<Vec<ServiceRecord>> {
        self.list("SELECT name, record FROM services ORDER BY name COLLATE \"C\"", "service").await
    }

    async fn apply_deployment(&self, change: &DeploymentChange) -> Result<()> {
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        for name in &change.delete {
            tx.execute(&tx.stmt("DELETE FROM functions WHERE name = $1").await?, &[name]).await.map_err(backend)?;
        }
        for rec in &change.upsert {
            write_function(&tx, rec).await?;
        }
        write_service(&tx, &change.service).await?;
        tx.commit().await.map_err(backend)
    }

    async fn remove_service(&self, name: &str) -> Result<Option<ServiceRecord>> {
        let mut client = client(&self.pool).await?;
        let tx = client.transaction().await.map_err(backend)?;
        let Some(rec) = load_service(&tx, name).await? else { return Ok(None) };
        tx.execute(&tx.stmt("DELETE FROM functions WHERE service = $1").await?, &[&name]).await.map_err(backend)?;
        tx.execute(&tx.stmt("DELETE FROM services WHERE name = $1").await?, &[&name]).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(Some(rec))
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(&client.stmt("SELECT value FROM settings WHERE key = $1").await?, &[&key])
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn init_setting(&self, key: &str, value: &str) -> Result<String> {
        let client = client(&self.pool).await?;
        // The insert wins or waits for the one that did, then reads the value that won.
        client
            .execute(
                &client.stmt("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING").await?,
                &[&key, &value],
            )
            .await
            .map_err(backend)?;
        let row = client
            .query_one(&client.stmt("SELECT value FROM settings WHERE key = $1").await?, &[&key])
            .await
            .map_err(backend)?;
        Ok(row.get(0))
    }
}
