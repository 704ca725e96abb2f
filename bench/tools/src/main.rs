//! Benchmark helpers, used by the scripts under `bench/`:
//!
//! - `squall-bench hyper-hello ADDR`: a bare hyper HTTP/1.1 server answering every request
//!   with "Hello, world!", the machine's ceiling for an HTTP hello world.
//! - `squall-bench firsts BASE TEMPLATE COUNT`: GETs `BASE` + `TEMPLATE` with `{i}` replaced
//!   by 0..COUNT over one keep-alive connection, timing each request from send to the end of
//!   the body; prints `n p50_us p99_us min_us max_us`. Any status but 200 is an error.
//! - `squall-bench runtime-echo`: the leanest Lambda runtime: answers every invocation at
//!   once over the Runtime API named by `AWS_LAMBDA_RUNTIME_API`.
//! - `squall-bench runtime-relay ADDR PROGRAM…`: the floor of the Runtime API itself: a
//!   bare HTTP server on ADDR that hands each request's body to one process of PROGRAM over
//!   the Runtime API and answers with its result, doing nothing else (no routing, events,
//!   logs or limits). What Squall adds over it is Squall's own share.
//! - `squall-bench ddb ENDPOINT OP CONNECTIONS [SECONDS [RATE]]`: a SigV4-signing DynamoDB
//!   load generator (`load`, `put`, `get`, `query`); prints `ops ops_per_sec p50_us p99_us
//!   errors`. See `ddb.rs`.
//! - `squall-bench sqs ENDPOINT QUEUE_URL OP CONNECTIONS SECONDS`: a SigV4-signing SQS load
//!   generator (`single`: send, receive, delete one message per cycle; `batch`: ten per
//!   cycle with the batch operations; `send`: SendMessage alone); prints `messages messages_per_sec p50_us p99_us
//!   errors`. See `sqs.rs`.
//!
//! The two load generators share their signing, connection and reporting code (`aws.rs`).

mod aws;
mod ddb;
mod iam;
mod sqs;

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::time::Instant;
use tokio::net::{TcpListener, TcpStream};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // A runtime loop is one thread doing one thing at a time, as the real ones are.
    if args.first().map(String::as_str) == Some("runtime-echo") {
        return tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(runtime_echo());
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["hyper-hello", addr] => rt.block_on(hyper_hello(addr)),
        ["firsts", base, template, count] => rt.block_on(firsts(base, template, count.parse()?)),
        ["runtime-relay", addr, program @ ..] if !program.is_empty() => rt.block_on(runtime_relay(addr, program)),
        ["ddb", rest @ ..] => ddb::run(rest),
        ["sqs", rest @ ..] => sqs::run(rest),
        ["iam", rest @ ..] => iam::run(rest),
        _ => bail!(
            "usage: squall-bench hyper-hello ADDR | firsts BASE TEMPLATE COUNT | runtime-echo | runtime-relay ADDR PROGRAM… | {} | {} | {}",
            ddb::USAGE,
            sqs::USAGE,
            iam::USAGE
        ),
    }
}

async fn hyper_hello(addr: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let svc = service_fn(|_req| async {
                Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"Hello, world!"))))
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

async fn firsts(base: &str, template: &str, count: usize) -> anyhow::Result<()> {
    let uri: http::Uri = base.parse().context("BASE must be a URL")?;
    let authority = uri.authority().context("BASE needs a host")?.to_string();
    let stream = TcpStream::connect(&authority).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let path = template.replace("{i}", &i.to_string());
        let req = http::Request::get(path.as_str()).header("host", &authority).body(Empty::<Bytes>::new())?;
        sender.ready().await?;
        let start = Instant::now();
        let resp = sender.send_request(req).await?;
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        samples.push(start.elapsed().as_micros() as u64);
        if !status.is_success() {
            bail!("{path}: status {status}: {}", String::from_utf8_lossy(&body));
        }
    }
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1];
    println!("{} {} {} {} {}", samples.len(), pct(0.50), pct(0.99), samples[0], samples[samples.len() - 1]);
    Ok(())
}

