//! `squall-bench sqs ENDPOINT QUEUE_URL OP CONNECTIONS SECONDS`: an SQS load generator.
//!
//! Speaks SQS's JSON 1.0 protocol (`POST /`, `X-Amz-Target: AmazonSQS.<Op>`) over
//! CONNECTIONS keep-alive HTTP/1.1 connections, signing every request with SigV4
//! (`squall-auth`; key from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, region us-east-1,
//! service `sqs`), against the existing standard queue QUEUE_URL, which every connection
//! shares. Each connection runs cycles back to back (closed loop) for SECONDS; OP is:
//!
//! - `single`: SendMessage of a ~100-byte body; ReceiveMessage (`MaxNumberOfMessages` 1,
//!   `WaitTimeSeconds` 0), sent again at once while it returns no message, at most
//!   [`MAX_RECEIVES`] times; DeleteMessage with the receipt handle. One message per cycle.
//! - `batch`: SendMessageBatch of 10 ~100-byte bodies; ReceiveMessage
//!   (`MaxNumberOfMessages` 10 first, then as many as are still missing, `WaitTimeSeconds`
//!   0) until 10 messages are in hand, at most [`MAX_RECEIVES`] times; DeleteMessageBatch of
//!   every message received. Ten messages per cycle.
//! - `send`: SendMessage of a ~100-byte body, nothing else (the queue grows for the whole
//!   run). One message, and one request, per cycle.
//!
//! A connection receives whichever messages the queue hands it, its own or another's; a
//! message counts once its delete succeeds. Prints `messages messages_per_sec p50_us p99_us
//! errors`, the latency being that of a whole cycle that succeeded (send, receives,
//! delete; for `send`, the one request); for `send`, `messages` counts acknowledged sends. Errors: any status but 200, a `Failed` entry in a batch answer, an answer
//! missing what it must hold, a cycle that ran out of receives; a failed step ends its
//! cycle, and the first error is printed to stderr, as is how many receives came back
//! empty. The generator runs on one thread.

use crate::aws::{Client, FirstError, Target, micros, mix, seed, summarize};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SERVICE: &str = "sqs";
/// Messages per batch (SQS's most).
const BATCH: usize = 10;
/// Most ReceiveMessage calls in one cycle before it counts as an error.
const MAX_RECEIVES: u32 = 100;
/// Filler making a message body ~100 bytes with its 29-byte prefix.
const DATA: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

pub(crate) const USAGE: &str = "sqs ENDPOINT QUEUE_URL single|batch|send CONNECTIONS SECONDS";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Single,
    Batch,
    Send,
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    /// Latencies of the cycles that succeeded.
    latencies_us: Vec<u32>,
    /// Messages deleted.
    messages: u64,
    errors: u64,
    /// ReceiveMessage answers with no message.
    empty_receives: u64,
    opened: u64,
}

pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    // One thread, as `wrk -t1` in the other benchmarks: the server keeps the other core.
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run_async(args))
}

