//! StartReplay, DescribeReplay, ListReplays, CancelReplay, and the once-per-cluster worker
//! that replays: an archive's events of a time window, in time order, each with
//! `replay-name` added, onto the archive's bus, to the rules `FilterArns` names (all of
//! the bus's when none). Progress (the time of the last event replayed) is stored as it
//! goes, so a replay cut short by a restart goes on from there (an event at that very
//! millisecond may be replayed twice: at least once).

use crate::model::{Replay, ReplayState};
use crate::{Error, EventBuses, Result};
use squall_types::ACCOUNT_ID;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

/// Events replayed between two stores of progress (and looks for a cancellation).
const PAGE: usize = 100;
/// How long the worker waits when nothing is to replay, or after a store failure.
const LOOK_AGAIN: Duration = Duration::from_secs(5);

/// StartReplay's input.
#[derive(Debug, Clone, Default)]
pub struct StartReplay {
    /// `ReplayName`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `EventSourceArn`: the archive's ARN.
    pub archive_arn: String,
    /// `EventStartTime` (epoch milliseconds).
    pub start_ms: u64,
    /// `EventEndTime`.
    pub end_ms: u64,
    /// `Destination.Arn`.
    pub destination_arn: String,
    /// `Destination.FilterArns`.
    pub filter_arns: Vec<String>,
}

/// A replay's ARN.
pub fn replay_arn(region: &str, name: &str) -> String {
    format!("arn:aws:events:{region}:{ACCOUNT_ID}:replay/{name}")
}

fn no_replay(name: &str) -> Error {
    Error::NotFound(format!("Replay {name} does not exist."))
}

fn check_replay_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        return Ok(());
    }
    Err(Error::Validation(format!(
        "1 validation error detected: Value '{name}' at 'replayName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64"
    )))
}

impl EventBuses {
    /// StartReplay: checked, stored STARTING, and handed to the replay worker.
    pub async fn start_replay(&self, input: StartReplay) -> Result<Replay> {
        check_replay_name(&input.name)?;
        if input.description.as_ref().is_some_and(|d| d.chars().count() > 512) {
            return Err(Error::Validation("Description is longer than 512 characters.".into()));
        }
        if input.start_ms >= input.end_ms {
            return Err(Error::Validation(
                "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.".into(),
            ));
        }
        let replay = self
            .change(|d| {
                let archive = d.archives.values().find(|a| a.arn == input.archive_arn).ok_or_else(|| {
                    let name = input.archive_arn.rsplit('/').next().unwrap_or_default();
                    Error::Validation(format!(
                        "Parameter EventSourceArn is not valid. Reason: Archive {name} does not exist."
                    ))
                })?;
                let destination = crate::names::bus_of(Some(&input.destination_arn))?;
                if !d.buses.contains_key(&destination) {
                    return Err(Error::NotFound(format!("Event bus {destination} does not exist.")));
                }
                let bus_arn = d.buses.get(&archive.bus).map(|b| b.arn.clone()).unwrap_or_default();
                if input.destination_arn != bus_arn {
                    return Err(Error::Validation(
                        "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
                            .into(),
                    ));
                }
                for f in &input.filter_arns {
                    if !d.rules.values().any(|r| r.arn == *f && r.bus == archive.bus) {
                        return Err(Error::Validation(format!(
                            "Parameter Destination.FilterArns is not valid. Reason: {f} is not a rule of event bus {}.",
                            archive.bus
                        )));
                    }
                }
                if d.replays.contains_key(&input.name) {
                    return Err(Error::AlreadyExists(format!("Replay {} already exists.", input.name)));
                }
                let replay = Replay {
                    name: input.name.clone(),
                    arn: replay_arn(&self.region, &input.name),
                    description: input.description.clone(),
                    archive_arn: archive.arn.clone(),
                    archive: archive.name.clone(),
                    destination_arn: input.destination_arn.clone(),
                    filter_arns: input.filter_arns.clone(),
                    start_ms: input.start_ms,
                    end_ms: input.end_ms,
                    state: ReplayState::Starting,
                    state_reason: None,
                    started_ms: d.now_ms,
                    ended_ms: None,
                    last_replayed_ms: None,
                };
                d.put_replay(replay.clone());
                Ok(replay)
            })
            .await?;
        self.replays_changed.notify_one();
        Ok(replay)
    }

    /// DescribeReplay.
    pub fn describe_replay(&self, name: &str) -> Result<Replay> {
        check_replay_name(name)?;
        self.snapshot().replays.get(name).cloned().ok_or_else(|| no_replay(name))
    }

