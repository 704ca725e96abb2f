//! The workflows service as the server starts and stops it: the timer worker, the
//! executions the store holds as running resumed, and on a shared store the watcher that
//! reloads machines another server changed.

use crate::Workflows;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for Workflows {
    fn name(&self) -> &'static str {
        "workflows"
    }

    /// A stop leaves each running execution as its last batch wrote it; the next start
    /// resumes it from there.
    fn start(self: Arc<Self>) -> Workers {
        let engine = self.engine.clone();
        let timers = tokio::spawn(engine.clone().fire_timers());
        let resume = tokio::spawn(async move {
            match engine.resume_all().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(executions = n, "workflows: resumed running executions"),
                Err(e) => tracing::error!(error = %e, "workflows: resuming executions failed"),
            }
        });
        let workers = Workers::none().with("timers", timers).with("resume", resume);
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |s: Arc<Workflows>| async move { s.refresh().await });
        let cluster = tokio::spawn(self.engine.clone().cluster_work());
        workers.with("definitions watcher", watcher).with("executions of the cluster", cluster)
    }
}
