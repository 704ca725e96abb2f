//! Time-driven behaviour on a manual clock: visibility timeouts, delays, retention,
//! deduplication and redrive change only when the clock is advanced.

use crate::Result;
use crate::message::NewMessage;
use crate::service::{Queues, ReceiveOptions, Received};
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_storage_embedded::SqliteMessageStore;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const START_MS: u64 = 1_700_000_000_000;

async fn open(dir: &std::path::Path, clock: &Clock) -> Arc<Queues> {
    let store = Arc::new(SqliteMessageStore::open(&dir.join("queues.db")).expect("the store opens"));
    Arc::new(Queues::open(store, None, "us-east-1", clock.clone(), Cluster::single()).await.expect("the queues load"))
}

fn advance(clock: &Clock, ms: u64) {
    clock.advance(Duration::from_millis(ms)).expect("a manual clock moves");
}

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn body(b: &str) -> NewMessage {
    NewMessage { body: b.into(), ..Default::default() }
}

/// Receives without waiting.
async fn receive(q: &Queues, name: &str) -> Result<Vec<Received>> {
    q.receive(name, ReceiveOptions { max: Some(10), visibility_timeout_s: None, wait_s: Some(0) }).await
}

#[tokio::test]
async fn a_received_message_returns_exactly_when_its_visibility_timeout_ends() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("q", &attrs(&[("VisibilityTimeout", "30")]), BTreeMap::new()).await?;
    q.send("q", body("hello")).await?;
    let first = receive(&q, "q").await?;
    assert_eq!(first.len(), 1);
    assert!(receive(&q, "q").await?.is_empty(), "in flight");
    advance(&clock, 29_999);
    assert!(receive(&q, "q").await?.is_empty(), "still in flight a millisecond before the timeout");
    advance(&clock, 1);
    let again = receive(&q, "q").await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first[0].id);
    assert_eq!(again[0].system["ApproximateReceiveCount"], "2");
    assert_eq!(again[0].system["SentTimestamp"], START_MS.to_string());
    assert_eq!(again[0].system["ApproximateFirstReceiveTimestamp"], START_MS.to_string());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_is_woken_by_advancing_the_clock() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("q", &attrs(&[("VisibilityTimeout", "600")]), BTreeMap::new()).await?;
    q.send("q", body("hello")).await?;
    assert_eq!(receive(&q, "q").await?.len(), 1);
    let started = tokio::time::Instant::now();
    let poll = {
        let q = q.clone();
        tokio::spawn(async move {
            q.receive("q", ReceiveOptions { max: Some(1), visibility_timeout_s: None, wait_s: Some(20) }).await
        })
    };
    // The poll runs until it waits: it finds the message in flight.
    tokio::task::yield_now().await;
    advance(&clock, 600_000);
    let got = poll.await.expect("the poll ends")?;
    assert_eq!(got.len(), 1);
    // Tokio's time is paused and moves only when every task waits: had the advance not
    // woken the poll, it would have ended by its 20 s wait instead.
    assert!(started.elapsed() < Duration::from_secs(20));
    Ok(())
}

#[tokio::test]
async fn a_delayed_message_is_invisible_until_its_delay_passes() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("q", &BTreeMap::new(), BTreeMap::new()).await?;
    q.send("q", NewMessage { delay_s: Some(10), ..body("later") }).await?;
    async fn counts(q: &Queues) -> Result<(String, String)> {
        let a = q.get_attributes("q", &["All".to_string()]).await?;
        Ok((a["ApproximateNumberOfMessages"].clone(), a["ApproximateNumberOfMessagesDelayed"].clone()))
    }
    assert_eq!(counts(&q).await?, ("0".into(), "1".into()));
    advance(&clock, 9_999);
    assert!(receive(&q, "q").await?.is_empty());
    advance(&clock, 1);
    assert_eq!(counts(&q).await?, ("1".into(), "0".into()));
    assert_eq!(receive(&q, "q").await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn the_retention_sweep_deletes_messages_older_than_the_retention_period() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("q", &attrs(&[("MessageRetentionPeriod", "60")]), BTreeMap::new()).await?;
    q.send("q", body("old")).await?;
    advance(&clock, 30_000);
    q.send("q", body("young")).await?;
    advance(&clock, 29_999);
    assert_eq!(q.sweep(clock.now_ms()).await?, 0);
    advance(&clock, 1);
    assert_eq!(q.sweep(clock.now_ms()).await?, 1);
    let left = receive(&q, "q").await?;
    assert_eq!(left.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(), ["young"]);
    Ok(())
}

#[tokio::test]
async fn a_fifo_deduplication_id_is_accepted_again_after_five_minutes() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("q.fifo", &attrs(&[("FifoQueue", "true")]), BTreeMap::new()).await?;
    let m = || NewMessage { group_id: Some("g".into()), dedup_id: Some("d1".into()), ..body("once") };
    let first = q.send("q.fifo", m()).await?;
    advance(&clock, 5 * 60 * 1000 - 1);
    assert_eq!(q.send("q.fifo", m()).await?.id, first.id, "a duplicate within the interval");
    // Remembered across a restart too, by the clock's time.
    drop(q);
    let q = open(dir.path(), &clock).await;
    assert_eq!(q.send("q.fifo", m()).await?.id, first.id);
    advance(&clock, 1);
    let second = q.send("q.fifo", m()).await?;
    assert_ne!(second.id, first.id);
    let a = q.get_attributes("q.fifo", &["ApproximateNumberOfMessages".to_string()]).await?;
    assert_eq!(a["ApproximateNumberOfMessages"], "2");
    Ok(())
}

