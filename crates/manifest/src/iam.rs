//! Execution roles: `provider.iam` (`role.statements`, `role.managedPolicies`, `role` as an
//! ARN), the older `provider.iamRoleStatements` / `iamManagedPolicies` / `role`, and per
//! function `role` and `iamRoleStatements` (serverless-iam-roles-per-function). Statements
//! are checked for the policy language's shapes and recorded as the role's policy, which
//! the function's processes then act under (their credentials are a session of it).

use crate::parse::{Cx, Path};
use crate::resources::Refs;
use serde_json::{Map, Value as Json};
use serde_norway::Value;
use squall_iam::PolicyKind;
use squall_types::RolePolicy;

/// The condition operators of the IAM policy language (before `IfExists` and the
/// `ForAllValues:` / `ForAnyValue:` qualifiers).
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The role every function of the service gets unless it names its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProviderRole {
    /// `provider.iam.role` (or `provider.role`) as an ARN.
    pub(crate) arn: Option<String>,
    /// The statements of the role the framework makes.
    pub(crate) statements: Vec<Json>,
    /// Managed policies attached to it.
    pub(crate) managed_policies: Vec<String>,
    /// `provider.iam.role.name`.
    pub(crate) name: Option<String>,
    /// Whether anything was declared (else the framework's role has no statements).
    pub(crate) declared: bool,
}

impl ProviderRole {
    /// The role's ARN and policy for a function, given its own `role` and statements.
    pub(crate) fn for_function(
        &self,
        stack: &str,
        region: &str,
        function: &FunctionRole,
        key: &str,
    ) -> (String, Option<RolePolicy>) {
        if let Some(arn) = &function.arn {
            return (arn.clone(), None);
        }
        let account = squall_types::ACCOUNT_ID;
        if let Some(statements) = &function.statements {
            // serverless-iam-roles-per-function: a role of the function's own.
            let mut all = statements.clone();
            if function.inherit {
                all.extend(self.statements.iter().cloned());
            }
            let name = function.role_name.clone().unwrap_or_else(|| format!("{stack}-{key}-{region}-lambdaRole"));
            let policy = policy(&all, &self.managed_policies);
            return (format!("arn:aws:iam::{account}:role/{name}"), Some(policy));
        }
        if let Some(arn) = &self.arn {
            return (arn.clone(), None);
        }
        // The framework makes this role even without statements (for the functions' logs).
        let name = self.name.clone().unwrap_or_else(|| format!("{stack}-{region}-lambdaRole"));
        let policy = self.declared.then(|| policy(&self.statements, &self.managed_policies));
        (format!("arn:aws:iam::{account}:role/{name}"), policy)
    }
}

impl ProviderRole {
    /// Whether the role of a function with these settings is one the framework makes (not
    /// an existing role named by ARN).
    pub(crate) fn made_by_framework(&self, function: &FunctionRole) -> bool {
        function.arn.is_none() && (function.statements.is_some() || self.arn.is_none())
    }
}

/// `policy` with the statements the framework adds for a function's destinations and
/// dead-letter target (sending there), if it has any.
pub(crate) fn with_destinations(
    policy: Option<RolePolicy>,
    a: &squall_types::AsyncInvokeConfig,
    mappings: &[squall_types::EventSourceMapping],
) -> Option<RolePolicy> {
    let targets = [&a.on_success, &a.on_failure, &a.dead_letter];
    // Stream mappings' on-failure destinations too, as the framework grants them.
    let statements: Vec<Json> = targets
        .into_iter()
        .chain(mappings.iter().map(|m| &m.on_failure))
        .flatten()
        .filter_map(|arn| {
            let action = match squall_types::arn_service(arn)? {
                "sqs" => "sqs:SendMessage",
                "sns" => "sns:Publish",
                "lambda" => "lambda:InvokeFunction",
                "events" => "events:PutEvents",
                _ => return None,
            };
            Some(serde_json::json!({ "Effect": "Allow", "Action": action, "Resource": arn }))
        })
        .collect();
    if statements.is_empty() {
        return policy;
    }
    let mut policy = policy.unwrap_or_else(|| self::policy(&[], &[]));
    let mut doc: Json = serde_json::from_str(&policy.document).unwrap_or_else(|_| serde_json::json!({}));
    match doc["Statement"].as_array_mut() {
        Some(list) => list.extend(statements),
        None => doc["Statement"] = Json::from(statements),
    }
    policy.document = doc.to_string();
    Some(policy)
}

