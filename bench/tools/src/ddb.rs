//! `squall-bench ddb ENDPOINT OP CONNECTIONS [SECONDS [RATE]]`: a DynamoDB load generator.
//!
//! Speaks DynamoDB's JSON 1.0 protocol (`POST /`, `X-Amz-Target: DynamoDB_20120810.<Op>`)
//! over CONNECTIONS keep-alive HTTP/1.1 connections, signing every request with SigV4
//! (`squall-auth`; key from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, region us-east-1,
//! service `dynamodb`) against table `bench` (hash key `pk` S, range key `sk` N). OP is:
//!
//! - `load`: writes the fixed data set `get` and `query` read ([`GET_KEYS`] single items and
//!   [`QUERY_PARTITIONS`] partitions of [`QUERY_ITEMS`] items), then stops; SECONDS unused;
//! - `put`: PutItem of ~100-byte items under fresh random-ish keys;
//! - `get`: GetItem of random keys among the loaded ones (a missing item is an error);
//! - `query`: Query of one random loaded partition, `Limit` 10 (fewer than 10 items is an
//!   error).
//!
//! Without RATE each connection sends its next request as soon as the previous answer is
//! read (closed loop) for SECONDS; with RATE, requests are due at RATE per second in total,
//! spread evenly over the connections (open loop), and a request's latency counts from when
//! it was due if its connection was still busy then (so a slow server cannot hide its
//! backlog), from when it was sent otherwise. Prints `ops ops_per_sec p50_us p99_us errors`,
//! `ops` counting successful requests only; any status but 200 is an error, and the first
//! error is printed to stderr. The generator runs on one thread.

use crate::aws::{Client, FirstError, Target, micros, mix, seed, summarize};
use anyhow::{Context, bail};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The table every operation uses.
const TABLE: &str = "bench";
/// Items `get` reads: `pk` = `g000000`…, `sk` = 0.
const GET_KEYS: u64 = 1000;
/// Partitions `query` reads: `pk` = `q0000`…, `sk` = 0..QUERY_ITEMS.
const QUERY_PARTITIONS: u64 = 100;
/// Items per `query` partition, and the Query's `Limit`.
const QUERY_ITEMS: u64 = 10;
const SERVICE: &str = "dynamodb";
/// Filler making an item ~100 bytes (names and values of pk, sk and data).
const DATA: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab";

pub(crate) const USAGE: &str = "ddb ENDPOINT load|put|get|query CONNECTIONS [SECONDS [RATE]]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Load,
    Put,
    Get,
    Query,
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
}

pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    // One thread, as `wrk -t1` in the other benchmarks: the server keeps the other core.
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run_async(args))
}

async fn run_async(args: &[&str]) -> anyhow::Result<()> {
    let [endpoint, op, connections, rest @ ..] = args else { bail!("usage: squall-bench {USAGE}") };
    let op = match *op {
        "load" => Op::Load,
        "put" => Op::Put,
        "get" => Op::Get,
        "query" => Op::Query,
        other => bail!("unknown OP {other:?}; usage: squall-bench {USAGE}"),
    };
    let connections: u64 = connections.parse().context("CONNECTIONS must be a number")?;
    if connections == 0 {
        bail!("CONNECTIONS must be at least 1");
    }
    let seconds: f64 = match rest.first() {
        Some(s) => s.parse().context("SECONDS must be a number")?,
        None if op == Op::Load => 0.0,
        None => bail!("usage: squall-bench {USAGE}"),
    };
    let rate: Option<f64> = rest.get(1).map(|r| r.parse().context("RATE must be a number")).transpose()?;
    if rest.len() > 2 || rate.is_some_and(|r| r <= 0.0) {
        bail!("usage: squall-bench {USAGE}");
    }
    let target = Arc::new(Target::from_env(endpoint, SERVICE)?);

    let seed = seed();
    let reported = Arc::new(FirstError::new("ddb"));
    let next_load = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (target, reported, next_load) = (target.clone(), reported.clone(), next_load.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn { client: Client::new(target), tally: Tally::default(), reported };
            match (op, rate) {
                (Op::Load, _) => conn.load(&next_load).await,
                (_, None) => {
                    let mut n = c;
                    while Instant::now() < deadline {
                        let (name, body) = request(op, seed, n);
                        conn.timed(op, name, body, None).await;
                        n += connections;
                    }
                }
                (_, Some(rate)) => {
                    // Request n (counting over all connections) is due at n / rate seconds.
                    let mut n = c;
                    loop {
                        let due = start + Duration::from_secs_f64(n as f64 / rate);
                        if due >= deadline {
                            break;
                        }
                        let behind = Instant::now() >= due;
                        if !behind {
                            tokio::time::sleep_until(due.into()).await;
                        }
                        let (name, body) = request(op, seed, n);
                        conn.timed(op, name, body, behind.then_some(due)).await;
                        n += connections;
                    }
                }
            }
            (conn.tally, conn.client.opened)
        }));
    }
    let (mut all, mut opened) = (Tally::default(), 0);
    for t in tasks {
        let (t, o) = t.await?;
        all.latencies_us.extend(t.latencies_us);
        all.errors += t.errors;
        opened += o;
    }
    let elapsed = start.elapsed().as_secs_f64();
    summarize("ddb", all.latencies_us.len(), elapsed, all.latencies_us, all.errors, opened, connections);
    Ok(())
}

