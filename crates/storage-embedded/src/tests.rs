//! The embedded backend against the storage contracts.

use super::*;
use squall_storage::{Error, Expect, MetaStore};

use squall_storage_conformance::meta::record;

#[tokio::test]
async fn function_writes_are_conditional_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = EmbeddedStores::open(dir.path()).unwrap();
        s.meta.put_function(&record("a", None, 1), Expect::Absent).await.unwrap();
        let again = s.meta.put_function(&record("a", None, 1), Expect::Absent).await;
        assert!(matches!(again, Err(Error::Conflict(_))));
        let stale = s.meta.put_function(&record("a", None, 2), Expect::Revision(7)).await;
        assert!(matches!(stale, Err(Error::Conflict(_))));
        s.meta.put_function(&record("a", None, 2), Expect::Revision(1)).await.unwrap();
    }
    let s = EmbeddedStores::open(dir.path()).unwrap();
    assert_eq!(s.meta.get_function("a").await.unwrap().unwrap().revision, 2);
    assert_eq!(s.meta.list_functions().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_meta_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    squall_storage_conformance::meta::all(s.meta.as_ref()).await;
}

#[tokio::test]
async fn the_artifact_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    squall_storage_conformance::artifacts::all(s.artifacts.as_ref()).await;
}

#[tokio::test]
async fn the_log_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    squall_storage_conformance::logs::all(s.logs.as_ref()).await;
}

#[tokio::test]
async fn the_invocation_queue_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    squall_storage_conformance::invocations::all(s.queue.as_ref()).await;
}

#[tokio::test]
async fn queued_invocations_are_leased_once_retried_and_survive_reopen() {
    use squall_storage::{InvocationQueue, QueuedInvocation};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    let inv = |id: &str, due_ms| QueuedInvocation {
        id: id.into(),
        function: "svc-f".into(),
        payload: b"{}".to_vec(),
        traceparent: String::new(),
        attempts: 0,
        enqueued_ms: 1,
        due_ms,
        lineage: String::new(),
    };
    {
        let q = crate::SqliteInvocationQueue::open(&path).unwrap();
        q.enqueue(&inv("a", 10)).await.unwrap();
        q.enqueue(&inv("b", 20)).await.unwrap();
        assert_eq!(q.next_due_ms().await.unwrap(), Some(10));
        let got = q.lease(15, 1000, 10).await.unwrap();
        assert_eq!(got.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a"]);
        // Leased: not handed out again until the lease ends.
        let got = q.lease(25, 1000, 10).await.unwrap();
        assert_eq!(got.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(q.lease(999, 1000, 10).await.unwrap().is_empty());
        q.retry_at("b", 1, 500).await.unwrap();
        let again = q.lease(600, 2000, 10).await.unwrap();
        assert_eq!((again[0].id.as_str(), again[0].attempts), ("b", 1));
        q.complete("b").await.unwrap();
        // "a" is still leased by this process when it goes away.
    }
    let q = crate::SqliteInvocationQueue::open(&path).unwrap();
    let got = q.lease(20, 3000, 10).await.unwrap();
    assert_eq!(got.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a"], "a lease dies with its server");
    assert_eq!(got[0].payload, b"{}");
    q.complete("a").await.unwrap();
    assert_eq!(q.next_due_ms().await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::SqliteTableStore::open(&dir.path().join("t.db")).unwrap();
    squall_storage_conformance::tables::all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteMessageStore::open(&dir.path().join("queues.db")).unwrap());
    squall_storage_conformance::messages::all(store).await;
}

#[tokio::test]
async fn queued_and_received_messages_survive_reopening_the_message_store() {
    use squall_storage::{MessageStore, NewStoredMessage, ReceiveRequest};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queues.db");
    let new = |body: &str| NewStoredMessage {
        id: body.into(),
        group: None,
        dedup: None,
        sent_ms: 1,
        visible_ms: 1,
        content: body.as_bytes().to_vec(),
    };
    let req =
        |now| ReceiveRequest { now_ms: now, max: 10, visible_until_ms: now + 1_000, fifo: false, dead_letter: None };
    {
        let store = SqliteMessageStore::open(&path).unwrap();
        store.create_queue("q", "{}").await.unwrap();
        store.send("q", 1, vec![new("a"), new("b")]).await.unwrap();
        assert_eq!(store.receive("q", ReceiveRequest { max: 1, ..req(1) }).await.unwrap().messages.len(), 1);
    }
    let store = SqliteMessageStore::open(&path).unwrap();
    let got = store.receive("q", req(2)).await.unwrap().messages;
    assert_eq!(got.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["b"], "a is still in flight");
    let later = store.receive("q", req(1_001)).await.unwrap().messages;
    assert_eq!((later[0].id.as_str(), later[0].receives), ("a", 2));
}

#[tokio::test]
async fn a_1_kb_message_costs_at_most_one_and_a_half_times_its_size_on_disk() {
    use squall_storage::{MessageStore, NewStoredMessage};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queues.db");
    let store = SqliteMessageStore::open(&path).unwrap();
    store.create_queue("q", "{}").await.unwrap();
    let n = 4000usize;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let msgs = chunk
            .iter()
            .map(|i| NewStoredMessage {
                id: format!("{i:036}"),
                group: None,
                dedup: None,
                sent_ms: 1_700_000_000_000,
                visible_ms: 1_700_000_000_000,
                content: vec![b'm'; 1024],
            })
            .collect();
        store.send("q", 1_700_000_000_000, msgs).await.unwrap();
    }
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    let ratio = bytes as f64 / (n * 1024) as f64;
    assert!(ratio <= 1.5, "{bytes} bytes on disk for {n} messages of 1 KiB: {ratio:.2}x");
}
