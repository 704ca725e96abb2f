//! The `--http` port: deployed services' HTTP routes.
//!
//! Service `S` deployed to stage `dev` answers route `GET /greet/{name}` at
//! `/S/dev/greet/{name}` (a service deployed before stages existed, at `/S/greet/{name}`):
//! `/S` stands for the API's host on AWS and the rest is the path of a REST API's URL. The
//! function sees the path after the stage (as behind an API Gateway base-path mapping); a
//! WebAssembly function also gets:
//! - `x-squall-path-params`: the path parameters, form-encoded (`name=ada&id=7`);
//! - `x-squall-route-key`: the matched route key (`GET /greet/{name}`);
//! - `x-squall-request-id`: the request id (also returned as `apigw-requestid`);
//! - `traceparent`: the W3C trace context, continuing the caller's trace if it sent one.
//!
//! Errors have API Gateway's shapes. HTTP APIs: 404 `{"message":"Not Found"}`, 405
//! `{"message":"Method Not Allowed"}`, 500 `{"message":"Internal Server Error"}` when the
//! function fails, 503 `{"message":"Service Unavailable"}` past the 30 s integration
//! timeout. REST APIs (`http` events): 403 `{"message":"Missing Authentication Token"}` for
//! a path or method no route has, 403 `{"message":"Forbidden"}` without a valid API key on
//! a `private` route, 400 for missing required parameters, 502 `{"message":"Internal server
//! error"}` when the function fails or answers malformed, 504 past 29 s.

use crate::rest_errors::rest_error;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use squall_api::body::{empty, json_response};
use squall_functions::{Functions, RouteMatch, Routed};
use squall_runtime::{Body, BoxError, EventFormat, FailureKind, Invocation, Outcome, Trigger, V1Context};
use squall_types::{Cors, PayloadVersion, RequestId, RestCors, RouteApi, ServiceRecord, TraceContext};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// HTTP APIs' cap on waiting for an integration.
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// REST APIs' default cap on waiting for an integration.
const REST_INTEGRATION_TIMEOUT: Duration = Duration::from_millis(29_000);

/// What the routes port needs.
#[derive(Clone)]
pub struct RoutesState {
    /// The functions service.
    pub functions: Arc<Functions>,
    /// The objects service, for buckets served as websites.
    pub objects: Arc<squall_objects::Objects>,
    /// `--s3-domain`: website hosts may be `<bucket>.s3-website.<domain>`.
    pub s3_domain: Option<String>,
    /// REST API keys' usage plan throttles.
    pub throttles: Arc<crate::Throttles>,
    /// The region of ARNs (function URLs' policies name their function's).
    pub region: String,
    /// The api port's state: AWS_IAM function URLs authenticate and authorize as it does.
    pub api: squall_api::ApiState,
}

fn message(status: StatusCode, msg: &str) -> http::Response<Body> {
    json_response(status, &serde_json::json!({ "message": msg }))
}

/// Serves one request on the routes port.
pub async fn handle(state: RoutesState, req: http::Request<Incoming>) -> http::Response<Body> {
    let (request_id, trace, span) = crate::serve::request_context("http", &req);
    let started = Instant::now();
    let mut resp = if let Some((id, path)) = crate::function_urls::addressed(&req) {
        crate::function_urls::serve(&state, req, &id, &path, request_id.clone(), trace).instrument(span.clone()).await
    } else {
        match squall_api_s3::website_endpoint::bucket_of(&req, state.s3_domain.as_deref()) {
            Some(bucket) => {
                squall_api_s3::website_endpoint::serve(&state.objects, &bucket, req).instrument(span.clone()).await
            }
            None => route(state, req, request_id.clone(), trace).instrument(span.clone()).await,
        }
    };
    if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
        resp.headers_mut().insert("apigw-requestid", v);
    }
    let status = resp.status();
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(
                status = status.as_u16(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "request failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "request done"
            );
        }
    });
    resp
}

