//! Squall's control plane (`/squall/v1/…`), used by the `squall` CLI: content-addressed
//! artifact upload, whole-service deploys, service listing, function code and logs, and
//! failed invocations kept for replay.
//! Errors use the same REST-JSON shape as Lambda's.

use super::dev;
use http::{Method, StatusCode};
use serde_json::json;
use squall_api::body::{empty, full, json_response};
use squall_api::protocol::{Handler, Protocol, Recognition, Service};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_functions::DeploymentPlan;
use squall_runtime::Body;
use std::time::Duration;

/// The longest a logs request may wait for new lines.
const MAX_LOG_WAIT: Duration = Duration::from_secs(25);

/// Squall's own API, in Lambda's REST-JSON shape. The `squall` CLI signs it for `squall`;
/// any service's scope is taken. Under `--dev`, moto's unsigned reset path is served too,
/// from loopback clients, so test suites written for moto reset Squall the same way.
pub(crate) static SERVICE: Service = Service {
    name: "squall",
    signing_name: None,
    protocol: Protocol::RestJson,
    recognition: Recognition::Paths(&[PREFIX, MOTO_RESET]),
    namespace: "",
    query_code: None,
    unsigned: |method, uri| method == Method::POST && uri.path() == MOTO_RESET,
    // Artifacts: zipped packages and components.
    max_body: 100 << 20,
    handler: Handler::Buffered(|state, req, _| Box::pin(serve(state, req))),
};

const PREFIX: &str = "/squall/v1/";
const MOTO_RESET: &str = "/moto-api/reset";

async fn serve(state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
    if let Some(user) = req.caller.as_ref().filter(|c| c.principal.is_some()) {
        // Deploys and logs act on everything; IAM has no actions for them.
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            format!("User: {} may not use Squall's control plane: it is the account root's", user.arn),
        ));
    }
    match req.uri.path().strip_prefix(PREFIX) {
        Some(rest) => dispatch(state, req, rest).await,
        None if req.method == Method::POST && req.uri.path() == MOTO_RESET => {
            // Unsigned: only a client on this machine may wipe it.
            if !req.peer.is_some_and(|ip| ip.is_loopback()) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "AccessDeniedException",
                    "the unsigned reset is served to loopback clients only",
                ));
            }
            dev::reset(state).await
        }
        None => Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such operation")),
    }
}

async fn dispatch(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let decoded: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let f = &state.functions;
    match (&req.method, segments.as_slice()) {
        (&Method::HEAD, ["artifacts", sha]) => {
            let status = if f.has_artifact(sha).await? { StatusCode::OK } else { StatusCode::NOT_FOUND };
            Ok(status_only(status))
        }
        (&Method::PUT, ["artifacts", sha]) => {
            f.put_artifact(sha, req.body.to_vec()).await?;
            Ok(status_only(StatusCode::NO_CONTENT))
        }
        (&Method::GET, ["services"]) => {
            let services = f.list_services();
            Ok(json_response(StatusCode::OK, &json!({ "services": services, "http": state.http_base })))
        }
        (&Method::PUT, ["services", name]) => {
            let plan: DeploymentPlan = serde_json::from_slice(&req.body)
                .map_err(|e| ApiError::bad_content(format!("the deployment plan does not parse: {e}")))?;
            if plan.service.as_str() != *name {
                return Err(ApiError::invalid(format!("the plan is for service {}, not {name}", plan.service)));
            }
            let report = f.deploy(plan).await?;
            let http = format!("{}{}", state.http_base, report.base_path);
            let mut body = serde_json::to_value(report).expect("reports serialize");
            body["http"] = json!(http);
            body["http_root"] = json!(state.http_base);
            Ok(json_response(StatusCode::OK, &body))
        }
        (&Method::DELETE, ["services", name]) => {
            let removed = f.remove_service(name).await?;
            Ok(json_response(StatusCode::OK, &json!({ "service": name, "removed": removed.functions })))
        }
        (&Method::POST, ["reset"]) => dev::reset(state).await,
        (&Method::POST, ["clock"]) => dev::advance_clock(state, req),
        // The platform's time, which a canary deployment's steps wait on.
        (&Method::GET, ["clock"]) => Ok(json_response(StatusCode::OK, &json!({ "nowMs": state.clock.now_ms() }))),
        (&Method::GET, ["functions", name, "stats"]) => {
            f.get_function(name)?;
            Ok(json_response(StatusCode::OK, &json!({ "versions": f.version_stats(name) })))
        }
        (&Method::GET, ["functions", name, "code"]) => {
            let version = req.query("version");
            let code = match version {
                Some(n) => f.version_code(name, &n).await?,
                None => f.function_code(name).await?,
            };
            let mut r = http::Response::new(full(code));
            r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/wasm"));
            Ok(r)
        }
        (&Method::GET, ["layers", name, "versions", n, "content"]) => {
            let n = n.parse().map_err(|_| ApiError::invalid("a layer version is a positive number"))?;
            let mut r = http::Response::new(full(f.layer_code(name, n).await?));
            r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/zip"));
            Ok(r)
        }
        (&Method::GET, ["functions", name, "logs"]) => {
            f.get_function(name)?;
            let number = |key: &str, default: u64| -> Result<u64, ApiError> {
                req.query(key).map_or(Ok(default), |v| {
                    v.parse().map_err(|_| ApiError::invalid(format!("{key} must be a number")))
                })
            };
            let limit = number("limit", 1000)?.clamp(1, 10_000) as usize;
            let lines = match req.query("tail") {
                Some(_) => f.tail_logs(name, number("tail", 100)?.clamp(1, 10_000) as usize).await?,
                None => {
                    let wait = Duration::from_secs(number("wait", 0)?).min(MAX_LOG_WAIT);
                    let wait = (!wait.is_zero()).then_some(wait);
                    f.read_logs(name, number("after", 0)?, limit, wait).await?
                }
            };
            let next = lines.last().map_or(number("after", 0)?, |l| l.seq);
            Ok(json_response(StatusCode::OK, &json!({ "lines": lines, "next": next })))
        }
        (&Method::GET, ["functions", name, "failures"]) => {
            f.get_function(name)?;
            let kept = f.kept_failures(name).await?;
            Ok(json_response(StatusCode::OK, &json!({ "failures": kept })))
        }
        (&Method::GET, ["invocations", id]) => Ok(json_response(StatusCode::OK, &json!(f.kept_failure(id).await?))),
        (&Method::POST, ["invocations", id, "replay"]) => {
            let original = match req.query("original").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => return Err(ApiError::invalid(format!("original must be true or false, not {other:?}"))),
            };
            let (kept, replayed) = f.replay(id, original).await?;
            Ok(json_response(StatusCode::OK, &json!({ "original": kept, "replay": replayed })))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("no control-plane operation at {} {}", req.method, req.uri.path()),
        )),
    }
}

fn status_only(status: StatusCode) -> http::Response<Body> {
    let mut r = http::Response::new(empty());
    *r.status_mut() = status;
    r
}
