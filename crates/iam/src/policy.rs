//! Policy documents as IAM reads them: parsed once, checked as IAM checks them (refused
//! with `MalformedPolicyDocument` and IAM's reason), kept ready to evaluate.

use crate::condition::Condition;
use serde_json::{Map, Value};

/// Why a policy document is refused: IAM's `MalformedPolicyDocument` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

fn malformed(m: &str) -> Malformed {
    Malformed(m.to_string())
}

fn syntax() -> Malformed {
    malformed("Syntax errors in policy.")
}

/// Where a policy is attached, which decides what its statements must and must not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role, or passed as a session policy: no principal, and
    /// every statement names resources.
    Identity,
    /// Attached to a resource (bucket, queue, topic, function): every statement names
    /// principals and resources.
    Resource,
    /// A role's trust policy: principals, and no resources.
    Trust,
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A statement's `Action`/`NotAction` or `Resource`/`NotResource`: patterns it lists, or
/// (`Not`) everything but them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// `Action` / `Resource`.
    Listed(Vec<String>),
    /// `NotAction` / `NotResource`.
    Not(Vec<String>),
}

/// One principal of a `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    Anyone,
    /// `{"AWS": "<arn or account id>"}`.
    Aws(String),
    /// `{"Service": "lambda.amazonaws.com"}`.
    Service(String),
    /// `{"Federated": ...}` or `{"CanonicalUser": ...}`: kept, matched by exact value.
    Other(String, String),
}

