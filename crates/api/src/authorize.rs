//! Authorization of every api-port operation: the caller's policies decide the action the
//! [`crate::actions`] table names for the operation, on each resource the adapter names.
//! The account root may do anything; unsigned requests (SNS's links) carry their own
//! authority. A denial answers in the service's shape with AWS's message.

use crate::actions::{self, Resource};
use crate::auth::Identity;
use crate::{ApiError, ApiRequest, ApiState};
use http::StatusCode;
use squall_iam::{Context, Decision};
use squall_identity::Principal;

/// What a request brings to its authorization besides its operation and resources.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// Who signed (`None`: unsigned).
    pub identity: Option<&'a Identity>,
    /// The client's address (`aws:SourceIp`).
    pub peer: Option<std::net::IpAddr>,
}

/// Whether `caller` may perform `operation` of `service` (botocore's names) on each of
/// `resources` (ARNs; computed only for callers whose policies must be consulted; none for
/// an operation on no one resource, which is matched against `*`).
pub fn authorize(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: &str,
    resources: impl FnOnce() -> Vec<String>,
) -> Result<(), ApiError> {
    authorize_each(state, caller, service, operation, || {
        let Some(row) = actions::find(service, operation) else { return Vec::new() };
        let resources = resources();
        if row.resource == Resource::Any || resources.is_empty() {
            return vec![(row.action, "*".to_string())];
        }
        resources.into_iter().map(|r| (row.action, r)).collect()
    })
}

/// [`authorize`] for an operation AWS authorizes as several actions (a transaction's
/// items as PutItem, UpdateItem, DeleteItem or ConditionCheckItem; a copy as GetObject of
/// its source and PutObject of its destination): each (action, resource) pair.
pub fn authorize_each(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: &str,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), ApiError> {
    // The root (or an unsigned request's own authority) decides nothing here: an
    // operation the adapter does not serve gets its own answer.
    let Some(principal) = caller.identity.and_then(|i| i.principal.as_deref()) else { return Ok(()) };
    if actions::find(service, operation).is_none() {
        // Every operation an adapter serves has a row (the table is checked against
        // botocore, and every operation against a user without permissions).
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("{service} has no operation {operation} that Squall authorizes"),
        ));
    }
    let context = context(state, principal, caller.peer);
    let mut checks = checks();
    if checks.is_empty()
        && let Some(row) = actions::find(service, operation)
    {
        // An input naming no resource of its kind (an empty transaction): the action on `*`.
        checks.push((row.action, "*".to_string()));
    }
    for (action, resource) in checks {
        match principal.decide(action, &resource, None, &context) {
            Decision::Allow => {}
            denied => return Err(denial(service, &principal.arn, action, &resource, denied)),
        }
    }
    Ok(())
}

impl ApiRequest {
    /// [`authorize`] for this request's caller.
    pub fn authorize(
        &self,
        state: &ApiState,
        service: &str,
        operation: &str,
        resources: impl FnOnce() -> Vec<String>,
    ) -> Result<(), ApiError> {
        authorize(state, self.who(), service, operation, resources)
    }

    /// [`authorize_each`] for this request's caller.
    pub fn authorize_each(
        &self,
        state: &ApiState,
        service: &str,
        operation: &str,
        checks: impl FnOnce() -> Vec<(&'static str, String)>,
    ) -> Result<(), ApiError> {
        authorize_each(state, self.who(), service, operation, checks)
    }

    fn who(&self) -> Caller<'_> {
        Caller { identity: self.caller.as_ref(), peer: self.peer }
    }
}

/// The global condition keys of a request by `principal`.
pub fn context(state: &ApiState, principal: &Principal, peer: Option<std::net::IpAddr>) -> Context {
    let mut c = Context::default();
    let now_ms = state.clock.now_ms();
    c.set("aws:CurrentTime", squall_types::format_iso8601_millis_z(now_ms))
        .set("aws:EpochTime", (now_ms / 1000).to_string())
        .set("aws:SecureTransport", "false")
        .set("aws:RequestedRegion", state.region.clone());
    if let Some(ip) = peer {
        c.set("aws:SourceIp", ip.to_string());
    }
    principal.describe(&mut c);
    c
}

/// AWS's denial, in `service`'s shape.
fn denial(service: &str, principal: &str, action: &str, resource: &str, decision: Decision) -> ApiError {
    let because = match decision {
        Decision::ExplicitDeny => "with an explicit deny in an identity-based policy".to_string(),
        _ => format!("because no identity-based policy allows the {action} action"),
    };
    let message = format!("User: {principal} is not authorized to perform: {action} on resource: {resource} {because}");
    let (status, code) = match service {
        "dynamodb" | "dynamodbstreams" | "ssm" | "secretsmanager" => (StatusCode::BAD_REQUEST, "AccessDeniedException"),
        "lambda" => (StatusCode::FORBIDDEN, "AccessDeniedException"),
        "sns" => (StatusCode::FORBIDDEN, "AuthorizationError"),
        // SQS's JSON protocol names it so; its query code is AccessDenied.
        "sqs" => (StatusCode::FORBIDDEN, "AccessDenied"),
        _ => (StatusCode::FORBIDDEN, "AccessDenied"),
    };
    ApiError::new(status, code, message)
}
