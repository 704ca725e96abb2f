//! InvokeWithResponseStream (`POST /2021-11-15/functions/{name}/response-streaming-invocations`):
//! the function's response as an AWS event stream, a `PayloadChunk` event per piece as the
//! function writes it, then `InvokeComplete` (with the error, if it failed, and the log's
//! tail when asked). A function that does not stream answers in one chunk.

use super::lambda::{error_payload, log_tail, resolve};
use super::{ApiError, ApiRequest, ApiState};
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};
use squall_runtime::{Body, Invocation, Outcome, Trigger};

/// Where InvokeWithResponseStream lives.
pub(super) const STREAMING: &str = "/2021-11-15/functions";

/// Lambda's limit on a request's payload.
const MAX_REQUEST: usize = 6 << 20;

type Reply = Result<http::Response<Body>, ApiError>;

/// One event of the stream, framed.
fn event(kind: &str, content_type: &str, payload: Bytes) -> Bytes {
    let message = Message::new(payload)
        .add_header(Header::new(":event-type", HeaderValue::String(kind.to_string().into())))
        .add_header(Header::new(":content-type", HeaderValue::String(content_type.to_string().into())))
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())));
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut out).expect("an event fits its frame");
    Bytes::from(out)
}

fn chunk(bytes: Bytes) -> Bytes {
    event("PayloadChunk", "application/octet-stream", bytes)
}

/// `InvokeComplete`, with the error and the log's tail when there are.
fn complete(error: Option<(&str, String)>, log: Option<&[u8]>) -> Bytes {
    let mut doc = Map::new();
    if let Some((code, details)) = error {
        doc.insert("ErrorCode".into(), json!(code));
        doc.insert("ErrorDetails".into(), json!(details));
    }
    if let Some(log) = log {
        doc.insert("LogResult".into(), json!(B64.encode(log)));
    }
    event("InvokeComplete", "application/json", Bytes::from(Value::Object(doc).to_string()))
}

pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Reply {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (&Method::POST, [name, "response-streaming-invocations"]) = (&req.method, segments.as_slice()) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Lambda operation {} {} is not supported", req.method, req.uri.path()),
        ));
    };
    let draw = squall_types::random_draw();
    let f = resolve(state, req, name, draw)?;
    match req.header("x-amz-invocation-type").unwrap_or("RequestResponse") {
        "RequestResponse" => {}
        "DryRun" => {
            let mut r = http::Response::new(crate::body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            return Ok(r);
        }
        other => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]"
            )));
        }
    }
    let tail = match req.header("x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => return Err(ApiError::invalid(format!("LogType {other:?} is not one of None, Tail"))),
    };
    if req.body.len() > MAX_REQUEST {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {MAX_REQUEST} bytes for the InvokeWithResponseStream operation"),
        ));
    }
    let request = http::Request::builder()
        .method(Method::POST)
        .uri("/")
        .header(http::header::HOST, "lambda.invoke")
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(squall_runtime::INVOKED_QUALIFIER, super::lambda::invoked_qualifier(req, name))
        .header(squall_runtime::TRACE_HEADER, super::lambda::caller_lineage(req).header())
        .body(squall_runtime::full_body(req.body.clone()))
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let invocation =
        Invocation { request, trigger: Trigger::Invoke, request_id: req.request_id.clone(), trace: req.trace };
    let request_id = req.request_id.to_string();
    let (content_type, first, body) = match state.functions.invoke(&f, invocation).await? {
        Outcome::Response(resp) => {
            let ct = resp.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
            (ct.unwrap_or_else(|| "application/json".into()), None, Some(resp.into_body()))
        }
        Outcome::Failed(failure) => {
            use squall_runtime::FailureKind as K;
            if failure.kind == K::Throttled {
                return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException", "Rate Exceeded."));
            }
            if failure.kind == K::RecursiveLoop {
                return Err(super::lambda::recursive_loop());
            }
            let kind = match failure.kind {
                K::Timeout => "Sandbox.Timedout",
                K::OutOfMemory => "Runtime.OutOfMemory",
                K::InitError => "Runtime.InitError",
                _ => "Runtime.ExitError",
            };
            let doc = failure.payload.unwrap_or_else(|| error_payload(&request_id, kind, &failure.message));
            ("application/json".to_string(), Some(String::from_utf8_lossy(&doc).into_owned()), None)
        }
    };
    let (tx, out) = squall_runtime::channel_body(16);
    let (state_functions, function) = (state.clone(), f.config.name.to_string());
    tokio::spawn(async move {
        let send = |bytes: Bytes| tx.send(Ok(squall_runtime::Frame::data(bytes)));
        let mut error = first.map(|details| ("Unhandled", details));
        if let Some(mut body) = body {
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(frame) => match frame.into_data() {
                        Ok(data) if data.is_empty() => {}
                        Ok(data) => {
                            if send(chunk(data)).await.is_err() {
                                // The caller went away.
                                return;
                            }
                        }
                        Err(frame) => {
                            if let Some((_, doc)) =
                                frame.into_trailers().ok().as_ref().and_then(squall_runtime::stream_error)
                            {
                                error = Some(("Unhandled", String::from_utf8_lossy(&doc).into_owned()));
                            }
                        }
                    },
                    Err(e) => {
                        error = Some((
                            "Unhandled",
                            json!({ "errorType": "Runtime.StreamError", "errorMessage": e.to_string() }).to_string(),
                        ));
                        break;
                    }
                }
            }
        }
        let log = if tail { Some(log_tail(&state_functions, &function, &request_id).await) } else { None };
        let _ = send(complete(error, log.as_deref())).await;
    });
    let mut r = http::Response::new(out);
    let h = r.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(&f.version_label()) {
        h.insert("X-Amz-Executed-Version", v);
    }
    if let Ok(v) = http::HeaderValue::from_str(&content_type) {
        h.insert(http::header::CONTENT_TYPE, v);
    }
    Ok(r)
}
