//! The event buses over the embedded store, on a manual clock, delivering into a sink
//! that records what it got.

use crate::model::{RuleState, Target};
use crate::{Delivery, Entry, EntryResult, Error, EventBuses, PutRule, Refusal, TargetSink};
use serde_json::{Value, json};
use squall_clock::Clock;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const START_MS: u64 = 1_796_558_400_000; // 2026-12-06T12:00:00Z

/// A dead letter: its queue, body and attributes.
type DeadLetter = (String, String, Vec<(String, String)>);

#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<(String, String, String)>>,
    dead: Mutex<Vec<DeadLetter>>,
    /// Deliveries to fail for a passing reason before one succeeds.
    flaky: Mutex<u32>,
}

#[async_trait::async_trait]
impl TargetSink for Recorder {
    async fn deliver(&self, d: Delivery<'_>) -> Result<(), Refusal> {
        if d.target.arn.ends_with(":missing") {
            return Err(Refusal { code: "RESOURCE_NOT_FOUND", message: "no such queue".into(), retryable: false });
        }
        let mut flaky = self.flaky.lock().unwrap();
        if *flaky > 0 {
            *flaky -= 1;
            return Err(Refusal { code: "SDK_CLIENT_ERROR", message: "the store failed".into(), retryable: true });
        }
        drop(flaky);
        self.got.lock().unwrap().push((d.rule_arn.to_string(), d.target.arn.clone(), d.body));
        Ok(())
    }

    async fn dead_letter(&self, _: &str, queue: &str, body: String, a: Vec<(String, String)>) -> Result<(), String> {
        self.dead.lock().unwrap().push((queue.to_string(), body, a));
        Ok(())
    }
}

impl Recorder {
    fn take(&self) -> Vec<(String, String, String)> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}

async fn open(dir: &std::path::Path, clock: &Clock) -> (Arc<EventBuses>, Arc<Recorder>) {
    let store = Arc::new(squall_storage_embedded::SqliteTableStore::open(&dir.join("events.db")).expect("events.db"));
    let buses = EventBuses::open(store, "us-east-1", clock.clone(), squall_lifecycle::Cluster::single())
        .await
        .expect("the buses open");
    let recorder = Arc::new(Recorder::default());
    buses.set_sink(recorder.clone());
    (Arc::new(buses), recorder)
}

fn queue(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:000000000000:{name}")
}

fn target(id: &str, arn: &str) -> Target {
    Target { id: id.into(), arn: arn.into(), ..Target::default() }
}

fn entry(source: &str, detail: Value) -> Entry {
    Entry {
        source: Some(source.into()),
        detail_type: Some("order placed".into()),
        detail: Some(detail.to_string()),
        ..Entry::default()
    }
}

fn rule(name: &str, pattern: Option<Value>, schedule: Option<&str>) -> PutRule {
    PutRule {
        name: name.into(),
        pattern: pattern.map(|p| p.to_string()),
        schedule: schedule.map(String::from),
        ..PutRule::default()
    }
}

