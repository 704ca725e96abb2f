//! SimulatePrincipalPolicy and SimulateCustomPolicy: the same evaluator that authorizes
//! requests, asked about each action on each resource.

use crate::iam::NAMESPACE;
use http::StatusCode;
use squall_api::query::{Params, response};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_iam::{Context, Decision, Policy, PolicyKind, Request};
use squall_runtime::Body;

fn malformed(m: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", m)
}

/// Answers `action` (one of the two simulations).
pub(crate) fn simulate(
    state: &ApiState,
    req: &ApiRequest,
    p: &Params,
    action: &str,
) -> Result<http::Response<Body>, ApiError> {
    let mut policies: Vec<Policy> = Vec::new();
    let mut principal = p.get("CallerArn").unwrap_or_default().to_string();
    if action == "SimulatePrincipalPolicy" {
        let source = p
            .get("PolicySourceArn")
            .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "ValidationError", "PolicySourceArn is required"))?;
        policies = state
            .identities
            .snapshot()
            .policies_of(source)
            .map_err(|e| ApiError::new(StatusCode::NOT_FOUND, "NoSuchEntity", e.to_string()))?;
        if principal.is_empty() {
            principal = source.to_string();
        }
    }
    for document in p.strings("PolicyInputList") {
        policies.push(Policy::parse(&document, PolicyKind::Identity).map_err(|m| malformed(m.0))?);
    }
    let actions = p.strings("ActionNames");
    if actions.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "ActionNames must name at least one action",
        ));
    }
    let mut resources = p.strings("ResourceArns");
    if resources.is_empty() {
        resources.push("*".into());
    }
    let mut context = Context::default();
    for m in p.members("ContextEntries") {
        let Some(key) = p.get(&format!("{m}.ContextKeyName")) else { continue };
        context.set_all(key, p.strings(&format!("{m}.ContextKeyValues")));
    }
    let refs: Vec<&Policy> = policies.iter().collect();
    let mut results = Vec::new();
    for a in &actions {
        for r in &resources {
            let request = Request { principal: &principal, action: a, resource: r, context: &context };
            let decision = match squall_iam::evaluate_all(&refs, &request) {
                Decision::Allow => "allowed",
                Decision::ExplicitDeny => "explicitDeny",
                Decision::ImplicitDeny => "implicitDeny",
            };
            results.push((a.clone(), r.clone(), decision));
        }
    }
    Ok(response(NAMESPACE, action, req.request_id.as_str(), |x| {
        x.nest("EvaluationResults", |x| {
            for (a, r, d) in &results {
                x.nest("member", |m| {
                    m.elem("EvalActionName", a).elem("EvalResourceName", r).elem("EvalDecision", d);
                });
            }
        });
        x.elem("IsTruncated", "false");
    }))
}