/// The operation name and JSON body of request number `n` of `op`.
fn request(op: Op, seed: u64, n: u64) -> (&'static str, String) {
    let r = mix(seed ^ n);
    match op {
        Op::Put => ("PutItem", put_body(&format!("p{r:016x}"), 0)),
        Op::Get => (
            "GetItem",
            format!(r#"{{"TableName":"{TABLE}","Key":{{"pk":{{"S":"g{:06}"}},"sk":{{"N":"0"}}}}}}"#, r % GET_KEYS),
        ),
        Op::Query => (
            "Query",
            format!(
                r#"{{"TableName":"{TABLE}","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"q{:04}"}}}},"Limit":{QUERY_ITEMS}}}"#,
                r % QUERY_PARTITIONS
            ),
        ),
        Op::Load => unreachable!("load has its own loop"),
    }
}

fn put_body(pk: &str, sk: u64) -> String {
    format!(r#"{{"TableName":"{TABLE}","Item":{{"pk":{{"S":"{pk}"}},"sk":{{"N":"{sk}"}},"data":{{"S":"{DATA}"}}}}}}"#)
}

/// One connection and what it measured.
struct Conn {
    client: Client,
    tally: Tally,
    reported: Arc<FirstError>,
}

impl Conn {
    /// Writes the data set `get` and `query` read, sharing the items out between connections.
    async fn load(&mut self, next: &AtomicUsize) {
        let total = (GET_KEYS + QUERY_PARTITIONS * QUERY_ITEMS) as usize;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed) as u64;
            if i as usize >= total {
                return;
            }
            let body = if i < GET_KEYS {
                put_body(&format!("g{i:06}"), 0)
            } else {
                let j = i - GET_KEYS;
                put_body(&format!("q{:04}", j / QUERY_ITEMS), j % QUERY_ITEMS)
            };
            self.timed(Op::Put, "PutItem", body, None).await;
        }
    }

    /// Sends one request and records its latency (from `due` when given, else from the
    /// send) or its error.
    async fn timed(&mut self, op: Op, name: &str, body: String, due: Option<Instant>) {
        let started = due.unwrap_or_else(Instant::now);
        let outcome = self.client.call(&format!("DynamoDB_20120810.{name}"), body).await;
        let latency = started.elapsed();
        let failure = match outcome {
            Ok((status, body)) if status != http::StatusCode::OK => {
                Some(format!("{name}: status {status}: {}", String::from_utf8_lossy(&body)))
            }
            Ok((_, body)) => check(op, &body).err().map(|e| format!("{name}: {e}: {}", String::from_utf8_lossy(&body))),
            Err(e) => Some(format!("{name}: {e:#}")),
        };
        match failure {
            None => self.tally.latencies_us.push(micros(latency)),
            Some(msg) => {
                self.tally.errors += 1;
                self.reported.report(&msg);
            }
        }
    }
}

/// Whether a 200 answer holds what was asked for.
fn check(op: Op, body: &[u8]) -> anyhow::Result<()> {
    match op {
        Op::Get if !body.windows(6).any(|w| w == b"\"Item\"") => bail!("no item in the answer"),
        Op::Query => {
            let doc: serde_json::Value = serde_json::from_slice(body).context("the answer is not JSON")?;
            let count = doc.get("Count").and_then(serde_json::Value::as_u64);
            if count != Some(QUERY_ITEMS) {
                bail!("expected Count {QUERY_ITEMS}, got {count:?}");
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
