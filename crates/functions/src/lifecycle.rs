//! Functions as the server starts and stops them.

use crate::Functions;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

#[async_trait::async_trait]
impl Service for Functions {
    fn name(&self) -> &'static str {
        "functions"
    }

    /// Asynchronous invocations cut short by a stop keep their leases, which end with the
    /// process, so they run again after the next start (at least once). Among servers
    /// sharing a store, those of a server that is gone are taken up by the others.
    fn start(self: Arc<Self>) -> Workers {
        let policy = self.async_policy.get().cloned().unwrap_or_default();
        let workers = Workers::none().with("async dispatcher", self.start_async_dispatcher(policy));
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |f: Arc<Functions>| async move { f.refresh().await });
        workers.with("records watcher", watcher).with("orphaned invocations", self.start_orphan_release())
    }

    async fn drain(&self) {
        self.flush_logs().await;
    }
}

/// How often a server looks for invocations leased by servers that are gone (real time:
/// servers die in real time).
const ORPHANS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Functions {
    /// Makes due again, every [`ORPHANS_EVERY`], the invocations other servers leased and
    /// did not live to finish, and wakes the dispatcher for them.
    fn start_orphan_release(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ORPHANS_EVERY).await;
                let Some(f) = me.upgrade() else { return };
                match f.queue.release_orphans().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(
                            invocations = n,
                            "taking up the asynchronous invocations of a server that is gone"
                        );
                        f.async_wake.notify_one();
                    }
                    Err(e) => tracing::warn!("looking for the invocations of servers that are gone: {e}"),
                }
            }
        })
    }
}
