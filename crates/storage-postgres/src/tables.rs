//! [`TableStore`] on PostgreSQL: every table store of a node (tables, topics, buckets,
//! parameters) is a namespace of the `kv_*` tables. As on the embedded backend, writes go
//! to one writer task per store, which commits whatever has queued up in one transaction
//! (a savepoint per job), and an [`Overlay`] shows a submitted write to this node's reads
//! until it commits; other nodes see it once committed.

use crate::{Prepare, backend, client};
use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use squall_storage::{Error, ItemExpect, ItemWrite, Overlay, Result, StoredItem, SwapTicket, TableStore, WriteTicket};
use std::ops::Bound;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;

/// Most jobs committed in one transaction.
const GROUP: usize = 256;

/// Table definitions and items of one namespace.
pub struct PgTableStore {
    pool: Pool,
    namespace: String,
    overlay: Arc<Overlay>,
    jobs: mpsc::UnboundedSender<Job>,
}

/// What a job does inside the group's transaction.
enum Op {
    /// Item writes; with a slot, first reading what the first one replaces into it.
    Items {
        writes: Vec<ItemWrite>,
        replaced: Option<Arc<Mutex<Option<Vec<u8>>>>>,
    },
    /// Item writes applied only if the preconditions hold.
    Checked {
        writes: Vec<ItemWrite>,
        expect: Vec<ItemExpect>,
    },
    Create {
        name: String,
        definition: String,
    },
    Update {
        name: String,
        definition: String,
    },
    /// Deleting a table and its items; whether it existed goes into the slot.
    Delete {
        name: String,
        existed: Arc<Mutex<bool>>,
    },
}

struct Job {
    op: Op,
    staged: Option<squall_storage::Staged>,
    done: oneshot::Sender<Result<()>>,
}

fn stopped() -> Error {
    Error::Backend("the table writer stopped".into())
}

impl PgTableStore {
    /// The store of `namespace`; its writer task runs on the current tokio runtime.
    pub(crate) fn new(pool: Pool, namespace: &str) -> PgTableStore {
        let (tx, rx) = mpsc::unbounded_channel();
        let overlay = Arc::new(Overlay::default());
        tokio::spawn(writer(pool.clone(), namespace.to_string(), rx, overlay.clone()));
        PgTableStore { pool, namespace: namespace.to_string(), overlay, jobs: tx }
    }

    fn enqueue(&self, op: Op, staged: Option<squall_storage::Staged>) -> oneshot::Receiver<Result<()>> {
        let (done, rx) = oneshot::channel();
        if let Err(mpsc::error::SendError(job)) = self.jobs.send(Job { op, staged, done }) {
            if let Some(s) = &job.staged {
                self.overlay.settle(s);
            }
            let _ = job.done.send(Err(stopped()));
        }
        rx
    }

    async fn run(&self, op: Op) -> Result<()> {
        self.enqueue(op, None).await.unwrap_or_else(|_| Err(stopped()))
    }

    fn submit_items(
        &self,
        writes: Vec<ItemWrite>,
        replaced: Option<Arc<Mutex<Option<Vec<u8>>>>>,
    ) -> oneshot::Receiver<Result<()>> {
        let staged = self.overlay.stage(&writes);
        self.enqueue(Op::Items { writes, replaced }, Some(staged))
    }
}

/// The writer task: commits queued jobs in groups, in order, until the store is dropped.
/// A checked write commits in a transaction of its own: the key locks it takes are held
/// until its commit, and two groups each holding one while waiting for the other's would
/// deadlock.
async fn writer(pool: Pool, namespace: String, mut rx: mpsc::UnboundedReceiver<Job>, overlay: Arc<Overlay>) {
    let mut held_back: Option<Job> = None;
    loop {
        let first = match held_back.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let alone = matches!(first.op, Op::Checked { .. });
        let mut jobs = vec![first];
        while !alone && jobs.len() < GROUP {
            match rx.try_recv() {
                Ok(j) if matches!(j.op, Op::Checked { .. }) => {
                    held_back = Some(j);
                    break;
                }
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let outcome = commit_group(&pool, &namespace, &jobs).await;
        for job in &jobs {
            if let Some(s) = &job.staged {
                overlay.settle(s);
            }
        }
        match outcome {
            Ok(each) => {
                for (job, r) in jobs.into_iter().zip(each) {
                    let _ = job.done.send(r);
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.done.send(Err(Error::Backend(e.to_string())));
                }
            }
        }
    }
}

async fn commit_group(pool: &Pool, namespace: &str, jobs: &[Job]) -> Result<Vec<Result<()>>> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await.map_err(backend)?;
    if let [job] = jobs {
        // Alone, the transaction is the job's own: no savepoint (two round trips) needed.
        let r = apply(&tx, namespace, &job.op).await;
        match &r {
            Ok(()) => tx.commit().await.map_err(backend)?,
            Err(_) => tx.rollback().await.map_err(backend)?,
        }
        return Ok(vec![r]);
    }
    let mut each = Vec::with_capacity(jobs.len());
    for job in jobs {
        tx.batch_execute("SAVEPOINT job").await.map_err(backend)?;
        match apply(&tx, namespace, &job.op).await {
            Ok(()) => {
                tx.batch_execute("RELEASE SAVEPOINT job").await.map_err(backend)?;
                each.push(Ok(()));
            }
            Err(e) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job").await.map_err(backend)?;
                each.push(Err(e));
            }
        }
    }
    tx.commit().await.map_err(backend)?;
    Ok(each)
}