/// A statement's principals, or (`Not`) everyone but them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `Principal`.
    Listed(Vec<Principal>),
    /// `NotPrincipal`.
    Not(Vec<Principal>),
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` / `NotAction`.
    pub actions: Names,
    /// `Resource` / `NotResource`; `None` in a trust policy.
    pub resources: Option<Names>,
    /// `Principal` / `NotPrincipal`; `None` in an identity policy.
    pub principals: Option<Principals>,
    /// `Condition`: every one must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Whether the document is of version 2012-10-17, the one with policy variables (the
    /// older 2008-10-17, or none, reads `${...}` literally).
    pub variables: bool,
    /// Its statements, in order.
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Parses `document` as a policy of `kind`, refusing what IAM refuses.
    pub fn parse(document: &str, kind: PolicyKind) -> Result<Policy, Malformed> {
        let value: Value = serde_json::from_str(document).map_err(|_| syntax())?;
        let top = value.as_object().ok_or_else(syntax)?;
        for key in top.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(syntax());
            }
        }
        let variables = match top.get("Version") {
            None => false,
            Some(Value::String(v)) if v == "2012-10-17" => true,
            Some(Value::String(v)) if v == "2008-10-17" => false,
            Some(_) => return Err(syntax()),
        };
        let statements = match top.get("Statement") {
            Some(Value::Array(list)) if !list.is_empty() => list.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(syntax()),
        };
        let mut parsed = Vec::with_capacity(statements.len());
        let mut sids = std::collections::HashSet::new();
        for s in statements {
            let st = statement(s.as_object().ok_or_else(syntax)?, kind)?;
            if let Some(sid) = &st.sid
                && !sids.insert(sid.clone())
            {
                return Err(malformed("Statement IDs (SID) in a single policy must be unique."));
            }
            parsed.push(st);
        }
        Ok(Policy { variables, statements: parsed })
    }
}

fn statement(s: &Map<String, Value>, kind: PolicyKind) -> Result<Statement, Malformed> {
    for key in s.keys() {
        let known = matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        );
        if !known {
            return Err(syntax());
        }
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(syntax()),
    };
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(syntax()),
    };
    let actions = match names(s, "Action", "NotAction")? {
        Some(a) if !matches!(&a, Names::Listed(l) if l.is_empty()) => a,
        _ => return Err(malformed("Policy statement must contain actions.")),
    };
    for action in match &actions {
        Names::Listed(l) | Names::Not(l) => l,
    } {
        check_action(action)?;
    }
    let principals = principals(s)?;
    let resources = names(s, "Resource", "NotResource")?;
    match kind {
        PolicyKind::Identity => {
            if principals.is_some() {
                return Err(malformed("Policy document should not specify a principal."));
            }
            if resources.as_ref().is_none_or(|r| matches!(r, Names::Listed(l) if l.is_empty())) {
                return Err(malformed("Policy statement must contain resources."));
            }
        }
        PolicyKind::Resource => {
            if principals.is_none() {
                return Err(malformed("Policy statement must contain principals."));
            }
            if resources.as_ref().is_none_or(|r| matches!(r, Names::Listed(l) if l.is_empty())) {
                return Err(malformed("Policy statement must contain resources."));
            }
        }
        PolicyKind::Trust => {
            if resources.is_some() {
                return Err(malformed("Has prohibited field Resource."));
            }
            if principals.is_none() {
                return Err(malformed("Policy statement must contain principals."));
            }
        }
    }
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(c)) => crate::condition::parse_block(c)?,
        Some(_) => return Err(syntax()),
    };
    Ok(Statement { sid, effect, actions, resources, principals, conditions })
}

/// An action must be `*` or `<service>:<pattern>` with one colon (IAM's check; unknown
/// actions are accepted, as IAM accepts them).
fn check_action(action: &str) -> Result<(), Malformed> {
    if action == "*" {
        return Ok(());
    }
    match action.split(':').count() {
        2 if !action.starts_with(':') => Ok(()),
        1 => Err(malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")),
        _ => Err(malformed("Actions/Condition can contain only one colon.")),
    }
}

/// The strings of `value`: one string, or a list of them.
pub(crate) fn strings(value: &Value) -> Result<Vec<String>, Malformed> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(list) => list.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(syntax)).collect(),
        _ => Err(syntax()),
    }
}

fn names(s: &Map<String, Value>, listed: &str, not: &str) -> Result<Option<Names>, Malformed> {
    match (s.get(listed), s.get(not)) {
        (Some(_), Some(_)) => Err(syntax()),
        (Some(v), None) => Ok(Some(Names::Listed(strings(v)?))),
        (None, Some(v)) => Ok(Some(Names::Not(strings(v)?))),
        (None, None) => Ok(None),
    }
}

fn principals(s: &Map<String, Value>) -> Result<Option<Principals>, Malformed> {
    let (value, not) = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err(syntax()),
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return Ok(None),
    };
    let list = match value {
        Value::String(s) if s == "*" => vec![Principal::Anyone],
        Value::Object(kinds) => {
            let mut out = Vec::new();
            for (kind, v) in kinds {
                for p in strings(v)? {
                    out.push(match kind.as_str() {
                        "AWS" if p == "*" => Principal::Anyone,
                        "AWS" => Principal::Aws(p),
                        "Service" => Principal::Service(p),
                        "Federated" | "CanonicalUser" => Principal::Other(kind.clone(), p),
                        _ => return Err(malformed("Invalid principal in policy")),
                    });
                }
            }
            out
        }
        _ => return Err(malformed("Invalid principal in policy")),
    };
    Ok(Some(if not { Principals::Not(list) } else { Principals::Listed(list) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(doc: &str, kind: PolicyKind) -> String {
        Policy::parse(doc, kind).expect_err(doc).0
    }

    #[test]
    fn a_policy_reads_as_iam_reads_it() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert!(p.variables);
        assert_eq!(p.statements[0].actions, Names::Listed(vec!["s3:GetObject".into()]));
        let trust = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        )
        .unwrap();
        assert_eq!(
            trust.statements[0].principals,
            Some(Principals::Listed(vec![Principal::Service("lambda.amazonaws.com".into())]))
        );
    }

    #[test]
    fn malformed_documents_are_refused_with_iams_reasons() {
        use PolicyKind::*;
        assert_eq!(refused("{", Identity), "Syntax errors in policy.");
        assert_eq!(refused(r#"{"Statement":[]}"#, Identity), "Syntax errors in policy.");
        assert_eq!(
            refused(r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, Identity),
            "Syntax errors in policy."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Permit","Action":"*","Resource":"*"}}"#, Identity),
            "Syntax errors in policy."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#, Identity),
            "Policy statement must contain actions."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Action":"s3:*"}}"#, Identity),
            "Policy statement must contain resources."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#, Identity),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Action":"s3:a:b","Resource":"*"}}"#, Identity),
            "Actions/Condition can contain only one colon."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#, Identity),
            "Policy document should not specify a principal."
        );
        assert_eq!(
            refused(
                r#"{"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
                Identity
            ),
            "Statement IDs (SID) in a single policy must be unique."
        );
        assert_eq!(
            refused(
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}"#,
                Trust
            ),
            "Has prohibited field Resource."
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}"#, Resource),
            "Policy statement must contain principals."
        );
        assert_eq!(
            refused(
                r#"{"Statement":{"Effect":"Allow","Principal":{"Nobody":"x"},"Action":"sqs:*","Resource":"*"}}"#,
                Resource
            ),
            "Invalid principal in policy"
        );
        assert_eq!(
            refused(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Extra":1}}"#, Identity),
            "Syntax errors in policy."
        );
    }
}