/// A function's own role settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionRole {
    /// `role`: an ARN (or a reference resolved to one).
    pub(crate) arn: Option<String>,
    /// `iamRoleStatements`.
    pub(crate) statements: Option<Vec<Json>>,
    /// `iamRoleStatementsInherit`.
    pub(crate) inherit: bool,
    /// `iamRoleStatementsName`.
    pub(crate) role_name: Option<String>,
}

fn policy(statements: &[Json], managed: &[String]) -> RolePolicy {
    let doc = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    RolePolicy { document: doc.to_string(), managed_policies: managed.to_vec() }
}

impl Cx<'_> {
    /// `provider.iam`.
    pub(crate) fn provider_iam(&mut self, v: &Value, role: &mut ProviderRole) {
        let refs = std::mem::take(&mut self.refs);
        for (key, val) in self.entries(&["provider", "iam"], v) {
            let path = ["provider", "iam", key];
            match key {
                "role" => match val {
                    Value::Mapping(m) if !m.contains_key("Fn::GetAtt") && !m.contains_key("Ref") => {
                        self.provider_role(&path, val, role, &refs)
                    }
                    _ => role.arn = self.role_arn(&path, val, &refs),
                },
                "deploymentRole" => self.warn(&path, "is about deploying to AWS; ignored by squall"),
                other => self.error(&path, format!("iam setting {other} is not supported yet")),
            }
        }
        self.refs = refs;
        role.declared = true;
    }

    fn provider_role(&mut self, path: &Path, v: &Value, role: &mut ProviderRole, refs: &Refs) {
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "statements" => role.statements = self.statements(&p, val, refs),
                "managedPolicies" => role.managed_policies = self.managed_policies(&p, val, refs),
                "name" => role.name = self.string(&p, val),
                "path" | "tags" => {}
                "permissionsBoundary" | "permissionBoundary" => {
                    self.error(&p, "permissions boundaries are not supported yet")
                }
                other => self.error(&p, format!("role setting {other} is not supported yet")),
            }
        }
    }

    /// The older provider keys: `iamRoleStatements`, `iamManagedPolicies`, `role`.
    pub(crate) fn provider_iam_legacy(&mut self, key: &str, v: &Value, role: &mut ProviderRole) {
        let refs = std::mem::take(&mut self.refs);
        let path = ["provider", key];
        match key {
            "iamRoleStatements" => role.statements = self.statements(&path, v, &refs),
            "iamManagedPolicies" => role.managed_policies = self.managed_policies(&path, v, &refs),
            _ => role.arn = self.role_arn(&path, v, &refs),
        }
        self.refs = refs;
        role.declared = true;
    }

    /// A function's `role`, `iamRoleStatements`, `iamRoleStatementsInherit` or
    /// `iamRoleStatementsName`.
    pub(crate) fn function_iam(&mut self, path: &Path, key: &str, v: &Value, role: &mut FunctionRole) {
        let refs = std::mem::take(&mut self.refs);
        match key {
            "role" => role.arn = self.role_arn(path, v, &refs),
            "iamRoleStatements" => role.statements = Some(self.statements(path, v, &refs)),
            "iamRoleStatementsInherit" => match v {
                Value::Bool(b) => role.inherit = *b,
                _ => self.error(path, "must be true or false"),
            },
            _ => role.role_name = self.string(path, v),
        }
        self.refs = refs;
    }

    /// A role given by ARN: a string, `!GetAtt Role.Arn`, or (as the framework takes it)
    /// the logical id of an `AWS::IAM::Role` the service declares.
    fn role_arn(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        let arn = match self.text(path, v, refs) {
            Ok(Some(s)) => s,
            _ => return None,
        };
        if let Some(declared) = refs.get(&arn).filter(|t| t.kind == "AWS::IAM::Role") {
            return declared.attributes.get("Arn").cloned();
        }
        if !arn.starts_with("arn:") {
            self.error(
                path,
                format!("{arn} is not a role ARN, nor the logical id of an AWS::IAM::Role under resources.Resources"),
            );
            return None;
        }
        if !arn.contains(":role/") {
            self.error(path, format!("{arn} is not an IAM role ARN"));
            return None;
        }
        Some(arn)
    }

    fn managed_policies(&mut self, path: &Path, v: &Value, refs: &Refs) -> Vec<String> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path, &[idx.as_str()]].concat();
            match self.text(&p, item, refs) {
                Ok(Some(arn)) if arn.starts_with("arn:") && arn.contains(":policy/") => out.push(arn),
                Ok(Some(other)) => self.error(&p, format!("{other} is not a policy ARN")),
                _ => {}
            }
        }
        out
    }

    /// A list of a role's policy statements, checked and with intrinsics resolved.
    pub(crate) fn statements(&mut self, path: &Path, v: &Value, refs: &Refs) -> Vec<Json> {
        self.statements_of(path, v, refs, PolicyKind::Identity)
    }

    /// A list of policy statements of a policy of `kind`: an identity policy's name no
    /// `Principal`, a resource policy's name one and resources, a trust policy's name one
    /// and no resources.
    pub(crate) fn statements_of(&mut self, path: &Path, v: &Value, refs: &Refs, kind: PolicyKind) -> Vec<Json> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of statements");
            return vec![];
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path, &[idx.as_str()]].concat();
            if let Some(s) = self.statement(&p, item, refs, kind) {
                out.push(s);
            }
        }
        out
    }

    /// A whole policy document of `kind` (`Version`, `Id`, `Statement`: a list, or one
    /// statement; or the document as JSON text), its intrinsics resolved and each statement
    /// checked, then the document checked as IAM checks what is stored. `Version` is kept as
    /// given.
    pub(crate) fn policy_document_of(&mut self, path: &Path, v: &Value, refs: &Refs, kind: PolicyKind) -> Option<Json> {
        let errors_before = self.errors.len();
        let parsed;
        let v = match v {
            // JSON is YAML: a document written as text reads the same way.
            Value::String(text) => match serde_norway::from_str::<Value>(text) {
                Ok(doc @ Value::Mapping(_)) => {
                    parsed = doc;
                    &parsed
                }
                _ => {
                    self.error(path, "must be a policy document (a mapping, or JSON text of one)");
                    return None;
                }
            },
            other => other,
        };
        let mut out = Map::new();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "Version" => match val.as_str() {
                    Some(version @ ("2012-10-17" | "2008-10-17")) => {
                        out.insert(key.into(), Json::from(version));
                    }
                    _ => self.error(&p, "must be 2012-10-17 (or the older 2008-10-17)"),
                },
                "Id" => {
                    if let Ok(Some(id)) = self.text(&p, val, refs) {
                        out.insert(key.into(), Json::from(id));
                    }
                }
                "Statement" => {
                    let statements = match val {
                        Value::Mapping(_) => self.statement(&p, val, refs, kind).into_iter().collect(),
                        _ => self.statements_of(&p, val, refs, kind),
                    };
                    out.insert(key.into(), Json::from(statements));
                }
                other => self.error(&p, format!("{other} is not a key of a policy document (Version, Id, Statement)")),
            }
        }
        if v.get("Statement").is_none() {
            self.error(path, "needs Statement");
        }
        if self.errors.len() != errors_before {
            return None;
        }
        let doc = Json::Object(out);
        if let Err(e) = squall_iam::Policy::accept(&doc.to_string(), kind) {
            self.error(path, format!("IAM refuses this policy: {}", e.0));
            return None;
        }
        Some(doc)
    }

    fn statement(&mut self, path: &Path, v: &Value, refs: &Refs, kind: PolicyKind) -> Option<Json> {
        let resource_policy = kind != PolicyKind::Identity;
        let errors_before = self.errors.len();
        let mut out = Map::new();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "Sid" => {
                    if let Some(sid) = self.string(&p, val) {
                        if !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
                            self.error(&p, "a Sid has only letters and digits");
                        }
                        out.insert(key.into(), Json::from(sid));
                    }
                }
                "Effect" => match val.as_str() {
                    Some(e @ ("Allow" | "Deny")) => {
                        out.insert(key.into(), Json::from(e));
                    }
                    _ => self.error(&p, "must be Allow or Deny"),
                },
                "Action" | "NotAction" => {
                    let actions = self.policy_strings(&p, val, refs);
                    for a in &actions {
                        if !valid_action(a) {
                            self.error(&p, format!("{a:?} is not an action (service:Action, wildcards allowed, or *)"));
                        }
                    }
                    out.insert(key.into(), Json::from(actions));
                }
                "Resource" | "NotResource" => {
                    let resources = self.policy_strings(&p, val, refs);
                    for r in &resources {
                        if r != "*" && !(r.starts_with("arn:") && r.split(':').count() >= 6) {
                            self.error(&p, format!("{r:?} is not a resource ARN or *"));
                        }
                    }
                    out.insert(key.into(), Json::from(resources));
                }
                "Condition" => {
                    if let Some(c) = self.condition_block(&p, val, refs) {
                        out.insert(key.into(), c);
                    }
                }
                "Principal" | "NotPrincipal" if resource_policy => {
                    if let Some(principal) = self.principal(&p, val, refs) {
                        out.insert(key.into(), principal);
                    }
                }
                "Principal" | "NotPrincipal" => {
                    self.error(&p, "belongs in resource policies, not in a role's statements")
                }
                other => self.error(&p, format!("{other} is not a key of a policy statement")),
            }
        }
        if !out.contains_key("Effect") {
            self.error(path, "needs Effect");
        }
        match (out.contains_key("Action"), out.contains_key("NotAction")) {
            (false, false) => self.error(path, "needs Action or NotAction"),
            (true, true) => self.error(path, "takes Action or NotAction, not both"),
            _ => {}
        }
        if resource_policy && !out.contains_key("Principal") && !out.contains_key("NotPrincipal") {
            self.error(path, "needs Principal or NotPrincipal");
        }
        match (out.contains_key("Resource"), out.contains_key("NotResource")) {
            (false, false) if kind != PolicyKind::Trust => self.error(path, "needs Resource or NotResource"),
            (true, _) | (_, true) if kind == PolicyKind::Trust => {
                self.error(path, "a trust policy names who may assume the role, not resources: remove Resource")
            }
            (true, true) => self.error(path, "takes Resource or NotResource, not both"),
            _ => {}
        }
        (self.errors.len() == errors_before).then_some(Json::Object(out))
    }

    /// `"*"`, or `{AWS | Service | Federated | CanonicalUser: value or [values]}`.
    fn principal(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<Json> {
        if v.as_str() == Some("*") {
            return Some(Json::from("*"));
        }
        let mut out = Map::new();
        for (kind, val) in self.entries(path, v) {
            let p = [path, &[kind]].concat();
            match kind {
                "AWS" | "Service" | "Federated" | "CanonicalUser" => {
                    let values = self.policy_strings(&p, val, refs);
                    out.insert(kind.to_string(), Json::from(values));
                }
                other => self
                    .error(&p, format!("{other} is not a kind of principal (AWS, Service, Federated, CanonicalUser)")),
            }
        }
        if out.is_empty() {
            self.error(path, "must be \"*\" or name principals");
            return None;
        }
        Some(Json::Object(out))
    }

    /// A string or a list of them, each possibly an intrinsic.
    fn policy_strings(&mut self, path: &Path, v: &Value, refs: &Refs) -> Vec<String> {
        let items: Vec<&Value> = match v {
            Value::Sequence(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::new();
        for item in items {
            match self.evaluate(path, item, refs) {
                Ok(Some(crate::intrinsics::Evaluated::Text(s))) => out.push(s),
                Ok(Some(crate::intrinsics::Evaluated::List(l))) => out.extend(l),
                Ok(Some(crate::intrinsics::Evaluated::NoValue)) | Err(()) => {}
                Ok(None) => out.extend(self.string(path, item)),
            }
        }
        out
    }

    /// `Condition: {Operator: {key: value | [values]}}`.
    fn condition_block(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<Json> {
        let mut out = Map::new();
        for (op, keys) in self.entries(path, v) {
            let p = [path, &[op]].concat();
            let base = op.strip_prefix("ForAllValues:").or_else(|| op.strip_prefix("ForAnyValue:")).unwrap_or(op);
            let base = if base == "Null" { base } else { base.strip_suffix("IfExists").unwrap_or(base) };
            if !CONDITION_OPERATORS.contains(&base) {
                self.error(&p, format!("{op} is not a condition operator"));
                continue;
            }
            let mut block = Map::new();
            for (key, val) in self.entries(&p, keys) {
                let kp = [p.as_slice(), &[key]].concat();
                if !squall_iam::keys::evaluated(key) {
                    self.error(&kp, squall_iam::keys::unsupplied(key).0);
                }
                let values: Vec<String> = match val {
                    Value::Sequence(items) => {
                        items.iter().filter_map(|i| self.text(&kp, i, refs).ok().flatten()).collect()
                    }
                    other => self.text(&kp, other, refs).ok().flatten().into_iter().collect(),
                };
                block.insert(key.to_string(), Json::from(values));
            }
            out.insert(op.to_string(), Json::Object(block));
        }
        Some(Json::Object(out))
    }
}

/// `*`, or `service:Action` where the action may hold `*` and `?`.
fn valid_action(a: &str) -> bool {
    if a == "*" {
        return true;
    }
    let Some((service, action)) = a.split_once(':') else { return false };
    !service.is_empty()
        && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !action.is_empty()
        && action.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

#[cfg(test)]
mod tests;
