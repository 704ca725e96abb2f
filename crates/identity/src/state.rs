//! Every identity at one moment, and the principals its access keys resolve to.

use crate::model::{AccessKey, Group, ManagedPolicy, Role, User};
use crate::principal::Principal;
use crate::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use squall_storage::{ItemWrite, TableStore};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The store's pseudo-tables, one per kind of record; rows are keyed by lowercased name
/// (IAM names are unique ignoring case) or by access key id.
pub(crate) const USERS: &str = "users";
pub(crate) const GROUPS: &str = "groups";
pub(crate) const ROLES: &str = "roles";
pub(crate) const POLICIES: &str = "policies";
pub(crate) const KEYS: &str = "keys";

/// Users, groups, roles, managed policies and access keys, by lowercased name (access
/// keys by id); and each access key's principal, resolved.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub users: BTreeMap<String, User>,
    pub groups: BTreeMap<String, Group>,
    pub roles: BTreeMap<String, Role>,
    pub policies: BTreeMap<String, ManagedPolicy>,
    pub keys: BTreeMap<String, AccessKey>,
    principals: HashMap<String, Arc<Principal>>,
    /// Which identities these are: every state made current has a number of its own (what
    /// was derived from an older one, such as an opened session, is derived again).
    pub(crate) generation: u64,
}

/// The number the next state made current gets.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A record a change touched: written as it is in the new state, or deleted if gone.
#[derive(Debug, Clone)]
pub(crate) enum Touch {
    User(String),
    Group(String),
    Role(String),
    Policy(String),
    Key(String),
}

impl State {
    pub(crate) async fn load(store: &dyn TableStore) -> Result<State> {
        let mut state = State {
            users: load(store, USERS).await?,
            groups: load(store, GROUPS).await?,
            roles: load(store, ROLES).await?,
            policies: load(store, POLICIES).await?,
            keys: load(store, KEYS).await?,
            principals: HashMap::new(),
            generation: 0,
        };
        state.resolve();
        Ok(state)
    }

    /// The principal of `access_key_id`.
    pub fn principal(&self, access_key_id: &str) -> Option<Arc<Principal>> {
        self.principals.get(access_key_id).cloned()
    }

    /// Resolves every access key's principal again (after a change).
    pub(crate) fn resolve(&mut self) {
        self.generation = GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut by_user: HashMap<&str, Arc<Principal>> = HashMap::new();
        let mut principals = HashMap::new();
        for key in self.keys.values() {
            let lc = key.user.to_ascii_lowercase();
            let Some(user) = self.users.get(&lc) else { continue };
            let principal =
                by_user.entry(&user.name).or_insert_with(|| Arc::new(Principal::of_user(self, user))).clone();
            principals.insert(key.id.clone(), principal);
        }
        self.principals = principals;
    }

    /// The store writes that make the store hold what `touched` names as it is here.
    pub(crate) fn writes(&self, touched: &[Touch]) -> Result<Vec<ItemWrite>> {
        touched
            .iter()
            .map(|t| {
                Ok(match t {
                    Touch::User(k) => write(USERS, k, self.users.get(k))?,
                    Touch::Group(k) => write(GROUPS, k, self.groups.get(k))?,
                    Touch::Role(k) => write(ROLES, k, self.roles.get(k))?,
                    Touch::Policy(k) => write(POLICIES, k, self.policies.get(k))?,
                    Touch::Key(k) => write(KEYS, k, self.keys.get(k))?,
                })
            })
            .collect()
    }

    /// The user called `name` (any case), or IAM's NoSuchEntity.
    pub fn user(&self, name: &str) -> Result<&User> {
        self.users
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::NoSuchEntity(format!("The user with name {name} cannot be found.")))
    }

    pub fn group(&self, name: &str) -> Result<&Group> {
        self.groups
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::NoSuchEntity(format!("The group with name {name} cannot be found.")))
    }

    pub fn role(&self, name: &str) -> Result<&Role> {
        self.roles
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| Error::NoSuchEntity(format!("The role with name {name} cannot be found.")))
    }
}

async fn load<T: DeserializeOwned>(store: &dyn TableStore, table: &str) -> Result<BTreeMap<String, T>> {
    let mut out = BTreeMap::new();
    for item in squall_storage::scan_all(store, table).await? {
        let record = serde_json::from_slice(&item.item).map_err(|e| {
            Error::Storage(squall_storage::Error::Corrupt {
                what: format!("IAM {table} record"),
                detail: e.to_string(),
            })
        })?;
        out.insert(String::from_utf8_lossy(&item.pk).into_owned(), record);
    }
    Ok(out)
}

fn write<T: Serialize>(table: &str, key: &str, record: Option<&T>) -> Result<ItemWrite> {
    let item = record.map(|r| serde_json::to_vec(r).expect("records serialize"));
    Ok(ItemWrite { table: table.into(), pk: key.as_bytes().to_vec(), sk: Vec::new(), item })
}
