//! Group commit: one writer thread per database with its own connection, committing
//! whatever has queued up in one transaction (each job in its own savepoint, so one
//! failing job fails alone), and a checkpoint thread that copies the WAL back.

use crate::db::backend;
use squall_storage::{Error, Result};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// A job's work inside the group's transaction.
pub(crate) type Op = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Result<()> + Send>;

/// Runs once the group holding a job has committed or failed, before its caller learns.
pub(crate) type Settle = Box<dyn FnOnce() + Send>;

struct Job {
    op: Option<Op>,
    settle: Option<Settle>,
    done: oneshot::Sender<Result<()>>,
}

/// How often the WAL is copied back into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// WAL size past which a checkpoint waits for the writer and truncates the file: under
/// sustained writes a passive checkpoint never catches up, and the WAL would grow without
/// bound (hundreds of MB after seconds of batched sends).
const WAL_LIMIT: u64 = 64 << 20;

/// Most jobs committed in one transaction.
const GROUP: usize = 512;

/// One checkpoint: passive (never blocks the writer) while the WAL at `wal` is small,
/// truncating once it has grown past `limit` (the writer waits for that one).
pub(crate) fn checkpoint(conn: &rusqlite::Connection, wal: &Path, limit: u64) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);")?;
    if std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0) > limit {
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    Ok(())
}

/// SQLite's write-ahead log beside the database at `path`.
pub(crate) fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// The writer of one database (`synchronous=NORMAL`: a commit survives a crash of the
/// process).
pub(crate) struct GroupWriter {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// Held while the writer lives; the checkpoint thread stops when it is gone.
    _alive: Arc<()>,
}

fn stopped() -> Error {
    Error::Backend("the database writer stopped".into())
}

impl GroupWriter {
    /// Starts the writer and checkpoint threads of the database at `path` (already
    /// migrated); `name` names the threads.
    pub(crate) fn start(path: &Path, name: &str) -> Result<Self> {
        let conn = rusqlite::Connection::open(path).map_err(backend)?;
        // Checkpoints (which fsync) run on their own thread, not in the middle of a commit.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=0;",
        )
        .map_err(backend)?;
        let alive = Arc::new(());
        let checkpoints = rusqlite::Connection::open(path).map_err(backend)?;
        checkpoints.execute_batch("PRAGMA busy_timeout=5000;").map_err(backend)?;
        let watch = Arc::downgrade(&alive);
        let (wal, db) = (wal_path(path), path.display().to_string());
        std::thread::Builder::new()
            .name(format!("squall-{name}-checkpoint"))
            .spawn(move || {
                while watch.upgrade().is_some() {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    if let Err(e) = checkpoint(&checkpoints, &wal, WAL_LIMIT) {
                        tracing::warn!("checkpointing {db}: {e}");
                    }
                }
            })
            .map_err(|e| Error::Backend(format!("starting the {name} checkpointer: {e}")))?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("squall-{name}-writer"))
            .spawn(move || writer(conn, rx))
            .map_err(|e| Error::Backend(format!("starting the {name} writer: {e}")))?;
        Ok(GroupWriter { jobs: Mutex::new(tx), _alive: alive })
    }

    /// Queues `op` after every job queued before; the receiver resolves once it committed.
    pub(crate) fn enqueue(&self, op: Op, settle: Option<Settle>) -> oneshot::Receiver<Result<()>> {
        let (done, rx) = oneshot::channel();
        let job = Job { op: Some(op), settle, done };
        if let Err(mpsc::SendError(job)) = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send(job) {
            if let Some(settle) = job.settle {
                settle();
            }
            let _ = job.done.send(Err(stopped()));
        }
        rx
    }

    /// Runs `f` in the writer and waits for its commit; what it returned.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let slot = Arc::new(Mutex::new(None));
        let out = slot.clone();
        let op: Op = Box::new(move |tx| {
            let value = f(tx)?;
            *out.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
            Ok(())
        });
        Self::settled(self.enqueue(op, None)).await?;
        let value = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        value.ok_or_else(stopped)
    }

    /// What a queued job came to.
    pub(crate) async fn settled(rx: oneshot::Receiver<Result<()>>) -> Result<()> {
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// The writer thread: commits queued jobs in groups until the writer is dropped.
fn writer(mut conn: rusqlite::Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let outcome = (|| -> Result<Vec<Result<()>>> {
            // Immediate: a job may read before it writes, and a deferred transaction that
            // read first cannot upgrade after a checkpoint restarted the WAL.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(backend)?;
            let mut each = Vec::with_capacity(jobs.len());
            for job in &mut jobs {
                let op = job.op.take().expect("each job runs once");
                tx.execute_batch("SAVEPOINT job").map_err(backend)?;
                match op(&tx) {
                    Ok(()) => {
                        tx.execute_batch("RELEASE job").map_err(backend)?;
                        each.push(Ok(()));
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO job; RELEASE job").map_err(backend)?;
                        each.push(Err(e));
                    }
                }
            }
            tx.commit().map_err(backend)?;
            Ok(each)
        })();
        for job in &mut jobs {
            if let Some(settle) = job.settle.take() {
                settle();
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
