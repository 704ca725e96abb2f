//! A function's resource policy: AddPermission, GetPolicy, RemovePermission
//! (`/2015-03-31/functions/{name}/policy[/{sid}]`). The statements are kept on the function
//! (`FunctionConfig::permissions`) and consulted when anyone calls Lambda on it
//! (`access::authorize`).

use super::lambda::{parse_json, qualified_name};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use squall_functions::ConfigPatch;
use squall_runtime::Body;
use squall_types::FunctionRecord;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, ApiError>;

/// The function's resource policy document, if it has statements.
pub(crate) fn document(f: &FunctionRecord) -> Option<String> {
    f.config.policy_document()
}

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameterValueException", message)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AddPermission {
    statement_id: String,
    action: String,
    principal: String,
    source_arn: Option<String>,
    source_account: Option<String>,
    principal_org_i_d: Option<String>,
    function_url_auth_type: Option<String>,
    revision_id: Option<String>,
}

/// A policy principal for what AddPermission's `Principal` names: a service, everyone, an
/// account, or an ARN.
fn principal(p: &str) -> Value {
    if p == "*" {
        json!("*")
    } else if p.ends_with(".amazonaws.com") {
        json!({ "Service": p })
    } else if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{p}:root") })
    } else {
        json!({ "AWS": p })
    }
}

/// The function a policy operation names, and the ARN its statements name: the function's,
/// or with a qualifier (a version or an alias, which must exist) that qualifier's, whose
/// statements form a policy of their own as on Lambda.
fn target(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<(Arc<FunctionRecord>, String), ApiError> {
    let (name, qualifier) = qualified_name(req, raw)?;
    let f = state.functions.get_function(&name)?;
    let arn = match qualifier {
        None => squall_types::function_arn(&state.region, &name),
        Some(q) => {
            state.functions.resolve(&name, Some(&q), 1.0)?;
            squall_types::function_arn(&state.region, &format!("{name}:{q}"))
        }
    };
    Ok((f, arn))
}

/// The statements of `f` that make the policy of `arn`.
fn statements_of(f: &FunctionRecord, arn: &str) -> Vec<(String, Value)> {
    f.config
        .permissions
        .iter()
        .filter_map(|(sid, s)| serde_json::from_str::<Value>(s).ok().map(|v| (sid.clone(), v)))
        .filter(|(_, v)| v["Resource"] == arn)
        .collect()
}

/// AddPermission: one statement, under a new statement id.
pub(super) async fn add(state: &ApiState, req: &ApiRequest, name: &str) -> Reply {
    let (f, arn) = target(state, req, name)?;
    let input: AddPermission = parse_json(&req.body)?;
    let sid = &input.statement_id;
    if sid.is_empty() || sid.len() > 100 || !sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid(format!(
            "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
        )));
    }
    let action_ok = input.action == "*"
        || input
            .action
            .strip_prefix("lambda:")
            .is_some_and(|a| a == "*" || (!a.is_empty() && a.bytes().all(|b| b.is_ascii_alphabetic())));
    if !action_ok {
        return Err(invalid(format!(
            "1 validation error detected: Value '{}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
            input.action
        )));
    }
    if f.config.permissions.contains_key(sid) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "ResourceConflictException",
            format!(
                "The statement id ({sid}) provided already exists. Please explain or use a new statement id, or remove the existing statement."
            ),
        ));
    }
    let mut condition = Map::new();
    if let Some(arn) = &input.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut equals = Map::new();
    if let Some(a) = &input.source_account {
        equals.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(o) = &input.principal_org_i_d {
        equals.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(t) = &input.function_url_auth_type {
        equals.insert("lambda:FunctionUrlAuthType".into(), json!(t));
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal(&input.principal),
        "Action": input.action,
        "Resource": arn,
    });
    if !condition.is_empty() {
        statement["Condition"] = Value::Object(condition);
    }
    let doc = json!({ "Version": "2012-10-17", "Statement": [statement.clone()] }).to_string();
    squall_iam::Policy::accept(&doc, squall_iam::PolicyKind::Resource).map_err(|m| invalid(m.0))?;
    let if_revision = input.revision_id.as_deref().map(|r| r.parse().map_err(|_| revision_mismatch())).transpose()?;
    // Added to the statements as they are under the write lock: a concurrent change is kept.
    let text = statement.to_string();
    state
        .functions
        .modify_config(f.config.name.as_str(), |current| {
            let mut permissions = current.config.permissions.clone();
            if permissions.insert(sid.clone(), text).is_some() {
                return Err(squall_functions::Error::Conflict(format!(
                    "The statement id ({sid}) provided already exists. Please explain or use a new statement id, or remove the existing statement."
                )));
            }
            Ok(ConfigPatch { permissions: Some(permissions), if_revision, ..ConfigPatch::default() })
        })
        .await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "Statement": statement.to_string() })))
}

fn revision_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
}

/// GetPolicy: the function's policy, or a qualifier's.
pub(super) fn get(state: &ApiState, req: &ApiRequest, name: &str) -> Reply {
    let (f, arn) = target(state, req, name)?;
    let statements: Vec<Value> = statements_of(&f, &arn).into_iter().map(|(_, s)| s).collect();
    if statements.is_empty() {
        return Err(not_found("The resource you requested does not exist."));
    }
    let policy = json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements }).to_string();
    Ok(json_response(StatusCode::OK, &json!({ "Policy": policy, "RevisionId": f.revision.to_string() })))
}

/// RemovePermission: a statement of the function's policy, or of a qualifier's.
pub(super) async fn remove(state: &ApiState, req: &ApiRequest, name: &str, sid: &str) -> Reply {
    let (f, arn) = target(state, req, name)?;
    if !statements_of(&f, &arn).iter().any(|(s, _)| s == sid) {
        return Err(not_found(format!("Statement {sid} is not found in resource policy.")));
    }
    let if_revision = req.query("RevisionId").map(|r| r.parse().map_err(|_| revision_mismatch())).transpose()?;
    state
        .functions
        .modify_config(f.config.name.as_str(), |current| {
            let mut permissions = current.config.permissions.clone();
            permissions.remove(sid);
            Ok(ConfigPatch { permissions: Some(permissions), if_revision, ..ConfigPatch::default() })
        })
        .await?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}
