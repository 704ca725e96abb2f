//! A once-per-cluster worker that acts on what falls due on the platform clock (the two
//! schedulers): it takes the lease, catches up on what was missed while no server led,
//! then sleeps until the earliest due time (or a change, or a few seconds to renew the
//! lease) and acts on what is due, until another server takes the lead.

use crate::Leader;
use squall_clock::Clock;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long the worker waits after a failure, or while another server leads.
const RETRY: Duration = Duration::from_secs(1);
/// The longest the leader sleeps without renewing its lease.
const LOOK_AGAIN_MS: u64 = 5_000;
/// How late something may be on the system clock before it counts as missed.
const LATE_MS: u64 = 60_000;

/// What a timed worker does.
#[async_trait::async_trait]
pub trait Timed: Send + Sync + 'static {
    /// On taking the lead: loads what is due and acts on it, what fell due until
    /// `missed_until` counting as missed (done once). The next time something not in
    /// [`Timed::earliest`] is due.
    async fn take_lead(&self, missed_until: u64) -> Result<Option<u64>, String>;
    /// Acts on what is due now; `late`: what fell due until then counts as missed. The next
    /// time something not in [`Timed::earliest`] is due.
    async fn act(&self, late: Option<u64>) -> Result<Option<u64>, String>;
    /// The earliest due time held in memory.
    fn earliest(&self) -> Option<u64>;
    /// Notified when what is due changes.
    fn changed(&self) -> &Notify;
}

/// Runs `worker` under `leader` on `clock`. What fell due before this call was missed;
/// what falls due after (a dev clock moved just after a start) is acted on one by one. On
/// a clock nobody moves on purpose, something more than a minute late was missed (the host
/// slept, the wall clock jumped): done once, rather than in a storm.
pub fn run_timed<T: Timed>(
    worker: Arc<T>,
    leader: Leader,
    clock: Clock,
    what: &'static str,
) -> tokio::task::JoinHandle<()> {
    let started = clock.now_ms();
    tokio::spawn(async move {
        let mut leading = false;
        let mut missed_until = started;
        let mut next_other = None;
        loop {
            if !leading {
                if !leader.is_leader().await {
                    tokio::time::sleep(RETRY).await;
                    missed_until = clock.now_ms();
                    continue;
                }
                match worker.take_lead(missed_until).await {
                    Ok(next) => next_other = next,
                    Err(e) => {
                        tracing::warn!("{what}: catching up: {e}");
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                }
                leading = true;
            }
            let changed = worker.changed().notified();
            let now = clock.now_ms();
            // Wakes at least every few seconds: the lease must be renewed.
            let wake = [worker.earliest(), next_other].into_iter().flatten().fold(now + LOOK_AGAIN_MS, u64::min);
            if wake > now {
                tokio::select! {
                    () = clock.sleep_until_ms(wake) => {}
                    () = changed => {}
                }
            }
            if !leader.is_leader().await {
                leading = false;
                missed_until = clock.now_ms();
                continue;
            }
            let late = (!clock.is_adjustable()).then(|| clock.now_ms().saturating_sub(LATE_MS));
            match worker.act(late).await {
                Ok(next) => next_other = next,
                Err(e) => {
                    tracing::warn!("{what}: {e}");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    })
}
