//! The `--api` port: each request is classified once (`classify`) into one of the
//! [`SERVICES`], authenticated with SigV4 and handed to that service's adapter; errors are
//! rendered in the service's protocol (`protocol`).

mod classify;
mod control;
mod dev;
mod internal;
#[cfg(test)]
mod rendering_tests;

pub use internal::{call_as, send_as};
pub use squall_api::{AccessKeys, ApiError, ApiState};

use squall_api::{ApiRequest, protocol, refusals};

use classify::{Destination, Probe};
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use protocol::{Handler, Service};
use squall_runtime::Body;
use squall_types::{RequestId, TraceContext};
use std::time::Instant;
use tracing::Instrument;

/// Every service on the api port (S3 also takes what no other claims). Adding a service
/// means adding its adapter's `SERVICE` here.
static SERVICES: [&Service; 16] = [
    &squall_api_dynamodb::DYNAMODB,
    &squall_api_dynamodb::STREAMS,
    &squall_api_sqs::JSON,
    &squall_api_sqs::QUERY,
    &squall_api_sns::SERVICE,
    &squall_api_ssm::SERVICE,
    &squall_api_secretsmanager::SERVICE,
    &squall_api_kms::SERVICE,
    &squall_api_events::SERVICE,
    &squall_api_scheduler::SERVICE,
    &squall_api_stepfunctions::SERVICE,
    &squall_api_iam::STS,
    &squall_api_iam::IAM,
    &squall_api_lambda::SERVICE,
    &control::SERVICE,
    &squall_api_s3::SERVICE,
];

/// Serves one request on the api port.
pub async fn handle(state: ApiState, req: http::Request<Incoming>) -> http::Response<Body> {
    let (request_id, trace, span) = crate::serve::request_context("api", &req);
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let signed_for = classify::signing_service(&parts);
    // Only an unsigned `GET /` asks (the health check, unless its host names a bucket).
    let bucket_host = signed_for.is_none()
        && parts.uri.path() == "/"
        && squall_api::host::bucket_in_host(
            squall_api::host::host_name(&parts.headers),
            "",
            state.s3_domain.as_deref(),
        )
        .is_some();
    let resp = match classify::classify(&parts, signed_for.as_deref(), bucket_host, &SERVICES, &squall_api_s3::SERVICE)
    {
        Destination::Health(Probe::Basic) => health("healthy: squall", StatusCode::OK),
        Destination::Health(Probe::Live) => health("live", StatusCode::OK),
        Destination::Health(Probe::Ready) => match state.functions.probe_store().await {
            Ok(()) => health("ready", StatusCode::OK),
            Err(e) => health(&format!("not ready: {e}"), StatusCode::SERVICE_UNAVAILABLE),
        },
        Destination::UnknownTarget => {
            let target = parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("no service here takes X-Amz-Target {target:?}"),
            );
            refusals::record("?", e.code, &e.message);
            protocol::json_error("", e)
        }
        Destination::Service(service, op) => match &service.handler {
            Handler::Streaming(serve) => {
                let req = http::Request::from_parts(parts, body);
                let mut resp = serve(&state, req, request_id.as_str()).instrument(span.clone()).await;
                if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
                    resp.headers_mut().insert("x-amz-request-id", v);
                }
                resp
            }
            Handler::Buffered(call) => {
                let id = request_id.clone();
                let read = buffered(&state, service, parts, body, signed_for, id, trace);
                let result = match read.instrument(span.clone()).await {
                    Ok(req) => call(&state, &req, &op).instrument(span.clone()).await,
                    Err(e) => Err(e),
                };
                let mut resp = result.unwrap_or_else(|e| {
                    refusals::record(service.name, e.code, &e.message);
                    service.error_response(e, request_id.as_str())
                });
                if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
                    resp.headers_mut().insert("x-amzn-RequestId", v);
                }
                resp
            }
        },
    };
    span.in_scope(|| {
        tracing::debug!(
            status = resp.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request done"
        )
    });
    resp
}

/// The answer to a health check.
fn health(text: &str, status: StatusCode) -> http::Response<Body> {
    let mut r = http::Response::new(squall_api::body::full(text.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// How much of a body past its limit is still read and dropped, and for how long, so that
/// a client sending it whole reads the 413 instead of a reset connection.
const DRAIN_MAX: usize = 32 << 20;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// The body, if it is at most `limit` bytes. One over it is read on (up to [`DRAIN_MAX`]
/// more bytes, for [`DRAIN_TIME`]) and dropped: closing a connection with unread bytes
/// resets it, and the client would see that instead of the answer.
async fn read_within(mut body: Incoming, limit: usize) -> Result<bytes::Bytes, String> {
    let mut kept = bytes::BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        let Ok(data) = frame.into_data() else { continue };
        total += data.len();
        if total > limit {
            let _ = tokio::time::timeout(DRAIN_TIME, async {
                while total <= limit + DRAIN_MAX {
                    match body.frame().await {
                        Some(Ok(f)) => total += f.data_ref().map_or(0, |d| d.len()),
                        _ => break,
                    }
                }
            })
            .await;
            return Err("length limit exceeded".into());
        }
        kept.extend_from_slice(&data);
    }
    Ok(kept.freeze())
}

/// Reads a buffered service's request: authenticated (unless the service serves it
/// unsigned), signed for that service, its body within the service's limit.
async fn buffered(
    state: &ApiState,
    service: &Service,
    parts: http::request::Parts,
    body: Incoming,
    signed_for: Option<String>,
    request_id: RequestId,
    trace: TraceContext,
) -> Result<ApiRequest, ApiError> {
    let unsigned = signed_for.is_none() && (service.unsigned)(&parts.method, &parts.uri);
    let mut signature = None;
    if !unsigned {
        signature = Some(state.keys.precheck(&parts.headers, parts.uri.query().unwrap_or(""))?);
        if let (Some(expected), Some(got)) = (service.signing_name, signed_for.as_deref())
            && expected != got
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "InvalidSignatureException",
                format!("Credential should be scoped to correct service: '{expected}'. (it is scoped to '{got}')"),
            ));
        }
    }
    let body = read_within(body, service.max_body).await.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("request body: {e} (at most {} bytes)", service.max_body),
        )
    })?;
    let peer = parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip());
    let mut req = ApiRequest {
        peer,
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        request_id,
        trace,
        caller: None,
    };
    if let Some(signature) = &signature {
        req.caller = Some(state.keys.authenticate(&req, signature)?);
    }
    Ok(req)
}
