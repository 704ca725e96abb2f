//! Tables as the server starts and stops them.

use crate::Tables;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;
use std::time::Duration;

/// How often the TTL sweeper looks: each look examines a bounded page of every TTL table,
/// so a short period stays cheap.
const TTL_SWEEP_EVERY: Duration = Duration::from_secs(2);

impl Service for Tables {
    fn name(&self) -> &'static str {
        "tables"
    }

    fn start(self: Arc<Self>) -> Workers {
        let workers = Workers::none().with("ttl sweeper", self.start_ttl_sweeper(TTL_SWEEP_EVERY));
        if !self.cluster.shared {
            return workers;
        }
        let watcher =
            self.cluster.watch(crate::service::DOMAIN, &self, |t: Arc<Tables>| async move { t.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}
