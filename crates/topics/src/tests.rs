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
    async fn prepare(&self, _: &FunctionRecord, _: &[u8]) -> squall_runtime::Result<()> {
        Ok(())
    }
    async fn invoke(&self, _: &FunctionRecord, _: Invocation, _: &dyn CodeSource) -> squall_runtime::Result<Outcome> {
        Err(squall_runtime::Error::Internal("not used".into()))
    }
    fn evict(&self, _: &str) {}
}

async fn open(dir: &std::path::Path, clock: &Clock) -> (Arc<Topics>, Arc<Queues>) {
    let stores = EmbeddedStores::open(dir).expect("the stores open");
    let queues =
        Arc::new(Queues::open(stores.messages.clone(), None, "us-east-1", clock.clone()).await.expect("queues"));
    let functions = Functions::open(
        Stores { meta: stores.meta, artifacts: stores.artifacts, logs: stores.logs.clone(), queue: stores.queue },
        LogPipe::start(stores.logs),
        Arc::new(NoRuntime),
        clock.clone(),
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
