//! The service over the embedded stores on a manual clock.

use crate::Result;
use crate::message::Publish;
use crate::service::{Subscribe, Topics};
use squall_clock::Clock;
use squall_functions::{Functions, LogPipe, Stores};
use squall_queues::Queues;
use squall_runtime::{CodeSource, FunctionRuntime, Invocation, Outcome};
use squall_storage_embedded::EmbeddedStores;
use squall_types::{FunctionRecord, TraceContext};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const START_MS: u64 = 1_700_000_000_000;

/// No function is deployed in these tests.
struct NoRuntime;

#[async_trait::async_trait]
impl FunctionRuntime for NoRuntime {
    async fn prepare(
        &self,
        _: &FunctionRecord,
        _: &[u8],
        _: &dyn squall_runtime::CodeSource,
    ) -> squall_runtime::Result<()> {
        Ok(())
    }
    async fn invoke(&self, _: &FunctionRecord, _: Invocation, _: &dyn CodeSource) -> squall_runtime::Result<Outcome> {
        Err(squall_runtime::Error::Internal("not used".into()))
    }
    fn evict(&self, _: &str) {}
}

async fn open(dir: &std::path::Path, clock: &Clock) -> (Arc<Topics>, Arc<Queues>) {
    let stores = EmbeddedStores::open(dir).expect("the stores open");
    let queues = Arc::new(
        Queues::open(stores.messages.clone(), None, "us-east-1", clock.clone(), squall_lifecycle::Cluster::single())
            .await
            .expect("queues"),
    );
    let functions = Functions::open(
        Stores {
            meta: stores.meta,
            artifacts: stores.artifacts,
            logs: stores.logs.clone(),
            queue: stores.queue,
            layers: stores.layers,
        },
        LogPipe::start(stores.logs),
        Arc::new(NoRuntime),
        clock.clone(),
        squall_lifecycle::Cluster::single(),
    )
    .await
    .expect("functions");
    let topics = Topics::open(
        stores.topics,
        "us-east-1",
        "http://127.0.0.1:1",
        queues.clone(),
        Arc::new(functions),
        clock.clone(),
        squall_lifecycle::Cluster::single(),
    )
    .await
    .expect("topics");
    (topics, queues)
}

fn advance(clock: &Clock, ms: u64) {
    clock.advance(Duration::from_millis(ms)).expect("a manual clock moves");
}

#[tokio::test]
async fn a_deduplication_id_is_delivered_again_after_five_minutes() -> Result<()> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let (topics, queues) = open(dir.path(), &clock).await;
    let fifo = |k: &str| BTreeMap::from([(k.to_string(), "true".to_string())]);
    queues.create_queue("q.fifo", &fifo("FifoQueue"), BTreeMap::new()).await.expect("a queue");
    let topic = topics.create_topic("t.fifo", fifo("FifoTopic"), BTreeMap::new()).await?;
    let endpoint = "arn:aws:sqs:us-east-1:000000000000:q.fifo".to_string();
    topics.subscribe(&topic, Subscribe { protocol: "sqs".into(), endpoint, attributes: BTreeMap::new() }).await?;
    let publish = || Publish {
        message: "once".into(),
        group_id: Some("g".into()),
        dedup_id: Some("d1".into()),
        ..Default::default()
    };
    let queued = || async {
        let a = queues.get_attributes("q.fifo", &["ApproximateNumberOfMessages".to_string()]).await.expect("the queue");
        a["ApproximateNumberOfMessages"].clone()
    };
    let trace = TraceContext::new_root();

    let first = topics.publish(&topic, publish(), &trace).await?;
    advance(&clock, 5 * 60 * 1000 - 1);
    let again = topics.publish(&topic, publish(), &trace).await?;
    assert_eq!((&again.id, &again.sequence_number), (&first.id, &first.sequence_number), "a duplicate");
    assert_eq!(queued().await, "1");

    advance(&clock, 1);
    let later = topics.publish(&topic, publish(), &trace).await?;
    assert_ne!(later.id, first.id);
    assert_eq!(queued().await, "2", "the FIFO queue, on the same clock, takes it again too");
    Ok(())
}

/// An HTTP endpoint on loopback that records every body POSTed to it and answers 500 while
/// `down` is set, 200 otherwise.
async fn endpoint(
    down: Arc<std::sync::atomic::AtomicBool>,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}/hook", listener.local_addr().expect("an address"));
    let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let task = tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let (seen, down) = (seen.clone(), down.clone());
            tokio::spawn(async move {
                let mut conn = BufReader::new(conn);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if conn.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let failing = down.load(std::sync::atomic::Ordering::SeqCst);
                    if !failing {
                        seen.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                    }
                    let status = if failing { "500 Internal Server Error" } else { "200 OK" };
                    let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                    if conn.get_mut().write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, bodies, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_is_down_costs_the_outbox_disk_not_memory() -> Result<()> {
    const N: usize = 2_500;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Clock::manual(START_MS);
    let (topics, _queues) = open(dir.path(), &clock).await;
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (url, bodies, _server) = endpoint(down.clone()).await;
    let topic = topics.create_topic("t", BTreeMap::new(), BTreeMap::new()).await?;
    topics.subscribe(&topic, Subscribe { protocol: "http".into(), endpoint: url, attributes: BTreeMap::new() }).await?;
    let _worker = topics.start_deliveries();
    let token = async {
        for _ in 0..500 {
            let found = bodies.lock().unwrap().iter().find_map(|b| {
                let v: serde_json::Value = serde_json::from_str(b).ok()?;
                v["Token"].as_str().map(str::to_string)
            });
            if let Some(t) = found {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no subscription confirmation arrived");
    }
    .await;
    topics.confirm(&topic, &token).await?;
    bodies.lock().unwrap().clear();

    down.store(true, std::sync::atomic::Ordering::SeqCst);
    let trace = TraceContext::new_root();
    for i in 0..N {
        topics.publish(&topic, Publish { message: format!("m{i}"), ..Default::default() }, &trace).await?;
        assert!(topics.deliver.held() <= crate::deliver::WINDOW, "the window holds at most its bound");
    }
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    // Failed attempts wait 20 s on the clock; moving it on sends them again.
    let delivered = || -> std::collections::HashSet<String> {
        bodies
            .lock()
            .unwrap()
            .iter()
            .filter_map(|b| serde_json::from_str::<serde_json::Value>(b).ok()?["Message"].as_str().map(str::to_string))
            .collect()
    };
    for _ in 0..3000 {
        if delivered().len() >= N {
            break;
        }
        advance(&clock, 20_000);
        topics.deliver.wake();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(delivered().len(), N, "every message reached the endpoint once it was up");
    // A while more, for a late second send to show.
    for _ in 0..10 {
        advance(&clock, 20_000);
        topics.deliver.wake();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // No crash, no timeout: each was sent once (a delivery finishing while the window
    // read the store in used to be read in and sent again).
    assert_eq!(bodies.lock().unwrap().len(), N, "no message was sent twice");
    Ok(())
}
