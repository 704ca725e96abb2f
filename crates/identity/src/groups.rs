//! Groups and their members.

use crate::model::Group;
use crate::names::{check_name, path};
use crate::state::{State, Touch};
use crate::{Error, Identities, Result, ids};

impl Identities {
    /// CreateGroup.
    pub async fn create_group(&self, name: &str, path_: Option<&str>) -> Result<Group> {
        check_name("groupName", name, 128)?;
        let path = path(path_)?;
        self.change(|s, now| {
            let lc = name.to_ascii_lowercase();
            if s.groups.contains_key(&lc) {
                return Err(Error::AlreadyExists(format!("Group with name {name} already exists.")));
            }
            let group = Group {
                name: name.to_string(),
                id: ids::unique_id("AGPA"),
                path,
                created_ms: now,
                inline: Default::default(),
                attached: Vec::new(),
            };
            s.groups.insert(lc.clone(), group.clone());
            Ok((group, vec![Touch::Group(lc)]))
        })
        .await
    }

    /// DeleteGroup: refused while it has members or policies.
    pub async fn delete_group(&self, name: &str) -> Result<()> {
        self.change(|s, _| {
            let group = s.group(name)?;
            if !s.members(&group.name).is_empty() {
                return Err(Error::DeleteConflict("Cannot delete entity, must remove users from group first.".into()));
            }
            if !group.inline.is_empty() {
                return Err(Error::DeleteConflict("Cannot delete entity, must delete policies first.".into()));
            }
            if !group.attached.is_empty() {
                return Err(Error::DeleteConflict("Cannot delete entity, must detach all policies first.".into()));
            }
            let lc = name.to_ascii_lowercase();
            s.groups.remove(&lc);
            Ok(((), vec![Touch::Group(lc)]))
        })
        .await
    }

    /// AddUserToGroup (adding a member again is no change).
    pub async fn add_user_to_group(&self, group: &str, user: &str) -> Result<()> {
        self.change(|s, _| {
            let group = s.group(group)?.name.clone();
            let lc = s.user(user)?.name.to_ascii_lowercase();
            let u = s.users.get_mut(&lc).expect("looked up");
            if u.groups.contains(&group) {
                return Ok(((), Vec::new()));
            }
            u.groups.push(group);
            Ok(((), vec![Touch::User(lc)]))
        })
        .await
    }

    /// RemoveUserFromGroup.
    pub async fn remove_user_from_group(&self, group: &str, user: &str) -> Result<()> {
        self.change(|s, _| {
            let group = s.group(group)?.name.clone();
            let lc = s.user(user)?.name.to_ascii_lowercase();
            let u = s.users.get_mut(&lc).expect("looked up");
            if !u.groups.contains(&group) {
                return Err(Error::NoSuchEntity(format!(
                    "The user with name {user} cannot be found in group {group}."
                )));
            }
            u.groups.retain(|g| g != &group);
            Ok(((), vec![Touch::User(lc)]))
        })
        .await
    }
}

impl State {
    /// The users in group `group` (its exact name).
    pub fn members(&self, group: &str) -> Vec<&crate::model::User> {
        self.users.values().filter(|u| u.groups.iter().any(|g| g == group)).collect()
    }
}
