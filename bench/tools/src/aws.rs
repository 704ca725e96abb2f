//! What the AWS load generators (`ddb`, `sqs`) share: SigV4-signed JSON 1.0 requests
//! (`POST /` with an `X-Amz-Target`, signed with `squall-auth`; key from
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, region us-east-1), one keep-alive HTTP/1.1
//! connection reopened when the server closes it, the first-error report and the summary
//! line.

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use squall_auth::{PathEncoding, SignableRequest, format_amz_date, sign};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;

const REGION: &str = "us-east-1";

/// Where requests go and the key that signs them.
pub(crate) struct Target {
    authority: String,
    key_id: String,
    secret: String,
    /// The service name in the signature's scope (`dynamodb`, `sqs`).
    service: &'static str,
}

impl Target {
    /// The server at `endpoint` (an `http://` URL), signing for `service` with the key in
    /// the environment.
    pub(crate) fn from_env(endpoint: &str, service: &'static str) -> anyhow::Result<Target> {
        let uri: http::Uri = endpoint.parse().context("ENDPOINT must be a URL")?;
        if uri.scheme_str() != Some("http") {
            bail!("ENDPOINT must be an http:// URL");
        }
        Ok(Target {
            authority: uri.authority().context("ENDPOINT needs a host")?.to_string(),
            key_id: std::env::var("AWS_ACCESS_KEY_ID").context("AWS_ACCESS_KEY_ID is not set")?,
            secret: std::env::var("AWS_SECRET_ACCESS_KEY").context("AWS_SECRET_ACCESS_KEY is not set")?,
            service,
        })
    }

    /// A signed `POST /` of the operation `amz_target` (`DynamoDB_20120810.PutItem`).
    fn request(&self, amz_target: &str, body: String) -> anyhow::Result<http::Request<Full<Bytes>>> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let amz_date = format_amz_date(secs);
        let payload_hash = hex::encode(Sha256::digest(body.as_bytes()));
        let headers: [(&str, &str); 5] = [
            ("host", &self.authority),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-date", &amz_date),
            ("x-amz-content-sha256", &payload_hash),
            ("x-amz-target", amz_target),
        ];
        let signable =
            SignableRequest { method: "POST", path: "/", query: "", headers: &headers, payload_hash: &payload_hash };
        let authorization = sign(&signable, &self.key_id, &self.secret, REGION, self.service, PathEncoding::Double)
            .map_err(|e| anyhow::anyhow!("signing: {e}"))?;
        let mut req = http::Request::post("/");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        Ok(req.header("authorization", authorization).body(Full::new(Bytes::from(body)))?)
    }
}

/// One keep-alive connection, reopened when the server closes it.
pub(crate) struct Client {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
    /// Connections opened so far.
    pub(crate) opened: u64,
}

impl Client {
    pub(crate) fn new(target: Arc<Target>) -> Client {
        Client { target, sender: None, opened: 0 }
    }

    /// Signs and sends one request, reading the whole answer. After an error the next
    /// request goes on a new connection.
    pub(crate) async fn call(&mut self, amz_target: &str, body: String) -> anyhow::Result<(http::StatusCode, Bytes)> {
        let outcome = self.send(amz_target, body).await;
        if outcome.is_err() {
            self.sender = None;
        }
        outcome
    }

    async fn send(&mut self, amz_target: &str, body: String) -> anyhow::Result<(http::StatusCode, Bytes)> {
        let mut req = self.target.request(amz_target, body)?;
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
                    self.opened += 1;
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

/// Prints the first error of a run to stderr, once, as `squall-bench TOOL: first error: …`.
pub(crate) struct FirstError {
    tool: &'static str,
    reported: AtomicBool,
}

impl FirstError {
    pub(crate) fn new(tool: &'static str) -> FirstError {
        FirstError { tool, reported: AtomicBool::new(false) }
    }

    pub(crate) fn report(&self, msg: &str) {
        if !self.reported.swap(true, Ordering::Relaxed) {
            eprintln!("squall-bench {}: first error: {msg}", self.tool);
        }
    }
}

/// A latency sample in microseconds.
pub(crate) fn micros(d: Duration) -> u32 {
    d.as_micros().min(u32::MAX as u128) as u32
}

/// Prints the run's line, `count count_per_sec p50_us p99_us errors`, after a note on
/// stderr when the server made the client open more connections than CONNECTIONS.
pub(crate) fn summarize(
    tool: &str,
    count: usize,
    elapsed_s: f64,
    mut samples: Vec<u32>,
    errors: u64,
    opened: u64,
    connections: u64,
) {
    samples.sort_unstable();
    let pct = |p: f64| {
        if samples.is_empty() {
            0
        } else {
            samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1]
        }
    };
    if opened > connections {
        eprintln!("squall-bench {tool}: {opened} connections opened for {connections} (the server closes them)");
    }
    println!("{} {:.0} {} {} {}", count, count as f64 / elapsed_s, pct(0.50), pct(0.99), errors);
}

/// A seed for the run's keys: the clock's nanoseconds.
pub(crate) fn seed() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// SplitMix64's finaliser: spreads consecutive numbers over the whole range.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
