//! Authorization of every api-port operation: the caller's policies decide the action the
//! [`crate::actions`] table names for the operation, on each resource the adapter names.
//! The account root may do anything; unsigned requests (SNS's links) carry their own
//! authority. A denial answers in the service's shape with AWS's message.

use crate::actions::{self, Resource};
use crate::auth::Identity;
use crate::{ApiError, ApiRequest, ApiState};
use http::StatusCode;
use squall_iam::{Context, Decision, Denied, PolicyType};
use squall_identity::Principal;

/// What a request brings to its authorization besides its operation and resources.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// Who signed (`None`: unsigned).
    pub identity: Option<&'a Identity>,
    /// The client's address (`aws:SourceIp`).
    pub peer: Option<std::net::IpAddr>,
    /// An unsigned request that has no authority of its own (S3's anonymous requests): it
    /// may do only what a resource policy grants everyone (`"Principal": "*"`).
    pub anonymous: bool,
    /// The condition keys of the request itself (`aws:RequestTag/…`, `s3:prefix`,
    /// `dynamodb:LeadingKeys`…), which its adapter reads from the input.
    pub keys: Option<&'a Context>,
}

impl<'a> Caller<'a> {
    /// This caller with the request's own condition keys.
    pub fn with_keys(self, keys: &'a Context) -> Caller<'a> {
        Caller { keys: Some(keys), ..self }
    }

    /// Whether a policy of this caller's tests a key starting with `prefix` (ignoring
    /// case), so that a costly key is read from the input only when it decides something.
    /// A resource's own policy is not consulted: pass such keys whenever one is set.
    pub fn tests_key(&self, prefix: &str) -> bool {
        self.identity.and_then(|i| i.principal.as_deref()).is_some_and(|p| p.tests_key(prefix))
    }

    /// The keys every evaluation of an unidentified caller (the root, anonymous) gets.
    fn bare_context(&self) -> Context {
        let mut context = Context::default();
        if let Some(ip) = self.peer {
            context.set("aws:SourceIp", ip.to_string());
        }
        context.set("aws:SecureTransport", "false").set("aws:ResourceAccount", squall_types::ACCOUNT_ID);
        if let Some(keys) = self.keys {
            context.extend(keys);
        }
        context
    }
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
    authorize_under(state, caller, service, operation, None, resources)
}

/// A resource's own policy (a queue's or topic's `Policy`, a bucket policy): its ARN and
/// its document, checked valid when it was set.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePolicy<'a> {
    pub arn: &'a str,
    pub document: &'a str,
}

/// [`authorize`] on a resource with a policy of its own, which may grant the caller what
/// its identity policies do not, and whose explicit Deny binds even the account root.
pub fn authorize_under(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: &str,
    policy: Option<ResourcePolicy<'_>>,
    resources: impl FnOnce() -> Vec<String>,
) -> Result<(), ApiError> {
    let checks = || {
        let Some(row) = actions::find(service, operation) else { return Vec::new() };
        let resources = resources();
        if row.resource == Resource::Any || resources.is_empty() {
            return vec![(row.action, "*".to_string())];
        }
        resources.into_iter().map(|r| (row.action, r)).collect()
    };
    authorize_each_under(state, caller, service, operation, policy, checks)
}

/// [`authorize_each`] under a resource's own policy (see [`authorize_under`]).
pub fn authorize_each_under(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: &str,
    policy: Option<ResourcePolicy<'_>>,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), ApiError> {
    checks_under(state, caller, service, Some(operation), policy, checks)
}

/// Whether `caller` may perform `action` on `resource` under its policy, for an action no
/// API operation names (a Lambda function URL's `lambda:InvokeFunctionUrl`).
pub fn authorize_action_under(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    action: &'static str,
    resource: String,
    policy: Option<ResourcePolicy<'_>>,
) -> Result<(), ApiError> {
    checks_under(state, caller, service, None, policy, || vec![(action, resource)])
}

