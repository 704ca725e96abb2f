//! Queues as the server starts and stops them.

use crate::Queues;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;
use std::time::Duration;

/// How often messages past their retention period are looked for.
const RETENTION_SWEEP_EVERY: Duration = Duration::from_secs(1);

impl Service for Queues {
    fn name(&self) -> &'static str {
        "queues"
    }

    fn start(self: Arc<Self>) -> Workers {
        let workers = Workers::none().with("retention sweeper", self.start_sweeper(RETENTION_SWEEP_EVERY));
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch("queues", &self, |q: Arc<Queues>| async move { q.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}
