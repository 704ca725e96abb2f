//! The scheduler over the embedded store, on a manual clock, firing into a sink that
//! records what it got.

use crate::model::{ScheduleState, Target};
use crate::{Error, Failure, Firing, FiringSink, NewSchedule, Scheduler};
use squall_clock::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const START_MS: u64 = 1_796_558_400_000; // 2026-12-06T12:00:00Z
const ROLE: &str = "arn:aws:iam::000000000000:role/scheduler";

/// A dead letter: its body and attributes.
type DeadLetter = (String, Vec<(String, String)>);

#[derive(Default)]
struct Recorder {
    /// (target, body, attempt)
    got: Mutex<Vec<(String, String, u32)>>,
    dead: Mutex<Vec<DeadLetter>>,
    /// Deliveries to fail as passing failures before one succeeds.
    flaky: Mutex<u32>,
}

#[async_trait::async_trait]
impl FiringSink for Recorder {
    async fn deliver(&self, f: Firing<'_>) -> Result<(), Failure> {
        if f.target.arn.ends_with(":missing") {
            return Err(Failure { code: "ResourceNotFound", message: "no such queue".into(), retryable: false });
        }
        let mut flaky = self.flaky.lock().unwrap();
        if *flaky > 0 {
            *flaky -= 1;
            return Err(Failure { code: "InternalError", message: "the store failed".into(), retryable: true });
        }
        self.got.lock().unwrap().push((f.target.arn.clone(), f.body, f.attempt));
        Ok(())
    }

    async fn dead_letter(&self, f: Firing<'_>, _queue: &str, attributes: Vec<(String, String)>) -> Result<(), String> {
        self.dead.lock().unwrap().push((f.body, attributes));
        Ok(())
    }
}

impl Recorder {
    fn take(&self) -> Vec<(String, String, u32)> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}

async fn open(dir: &std::path::Path, clock: &Clock) -> (Arc<Scheduler>, Arc<Recorder>) {
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.join("scheduler.db")).expect("db"));
    let s =
        Scheduler::open(store, "us-east-1", clock.clone(), squall_lifecycle::Cluster::single()).await.expect("opens");
    let recorder = Arc::new(Recorder::default());
    s.set_sink(recorder.clone());
    (Arc::new(s), recorder)
}

fn queue(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:000000000000:{name}")
}

fn new(name: &str, expression: &str) -> NewSchedule {
    NewSchedule {
        group: None,
        name: name.into(),
        expression: expression.into(),
        timezone: None,
        start_ms: None,
        end_ms: None,
        description: None,
        state: ScheduleState::Enabled,
        window_minutes: None,
        delete_after_completion: false,
        target: Target { arn: queue("jobs"), role_arn: ROLE.into(), ..Target::default() },
        client_token: None,
    }
}

async fn advance(s: &Scheduler, clock: &Clock, by: Duration) {
    clock.advance(by).unwrap();
    s.fire_due(None).await.unwrap();
}

#[tokio::test]
async fn a_nightly_cron_in_new_york_follows_daylight_saving() {
    let dir = tempfile::tempdir().unwrap();
    // 2027-03-13T12:00:00Z, the day before New York's clocks go forward.
    let clock = Clock::manual(1_804_939_200_000);
    let (s, got) = open(dir.path(), &clock).await;
    let mut n = new("nightly", "cron(30 2 * * ? *)");
    n.timezone = Some("America/New_York".into());
    n.target.input = Some(r#"{"at":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}"#.into());
    s.create_schedule(n).await.unwrap();
    advance(&s, &clock, Duration::from_secs(3 * 86_400)).await;
    let times: Vec<String> = got
        .take()
        .into_iter()
        .map(|(_, body, _)| {
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["at"].as_str().unwrap().to_string()
        })
        .collect();
    // 02:30 does not exist on the 14th: fired on the 15th and 16th only.
    assert_eq!(times, ["2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"]);
}

#[tokio::test]
async fn one_time_schedules_fire_once_and_may_delete_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    let mut keep = new("remind", "at(2026-12-06T13:00:00)");
    keep.target.input = Some("wake up".into());
    s.create_schedule(keep).await.unwrap();
    let mut gone = new("once", "at(2026-12-06T13:00:00)");
    gone.delete_after_completion = true;
    s.create_schedule(gone).await.unwrap();
    advance(&s, &clock, Duration::from_secs(1800)).await;
    assert!(got.take().is_empty());
    advance(&s, &clock, Duration::from_secs(1800)).await;
    let fired = got.take();
    assert_eq!(fired.len(), 2);
    assert!(fired.iter().any(|(_, body, _)| body == "wake up"));
    assert!(fired.iter().any(|(_, body, _)| body == "{}"));
    advance(&s, &clock, Duration::from_secs(86_400)).await;
    assert!(got.take().is_empty());
    assert!(s.schedule(None, "remind").is_ok());
    assert!(matches!(s.schedule(None, "once"), Err(Error::NotFound(_))));
}

