//! SimulatePrincipalPolicy and SimulateCustomPolicy: the same evaluator that authorizes
//! requests, asked about each action on each resource.

use crate::iam::NAMESPACE;
use http::StatusCode;
use squall_api::query::{Params, response};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_iam::{Context, Decision, Policies, Policy, PolicyKind, Request};
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
    if let Some(name) = ["ResourceHandlingOption", "ResourceOwner"].into_iter().find(|n| p.get(n).is_some()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            format!("{name} is not supported by Squall: there is one account and no EC2 scenarios"),
        ));
    }
    let mut policies: Vec<Policy> = Vec::new();
    let mut boundary: Option<Vec<Policy>> = None;
    let mut principal = p.get("CallerArn").unwrap_or_default().to_string();
    if action == "SimulatePrincipalPolicy" {
        let source = p
            .get("PolicySourceArn")
            .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "ValidationError", "PolicySourceArn is required"))?;
        let snapshot = state.identities.snapshot();
        let missing = |e: squall_identity::Error| ApiError::new(StatusCode::NOT_FOUND, "NoSuchEntity", e.to_string());
        policies = snapshot.policies_of(source).map_err(missing)?;
        boundary = snapshot.boundary_of(source).map_err(missing)?;
        if principal.is_empty() {
            principal = source.to_string();
        }
    }
    for document in p.strings("PolicyInputList") {
        policies.push(Policy::parse(&document, PolicyKind::Identity).map_err(|m| malformed(m.0))?);
    }
    let boundaries = p.strings("PermissionsBoundaryPolicyInputList");
    if !boundaries.is_empty() {
        // Given boundaries replace the entity's own, as IAM's simulator does.
        let parsed = boundaries.iter().map(|d| Policy::parse(d, PolicyKind::Identity).map_err(|m| malformed(m.0)));
        boundary = Some(parsed.collect::<Result<_, _>>()?);
    }
    let resource_policy = match p.get("ResourcePolicy") {
        Some(d) => Some(Policy::parse(d, PolicyKind::Resource).map_err(|m| malformed(m.0))?),
        None => None,
    };
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
    let boundary_refs: Option<Vec<&Policy>> = boundary.as_ref().map(|b| b.iter().collect());
    let resource_refs: Vec<&Policy> = resource_policy.iter().collect();
    let all = Policies { identity: &refs, resource: &resource_refs, boundary: boundary_refs.as_deref(), session: None };
    let mut results = Vec::new();
    for a in &actions {
        for r in &resources {
            let request = Request { principal: &principal, action: a, resource: r, context: &context };
            let decision = match squall_iam::decide(&all, &request) {
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
