//! Durable table state over the embedded store, on a manual clock: stream ordering,
//! reopening and retention; transaction tokens across a reopen; TTL expiry.

use squall_clock::Clock;
use squall_storage_embedded::SqliteTableStore;
use squall_tables::schema::{CreateTable, KeyAttr, ScalarType};
use squall_tables::service::WriteOptions;
use squall_tables::stream::{EventName, RETENTION_MS, Start, ViewType};
use squall_tables::{AttributeValue, Item, Tables};
use std::sync::Arc;
use std::time::Duration;

const START_MS: u64 = 1_700_000_000_000;

fn item(pk: &str, v: &str) -> Item {
    Item::from([("pk".to_string(), AttributeValue::S(pk.into())), ("v".to_string(), AttributeValue::S(v.into()))])
}

async fn open(dir: &std::path::Path, clock: &Clock) -> Tables {
    Tables::open(
        Arc::new(SqliteTableStore::open(&dir.join("tables.db")).unwrap()),
        clock.clone(),
        squall_lifecycle::Cluster::single(),
    )
    .await
    .unwrap()
}

async fn count(tables: &Tables) -> u64 {
    tables.describe_table("sessions").await.unwrap().item_count
}

fn advance(clock: &Clock, ms: u64) {
    clock.advance(Duration::from_millis(ms)).unwrap();
}

fn table(name: &str, stream: Option<ViewType>) -> CreateTable {
    CreateTable {
        name: name.into(),
        key_schema: vec![("pk".into(), "HASH".into())],
        attributes: vec![KeyAttr { name: "pk".into(), kind: ScalarType::S }],
        billing_mode: Some("PAY_PER_REQUEST".into()),
        throughput: None,
        indexes: vec![],
        stream,
        tags: vec![],
    }
}

#[tokio::test]
async fn records_follow_the_changes_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let tables = open(dir.path(), &clock).await;
    let create = table("log", Some(ViewType::NewImage));
    let label = tables.create_table(create, clock.now_ms(), "id".into()).await.unwrap().def.streams[0].label.clone();
    let changes = tables.stream_changes();
    let opts = WriteOptions::default();
    for i in 0..50 {
        tables.put_item("log", item(&format!("k{}", i % 5), &i.to_string()), &opts).await.unwrap();
    }
    assert!(changes.has_changed().unwrap(), "committed records wake readers");
    let records = tables.read_stream("log", &label, 0, 1000).await.unwrap();
    assert_eq!(records.len(), 50);
    assert!(records.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(records.iter().filter(|r| r.event == EventName::Insert).count(), 5);
    assert!(records.iter().all(|r| r.old.is_none() && r.new.is_some()), "NEW_IMAGE carries only the new image");
    assert!(records.iter().all(|r| r.at_ms == START_MS), "records carry the clock's time");
    let last = records.last().unwrap().seq;
    drop(tables);

    // After a restart, numbering goes on after the newest record.
    let tables = open(dir.path(), &clock).await;
    assert_eq!(tables.stream_position("log", &label, Start::Latest).await.unwrap(), last);
    tables.put_item("log", item("k0", "after"), &opts).await.unwrap();
    let next = tables.read_stream("log", &label, last, 10).await.unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].seq > last);
    assert_eq!(next[0].event, EventName::Modify);

    // Records older than the retention are trimmed; newer ones stay.
    advance(&clock, RETENTION_MS);
    assert_eq!(tables.trim_streams(clock.now_ms()).await.unwrap(), 0, "exactly as old as the retention: kept");
    advance(&clock, 1);
    let deleted = tables.trim_streams(clock.now_ms()).await.unwrap();
    assert_eq!(deleted, 51);
    assert!(tables.read_stream("log", &label, 0, 1000).await.unwrap().is_empty());
    assert_eq!(tables.stream_position("log", &label, Start::TrimHorizon).await.unwrap(), 0);
}

#[tokio::test]
async fn a_transaction_token_is_remembered_across_a_reopen() {
    use squall_tables::service::Placeholders;
    use squall_tables::transact::{TransactWrite, WriteAction};
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let tables = open(dir.path(), &clock).await;
    tables.create_table(table("counters", None), 0, "id".into()).await.unwrap();
    let add = || {
        let mut placeholders = Placeholders::default();
        placeholders.values.insert(":one".into(), AttributeValue::N(squall_tables::Number::parse("1").unwrap()));
        vec![TransactWrite {
            table: "counters".into(),
            action: WriteAction::Update(
                Item::from([("pk".to_string(), AttributeValue::S("c".into()))]),
                "ADD n :one".into(),
            ),
            condition: None,
            placeholders,
            return_old_on_failure: false,
        }]
    };
    let now = clock.now_ms();
    tables.transact_write(add(), Some(("tok".into(), 7)), now).await.unwrap();
    drop(tables);

    let tables = open(dir.path(), &clock).await;
    // The same token and request after a restart: accepted, not applied again.
    tables.transact_write(add(), Some(("tok".into(), 7)), now + 1000).await.unwrap();
    let key = Item::from([("pk".to_string(), AttributeValue::S("c".into()))]);
    let item = tables.get_item("counters", &key, None, &Placeholders::default()).await.unwrap().unwrap();
    assert_eq!(item["n"], AttributeValue::N(squall_tables::Number::parse("1").unwrap()));
    // The same token with another request: refused.
    let err = tables.transact_write(add(), Some(("tok".into(), 8)), now + 2000).await.unwrap_err();
    assert!(matches!(err, squall_tables::Error::IdempotentParameterMismatch(_)), "{err:?}");
    // Ten minutes later the token is forgotten: the request applies again.
    tables.transact_write(add(), Some(("tok".into(), 8)), now + 11 * 60 * 1000).await.unwrap();
}

#[tokio::test]
async fn an_item_is_swept_once_the_clock_passes_its_expiry_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(START_MS);
    let tables = open(dir.path(), &clock).await;
    tables.create_table(table("sessions", None), clock.now_ms(), "id".into()).await.unwrap();
    tables.update_ttl("sessions", true, "exp").await.unwrap();
    let expiring = |pk: &str, exp_s: u64| {
        let mut i = item(pk, "v");
        i.insert("exp".into(), AttributeValue::N(squall_tables::Number::parse(&exp_s.to_string()).unwrap()));
        i
    };
    let opts = WriteOptions::default();
    let start_s = START_MS / 1000;
    tables.put_item("sessions", expiring("soon", start_s + 60), &opts).await.unwrap();
    tables.put_item("sessions", expiring("later", start_s + 3600), &opts).await.unwrap();
    tables.put_item("sessions", item("forever", "v"), &opts).await.unwrap();

    assert_eq!(tables.sweep().await, 0);
    // Expired once the clock is past its second: at `start_s + 60` it is not yet.
    advance(&clock, 60_000);
    assert_eq!(tables.sweep().await, 0);
    assert_eq!(count(&tables).await, 3);
    advance(&clock, 1_000);
    assert_eq!(tables.sweep().await, 1);
    assert_eq!(count(&tables).await, 2);
    let key = Item::from([("pk".to_string(), AttributeValue::S("soon".into()))]);
    let placeholders = squall_tables::service::Placeholders::default();
    assert!(tables.get_item("sessions", &key, None, &placeholders).await.unwrap().is_none());
    advance(&clock, 3_600_000);
    assert_eq!(tables.sweep().await, 1);
    assert_eq!(count(&tables).await, 1, "an item without the attribute never expires");
}