#[tokio::test]
async fn rates_start_at_once_or_at_their_start_date_and_stop_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    let mut now = new("now", "rate(1 hour)");
    now.end_ms = Some(START_MS + 2 * 3_600_000 + 1);
    s.create_schedule(now).await.unwrap();
    let mut later = new("later", "rate(1 hour)");
    later.start_ms = Some(START_MS + 30 * 60_000);
    later.target.arn = queue("later");
    s.create_schedule(later).await.unwrap();
    s.fire_due(None).await.unwrap();
    assert_eq!(got.take().len(), 1, "a rate without a start date fires at once");
    advance(&s, &clock, Duration::from_secs(5 * 3600)).await;
    let fired = got.take();
    assert_eq!(fired.iter().filter(|(t, _, _)| *t == queue("jobs")).count(), 2, "then until its end date");
    assert_eq!(fired.iter().filter(|(t, _, _)| *t == queue("later")).count(), 5);
}

#[tokio::test]
async fn passing_failures_are_retried_and_the_rest_go_to_the_dead_letter_queue() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    *got.flaky.lock().unwrap() = 2;
    s.create_schedule(new("flaky", "at(2026-12-06T12:01:00)")).await.unwrap();
    let mut missing = new("missing", "at(2026-12-06T12:01:00)");
    missing.target.arn = queue("missing");
    missing.target.dead_letter_arn = Some(queue("dlq"));
    s.create_schedule(missing).await.unwrap();
    for _ in 0..10 {
        advance(&s, &clock, Duration::from_secs(60)).await;
    }
    let fired = got.take();
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].2, 3, "delivered at the third attempt");
    let dead = got.dead.lock().unwrap().clone();
    assert_eq!(dead.len(), 1, "a missing target is not retried");
    assert!(dead[0].1.contains(&("ERROR_CODE".to_string(), "ResourceNotFound".to_string())));

    // No retries left: straight to the dead letters, saying why.
    *got.flaky.lock().unwrap() = 5;
    let mut once = new("no-retries", "at(2026-12-06T13:00:00)");
    once.target.retry.max_attempts = 0;
    once.target.dead_letter_arn = Some(queue("dlq"));
    s.create_schedule(once).await.unwrap();
    advance(&s, &clock, Duration::from_secs(3600)).await;
    let dead = got.dead.lock().unwrap().clone();
    assert_eq!(dead.len(), 2);
    assert!(dead[1].1.contains(&("EXHAUSTED_RETRY_CONDITION".to_string(), "MaximumRetryAttempts".to_string())));
}

#[tokio::test]
async fn flexible_windows_fire_within_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    let mut n = new("flex", "cron(0 13 * * ? *)");
    n.window_minutes = Some(15);
    s.create_schedule(n).await.unwrap();
    advance(&s, &clock, Duration::from_secs(3600)).await;
    let early = got.take().len();
    advance(&s, &clock, Duration::from_secs(15 * 60)).await;
    assert_eq!(early + got.take().len(), 1, "fired once, within 15 minutes of 13:00");
}

#[tokio::test]
async fn missed_firings_fire_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    {
        let (s, _) = open(dir.path(), &clock).await;
        s.create_schedule(new("every-minute", "cron(* * * * ? *)")).await.unwrap();
    }
    clock.advance(Duration::from_secs(3600)).unwrap();
    let (s, got) = open(dir.path(), &clock).await;
    s.fire_due(Some(clock.now_ms())).await.unwrap();
    assert_eq!(got.take().len(), 1, "an hour missed fires once");
    advance(&s, &clock, Duration::from_secs(120)).await;
    assert_eq!(got.take().len(), 2, "then on from the present");
}

#[tokio::test]
async fn refusals() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, _) = open(dir.path(), &clock).await;
    let bad = |f: fn(&mut NewSchedule)| {
        let mut n = new("bad", "rate(5 minutes)");
        f(&mut n);
        n
    };
    let cases: Vec<NewSchedule> = vec![
        bad(|n| n.expression = "rate(5 minute)".into()),
        bad(|n| n.expression = "cron(0 12 * * * *)".into()),
        bad(|n| n.timezone = Some("Mars/Olympus_Mons".into())),
        bad(|n| (n.start_ms, n.end_ms) = (Some(START_MS + 10), Some(START_MS))),
        bad(|n| n.window_minutes = Some(1441)),
        bad(|n| n.target.role_arn = "scheduler".into()),
        bad(|n| n.target.arn = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage".into()),
        bad(|n| n.target.arn = "arn:aws:ecs:us-east-1:000000000000:cluster/c".into()),
        bad(|n| n.target.arn = queue("jobs.fifo")),
        bad(|n| n.target.message_group_id = Some("g".into())),
        bad(|n| n.target.arn = "arn:aws:events:us-east-1:000000000000:event-bus/default".into()),
        bad(|n| {
            n.target.arn = "arn:aws:lambda:us-east-1:000000000000:function:f".into();
            n.target.input = Some("not json".into());
        }),
        bad(|n| n.target.retry.max_age_s = 59),
        bad(|n| n.target.dead_letter_arn = Some("arn:aws:sns:us-east-1:000000000000:t".into())),
    ];
    for case in cases {
        let shown = format!("{case:?}");
        assert!(matches!(s.create_schedule(case).await, Err(Error::Validation(_))), "{shown}");
    }
    let mut in_group = new("x", "rate(5 minutes)");
    in_group.group = Some("nope".into());
    assert!(matches!(s.create_schedule(in_group).await, Err(Error::NotFound(_))));
    s.create_schedule(new("dup", "rate(5 minutes)")).await.unwrap();
    assert!(matches!(s.create_schedule(new("dup", "rate(5 minutes)")).await, Err(Error::Conflict(_))));
    assert!(s.list_schedules(None, None, None, 100, None).unwrap().schedules.len() == 1, "nothing half-created");
    assert!(matches!(s.delete_group("default").await, Err(Error::Validation(_))));
}

