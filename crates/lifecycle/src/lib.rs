//! Services with a lifecycle. Each service (functions, tables, queues, topics, objects,
//! triggers, and those to come) is opened from its stores by the composition root, then
//! started as one unit that owns its background workers. The server keeps the started
//! services in one list ([`Running`]), started in order and stopped in reverse, so a
//! service stops after everything that feeds it work.

mod cluster;
mod ledger;
mod membership;
mod timer;

pub use cluster::{Cluster, LEASE_TTL, Leader, WATCH_EVERY};
pub use ledger::Ledger;
pub use membership::{COUNT_EVERY, Membership};
pub use timer::{Timed, run_timed};

use std::sync::Arc;
use tokio::task::JoinHandle;

/// A service as the server starts and stops it.
#[async_trait::async_trait]
pub trait Service: Send + Sync + 'static {
    /// Its name in logs.
    fn name(&self) -> &'static str;

    /// Starts its background workers; called once, after every service is open.
    fn start(self: Arc<Self>) -> Workers;

    /// Called after its workers have stopped: what must reach storage before the process
    /// ends (buffered log lines) is written here.
    async fn drain(&self) {}
}

/// A service's background tasks. Stopping one cuts it short: every worker keeps what it
/// has not finished in durable storage (a lease, an outbox row, a checkpoint not yet
/// saved), so the next start does it again (at least once).
#[derive(Default)]
pub struct Workers {
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Workers {
    /// No workers.
    pub fn none() -> Workers {
        Workers::default()
    }

    /// Adds the task `name`.
    pub fn with(mut self, name: &'static str, task: JoinHandle<()>) -> Workers {
        self.tasks.push((name, task));
        self
    }

    /// The workers' names, in the order they were added.
    pub fn names(&self) -> Vec<&'static str> {
        self.tasks.iter().map(|(n, _)| *n).collect()
    }

    /// Stops every task, last added first, and waits until each has ended.
    pub async fn stop(self) {
        for (name, task) in self.tasks.into_iter().rev() {
            task.abort();
            match task.await {
                Err(e) if e.is_panic() => tracing::error!(worker = name, "the worker had panicked"),
                _ => tracing::debug!(worker = name, "worker stopped"),
            }
        }
    }
}

/// The started services, in start order.
pub struct Running {
    started: Vec<(Arc<dyn Service>, Workers)>,
}

impl Running {
    /// Starts `services` in order.
    pub fn start(services: Vec<Arc<dyn Service>>) -> Running {
        let started = services
            .into_iter()
            .map(|s| {
                let workers = s.clone().start();
                tracing::debug!(service = s.name(), workers = ?workers.names(), "service started");
                (s, workers)
            })
            .collect();
        Running { started }
    }

    /// The started services' names, in start order.
    pub fn names(&self) -> Vec<&'static str> {
        self.started.iter().map(|(s, _)| s.name()).collect()
    }

    /// Stops the services in reverse order: each one's workers, then its drain.
    pub async fn stop(self) {
        for (service, workers) in self.started.into_iter().rev() {
            workers.stop().await;
            service.drain().await;
            tracing::debug!(service = service.name(), "service stopped");
        }
    }
}

#[cfg(test)]
mod tests;
