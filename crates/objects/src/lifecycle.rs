//! Objects as the server starts and stops them.

use crate::Objects;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

#[async_trait::async_trait]
impl Service for Objects {
    fn name(&self) -> &'static str {
        "objects"
    }

    /// Events not delivered when the server stops stay in the outbox and go after the next
    /// start; lifecycle rules are applied again from the start of each bucket.
    fn start(self: Arc<Self>) -> Workers {
        let workers = match self.event_sink.get().cloned() {
            Some(sink) => Workers::none().with("event deliveries", self.start_events(sink)),
            None => {
                tracing::warn!("objects: no event sink was set; bucket events wait in the outbox");
                Workers::none()
            }
        };
        let workers = workers.with("lifecycle rules", self.start_lifecycle());
        let workers = workers.with("access logs", self.start_access_logs());
        if !self.cluster.shared {
            return workers;
        }
        let watcher =
            self.cluster.watch(crate::service::DOMAIN, &self, |o: Arc<Objects>| async move { o.refresh().await });
        workers.with("definitions watcher", watcher)
    }

    /// Access log lines still buffered are delivered.
    async fn drain(&self) {
        self.deliver_access_logs().await;
    }
}