async fn runtime_echo() -> anyhow::Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").context("AWS_LAMBDA_RUNTIME_API is not set")?;
    let stream = TcpStream::connect(&api).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let answer = Bytes::from_static(br#"{"statusCode":200,"body":"ok"}"#);
    loop {
        sender.ready().await?;
        let next = http::Request::get("/2018-06-01/runtime/invocation/next")
            .header("host", &api)
            .body(Full::new(Bytes::new()))?;
        let Ok(resp) = sender.send_request(next).await else {
            // The API went away (its server stopped): the normal end of a runtime.
            return Ok(());
        };
        let id = resp
            .headers()
            .get("lambda-runtime-aws-request-id")
            .and_then(|v| v.to_str().ok())
            .context("no request id")?
            .to_string();
        resp.into_body().collect().await?;
        sender.ready().await?;
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        let post = http::Request::post(path.as_str()).header("host", &api).body(Full::new(answer.clone()))?;
        sender.send_request(post).await?.into_body().collect().await?;
    }
}

fn serve<S>(stream: TcpStream, svc: S)
where
    S: hyper::service::Service<hyper::Request<hyper::body::Incoming>, Response = hyper::Response<Full<Bytes>>>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), svc));
}

/// One invocation waiting for the runtime: its event and where its result goes.
type Job = (Bytes, tokio::sync::oneshot::Sender<Bytes>);

async fn runtime_relay(addr: &str, program: &[&str]) -> anyhow::Result<()> {
    use std::sync::{Arc, Mutex};
    let api = TcpListener::bind("127.0.0.1:0").await?;
    let api_addr = api.local_addr()?.to_string();
    let (jobs_tx, jobs_rx) = tokio::sync::mpsc::channel::<Job>(1);
    let jobs_rx = Arc::new(tokio::sync::Mutex::new(jobs_rx));
    let current: Arc<Mutex<Option<tokio::sync::oneshot::Sender<Bytes>>>> = Arc::default();
    let _child = tokio::process::Command::new(program[0])
        .args(&program[1..])
        .env("AWS_LAMBDA_RUNTIME_API", &api_addr)
        .kill_on_drop(true)
        .spawn()
        .context("starting the runtime")?;

    tokio::spawn(async move {
        while let Ok((stream, _)) = api.accept().await {
            let (jobs_rx, current) = (jobs_rx.clone(), current.clone());
            serve(
                stream,
                service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let (jobs_rx, current) = (jobs_rx.clone(), current.clone());
                    async move {
                        if req.method() == http::Method::GET {
                            let job = jobs_rx.lock().await.recv().await;
                            let Some((event, reply)) = job else {
                                return Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::new())));
                            };
                            *current.lock().unwrap() = Some(reply);
                            let mut r = hyper::Response::new(Full::new(event));
                            r.headers_mut()
                                .insert("lambda-runtime-aws-request-id", http::HeaderValue::from_static("1"));
                            r.headers_mut().insert("lambda-runtime-deadline-ms", http::HeaderValue::from_static("0"));
                            Ok(r)
                        } else {
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            if let Some(reply) = current.lock().unwrap().take() {
                                let _ = reply.send(body);
                            }
                            let mut r = hyper::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = http::StatusCode::ACCEPTED;
                            Ok(r)
                        }
                    }
                }),
            );
        }
    });

    let listener = TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let jobs_tx = jobs_tx.clone();
        serve(
            stream,
            service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let jobs_tx = jobs_tx.clone();
                async move {
                    let event = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    let result = match jobs_tx.send((event, tx)).await {
                        Ok(()) => rx.await.unwrap_or_default(),
                        Err(_) => Bytes::new(),
                    };
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(result)))
                }
            }),
        );
    }
}
