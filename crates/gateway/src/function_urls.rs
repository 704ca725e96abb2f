//! Lambda function URLs on the http port: `/lambda-url/<id>/<path>` (the form
//! `FunctionUrl` answers, which resolves everywhere), or any path of a request whose Host is
//! `<id>.lambda-url.<region>.localhost` (Lambda's form, where `*.localhost` resolves).
//!
//! A URL with `AuthType: NONE` answers whoever the function's resource policy lets
//! `lambda:InvokeFunctionUrl` (the statement `add-permission --function-url-auth-type NONE
//! --principal '*'` adds), as on Lambda: without one, 403. One with `AWS_IAM` takes
//! SigV4-signed requests (verified as the api port verifies them, body included) whose
//! identity may `lambda:InvokeFunctionUrl` on the function (or alias), by its own policies or
//! the function's. The function gets payload 2.0
//! (route key `$default`) and answers as behind an HTTP API; the URL's CORS settings answer
//! preflights and decorate responses. An alias's URL runs the version the alias picks.

use crate::routes::{add_cors_headers, preflight};
use http::{StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use squall_api::body::json_response;
use squall_runtime::{Body, BoxError, EventFormat, FailureKind, Invocation, Outcome, Trigger};
use squall_types::{FunctionRecord, LATEST, RequestId, TraceContext, UrlAuth};

/// The path prefix of the path form.
const PREFIX: &str = "/lambda-url/";

/// Lambda's plain answers, `{"Message": ...}`.
fn message(status: StatusCode, msg: &str) -> http::Response<Body> {
    json_response(status, &serde_json::json!({ "Message": msg }))
}

/// The URL id a request addresses and the path the function sees, if it addresses one.
pub(crate) fn addressed(req: &http::Request<Incoming>) -> Option<(String, String)> {
    let path = req.uri().path();
    if let Some(rest) = path.strip_prefix(PREFIX) {
        let (id, after) = rest.split_once('/').map_or((rest, ""), |(id, after)| (id, after));
        return Some((id.to_string(), format!("/{after}")));
    }
    let host = req.headers().get(header::HOST)?.to_str().ok()?;
    let host =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
    let (id, domain) = host.split_once(".lambda-url.")?;
    domain.ends_with(".localhost").then(|| (id.to_ascii_lowercase(), path.to_string()))
}

/// Whether the function's resource policy lets anyone invoke its URL (`AuthType: NONE`).
fn open_to_everyone(region: &str, record: &FunctionRecord, qualifier: &str, source_ip: &str) -> bool {
    let Some(document) = record.config.policy_document() else { return false };
    let Ok(policy) = squall_iam::Policy::parse(&document, squall_iam::PolicyKind::Resource) else { return false };
    let name = record.config.name.as_str();
    let arn = if qualifier == LATEST {
        squall_types::function_arn(region, name)
    } else {
        squall_types::function_arn(region, &format!("{name}:{qualifier}"))
    };
    let mut context = squall_iam::Context::default();
    context.set("lambda:FunctionUrlAuthType", "NONE").set("aws:SecureTransport", "false");
    if !source_ip.is_empty() {
        context.set("aws:SourceIp", source_ip);
    }
    let request =
        squall_iam::Request { principal: "*", action: "lambda:InvokeFunctionUrl", resource: &arn, context: &context };
    policy.evaluate_as_resource(&request) == squall_iam::Decision::Allow
}

/// Lambda's limit on a synchronous request's payload.
const MAX_PAYLOAD: usize = 6 << 20;

/// An AWS_IAM URL's request: its signature verified (the body read for it) and its signer
/// allowed `lambda:InvokeFunctionUrl`; the request's head and body, or the refusal to send.
async fn signed(
    state: &crate::routes::RoutesState,
    req: http::Request<Incoming>,
    latest: &FunctionRecord,
    qualifier: &str,
    peer: Option<std::net::IpAddr>,
    request_id: &RequestId,
    trace: &TraceContext,
) -> Result<(http::request::Parts, bytes::Bytes), http::Response<Body>> {
    let forbidden = || message(StatusCode::FORBIDDEN, "Forbidden");
    let keys = &state.api.keys;
    let signature = keys.precheck(req.headers(), req.uri().query().unwrap_or("")).map_err(|_| forbidden())?;
    let (parts, body) = req.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_PAYLOAD).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(message(StatusCode::PAYLOAD_TOO_LARGE, "Request must be smaller than 6291456 bytes")),
    };
    let api_req = squall_api::ApiRequest {
        method: parts.method.clone(),
        uri: parts.uri.clone(),
        headers: parts.headers.clone(),
        body: bytes.clone(),
        request_id: request_id.clone(),
        trace: *trace,
        peer,
        caller: None,
    };
    let identity = keys.authenticate(&api_req, &signature).map_err(|_| forbidden())?;
    let name = latest.config.name.as_str();
    let function_arn = squall_types::function_arn(&state.region, name);
    let resource = if qualifier == LATEST {
        function_arn.clone()
    } else {
        squall_types::function_arn(&state.region, &format!("{name}:{qualifier}"))
    };
    let document = latest.config.policy_document();
    let policy =
        document.as_deref().map(|document| squall_api::authorize::ResourcePolicy { arn: &function_arn, document });
    let mut request_keys = squall_iam::Context::default();
    request_keys.set("lambda:FunctionUrlAuthType", "AWS_IAM");
    let caller =
        squall_api::authorize::Caller { identity: Some(&identity), peer, anonymous: false, keys: Some(&request_keys) };
    squall_api::authorize::authorize_action_under(
        &state.api,
        caller,
        "lambda",
        "lambda:InvokeFunctionUrl",
        resource,
        policy,
    )
    .map_err(|_| forbidden())?;
    Ok((parts, bytes))
}

