//! Permissions boundaries: a managed policy set on a user or role that caps what its
//! identity policies can allow (`Principal::decide` intersects them). A policy in use as a
//! boundary cannot be deleted, so a boundary never silently disappears.

use crate::inline::Holder;
use crate::state::{State, Touch};
use crate::{Error, Identities, Result};

impl Identities {
    /// PutUserPermissionsBoundary / PutRoleP… (`Some(policy ARN)`), DeleteUserP… /
    /// DeleteRoleP… (`None`). Groups have no boundary.
    pub async fn set_boundary(&self, holder: Holder, name: &str, policy: Option<&str>) -> Result<()> {
        self.change(|s, _| {
            if let Some(arn) = policy {
                check_boundary(s, arn)?;
            }
            let boundary = policy.map(str::to_string);
            let lc = name.to_ascii_lowercase();
            match holder {
                Holder::User => {
                    s.user(name)?;
                    s.users.get_mut(&lc).expect("looked up").boundary = boundary;
                    Ok(((), vec![Touch::User(lc)]))
                }
                Holder::Role => {
                    s.role(name)?;
                    s.roles.get_mut(&lc).expect("looked up").boundary = boundary;
                    Ok(((), vec![Touch::Role(lc)]))
                }
                Holder::Group => Err(Error::Validation("Groups have no permissions boundary.".into())),
            }
        })
        .await
    }
}

/// A boundary must be a managed policy that exists.
pub(crate) fn check_boundary(s: &State, arn: &str) -> Result<()> {
    s.policy(arn)
        .map(|_| ())
        .map_err(|_| Error::NoSuchEntity(format!("Scope ARN: {arn} does not exist or is not attachable.")))
}

impl State {
    /// The users and roles whose permissions boundary is policy `arn`.
    pub fn boundary_usage(&self, arn: &str) -> (Vec<String>, Vec<String>) {
        let is = |b: &Option<String>| b.as_deref() == Some(arn);
        (
            self.users.values().filter(|u| is(&u.boundary)).map(|u| u.name.clone()).collect(),
            self.roles.values().filter(|r| is(&r.boundary)).map(|r| r.name.clone()).collect(),
        )
    }

    /// The parsed boundary `arn` (`None`: no boundary). A boundary that no longer parses
    /// allows nothing.
    pub(crate) fn boundary(&self, arn: Option<&String>) -> Option<Vec<squall_iam::Policy>> {
        let arn = arn?;
        let parsed = self
            .policy(arn)
            .ok()
            .and_then(|p| squall_iam::Policy::parse(p.document(), squall_iam::PolicyKind::Identity).ok());
        Some(parsed.into_iter().collect())
    }
}