async fn apply(tx: &Transaction<'_>, ns: &str, op: &Op) -> Result<()> {
    match op {
        Op::Items { writes, replaced } => {
            if let (Some(slot), Some(w)) = (replaced, writes.first()) {
                let row = tx
                    .query_opt(
                        &tx.stmt("SELECT item FROM kv_items WHERE store = $1 AND tbl = $2 AND pk = $3 AND sk = $4 FOR UPDATE").await?,
                        &[&ns, &w.table, &w.pk, &w.sk],
                    )
                    .await
                    .map_err(backend)?;
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = row.map(|r| r.get(0));
            }
            put_all(tx, ns, writes).await
        }
        Op::Checked { writes, expect } => {
            // Every key checked is locked first, in one order (two checkers of the same keys
            // cannot deadlock), so a key expected absent cannot be created meanwhile.
            let mut keys: Vec<&ItemExpect> = expect.iter().collect();
            keys.sort_by(|a, b| (&a.table, &a.pk, &a.sk).cmp(&(&b.table, &b.pk, &b.sk)));
            for e in &keys {
                tx.execute(
                    &tx.stmt(
                        "SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || encode($3, 'hex') || '/' || encode($4, 'hex'), 0))",
                    )
                    .await?,
                    &[&ns, &e.table, &e.pk, &e.sk],
                )
                .await
                .map_err(backend)?;
            }
            for e in &keys {
                let row = tx
                    .query_opt(
                        // Locked too, so a plain write of the row waits for this commit.
                        &tx.stmt(
                            "SELECT item FROM kv_items WHERE store = $1 AND tbl = $2 AND pk = $3 AND sk = $4 FOR UPDATE",
                        )
                        .await?,
                        &[&ns, &e.table, &e.pk, &e.sk],
                    )
                    .await
                    .map_err(backend)?;
                if row.map(|r| r.get::<_, Vec<u8>>(0)) != e.item {
                    return Err(Error::Conflict(format!("an item of {} changed", e.table)));
                }
            }
            put_all(tx, ns, writes).await
        }
        Op::Create { name, definition } => {
            let n = tx
                .execute(
                    &tx.stmt(
                        "INSERT INTO kv_tables (store, name, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .await?,
                    &[&ns, name, definition],
                )
                .await
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("table {name} exists")));
            }
            Ok(())
        }
        Op::Update { name, definition } => {
            let n = tx
                .execute(
                    &tx.stmt("UPDATE kv_tables SET definition = $3 WHERE store = $1 AND name = $2").await?,
                    &[&ns, name, definition],
                )
                .await
                .map_err(backend)?;
            if n == 0 {
                return Err(Error::Conflict(format!("table {name} does not exist")));
            }
            Ok(())
        }
        Op::Delete { name, existed } => {
            tx.execute(&tx.stmt("DELETE FROM kv_items WHERE store = $1 AND tbl = $2").await?, &[&ns, name])
                .await
                .map_err(backend)?;
            let n = tx
                .execute(&tx.stmt("DELETE FROM kv_tables WHERE store = $1 AND name = $2").await?, &[&ns, name])
                .await
                .map_err(backend)?;
            *existed.lock().unwrap_or_else(|p| p.into_inner()) = n > 0;
            Ok(())
        }
    }
}

/// Puts and deletes `writes` inside a transaction.
async fn put_all(tx: &Transaction<'_>, ns: &str, writes: &[ItemWrite]) -> Result<()> {
    for w in writes {
        match &w.item {
            Some(item) => {
                tx.execute(
                    &tx.stmt(
                        "INSERT INTO kv_items (store, tbl, pk, sk, item) VALUES ($1, $2, $3, $4, $5)
                             ON CONFLICT (store, tbl, pk, sk) DO UPDATE SET item = EXCLUDED.item",
                    )
                    .await?,
                    &[&ns, &w.table, &w.pk, &w.sk, item],
                )
                .await
            }
            None => {
                tx.execute(
                    &tx.stmt("DELETE FROM kv_items WHERE store = $1 AND tbl = $2 AND pk = $3 AND sk = $4").await?,
                    &[&ns, &w.table, &w.pk, &w.sk],
                )
                .await
            }
        }
        .map_err(backend)?;
    }
    Ok(())
}

fn stored(r: &tokio_postgres::Row) -> StoredItem {
    StoredItem { pk: r.get(0), sk: r.get(1), item: r.get(2) }
}

