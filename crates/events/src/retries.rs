//! Deliveries retried later: an event a target could not take for a passing reason (its
//! store failed) is kept in the store (`retries`, keyed by when it is due) and delivered
//! again by the target's `RetryPolicy` (EventBridge's default when it has none: 185 retries
//! within a day), with doubling waits, by a once-per-cluster worker on the platform clock;
//! one out of retries goes to the target's dead-letter queue with
//! `EXHAUSTED_RETRY_CONDITION`. A stored retry survives a restart.

use crate::EventBuses;
use crate::model::{Rule, Target};
use crate::service::{Delivery, Refusal};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::sync::Arc;
use std::time::Duration;

/// The store's pseudo-table of retries (key: due time, big-endian, then an id).
const RETRIES: &str = "retries";
/// How long the worker waits after a store failure, or while another server leads; and
/// the longest it sleeps (another server may have stored a retry).
const LOOK_AGAIN: Duration = Duration::from_secs(5);
/// Rows read at once: a page's calls at [`AT_ONCE`] at a time, 5 s at most each, end well
/// within a lease.
const PAGE: usize = 32;
/// Deliveries made at once.
const AT_ONCE: usize = 16;
/// How long a stored delivery whose rule or destination this server does not know yet is
/// kept (it may have been made on another server a moment ago).
const FRESH_MS: u64 = 5_000;

/// A delivery to try again.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Retry {
    bus: String,
    rule: String,
    target: String,
    body: String,
    event_id: String,
    /// Retries made so far, this one included (0: a first delivery made from the outbox).
    attempt: u32,
    /// When the event was first delivered (its age counts from there).
    first_ms: u64,
}

fn key(at: u64) -> (Vec<u8>, Vec<u8>) {
    (at.to_be_bytes().to_vec(), uuid::Uuid::new_v4().as_bytes().to_vec())
}

