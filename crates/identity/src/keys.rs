//! Users' access keys: at most two each, Active or Inactive, deleted by id.

use crate::model::{AccessKey, KeyStatus};
use crate::state::{State, Touch};
use crate::{Error, Identities, Result, ids};

/// IAM's quota of access keys per user.
const KEYS_PER_USER: usize = 2;

impl Identities {
    /// CreateAccessKey: a new Active key of `user`, its secret included (the only time it
    /// is shown).
    pub async fn create_access_key(&self, user: &str) -> Result<AccessKey> {
        self.change(|s, now| {
            let name = s.user(user)?.name.clone();
            if s.keys.values().filter(|k| k.user == name).count() >= KEYS_PER_USER {
                return Err(Error::LimitExceeded(format!(
                    "Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}"
                )));
            }
            let key = AccessKey {
                id: ids::access_key_id(),
                secret: ids::secret(),
                user: name,
                status: KeyStatus::Active,
                created_ms: now,
            };
            s.keys.insert(key.id.clone(), key.clone());
            Ok((key.clone(), vec![Touch::Key(key.id)]))
        })
        .await
    }

    /// UpdateAccessKey: an Inactive key signs nothing until made Active again.
    pub async fn update_access_key(&self, user: &str, id: &str, status: KeyStatus) -> Result<()> {
        self.change(|s, _| {
            owned_key(s, user, id)?;
            s.keys.get_mut(id).expect("looked up").status = status;
            Ok(((), vec![Touch::Key(id.to_string())]))
        })
        .await
    }

    /// DeleteAccessKey.
    pub async fn delete_access_key(&self, user: &str, id: &str) -> Result<()> {
        self.change(|s, _| {
            owned_key(s, user, id)?;
            s.keys.remove(id);
            Ok(((), vec![Touch::Key(id.to_string())]))
        })
        .await
    }
}

/// The key `id` of `user`; IAM's NoSuchEntity if there is none.
fn owned_key<'s>(s: &'s State, user: &str, id: &str) -> Result<&'s AccessKey> {
    let name = &s.user(user)?.name;
    s.keys
        .get(id)
        .filter(|k| &k.user == name)
        .ok_or_else(|| Error::NoSuchEntity(format!("The Access Key with id {id} cannot be found")))
}

impl State {
    /// `user`'s access keys, oldest first.
    pub fn keys_of(&self, user: &str) -> Result<Vec<&AccessKey>> {
        let name = &self.user(user)?.name;
        let mut keys: Vec<&AccessKey> = self.keys.values().filter(|k| &k.user == name).collect();
        keys.sort_by_key(|k| k.created_ms);
        Ok(keys)
    }
}
