//! Firings kept to be tried again: a firing that failed for a passing reason is stored in
//! `retries` (keyed by when it is due) with the schedule as it was, and delivered again by
//! its `RetryPolicy` while the schedule goes on at its own pace. A retry survives a
//! restart; one out of retries goes to the dead-letter queue.

use crate::firing::{Fired, one_time};
use crate::model::Schedule;
use crate::{Result, Scheduler};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;

/// The store's pseudo-table of retries (key: due time, big-endian, then an id).
const RETRIES: &str = "retries";
/// Rows read at once.
const PAGE: usize = 100;

/// A firing to try again.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Retry {
    /// The schedule as it fired (its target and input).
    schedule: Schedule,
    /// The firing's scheduled time.
    scheduled_ms: u64,
    /// Attempts made so far.
    attempts: u32,
}

impl Scheduler {
    /// The row keeping retry `attempts + 1` of a firing, or the limit its policy sets.
    fn retry_row(&self, s: &Schedule, scheduled_ms: u64, attempts: u32, now: u64) -> Result<ItemWrite, &'static str> {
        let at = s.target.retry.retry_at(attempts, scheduled_ms, now)?;
        let retry = Retry { schedule: s.clone(), scheduled_ms, attempts };
        Ok(ItemWrite {
            table: RETRIES.into(),
            pk: at.to_be_bytes().to_vec(),
            sk: uuid::Uuid::new_v4().as_bytes().to_vec(),
            item: Some(serde_json::to_vec(&retry).expect("a retry serializes")),
        })
    }

    /// Keeps a firing that failed at attempt `attempts` to try again; `Err` names the
    /// limit it passed (or says storing failed), for the dead letter.
    pub(crate) async fn keep_retry(
        &self,
        s: &Schedule,
        scheduled_ms: u64,
        attempts: u32,
        now: u64,
    ) -> std::result::Result<(), Option<&'static str>> {
        let row = self.retry_row(s, scheduled_ms, attempts, now).map_err(Some)?;
        if let Err(e) = self.store().write(vec![row]).await {
            tracing::warn!(schedule = %s.arn, "a firing to retry could not be kept: {e}");
            return Err(None);
        }
        Ok(())
    }

    /// Tries again every retry due at `now`, earliest first; when the next one is due.
    pub(crate) async fn retry_due(&self, now: u64) -> Result<Option<u64>> {
        loop {
            let rows = self.store().scan(RETRIES, None, PAGE).await?;
            for row in &rows {
                let at = <[u8; 8]>::try_from(row.pk.as_slice()).map(u64::from_be_bytes).unwrap_or(0);
                if at > now {
                    return Ok(Some(at));
                }
                let done = ItemWrite { table: RETRIES.into(), pk: row.pk.clone(), sk: row.sk.clone(), item: None };
                let Ok(retry) = serde_json::from_slice::<Retry>(&row.item) else {
                    tracing::warn!("dropping an unreadable stored retry");
                    self.store().write(vec![done]).await?;
                    continue;
                };
                let s = &retry.schedule;
                let fired = self.fire_again(s, retry.scheduled_ms, retry.attempts + 1, now).await;
                match fired {
                    // Kept again: the old row goes in the same write as the new one.
                    Ok(next) => self.store().write(vec![done, next]).await?,
                    Err(_) => {
                        self.store().write(vec![done]).await?;
                        if one_time(s) && s.delete_after_completion {
                            self.delete_completed(s).await;
                        }
                    }
                }
            }
            if rows.len() < PAGE {
                return Ok(None);
            }
        }
    }

    /// Attempt `attempt` of a kept firing: `Ok` the row of the next retry when it failed
    /// again for a passing reason within the policy (written by the caller with the old
    /// row's removal, so a crash leaves one or the other); `Err` when it is through
    /// (delivered, or given up on).
    async fn fire_again(
        &self,
        s: &Schedule,
        scheduled_ms: u64,
        attempt: u32,
        now: u64,
    ) -> std::result::Result<ItemWrite, Fired> {
        match self.attempt(s, scheduled_ms, attempt).await {
            Ok(()) => Err(Fired::Delivered),
            Err(a) if a.failure.retryable => match self.retry_row(s, scheduled_ms, attempt, now) {
                Ok(row) => Ok(row),
                Err(limit) => {
                    self.give_up(s, scheduled_ms, attempt, &a, Some(limit)).await;
                    Err(Fired::GaveUp)
                }
            },
            Err(a) => {
                self.give_up(s, scheduled_ms, attempt, &a, None).await;
                Err(Fired::GaveUp)
            }
        }
    }
}
