//! Functions as the server starts and stops them.

use crate::Functions;
use squall_lifecycle::{Service, WATCH_EVERY, Workers};
use std::sync::Arc;

#[async_trait::async_trait]
impl Service for Functions {
    fn name(&self) -> &'static str {
        "functions"
    }

    /// Asynchronous invocations cut short by a stop keep their leases, which end with the
    /// process, so they run again after the next start (at least once).
    fn start(self: Arc<Self>) -> Workers {
        let policy = self.async_policy.get().cloned().unwrap_or_default();
        let workers = Workers::none().with("async dispatcher", self.start_async_dispatcher(policy));
        if !self.cluster.shared {
            return workers;
        }
        workers.with("records watcher", self.start_watcher())
    }

    async fn drain(&self) {
        self.flush_logs().await;
    }
}

impl Functions {
    /// Reloads the records whenever another server changed them (it bumped their version),
    /// so a function deployed there serves here within a moment. Real time.
    fn start_watcher(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut seen = None;
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let Some(functions) = me.upgrade() else { return };
                let version = match functions.cluster.coordination.versions().await {
                    Ok(v) => v.get(crate::DOMAIN).copied(),
                    Err(e) => {
                        tracing::warn!("reading definition versions: {e}");
                        continue;
                    }
                };
                if version == seen {
                    continue;
                }
                match functions.refresh().await {
                    Ok(()) => seen = version,
                    Err(e) => tracing::warn!("reloading function records: {e}"),
                }
            }
        })
    }
}