/// Serves a request to the URL `id`, the function seeing `path`.
pub(crate) async fn serve(
    state: &crate::routes::RoutesState,
    req: http::Request<Incoming>,
    id: &str,
    path: &str,
    request_id: RequestId,
    trace: TraceContext,
) -> http::Response<Body> {
    let Some((latest, qualifier, url)) = state.functions.url_target(id) else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    if let Some(cors) = &url.cors
        && let Some(pre) = preflight(cors, req.method(), req.headers())
    {
        return pre;
    }
    let peer = req.extensions().get::<squall_api::host::PeerAddr>().map(|p| p.0.ip());
    let source_ip = peer.map(|ip| ip.to_string()).unwrap_or_default();
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (mut parts, body): (http::request::Parts, Body) = match url.auth {
        UrlAuth::None if open_to_everyone(&state.region, &latest, &qualifier, &source_ip) => {
            let (parts, body) = req.into_parts();
            (parts, body.map_err(BoxError::from).boxed_unsync())
        }
        // Closed, as on Lambda, until the policy lets everyone in.
        UrlAuth::None => return message(StatusCode::FORBIDDEN, "Forbidden"),
        UrlAuth::AwsIam => match signed(state, req, &latest, &qualifier, peer, &request_id, &trace).await {
            Ok((parts, bytes)) => (parts, squall_api::body::full(bytes)),
            Err(refusal) => return refusal,
        },
    };
    let draw = squall_types::random_draw();
    let q = (qualifier != LATEST).then_some(qualifier.as_str());
    let Ok(record) = state.functions.resolve(latest.config.name.as_str(), q, draw) else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    parts.uri = match path_and_query.parse() {
        Ok(u) => u,
        Err(_) => return message(StatusCode::BAD_REQUEST, "Bad Request"),
    };
    let trigger =
        Trigger::Http { route_key: "$default".into(), path_params: Vec::new(), source_ip, format: EventFormat::V2 };
    let invocation = Invocation { request: http::Request::from_parts(parts, body), trigger, request_id, trace };
    let mut resp = match state.functions.invoke(&record, invocation).await {
        Ok(Outcome::Response(resp)) => resp,
        Ok(Outcome::Failed(f)) if f.kind == FailureKind::Throttled => {
            message(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded.")
        }
        Ok(Outcome::Failed(f)) => {
            tracing::warn!(function = record.config.name.as_str(), kind = ?f.kind, error = %f.message, "function failed");
            message(StatusCode::BAD_GATEWAY, "Internal Server Error")
        }
        Err(e) => {
            tracing::error!(function = record.config.name.as_str(), error = %e, "invocation failed");
            message(StatusCode::BAD_GATEWAY, "Internal Server Error")
        }
    };
    if let (Some(cors), Some(origin)) = (&url.cors, origin) {
        add_cors_headers(cors, &origin, resp.headers_mut());
    }
    resp
}