#[tokio::test]
async fn events_reach_the_targets_of_the_rules_they_match() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (buses, got) = open(dir.path(), &clock).await;
    let orders = buses
        .put_rule(rule(
            "orders",
            Some(json!({"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}})),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(orders.arn, "arn:aws:events:us-east-1:000000000000:rule/orders");
    let mut shaped = target("t2", &queue("big"));
    shaped.input_path = Some("$.detail".into());
    buses.put_targets("orders", None, vec![target("t1", &queue("all")), shaped]).await.unwrap();

    let results = buses
        .put_events(vec![
            entry("shop", json!({"total": 150})),
            entry("shop", json!({"total": 5})),
            entry("other", json!({"total": 500})),
        ])
        .await
        .unwrap();
    assert!(results.iter().all(|r| matches!(r, EntryResult::Accepted(_))), "{results:?}");
    let delivered = got.take();
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    let event: Value = serde_json::from_str(&delivered[0].2).unwrap();
    assert_eq!(event["source"], "shop");
    assert_eq!(event["detail-type"], "order placed");
    assert_eq!(event["account"], "000000000000");
    assert_eq!(event["time"], "2026-12-06T12:00:00Z");
    assert_eq!(delivered[1], (orders.arn.clone(), queue("big"), "{\"total\":150}".into()));

    // Disabled: nothing; enabled again: delivered.
    buses.set_rule_state("orders", None, RuleState::Disabled).await.unwrap();
    buses.put_events(vec![entry("shop", json!({"total": 150}))]).await.unwrap();
    assert!(got.take().is_empty());
    buses.set_rule_state("orders", None, RuleState::Enabled).await.unwrap();
    buses.put_events(vec![entry("shop", json!({"total": 150}))]).await.unwrap();
    assert_eq!(got.take().len(), 2);
}

#[tokio::test]
async fn entries_are_refused_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let (buses, _) = open(dir.path(), &Clock::manual(START_MS)).await;
    let mut no_source = entry("x", json!({}));
    no_source.source = None;
    let mut bad_detail = entry("x", json!({}));
    bad_detail.detail = Some("[1, 2".into());
    let mut other_bus = entry("x", json!({}));
    other_bus.bus = Some("nope".into());
    let results = buses
        .put_events(vec![no_source, bad_detail, other_bus, entry("aws.events", json!({})), entry("x", json!({}))])
        .await
        .unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| match r {
            EntryResult::Failed(code, _) => code.as_str(),
            EntryResult::Accepted(_) => "ok",
        })
        .collect();
    assert_eq!(
        codes,
        ["InvalidArgument", "MalformedDetail", "ResourceNotFoundException", "NotAuthorizedForSourceException", "ok"]
    );
    assert!(matches!(buses.put_events(vec![entry("x", json!({})); 11]).await, Err(Error::Validation(_))));
}

#[tokio::test]
async fn rules_and_buses_are_checked_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    {
        let (buses, _) = open(dir.path(), &clock).await;
        buses.create_bus("orders", Some("the shop's".into()), vec![("team".into(), "a".into())]).await.unwrap();
        assert!(matches!(buses.create_bus("orders", None, vec![]).await, Err(Error::AlreadyExists(_))));
        assert!(matches!(buses.create_bus("default", None, vec![]).await, Err(Error::Validation(_))));
        let mut on_bus = rule("r1", Some(json!({"source": ["a"]})), None);
        on_bus.bus = Some("orders".into());
        let r = buses.put_rule(on_bus.clone()).await.unwrap();
        assert_eq!(r.arn, "arn:aws:events:us-east-1:000000000000:rule/orders/r1");
        on_bus.schedule = Some("rate(5 minutes)".into());
        assert!(matches!(buses.put_rule(on_bus).await, Err(Error::Validation(_))), "schedules only on the default bus");
        assert!(matches!(
            buses.put_rule(rule("bad", Some(json!({"source": "a"})), None)).await,
            Err(Error::InvalidPattern(_))
        ));
        assert!(matches!(buses.put_rule(rule("bad", None, Some("rate(1 minutes)"))).await, Err(Error::Validation(_))));
        assert!(matches!(buses.put_rule(rule("bad", None, None)).await, Err(Error::Validation(_))));
        buses.put_targets("r1", Some("orders"), vec![target("q", &queue("q"))]).await.unwrap();
        assert!(matches!(buses.delete_rule("r1", Some("orders")).await, Err(Error::Validation(_))));
        assert!(matches!(buses.delete_bus("orders").await, Err(Error::Validation(_))), "it has rules");
        let six: Vec<Target> = (0..6).map(|i| target(&format!("t{i}"), &queue("q"))).collect();
        assert!(matches!(buses.put_targets("r1", Some("orders"), six).await, Err(Error::LimitExceeded(_))));
        let mut both = target("x", &queue("q"));
        both.input = Some("{}".into());
        both.input_path = Some("$".into());
        assert!(matches!(buses.put_targets("r1", Some("orders"), vec![both]).await, Err(Error::Validation(_))));
        assert!(matches!(buses.describe_rule("nope", None), Err(Error::NotFound(_))));
    }
    let (buses, _) = open(dir.path(), &clock).await;
    assert_eq!(buses.describe_bus(Some("orders")).unwrap().tags, vec![("team".to_string(), "a".to_string())]);
    assert_eq!(buses.targets_of("r1", Some("orders")).unwrap().len(), 1);
    assert_eq!(buses.rules_by_target(&queue("q"), Some("orders")).unwrap(), ["r1"]);
    let (page, next) = buses.list_buses(None, None, 1);
    assert_eq!((page[0].name.as_str(), next.as_deref()), ("default", Some("default")));
}

#[tokio::test]
async fn undeliverable_events_go_to_the_dead_letter_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (buses, got) = open(dir.path(), &Clock::manual(START_MS)).await;
    buses.put_rule(rule("r", Some(json!({"source": ["a"]})), None)).await.unwrap();
    let mut t = target("t", &queue("missing"));
    t.dead_letter_arn = Some(queue("dlq"));
    buses.put_targets("r", None, vec![t]).await.unwrap();
    buses.put_events(vec![entry("a", json!({"k": 1}))]).await.unwrap();
    assert!(got.take().is_empty());
    let dead = got.dead.lock().unwrap().clone();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].0, queue("dlq"));
}

