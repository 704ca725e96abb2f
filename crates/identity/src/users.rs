//! Users: created, read, listed, tagged, deleted once nothing hangs on them.

use crate::model::{Tag, User};
use crate::names::{check_name, merge_tags, path, remove_tags};
use crate::state::Touch;
use crate::{Error, Identities, Result, ids};

impl Identities {
    /// CreateUser, with a permissions boundary if `boundary` names one.
    pub async fn create_user(
        &self,
        name: &str,
        path_: Option<&str>,
        tags: Vec<Tag>,
        boundary: Option<&str>,
    ) -> Result<User> {
        check_name("userName", name, 64)?;
        let path = path(path_)?;
        self.change(|s, now| {
            let lc = name.to_ascii_lowercase();
            if s.users.contains_key(&lc) {
                return Err(Error::AlreadyExists(format!("User with name {name} already exists.")));
            }
            if let Some(arn) = boundary {
                crate::boundaries::check_boundary(s, arn)?;
            }
            let mut user = User {
                name: name.to_string(),
                id: ids::unique_id("AIDA"),
                path,
                created_ms: now,
                tags: Vec::new(),
                inline: Default::default(),
                attached: Vec::new(),
                groups: Vec::new(),
                boundary: boundary.map(str::to_string),
            };
            merge_tags(&mut user.tags, tags)?;
            s.users.insert(lc.clone(), user.clone());
            Ok((user, vec![Touch::User(lc)]))
        })
        .await
    }

    /// DeleteUser: refused while it has access keys, policies or groups, as IAM refuses.
    pub async fn delete_user(&self, name: &str) -> Result<()> {
        self.change(|s, _| {
            let user = s.user(name)?;
            let conflict = |what: &str| Err(Error::DeleteConflict(format!("Cannot delete entity, must {what} first.")));
            if s.keys.values().any(|k| k.user == user.name) {
                return conflict("delete access keys");
            }
            if !user.inline.is_empty() {
                return conflict("delete policies");
            }
            if !user.attached.is_empty() {
                return conflict("detach all policies");
            }
            if !user.groups.is_empty() {
                return conflict("remove user from all groups");
            }
            let lc = name.to_ascii_lowercase();
            s.users.remove(&lc);
            Ok(((), vec![Touch::User(lc)]))
        })
        .await
    }

    /// TagUser.
    pub async fn tag_user(&self, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.change(|s, _| {
            let lc = s.user(name)?.name.to_ascii_lowercase();
            let user = s.users.get_mut(&lc).expect("looked up");
            merge_tags(&mut user.tags, tags)?;
            Ok(((), vec![Touch::User(lc)]))
        })
        .await
    }

    /// UntagUser.
    pub async fn untag_user(&self, name: &str, keys: &[String]) -> Result<()> {
        self.change(|s, _| {
            let lc = s.user(name)?.name.to_ascii_lowercase();
            remove_tags(&mut s.users.get_mut(&lc).expect("looked up").tags, keys);
            Ok(((), vec![Touch::User(lc)]))
        })
        .await
    }
}
