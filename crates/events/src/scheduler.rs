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
use squall_lifecycle::{Timed, run_timed};
use squall_schedules::Schedule;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use tokio::sync::Notify;

/// Most firings of one rule one pass makes up for.
pub const MAX_CATCH_UP: u32 = 10_000;

/// The scheduler as a timed worker of the cluster.
struct Scheduler(Arc<EventBuses>);

#[async_trait::async_trait]
impl Timed for Scheduler {
    async fn take_lead(&self, missed_until: u64) -> Result<Option<u64>, String> {
        let me = &self.0;
        async {
            me.load_due().await?;
            me.give_every_schedule_a_firing(missed_until.min(me.clock.now_ms())).await?;
            me.fire_due(Some(missed_until)).await
        }
        .await
        .map(|()| None)
        .map_err(|e| e.to_string())
    }

    async fn act(&self, late: Option<u64>) -> Result<Option<u64>, String> {
        self.0.fire_due(late).await.map(|()| None).map_err(|e| e.to_string())
    }

    fn earliest(&self) -> Option<u64> {
        self.0.due.lock().unwrap_or_else(|p| p.into_inner()).values().min().copied()
    }

    fn changed(&self) -> &Notify {
        &self.0.schedules_changed
    }
}

impl EventBuses {
    /// The scheduler's task.
    pub(crate) fn start_scheduler(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let leader = self.cluster.leader("events.scheduler");
        run_timed(Arc::new(Scheduler(self.clone())), leader, self.clock.clone(), "firing scheduled rules")
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
