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
    /// The secrets' sweeper ([`sweep_when_due`]).
    fn start_sweeper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let s = &me.secrets;
            let what = "deleting secrets whose recovery window ended";
            sweep_when_due(
                ("params.sweeper", what),
                (&s.cluster, &s.clock, &s.scheduled),
                || s.next_deletion(),
                |now| s.sweep(now),
            )
            .await
        })
    }
}

/// A deletion sweeper: sleeps on the platform clock until the earliest deletion date
/// (`next`), or until `scheduled` says a deletion was scheduled, then deletes what is due
/// (`sweep`) on the server holding `lease`; so moving a dev server's clock past a deletion
/// date deletes at once.
pub(crate) async fn sweep_when_due<N, S, F, R>(
    (lease, what): (&'static str, &'static str),
    (cluster, clock, scheduled): (&squall_lifecycle::Cluster, &squall_clock::Clock, &tokio::sync::Notify),
    next: N,
    sweep: S,
) where
    N: Fn() -> Option<u64>,
    S: Fn(u64) -> F,
    F: std::future::Future<Output = crate::Result<R>>,
{
    let leader = cluster.leader(lease);
    loop {
        // Created before the deadline is read: a deletion scheduled in between leaves a
        // permit, so it is not missed.
        let notified = scheduled.notified();
        match next() {
            Some(at) => tokio::select! {
                () = clock.sleep_until_ms(at) => {}
                () = notified => continue,
            },
            None => {
                notified.await;
                continue;
            }
        }
        if !leader.is_leader().await {
            // Another server deletes what is due; this one looks again later.
            tokio::time::sleep(RETRY_AFTER_FAILURE).await;
            continue;
        }
        if let Err(e) = sweep(clock.now_ms()).await {
            tracing::warn!("{what}: {e}");
            tokio::time::sleep(RETRY_AFTER_FAILURE).await;
        }
    }
}