#[tokio::test]
async fn groups_hold_schedules_and_go_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, _) = open(dir.path(), &clock).await;
    s.create_group("team", vec![("owner".into(), "me".into())], None).await.unwrap();
    for name in ["a", "b", "c"] {
        let mut n = new(name, "rate(1 day)");
        n.group = Some("team".into());
        s.create_schedule(n).await.unwrap();
    }
    s.create_schedule(new("d", "rate(1 day)")).await.unwrap();
    let first = s.list_schedules(None, None, None, 2, None).unwrap();
    assert_eq!(first.schedules.len(), 2);
    let second = s.list_schedules(None, None, None, 2, first.next.as_deref()).unwrap();
    assert_eq!(second.schedules.len(), 2);
    assert!(second.next.is_none());
    assert_eq!(s.list_schedules(Some("team"), Some("b"), None, 100, None).unwrap().schedules.len(), 1);
    let arn = s.group("team").unwrap().arn;
    s.tag(&arn, vec![("env".into(), "dev".into())]).await.unwrap();
    assert_eq!(s.tags(&arn).unwrap().len(), 2);
    s.delete_group("team").await.unwrap();
    assert_eq!(s.list_schedules(None, None, None, 100, None).unwrap().schedules.len(), 1);
}

#[tokio::test]
async fn a_one_time_schedule_that_fired_stays_done_through_restarts_and_updates() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    {
        let (s, got) = open(dir.path(), &clock).await;
        s.create_schedule(new("once", "at(2026-12-06T12:30:00)")).await.unwrap();
        advance(&s, &clock, Duration::from_secs(3600)).await;
        assert_eq!(got.take().len(), 1);
    }
    let (s, got) = open(dir.path(), &clock).await;
    s.fire_due(Some(clock.now_ms())).await.unwrap();
    let mut described = new("once", "at(2026-12-06T12:30:00)");
    described.description = Some("only the words change".into());
    s.update_schedule(described).await.unwrap();
    advance(&s, &clock, Duration::from_secs(3600)).await;
    assert!(got.take().is_empty(), "it fired once, for good");
}

#[tokio::test]
async fn an_update_that_keeps_the_timing_keeps_a_rates_phase() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    s.create_schedule(new("hourly", "rate(1 hour)")).await.unwrap();
    s.fire_due(None).await.unwrap();
    assert_eq!(got.take().len(), 1, "a rate without a start date fires at once");
    advance(&s, &clock, Duration::from_secs(1800)).await;
    let mut described = new("hourly", "rate(1 hour)");
    described.description = Some("same hours".into());
    s.update_schedule(described).await.unwrap();
    s.fire_due(None).await.unwrap();
    assert!(got.take().is_empty(), "not again at the update");
    advance(&s, &clock, Duration::from_secs(1800)).await;
    assert_eq!(got.take().len(), 1, "on the hour, as before");
}

#[tokio::test]
async fn a_retry_does_not_hold_up_the_schedules_next_firings() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    *got.flaky.lock().unwrap() = 1;
    s.create_schedule(new("minutely", "rate(1 minute)")).await.unwrap();
    s.fire_due(None).await.unwrap();
    assert!(got.take().is_empty(), "the first firing failed for now");
    advance(&s, &clock, Duration::from_secs(60)).await;
    let fired = got.take();
    assert_eq!(fired.len(), 2, "the retry and the next firing: {fired:?}");
}

#[tokio::test]
async fn a_flexible_window_is_not_lateness() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (s, got) = open(dir.path(), &clock).await;
    let mut n = new("flexible", "rate(5 minutes)");
    n.window_minutes = Some(15);
    s.create_schedule(n).await.unwrap();
    // As the worker passes on the system clock: what is a minute late was missed.
    for _ in 0..120 {
        clock.advance(Duration::from_secs(30)).unwrap();
        s.fire_due(Some(clock.now_ms() - 60_000)).await.unwrap();
    }
    // An hour of 5-minute firings, each moved within its 15 minutes: none lost.
    let fired = got.take().len();
    assert!((10..=13).contains(&fired), "{fired} firings in an hour");
}
