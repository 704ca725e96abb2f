//! The `--api` port: authenticate every request with SigV4, then dispatch by path to the
//! Lambda REST adapter or the control plane.

mod auth;
mod control;
mod dynamodb;
mod dynamodb_legacy;
mod dynamodb_streams;
mod error;
mod lambda;
mod lambda_async;
mod query;
pub(crate) mod s3;
mod sns;
mod sqs;
mod sqs_query;

pub use auth::AccessKeys;
pub use error::ApiError;
pub(crate) use query::escape as escape_html;

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use squall_functions::Functions;
use squall_runtime::Body;
use squall_types::{RequestId, TraceContext};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// The largest request body the api port reads (Lambda allows 50 MB zipped packages, which
/// base64 makes about 70 MB).
const MAX_BODY: usize = 100 << 20;

/// What the api port needs.
#[derive(Clone)]
pub struct ApiState {
    /// The functions service.
    pub functions: Arc<Functions>,
    /// Access keys that may sign requests.
    pub keys: Arc<AccessKeys>,
    /// The region reported in ARNs.
    pub region: String,
    /// The base URL of the http port, for telling users where routes answer.
    pub http_base: String,
    /// The tables service.
    pub tables: Arc<squall_tables::Tables>,
    /// The queues service.
    pub queues: Arc<squall_queues::Queues>,
    /// The topics service.
    pub topics: Arc<squall_topics::Topics>,
    /// The objects service.
    pub objects: Arc<squall_objects::Objects>,
    /// `--s3-domain`: virtual-host-style hosts may be `<bucket>.<domain>` (besides
    /// `<bucket>.localhost`).
    pub s3_domain: Option<String>,
}

/// A request after authentication: what handlers get.
pub(crate) struct ApiRequest {
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) request_id: RequestId,
    pub(crate) trace: TraceContext,
}

impl ApiRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of query parameter `name`, decoded.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// Serves one request on the api port.
pub async fn handle(state: ApiState, req: http::Request<Incoming>) -> http::Response<Body> {
    let (request_id, trace, span) = crate::serve::request_context("api", &req);
    let started = Instant::now();
    if s3::is_request(&req) {
        let mut resp = s3::handle(&state, req, request_id.as_str()).instrument(span.clone()).await;
        if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
            resp.headers_mut().insert("x-amz-request-id", v);
        }
        span.in_scope(|| {
            tracing::debug!(
                status = resp.status().as_u16(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "request done"
            )
        });
        return resp;
    }
    // JSON 1.0 services name themselves in X-Amz-Target and want their own error shape.
    let json10 = dynamodb::is_target(req.headers());
    let sqs = sqs::is_target(req.headers());
    let sqs_query = sqs_query::is_request(req.headers());
    let sns = sns::is_request(&req);
    let mut resp = match handle_inner(&state, req, request_id.clone(), trace).instrument(span.clone()).await {
        Ok(r) => r,
        Err(e) => {
            span.in_scope(|| tracing::info!(code = e.code, message = %e.message, "request refused"));
            if sns {
                sns::error_response(e, request_id.as_str())
            } else if sqs_query {
                sqs_query::error_response(e, request_id.as_str())
            } else if sqs {
                sqs::error_response(e)
            } else if json10 {
                e.into_json10_response(dynamodb::ERROR_NAMESPACE)
            } else {
                e.into_response()
            }
        }
    };
    if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    span.in_scope(|| {
        tracing::debug!(
            status = resp.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request done"
        )
    });
    resp
}

async fn handle_inner(
    state: &ApiState,
    req: http::Request<Incoming>,
    request_id: RequestId,
    trace: TraceContext,
) -> Result<http::Response<Body>, ApiError> {
    let (parts, body) = req.into_parts();
    if !parts.headers.contains_key("authorization") && sns::is_link(&parts.method, &parts.uri) {
        return sns::follow_link(state, &parts.uri, request_id.as_str()).await;
    }
    state.keys.precheck(&parts.headers)?;
    let body = Limited::new(body, MAX_BODY).collect().await.map_err(|e| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "RequestTooLargeException", format!("request body: {e}"))
    })?;
    let req = ApiRequest {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body: body.to_bytes(),
        request_id,
        trace,
    };
    let service = state.keys.authenticate(&req)?;
    let path = req.uri.path().to_string();
    if let Some(op) = req.header("x-amz-target").and_then(|t| t.strip_prefix(dynamodb::TARGET_PREFIX)) {
        let op = op.to_string();
        dynamodb::dispatch(state, &req, &op).await
    } else if let Some(op) = req.header("x-amz-target").and_then(|t| t.strip_prefix(dynamodb_streams::TARGET_PREFIX)) {
        let op = op.to_string();
        dynamodb_streams::dispatch(state, &req, &op).await
    } else if let Some(op) = req.header("x-amz-target").and_then(|t| t.strip_prefix(sqs::TARGET_PREFIX)) {
        let op = op.to_string();
        sqs::dispatch(state, &req, &op).await
    } else if service == "sns" {
        sns::dispatch(state, &req).await
    } else if service == "sqs" && req.header("x-amz-target").is_none() {
        sqs_query::dispatch(state, &req).await
    } else if let Some(rest) = path.strip_prefix("/2015-03-31/functions") {
        lambda::dispatch(state, &req, rest).await
    } else if let Some(rest) = path.strip_prefix("/2019-09-25/functions") {
        lambda_async::dispatch(state, &req, rest).await
    } else if let Some(rest) = path.strip_prefix("/2017-10-31/functions") {
        lambda::concurrency(state, &req, rest).await
    } else if let Some(rest) = path.strip_prefix("/squall/v1/") {
        control::dispatch(state, &req, rest).await
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("no operation at {} {path}", req.method),
        ))
    }
}