/// The checks of an operation (`None`: of an action alone) under a resource's policy.
fn checks_under(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: Option<&str>,
    policy: Option<ResourcePolicy<'_>>,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), ApiError> {
    let Some(policy) = policy else { return decide_each(state, caller, service, operation, checks, None) };
    let parsed = state.resource_policies.get(policy.arn, policy.document);
    if caller.identity.is_some_and(|i| i.principal.is_none()) {
        // The root: only the resource policy's explicit Deny can stop it.
        let root = format!("arn:aws:iam::{}:root", squall_types::ACCOUNT_ID);
        let base = caller.bare_context();
        let tagged = parsed.tests_key("aws:resourcetag/");
        for (action, resource) in checks() {
            let context = with_resource_tags(state, &base, tagged, &resource);
            let request = squall_iam::Request { principal: &root, action, resource: &resource, context: &context };
            if parsed.evaluate_as_resource(&request) == Decision::ExplicitDeny {
                let why = Denied::Explicit(PolicyType::Resource);
                return Err(denial(service, &root, action, &resource, why));
            }
        }
        return Ok(());
    }
    decide_each(state, caller, service, operation, checks, Some(&parsed))
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
    decide_each(state, caller, service, Some(operation), checks, None)
}

/// Decides `checks` for `caller`; with `operation`, an operation the table must know.
fn decide_each(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    operation: Option<&str>,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
    resource_policy: Option<&squall_iam::Policy>,
) -> Result<(), ApiError> {
    if caller.anonymous {
        return anonymous(state, caller, service, checks, resource_policy);
    }
    // The root (or an unsigned request's own authority) decides nothing here: an
    // operation the adapter does not serve gets its own answer.
    let Some(principal) = caller.identity.and_then(|i| i.principal.as_deref()) else { return Ok(()) };
    if let Some(operation) = operation
        && actions::find(service, operation).is_none()
    {
        // Every operation an adapter serves has a row (the table is checked against
        // botocore, and every operation against a user without permissions).
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("{service} has no operation {operation} that Squall authorizes"),
        ));
    }
    let mut base = context(state, principal, caller.peer);
    if let Some(keys) = caller.keys {
        base.extend(keys);
    }
    let tagged =
        caller.tests_key("aws:resourcetag/") || resource_policy.is_some_and(|p| p.tests_key("aws:resourcetag/"));
    let mut checks = checks();
    if checks.is_empty()
        && let Some(row) = operation.and_then(|o| actions::find(service, o))
    {
        // An input naming no resource of its kind (an empty transaction): the action on `*`.
        checks.push((row.action, "*".to_string()));
    }
    for (action, resource) in checks {
        let context = with_resource_tags(state, &base, tagged, &resource);
        if principal.decide(action, &resource, resource_policy, &context) != Decision::Allow {
            let why = principal.why_denied(action, &resource, resource_policy, &context);
            return Err(denial(service, &principal.arn, action, &resource, why));
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

    /// [`authorize_under`] for this request's caller.
    pub fn authorize_under(
        &self,
        state: &ApiState,
        service: &str,
        operation: &str,
        policy: Option<ResourcePolicy<'_>>,
        resources: impl FnOnce() -> Vec<String>,
    ) -> Result<(), ApiError> {
        authorize_under(state, self.who(), service, operation, policy, resources)
    }

    /// This request's caller, for the free functions of this module.
    pub fn who(&self) -> Caller<'_> {
        Caller { identity: self.caller.as_ref(), peer: self.peer, anonymous: false, keys: None }
    }
}

/// An anonymous request: allowed what the resource's policy grants everyone, else S3's
/// plain denial.
fn anonymous(
    state: &ApiState,
    caller: Caller<'_>,
    service: &str,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
    resource_policy: Option<&squall_iam::Policy>,
) -> Result<(), ApiError> {
    let denied = || ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied");
    let policy = resource_policy.ok_or_else(denied)?;
    let base = caller.bare_context();
    let tagged = policy.tests_key("aws:resourcetag/");
    for (action, resource) in checks() {
        let context = with_resource_tags(state, &base, tagged, &resource);
        let request = squall_iam::Request { principal: "*", action, resource: &resource, context: &context };
        if policy.evaluate_as_resource(&request) != Decision::Allow {
            tracing::debug!(service, action, resource, "anonymous request denied");
            return Err(denied());
        }
    }
    Ok(())
}