async fn run_async(args: &[&str]) -> anyhow::Result<()> {
    let [endpoint, queue_url, op, connections, seconds] = args else { bail!("usage: squall-bench {USAGE}") };
    let op = match *op {
        "single" => Op::Single,
        "batch" => Op::Batch,
        "send" => Op::Send,
        other => bail!("unknown OP {other:?}; usage: squall-bench {USAGE}"),
    };
    let connections: u64 = connections.parse().context("CONNECTIONS must be a number")?;
    if connections == 0 {
        bail!("CONNECTIONS must be at least 1");
    }
    let seconds: f64 = seconds.parse().context("SECONDS must be a number")?;
    let target = Arc::new(Target::from_env(endpoint, SERVICE)?);
    let queue_url: Arc<str> = Arc::from(*queue_url);

    let seed = seed();
    let reported = Arc::new(FirstError::new("sqs"));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let mut conn = Conn {
            client: Client::new(target.clone()),
            queue_url: queue_url.clone(),
            tally: Tally::default(),
            reported: reported.clone(),
        };
        tasks.push(tokio::spawn(async move {
            let mut n = c;
            while Instant::now() < deadline {
                let started = Instant::now();
                let outcome = match op {
                    Op::Single => conn.single(seed, n).await,
                    Op::Batch => conn.batch(seed, n).await,
                    Op::Send => conn.send(seed, n).await,
                };
                match outcome {
                    Ok(()) => conn.tally.latencies_us.push(micros(started.elapsed())),
                    Err(e) => {
                        conn.tally.errors += 1;
                        conn.reported.report(&format!("{e:#}"));
                    }
                }
                n += connections;
            }
            conn.tally.opened = conn.client.opened;
            conn.tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await?;
        all.latencies_us.extend(t.latencies_us);
        all.messages += t.messages;
        all.errors += t.errors;
        all.empty_receives += t.empty_receives;
        all.opened += t.opened;
    }
    let elapsed = start.elapsed().as_secs_f64();
    if all.empty_receives > 0 {
        eprintln!("squall-bench sqs: {} receives came back empty (each was retried)", all.empty_receives);
    }
    summarize("sqs", all.messages as usize, elapsed, all.latencies_us, all.errors, all.opened, connections);
    Ok(())
}

/// The body of message `i` of cycle `n`: ~100 bytes, distinct within the run.
fn message_body(seed: u64, n: u64, i: usize) -> String {
    format!("m{:016x}-{n:08}-{i:02}{DATA}", mix(seed ^ n))
}

/// One connection and what it measured.
struct Conn {
    client: Client,
    queue_url: Arc<str>,
    tally: Tally,
    reported: Arc<FirstError>,
}

impl Conn {
    /// Sends one message, receives one and deletes it.
    async fn single(&mut self, seed: u64, n: u64) -> anyhow::Result<()> {
        self.send_message(seed, n).await?;
        let handles = self.receive(1).await?;
        if handles.is_empty() {
            bail!("ReceiveMessage: no message after {MAX_RECEIVES} receives");
        }
        self.call("DeleteMessage", json!({ "QueueUrl": &*self.queue_url, "ReceiptHandle": handles[0] })).await?;
        self.tally.messages += 1;
        Ok(())
    }

    /// Sends one message and counts it.
    async fn send(&mut self, seed: u64, n: u64) -> anyhow::Result<()> {
        self.send_message(seed, n).await?;
        self.tally.messages += 1;
        Ok(())
    }

    /// SendMessage of message 0 of cycle `n`.
    async fn send_message(&mut self, seed: u64, n: u64) -> anyhow::Result<()> {
        let sent = self
            .call("SendMessage", json!({ "QueueUrl": &*self.queue_url, "MessageBody": message_body(seed, n, 0) }))
            .await?;
        if sent.get("MessageId").and_then(Value::as_str).is_none() {
            bail!("SendMessage: no MessageId in the answer: {sent}");
        }
        Ok(())
    }

    /// Sends ten messages in one batch, receives ten and deletes them in one batch.
    async fn batch(&mut self, seed: u64, n: u64) -> anyhow::Result<()> {
        let entries: Vec<Value> =
            (0..BATCH).map(|i| json!({ "Id": i.to_string(), "MessageBody": message_body(seed, n, i) })).collect();
        let sent = self.call("SendMessageBatch", json!({ "QueueUrl": &*self.queue_url, "Entries": entries })).await?;
        batch_succeeded("SendMessageBatch", &sent, BATCH)?;
        // Whatever was received is deleted, even when the cycle fell short.
        let handles = self.receive(BATCH).await?;
        if !handles.is_empty() {
            let entries: Vec<Value> =
                handles.iter().enumerate().map(|(i, h)| json!({ "Id": i.to_string(), "ReceiptHandle": h })).collect();
            let deleted =
                self.call("DeleteMessageBatch", json!({ "QueueUrl": &*self.queue_url, "Entries": entries })).await?;
            let ok = deleted.get("Successful").and_then(Value::as_array).map_or(0, Vec::len);
            self.tally.messages += ok as u64;
            batch_succeeded("DeleteMessageBatch", &deleted, handles.len())?;
        }
        if handles.len() < BATCH {
            bail!("ReceiveMessage: only {} of {BATCH} messages after {MAX_RECEIVES} receives", handles.len());
        }
        Ok(())
    }

    /// Receives until `want` messages are in hand, at most [`MAX_RECEIVES`] times; their
    /// receipt handles (fewer than `want` when the receives ran out).
    async fn receive(&mut self, want: usize) -> anyhow::Result<Vec<String>> {
        let mut handles = Vec::with_capacity(want);
        for _ in 0..MAX_RECEIVES {
            let asked = want - handles.len();
            let got = self
                .call(
                    "ReceiveMessage",
                    json!({ "QueueUrl": &*self.queue_url, "MaxNumberOfMessages": asked, "WaitTimeSeconds": 0 }),
                )
                .await?;
            let messages = got.get("Messages").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if messages.is_empty() {
                self.tally.empty_receives += 1;
                continue;
            }
            if messages.len() > asked {
                bail!("ReceiveMessage: {} messages for MaxNumberOfMessages {asked}", messages.len());
            }
            for m in messages {
                let handle = m.get("ReceiptHandle").and_then(Value::as_str);
                handles.push(handle.context("ReceiveMessage: a message without a ReceiptHandle")?.to_string());
            }
            if handles.len() == want {
                break;
            }
        }
        Ok(handles)
    }

    /// Sends one request; its answer's JSON document when the status is 200.
    async fn call(&mut self, name: &str, body: Value) -> anyhow::Result<Value> {
        let (status, body) =
            self.client.call(&format!("AmazonSQS.{name}"), body.to_string()).await.with_context(|| name.to_string())?;
        if status != http::StatusCode::OK {
            bail!("{name}: status {status}: {}", String::from_utf8_lossy(&body));
        }
        serde_json::from_slice(&body)
            .with_context(|| format!("{name}: the answer is not JSON: {}", String::from_utf8_lossy(&body)))
    }
}

/// Whether a batch answer reports `expected` successful entries and no failed one.
fn batch_succeeded(name: &str, answer: &Value, expected: usize) -> anyhow::Result<()> {
    let failed = answer.get("Failed").and_then(Value::as_array).map_or(0, Vec::len);
    let ok = answer.get("Successful").and_then(Value::as_array).map_or(0, Vec::len);
    if failed > 0 || ok != expected {
        bail!("{name}: {ok} of {expected} entries succeeded, {failed} failed: {answer}");
    }
    Ok(())
}
