//! Fires schedules: once per cluster (under a lease), on the platform clock. A firing's next
//! act is written to the store only after its target got it, so each firing is delivered
//! at least once; a failure the target may get over (storage, a stopping server) is kept
//! as a retry of its own (`retries`), so the schedule goes on at its pace meanwhile; what
//! cannot be delivered goes to the dead-letter queue. A one-time schedule that fired keeps
//! a `done` act, so it does not fire again after a restart.
//!
//! Missed firings: what fell due while no server ran fires once when the worker next runs
//! (a one-time schedule whose time passed fires then), and each schedule goes on from the
//! present; so does one more than a minute late on the system clock (the host slept, the
//! wall clock jumped). While a server runs, moving a dev server's clock forward (on
//! purpose) fires every firing it passes, in time order (at most [`MAX_CATCH_UP`] of one
//! schedule).

use crate::Scheduler;
use crate::model::{Due, Schedule, ScheduleState, Target};
use crate::service::Key;
use squall_lifecycle::{Timed, run_timed};
use squall_schedules::{Schedule as Expression, Tz, time_zone};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use tokio::sync::Notify;

/// Most firings of one schedule one pass makes up for.
pub const MAX_CATCH_UP: u32 = 10_000;

/// One firing, handed to the sink.
pub struct Firing<'a> {
    /// The schedule's ARN (`aws:SourceArn` of its role's session).
    pub schedule_arn: &'a str,
    /// Its group.
    pub group: &'a str,
    /// Its target.
    pub target: &'a Target,
    /// What the target gets: `Input`, its context attributes filled in (`{}` without one).
    pub body: String,
    /// This attempt's id (`<aws.scheduler.execution-id>`).
    pub execution_id: &'a str,
    /// The firing's deduplication id for a FIFO queue: the same for every attempt of one
    /// firing (from the schedule and its scheduled time).
    pub dedup_id: &'a str,
    /// The attempt, from 1.
    pub attempt: u32,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The dead letter's `ERROR_CODE` (`AccessDenied`, `ResourceNotFound`, `InternalError`).
    pub code: &'static str,
    /// Why.
    pub message: String,
    /// Whether trying again may succeed (a store's failure may pass; a missing permission
    /// or target does not, and is not retried).
    pub retryable: bool,
}

