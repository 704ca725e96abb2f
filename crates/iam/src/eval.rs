//! Evaluation in AWS's order: a statement applies when its action, resource, principal and
//! conditions all match the request; any applying Deny wins, else any applying Allow
//! allows, else the request is denied implicitly.

use crate::condition::arn_like;
use crate::context::Context;
use crate::policy::{Effect, Names, Policy, Principal, Principals, Statement};
use crate::variables::substitute;
use crate::wildcard;

/// What policies concluded about a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An Allow applied and no Deny did.
    Allow,
    /// A Deny applied.
    ExplicitDeny,
    /// Nothing applied.
    ImplicitDeny,
}

/// One request as policies see it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who asks: an ARN (`arn:aws:iam::<account>:user/ada`,
    /// `arn:aws:sts::<account>:assumed-role/r/s`) or a service principal
    /// (`sns.amazonaws.com`).
    pub principal: &'a str,
    /// The action, `<service>:<Operation>`.
    pub action: &'a str,
    /// The resource's ARN.
    pub resource: &'a str,
    /// The request's condition keys.
    pub context: &'a Context,
}

impl Policy {
    /// This policy's conclusion about `request`.
    pub fn evaluate(&self, request: &Request<'_>) -> Decision {
        self.conclude(request, |_| true)
    }

    /// This resource policy's conclusion about `request`, within its own account: a Deny
    /// naming the principal's account applies to the principal, but an Allow naming only
    /// the account delegates to the account's identity policies and grants nothing itself
    /// (as AWS treats `"AWS": "<account>"` and `arn:aws:iam::<account>:root`).
    pub fn evaluate_as_resource(&self, request: &Request<'_>) -> Decision {
        self.conclude(request, |s| names_directly(s, request.principal))
    }

    /// Any applying Deny, else any applying Allow that `grants`, else an implicit deny.
    fn conclude(&self, request: &Request<'_>, grants: impl Fn(&Statement) -> bool) -> Decision {
        let mut allowed = false;
        for s in &self.statements {
            if !applies(s, request, self.variables) {
                continue;
            }
            match s.effect {
                Effect::Deny => return Decision::ExplicitDeny,
                Effect::Allow => allowed |= grants(s),
            }
        }
        if allowed { Decision::Allow } else { Decision::ImplicitDeny }
    }
}

/// Whether an applying statement names `who` other than through its account.
fn names_directly(s: &Statement, who: &str) -> bool {
    match &s.principals {
        Some(Principals::Listed(l)) => l.iter().any(|p| !is_account(p) && names_principal(p, who)),
        _ => true,
    }
}

fn is_account(p: &Principal) -> bool {
    matches!(p, Principal::Aws(a) if account_of(a).is_some())
}

/// Several policies' conclusion: any explicit deny, else any allow.
pub fn evaluate_all(policies: &[&Policy], request: &Request<'_>) -> Decision {
    let mut allowed = false;
    for p in policies {
        match p.evaluate(request) {
            Decision::ExplicitDeny => return Decision::ExplicitDeny,
            Decision::Allow => allowed = true,
            Decision::ImplicitDeny => {}
        }
    }
    if allowed { Decision::Allow } else { Decision::ImplicitDeny }
}

/// The policies that bear on one request within one account.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policies<'a> {
    /// The principal's own policies (inline and attached, its groups' included).
    pub identity: &'a [&'a Policy],
    /// The resource's policy, if it has one.
    pub resource: &'a [&'a Policy],
    /// The principal's permissions boundary, if it has one: it limits what its identity
    /// policies can allow.
    pub boundary: Option<&'a [&'a Policy]>,
    /// The session's policies (an assumed role's `Policy`/`PolicyArns`), if any: they limit
    /// what the role's policies can allow.
    pub session: Option<&'a [&'a Policy]>,
}

/// Whether `request` is allowed, as AWS decides within one account: an explicit deny in
/// any policy denies; otherwise the resource's policy allowing the principal allows, and so
/// do its identity policies allowing it within the boundary and the session policies.
pub fn decide(policies: &Policies<'_>, request: &Request<'_>) -> Decision {
    let identity = evaluate_all(policies.identity, request);
    let resource =
        policies.resource.iter().fold(Decision::ImplicitDeny, |acc, p| match (acc, p.evaluate_as_resource(request)) {
            (Decision::ExplicitDeny, _) | (_, Decision::ExplicitDeny) => Decision::ExplicitDeny,
            (Decision::Allow, _) | (_, Decision::Allow) => Decision::Allow,
            _ => Decision::ImplicitDeny,
        });
    let boundary = policies.boundary.map(|b| evaluate_all(b, request));
    let session = policies.session.map(|s| evaluate_all(s, request));
    let all = [Some(identity), Some(resource), boundary, session];
    if all.contains(&Some(Decision::ExplicitDeny)) {
        return Decision::ExplicitDeny;
    }
    let within = |d: Option<Decision>| d.is_none_or(|d| d == Decision::Allow);
    if resource == Decision::Allow || (identity == Decision::Allow && within(boundary) && within(session)) {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Which kind of policy denied a request [`decide`] did not allow, as AWS's messages say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// An applying Deny in the named kind of policy.
    Explicit(PolicyType),
    /// Nothing of the named kind allowed it.
    Implicit(PolicyType),
}

/// A kind of policy, as AWS's denials name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    Identity,
    Resource,
    Boundary,
    Session,
}

