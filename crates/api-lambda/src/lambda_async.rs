//! Lambda's asynchronous invocation settings: `/2019-09-25/functions/{name}/event-invoke-config`
//! (Put, Update, Get, Delete and ListFunctionEventInvokeConfigs). The dead-letter queue is
//! set through `DeadLetterConfig` on the function's configuration instead (`lambda.rs`).

use super::lambda::{lookup, parse_json};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_functions::ConfigPatch;
use squall_runtime::Body;
use squall_types::{AsyncInvokeConfig, FunctionRecord};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Target {
    destination: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DestinationConfig {
    on_success: Option<Target>,
    on_failure: Option<Target>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Input {
    maximum_retry_attempts: Option<u32>,
    maximum_event_age_in_seconds: Option<u32>,
    destination_config: Option<DestinationConfig>,
}

/// Whether anything of the event invoke config is set (the dead-letter queue is not part of it).
fn configured(c: &AsyncInvokeConfig) -> bool {
    c.maximum_retry_attempts.is_some()
        || c.maximum_event_age_s.is_some()
        || c.on_success.is_some()
        || c.on_failure.is_some()
}

fn document(state: &ApiState, f: &FunctionRecord) -> Value {
    let c = &f.config.async_invoke;
    let target = |t: &Option<String>| match t {
        Some(arn) => json!({ "Destination": arn }),
        None => json!({}),
    };
    let mut doc = json!({
        "LastModified": f.last_modified_ms as f64 / 1000.0,
        "FunctionArn": format!("{}:$LATEST", squall_types::function_arn(&state.region, f.config.name.as_str())),
        "DestinationConfig": { "OnSuccess": target(&c.on_success), "OnFailure": target(&c.on_failure) },
    });
    if let Some(n) = c.maximum_retry_attempts {
        doc["MaximumRetryAttempts"] = n.into();
    }
    if let Some(s) = c.maximum_event_age_s {
        doc["MaximumEventAgeInSeconds"] = s.into();
    }
    doc
}

fn missing(state: &ApiState, f: &FunctionRecord) -> ApiError {
    let arn = squall_types::function_arn(&state.region, f.config.name.as_str());
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ResourceNotFoundException",
        format!("The function {arn} doesn't have an EventInvokeConfig"),
    )
}

/// Where asynchronous invocation settings live.
pub(super) const FUNCTIONS: &str = "/2019-09-25/functions";

/// `rest`: what follows `/2019-09-25/functions`.
pub(super) async fn dispatch(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let (name, list) = match segments.as_slice() {
        [name, "event-invoke-config"] => (*name, false),
        [name, "event-invoke-config", "list"] => (*name, true),
        _ => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"));
        }
    };
    let f = lookup(state, req, name)?;
    let current = f.config.async_invoke.clone();
    let set = |c: AsyncInvokeConfig| ConfigPatch { async_invoke: Some(c), ..ConfigPatch::default() };
    match (&req.method, list) {
        (&Method::GET, true) => {
            let configs: Vec<Value> = if configured(&current) { vec![document(state, &f)] } else { vec![] };
            Ok(json_response(StatusCode::OK, &json!({ "FunctionEventInvokeConfigs": configs })))
        }
        (&Method::GET, false) if configured(&current) => Ok(json_response(StatusCode::OK, &document(state, &f))),
        (&Method::GET, false) => Err(missing(state, &f)),
        // Put replaces the settings; Update changes only what it names.
        (&Method::PUT | &Method::POST, false) => {
            let input: Input = parse_json(&req.body)?;
            let base = if req.method == Method::PUT {
                AsyncInvokeConfig { dead_letter: current.dead_letter.clone(), ..AsyncInvokeConfig::default() }
            } else {
                current.clone()
            };
            let destinations = input.destination_config.unwrap_or_default();
            let pick = |t: Option<Target>, old: Option<String>| match t {
                Some(t) => t.destination,
                None => old,
            };
            let next = AsyncInvokeConfig {
                maximum_retry_attempts: input.maximum_retry_attempts.or(base.maximum_retry_attempts),
                maximum_event_age_s: input.maximum_event_age_in_seconds.or(base.maximum_event_age_s),
                on_success: pick(destinations.on_success, base.on_success),
                on_failure: pick(destinations.on_failure, base.on_failure),
                dead_letter: base.dead_letter,
            };
            next.validate().map_err(ApiError::invalid)?;
            let f = state.functions.update_config(f.config.name.as_str(), set(next)).await?;
            Ok(json_response(StatusCode::OK, &document(state, &f)))
        }
        (&Method::DELETE, false) if configured(&current) => {
            let kept = AsyncInvokeConfig { dead_letter: current.dead_letter, ..AsyncInvokeConfig::default() };
            state.functions.update_config(f.config.name.as_str(), set(kept)).await?;
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            Ok(r)
        }
        (&Method::DELETE, false) => Err(missing(state, &f)),
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation")),
    }
}
