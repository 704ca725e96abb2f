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
    /// process, so they run again after the next start (at least once).
    fn start(self: Arc<Self>) -> Workers {
        let policy = self.async_policy.get().cloned().unwrap_or_default();
        let workers = Workers::none().with("async dispatcher", self.start_async_dispatcher(policy));
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |f: Arc<Functions>| async move { f.refresh().await });
        workers.with("records watcher", watcher)
    }

    async fn drain(&self) {
        self.flush_logs().await;
    }
}
