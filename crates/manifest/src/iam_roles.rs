//! `AWS::IAM::Role` resources: roles the service declares, made in Squall's IAM on deploy
//! (tagged with the deployment), kept in step with the template and deleted with the
//! service. `Ref` is the role's name and `Fn::GetAtt X.Arn` its ARN, so a state machine's
//! `RoleArn`, a schedule's or a rule target's role and a function's `role` may name them.
//!
//! Documents (`AssumeRolePolicyDocument`, each of `Policies`) have their intrinsics resolved
//! and are checked as IAM checks them; managed policies and a permissions boundary are named
//! by ARN, and the deploy checks that Squall's IAM has them before it changes anything.

use crate::parse::{Cx, Path, dotted};
use crate::resources::Target;
use serde_json::Value as Json;
use serde_norway::Value;
use squall_iam::PolicyKind;
use std::collections::BTreeMap;

/// A role the service declares.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleResource {
    /// Where it was declared (`resources.Resources.StatesRole`).
    pub origin: String,
    /// Its logical id.
    pub logical_id: String,
    /// Its name: `RoleName`, else `<service>-<stage>-<logical id>` (cut to 64 characters).
    pub name: String,
    /// Its path (`/` unless `Path` says otherwise).
    pub path: String,
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub arn: String,
    /// `AssumeRolePolicyDocument`: who may assume it.
    pub trust: Json,
    /// `Policies`: its inline policies, by name.
    pub policies: BTreeMap<String, Json>,
    /// `ManagedPolicyArns`, in order.
    pub managed_policies: Vec<String>,
    /// `PermissionsBoundary`: a managed policy's ARN.
    pub permissions_boundary: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `MaxSessionDuration`, in seconds (IAM's default, 3600, unless given).
    pub max_session_s: Option<u32>,
    /// `Tags`.
    pub tags: BTreeMap<String, String>,
}

/// The tag keys the deploy sets on the roles it makes, which a template may not set.
const RESERVED_TAGS: &[&str] = &["squall:deployment", "squall:role"];

/// The name of a declared role without `RoleName`: `<service>-<stage>-<logical id>`,
/// cut to IAM's 64 characters as rule names are (the deployment's part shortened and marked
/// with a hash), every character IAM does not allow made `-`. Deterministic (CloudFormation
/// adds a random suffix; here every deploy must find the same role).
pub(crate) fn default_role_name(stack: &str, logical_id: &str) -> String {
    crate::schedules::rule_name(stack, logical_id).chars().map(|c| if role_name_char(c) { c } else { '-' }).collect()
}

fn role_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// A role's ARN.
pub(crate) fn role_arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:role{path}{name}", squall_types::ACCOUNT_ID)
}

/// What references to a declared role resolve to: `Ref` its name, `Arn` its ARN.
pub(crate) fn role_target(stack: &str, id: &str, name: Option<String>, path: Option<String>) -> Target {
    let name = name.unwrap_or_else(|| default_role_name(stack, id));
    let arn = role_arn(path.as_deref().unwrap_or("/"), &name);
    Target::plain("AWS::IAM::Role", name, [("Arn", arn)])
}

/// Why `path` is not an IAM path: `/`, or `/…/` of printable ASCII, at most 512 characters.
fn path_problem(path: &str) -> Option<String> {
    let ok = path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !path.contains("//");
    (!ok).then(|| format!("{path:?} is not an IAM path (/ or /segments/, printable ASCII, at most 512 characters)"))
}

/// Whether `arn` names a managed policy of this account or one of AWS's own.
fn managed_policy_arn(arn: &str) -> bool {
    let account = squall_types::ACCOUNT_ID;
    let rest = arn.strip_prefix("arn:aws:iam::aws:policy/").or_else(|| {
        arn.strip_prefix("arn:aws:iam::").and_then(|r| r.strip_prefix(account)).and_then(|r| r.strip_prefix(":policy/"))
    });
    rest.is_some_and(|r| !r.is_empty() && !r.ends_with('/'))
}

