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

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use squall_auth::{PathEncoding, SignableRequest, format_amz_date, sign};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;

/// The table every operation uses.
const TABLE: &str = "bench";
/// Items `get` reads: `pk` = `g000000`…, `sk` = 0.
const GET_KEYS: u64 = 1000;
/// Partitions `query` reads: `pk` = `q0000`…, `sk` = 0..QUERY_ITEMS.
const QUERY_PARTITIONS: u64 = 100;
/// Items per `query` partition, and the Query's `Limit`.
const QUERY_ITEMS: u64 = 10;
const REGION: &str = "us-east-1";
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

/// Where requests go and the key that signs them.
struct Target {
    authority: String,
    key_id: String,
    secret: String,
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    opened: u64,
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
    let uri: http::Uri = endpoint.parse().context("ENDPOINT must be a URL")?;
    if uri.scheme_str() != Some("http") {
        bail!("ENDPOINT must be an http:// URL");
    }
    let target = Arc::new(Target {
        authority: uri.authority().context("ENDPOINT needs a host")?.to_string(),
        key_id: std::env::var("AWS_ACCESS_KEY_ID").context("AWS_ACCESS_KEY_ID is not set")?,
        secret: std::env::var("AWS_SECRET_ACCESS_KEY").context("AWS_SECRET_ACCESS_KEY is not set")?,
    });

    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let reported = Arc::new(AtomicBool::new(false));
    let next_load = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (target, reported, next_load) = (target.clone(), reported.clone(), next_load.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn { target, sender: None, tally: Tally::default(), reported };
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
            conn.tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await?;
        all.latencies_us.extend(t.latencies_us);
        all.errors += t.errors;
        all.opened += t.opened;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut samples = all.latencies_us;
    samples.sort_unstable();
    let pct = |p: f64| {
        if samples.is_empty() {
            0
        } else {
            samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1]
        }
    };
    if all.opened > connections {
        eprintln!("squall-bench ddb: {} connections opened for {connections} (the server closes them)", all.opened);
    }
    println!("{} {:.0} {} {} {}", samples.len(), samples.len() as f64 / elapsed, pct(0.50), pct(0.99), all.errors);
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

/// SplitMix64's finaliser: spreads consecutive numbers over the whole range.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One keep-alive connection, reopened when the server closes it.
struct Conn {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
    tally: Tally,
    reported: Arc<AtomicBool>,
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
        let outcome = self.call(name, body).await;
        let latency = started.elapsed();
        let failure = match outcome {
            Ok((status, body)) if status != http::StatusCode::OK => {
                Some(format!("{name}: status {status}: {}", String::from_utf8_lossy(&body)))
            }
            Ok((_, body)) => check(op, &body).err().map(|e| format!("{name}: {e}: {}", String::from_utf8_lossy(&body))),
            Err(e) => {
                self.sender = None;
                Some(format!("{name}: {e:#}"))
            }
        };
        match failure {
            None => self.tally.latencies_us.push(latency.as_micros().min(u32::MAX as u128) as u32),
            Some(msg) => {
                self.tally.errors += 1;
                if !self.reported.swap(true, Ordering::Relaxed) {
                    eprintln!("squall-bench ddb: first error: {msg}");
                }
            }
        }
    }

    /// Signs and sends one request, reading the whole answer.
    async fn call(&mut self, name: &str, body: String) -> anyhow::Result<(http::StatusCode, Bytes)> {
        let mut req = self.target.request(name, body)?;
        // A request the server never saw (its connection had closed) is sent again on a
        // new connection.
        for _ in 0..3 {
            let sender = match self.sender.as_mut() {
                Some(s) if !s.is_closed() => s,
                _ => {
                    let stream = TcpStream::connect(&self.target.authority).await?;
                    stream.set_nodelay(true)?;
                    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                    tokio::spawn(conn);
                    self.tally.opened += 1;
                    self.sender.insert(sender)
                }
            };
            if sender.ready().await.is_err() {
                self.sender = None;
                continue;
            }
            match sender.try_send_request(req).await {
                Ok(resp) => {
                    let status = resp.status();
                    let body = resp.into_body().collect().await?.to_bytes();
                    return Ok((status, body));
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) => {
                        req = unsent;
                        self.sender = None;
                    }
                    None => return Err(e.into_error().into()),
                },
            }
        }
        bail!("the server keeps closing its connections")
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

impl Target {
    /// A signed `POST /` for operation `name`.
    fn request(&self, name: &str, body: String) -> anyhow::Result<http::Request<Full<Bytes>>> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let amz_date = format_amz_date(secs);
        let payload_hash = hex::encode(Sha256::digest(body.as_bytes()));
        let amz_target = format!("DynamoDB_20120810.{name}");
        let headers: [(&str, &str); 5] = [
            ("host", &self.authority),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-date", &amz_date),
            ("x-amz-content-sha256", &payload_hash),
            ("x-amz-target", &amz_target),
        ];
        let signable =
            SignableRequest { method: "POST", path: "/", query: "", headers: &headers, payload_hash: &payload_hash };
        let authorization = sign(&signable, &self.key_id, &self.secret, REGION, SERVICE, PathEncoding::Double)
            .map_err(|e| anyhow::anyhow!("signing: {e}"))?;
        let mut req = http::Request::post("/");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        Ok(req.header("authorization", authorization).body(Full::new(Bytes::from(body)))?)
    }
}
