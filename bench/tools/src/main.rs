//! Benchmark helpers, used by the scripts under `bench/`:
//!
//! - `squall-bench hyper-hello ADDR`: a bare hyper HTTP/1.1 server answering every request
//!   with "Hello, world!", the machine's ceiling for an HTTP hello world.
//! - `squall-bench firsts BASE TEMPLATE COUNT`: GETs `BASE` + `TEMPLATE` with `{i}` replaced
//!   by 0..COUNT over one keep-alive connection, timing each request from send to the end of
//!   the body; prints `n p50_us p99_us min_us max_us`. Any status but 200 is an error.

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
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["hyper-hello", addr] => rt.block_on(hyper_hello(addr)),
        ["firsts", base, template, count] => rt.block_on(firsts(base, template, count.parse()?)),
        ["runtime-echo"] => rt.block_on(runtime_echo()),
        _ => bail!("usage: squall-bench hyper-hello ADDR | firsts BASE TEMPLATE COUNT | runtime-echo"),
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
        let resp = sender.send_request(next).await?;
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
