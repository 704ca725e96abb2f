//! The PostgreSQL backend against the storage contracts, on a throwaway server.

use crate::PgStores;
use squall_storage_conformance::TempPostgres;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_store_keeps_the_contract() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    squall_storage_conformance::messages::all(Arc::new(stores.messages())).await;
}

#[tokio::test]
async fn the_other_stores_keep_their_contracts() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    squall_storage_conformance::meta::all(&stores.meta()).await;
    squall_storage_conformance::logs::all(&stores.logs()).await;
    squall_storage_conformance::invocations::all(&stores.invocations("a")).await;
    squall_storage_conformance::artifacts::all(&stores.artifacts()).await;
    squall_storage_conformance::coordination::all(&stores.coordination()).await;
}

#[tokio::test]
async fn the_invocations_of_a_server_that_is_gone_are_released() {
    use squall_storage::{Coordination, InvocationQueue, QueuedInvocation, SERVER_LEASES};
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    let (a, b, c) = (stores.invocations("a"), stores.invocations("b"), stores.coordination());
    let inv = |id: &str| QueuedInvocation {
        id: id.into(),
        function: "f".into(),
        payload: Vec::new(),
        traceparent: String::new(),
        attempts: 0,
        enqueued_ms: 0,
        due_ms: 0,
        lineage: String::new(),
    };
    a.enqueue(&inv("one")).await.unwrap();
    assert!(c.lease(&format!("{SERVER_LEASES}a"), "a", 60_000).await.unwrap());
    assert_eq!(a.lease(1, 1_000_000, 10).await.unwrap().len(), 1);
    // Its server is alive: the lease stands.
    assert_eq!(b.release_orphans().await.unwrap(), 0);
    assert!(b.lease(2, 1_000_000, 10).await.unwrap().is_empty());
    // Its server is gone: due again, for another.
    c.release(&format!("{SERVER_LEASES}a"), "a").await.unwrap();
    assert_eq!(b.release_orphans().await.unwrap(), 1);
    assert_eq!(b.lease(3, 1_000_000, 10).await.unwrap()[0].id, "one");
    // A server starting again on its own id releases what it held.
    assert_eq!(stores.release_invocation_leases("b").await.unwrap(), 1);
    assert_eq!(a.lease(4, 1_000_000, 10).await.unwrap()[0].id, "one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_store_keeps_the_contract_in_each_namespace() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    let (tables, topics) = (stores.tables("tables"), stores.tables("topics"));
    use squall_storage::TableStore;
    topics.create_table("a", "{}").await.unwrap();
    squall_storage_conformance::tables::all(&tables).await;
    assert_eq!(topics.list_tables().await.unwrap().len(), 1, "namespaces are apart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_connecting_together_migrate_once() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let url = pg.database("together").expect("a database");
    let connects = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { PgStores::connect(&url).await.map(|_| ()) })
    });
    for c in futures_join(connects).await {
        c.expect("every node connects");
    }
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("a task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_fails_calls_meanwhile_and_loses_nothing_acknowledged() {
    use squall_storage::{Error, MessageStore, NewStoredMessage, ReceiveRequest};
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    let store = stores.messages();
    let msg = |id: &str| NewStoredMessage {
        id: id.into(),
        group: None,
        dedup: None,
        sent_ms: 1,
        visible_ms: 1,
        content: id.as_bytes().to_vec(),
    };
    store.create_queue("q", "{}").await.unwrap();
    store.send("q", 1, vec![msg("before")]).await.unwrap();

    pg.stop().expect("PostgreSQL stops");
    let failed = store.send("q", 1, vec![msg("while down")]).await;
    assert!(matches!(failed, Err(Error::Backend(_))), "a clear error, not a hang or a panic: {failed:?}");

    pg.start_again().expect("PostgreSQL starts again");
    let mut sent = Err(Error::Backend("not tried".into()));
    for _ in 0..100 {
        sent = store.send("q", 1, vec![msg("after")]).await;
        if sent.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sent.expect("the pool reconnects once PostgreSQL is back");
    let req = ReceiveRequest { now_ms: 2, max: 10, visible_until_ms: 1_000, fifo: false, dead_letter: None };
    let got = store.receive("q", req).await.unwrap().messages;
    let mut ids: Vec<String> = got.into_iter().map(|m| m.id).collect();
    ids.sort();
    assert_eq!(ids, ["after", "before"], "the acknowledged send survived, the failed one left nothing");
}

#[test]
fn urls_asking_for_tls_are_refused_by_name() {
    assert!(crate::refuse_tls("postgres://u@h/db").is_ok());
    assert!(crate::refuse_tls("postgres://u@h/db?sslmode=disable&application_name=x").is_ok());
    let err = crate::refuse_tls("postgres://u@h/db?application_name=x&sslmode=require").unwrap_err();
    assert!(err.to_string().contains("sslmode=require"), "{err}");
}

#[test]
fn urls_are_shown_without_their_password() {
    assert_eq!(crate::redacted("postgres://u:secret@h:5432/db"), "postgres://u@h:5432/db");
    assert_eq!(crate::redacted("postgres://h/db"), "postgres://h/db");
}