impl Denied {
    /// AWS's ending of a denial of `action`: `because no identity-based policy allows the
    /// <action> action`, `with an explicit deny in a permissions boundary`…
    pub fn phrase(self, action: &str) -> String {
        let kind = |t: PolicyType| match t {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::Boundary => "permissions boundary",
            PolicyType::Session => "session policy",
        };
        let article = |t: PolicyType| if t == PolicyType::Identity { "an" } else { "a" };
        match self {
            Denied::Explicit(t) => format!("with an explicit deny in {} {}", article(t), kind(t)),
            Denied::Implicit(t) => format!("because no {} allows the {action} action", kind(t)),
        }
    }
}

/// Why [`decide`] did not allow `request`: the first explicit Deny in AWS's order
/// (identity, resource, boundary, session), else the first kind of policy that did not allow.
pub fn why_denied(policies: &Policies<'_>, request: &Request<'_>) -> Denied {
    let identity = evaluate_all(policies.identity, request);
    let resource = policies.resource.iter().map(|p| p.evaluate_as_resource(request));
    let boundary = policies.boundary.map(|b| evaluate_all(b, request));
    let session = policies.session.map(|s| evaluate_all(s, request));
    let kinds = [
        (PolicyType::Identity, Some(identity)),
        (PolicyType::Resource, resource.clone().find(|d| *d == Decision::ExplicitDeny)),
        (PolicyType::Boundary, boundary),
        (PolicyType::Session, session),
    ];
    if let Some((t, _)) = kinds.iter().find(|(_, d)| *d == Some(Decision::ExplicitDeny)) {
        return Denied::Explicit(*t);
    }
    match kinds.iter().find(|(t, d)| *t != PolicyType::Resource && d.is_some_and(|d| d != Decision::Allow)) {
        Some((t, _)) => Denied::Implicit(*t),
        None => Denied::Implicit(PolicyType::Identity),
    }
}

fn applies(s: &Statement, r: &Request<'_>, variables: bool) -> bool {
    let action = |p: &String| wildcard::matches(p, r.action, true);
    let action_ok = match &s.actions {
        Names::Listed(l) => l.iter().any(action),
        Names::Not(l) => !l.iter().any(action),
    };
    if !action_ok {
        return false;
    }
    let resource = |p: &String| {
        let p = if variables { substitute(p, r.context) } else { Some(p.as_str().into()) };
        p.is_some_and(|p| p == "*" || wildcard::matches(&p, r.resource, false))
    };
    let resource_ok = match &s.resources {
        None => true,
        Some(Names::Listed(l)) => l.iter().any(resource),
        Some(Names::Not(l)) => !l.iter().any(resource),
    };
    if !resource_ok {
        return false;
    }
    let principal_ok = match &s.principals {
        None => true,
        Some(Principals::Listed(l)) => l.iter().any(|p| names_principal(p, r.principal)),
        Some(Principals::Not(l)) => !l.iter().any(|p| names_principal(p, r.principal)),
    };
    principal_ok && s.conditions.iter().all(|c| c.holds(r.context, variables))
}

/// Whether policy principal `p` names `who`: anyone; the exact ARN (or a wildcard of it); an
/// account (its id or `arn:aws:iam::<id>:root`), which names every principal of it; a
/// service by name.
fn names_principal(p: &Principal, who: &str) -> bool {
    match p {
        Principal::Anyone => true,
        Principal::Service(s) | Principal::Other(_, s) => s == who,
        Principal::Aws(a) => match account_of(a) {
            Some(id) => who.split(':').nth(4) == Some(id),
            None => a == who || arn_like(a, who),
        },
    }
}