impl Cx<'_> {
    /// An `AWS::IAM::Role`, added to `self.roles`.
    pub(crate) fn iam_role_resource(&mut self, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let errors_before = self.errors.len();
        let props = self.resource_properties(&base, v, "ignored: squall deletes the roles a service declares with it");
        let path = [&base[..], &["Properties"]].concat();
        let Some(props) = props else {
            self.error(&base, "needs Properties (AssumeRolePolicyDocument at least)");
            return;
        };
        let refs = std::mem::take(&mut self.refs);
        let mut role = RoleResource {
            origin: dotted(&base),
            logical_id: id.to_string(),
            name: default_role_name(&self.stack, id),
            path: "/".to_string(),
            arn: String::new(),
            trust: Json::Null,
            policies: BTreeMap::new(),
            managed_policies: Vec::new(),
            permissions_boundary: None,
            description: None,
            max_session_s: None,
            tags: BTreeMap::new(),
        };
        for (key, val) in self.entries(&path, props) {
            let p = [&path[..], &[key]].concat();
            let text = |cx: &mut Self| cx.text(&p, val, &refs).ok().flatten();
            match key {
                "RoleName" => match text(self) {
                    Some(n) if (1..=64).contains(&n.len()) && n.chars().all(role_name_char) => role.name = n,
                    Some(n) => {
                        self.error(&p, format!("{n} is not an IAM role name (1 to 64 of letters, digits and +=,.@_-)"))
                    }
                    None => {}
                },
                "Path" => {
                    if let Some(given) = text(self) {
                        match path_problem(&given) {
                            Some(problem) => self.error(&p, problem),
                            None => role.path = given,
                        }
                    }
                }
                "AssumeRolePolicyDocument" => {
                    if let Some(doc) = self.policy_document_of(&p, val, &refs, PolicyKind::Trust) {
                        role.trust = doc;
                    }
                }
                "Policies" => role.policies = self.inline_policies(&p, val, &refs),
                "ManagedPolicyArns" => role.managed_policies = self.managed_policy_arns(&p, val, &refs),
                "PermissionsBoundary" => match text(self) {
                    Some(arn) if managed_policy_arn(&arn) => role.permissions_boundary = Some(arn),
                    Some(arn) => self
                        .error(&p, format!("{arn} is not the ARN of a managed policy of this account or of AWS's own")),
                    None => {}
                },
                "Description" => match text(self) {
                    Some(d) if d.chars().count() <= 1000 => role.description = Some(d),
                    Some(_) => self.error(&p, "is longer than IAM's 1000 characters"),
                    None => {}
                },
                "MaxSessionDuration" => {
                    let seconds = match val {
                        Value::String(s) => s.parse::<u32>().ok(),
                        other => other.as_u64().and_then(|n| u32::try_from(n).ok()),
                    };
                    match seconds {
                        Some(s) if (3600..=43200).contains(&s) => role.max_session_s = Some(s),
                        _ => self.error(&p, "must be a number of seconds from 3600 to 43200"),
                    }
                }
                "Tags" => role.tags = self.role_tags(&p, val, &refs),
                other => self.error(&p, format!("{other} is not a property of an IAM role")),
            }
        }
        self.refs = refs;
        if props.get("AssumeRolePolicyDocument").is_none() {
            self.error(&path, "needs AssumeRolePolicyDocument (who may assume the role)");
        }
        if let Some(other) = self.roles.iter().find(|r| r.name.eq_ignore_ascii_case(&role.name)) {
            let message = format!("the role name {} is also used by {}", role.name, other.origin);
            self.error(&base, message);
        }
        if self.errors.len() != errors_before {
            return;
        }
        role.arn = role_arn(&role.path, &role.name);
        self.roles.push(role);
    }

    /// `Policies: [{PolicyName, PolicyDocument}]`: identity policies, by name.
    fn inline_policies(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> BTreeMap<String, Json> {
        let mut out = BTreeMap::new();
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of {PolicyName, PolicyDocument}");
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let ip = [path, &[idx.as_str()]].concat();
            let (mut name, mut document) = (None, None);
            for (key, val) in self.entries(&ip, item) {
                let p = [ip.as_slice(), &[key]].concat();
                match key {
                    "PolicyName" => match self.text(&p, val, refs).ok().flatten() {
                        Some(n) if (1..=128).contains(&n.len()) && n.chars().all(role_name_char) => name = Some(n),
                        Some(n) => self
                            .error(&p, format!("{n} is not a policy name (1 to 128 of letters, digits and +=,.@_-)")),
                        None => {}
                    },
                    "PolicyDocument" => document = self.policy_document_of(&p, val, refs, PolicyKind::Identity),
                    other => {
                        self.error(&p, format!("{other} is not a key of an inline policy (PolicyName, PolicyDocument)"))
                    }
                }
            }
            if item.get("PolicyName").is_none() || item.get("PolicyDocument").is_none() {
                self.error(&ip, "needs PolicyName and PolicyDocument");
                continue;
            }
            let (Some(name), Some(document)) = (name, document) else { continue };
            if out.contains_key(&name) {
                self.error(&ip, format!("the policy name {name} is given twice"));
                continue;
            }
            out.insert(name, document);
        }
        out
    }

    /// `ManagedPolicyArns`: policies of this account, or AWS's own (whether Squall's IAM has
    /// them is for the deploy to check).
    fn managed_policy_arns(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> Vec<String> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of managed policy ARNs");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path, &[idx.as_str()]].concat();
            match self.text(&p, item, refs).ok().flatten() {
                Some(arn) if !managed_policy_arn(&arn) => {
                    self.error(&p, format!("{arn} is not the ARN of a managed policy of this account or of AWS's own"))
                }
                Some(arn) if out.contains(&arn) => self.error(&p, format!("{arn} is listed twice")),
                Some(arn) => out.push(arn),
                None => {}
            }
        }
        if out.len() > 20 {
            self.error(path, "a role has at most 20 managed policies");
        }
        out
    }

    /// `Tags: [{Key, Value}]`, values possibly intrinsics; the deploy's own keys refused.
    fn role_tags(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of {Key, Value}");
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path, &[idx.as_str()]].concat();
            let key = item.get("Key").and_then(|k| self.text(&p, k, refs).ok().flatten());
            let value = item.get("Value").and_then(|k| self.text(&p, k, refs).ok().flatten());
            let (Some(key), Some(value)) = (key, value) else {
                self.error(&p, "must be {Key, Value}");
                continue;
            };
            if RESERVED_TAGS.contains(&key.as_str()) {
                self.error(
                    &p,
                    format!("the tag key {key} is squall's own: the deploy tags the roles it makes with it"),
                );
                continue;
            }
            if key.to_ascii_lowercase().starts_with("aws:") {
                self.error(&p, format!("the tag key {key} is reserved for AWS's use"));
                continue;
            }
            out.insert(key, value);
        }
        if out.len() > 48 {
            self.error(path, "a role has at most 50 tags, two of them squall's");
        }
        out
    }
}

#[cfg(test)]
mod tests;
