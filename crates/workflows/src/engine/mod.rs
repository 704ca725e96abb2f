//! Executions running: one task per execution in progress (its actor, `actor`) owns the
//! execution's state (`exec`), writes each batch of transitions with its history events to
//! the store before starting what they lead to (a Task's call, a timer), and takes the
//! answers as messages. Timers (Wait states, retriers' delays, Task deadlines) are written
//! with their run's phase and held by one worker per server on the platform clock, not
//! sleeping tasks. A Task's
//! call is made at least once: an execution resumed after a crash calls again a Task whose
//! answer was not yet written.

mod actor;
pub(crate) mod cluster;
pub(crate) mod exec;
mod integrations;
mod run;
pub(crate) mod store;
pub(crate) mod tasks;
pub(crate) mod token;

pub use tasks::{Invoked, TaskCaller, Tasks};

use crate::Failure;
use crate::definition::Retrier;
use crate::model::Execution;
use squall_clock::Clock;
use squall_storage::TableStore;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{Notify, mpsc, oneshot};

/// What an execution's actor is told.
pub(crate) enum Msg {
    /// A timer of a run fell due (run `""`: the execution's own TimeoutSeconds).
    Timer { run: String, nonce: u64 },
    /// SendTaskSuccess / SendTaskFailure (answered once what it caused is written; `letter`:
    /// the inbox row it came in, deleted with that write).
    Token {
        run: String,
        nonce: u64,
        secret: String,
        answer: Result<serde_json::Value, Failure>,
        reply: oneshot::Sender<bool>,
        letter: Option<Vec<u8>>,
    },
    /// SendTaskHeartbeat.
    Heartbeat { run: String, nonce: u64, secret: String, reply: oneshot::Sender<bool>, letter: Option<Vec<u8>> },
    /// StopExecution.
    Stop { failure: Failure, reply: oneshot::Sender<()>, letter: Option<Vec<u8>> },
}

/// The executions this server runs.
pub struct Engine {
    pub(crate) store: Arc<dyn TableStore>,
    pub(crate) cluster: squall_lifecycle::Cluster,
    pub(crate) clock: Clock,
    pub(crate) region: String,
    pub(crate) tasks: OnceLock<Arc<dyn Tasks>>,
    live: Mutex<HashMap<String, mpsc::UnboundedSender<Msg>>>,
    timers: Mutex<BTreeSet<(u64, String, String, u64)>>,
    timers_changed: Notify,
    /// Inbox letters handed to actors here, not yet deleted by their batch.
    handed: Mutex<std::collections::HashSet<Vec<u8>>>,
}

impl Engine {
    pub fn new(store: Arc<dyn TableStore>, clock: Clock, region: &str, cluster: squall_lifecycle::Cluster) -> Engine {
        Engine {
            store,
            cluster,
            clock,
            region: region.to_string(),
            tasks: OnceLock::new(),
            live: Mutex::new(HashMap::new()),
            timers: Mutex::new(BTreeSet::new()),
            timers_changed: Notify::new(),
            handed: Mutex::new(Default::default()),
        }
    }

    /// Sends `msg` to a running execution's actor; `false` if it runs nowhere here.
    pub(crate) fn deliver(&self, execution: &str, msg: Msg) -> bool {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.get(execution).is_some_and(|tx| tx.send(msg).is_ok())
    }

