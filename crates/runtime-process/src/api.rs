//! The Lambda Runtime API (`2018-06-01`) one process talks to.
//!
//! Each process gets its own listener on 127.0.0.1, so the API always knows whose call it
//! is. `next` long-polls for the worker's next [`Job`]; `response` and `error` complete it.

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, oneshot};

/// Lambda's limit on a synchronous response.
const MAX_RESPONSE: usize = 6 << 20;

/// One invocation handed to the process.
pub(crate) struct Job {
    pub(crate) request_id: String,
    pub(crate) deadline_ms: u64,
    pub(crate) function_arn: String,
    pub(crate) trace_id: String,
    pub(crate) event: Bytes,
    pub(crate) reply: oneshot::Sender<Reply>,
}

/// How the process ended a job.
#[derive(Debug)]
pub(crate) enum Reply {
    /// `POST …/response`.
    Response(Bytes),
    /// `POST …/error`: the error type header and the error document.
    Error(String, Bytes),
}

/// What the API shares with its worker.
pub(crate) struct Shared {
    jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    /// The job the process is working on: its id and where its reply goes.
    current: Mutex<Option<(String, oneshot::Sender<Reply>)>>,
    /// The body of `POST /runtime/init/error`, if the process sent one.
    pub(crate) init_error: Mutex<Option<(String, Bytes)>>,
    /// Notified on the first `next` (the process finished its init).
    pub(crate) ready: Notify,
}

/// Starts the API on a fresh loopback port; returns its address and the job sender.
pub(crate) async fn start() -> std::io::Result<(String, mpsc::Sender<Job>, Arc<Shared>, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let (tx, rx) = mpsc::channel(1);
    let shared = Arc::new(Shared {
        jobs: tokio::sync::Mutex::new(rx),
        current: Mutex::new(None),
        init_error: Mutex::new(None),
        ready: Notify::new(),
    });
    let s = shared.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let s = s.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let s = s.clone();
                    async move { Ok::<_, Infallible>(handle(&s, req).await) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    Ok((addr, tx, shared, task))
}

fn reply(status: StatusCode, body: serde_json::Value) -> http::Response<Full<Bytes>> {
    let mut r = http::Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    r
}

fn error(status: StatusCode, kind: &str, message: &str) -> http::Response<Full<Bytes>> {
    reply(status, serde_json::json!({ "errorType": kind, "errorMessage": message }))
}

async fn handle(s: &Shared, req: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") else {
        return error(StatusCode::NOT_FOUND, "UnknownOperation", "not a Runtime API path");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    match (req.method(), segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(s).await,
        (&Method::POST, ["invocation", id, kind @ ("response" | "error")]) => {
            let error_type = req
                .headers()
                .get("lambda-runtime-function-error-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("Unhandled")
                .to_string();
            let body = match Limited::new(req.into_body(), MAX_RESPONSE).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    return error(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge", "response over 6 MB");
                }
            };
            let taken = {
                let mut current = s.current.lock().unwrap_or_else(|p| p.into_inner());
                match current.take() {
                    Some((cur, sender)) if cur == *id => Some(sender),
                    other => {
                        *current = other;
                        None
                    }
                }
            };
            match taken {
                Some(sender) => {
                    let r = if *kind == "response" { Reply::Response(body) } else { Reply::Error(error_type, body) };
                    let _ = sender.send(r);
                    // Let the woken invocation answer its caller before this runtime hears
                    // back: the acknowledgement is off the caller's critical path.
                    tokio::task::yield_now().await;
                    reply(StatusCode::ACCEPTED, serde_json::json!({ "status": "OK" }))
                }
                None => error(StatusCode::BAD_REQUEST, "InvalidRequestID", &format!("no invocation {id} in progress")),
            }
        }
        (&Method::POST, ["init", "error"]) => {
            let error_type = req
                .headers()
                .get("lambda-runtime-function-error-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("Runtime.InitError")
                .to_string();
            let body =
                Limited::new(req.into_body(), MAX_RESPONSE).collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            *s.init_error.lock().unwrap_or_else(|p| p.into_inner()) = Some((error_type, body));
            reply(StatusCode::ACCEPTED, serde_json::json!({ "status": "OK" }))
        }
        _ => error(StatusCode::NOT_FOUND, "UnknownOperation", &format!("no Runtime API operation at {path}")),
    }
}

async fn next(s: &Shared) -> http::Response<Full<Bytes>> {
    s.ready.notify_one();
    let job = {
        let mut jobs = s.jobs.lock().await;
        jobs.recv().await
    };
    let Some(job) = job else {
        return error(StatusCode::GONE, "WorkerStopping", "this process is being stopped");
    };
    *s.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((job.request_id.clone(), job.reply));
    let mut r = http::Response::new(Full::new(job.event));
    let h = r.headers_mut();
    let mut set = |k: &'static str, v: &str| {
        if let Ok(v) = http::HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set("lambda-runtime-aws-request-id", &job.request_id);
    set("lambda-runtime-deadline-ms", &job.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &job.function_arn);
    set("lambda-runtime-trace-id", &job.trace_id);
    set("content-type", "application/json");
    r
}