/// `base`, with `aws:ResourceTag/…` of `resource` when a deciding policy tests them.
fn with_resource_tags<'c>(
    state: &ApiState,
    base: &'c Context,
    tagged: bool,
    resource: &str,
) -> std::borrow::Cow<'c, Context> {
    if !tagged || resource == "*" {
        return std::borrow::Cow::Borrowed(base);
    }
    let mut context = base.clone();
    crate::resource_tags::describe(state, resource, &mut context);
    std::borrow::Cow::Owned(context)
}

/// The global condition keys of a request by `principal`.
pub fn context(state: &ApiState, principal: &Principal, peer: Option<std::net::IpAddr>) -> Context {
    let mut c = Context::default();
    let now_ms = state.clock.now_ms();
    c.set("aws:CurrentTime", squall_types::format_iso8601_millis_z(now_ms))
        .set("aws:EpochTime", (now_ms / 1000).to_string())
        .set("aws:SecureTransport", "false")
        .set("aws:RequestedRegion", state.region.clone())
        .set("aws:ResourceAccount", squall_types::ACCOUNT_ID)
        .set("aws:PrincipalIsAWSService", "false")
        .set("aws:ViaAWSService", "false");
    if let Some(ip) = peer {
        c.set("aws:SourceIp", ip.to_string());
    }
    principal.describe(&mut c);
    c
}

/// AWS's denial, in `service`'s shape.
fn denial(service: &str, principal: &str, action: &str, resource: &str, why: Denied) -> ApiError {
    let because = why.phrase(action);
    let message = format!("User: {principal} is not authorized to perform: {action} on resource: {resource} {because}");
    let (status, code) = match service {
        "dynamodb" | "dynamodbstreams" | "ssm" | "secretsmanager" | "kms" | "events" | "stepfunctions" => {
            (StatusCode::BAD_REQUEST, "AccessDeniedException")
        }
        "lambda" | "scheduler" => (StatusCode::FORBIDDEN, "AccessDeniedException"),
        "sns" => (StatusCode::FORBIDDEN, "AuthorizationError"),
        // SQS's JSON protocol names it so; its query code is AccessDenied.
        "sqs" => (StatusCode::FORBIDDEN, "AccessDenied"),
        _ => (StatusCode::FORBIDDEN, "AccessDenied"),
    };
    ApiError::new(status, code, message)
}

/// Whether a resource's `policy` denies `caller` `action` on `resource` explicitly: a grant
/// outside policies (an S3 ACL) gives nothing then.
pub fn denied_explicitly(
    state: &ApiState,
    caller: Caller<'_>,
    policy: ResourcePolicy<'_>,
    action: &str,
    resource: &str,
) -> bool {
    let parsed = state.resource_policies.get(policy.arn, policy.document);
    let principal = caller.identity.map_or("*", |i| i.arn.as_str());
    let context = caller.bare_context();
    let request = squall_iam::Request { principal, action, resource, context: &context };
    parsed.evaluate_as_resource(&request) == Decision::ExplicitDeny
}

/// Resource policies parsed once per document, by the resource's ARN.
#[derive(Default)]
pub struct ResourcePolicies(
    std::sync::Mutex<std::collections::HashMap<String, (String, std::sync::Arc<squall_iam::Policy>)>>,
);

/// At most this many parsed policies are kept; beyond it the cache starts afresh.
const POLICY_CACHE_MAX: usize = 10_000;

impl ResourcePolicies {
    /// The policy `document` of `arn`, parsed (a document that no longer parses, which its
    /// service checked when it was set, allows nothing).
    fn get(&self, arn: &str, document: &str) -> std::sync::Arc<squall_iam::Policy> {
        let mut cache = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((text, parsed)) = cache.get(arn)
            && text == document
        {
            return parsed.clone();
        }
        let parsed = std::sync::Arc::new(
            squall_iam::Policy::parse(document, squall_iam::PolicyKind::Resource)
                .unwrap_or(squall_iam::Policy { variables: false, statements: Vec::new() }),
        );
        if cache.len() >= POLICY_CACHE_MAX {
            cache.clear();
        }
        cache.insert(arn.to_string(), (document.to_string(), parsed.clone()));
        parsed
    }
}
