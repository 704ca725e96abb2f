//! A state machine's REST route (serverless.yml's `http` event of a state machine): the
//! request's body starts an execution as its input, and the answer is StartExecution's
//! document (`executionArn`, `startDate`), or with `action: StartSyncExecution` the finished
//! execution's, as the framework's API Gateway integration with Step Functions answers.

use crate::routes::RoutesState;
use http::{HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use squall_runtime::Body;
use squall_types::{StartExecutionRoute, TraceContext};

/// Step Functions' limit on an execution's input.
const MAX_INPUT: usize = 256 * 1024;

fn answer(status: StatusCode, doc: serde_json::Value) -> http::Response<Body> {
    let mut r = http::Response::new(squall_api::body::full(doc.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn refused(code: &str, message: &str) -> http::Response<Body> {
    answer(StatusCode::BAD_REQUEST, serde_json::json!({"__type": code, "message": message}))
}

pub(crate) async fn start(
    state: &RoutesState,
    req: http::Request<Incoming>,
    target: &StartExecutionRoute,
    trace: &TraceContext,
) -> http::Response<Body> {
    let body = match http_body_util::Limited::new(req.into_body(), MAX_INPUT).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return refused("InvalidExecutionInput", "The execution input is over 262144 bytes"),
    };
    let input = match std::str::from_utf8(&body) {
        Ok(s) if s.trim().is_empty() => "{}".to_string(),
        Ok(s) => s.to_string(),
        Err(_) => return refused("InvalidExecutionInput", "The execution input is not UTF-8 JSON"),
    };
    let workflows = &state.api.workflows;
    let arn = &target.state_machine_arn;
    let traced = Some(trace.traceparent());
    let result = match target.sync {
        false => workflows
            .start_execution(arn, None, Some(input), traced)
            .await
            .map(|s| serde_json::json!({"executionArn": s.arn, "startDate": s.start_ms as f64 / 1000.0})),
        true => workflows
            .start_sync_execution(arn, None, Some(input), traced)
            .await
            .map(|e| squall_api_stepfunctions::sync_execution(&e)),
    };
    match result {
        Ok(doc) => answer(StatusCode::OK, doc),
        Err(squall_workflows::Error::Refused { code, message }) => refused(code, &message),
        Err(e) => {
            tracing::error!(error = %e, "starting a state machine from its route failed");
            answer(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({"message": "Internal server error"}))
        }
    }
}