#[tokio::test]
async fn a_bus_target_routes_the_event_on_that_bus() {
    let dir = tempfile::tempdir().unwrap();
    let (buses, got) = open(dir.path(), &Clock::manual(START_MS)).await;
    buses.create_bus("other", None, vec![]).await.unwrap();
    buses.put_rule(rule("forward", Some(json!({"source": ["a"]})), None)).await.unwrap();
    buses
        .put_targets("forward", None, vec![target("b", "arn:aws:events:us-east-1:000000000000:event-bus/other")])
        .await
        .unwrap();
    let mut there = rule("there", Some(json!({"source": ["a"]})), None);
    there.bus = Some("other".into());
    buses.put_rule(there).await.unwrap();
    buses.put_targets("there", Some("other"), vec![target("q", &queue("q"))]).await.unwrap();
    buses.put_events(vec![entry("a", json!({}))]).await.unwrap();
    let delivered = got.take();
    assert_eq!(delivered.len(), 1);
    // Shaping belongs to the other bus's rules; a rule never sends back to its own bus.
    let mut shaped = target("c", "arn:aws:events:us-east-1:000000000000:event-bus/other");
    shaped.input = Some("{}".into());
    assert!(matches!(buses.put_targets("forward", None, vec![shaped]).await, Err(Error::Validation(_))));
    let own = target("d", "arn:aws:events:us-east-1:000000000000:event-bus/default");
    assert!(matches!(buses.put_targets("forward", None, vec![own]).await, Err(Error::Validation(_))));
    assert_eq!(delivered[0].0, "arn:aws:events:us-east-1:000000000000:rule/other/there");
}

#[tokio::test]
async fn schedules_fire_on_the_platform_clock_in_order_and_once_after_downtime() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    {
        let (buses, got) = open(dir.path(), &clock).await;
        buses.put_rule(rule("hourly", None, Some("rate(1 hour)"))).await.unwrap();
        buses.put_rule(rule("noon", None, Some("cron(0 12 * * ? *)"))).await.unwrap();
        buses.put_targets("hourly", None, vec![target("q", &queue("hourly"))]).await.unwrap();
        buses.put_targets("noon", None, vec![target("q", &queue("noon"))]).await.unwrap();
        clock.advance(Duration::from_secs(25 * 3600)).unwrap();
        buses.fire_due(None).await.unwrap();
        let fired = got.take();
        let hourly: Vec<&(String, String, String)> = fired.iter().filter(|f| f.1 == queue("hourly")).collect();
        assert_eq!(hourly.len(), 25, "every hour passed fires");
        let noon: Vec<Value> =
            fired.iter().filter(|f| f.1 == queue("noon")).map(|f| serde_json::from_str(&f.2).unwrap()).collect();
        assert_eq!(noon.len(), 1);
        assert_eq!(noon[0]["time"], "2026-12-07T12:00:00Z");
        assert_eq!(noon[0]["detail-type"], "Scheduled Event");
        assert_eq!(noon[0]["source"], "aws.events");
        assert_eq!(noon[0]["resources"], json!(["arn:aws:events:us-east-1:000000000000:rule/noon"]));
        let times: Vec<String> = fired
            .iter()
            .map(|f| serde_json::from_str::<Value>(&f.2).unwrap()["time"].as_str().unwrap().to_string())
            .collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "in time order");
        buses.fire_due(None).await.unwrap();
        assert!(got.take().is_empty(), "each firing once");
    }
    // Down for three days: each rule fires once for what it missed, then goes on.
    clock.advance(Duration::from_secs(72 * 3600)).unwrap();
    let (buses, got) = open(dir.path(), &clock).await;
    buses.fire_due(Some(clock.now_ms())).await.unwrap();
    assert_eq!(got.take().len(), 2);
    clock.advance(Duration::from_secs(3600)).unwrap();
    buses.fire_due(None).await.unwrap();
    assert_eq!(got.take().len(), 1, "the hourly rule, an hour on");
}

