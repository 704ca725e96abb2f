//! The scheduler as the server starts and stops it: the firing worker, and on a shared
//! store the watcher that reloads definitions another server changed.

use crate::Scheduler;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    /// A firing cut short by a stop is still due in the store and fires after the next
    /// start.
    fn start(self: Arc<Self>) -> Workers {
        let workers = Workers::none().with("schedules", self.start_firing());
        if !self.cluster.shared {
            return workers;
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |s: Arc<Scheduler>| async move { s.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}