/// The account an AWS principal names as a whole (its id, or its root's ARN).
fn account_of(a: &str) -> Option<&str> {
    if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
        Some(a)
    } else {
        a.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_suffix(":root"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyKind;

    fn identity(doc: &str) -> Policy {
        Policy::parse(doc, PolicyKind::Identity).unwrap()
    }

    fn request<'a>(action: &'a str, resource: &'a str, context: &'a Context) -> Request<'a> {
        Request { principal: "arn:aws:iam::000000000000:user/ada", action, resource, context }
    }

    #[test]
    fn explicit_deny_wins_then_allow_else_implicit_deny() {
        let c = Context::default();
        let p = identity(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/*"},
                {"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}]}"#,
        );
        let table = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders";
        assert_eq!(p.evaluate(&request("dynamodb:GetItem", table, &c)), Decision::Allow);
        assert_eq!(p.evaluate(&request("dynamodb:getitem", table, &c)), Decision::Allow, "actions ignore case");
        assert_eq!(p.evaluate(&request("dynamodb:DeleteTable", table, &c)), Decision::ExplicitDeny);
        assert_eq!(p.evaluate(&request("s3:GetObject", "arn:aws:s3:::b/k", &c)), Decision::ImplicitDeny);
    }

    #[test]
    fn not_action_and_not_resource_match_everything_else() {
        let c = Context::default();
        let p =
            identity(r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*"}]}"#);
        assert_eq!(p.evaluate(&request("s3:GetObject", "arn:aws:s3:::open/k", &c)), Decision::Allow);
        assert_eq!(p.evaluate(&request("s3:GetObject", "arn:aws:s3:::secret/k", &c)), Decision::ImplicitDeny);
        assert_eq!(p.evaluate(&request("iam:CreateUser", "*", &c)), Decision::ImplicitDeny);
    }

    #[test]
    fn resources_take_policy_variables() {
        let mut c = Context::default();
        c.set("aws:username", "ada");
        let p = identity(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}"#,
        );
        assert_eq!(p.evaluate(&request("s3:PutObject", "arn:aws:s3:::home/ada/x", &c)), Decision::Allow);
        assert_eq!(p.evaluate(&request("s3:PutObject", "arn:aws:s3:::home/bob/x", &c)), Decision::ImplicitDeny);
    }

    #[test]
    fn resource_policies_grant_principals_and_boundaries_and_sessions_intersect() {
        let c = Context::default();
        let queue = "arn:aws:sqs:us-east-1:000000000000:jobs";
        let grant = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let from_sns =
            Request { principal: "sns.amazonaws.com", action: "sqs:SendMessage", resource: queue, context: &c };
        let none: &[&Policy] = &[];
        let resource = [&grant];
        assert_eq!(
            decide(&Policies { identity: none, resource: &resource, ..Default::default() }, &from_sns),
            Decision::Allow
        );
        let other = Request { principal: "lambda.amazonaws.com", ..from_sns };
        assert_eq!(
            decide(&Policies { identity: none, resource: &resource, ..Default::default() }, &other),
            Decision::ImplicitDeny
        );

        let everything = identity(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let only_sqs = identity(r#"{"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}"#);
        let (ids, narrow) = ([&everything], [&only_sqs]);
        let send = request("sqs:SendMessage", queue, &c);
        let put = request("s3:PutObject", "arn:aws:s3:::b/k", &c);
        let bounded = Policies { identity: &ids, boundary: Some(&narrow), ..Default::default() };
        assert_eq!(decide(&bounded, &send), Decision::Allow);
        assert_eq!(decide(&bounded, &put), Decision::ImplicitDeny, "outside the boundary");
        let session = Policies { identity: &ids, session: Some(&narrow), ..Default::default() };
        assert_eq!(decide(&session, &put), Decision::ImplicitDeny, "outside the session policy");
        assert_eq!(why_denied(&bounded, &put), Denied::Implicit(PolicyType::Boundary));
        assert_eq!(why_denied(&session, &put), Denied::Implicit(PolicyType::Session));
        assert_eq!(
            why_denied(&session, &put).phrase("s3:PutObject"),
            "because no session policy allows the s3:PutObject action"
        );
        let nothing = Policies { identity: none, boundary: Some(&narrow), ..Default::default() };
        assert_eq!(why_denied(&nothing, &send), Denied::Implicit(PolicyType::Identity), "identity is told first");
        assert_eq!(
            Denied::Explicit(PolicyType::Identity).phrase("x:Y"),
            "with an explicit deny in an identity-based policy"
        );

        let account = Policy::parse(
            r#"{"Statement":{"Effect":"Deny","Principal":{"AWS":"000000000000"},"Action":"sqs:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let denying = [&account];
        assert_eq!(
            decide(&Policies { identity: &ids, resource: &denying, ..Default::default() }, &send),
            Decision::ExplicitDeny,
            "an account principal names its users, and a resource policy's deny wins"
        );
        let delegating = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sqs:*","Resource":"*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let delegated = [&delegating];
        assert_eq!(
            decide(&Policies { identity: none, resource: &delegated, ..Default::default() }, &send),
            Decision::ImplicitDeny,
            "an Allow to the account grants nothing by itself"
        );
        assert_eq!(
            decide(&Policies { identity: &ids, resource: &delegated, ..Default::default() }, &send),
            Decision::Allow,
            "it leaves the decision to identity policies"
        );
    }
}