    pub(crate) fn is_live(&self, execution: &str) -> bool {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).contains_key(execution)
    }

    fn add_timer(&self, due_ms: u64, execution: &str, run: &str, nonce: u64) {
        self.timers.lock().unwrap_or_else(|p| p.into_inner()).insert((due_ms, execution.into(), run.into(), nonce));
        self.timers_changed.notify_one();
    }

    /// The worker firing timers as the platform clock reaches them.
    pub(crate) async fn fire_timers(self: Arc<Self>) {
        loop {
            let next = self.timers.lock().unwrap_or_else(|p| p.into_inner()).first().map(|t| t.0);
            let changed = self.timers_changed.notified();
            match next {
                None => changed.await,
                Some(due) => {
                    tokio::select! {
                        _ = self.clock.sleep_until_ms(due) => {}
                        _ = changed => continue,
                    }
                }
            }
            let now = self.clock.now_ms();
            let due: Vec<_> = {
                let mut timers = self.timers.lock().unwrap_or_else(|p| p.into_inner());
                let mut out = Vec::new();
                while let Some(t) = timers.first().filter(|t| t.0 <= now).cloned() {
                    timers.remove(&t);
                    out.push(t);
                }
                out
            };
            for (_, execution, run, nonce) in due {
                self.deliver(&execution, Msg::Timer { run, nonce });
            }
        }
    }

    /// Writes a new execution's first state and starts its actor; `done` hears its end.
    pub(crate) async fn launch(
        self: &Arc<Self>,
        record: Execution,
        machine: Arc<crate::definition::Machine>,
        durable: bool,
        done: Option<oneshot::Sender<Execution>>,
    ) -> crate::Result<()> {
        let mut exec = actor::first(self, record, machine)?;
        if durable {
            let arn = exec.record.arn.clone();
            store::commit(self.store.as_ref(), &mut exec, true, &self.cluster.node, self.cluster.shared)
                .await
                .map_err(|e| match e {
                    // Another request started it at the same moment.
                    crate::Error::Refused { code: "ConflictException", .. } => {
                        crate::Error::refused("ExecutionAlreadyExists", format!("Execution Already Exists: '{arn}'"))
                    }
                    e => e,
                })?;
        } else {
            store::forget(&mut exec);
        }
        self.spawn(exec, durable, done);
        Ok(())
    }

    /// RedriveExecution: the execution goes on from where it failed (written first).
    pub(crate) async fn redrive(self: &Arc<Self>, record: Execution) -> crate::Result<Execution> {
        let machine = crate::definition::parse(&record.definition)
            .map_err(|d| crate::Error::refused("ExecutionNotRedrivable", format!("{d:?}")))?;
        let next_event = store::next_event(self.store.as_ref(), &record.arn).await?;
        let mut exec = actor::redriven(self, record, machine, next_event, self.clock.now_ms())?;
        store::commit(self.store.as_ref(), &mut exec, true, &self.cluster.node, self.cluster.shared).await?;
        let answer = exec.record.clone();
        self.spawn(exec, true, None);
        Ok(answer)
    }

    pub(crate) fn spawn(self: &Arc<Self>, exec: exec::Exec, durable: bool, done: Option<oneshot::Sender<Execution>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.live.lock().unwrap_or_else(|p| p.into_inner()).insert(exec.record.arn.clone(), tx);
        tokio::spawn(actor::run(self.clone(), exec, rx, durable, done));
    }

    /// An execution's actor ended: its timers go with it.
    fn gone(&self, execution: &str) {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).remove(execution);
        self.timers.lock().unwrap_or_else(|p| p.into_inner()).retain(|t| t.1 != execution);
    }

    /// Resumes the executions the store holds as running here (at start): every one on a
    /// store of its own, this server's on a shared one (the others are claimed only once
    /// their server is gone, by `claim_orphans`).
    pub(crate) async fn resume_all(self: &Arc<Self>) -> crate::Result<usize> {
        let active = store::active(self.store.as_ref()).await?;
        let mut n = 0;
        for (arn, a) in active {
            if self.cluster.shared && a.owner != self.cluster.node {
                continue;
            }
            if self.is_live(&arn) {
                continue;
            }
            // One execution that does not load is logged; the others go on.
            let mut exec = match store::load(self, &a.machine, &a.name).await {
                Ok(Some(exec)) => exec,
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(execution = %arn, error = %e, "workflows: an execution could not be resumed");
                    continue;
                }
            };
            exec.claim = match self.cluster.shared {
                true => match self.claim(&arn, &a).await {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(execution = %arn, error = %e, "workflows: an execution could not be claimed");
                        continue;
                    }
                },
                false => Some(a.clone()),
            };
            self.spawn(exec, true, None);
            n += 1;
        }
        Ok(n)
    }
}

/// A retrier's delay before attempt `n` (1-based), in milliseconds.
pub(crate) fn retry_delay(r: &Retrier, n: u32) -> u64 {
    let base = r.interval_seconds as f64 * r.backoff_rate.powi(n.saturating_sub(1) as i32);
    let capped = match r.max_delay_seconds {
        Some(max) => base.min(max as f64),
        None => base,
    };
    let ms = (capped * 1000.0).min(99_999_999_000.0);
    if r.full_jitter { (random_unit() * ms) as u64 } else { ms as u64 }
}

fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}