#[tokio::test]
async fn passing_failures_are_retried_by_the_targets_policy_through_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    {
        let (buses, got) = open(dir.path(), &clock).await;
        buses.put_rule(rule("orders", Some(json!({"source": ["shop"]})), None)).await.unwrap();
        let mut once = target("once", &queue("once"));
        once.retry = Some(crate::model::RetryPolicy { max_attempts: 1, max_age_s: 3600 });
        once.dead_letter_arn = Some(queue("dlq"));
        buses.put_targets("orders", None, vec![target("t", &queue("all")), once]).await.unwrap();
        *got.flaky.lock().unwrap() = 4;
        buses.put_events(vec![entry("shop", json!({"n": 1}))]).await.unwrap();
        assert!(got.take().is_empty(), "both failed for now");
    }
    // The retries are in the store: a server started again delivers them.
    let (buses, got) = open(dir.path(), &clock).await;
    *got.flaky.lock().unwrap() = 2;
    for _ in 0..10 {
        clock.advance(Duration::from_secs(60)).unwrap();
        buses.retry_due(clock.now_ms()).await.unwrap();
    }
    let delivered = got.take();
    assert_eq!(delivered.len(), 1, "the default policy keeps trying: {delivered:?}");
    assert_eq!(delivered[0].1, queue("all"));
    let dead = got.dead.lock().unwrap().clone();
    assert_eq!(dead.len(), 1, "one retry allowed, then the dead-letter queue: {dead:?}");
    assert!(dead[0].2.contains(&("EXHAUSTED_RETRY_CONDITION".to_string(), "MaximumRetryAttempts".to_string())));
}

#[tokio::test]
async fn archives_keep_a_buss_events_and_replays_send_a_window_of_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let (buses, got) = open(dir.path(), &clock).await;
    let rule_arn = buses.put_rule(rule("orders", Some(json!({"source": ["shop"]})), None)).await.unwrap().arn;
    buses.put_targets("orders", None, vec![target("t", &queue("all"))]).await.unwrap();
    let bus = "arn:aws:events:us-east-1:000000000000:event-bus/default";
    let pattern = Some(json!({"source": ["shop"]}).to_string());
    let archive = buses.create_archive("shop", bus, None, pattern, 1).await.unwrap();
    assert!(matches!(buses.create_archive("shop", bus, None, None, 0).await, Err(Error::AlreadyExists(_))));
    buses.put_events(vec![entry("shop", json!({"n": 1}))]).await.unwrap();
    clock.advance(Duration::from_secs(60)).unwrap();
    buses.put_events(vec![entry("shop", json!({"n": 2})), entry("other", json!({"n": 3}))]).await.unwrap();
    assert_eq!(got.take().len(), 2);
    assert_eq!(buses.describe_archive("shop").await.unwrap().event_count, 2, "what the pattern matches");

    // The first minute again, to the rule.
    let replay = crate::StartReplay {
        name: "again".into(),
        archive_arn: archive.arn.clone(),
        start_ms: START_MS,
        end_ms: START_MS + 30_000,
        destination_arn: bus.into(),
        filter_arns: vec![rule_arn.clone()],
        ..Default::default()
    };
    let started = buses.start_replay(replay.clone()).await.unwrap();
    assert_eq!(started.state, crate::model::ReplayState::Starting);
    buses.replay_pending().await.unwrap();
    let replayed = got.take();
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    let event: Value = serde_json::from_str(&replayed[0].2).unwrap();
    assert_eq!(event["detail"]["n"], 1);
    assert_eq!(event["replay-name"], "again");
    let done = buses.describe_replay("again").unwrap();
    assert_eq!(done.state, crate::model::ReplayState::Completed);
    assert!(done.ended_ms.is_some());
    assert!(matches!(buses.cancel_replay("again").await, Err(Error::IllegalStatus(_))));
    assert_eq!(buses.describe_archive("shop").await.unwrap().event_count, 2, "replays are not archived again");
    // Refusals: the same name, a window backwards, another bus, a rule of no bus.
    assert!(matches!(buses.start_replay(replay.clone()).await, Err(Error::AlreadyExists(_))));
    let backwards = crate::StartReplay { name: "b".into(), start_ms: START_MS + 1, end_ms: START_MS, ..replay.clone() };
    assert!(matches!(buses.start_replay(backwards).await, Err(Error::Validation(_))));
    let elsewhere = crate::StartReplay {
        name: "c".into(),
        destination_arn: "arn:aws:events:us-east-1:000000000000:event-bus/other".into(),
        ..replay.clone()
    };
    assert!(matches!(buses.start_replay(elsewhere.clone()).await, Err(Error::NotFound(_))), "no such bus");
    buses.create_bus("other", None, vec![]).await.unwrap();
    assert!(matches!(buses.start_replay(elsewhere).await, Err(Error::Validation(_))), "another bus");

    // A day's retention: two days on, nothing is left.
    clock.advance(Duration::from_secs(2 * 86_400)).unwrap();
    buses.sweep_archives(clock.now_ms()).await.unwrap();
    assert_eq!(buses.describe_archive("shop").await.unwrap().event_count, 0);
    buses.delete_archive("shop").await.unwrap();
    assert!(matches!(buses.describe_archive("shop").await, Err(Error::NotFound(_))));
}
