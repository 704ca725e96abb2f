//! Roles: trust policies saying who may assume them, their own policies and tags.

use crate::model::{Role, Tag};
use crate::names::{check_name, merge_tags, path, remove_tags};
use crate::state::Touch;
use crate::{Error, Identities, Result, ids};
use squall_iam::{Policy, PolicyKind};

/// What CreateRole takes besides the name.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    pub path: Option<String>,
    /// The trust policy.
    pub trust: String,
    pub description: Option<String>,
    /// Seconds, 3600 to 43200 (3600 unless given).
    pub max_session_s: Option<u32>,
    pub tags: Vec<Tag>,
    /// Its permissions boundary, a managed policy's ARN.
    pub boundary: Option<String>,
}

/// Checks a role's maximum session duration, in seconds.
fn check_max_session(max_session_s: u32) -> Result<()> {
    if !(3600..=43200).contains(&max_session_s) {
        return Err(Error::Validation(format!(
            "1 validation error detected: Value '{max_session_s}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200"
        )));
    }
    Ok(())
}

/// Checks a role's description: at most 1000 characters.
fn check_description(description: &str) -> Result<()> {
    if description.chars().count() > 1000 {
        return Err(Error::Validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000".into(),
        ));
    }
    Ok(())
}

fn check_trust(document: &str) -> Result<()> {
    Policy::accept(document, PolicyKind::Trust).map(|_| ()).map_err(|m| Error::MalformedPolicy(m.0))
}

impl Identities {
    /// CreateRole.
    pub async fn create_role(&self, name: &str, new: NewRole) -> Result<Role> {
        check_name("roleName", name, 64)?;
        let path = path(new.path.as_deref())?;
        check_trust(&new.trust)?;
        let max_session_s = new.max_session_s.unwrap_or(3600);
        check_max_session(max_session_s)?;
        if let Some(d) = &new.description {
            check_description(d)?;
        }
        self.change(|s, now| {
            let lc = name.to_ascii_lowercase();
            if s.roles.contains_key(&lc) {
                return Err(Error::AlreadyExists(format!("Role with name {name} already exists.")));
            }
            if let Some(arn) = &new.boundary {
                crate::boundaries::check_boundary(s, arn)?;
            }
            let mut role = Role {
                name: name.to_string(),
                id: ids::unique_id("AROA"),
                path,
                created_ms: now,
                trust: new.trust,
                description: new.description,
                max_session_s,
                tags: Vec::new(),
                inline: Default::default(),
                attached: Vec::new(),
                boundary: new.boundary,
            };
            merge_tags(&mut role.tags, new.tags)?;
            s.roles.insert(lc.clone(), role.clone());
            Ok((role, vec![Touch::Role(lc)]))
        })
        .await
    }

    /// DeleteRole: refused while it has policies.
    pub async fn delete_role(&self, name: &str) -> Result<()> {
        self.change(|s, _| {
            let role = s.role(name)?;
            if !role.inline.is_empty() {
                return Err(Error::DeleteConflict("Cannot delete entity, must delete policies first.".into()));
            }
            if !role.attached.is_empty() {
                return Err(Error::DeleteConflict("Cannot delete entity, must detach all policies first.".into()));
            }
            let lc = name.to_ascii_lowercase();
            s.roles.remove(&lc);
            Ok(((), vec![Touch::Role(lc)]))
        })
        .await
    }

    /// UpdateRole (and UpdateRoleDescription): the description when given (an empty one
    /// clears it), the sessions' maximum duration when given; the role afterwards.
    pub async fn update_role(&self, name: &str, description: Option<&str>, max_session_s: Option<u32>) -> Result<Role> {
        if let Some(d) = description {
            check_description(d)?;
        }
        if let Some(s) = max_session_s {
            check_max_session(s)?;
        }
        self.change(|s, _| {
            let lc = s.role(name)?.name.to_ascii_lowercase();
            let role = s.roles.get_mut(&lc).expect("looked up");
            if let Some(d) = description {
                role.description = (!d.is_empty()).then(|| d.to_string());
            }
            if let Some(max) = max_session_s {
                role.max_session_s = max;
            }
            Ok((role.clone(), vec![Touch::Role(lc)]))
        })
        .await
    }

    /// UpdateAssumeRolePolicy.
    pub async fn update_trust(&self, name: &str, document: &str) -> Result<()> {
        check_trust(document)?;
        self.change(|s, _| {
            let lc = s.role(name)?.name.to_ascii_lowercase();
            s.roles.get_mut(&lc).expect("looked up").trust = document.to_string();
            Ok(((), vec![Touch::Role(lc)]))
        })
        .await
    }

    /// TagRole.
    pub async fn tag_role(&self, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.change(|s, _| {
            let lc = s.role(name)?.name.to_ascii_lowercase();
            merge_tags(&mut s.roles.get_mut(&lc).expect("looked up").tags, tags)?;
            Ok(((), vec![Touch::Role(lc)]))
        })
        .await
    }

    /// UntagRole.
    pub async fn untag_role(&self, name: &str, keys: &[String]) -> Result<()> {
        self.change(|s, _| {
            let lc = s.role(name)?.name.to_ascii_lowercase();
            remove_tags(&mut s.roles.get_mut(&lc).expect("looked up").tags, keys);
            Ok(((), vec![Touch::Role(lc)]))
        })
        .await
    }
}
