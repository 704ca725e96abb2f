//! Event buses as the server starts and stops them: the scheduler, and on a shared store
//! the watcher that reloads definitions another server changed.

use crate::EventBuses;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for EventBuses {
    fn name(&self) -> &'static str {
        "events"
    }

    /// A firing cut short by a stop is still due in the store and fires after the next
    /// start.
    fn start(self: Arc<Self>) -> Workers {
        let workers = Workers::none()
            .with("scheduler", self.start_scheduler())
            .with("retries", self.start_retries())
            .with("replays", self.start_replays())
            .with("archive retention", self.start_archive_sweeper());
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |e: Arc<EventBuses>| async move { e.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}
