//! Fires scheduled rules: once per cluster (under a lease), on the platform clock, each
//! firing's next due time written to the store after its targets got the event (so a
//! firing is delivered at least once).
//!
//! Missed firings: a firing that fell due while no server ran (or the leader changed)
//! fires once when the scheduler next runs, and the rule goes on from the present — as
//! EventBridge does not replay a schedule's past; so does one more than a minute late on
//! the system clock (the host slept, the wall clock jumped). While a server runs, moving a
//! dev server's clock forward (on purpose) fires every firing it passes, in time order (at
//! most [`MAX_CATCH_UP`] of one rule; past that the rule skips to the present).

use crate::EventBuses;
use crate::model::RuleState;
use crate::names::DEFAULT_BUS;
use crate::routing::envelope;
use serde_json::json;
use squall_schedules::Schedule;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Most firings of one rule one pass makes up for.
pub const MAX_CATCH_UP: u32 = 10_000;
/// How long the scheduler waits after a store failure, or while another server leads.
const RETRY: Duration = Duration::from_secs(1);
/// How late a firing may be on the system clock before it counts as missed.
const LATE_MS: u64 = 60_000;
/// The longest the leader sleeps without renewing its lease.
const LOOK_AGAIN_MS: u64 = 5_000;

impl EventBuses {
    /// The scheduler's task.
    pub(crate) fn start_scheduler(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let leader = self.cluster.leader("events.scheduler");
        // What fell due before this server started was missed; what falls due after (a
        // dev clock moved just after the start) is fired firing by firing.
        let started = self.clock.now_ms();
        tokio::spawn(async move {
            // Whether this server has led without a break: when it takes the lead, what is
            // overdue was missed.
            let mut leading = false;
            let mut missed_until = started;
            loop {
                if !leading {
                    if !leader.is_leader().await {
                        tokio::time::sleep(RETRY).await;
                        missed_until = me.clock.now_ms();
                        continue;
                    }
                    if let Err(e) = async {
                        me.load_due().await?;
                        me.give_every_schedule_a_firing(missed_until.min(me.clock.now_ms())).await?;
                        me.fire_due(Some(missed_until)).await
                    }
                    .await
                    {
                        tracing::warn!("firing missed schedules: {e}");
                        tokio::time::sleep(RETRY).await;
                        continue;
                    }
                    leading = true;
                }
                let changed = me.schedules_changed.notified();
                let earliest = me.due.lock().unwrap_or_else(|p| p.into_inner()).values().min().copied();
                // Wakes at least every few seconds: the lease must be renewed.
                let now = me.clock.now_ms();
                let wake = earliest.map_or(now + LOOK_AGAIN_MS, |at| at.min(now + LOOK_AGAIN_MS));
                if wake > now {
                    tokio::select! {
                        () = me.clock.sleep_until_ms(wake) => {}
                        () = changed => {}
                    }
                }
                if !leader.is_leader().await {
                    leading = false;
                    missed_until = me.clock.now_ms();
                    continue;
                }
                // On a clock nobody moves on purpose, a firing more than a minute late was
                // missed (the host slept, the wall clock jumped): it fires once, and the
                // schedule goes on from there, rather than in a storm.
                let late = (!me.clock.is_adjustable()).then(|| me.clock.now_ms().saturating_sub(LATE_MS));
                if let Err(e) = me.fire_due(late).await {
                    tracing::warn!("firing scheduled rules: {e}");
                    tokio::time::sleep(RETRY).await;
                }
            }
        })
    }

    /// Fires every rule due now, earliest first; `missed_until`: what fell due until then
    /// was missed while no scheduler ran, so each rule fires once for it and goes on from
    /// there.
    pub(crate) async fn fire_due(&self, missed_until: Option<u64>) -> crate::Result<()> {
        let now = self.clock.now_ms();
        let mut heap: BinaryHeap<Reverse<(u64, String)>> = {
            let due = self.due.lock().unwrap_or_else(|p| p.into_inner());
            due.iter().filter(|(_, at)| **at <= now).map(|(name, at)| Reverse((*at, name.clone()))).collect()
        };
        let mut fired: HashMap<String, u32> = HashMap::new();
        while let Some(Reverse((at, name))) = heap.pop() {
            let state = self.snapshot();
            let rule = state.rule(DEFAULT_BUS, &name).filter(|r| r.state == RuleState::Enabled);
            let schedule = rule.and_then(|r| r.schedule.as_deref()).and_then(|s| Schedule::parse(s).ok());
            let (Some(rule), Some(schedule)) = (rule, schedule) else {
                // The rule went, or lost its schedule, since this was stored (unless it was
                // put again meanwhile: then its own firing stands).
                self.advance_due(&name, at, None).await?;
                continue;
            };
            if self.due.lock().unwrap_or_else(|p| p.into_inner()).get(&name) != Some(&at) {
                continue; // the rule was put again meanwhile, with a firing of its own
            }
            let id = uuid::Uuid::new_v4().to_string();
            let event = envelope(
                &id,
                "Scheduled Event",
                "aws.events",
                at,
                &self.region,
                std::slice::from_ref(&rule.arn),
                json!({}),
            );
            self.deliver_to_targets(&state, rule, &event, &event.to_string(), 0).await;
            let count = fired.entry(name.clone()).or_default();
            *count += 1;
            if *count == MAX_CATCH_UP {
                tracing::warn!(rule = %rule.arn, "{MAX_CATCH_UP} firings made up for at once; the rest are skipped");
            }
            let from = match missed_until {
                _ if *count >= MAX_CATCH_UP => now.max(at),
                Some(m) if at <= m => m.max(at),
                _ => at,
            };
            let next = schedule.next_after(at, from);
            if !self.advance_due(&name, at, next).await? {
                continue; // the rule was put again while it fired: its new firing stands
            }
            if let Some(next) = next.filter(|n| *n <= now) {
                heap.push(Reverse((next, name)));
            }
        }
        Ok(())
    }
}
