//! Queues as the server starts and stops them.

use crate::Queues;
use squall_lifecycle::{Service, WATCH_EVERY, Workers};
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
        workers.with("definitions watcher", self.start_watcher())
    }
}

impl Queues {
    /// Reloads the definitions whenever another server changed them (it bumped their
    /// version). Real time: how soon a change made elsewhere shows here.
    fn start_watcher(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut seen = None;
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let Some(queues) = me.upgrade() else { return };
                let version = match queues.cluster.coordination.versions().await {
                    Ok(v) => v.get("queues").copied(),
                    Err(e) => {
                        tracing::warn!("reading definition versions: {e}");
                        continue;
                    }
                };
                if version == seen {
                    continue;
                }
                match queues.refresh().await {
                    Ok(()) => seen = version,
                    Err(e) => tracing::warn!("reloading queue definitions: {e}"),
                }
            }
        })
    }
}