/// Where firings go: the functions, queues, topics and buses of the server, as the
/// schedule's execution role.
#[async_trait::async_trait]
pub trait FiringSink: Send + Sync {
    /// Delivers durably as `firing.target.role_arn`, or says why not.
    async fn deliver(&self, firing: Firing<'_>) -> Result<(), Failure>;
    /// Sends a firing that could not be delivered to the target's dead-letter queue, as its
    /// role, with EventBridge Scheduler's attributes saying why.
    async fn dead_letter(
        &self,
        firing: Firing<'_>,
        queue_arn: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<(), String>;
}

fn zone(s: &Schedule) -> Tz {
    s.timezone.as_deref().and_then(time_zone).unwrap_or(Tz::UTC)
}

/// Where a flexible window puts a firing scheduled at `scheduled_ms`: a fixed spread
/// within the window, from the schedule and the time (so all servers agree).
fn spread(s: &Schedule, scheduled_ms: u64) -> u64 {
    let Some(minutes) = s.window_minutes else { return 0 };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.arn.bytes().chain(scheduled_ms.to_be_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h % (u64::from(minutes) * 60_000)
}

fn due_at(s: &Schedule, scheduled_ms: u64) -> Option<Due> {
    // EventBridge Scheduler ignores the dates of a one-time schedule.
    if !one_time(s) && s.end_ms.is_some_and(|end| scheduled_ms > end) {
        return None;
    }
    Some(Due { at_ms: scheduled_ms + spread(s, scheduled_ms), scheduled_ms, done: false })
}

/// Where a rate counts from: its `StartDate`, else when its timing was last set (its last
/// change, for schedules stored before that was kept).
fn origin(s: &Schedule) -> u64 {
    s.start_ms.unwrap_or(if s.timing_ms == 0 { s.modified_ms } else { s.timing_ms })
}

/// A schedule's first act from `now`: a rate counts from its `StartDate` (from when it
/// was last put, without one: it fires at once), a cron fires from its `StartDate` on, a
/// one-time schedule at its time (at once when that has passed). `None`: disabled, or it
/// will not fire again.
pub(crate) fn first_due(s: &Schedule, now: u64) -> Option<Due> {
    if s.state != ScheduleState::Enabled {
        return None;
    }
    let expr = Expression::parse_with_at(&s.expression).ok()?;
    let zone = zone(s);
    let scheduled = match &expr {
        Expression::At(_) => expr.next_after_in(zone, 0, 0)?,
        Expression::Rate { .. } => {
            let origin = origin(s);
            expr.next_after_in(zone, origin, now.max(origin).saturating_sub(1))?
        }
        Expression::Cron(_) => expr.next_after_in(zone, 0, now.max(s.start_ms.unwrap_or(0)).saturating_sub(1))?,
    };
    due_at(s, scheduled)
}

/// The firing after the one scheduled at `scheduled_ms`, from `from` on; `None` for a
/// one-time schedule, or past its `EndDate`.
pub(crate) fn next_due(s: &Schedule, scheduled_ms: u64, from: u64) -> Option<Due> {
    let expr = Expression::parse_with_at(&s.expression).ok()?;
    let origin = origin(s);
    let next = match expr {
        Expression::At(_) => return None,
        _ => expr.next_after_in(zone(s), origin, from.max(scheduled_ms))?,
    };
    due_at(s, next)
}

/// `Input` with EventBridge Scheduler's context attributes filled in.
pub(crate) fn body(s: &Schedule, scheduled_ms: u64, execution_id: &str, attempt: u32) -> String {
    let Some(input) = &s.target.input else { return "{}".into() };
    let time = chrono::DateTime::from_timestamp_millis(scheduled_ms as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    input
        .replace("<aws.scheduler.schedule-arn>", &s.arn)
        .replace("<aws.scheduler.scheduled-time>", &time)
        .replace("<aws.scheduler.execution-id>", execution_id)
        .replace("<aws.scheduler.attempt-number>", &attempt.to_string())
}

/// A firing's FIFO deduplication id: FNV-1a of the schedule and its scheduled time.
pub(crate) fn dedup_id(s: &Schedule, scheduled_ms: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.arn.bytes().chain(scheduled_ms.to_be_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{scheduled_ms}")
}

/// Whether `s` is a one-time schedule.
pub(crate) fn one_time(s: &Schedule) -> bool {
    s.expression.trim_start().starts_with("at(")
}

/// A failed attempt: why, and what was sent (for a dead letter).
pub(crate) struct Attempted {
    pub(crate) failure: Failure,
    pub(crate) body: String,
    pub(crate) execution_id: String,
}

/// What became of a firing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    /// The target got it.
    Delivered,
    /// It failed for now and is kept to be tried again.
    RetryKept,
    /// It went to the dead-letter queue (or the log).
    GaveUp,
}

/// The firing worker as a timed worker of the cluster.
struct Worker(Arc<Scheduler>);

#[async_trait::async_trait]
impl Timed for Worker {
    async fn take_lead(&self, missed_until: u64) -> Result<Option<u64>, String> {
        let me = &self.0;
        async {
            me.load_due().await?;
            me.give_every_schedule_a_firing(missed_until.min(me.clock.now_ms())).await?;
            me.fire_due(Some(missed_until)).await
        }
        .await
        .map_err(|e| e.to_string())
    }

    async fn act(&self, late: Option<u64>) -> Result<Option<u64>, String> {
        self.0.fire_due(late).await.map_err(|e| e.to_string())
    }

    fn earliest(&self) -> Option<u64> {
        self.0.due.lock().unwrap_or_else(|p| p.into_inner()).values().filter(|d| !d.done).map(|d| d.at_ms).min()
    }

    fn changed(&self) -> &Notify {
        &self.0.changed
    }
}

impl Scheduler {
    /// The firing worker's task.
    pub(crate) fn start_firing(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let leader = self.cluster.leader("scheduler.schedules");
        run_timed(Arc::new(Worker(self.clone())), leader, self.clock.clone(), "firing schedules")
    }

    /// Acts on everything due now, earliest first, then on the retries due; `missed_until`:
    /// what fell due until then was missed while no worker ran, so each schedule fires
    /// once for it and goes on from there. The time the next retry is due, if any.
    pub(crate) async fn fire_due(&self, missed_until: Option<u64>) -> crate::Result<Option<u64>> {
        let now = self.clock.now_ms();
        let mut heap: BinaryHeap<Reverse<(u64, Key)>> = {
            let due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            due.iter().filter(|(_, d)| d.at_ms <= now && !d.done).map(|(k, d)| Reverse((d.at_ms, k.clone()))).collect()
        };
        let mut fired: HashMap<Key, u32> = HashMap::new();
        while let Some(Reverse((at, key))) = heap.pop() {
            let Some(due) = self.due.lock().unwrap_or_else(|p| p.into_inner()).get(&key).copied() else { continue };
            if due.at_ms != at || due.done {
                continue; // put again meanwhile, with an act of its own
            }
            // Another server may have changed the schedule since this one last loaded.
            if self.cluster.shared && !self.still_due(&key, due).await? {
                continue;
            }
            let state = self.snapshot();
            let Some(s) = state.schedules.get(&key).filter(|s| s.state == ScheduleState::Enabled) else {
                self.advance_due(&key, due, None).await?;
                continue;
            };
            let count = fired.entry(key.clone()).or_default();
            *count += 1;
            let catch_up_to = match missed_until {
                _ if *count >= MAX_CATCH_UP => Some(now),
                // Late by when it was to fire (a flexible window moves that past its scheduled time).
                Some(m) if due.at_ms <= m => Some(m),
                _ => None,
            };
            if *count == MAX_CATCH_UP {
                tracing::warn!(schedule = %s.arn, "{MAX_CATCH_UP} firings made up for at once; the rest are skipped");
            }
            let fired = self.fire(s, due.scheduled_ms, now).await;
            let from = catch_up_to.map_or(due.scheduled_ms, |t| t.max(due.scheduled_ms));
            let next = match next_due(s, due.scheduled_ms, from) {
                Some(next) => Some(next),
                // A one-time schedule keeps a `done` act, so nothing fires it again.
                None if one_time(s) => Some(Due { at_ms: u64::MAX, scheduled_ms: due.scheduled_ms, done: true }),
                None => None,
            };
            if !self.advance_due(&key, due, next).await? {
                continue; // put again while it fired: its new act stands
            }
            let completed = next.is_none_or(|n| n.done);
            // A kept retry deletes the schedule once it is through.
            if completed && s.delete_after_completion && fired != Fired::RetryKept {
                self.delete_completed(s).await;
            }
            if let Some(next) = next.filter(|n| n.at_ms <= now) {
                heap.push(Reverse((next.at_ms, key)));
            }
        }
        self.retry_due(now).await
    }

    /// Whether `due` is still the schedule's next act in the store.
    async fn still_due(&self, key: &Key, due: Due) -> crate::Result<bool> {
        let stored = self.stored_due(key).await?;
        if stored == Some(due) {
            return Ok(true);
        }
        self.remember_due(key, stored);
        Ok(false)
    }

    /// Delivers `s`'s firing scheduled at `scheduled_ms` (its first attempt): a passing
    /// failure is kept as a retry when the policy allows, the rest go to the dead-letter
    /// queue.
    pub(crate) async fn fire(&self, s: &Schedule, scheduled_ms: u64, now: u64) -> Fired {
        let Err(a) = self.attempt(s, scheduled_ms, 1).await else { return Fired::Delivered };
        let exhausted = if a.failure.retryable {
            match self.keep_retry(s, scheduled_ms, 1, now).await {
                Ok(()) => {
                    tracing::info!(schedule = %s.arn, "delivery failed, retried later: {}", a.failure.message);
                    return Fired::RetryKept;
                }
                Err(limit) => limit,
            }
        } else {
            None
        };
        self.give_up(s, scheduled_ms, 1, &a, exhausted).await;
        Fired::GaveUp
    }

    /// Attempt `attempt` (from 1) of `s`'s firing scheduled at `scheduled_ms`.
    pub(crate) async fn attempt(&self, s: &Schedule, scheduled_ms: u64, attempt: u32) -> Result<(), Attempted> {
        let execution_id = uuid::Uuid::new_v4().to_string();
        let body = body(s, scheduled_ms, &execution_id, attempt);
        let dedup_id = dedup_id(s, scheduled_ms);
        let firing = Firing {
            schedule_arn: &s.arn,
            group: &s.group,
            target: &s.target,
            body: body.clone(),
            execution_id: &execution_id,
            dedup_id: &dedup_id,
            attempt,
        };
        let outcome = match self.sink.get() {
            Some(sink) => sink.deliver(firing).await,
            None => Err(Failure { code: "InternalError", message: "the server is starting".into(), retryable: true }),
        };
        outcome.map_err(|failure| Attempted { failure, body, execution_id })
    }

    /// Sends an undeliverable firing (its attempt `attempt`) to the dead-letter queue, or
    /// logs it when there is none.
    pub(crate) async fn give_up(
        &self,
        s: &Schedule,
        scheduled_ms: u64,
        attempt: u32,
        a: &Attempted,
        exhausted: Option<&str>,
    ) {
        let failure = &a.failure;
        let Some(queue) = &s.target.dead_letter_arn else {
            tracing::warn!(schedule = %s.arn, target = %s.target.arn, "firing not delivered: {}", failure.message);
            return;
        };
        let mut attributes = vec![
            ("ERROR_CODE".to_string(), failure.code.to_string()),
            ("ERROR_MESSAGE".to_string(), failure.message.clone()),
            ("RETRY_ATTEMPTS".to_string(), (attempt - 1).to_string()),
            ("TARGET_ARN".to_string(), s.target.arn.clone()),
            ("X-Amz-Scheduler-Attempt".to_string(), attempt.to_string()),
            ("X-Amz-Scheduler-Group".to_string(), s.group.clone()),
            ("X-Amz-Scheduler-Schedule-Arn".to_string(), s.arn.clone()),
        ];
        if let Some(condition) = exhausted {
            attributes.push(("EXHAUSTED_RETRY_CONDITION".to_string(), condition.to_string()));
        }
        let Some(sink) = self.sink.get() else { return };
        let dedup_id = dedup_id(s, scheduled_ms);
        let firing = Firing {
            schedule_arn: &s.arn,
            group: &s.group,
            target: &s.target,
            body: a.body.clone(),
            execution_id: &a.execution_id,
            dedup_id: &dedup_id,
            attempt,
        };
        if let Err(e) = sink.dead_letter(firing, queue, attributes).await {
            tracing::warn!(schedule = %s.arn, dead_letter_queue = %queue, "firing lost: {}; dead letter refused: {e}", failure.message);
        }
    }

    /// `ActionAfterCompletion: DELETE`: removes a schedule that will fire no more, unless it
    /// was changed meanwhile (a failure is logged: the schedule stays, done).
    pub(crate) async fn delete_completed(&self, s: &Schedule) {
        let deleted = self
            .change(|d| {
                let key = (s.group.clone(), s.name.clone());
                if d.schedules.get(&key).is_some_and(|now| now.modified_ms == s.modified_ms) {
                    d.delete_schedule(&s.group, &s.name);
                }
                Ok(())
            })
            .await;
        if let Err(e) = deleted {
            tracing::warn!(schedule = %s.arn, "a completed schedule could not be deleted: {e}");
        }
    }
}
