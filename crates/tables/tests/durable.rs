//! Durable table state over the embedded store: stream ordering, reopening and retention;
//! transaction tokens across a reopen.

use squall_storage_embedded::SqliteTableStore;
use squall_tables::schema::{CreateTable, KeyAttr, ScalarType};
use squall_tables::service::WriteOptions;
use squall_tables::stream::{EventName, RETENTION_MS, Start, ViewType};
use squall_tables::{AttributeValue, Item, Tables};
use std::sync::Arc;

fn item(pk: &str, v: &str) -> Item {
    Item::from([("pk".to_string(), AttributeValue::S(pk.into())), ("v".to_string(), AttributeValue::S(v.into()))])
}

async fn open(dir: &std::path::Path) -> Tables {
    Tables::open(Arc::new(SqliteTableStore::open(&dir.join("tables.db")).unwrap())).await.unwrap()
}

#[tokio::test]
async fn records_follow_the_changes_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let tables = open(dir.path()).await;
    let create = CreateTable {
        name: "log".into(),
        key_schema: vec![("pk".into(), "HASH".into())],
        attributes: vec![KeyAttr { name: "pk".into(), kind: ScalarType::S }],
        billing_mode: Some("PAY_PER_REQUEST".into()),
        throughput: None,
        indexes: vec![],
        stream: Some(ViewType::NewImage),
        tags: vec![],
    };
    let label =
        tables.create_table(create, squall_types::now_ms(), "id".into()).await.unwrap().def.streams[0].label.clone();
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
    let last = records.last().unwrap().seq;
    drop(tables);

    // After a restart, numbering goes on after the newest record.
    let tables = open(dir.path()).await;
    assert_eq!(tables.stream_position("log", &label, Start::Latest).await.unwrap(), last);
    tables.put_item("log", item("k0", "after"), &opts).await.unwrap();
    let next = tables.read_stream("log", &label, last, 10).await.unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].seq > last);
    assert_eq!(next[0].event, EventName::Modify);

    // Records older than the retention are trimmed; newer ones stay.
    let deleted = tables.trim_streams(squall_types::now_ms() + RETENTION_MS + 1000).await.unwrap();
    assert_eq!(deleted, 51);
    assert!(tables.read_stream("log", &label, 0, 1000).await.unwrap().is_empty());
    assert_eq!(tables.stream_position("log", &label, Start::TrimHorizon).await.unwrap(), 0);
}

#[tokio::test]
async fn a_transaction_token_is_remembered_across_a_reopen() {
    use squall_tables::service::Placeholders;
    use squall_tables::transact::{TransactWrite, WriteAction};
    let dir = tempfile::tempdir().unwrap();
    let tables = open(dir.path()).await;
    let create = CreateTable {
        name: "counters".into(),
        key_schema: vec![("pk".into(), "HASH".into())],
        attributes: vec![KeyAttr { name: "pk".into(), kind: ScalarType::S }],
        billing_mode: Some("PAY_PER_REQUEST".into()),
        throughput: None,
        indexes: vec![],
        stream: None,
        tags: vec![],
    };
    tables.create_table(create, 0, "id".into()).await.unwrap();
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
    let now = squall_types::now_ms();
    tables.transact_write(add(), Some(("tok".into(), 7)), now).await.unwrap();
    drop(tables);

    let tables = open(dir.path()).await;
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
