//! Who an access key speaks for, with the policies that decide what it may do, parsed once
//! per change of identities rather than per request.

use crate::model::{KeyStatus, User};
use crate::state::State;
use squall_iam::{Context, Decision, Denied, Policies, Policy, PolicyKind, Request};

/// A principal as requests are authorized for it: a user, or a role's session.
#[derive(Debug)]
pub struct Principal {
    /// `arn:aws:iam::<account>:user/<path><name>`, or
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// Its unique id (`AIDA…`; a session's `AROA…:<session>`).
    pub id: String,
    /// A user's friendly name (`aws:username`); a session's name.
    pub name: String,
    /// The secrets of its access keys, with their status.
    pub keys: Vec<(String, String, KeyStatus)>,
    /// Its identity policies: inline, attached, and its groups' (a session's: its role's).
    pub policies: Vec<Policy>,
    /// Its tags (`aws:PrincipalTag/<key>`); a session's tags and its role's.
    pub tags: Vec<(String, String)>,
    /// Its permissions boundary (a session's: its role's), which caps what its identity
    /// policies allow; `None` without one.
    pub boundary: Option<Vec<Policy>>,
    /// For a role's session: the role's ARN (`aws:PrincipalArn`) and the session
    /// policies, if any were passed, which limit what the role's policies allow.
    pub session: Option<Session>,
    /// The condition keys its policies test (lowercase), gathered on first use.
    pub tested: std::sync::OnceLock<Vec<String>>,
}

/// What a role's session adds to its principal.
#[derive(Debug)]
pub struct Session {
    /// `arn:aws:iam::<account>:role/<path><name>`.
    pub role_arn: String,
    /// The session policies (`Policy`, `PolicyArns`), `None` when none were passed.
    pub policies: Option<Vec<Policy>>,
    /// When the session's credentials expire (epoch milliseconds, platform clock).
    pub expires_ms: u64,
}

/// A user's ARN.
pub fn user_arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{name}", squall_types::ACCOUNT_ID)
}

impl Principal {
    /// `user` as `state` says it is now.
    pub(crate) fn of_user(state: &State, user: &User) -> Principal {
        let mut documents: Vec<&str> = user.inline.values().map(String::as_str).collect();
        let mut attached: Vec<&String> = user.attached.iter().collect();
        for g in &user.groups {
            if let Ok(group) = state.group(g) {
                documents.extend(group.inline.values().map(String::as_str));
                attached.extend(group.attached.iter());
            }
        }
        documents.extend(attached.into_iter().filter_map(|arn| state.policy(arn).ok()).map(|p| p.document()));
        let policies = documents
            .into_iter()
            .filter_map(|d| match Policy::parse(d, PolicyKind::Identity) {
                Ok(p) => Some(p),
                Err(e) => {
                    // Checked when stored; a record damaged since grants nothing.
                    tracing::warn!(user = %user.name, "a stored policy no longer parses: {}", e.0);
                    None
                }
            })
            .collect();
        Principal {
            session: None,
            arn: user_arn(&user.path, &user.name),
            id: user.id.clone(),
            name: user.name.clone(),
            keys: state
                .keys
                .values()
                .filter(|k| k.user == user.name)
                .map(|k| (k.id.clone(), k.secret.clone(), k.status))
                .collect(),
            policies,
            tags: user.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect(),
            boundary: state.boundary(user.boundary.as_ref()),
            tested: Default::default(),
        }
    }

    /// Whether a policy of its own (identity, session, boundary) tests a condition key
    /// starting with `prefix` (lowercase), so that a key costly to supply is read only for
    /// principals whose policies look at it.
    pub fn tests_key(&self, prefix: &str) -> bool {
        let tested = self.tested.get_or_init(|| {
            let session = self.session.as_ref().and_then(|s| s.policies.as_deref()).unwrap_or_default();
            let boundary = self.boundary.as_deref().unwrap_or_default();
            let mut keys: Vec<String> = (self.policies.iter().chain(session).chain(boundary))
                .flat_map(|p| &p.statements)
                .flat_map(|s| &s.conditions)
                .map(|c| c.key().to_ascii_lowercase())
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        });
        tested.iter().any(|k| k.starts_with(prefix))
    }

