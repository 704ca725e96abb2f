//! [`MetaStore`] on SQLite.

use crate::db::{Db, Sync, backend, decode, encode};
use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};
use squall_storage::{DeploymentChange, Error, Expect, MetaStore, Result};
use squall_types::{FunctionRecord, ServiceRecord};
use std::path::Path;

/// Records are JSON documents; `format` versions their encoding for later migrations.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE functions (
        name TEXT PRIMARY KEY,
        service TEXT,
        format INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE INDEX functions_by_service ON functions(service);
    CREATE TABLE services (
        name TEXT PRIMARY KEY,
        format INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
"];

const FORMAT: i64 = 1;

/// Functions, services and settings in `meta.db`.
pub struct SqliteMetaStore {
    db: Db,
}

impl SqliteMetaStore {
    /// Opens or creates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(SqliteMetaStore { db: Db::open(path, Sync::Full, MIGRATIONS)? })
    }
}

fn load_function(tx: &Transaction<'_>, name: &str) -> Result<Option<FunctionRecord>> {
    let json: Option<String> = tx
        .query_row("SELECT record FROM functions WHERE name = ?1", [name], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    json.map(|j| decode(&format!("function {name}"), &j)).transpose()
}

fn load_service(tx: &Transaction<'_>, name: &str) -> Result<Option<ServiceRecord>> {
    let json: Option<String> = tx
        .query_row("SELECT record FROM services WHERE name = ?1", [name], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    json.map(|j| decode(&format!("service {name}"), &j)).transpose()
}

fn write_function(tx: &Transaction<'_>, rec: &FunctionRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO functions (name, service, format, record) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET service = excluded.service, format = excluded.format, record = excluded.record",
        params![
            rec.config.name.as_str(),
            rec.config.service.as_ref().map(|s| s.as_str()),
            FORMAT,
            encode(rec)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn write_service(tx: &Transaction<'_>, rec: &ServiceRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO services (name, format, record) VALUES (?1, ?2, ?3)
         ON CONFLICT(name) DO UPDATE SET format = excluded.format, record = excluded.record",
        params![rec.name.as_str(), FORMAT, encode(rec)],
    )
    .map_err(backend)?;
    Ok(())
}

fn list<T: serde::de::DeserializeOwned>(tx: &Transaction<'_>, sql: &str, what: &str) -> Result<Vec<T>> {
    let mut stmt = tx.prepare(sql).map_err(backend)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (name, json) = row.map_err(backend)?;
        out.push(decode(&format!("{what} {name}"), &json)?);
    }
    Ok(out)
}

#[async_trait]
impl MetaStore for SqliteMetaStore {
    async fn get_function(&self, name: &str) -> Result<Option<FunctionRecord>> {
        let name = name.to_string();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                load_function(&tx, &name)
            })
            .await
    }

    async fn list_functions(&self) -> Result<Vec<FunctionRecord>> {
        self.db
            .call(|c| {
                let tx = c.transaction().map_err(backend)?;
                list(&tx, "SELECT name, record FROM functions ORDER BY name", "function")
            })
            .await
    }

    async fn put_function(&self, record: &FunctionRecord, expect: Expect) -> Result<()> {
        let rec = record.clone();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                let name = rec.config.name.as_str();
                let current = load_function(&tx, name)?;
                match (expect, &current) {
                    (Expect::Absent, None) => {}
                    (Expect::Absent, Some(_)) => {
                        return Err(Error::Conflict(format!("function {name} already exists")));
                    }
                    (Expect::Revision(r), Some(cur)) if cur.revision == r => {}
                    (Expect::Revision(_), Some(_)) => {
                        return Err(Error::Conflict(format!("function {name} was changed concurrently")));
                    }
                    (Expect::Revision(_), None) => {
                        return Err(Error::Conflict(format!("function {name} no longer exists")));
                    }
                }
                write_function(&tx, &rec)?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn delete_function(&self, name: &str) -> Result<Option<FunctionRecord>> {
        let name = name.to_string();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                let Some(rec) = load_function(&tx, &name)? else { return Ok(None) };
                tx.execute("DELETE FROM functions WHERE name = ?1", [&name]).map_err(backend)?;
                if let Some(svc) = &rec.config.service
                    && let Some(mut s) = load_service(&tx, svc.as_str())?
                {
                    s.functions.retain(|f| f.as_str() != name);
                    s.routes.retain(|r| r.function != name);
                    write_service(&tx, &s)?;
                }
                tx.commit().map_err(backend)?;
                Ok(Some(rec))
            })
            .await
    }

    async fn get_service(&self, name: &str) -> Result<Option<ServiceRecord>> {
        let name = name.to_string();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                load_service(&tx, &name)
            })
            .await
    }

    async fn list_services(&self) -> Result<Vec<ServiceRecord>> {
        self.db
            .call(|c| {
                let tx = c.transaction().map_err(backend)?;
                list(&tx, "SELECT name, record FROM services ORDER BY name", "service")
            })
            .await
    }

    async fn apply_deployment(&self, change: &DeploymentChange) -> Result<()> {
        let change = change.clone();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                for name in &change.delete {
                    tx.execute("DELETE FROM functions WHERE name = ?1", [name]).map_err(backend)?;
                }
                for rec in &change.upsert {
                    write_function(&tx, rec)?;
                }
                write_service(&tx, &change.service)?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn remove_service(&self, name: &str) -> Result<Option<ServiceRecord>> {
        let name = name.to_string();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                let Some(rec) = load_service(&tx, &name)? else { return Ok(None) };
                tx.execute("DELETE FROM functions WHERE service = ?1", [&name]).map_err(backend)?;
                tx.execute("DELETE FROM services WHERE name = ?1", [&name]).map_err(backend)?;
                tx.commit().map_err(backend)?;
                Ok(Some(rec))
            })
            .await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.db
            .call(move |c| {
                c.query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| r.get(0))
                    .optional()
                    .map_err(backend)
            })
            .await
    }

    async fn init_setting(&self, key: &str, value: &str) -> Result<String> {
        let (key, value) = (key.to_string(), value.to_string());
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(backend)?;
                tx.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)", [&key, &value])
                    .map_err(backend)?;
                let stored: String =
                    tx.query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| r.get(0)).map_err(backend)?;
                tx.commit().map_err(backend)?;
                Ok(stored)
            })
            .await
    }
}