    /// ListReplays: by name, filtered by state and archive.
    pub fn list_replays(
        &self,
        prefix: Option<&str>,
        state: Option<ReplayState>,
        archive_arn: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<Replay>, Option<String>) {
        let snapshot = self.snapshot();
        let mut matching = snapshot
            .replays
            .values()
            .filter(|r| prefix.is_none_or(|p| r.name.starts_with(p)))
            .filter(|r| state.is_none_or(|s| r.state == s))
            .filter(|r| archive_arn.is_none_or(|a| r.archive_arn == a))
            .filter(|r| after.is_none_or(|t| r.name.as_str() > t));
        let page: Vec<Replay> = matching.by_ref().take(limit).cloned().collect();
        let next = matching.next().and(page.last().map(|r| r.name.clone()));
        (page, next)
    }

    /// CancelReplay: a replay not yet over becomes CANCELLING; the worker stops it.
    pub async fn cancel_replay(&self, name: &str) -> Result<Replay> {
        check_replay_name(name)?;
        let replay = self
            .change(|d| {
                let mut r = d.replays.get(name).cloned().ok_or_else(|| no_replay(name))?;
                if r.state.is_final() || r.state == ReplayState::Cancelling {
                    return Err(Error::IllegalStatus(format!(
                        "Replay {name} is {} and cannot be cancelled.",
                        r.state.as_str()
                    )));
                }
                r.state = ReplayState::Cancelling;
                d.put_replay(r.clone());
                Ok(r)
            })
            .await?;
        self.replays_changed.notify_one();
        Ok(replay)
    }

    /// The replay worker's task.
    pub(crate) fn start_replays(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let leader = self.cluster.leader("events.replays");
        tokio::spawn(async move {
            loop {
                let changed = me.replays_changed.notified();
                if leader.is_leader().await
                    && let Err(e) = me.replay_pending().await
                {
                    tracing::warn!("replaying archived events: {e}");
                }
                tokio::select! {
                    () = tokio::time::sleep(LOOK_AGAIN) => {}
                    () = changed => {}
                }
            }
        })
    }

    /// Runs every replay not yet over to its end.
    pub(crate) async fn replay_pending(&self) -> Result<()> {
        let pending: Vec<String> =
            self.snapshot().replays.values().filter(|r| !r.state.is_final()).map(|r| r.name.clone()).collect();
        for name in pending {
            self.run_replay(&name).await?;
        }
        Ok(())
    }

    /// Moves replay `name` on by `f`, unless it is over; the replay as it is now.
    async fn update_replay(&self, name: &str, f: impl FnOnce(&mut Replay)) -> Result<Option<Replay>> {
        self.change(|d| {
            let Some(mut r) = d.replays.get(name).cloned() else { return Ok(None) };
            if !r.state.is_final() {
                f(&mut r);
                r.ended_ms = r.state.is_final().then_some(d.now_ms);
                d.put_replay(r.clone());
            }
            Ok(Some(r))
        })
        .await
    }

    async fn run_replay(&self, name: &str) -> Result<()> {
        let Some(mut replay) = self
            .update_replay(name, |r| {
                if r.state == ReplayState::Starting {
                    r.state = ReplayState::Running;
                }
            })
            .await?
        else {
            return Ok(());
        };
        // Within a run, the key of the last event replayed; after a restart, its time.
        let mut cursor = Bound::Included(replay.last_replayed_ms.unwrap_or(replay.start_ms).to_be_bytes().to_vec());
        loop {
            if replay.state == ReplayState::Cancelling {
                self.update_replay(name, |r| r.state = ReplayState::Cancelled).await?;
                return Ok(());
            }
            if replay.state.is_final() {
                return Ok(());
            }
            let state = self.snapshot();
            let Some((archive, _)) = state.archives.get(&replay.archive) else {
                let reason = format!("Archive {} no longer exists.", replay.archive);
                self.update_replay(name, |r| {
                    r.state = ReplayState::Failed;
                    r.state_reason = Some(reason);
                })
                .await?;
                return Ok(());
            };
            let events = self.archived(&archive.name, cursor.clone(), replay.end_ms, PAGE).await?;
            let Some((key, last, _)) = events.last().cloned() else {
                self.update_replay(name, |r| r.state = ReplayState::Completed).await?;
                return Ok(());
            };
            cursor = Bound::Excluded(key);
            let only = (!replay.filter_arns.is_empty()).then_some(replay.filter_arns.as_slice());
            for (_, _, mut event) in events {
                event["replay-name"] = replay.name.clone().into();
                self.route_to(&state, &archive.bus, &event, 0, only).await;
            }
            match self.update_replay(name, |r| r.last_replayed_ms = Some(last)).await? {
                Some(r) => replay = r,
                None => return Ok(()),
            }
        }
    }
}
