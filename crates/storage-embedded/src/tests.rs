//! The embedded backend against the storage contracts.

use super::*;
use sha2::{Digest, Sha256};
use squall_storage::{ArtifactStore, DeploymentChange, Error, Expect, LogStore, MetaStore};
use squall_types::*;

fn record(name: &str, service: Option<&str>, revision: u64) -> FunctionRecord {
    FunctionRecord {
        config: FunctionConfig {
            name: FunctionName::new(name).unwrap(),
            service: service.map(|s| ServiceName::new(s).unwrap()),
            runtime: Runtime::Wasm,
            handler: "f.wasm".into(),
            memory_mb: 128,
            timeout_s: 3,
            environment: Default::default(),
            description: String::new(),
            role: default_role(),
            role_policy: None,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            event_sources: Vec::new(),
            async_invoke: Default::default(),
        },
        code_sha256: "0".repeat(64),
        code_size: 1,
        revision,
        last_modified_ms: 1,
    }
}

fn service(name: &str, functions: &[&str]) -> ServiceRecord {
    ServiceRecord {
        name: ServiceName::new(name).unwrap(),
        routes: functions
            .iter()
            .map(|f| RouteSpec {
                key: RouteKey::parse(&format!("GET /{f}")).unwrap(),
                function: f.to_string(),
                api: Default::default(),
            })
            .collect(),
        cors: None,
        functions: functions.iter().map(|f| FunctionName::new(*f).unwrap()).collect(),
        deployed_at_ms: 1,
        stage: None,
        api_keys: vec![],
        binary_media_types: vec![],
        outputs: Default::default(),
        gateway_responses: vec![],
        resource_policies: vec![],
    }
}

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
async fn deployments_apply_whole_and_services_remove_their_functions() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    s.meta.put_function(&record("loose", None, 1), Expect::Absent).await.unwrap();
    let change = DeploymentChange {
        service: service("svc", &["svc-a", "svc-b"]),
        upsert: vec![record("svc-a", Some("svc"), 1), record("svc-b", Some("svc"), 1)],
        delete: vec![],
    };
    s.meta.apply_deployment(&change).await.unwrap();
    let change = DeploymentChange {
        service: service("svc", &["svc-a"]),
        upsert: vec![record("svc-a", Some("svc"), 2)],
        delete: vec!["svc-b".into()],
    };
    s.meta.apply_deployment(&change).await.unwrap();
    let names: Vec<String> =
        s.meta.list_functions().await.unwrap().into_iter().map(|f| f.config.name.to_string()).collect();
    assert_eq!(names, ["loose", "svc-a"]);

    // Deleting a service's function also drops it from the service's routes.
    s.meta.delete_function("svc-a").await.unwrap();
    let svc = s.meta.get_service("svc").await.unwrap().unwrap();
    assert!(svc.routes.is_empty() && svc.functions.is_empty());

    s.meta.apply_deployment(&change).await.unwrap();
    assert!(s.meta.remove_service("svc").await.unwrap().is_some());
    assert!(s.meta.get_function("svc-a").await.unwrap().is_none());
    assert!(s.meta.get_function("loose").await.unwrap().is_some());
    assert!(s.meta.list_services().await.unwrap().is_empty());
}

#[tokio::test]
async fn settings_keep_the_first_value() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    assert_eq!(s.meta.init_setting("k", "one").await.unwrap(), "one");
    assert_eq!(s.meta.init_setting("k", "two").await.unwrap(), "one");
    assert_eq!(s.meta.get_setting("k").await.unwrap().as_deref(), Some("one"));
}

#[tokio::test]
async fn artifacts_are_verified_and_content_addressed() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    let bytes = b"\0asm component".to_vec();
    let sha = hex::encode(Sha256::digest(&bytes));
    let wrong = "f".repeat(64);
    assert!(matches!(s.artifacts.put(&wrong, bytes.clone()).await, Err(Error::DigestMismatch { .. })));
    assert!(!s.artifacts.contains(&wrong).await.unwrap());
    s.artifacts.put(&sha, bytes.clone()).await.unwrap();
    s.artifacts.put(&sha, bytes.clone()).await.unwrap();
    assert_eq!(s.artifacts.get(&sha).await.unwrap(), Some(bytes));
    assert!(s.artifacts.get("not-a-digest").await.is_err());
}

#[tokio::test]
async fn logs_read_by_position() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStores::open(dir.path()).unwrap();
    let line = |f: &str, m: &str| LogLine {
        seq: 0,
        function: f.into(),
        ts_ms: 5,
        request_id: "r".into(),
        trace_id: "t".into(),
        stream: LogStream::Stdout,
        message: m.into(),
    };
    s.logs.append(vec![line("a", "1"), line("b", "x"), line("a", "2"), line("a", "3")]).await.unwrap();
    let all = s.logs.read("a", 0, 10).await.unwrap();
    assert_eq!(all.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    let after = s.logs.read("a", all[0].seq, 1).await.unwrap();
    assert_eq!(after[0].message, "2");
    let tail = s.logs.tail("a", 2).await.unwrap();
    assert_eq!(tail.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["2", "3"]);
    s.logs.delete_function("a").await.unwrap();
    assert!(s.logs.read("a", 0, 10).await.unwrap().is_empty());
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

#[tokio::test]
async fn swaps_return_what_they_replaced_in_order() {
    use squall_storage::{ItemWrite, TableStore};
    let dir = tempfile::tempdir().unwrap();
    let store = crate::SqliteTableStore::open(&dir.path().join("t.db")).unwrap();
    let put =
        |v: &[u8]| vec![ItemWrite { table: "t".into(), pk: b"p".to_vec(), sk: b"k".to_vec(), item: Some(v.to_vec()) }];
    // Submitted back to back: each sees its predecessor, although neither was durable yet.
    let first = store.submit_swap(put(b"one"));
    let second = store.submit_swap(put(b"two"));
    assert_eq!(first.await.unwrap(), None);
    assert_eq!(second.await.unwrap(), Some(b"one".to_vec()));
    let delete = vec![ItemWrite { table: "t".into(), pk: b"p".to_vec(), sk: b"k".to_vec(), item: None }];
    assert_eq!(store.submit_swap(delete).await.unwrap(), Some(b"two".to_vec()));
    assert_eq!(store.get_item("t", b"p", b"k").await.unwrap(), None);
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
