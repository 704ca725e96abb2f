//! Managed policies: documents with up to five versions, one of them in force, attached to
//! users, groups and roles (at most ten each).

use crate::inline::{Holder, check_identity_policy, policy_size};
use crate::model::{ManagedPolicy, PolicyVersion, Tag};
use crate::names::{check_name, merge_tags, path};
use crate::state::{State, Touch};
use crate::{Error, Identities, Result, ids};

/// IAM's quotas.
const MAX_VERSIONS: usize = 5;
const MAX_ATTACHED: usize = 10;
const MAX_MANAGED_SIZE: usize = 6144;

/// Who a managed policy is attached to.
#[derive(Debug, Default)]
pub struct Usage {
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
}

impl Usage {
    pub fn count(&self) -> usize {
        self.users.len() + self.groups.len() + self.roles.len()
    }
}

/// The ARN of a managed policy.
pub fn policy_arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:policy{path}{name}", squall_types::ACCOUNT_ID)
}

fn no_policy(arn: &str) -> Error {
    Error::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

impl State {
    /// The managed policy `arn`.
    pub fn policy(&self, arn: &str) -> Result<&ManagedPolicy> {
        if arn.starts_with(crate::aws_managed::PREFIX) {
            return crate::aws_managed::find(arn).ok_or_else(|| no_policy(arn));
        }
        let name = arn.rsplit('/').next().unwrap_or_default();
        self.policies
            .get(&name.to_ascii_lowercase())
            .filter(|p| policy_arn(&p.path, &p.name) == arn)
            .ok_or_else(|| no_policy(arn))
    }

    /// Who `arn` is attached to.
    pub fn usage(&self, arn: &str) -> Usage {
        let has = |attached: &[String]| attached.iter().any(|a| a == arn);
        Usage {
            users: self.users.values().filter(|u| has(&u.attached)).map(|u| u.name.clone()).collect(),
            groups: self.groups.values().filter(|g| has(&g.attached)).map(|g| g.name.clone()).collect(),
            roles: self.roles.values().filter(|r| has(&r.attached)).map(|r| r.name.clone()).collect(),
        }
    }

    /// The key of customer policy `arn`, to change it (AWS's own are not to be changed).
    fn policy_key(&self, arn: &str) -> Result<String> {
        let policy = self.policy(arn)?;
        if policy.aws {
            return Err(Error::AccessDenied(format!("{arn} is an AWS managed policy: only AWS changes it.")));
        }
        Ok(policy.name.to_ascii_lowercase())
    }
}

fn check_managed(document: &str) -> Result<()> {
    check_identity_policy(document)?;
    if policy_size(document) > MAX_MANAGED_SIZE {
        return Err(Error::LimitExceeded(format!("Cannot exceed quota for PolicySize: {MAX_MANAGED_SIZE}")));
    }
    Ok(())
}

impl Identities {
    /// CreatePolicy: version `v1`, in force.
    pub async fn create_policy(
        &self,
        name: &str,
        path_: Option<&str>,
        document: &str,
        description: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<ManagedPolicy> {
        check_name("policyName", name, 128)?;
        let path = path(path_)?;
        check_managed(document)?;
        self.change(|s, now| {
            let lc = name.to_ascii_lowercase();
            if s.policies.contains_key(&lc) {
                return Err(Error::AlreadyExists(format!(
                    "A policy called {name} already exists. Duplicate names are not allowed."
                )));
            }
            let mut policy = ManagedPolicy {
                name: name.to_string(),
                id: ids::unique_id("ANPA"),
                path,
                description: description.map(str::to_string),
                created_ms: now,
                updated_ms: now,
                versions: vec![PolicyVersion { id: "v1".into(), document: document.to_string(), created_ms: now }],
                default_version: "v1".into(),
                next_version: 2,
                tags: Vec::new(),
                aws: false,
            };
            merge_tags(&mut policy.tags, tags)?;
            s.policies.insert(lc.clone(), policy.clone());
            Ok((policy, vec![Touch::Policy(lc)]))
        })
        .await
    }

    /// DeletePolicy: refused while attached or while it has versions besides the default.
    pub async fn delete_policy(&self, arn: &str) -> Result<()> {
        self.change(|s, _| {
            let lc = s.policy_key(arn)?;
            let (users, roles) = s.boundary_usage(arn);
            if s.usage(arn).count() > 0 || !users.is_empty() || !roles.is_empty() {
                return Err(Error::DeleteConflict("Cannot delete a policy attached to entities.".into()));
            }
            if s.policies[&lc].versions.len() > 1 {
                return Err(Error::DeleteConflict(
                    "Cannot delete a policy with multiple versions. Delete the non-default versions first.".into(),
                ));
            }
            s.policies.remove(&lc);
            Ok(((), vec![Touch::Policy(lc)]))
        })
        .await
    }

    /// CreatePolicyVersion.
    pub async fn create_policy_version(&self, arn: &str, document: &str, set_default: bool) -> Result<PolicyVersion> {
        check_managed(document)?;
        self.change(|s, now| {
            let lc = s.policy_key(arn)?;
            let policy = s.policies.get_mut(&lc).expect("looked up");
            if policy.versions.len() >= MAX_VERSIONS {
                return Err(Error::LimitExceeded(format!(
                    "A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version."
                )));
            }
            let version = PolicyVersion { id: format!("v{}", policy.next_version), document: document.into(), created_ms: now };
            policy.next_version += 1;
            policy.versions.push(version.clone());
            policy.updated_ms = now;
            if set_default {
                policy.default_version = version.id.clone();
            }
            Ok((version, vec![Touch::Policy(lc)]))
        })
        .await
    }

    /// DeletePolicyVersion: not the one in force.
    pub async fn delete_policy_version(&self, arn: &str, version: &str) -> Result<()> {
        self.change(|s, _| {
            let lc = s.policy_key(arn)?;
            let policy = s.policies.get_mut(&lc).expect("looked up");
            if policy.default_version == version {
                return Err(Error::DeleteConflict("Cannot delete the default version of a policy.".into()));
            }
            let before = policy.versions.len();
            policy.versions.retain(|v| v.id != version);
            if policy.versions.len() == before {
                return Err(no_version(arn, version));
            }
            Ok(((), vec![Touch::Policy(lc)]))
        })
        .await
    }

    /// SetDefaultPolicyVersion.
    pub async fn set_default_policy_version(&self, arn: &str, version: &str) -> Result<()> {
        self.change(|s, now| {
            let lc = s.policy_key(arn)?;
            let policy = s.policies.get_mut(&lc).expect("looked up");
            if !policy.versions.iter().any(|v| v.id == version) {
                return Err(no_version(arn, version));
            }
            policy.default_version = version.to_string();
            policy.updated_ms = now;
            Ok(((), vec![Touch::Policy(lc)]))
        })
        .await
    }

    /// AttachUserPolicy, AttachGroupPolicy, AttachRolePolicy (attaching twice is no change).
    pub async fn attach_policy(&self, holder: Holder, name: &str, arn: &str) -> Result<()> {
        self.change(|s, _| {
            s.policy(arn)?;
            let held = s.held(holder, name)?;
            if held.attached.iter().any(|a| a == arn) {
                return Ok(((), Vec::new()));
            }
            if held.attached.len() >= MAX_ATTACHED {
                let label = match holder {
                    Holder::User => "PoliciesPerUser",
                    Holder::Group => "PoliciesPerGroup",
                    Holder::Role => "PoliciesPerRole",
                };
                return Err(Error::LimitExceeded(format!("Cannot exceed quota for {label}: {MAX_ATTACHED}")));
            }
            held.attached.push(arn.to_string());
            Ok(((), vec![held.touch]))
        })
        .await
    }

    /// DetachUserPolicy, DetachGroupPolicy, DetachRolePolicy.
    pub async fn detach_policy(&self, holder: Holder, name: &str, arn: &str) -> Result<()> {
        self.change(|s, _| {
            let held = s.held(holder, name)?;
            let before = held.attached.len();
            held.attached.retain(|a| a != arn);
            if held.attached.len() == before {
                return Err(Error::NoSuchEntity(format!("Policy {arn} was not found.")));
            }
            Ok(((), vec![held.touch]))
        })
        .await
    }
}

fn no_version(arn: &str, version: &str) -> Error {
    Error::NoSuchEntity(format!("Policy {arn} version {version} does not exist or is not attachable."))
}