    /// The secret of `access_key_id` if it is one of this principal's active keys.
    pub fn active_secret(&self, access_key_id: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(id, _, status)| id == access_key_id && *status == KeyStatus::Active)
            .map(|(_, secret, _)| secret.as_str())
    }

    /// Adds the keys describing this principal (`aws:username`, `aws:userid`,
    /// `aws:PrincipalArn`, `aws:PrincipalType`, `aws:PrincipalAccount`,
    /// `aws:PrincipalTag/<key>`) to `context`.
    pub fn describe(&self, context: &mut Context) {
        context.set("aws:userid", self.id.clone()).set("aws:PrincipalAccount", squall_types::ACCOUNT_ID);
        match &self.session {
            None => context
                .set("aws:username", self.name.clone())
                .set("aws:PrincipalArn", self.arn.clone())
                .set("aws:PrincipalType", "User"),
            // Sessions are never MFA-authenticated here (AWS: absent for long-term keys).
            Some(s) => context
                .set("aws:PrincipalArn", s.role_arn.clone())
                .set("aws:PrincipalType", "AssumedRole")
                .set("aws:MultiFactorAuthPresent", "false"),
        };
        for (k, v) in &self.tags {
            context.set(&format!("aws:PrincipalTag/{k}"), v.clone());
        }
    }

    /// What this principal's policies (and `resource`'s policy, if any) decide about
    /// `action` on `resource`.
    pub fn decide(
        &self,
        action: &str,
        resource: &str,
        resource_policy: Option<&Policy>,
        context: &Context,
    ) -> Decision {
        let request = Request { principal: &self.arn, action, resource, context };
        self.with_policies(resource_policy, |policies| squall_iam::decide(policies, &request))
    }

    /// Which kind of policy denied what [`Principal::decide`] did not allow.
    pub fn why_denied(
        &self,
        action: &str,
        resource: &str,
        resource_policy: Option<&Policy>,
        context: &Context,
    ) -> Denied {
        let request = Request { principal: &self.arn, action, resource, context };
        self.with_policies(resource_policy, |policies| squall_iam::why_denied(policies, &request))
    }

    fn with_policies<R>(&self, resource_policy: Option<&Policy>, f: impl FnOnce(&Policies<'_>) -> R) -> R {
        let identity: Vec<&Policy> = self.policies.iter().collect();
        let resource_policies: Vec<&Policy> = resource_policy.into_iter().collect();
        let session: Option<Vec<&Policy>> =
            self.session.as_ref().and_then(|s| s.policies.as_ref()).map(|p| p.iter().collect());
        let boundary: Option<Vec<&Policy>> = self.boundary.as_ref().map(|b| b.iter().collect());
        f(&Policies {
            identity: &identity,
            resource: &resource_policies,
            boundary: boundary.as_deref(),
            session: session.as_deref(),
        })
    }
}

impl State {
    /// The policies of `role` (inline and attached).
    pub(crate) fn role_policies(&self, role: &crate::model::Role) -> Vec<Policy> {
        let documents = role
            .inline
            .values()
            .map(String::as_str)
            .chain(role.attached.iter().filter_map(|a| self.policy(a).ok()).map(|p| p.document()));
        documents.filter_map(|d| Policy::parse(d, PolicyKind::Identity).ok()).collect()
    }

    /// The permissions boundary of the user or role `arn` names (`None` without one).
    pub fn boundary_of(&self, arn: &str) -> crate::Result<Option<Vec<Policy>>> {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let prefix = format!("arn:aws:iam::{}:", squall_types::ACCOUNT_ID);
        match arn.strip_prefix(&prefix).and_then(|r| r.split_once('/')).map(|(kind, _)| kind) {
            Some("user") => Ok(self.boundary(self.user(name)?.boundary.as_ref())),
            Some("role") => Ok(self.boundary(self.role(name)?.boundary.as_ref())),
            _ => Ok(None),
        }
    }

    /// The identity policies of the user, group or role `arn` names (a user's include its
    /// groups'), for the policy simulator.
    pub fn policies_of(&self, arn: &str) -> crate::Result<Vec<Policy>> {
        let missing = || crate::Error::NoSuchEntity(format!("The entity {arn} cannot be found."));
        let (kind, rest) = arn
            .strip_prefix(&format!("arn:aws:iam::{}:", squall_types::ACCOUNT_ID))
            .and_then(|r| r.split_once('/'))
            .ok_or_else(missing)?;
        let name = rest.rsplit('/').next().unwrap_or(rest);
        match kind {
            "user" => Ok(Principal::of_user(self, self.user(name)?).policies),
            "role" => Ok(self.role_policies(self.role(name)?)),
            "group" => {
                let g = self.group(name)?;
                let documents = g
                    .inline
                    .values()
                    .map(String::as_str)
                    .chain(g.attached.iter().filter_map(|a| self.policy(a).ok()).map(|p| p.document()));
                Ok(documents.filter_map(|d| Policy::parse(d, PolicyKind::Identity).ok()).collect())
            }
            _ => Err(missing()),
        }
    }
}
