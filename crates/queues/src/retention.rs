//! The retention sweep: messages older than their queue's retention period, and FIFO
//! deduplication records past their interval, are deleted a bounded page at a time.

use crate::service::Queues;
use crate::{Result, SWEEP_PAGE};
use std::sync::Arc;
use std::time::Duration;

impl Queues {
    /// Deletes messages past their queue's retention period and lapsed deduplication
    /// records, a bounded page of each per queue; how many.
    pub async fn sweep(&self, now: u64) -> Result<usize> {
        let mut deleted = 0;
        for q in self.all() {
            let Ok(def) = q.def() else { continue };
            let keep_ms = u64::from(def.attributes.retention_s) * 1000;
            let (messages, dedup) = self.store.expire(&q.name, now.saturating_sub(keep_ms), now, SWEEP_PAGE).await?;
            deleted += messages + dedup;
        }
        Ok(deleted)
    }

    /// Sweeps every `every` of the clock's time in the background, while this server leads
    /// the sweep.
    pub fn start_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        let clock = self.clock.clone();
        // Once per cluster: the server holding the lease sweeps.
        let leader = self.cluster.leader("queues.retention");
        tokio::spawn(async move {
            loop {
                clock.sleep(every).await;
                let Some(queues) = me.upgrade() else { return };
                if !leader.is_leader().await {
                    continue;
                }
                if let Err(e) = queues.sweep(clock.now_ms()).await {
                    tracing::warn!("deleting expired messages: {e}");
                }
            }
        })
    }
}
