//! Inline policies and managed-policy attachments of users, groups and roles, which hold
//! them alike.

use crate::names::check_name;
use crate::state::{State, Touch};
use crate::{Error, Identities, Result};
use squall_iam::{Policy, PolicyKind};
use std::collections::BTreeMap;

/// What holds policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    User,
    Group,
    Role,
}

impl Holder {
    /// As IAM's messages name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Holder::User => "user",
            Holder::Group => "group",
            Holder::Role => "role",
        }
    }

    /// IAM's quota on the total size of one holder's inline policies (characters, white
    /// space not counted).
    fn inline_quota(self) -> (usize, &'static str) {
        match self {
            Holder::User => (2048, "UserPolicySize"),
            Holder::Group => (5120, "GroupPolicySize"),
            Holder::Role => (10240, "RolePolicySize"),
        }
    }
}

/// A holder's policies, to change.
pub(crate) struct Held<'s> {
    pub(crate) inline: &'s mut BTreeMap<String, String>,
    pub(crate) attached: &'s mut Vec<String>,
    pub(crate) touch: Touch,
}

impl State {
    /// The inline policies and attachments of `holder` `name`.
    pub(crate) fn held(&mut self, holder: Holder, name: &str) -> Result<Held<'_>> {
        let lc = name.to_ascii_lowercase();
        match holder {
            Holder::User => {
                self.user(name)?;
                let u = self.users.get_mut(&lc).expect("looked up");
                Ok(Held { inline: &mut u.inline, attached: &mut u.attached, touch: Touch::User(lc) })
            }
            Holder::Group => {
                self.group(name)?;
                let g = self.groups.get_mut(&lc).expect("looked up");
                Ok(Held { inline: &mut g.inline, attached: &mut g.attached, touch: Touch::Group(lc) })
            }
            Holder::Role => {
                self.role(name)?;
                let r = self.roles.get_mut(&lc).expect("looked up");
                Ok(Held { inline: &mut r.inline, attached: &mut r.attached, touch: Touch::Role(lc) })
            }
        }
    }

    /// The inline policies of `holder` `name`, by name.
    pub fn inline_of(&self, holder: Holder, name: &str) -> Result<&BTreeMap<String, String>> {
        Ok(match holder {
            Holder::User => &self.user(name)?.inline,
            Holder::Group => &self.group(name)?.inline,
            Holder::Role => &self.role(name)?.inline,
        })
    }

    /// The managed policies attached to `holder` `name`, by ARN.
    pub fn attached_to(&self, holder: Holder, name: &str) -> Result<&[String]> {
        Ok(match holder {
            Holder::User => &self.user(name)?.attached,
            Holder::Group => &self.group(name)?.attached,
            Holder::Role => &self.role(name)?.attached,
        })
    }

    /// The inline policy `policy` of `holder` `name`.
    pub fn inline_policy(&self, holder: Holder, name: &str, policy: &str) -> Result<&str> {
        self.inline_of(holder, name)?.get(policy).map(String::as_str).ok_or_else(|| {
            Error::NoSuchEntity(format!("The {} policy with name {policy} cannot be found.", holder.as_str()))
        })
    }
}

/// Characters of `document` that count against IAM's size quotas.
pub(crate) fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks an identity policy document as IAM checks it on a put.
pub(crate) fn check_identity_policy(document: &str) -> Result<()> {
    Policy::accept(document, PolicyKind::Identity).map(|_| ()).map_err(|m| Error::MalformedPolicy(m.0))
}

impl Identities {
    /// PutUserPolicy, PutGroupPolicy, PutRolePolicy: adds or replaces an inline policy.
    pub async fn put_inline_policy(&self, holder: Holder, name: &str, policy: &str, document: &str) -> Result<()> {
        check_name("policyName", policy, 128)?;
        check_identity_policy(document)?;
        self.change(|s, _| {
            let held = s.held(holder, name)?;
            held.inline.insert(policy.to_string(), document.to_string());
            let total: usize = held.inline.values().map(|d| policy_size(d)).sum();
            let (quota, label) = holder.inline_quota();
            if total > quota {
                return Err(Error::LimitExceeded(format!(
                    "Maximum policy size of {quota} bytes exceeded for {label}."
                )));
            }
            Ok(((), vec![held.touch]))
        })
        .await
    }

    /// DeleteUserPolicy, DeleteGroupPolicy, DeleteRolePolicy.
    pub async fn delete_inline_policy(&self, holder: Holder, name: &str, policy: &str) -> Result<()> {
        self.change(|s, _| {
            let held = s.held(holder, name)?;
            if held.inline.remove(policy).is_none() {
                return Err(Error::NoSuchEntity(format!(
                    "The {} policy with name {policy} cannot be found.",
                    holder.as_str()
                )));
            }
            Ok(((), vec![held.touch]))
        })
        .await
    }
}