async fn route(
    state: RoutesState,
    req: http::Request<Incoming>,
    request_id: RequestId,
    trace: TraceContext,
) -> http::Response<Body> {
    let Routed::Service { service: svc, matched, rest } =
        state.functions.route(req.method().as_str(), req.uri().path())
    else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let rest_only = svc.table.is_rest_only();
    if req.method() == Method::OPTIONS
        && let Some((cors, methods)) = svc.table.rest_preflight(&rest)
    {
        return rest_preflight(&cors, &methods, req.headers());
    }
    let cors = svc.record.cors.as_ref();
    if let Some(cors) = cors
        && let Some(pre) = preflight(cors, req.method(), req.headers())
    {
        return pre;
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    // What gateway responses may echo, kept before the request goes to the function.
    let request_headers = (!svc.record.gateway_responses.is_empty()).then(|| req.headers().clone());
    let mut resp = match matched {
        // A REST API answers a path or method it lacks as if authentication were missing.
        RouteMatch::NotFound | RouteMatch::MethodNotAllowed { .. } if rest_only => {
            rest_error("MISSING_AUTHENTICATION_TOKEN", StatusCode::FORBIDDEN, "Missing Authentication Token")
        }
        RouteMatch::NotFound => message(StatusCode::NOT_FOUND, "Not Found"),
        RouteMatch::MethodNotAllowed { allowed } => {
            let mut r = message(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
            if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            r
        }
        RouteMatch::Found { function, route_key, params, api } => {
            let matched = Matched { function: &function, route_key: &route_key, params: &params, api: &api };
            match admit(&state, &svc.record, &matched, &req, &rest) {
                Err((kind, status, refusal)) => rest_error(kind, status, &refusal),
                Ok(_)
                    if let RouteApi::Rest(r) = matched.api
                        && let Some(target) = &r.start_execution =>
                {
                    crate::start_execution::start(&state, req, target, &trace).await
                }
                Ok(EventFormat::V1(v1)) if matches!(matched.api, RouteApi::Rest(r) if r.asynchronous) => {
                    invoke_event(&state, req, &matched, &v1, &request_id, &trace).await
                }
                Ok(format) => invoke(&state, req, &rest, &matched, format, request_id.clone(), trace).await,
            }
        }
    };
    if let Some(headers) = &request_headers {
        resp = crate::rest_errors::reshape(&svc.record, resp, headers, request_id.as_str());
    }
    if let (Some(cors), Some(origin)) = (cors, origin) {
        add_cors_headers(cors, &origin, resp.headers_mut());
    }
    resp
}

/// What a request matched.
struct Matched<'a> {
    function: &'a str,
    route_key: &'a str,
    params: &'a [(String, String)],
    api: &'a RouteApi,
}

/// What API Gateway checks before it calls the function: a `private` REST route's API key
/// and the request parameters it requires. `Ok` carries the event format, `Err` the
/// refusal's status and message.
fn admit(
    state: &RoutesState,
    record: &ServiceRecord,
    m: &Matched<'_>,
    req: &http::Request<Incoming>,
    rest_path: &str,
) -> Result<EventFormat, (&'static str, StatusCode, String)> {
    let rest = match m.api {
        RouteApi::HttpApi { payload: PayloadVersion::V2 } => return Ok(EventFormat::V2),
        RouteApi::HttpApi { payload: PayloadVersion::V1 } => {
            return Ok(EventFormat::V1(V1Context {
                rest: false,
                resource: route_path(m.route_key),
                stage: "$default".into(),
                request_path: rest_path.to_string(),
                api_key: None,
                binary_media_types: vec![],
            }));
        }
        RouteApi::Rest(rest) => rest,
    };
    let headers = req.headers();
    let mut api_key = None;
    if rest.private {
        let sent = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        let matches = |key: &&squall_types::ApiKey| {
            sent.is_some_and(|k| squall_auth::constant_time_eq(key.value.as_bytes(), k.as_bytes()))
        };
        let Some(key) = record.api_keys.iter().find(matches) else {
            return Err(("INVALID_API_KEY", StatusCode::FORBIDDEN, "Forbidden".into()));
        };
        if let Some(t) = key.throttle
            && !state.throttles.admit(&key.value, t)
        {
            return Err(("THROTTLED", StatusCode::TOO_MANY_REQUESTS, "Too Many Requests".into()));
        }
        api_key = Some(key.value.clone());
    }
    let query: Vec<String> =
        squall_types::query_pairs(req.uri().query().unwrap_or("")).into_iter().map(|(k, _)| k).collect();
    let mut missing: Vec<&str> = Vec::new();
    missing.extend(rest.required.querystrings.iter().filter(|q| !query.contains(q)).map(String::as_str));
    missing.extend(rest.required.headers.iter().filter(|h| !headers.contains_key(h.as_str())).map(String::as_str));
    if !missing.is_empty() {
        let message = format!("Missing required request parameters: [{}]", missing.join(", "));
        return Err(("BAD_REQUEST_PARAMETERS", StatusCode::BAD_REQUEST, message));
    }
    let (stage, request_path) = match &record.stage {
        // As the caller addresses the API on AWS: the stage, then the resource's path.
        Some(stage) => (stage.clone(), format!("/{stage}{rest_path}")),
        None => ("$default".to_string(), rest_path.to_string()),
    };
    Ok(EventFormat::V1(V1Context {
        rest: true,
        resource: route_path(m.route_key),
        request_path,
        stage,
        api_key,
        binary_media_types: record.binary_media_types.clone(),
    }))
}

/// The path template of a route key (`GET /items/{id}` → `/items/{id}`).
fn route_path(route_key: &str) -> String {
    route_key.split_once(' ').map_or(route_key, |(_, p)| p).to_string()
}

async fn invoke(
    state: &RoutesState,
    req: http::Request<Incoming>,
    rest: &str,
    m: &Matched<'_>,
    format: EventFormat,
    request_id: RequestId,
    trace: TraceContext,
) -> http::Response<Body> {
    let function = m.function;
    let rest_api = m.api.is_rest();
    // Through a canary deployment's alias, whose weights pick the version.
    let draw = squall_types::random_draw();
    let Some(record) = state.functions.serving(function, draw) else {
        // The route outlived its function (a concurrent delete); nothing serves it now.
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let (mut parts, body) = req.into_parts();
    let path_and_query = match parts.uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    };
    parts.uri = match path_and_query.parse() {
        Ok(u) => u,
        Err(_) => return message(StatusCode::BAD_REQUEST, "Bad Request"),
    };
    let body: Body = body.map_err(BoxError::from).boxed_unsync();
    let source_ip =
        parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip().to_string()).unwrap_or_default();
    let trigger = Trigger::Http {
        route_key: m.route_key.to_string(),
        path_params: m.params.to_vec(),
        source_ip: source_ip.to_string(),
        format,
    };
    let invocation = Invocation { request: http::Request::from_parts(parts, body), trigger, request_id, trace };
    let timeout = if rest_api { REST_INTEGRATION_TIMEOUT } else { INTEGRATION_TIMEOUT };
    let outcome = tokio::time::timeout(timeout, state.functions.invoke(&record, invocation)).await;
    // REST APIs and HTTP APIs word their failures differently.
    let failed = |throttled: bool| match (rest_api, throttled) {
        (true, true) => rest_error("DEFAULT_5XX", StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        (true, false) => rest_error("INTEGRATION_FAILURE", StatusCode::BAD_GATEWAY, "Internal server error"),
        (false, true) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        (false, false) => message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    };
    match outcome {
        Err(_) if rest_api => {
            rest_error("INTEGRATION_TIMEOUT", StatusCode::GATEWAY_TIMEOUT, "Endpoint request timed out")
        }
        Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        Ok(Ok(Outcome::Response(resp))) => resp,
        Ok(Ok(Outcome::Failed(f))) if f.kind == FailureKind::Throttled => failed(true),
        Ok(Ok(Outcome::Failed(f))) => {
            tracing::warn!(function, kind = ?f.kind, error = %f.message, "function failed");
            // Whatever the function did (trap, timeout, out of memory, a malformed
            // answer), the caller sees what API Gateway shows for a failed Lambda
            // integration.
            failed(false)
        }
        Ok(Err(e)) => {
            tracing::error!(function, error = %e, "invocation failed");
            failed(false)
        }
    }
}

/// Largest body an `async: true` route takes: Lambda's limit on an event's payload.
const MAX_EVENT_BODY: usize = 256 * 1024;

/// An `async: true` REST route: the function gets the framework's lambda-integration event
/// as an asynchronous invocation (durable, retried), and the caller 202 at once.
async fn invoke_event(
    state: &RoutesState,
    req: http::Request<Incoming>,
    m: &Matched<'_>,
    v1: &V1Context,
    request_id: &RequestId,
    trace: &TraceContext,
) -> http::Response<Body> {
    let draw = squall_types::random_draw();
    let Some(record) = state.functions.serving(m.function, draw) else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let source_ip =
        req.extensions().get::<squall_api::host::PeerAddr>().map(|p| p.0.ip().to_string()).unwrap_or_default();
    let (parts, body) = req.into_parts();
    let body = match http_body_util::Limited::new(body, MAX_EVENT_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long"),
    };
    let event = crate::lambda_integration::event(&parts, &body, m.params, &source_ip, v1);
    let payload = bytes::Bytes::from(event.to_string());
    match state.functions.invoke_async(&record, payload, request_id, trace, &Default::default()).await {
        Ok(()) => {
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::ACCEPTED;
            r
        }
        Err(e) => {
            tracing::error!(function = m.function, error = %e, "could not enqueue the event");
            rest_error("INTEGRATION_FAILURE", StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        }
    }
}

/// The answer of the mock integration the Serverless Framework puts on a REST resource's
/// `OPTIONS` method for `cors`: always 200, with the configured headers.
fn rest_preflight(cors: &RestCors, methods: &str, headers: &HeaderMap) -> http::Response<Body> {
    let mut r = http::Response::new(empty());
    let h = r.headers_mut();
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    // Several origins: the request's is echoed when listed, else the first is sent.
    let allow_origin = match (cors.origins.as_slice(), origin) {
        ([one], _) => one.clone(),
        (many, Some(o)) if many.iter().any(|m| m == o || m == "*") => o.to_string(),
        (many, _) => many.first().cloned().unwrap_or_else(|| "*".into()),
    };
    let mut set = |name: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(name, v);
        }
    };
    set(header::ACCESS_CONTROL_ALLOW_ORIGIN, &allow_origin);
    set(header::ACCESS_CONTROL_ALLOW_HEADERS, &cors.headers.join(","));
    set(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    if cors.allow_credentials {
        set(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    if let Some(age) = cors.max_age {
        set(header::ACCESS_CONTROL_MAX_AGE, &age.to_string());
    }
    if let Some(cc) = &cors.cache_control {
        set(header::CACHE_CONTROL, cc);
    }
    set(header::CONTENT_TYPE, "application/json");
    r
}

fn origin_allowed(cors: &Cors, origin: &str) -> bool {
    cors.allowed_origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
}

/// Answers a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`).
pub(crate) fn preflight(cors: &Cors, method: &Method, headers: &HeaderMap) -> Option<http::Response<Body>> {
    if method != Method::OPTIONS {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?;
    let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?.to_str().ok()?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let ok_method = cors.allowed_methods.iter().any(|m| m == "*" || m.eq_ignore_ascii_case(requested));
    if !ok_method || !origin.to_str().is_ok_and(|o| origin_allowed(cors, o)) {
        // A preflight that fails gets no CORS headers; the browser then refuses.
        return Some(r);
    }
    let h = r.headers_mut();
    add_cors_headers(cors, origin, h);
    let set = |h: &mut HeaderMap, name: header::HeaderName, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(name, v);
        }
    };
    set(h, header::ACCESS_CONTROL_ALLOW_METHODS, cors.allowed_methods.join(","));
    if !cors.allowed_headers.is_empty() {
        set(h, header::ACCESS_CONTROL_ALLOW_HEADERS, cors.allowed_headers.join(","));
    }
    if let Some(age) = cors.max_age {
        set(h, header::ACCESS_CONTROL_MAX_AGE, age.to_string());
    }
    Some(r)
}

/// Adds the headers every response to an allowed origin carries.
pub(crate) fn add_cors_headers(cors: &Cors, origin: &HeaderValue, h: &mut HeaderMap) {
    let Ok(o) = origin.to_str() else { return };
    if !origin_allowed(cors, o) {
        return;
    }
    let wildcard = cors.allowed_origins.iter().any(|x| x == "*") && !cors.allow_credentials;
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        if wildcard { HeaderValue::from_static("*") } else { origin.clone() },
    );
    if !wildcard {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if cors.allow_credentials {
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    }
    if !cors.exposed_response_headers.is_empty()
        && let Ok(v) = HeaderValue::from_str(&cors.exposed_response_headers.join(","))
    {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str], credentials: bool) -> Cors {
        Cors {
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_headers: vec!["Content-Type".into()],
            allowed_methods: vec!["GET".into()],
            allow_credentials: credentials,
            exposed_response_headers: vec!["x-total".into()],
            max_age: Some(60),
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn preflight_answers_only_allowed_origins_and_methods() {
        let c = cors(&["https://a.example"], false);
        let ok = headers(&[("origin", "https://a.example"), ("access-control-request-method", "GET")]);
        let r = preflight(&c, &Method::OPTIONS, &ok).expect("a preflight");
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://a.example");
        assert_eq!(r.headers()[header::ACCESS_CONTROL_MAX_AGE], "60");
        let wrong_method = headers(&[("origin", "https://a.example"), ("access-control-request-method", "PUT")]);
        assert!(
            preflight(&c, &Method::OPTIONS, &wrong_method)
                .unwrap()
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        assert!(preflight(&c, &Method::GET, &ok).is_none(), "only OPTIONS is a preflight");
        assert!(preflight(&c, &Method::OPTIONS, &headers(&[("origin", "https://a.example")])).is_none());
    }

    #[test]
    fn wildcard_origin_is_echoed_when_credentials_are_allowed() {
        let mut h = HeaderMap::new();
        add_cors_headers(&cors(&["*"], false), &HeaderValue::from_static("https://x"), &mut h);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(h[header::ACCESS_CONTROL_EXPOSE_HEADERS], "x-total");
        let mut h = HeaderMap::new();
        add_cors_headers(&cors(&["*"], true), &HeaderValue::from_static("https://x"), &mut h);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://x");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(h[header::VARY], "Origin");
    }
}
