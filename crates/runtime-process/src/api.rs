//! The Lambda Runtime API (`2018-06-01`) one process talks to.
//!
//! Each process gets its own listener on 127.0.0.1, so the API always knows whose call it
//! is. `next` long-polls for the worker's next [`Job`]; `response` and `error` complete it.
//! A `response` in streaming mode (`Lambda-Runtime-Function-Response-Mode: streaming`)
//! is handed on as it arrives: its first bytes reach the caller while the function runs.

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

/// Lambda's limit on a streamed response.
pub(crate) const MAX_STREAMED: usize = 20 << 20;

/// Where a streamed response's frames go, taken by whoever ends the stream: the API when
/// the function's request ends, or the worker when the function is stopped mid-stream.
pub(crate) type StreamEnd = Arc<Mutex<Option<squall_runtime::FrameSender>>>;

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
    /// `POST …/response` in streaming mode, as it begins: its content type and its body;
    /// `done` fires when the function's request has ended (the invocation is over).
    Stream { content_type: Option<String>, body: squall_runtime::Body, end: StreamEnd, done: oneshot::Receiver<()> },
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
        (&Method::POST, ["invocation", id, "response"])
            if req.headers().get("lambda-runtime-function-response-mode").is_some_and(|m| m == "streaming") =>
        {
            stream_response(s, id, req).await
        }
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

/// The invocation `id` in progress, taken (its reply is about to be sent).
fn take_current(s: &Shared, id: &str) -> Option<oneshot::Sender<Reply>> {
    let mut current = s.current.lock().unwrap_or_else(|p| p.into_inner());
    match current.take() {
        Some((cur, sender)) if cur == id => Some(sender),
        other => {
            *current = other;
            None
        }
    }
}

/// A streamed `response`: the worker gets its body at once, fed with each chunk as the
/// function sends it; the function's error, if it failed mid-stream, ends it in trailers.
async fn stream_response(s: &Shared, id: &str, req: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
    let Some(sender) = take_current(s, id) else {
        return error(StatusCode::BAD_REQUEST, "InvalidRequestID", &format!("no invocation {id} in progress"));
    };
    let content_type = req.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (tx, body) = squall_runtime::channel_body(16);
    let end: StreamEnd = Arc::new(Mutex::new(Some(tx.clone())));
    let (done_tx, done) = oneshot::channel();
    let _ = sender.send(Reply::Stream { content_type, body, end: end.clone(), done });
    let mut incoming = req.into_body();
    let mut sent = 0usize;
    let mut failure: Option<(String, Bytes)> = None;
    while let Some(frame) = incoming.frame().await {
        let Ok(frame) = frame else {
            // The connection broke (the process died): the worker ends the stream.
            let _ = done_tx.send(());
            return error(StatusCode::BAD_REQUEST, "BrokenStream", "the response stream broke");
        };
        match frame.into_data() {
            Ok(data) => {
                sent += data.len();
                if sent > MAX_STREAMED {
                    failure = Some((
                        "Function.ResponseSizeTooLarge".into(),
                        Bytes::from(format!(
                            r#"{{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size ({MAX_STREAMED} bytes)."}}"#
                        )),
                    ));
                    break;
                }
                // A caller that went away stops reading; the function's bytes are dropped.
                let _ = tx.send(Ok(hyper::body::Frame::data(data))).await;
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    failure = squall_runtime::stream_error(&trailers);
                }
            }
        }
    }
    drop(tx);
    let last = end.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let (Some(tx), Some((kind, doc))) = (last, &failure) {
        let _ = tx.send(Ok(hyper::body::Frame::trailers(squall_runtime::error_trailers(kind, doc)))).await;
    }
    let _ = done_tx.send(());
    reply(StatusCode::ACCEPTED, serde_json::json!({ "status": "OK" }))
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
