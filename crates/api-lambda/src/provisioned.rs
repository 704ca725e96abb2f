//! Provisioned concurrency (`/2019-09-30/functions/{name}/provisioned-concurrency`): Put, Get
//! and DeleteProvisionedConcurrencyConfig with `Qualifier`, and ListProvisionedConcurrencyConfigs
//! (`List=ALL`). `Allocated` and `Available` count the instances initialized on this server.

use super::lambda::{parse_json, qualified_name};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_api::authorize::authorize;
use squall_functions::ProvisionedState;
use squall_runtime::Body;
use squall_types::format_iso8601_millis;

type Reply = Result<http::Response<Body>, ApiError>;

/// What a configuration answers.
fn document(p: &ProvisionedState) -> Value {
    let ready = p.ready >= p.requested;
    json!({
        "RequestedProvisionedConcurrentExecutions": p.requested,
        "AvailableProvisionedConcurrentExecutions": p.ready,
        "AllocatedProvisionedConcurrentExecutions": p.ready,
        "Status": if ready { "READY" } else { "IN_PROGRESS" },
        "LastModified": format_iso8601_millis(p.modified_ms),
    })
}

fn not_found(e: squall_functions::Error) -> ApiError {
    match e {
        squall_functions::Error::NotFound { kind: "ProvisionedConcurrencyConfig", .. } => ApiError::new(
            StatusCode::NOT_FOUND,
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        ),
        other => other.into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct PutInput {
    provisioned_concurrent_executions: u32,
}

/// `{name}/provisioned-concurrency` under `/2019-09-30/functions`.
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, raw: &str) -> Reply {
    // The qualifier comes with `Qualifier` (or the name's `:q`): it is this API's subject.
    let (name, qualifier) = qualified_name(req, raw)?;
    let qualified = qualifier.as_ref().map_or(name.clone(), |q| format!("{name}:{q}"));
    let arn = squall_types::function_arn(&state.region, &qualified);
    let listing = req.method == Method::GET && req.query("Qualifier").is_none() && qualifier.is_none();
    let op = match req.method {
        Method::PUT => "PutProvisionedConcurrencyConfig",
        Method::DELETE => "DeleteProvisionedConcurrencyConfig",
        Method::GET if listing => "ListProvisionedConcurrencyConfigs",
        _ => "GetProvisionedConcurrencyConfig",
    };
    authorize(state, req.who(), "lambda", op, || vec![arn.clone()])?;
    if listing {
        if req.query("List").is_some_and(|l| l != "ALL") {
            return Err(ApiError::invalid("List must be ALL"));
        }
        let configs: Vec<Value> = state
            .functions
            .list_provisioned(&name)?
            .iter()
            .map(|p| {
                let mut doc = document(p);
                doc["FunctionArn"] =
                    json!(squall_types::function_arn(&state.region, &format!("{name}:{}", p.qualifier)));
                doc
            })
            .collect();
        return Ok(json_response(StatusCode::OK, &json!({ "ProvisionedConcurrencyConfigs": configs })));
    }
    let qualifier = match qualifier {
        Some(q) => q,
        // `$LATEST` (which `qualified_name` reads as none) cannot take it.
        None if req.query("Qualifier").is_some() => squall_types::LATEST.to_string(),
        None => return Err(ApiError::invalid("Qualifier is required: a version's number or an alias")),
    };
    match req.method {
        Method::PUT => {
            let input: PutInput = parse_json(&req.body)?;
            let p = state.functions.put_provisioned(&name, &qualifier, input.provisioned_concurrent_executions).await?;
            Ok(json_response(StatusCode::ACCEPTED, &document(&p)))
        }
        Method::GET => {
            let p = state.functions.get_provisioned(&name, &qualifier).map_err(not_found)?;
            Ok(json_response(StatusCode::OK, &document(&p)))
        }
        Method::DELETE => {
            state.functions.delete_provisioned(&name, &qualifier).await.map_err(not_found)?;
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            Ok(r)
        }
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation")),
    }
}
