//! A server among others on one store: its identity, the store's [`Coordination`], and
//! [`Leader`], which tells a once-per-cluster worker whether it is this server's turn.

use squall_storage::{Coordination, LocalCoordination};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a lease lasts without renewal: a dead server's workers move to a live one
/// within it.
pub const LEASE_TTL: Duration = Duration::from_secs(15);

/// How often a server looks for definitions another changed.
pub const WATCH_EVERY: Duration = Duration::from_millis(250);

/// This server's place among the servers of one store.
#[derive(Clone)]
pub struct Cluster {
    /// Leases and versions.
    pub coordination: Arc<dyn Coordination>,
    /// This server's id (a lease's holder).
    pub node: String,
    /// Whether other servers may share the store: their changes wake nobody here, so long
    /// waits look again now and then, and definitions are watched.
    pub shared: bool,
}

impl Cluster {
    /// The only server of its store.
    pub fn single() -> Cluster {
        Cluster {
            coordination: Arc::new(LocalCoordination::default()),
            node: squall_types::RequestId::new().to_string(),
            shared: false,
        }
    }

    /// The leader of the worker `name`.
    pub fn leader(&self, name: &str) -> Leader {
        Leader {
            coordination: self.coordination.clone(),
            name: name.to_string(),
            node: self.node.clone(),
            held_until: Mutex::new(None),
        }
    }

    /// Records that `domain`'s definitions changed, for the other servers' watchers; a
    /// failure is logged (they see the change at the next one).
    pub async fn changed(&self, domain: &str) {
        if !self.shared {
            return;
        }
        if let Err(e) = self.coordination.bump(domain).await {
            tracing::warn!(domain, "recording a change of definitions for the other servers: {e}");
        }
    }
}

impl Cluster {
    /// Calls `refresh` on `service` whenever `domain`'s version moves (another server
    /// changed its definitions), looking every [`WATCH_EVERY`] (real time: how soon a change
    /// made elsewhere shows here); ends when the service is dropped.
    pub fn watch<S, F, Fut, E>(&self, domain: &'static str, service: &Arc<S>, refresh: F) -> tokio::task::JoinHandle<()>
    where
        S: Send + Sync + 'static,
        F: Fn(Arc<S>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send,
        E: std::fmt::Display,
    {
        let me = Arc::downgrade(service);
        let coordination = self.coordination.clone();
        tokio::spawn(async move {
            let mut seen = None;
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let version = match coordination.versions().await {
                    Ok(v) => v.get(domain).copied(),
                    Err(e) => {
                        tracing::warn!(domain, "reading definition versions: {e}");
                        continue;
                    }
                };
                if version == seen {
                    continue;
                }
                let Some(service) = me.upgrade() else { return };
                match refresh(service).await {
                    Ok(()) => seen = version,
                    Err(e) => tracing::warn!(domain, "reloading definitions: {e}"),
                }
            }
        })
    }
}

/// Whether this server runs one once-per-cluster worker now.
pub struct Leader {
    coordination: Arc<dyn Coordination>,
    name: String,
    node: String,
    /// Until when the lease is surely ours (renewed once a third of its time is gone).
    held_until: Mutex<Option<Instant>>,
}

impl Leader {
    /// Whether this server holds the lease, taking or renewing it as needed; a store that
    /// cannot be reached means no (another server may run the worker meanwhile).
    pub async fn is_leader(&self) -> bool {
        let now = Instant::now();
        let fresh = |until: Instant| until > now + LEASE_TTL * 2 / 3;
        if self.held_until.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(fresh) {
            return true;
        }
        let held = match self.coordination.lease(&self.name, &self.node, LEASE_TTL.as_millis() as u64).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(worker = self.name, "renewing a lease: {e}");
                false
            }
        };
        *self.held_until.lock().unwrap_or_else(|p| p.into_inner()) = held.then(|| now + LEASE_TTL);
        held
    }
}
