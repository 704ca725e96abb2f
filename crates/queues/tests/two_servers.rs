//! Two servers' queues services on one PostgreSQL, in one process: what one server does
//! the other sees, and a message goes to one receiver.

use squall_clock::Clock;
use squall_lifecycle::{Cluster, Service};
use squall_queues::Queues;
use squall_queues::message::NewMessage;
use squall_queues::service::ReceiveOptions;
use squall_storage_conformance::TempPostgres;
use squall_storage_postgres::PgStores;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn server(stores: &PgStores, node: &str) -> Arc<Queues> {
    let cluster = Cluster { coordination: Arc::new(stores.coordination()), node: node.into(), shared: true };
    let q = Queues::open(Arc::new(stores.messages()), None, "us-east-1", Clock::system(), cluster).await.unwrap();
    Arc::new(q)
}

async fn within(limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_share_their_queues() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.unwrap();
    let (a, b) = (server(&stores, "a").await, server(&stores, "b").await);
    let (wa, wb) = (a.clone().start(), b.clone().start());

    // A queue created through one server is known to the other within a second.
    a.create_queue("jobs", &BTreeMap::new(), BTreeMap::new()).await.unwrap();
    within(Duration::from_secs(1), || b.check_queue("jobs").is_ok()).await;
    let changed = BTreeMap::from([("VisibilityTimeout".to_string(), "60".to_string())]);
    a.set_attributes("jobs", &changed).await.unwrap();
    let seen = || async { b.get_attributes("jobs", &["VisibilityTimeout".to_string()]).await.unwrap() };
    let deadline = Instant::now() + Duration::from_secs(1);
    while seen().await["VisibilityTimeout"] != "60" {
        assert!(Instant::now() < deadline, "the change did not reach the other server");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A long poll on one server returns soon after a send through the other.
    let poll = {
        let b = b.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let got = b.receive("jobs", ReceiveOptions { max: Some(1), wait_s: Some(10), ..Default::default() }).await;
            (got.unwrap(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.send("jobs", NewMessage { body: "hello".into(), ..Default::default() }).await.unwrap();
    let (got, waited) = poll.await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "hello");
    assert!(waited < Duration::from_secs(2), "the long poll saw the other server's send ({waited:?})");
    b.delete_message("jobs", &got[0].receipt_handle).await.unwrap();

    // Receivers on both servers share the messages: each goes to one of them.
    const N: usize = 300;
    for chunk in (0..N).collect::<Vec<_>>().chunks(10) {
        let batch = chunk.iter().map(|i| NewMessage { body: i.to_string(), ..Default::default() }).collect();
        for r in a.send_batch("jobs", batch).await.unwrap() {
            r.unwrap();
        }
    }
    let receivers = [a.clone(), b.clone(), a.clone(), b.clone()].map(|q| {
        tokio::spawn(async move {
            let mut bodies = Vec::new();
            loop {
                let got = q.receive("jobs", ReceiveOptions { max: Some(10), wait_s: Some(0), ..Default::default() });
                let got = got.await.unwrap();
                if got.is_empty() {
                    return bodies;
                }
                for m in got {
                    q.delete_message("jobs", &m.receipt_handle).await.unwrap();
                    bodies.push(m.body);
                }
            }
        })
    });
    let mut seen = HashSet::new();
    for r in receivers {
        for body in r.await.unwrap() {
            assert!(seen.insert(body.clone()), "message {body} was received twice");
        }
    }
    assert_eq!(seen.len(), N);

    // A queue deleted through one server goes from the other, its long polls returning.
    let poll = {
        let a = a.clone();
        tokio::spawn(async move { a.receive("jobs", ReceiveOptions { wait_s: Some(10), ..Default::default() }).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    b.delete_queue("jobs").await.unwrap();
    within(Duration::from_secs(1), || a.check_queue("jobs").is_err()).await;
    assert!(tokio::time::timeout(Duration::from_secs(2), poll).await.is_ok(), "the long poll returned");
    wa.stop().await;
    wb.stop().await;
}