impl EventBuses {
    /// The row keeping retry `attempt` (from 1) of a delivery first tried at `first_ms`,
    /// or the limit of the target's policy it passes.
    fn retry_row(
        &self,
        rule: &Rule,
        target: &Target,
        body: &str,
        event_id: &str,
        attempt: u32,
        first_ms: u64,
    ) -> Result<ItemWrite, &'static str> {
        let at = target.retry.unwrap_or_default().retry_at(attempt, first_ms, self.clock.now_ms())?;
        let retry = Retry {
            bus: rule.bus.clone(),
            rule: rule.name.clone(),
            target: target.id.clone(),
            body: body.to_string(),
            event_id: event_id.to_string(),
            attempt,
            first_ms,
        };
        let (pk, sk) = key(at);
        Ok(ItemWrite {
            table: RETRIES.into(),
            pk,
            sk,
            item: Some(serde_json::to_vec(&retry).expect("a retry serializes")),
        })
    }

    /// Keeps a delivery to make from the outbox at once (an API destination's call).
    pub(crate) async fn defer(&self, rule: &Rule, target: &Target, body: &str, event_id: &str) -> Result<(), String> {
        let now = self.clock.now_ms();
        let retry = Retry {
            bus: rule.bus.clone(),
            rule: rule.name.clone(),
            target: target.id.clone(),
            body: body.to_string(),
            event_id: event_id.to_string(),
            attempt: 0,
            first_ms: now,
        };
        let (pk, sk) = key(now);
        let row = ItemWrite {
            table: RETRIES.into(),
            pk,
            sk,
            item: Some(serde_json::to_vec(&retry).expect("a retry serializes")),
        };
        self.store().write(vec![row]).await.map_err(|e| e.to_string())?;
        self.retries_changed.notify_one();
        Ok(())
    }

    /// Keeps a delivery `refusal` says may pass, to try again by the target's policy;
    /// `Err` names the limit it passed (or says storing failed), for the dead letter.
    pub(crate) async fn retry_later(
        &self,
        rule: &Rule,
        target: &Target,
        body: &str,
        event_id: &str,
        first_ms: u64,
    ) -> Result<(), Option<&'static str>> {
        let row = self.retry_row(rule, target, body, event_id, 1, first_ms).map_err(Some)?;
        if let Err(e) = self.store().write(vec![row]).await {
            tracing::warn!(rule = %rule.arn, target = %target.arn, "a delivery to retry could not be kept: {e}");
            return Err(None);
        }
        self.retries_changed.notify_one();
        Ok(())
    }

    /// The retry worker's task: a page of due rows per pass, leadership checked between
    /// passes (a slow endpoint cannot outlast the lease).
    pub(crate) fn start_retries(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let leader = self.cluster.leader("events.retries");
        tokio::spawn(async move {
            loop {
                let changed = me.retries_changed.notified();
                if !leader.is_leader().await {
                    tokio::time::sleep(LOOK_AGAIN).await;
                    continue;
                }
                let now = me.clock.now_ms();
                let look_again = now + LOOK_AGAIN.as_millis() as u64;
                let wake = match me.retry_due(now).await {
                    Ok(next) => next.map_or(look_again, |at| at.min(look_again)),
                    Err(e) => {
                        tracing::warn!("retrying event deliveries: {e}");
                        look_again
                    }
                };
                if wake > me.clock.now_ms() {
                    tokio::select! {
                        () = me.clock.sleep_until_ms(wake) => {}
                        () = changed => {}
                    }
                }
            }
        })
    }

    /// Tries again one page of the retries due at `now`, several at once; when to look
    /// again (now, when the page was full).
    pub(crate) async fn retry_due(&self, now: u64) -> crate::Result<Option<u64>> {
        let rows = self.store().scan(RETRIES, None, PAGE).await?;
        let due: Vec<_> = rows
            .iter()
            .take_while(|r| <[u8; 8]>::try_from(r.pk.as_slice()).map(u64::from_be_bytes).unwrap_or(0) <= now)
            .collect();
        let next = match rows.get(due.len()) {
            Some(r) => <[u8; 8]>::try_from(r.pk.as_slice()).ok().map(u64::from_be_bytes),
            None if rows.len() == PAGE => Some(now),
            None => None,
        };
        for chunk in due.chunks(AT_ONCE) {
            let mut calls = Vec::with_capacity(chunk.len());
            for row in chunk {
                calls.push(Box::pin(self.retry_row_once(row, now)));
            }
            for result in futures::future::join_all(calls).await {
                result?;
            }
        }
        Ok(next)
    }

    /// One stored retry: delivered, kept for later (its successor written with its
    /// removal, so a crash leaves one), or dead-lettered.
    async fn retry_row_once(&self, row: &squall_storage::StoredItem, now: u64) -> crate::Result<()> {
        let done = ItemWrite { table: RETRIES.into(), pk: row.pk.clone(), sk: row.sk.clone(), item: None };
        let retry: Retry = match serde_json::from_slice(&row.item) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("dropping an unreadable stored retry: {e}");
                return Ok(self.store().write(vec![done]).await?);
            }
        };
        let next = self.retry_one(&retry, now).await;
        self.store().write([Some(done), next].into_iter().flatten().collect()).await?;
        Ok(())
    }

    /// Delivers `retry` again; a passing failure within the policy gives the row of the
    /// next retry (a throttled call the same attempt a second later), the rest dead-letter.
    async fn retry_one(&self, retry: &Retry, now: u64) -> Option<ItemWrite> {
        let state = self.snapshot();
        let fresh = now.saturating_sub(retry.first_ms) < FRESH_MS;
        let (Some(rule), Some(target)) = (
            state.rule(&retry.bus, &retry.rule),
            state.rule(&retry.bus, &retry.rule).and_then(|r| r.targets.iter().find(|t| t.id == retry.target)),
        ) else {
            // Made on another server a moment ago: this one may not know it yet.
            if fresh {
                return Some(self.same_attempt_later(retry, now));
            }
            tracing::warn!(rule = %retry.rule, target = %retry.target, "a delivery retried after its rule or target went; dropped");
            return None;
        };
        let sink = self.sink.get()?;
        let api = if target.arn.contains(":api-destination/") {
            match self.api_call(&target.arn) {
                Some(call) => Some(call),
                None if fresh => return Some(self.same_attempt_later(retry, now)),
                None => {
                    let refusal = Refusal {
                        code: "RESOURCE_NOT_FOUND",
                        message: format!("API destination {} does not exist", target.arn),
                        retryable: false,
                    };
                    self.dead_letter(rule, target, retry.body.clone(), &refusal, None, retry.attempt).await;
                    return None;
                }
            }
        } else {
            None
        };
        let delivery =
            Delivery { rule_arn: &rule.arn, event_id: &retry.event_id, target, body: retry.body.clone(), api };
        let Err(refusal) = sink.deliver(delivery).await else { return None };
        // Held back by the destination's rate: the same attempt, a second later.
        if refusal.code == crate::THROTTLED {
            return Some(self.same_attempt_later(retry, now));
        }
        let next = retry.attempt + 1;
        let exhausted = if refusal.retryable {
            match self.retry_row(rule, target, &retry.body, &retry.event_id, next, retry.first_ms) {
                Ok(row) => return Some(row),
                Err(limit) => Some(limit),
            }
        } else {
            None
        };
        self.dead_letter(rule, target, retry.body.clone(), &refusal, exhausted, retry.attempt).await;
        None
    }

    /// `retry` again a second from `now`, without counting an attempt.
    fn same_attempt_later(&self, retry: &Retry, now: u64) -> ItemWrite {
        let (pk, sk) = key(now + 1_000);
        ItemWrite { table: RETRIES.into(), pk, sk, item: Some(serde_json::to_vec(retry).expect("a retry serializes")) }
    }

    /// Sends an event `target` did not take (after `retries` retries) to its dead-letter
    /// queue, saying why (and which retry limit it passed), or logs it when there is none.
    pub(crate) async fn dead_letter(
        &self,
        rule: &Rule,
        target: &Target,
        body: String,
        refusal: &Refusal,
        exhausted: Option<&str>,
        retries: u32,
    ) {
        tracing::warn!(rule = %rule.arn, target = %target.arn, code = refusal.code, "an event was not delivered: {}", refusal.message);
        let (Some(dlq), Some(sink)) = (&target.dead_letter_arn, self.sink.get()) else { return };
        let mut attributes = vec![
            ("RULE_ARN".to_string(), rule.arn.clone()),
            ("TARGET_ARN".to_string(), target.arn.clone()),
            ("ERROR_CODE".to_string(), refusal.code.to_string()),
            ("ERROR_MESSAGE".to_string(), refusal.message.clone()),
            ("RETRY_ATTEMPTS".to_string(), retries.to_string()),
        ];
        if let Some(limit) = exhausted {
            attributes.push(("EXHAUSTED_RETRY_CONDITION".to_string(), limit.to_string()));
        }
        if let Err(e) = sink.dead_letter(&rule.arn, dlq, body, attributes).await {
            tracing::warn!(rule = %rule.arn, dead_letter_queue = %dlq, "the undelivered event did not reach its dead-letter queue either: {e}");
        }
    }
}
