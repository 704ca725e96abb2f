//! Parameters, secrets and keys as the server starts and stops them: the sweepers that
//! delete secrets whose recovery window has ended and keys whose waiting period has.

use crate::Params;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;
use std::time::Duration;

/// How long the sweeper waits after a store failure, or while another server sweeps,
/// before it looks again (real time).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

impl Service for Params {
    fn name(&self) -> &'static str {
        "params"
    }

    /// A deletion cut short by a stop is still due in the store and happens after the next
    /// start.
    fn start(self: Arc<Self>) -> Workers {
        let keys = self.clone();
        let workers = Workers::none()
            .with("secret deletion sweeper", self.start_sweeper())
            .with("key deletion sweeper", tokio::spawn(async move { keys.keys.run_sweeper().await }));
        if !self.secrets.cluster.shared {
            return workers;
        }
        let watcher =
            self.secrets.cluster.watch(crate::DOMAIN, &self, |p: Arc<Params>| async move { p.refresh().await });
        workers.with("definitions watcher", watcher)
    }
}

impl Params {
    /// Sleeps on the platform clock until the earliest deletion date (or until a deletion
    /// is scheduled), then deletes what is due; so moving a dev server's clock past a
    /// deletion date deletes the secret at once.
    fn start_sweeper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let leader = self.secrets.cluster.leader("params.sweeper");
        tokio::spawn(async move {
            let secrets = &me.secrets;
            loop {
                // Created before the deadline is read: a deletion scheduled in between
                // leaves a permit, so it is not missed.
                let scheduled = secrets.scheduled.notified();
                match secrets.next_deletion() {
                    Some(at) => tokio::select! {
                        () = secrets.clock.sleep_until_ms(at) => {}
                        () = scheduled => continue,
                    },
                    None => {
                        scheduled.await;
                        continue;
                    }
                }
                if !leader.is_leader().await {
                    // Another server deletes what is due; this one looks again later.
                    tokio::time::sleep(RETRY_AFTER_FAILURE).await;
                    continue;
                }
                if let Err(e) = secrets.sweep(secrets.clock.now_ms()).await {
                    tracing::warn!("deleting secrets whose recovery window ended: {e}");
                    tokio::time::sleep(RETRY_AFTER_FAILURE).await;
                }
            }
        })
    }
}
