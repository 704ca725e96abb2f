//! Topics as the server starts and stops them.

use crate::Topics;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for Topics {
    fn name(&self) -> &'static str {
        "topics"
    }

    /// HTTP deliveries cut short by a stop stay in the outbox and go after the next start.
    fn start(self: Arc<Self>) -> Workers {
        let workers = Workers::none().with("http deliveries", self.start_deliveries());
        if !self.cluster.shared {
            return workers;
        }
        let watcher =
            self.cluster.watch(crate::service::DOMAIN, &self, |t: Arc<Topics>| async move { t.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}