#[tokio::test]
async fn a_message_received_too_often_moves_to_the_dead_letter_queue() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    q.create_queue("dlq", &BTreeMap::new(), BTreeMap::new()).await?;
    let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"}"#;
    q.create_queue("q", &attrs(&[("VisibilityTimeout", "10"), ("RedrivePolicy", policy)]), BTreeMap::new()).await?;
    q.send("q", body("poison")).await?;
    for _ in 0..2 {
        assert_eq!(receive(&q, "q").await?.len(), 1);
        advance(&clock, 10_000);
    }
    assert!(receive(&q, "q").await?.is_empty(), "the third receive moves it instead");
    let moved = receive(&q, "dlq").await?;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].body, "poison");
    Ok(())
}

#[tokio::test]
async fn a_dead_letter_queue_admits_only_the_sources_its_redrive_allow_policy_names() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let q = open(dir.path(), &clock).await;
    let allow = r#"{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:ok"]}"#;
    q.create_queue("dlq", &attrs(&[("RedriveAllowPolicy", allow)]), BTreeMap::new()).await?;
    let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"}"#;
    q.create_queue("ok", &attrs(&[("RedrivePolicy", policy)]), BTreeMap::new()).await?;
    let refused = q.create_queue("other", &attrs(&[("RedrivePolicy", policy)]), BTreeMap::new()).await;
    assert!(matches!(refused, Err(crate::Error::InvalidParameterValue(_))), "{refused:?}");
    let deny = attrs(&[("RedriveAllowPolicy", r#"{"redrivePermission":"denyAll"}"#)]);
    q.set_attributes("dlq", &deny).await?;
    q.create_queue("plain", &BTreeMap::new(), BTreeMap::new()).await?;
    assert!(q.set_attributes("plain", &attrs(&[("RedrivePolicy", policy)])).await.is_err());
    let malformed = attrs(&[("RedriveAllowPolicy", r#"{"redrivePermission":"byQueue"}"#)]);
    assert!(matches!(q.set_attributes("dlq", &malformed).await, Err(crate::Error::InvalidAttributeValue(_))));
    Ok(())
}

#[tokio::test]
async fn queues_of_the_older_layout_are_carried_over_with_their_messages() -> Result<()> {
    use crate::attributes::QueueAttributes;
    use crate::service::QueueDef;
    use squall_storage::{ItemWrite, TableStore};
    use squall_storage_embedded::SqliteTableStore;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let legacy = Arc::new(SqliteTableStore::open(&dir.path().join("messages.db")).expect("the old store"));
    let mut fifo = QueueAttributes::default();
    fifo.apply(&attrs(&[("FifoQueue", "true")]))?;
    for (name, attributes) in [("old", QueueAttributes::default()), ("old.fifo", fifo)] {
        let def = QueueDef { attributes, tags: BTreeMap::new(), created_ms: START_MS, last_modified_ms: START_MS };
        legacy.create_table(name, &serde_json::to_string(&def).unwrap()).await?;
    }
    let old_msg = |id: &str, visible_ms: u64, receives: u32, group: Option<&str>| {
        serde_json::json!({
            "id": id, "body": format!("body of {id}"), "sent_ms": START_MS, "visible_ms": visible_ms,
            "receives": receives, "nonce": 5, "group": group, "dedup": group.map(|_| id),
        })
    };
    let put = |table: &str, seq: u64, v: serde_json::Value| ItemWrite {
        table: table.into(),
        pk: vec![],
        sk: seq.to_be_bytes().to_vec(),
        item: Some(serde_json::to_vec(&v).unwrap()),
    };
    legacy
        .write(vec![
            put("~m:old", 1, old_msg("m1", START_MS, 0, None)),
            put("~m:old", 2, old_msg("m2", START_MS + 60_000, 1, None)),
            put("~m:old.fifo", 1, old_msg("f1", START_MS, 0, Some("g"))),
            ItemWrite {
                table: "~d:old.fifo".into(),
                pk: vec![],
                sk: b"f1".to_vec(),
                item: Some(
                    serde_json::to_vec(&serde_json::json!({"expires_ms": START_MS + 1000, "id": "f1", "seq": 1}))
                        .unwrap(),
                ),
            },
        ])
        .await?;
    let store = Arc::new(SqliteMessageStore::open(&dir.path().join("queues.db")).expect("the store opens"));
    let q = Queues::open(store.clone(), Some(legacy.clone()), "us-east-1", clock.clone(), Cluster::single()).await?;
    assert_eq!(q.list_queues(""), ["old", "old.fifo"]);
    let got = receive(&q, "old").await?;
    assert_eq!(got.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m1"], "m2 is still in flight");
    assert_eq!(got[0].body, "body of m1");
    let dup = q
        .send("old.fifo", NewMessage { group_id: Some("g".into()), dedup_id: Some("f1".into()), ..body("again") })
        .await?;
    assert_eq!(dup.id, "f1", "the deduplication record came along");
    assert!(legacy.list_tables().await?.is_empty(), "the old store is emptied");
    assert!(legacy.scan("~m:old", None, 10).await?.is_empty());
    // Opening again (the old store now empty) changes nothing.
    drop(q);
    let q = Queues::open(store, Some(legacy), "us-east-1", clock, Cluster::single()).await?;
    assert_eq!(
        q.get_attributes("old", &["All".to_string()]).await?["ApproximateNumberOfMessagesNotVisible"],
        "2",
        "m1 received above, m2 before"
    );
    Ok(())
}