#[async_trait]
impl TableStore for PgTableStore {
    async fn create_table(&self, name: &str, definition: &str) -> Result<()> {
        self.run(Op::Create { name: name.to_string(), definition: definition.to_string() }).await
    }

    async fn update_table(&self, name: &str, definition: &str) -> Result<()> {
        self.run(Op::Update { name: name.to_string(), definition: definition.to_string() }).await
    }

    async fn delete_table(&self, name: &str) -> Result<bool> {
        let existed = Arc::new(Mutex::new(false));
        self.run(Op::Delete { name: name.to_string(), existed: existed.clone() }).await?;
        Ok(*existed.lock().unwrap_or_else(|p| p.into_inner()))
    }

    async fn list_tables(&self) -> Result<Vec<(String, String)>> {
        let client = client(&self.pool).await?;
        let rows = client
            .query(
                &client
                    .stmt("SELECT name, definition FROM kv_tables WHERE store = $1 ORDER BY name COLLATE \"C\"")
                    .await?,
                &[&self.namespace],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn get_item(&self, table: &str, pk: &[u8], sk: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(value) = self.overlay.get(table, pk, sk) {
            return Ok(value);
        }
        let client = client(&self.pool).await?;
        let row = client
            .query_opt(
                &client.stmt("SELECT item FROM kv_items WHERE store = $1 AND tbl = $2 AND pk = $3 AND sk = $4").await?,
                &[&self.namespace, &table, &pk, &sk],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }

    fn submit(&self, writes: Vec<ItemWrite>) -> WriteTicket {
        let rx = self.submit_items(writes, None);
        Box::pin(async move { rx.await.unwrap_or_else(|_| Err(stopped())) })
    }

    fn submit_swap(&self, writes: Vec<ItemWrite>) -> SwapTicket {
        let slot = Arc::new(Mutex::new(None));
        let rx = self.submit_items(writes, Some(slot.clone()));
        Box::pin(async move {
            rx.await.unwrap_or_else(|_| Err(stopped()))?;
            Ok(slot.lock().unwrap_or_else(|p| p.into_inner()).take())
        })
    }

    async fn write_checked(&self, writes: Vec<ItemWrite>, expect: Vec<ItemExpect>) -> Result<()> {
        self.run(Op::Checked { writes, expect }).await
    }

    async fn query(
        &self,
        table: &str,
        pk: &[u8],
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        forward: bool,
        limit: usize,
    ) -> Result<Vec<StoredItem>> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let mut sql = String::from("SELECT pk, sk, item FROM kv_items WHERE store = $1 AND tbl = $2 AND pk = $3");
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> =
            vec![Box::new(self.namespace.clone()), Box::new(table.to_string()), Box::new(pk.to_vec())];
        for (bound, lower) in [(&range.0, true), (&range.1, false)] {
            let (op, v) = match (bound, lower) {
                (Bound::Included(v), true) => (">=", v),
                (Bound::Excluded(v), true) => (">", v),
                (Bound::Included(v), false) => ("<=", v),
                (Bound::Excluded(v), false) => ("<", v),
                (Bound::Unbounded, _) => continue,
            };
            args.push(Box::new(v.clone()));
            sql.push_str(&format!(" AND sk {op} ${}", args.len()));
        }
        args.push(Box::new(limit));
        sql.push_str(&format!(" ORDER BY sk {} LIMIT ${}", if forward { "ASC" } else { "DESC" }, args.len()));
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
        let client = client(&self.pool).await?;
        let rows = client.query(&client.stmt(&sql).await?, &params).await.map_err(backend)?;
        Ok(rows.iter().map(stored).collect())
    }

    async fn scan(&self, table: &str, after: Option<(Vec<u8>, Vec<u8>)>, limit: usize) -> Result<Vec<StoredItem>> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let client = client(&self.pool).await?;
        let rows = match after {
            None => client
                .query(
                    &client
                        .stmt(
                            "SELECT pk, sk, item FROM kv_items WHERE store = $1 AND tbl = $2 ORDER BY pk, sk LIMIT $3",
                        )
                        .await?,
                    &[&self.namespace, &table, &limit],
                )
                .await,
            Some((pk, sk)) => client
                .query(
                    &client
                        .stmt(
                            "SELECT pk, sk, item FROM kv_items WHERE store = $1 AND tbl = $2 AND (pk, sk) > ($3, $4)
                         ORDER BY pk, sk LIMIT $5",
                        )
                        .await?,
                    &[&self.namespace, &table, &pk, &sk, &limit],
                )
                .await,
        }
        .map_err(backend)?;
        Ok(rows.iter().map(stored).collect())
    }

    async fn table_stats(&self, table: &str) -> Result<(u64, u64)> {
        let client = client(&self.pool).await?;
        let row = client
            .query_one(
                &client.stmt("SELECT COUNT(*), COALESCE(SUM(length(item)), 0)::BIGINT FROM kv_items WHERE store = $1 AND tbl = $2").await?,
                &[&self.namespace, &table],
            )
            .await
            .map_err(backend)?;
        Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
    }
}
