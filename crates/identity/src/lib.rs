//! IAM's identities over a `TableStore`, with no HTTP (`squall-api-iam` speaks IAM's query
//! protocol for them): users and their access keys, groups, roles, managed policies with
//! their versions, inline policies, tags; and what a request needs to be authorized, the
//! [`Principal`] an access key speaks for, its policies parsed once per change.
//!
//! Everything lives in memory and is written through to the store before an operation
//! answers (an acknowledged change survives `kill -9`). Changes go one at a time, across
//! servers too (`squall_lifecycle::Ledger`); the request path reads an immutable snapshot.
//!
//! ARNs carry the one account id, `squall_types::ACCOUNT_ID`: `arn:aws:iam::<account>:user/<path><name>`.

mod aws_managed;
mod boundaries;
mod change;
mod groups;
mod ids;
mod inline;
mod keys;
mod lifecycle;
mod managed;
pub mod model;
mod names;
mod principal;
mod roles;
mod sessions;
mod state;
mod users;

pub use aws_managed::all as aws_managed;
pub use inline::Holder;
pub use managed::{Usage, policy_arn};
pub use principal::user_arn;
pub use principal::{Principal, Session};
pub use roles::NewRole;
pub use sessions::{AssumeRole, Credentials, FunctionGrant, SessionError};
pub use state::State;

use squall_clock::Clock;
use squall_lifecycle::{Cluster, Ledger};
use squall_storage::TableStore;
use std::sync::{Arc, RwLock};

/// What the identity service tells its callers; the adapter maps each to IAM's code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `NoSuchEntity` (404).
    #[error("{0}")]
    NoSuchEntity(String),
    /// `EntityAlreadyExists` (409).
    #[error("{0}")]
    AlreadyExists(String),
    /// `MalformedPolicyDocument` (400).
    #[error("{0}")]
    MalformedPolicy(String),
    /// `LimitExceeded` (409): a quota such as two access keys per user.
    #[error("{0}")]
    LimitExceeded(String),
    /// `DeleteConflict` (409): the entity still has what must go first.
    #[error("{0}")]
    DeleteConflict(String),
    /// `InvalidInput` (400).
    #[error("{0}")]
    InvalidInput(String),
    /// `ValidationError` (400): a name or value outside its pattern or length.
    #[error("{0}")]
    Validation(String),
    /// `AccessDenied` (403): the caller may not do this (AssumeRole's decision).
    #[error("{0}")]
    AccessDenied(String),
    /// `PackedPolicyTooLarge` (400): session policies over AWS's limit.
    #[error("{0}")]
    PackedPolicyTooLarge(String),
    /// `ConcurrentModification` (409): another server changed identities at the same
    /// moment; nothing was written.
    #[error("{0}")]
    Concurrent(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(squall_storage::Error),
}

impl From<squall_storage::Error> for Error {
    fn from(e: squall_storage::Error) -> Error {
        match e {
            squall_storage::Error::Conflict(_) => Error::Concurrent(
                "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.".into(),
            ),
            e => Error::Storage(e),
        }
    }
}

/// Results of the identity service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name under which identity changes are announced to the other servers.
const DOMAIN: &str = "identity";

/// Users, groups, roles and policies.
pub struct Identities {
    store: Arc<dyn TableStore>,
    ledger: Ledger,
    /// What requests read: replaced whole by each change.
    current: RwLock<Arc<State>>,
    /// Changes go one at a time.
    changing: tokio::sync::Mutex<()>,
    clock: Clock,
    cluster: Cluster,
    /// Seals and opens session tokens.
    sealer: squall_auth::Sealer,
    /// Sessions already opened.
    sessions: sessions::SessionCache,
}

impl Identities {
    /// Loads every identity from `store`; session tokens are sealed with `sealer` (the same
    /// key on every server of the store).
    pub async fn open(
        store: Arc<dyn TableStore>,
        clock: Clock,
        cluster: Cluster,
        sealer: squall_auth::Sealer,
    ) -> Result<Arc<Identities>> {
        let ledger = Ledger::open(store.clone(), "identities", DOMAIN, cluster.clone()).await?;
        let state = State::load(store.as_ref()).await?;
        Ok(Arc::new(Identities {
            store,
            ledger,
            current: RwLock::new(Arc::new(state)),
            changing: tokio::sync::Mutex::new(()),
            clock,
            cluster,
            sealer,
            sessions: Default::default(),
        }))
    }

    /// The identities as they are now.
    pub fn snapshot(&self) -> Arc<State> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the identities as stored now, after another server changed them.
    pub async fn refresh(&self) -> Result<()> {
        let _one = self.changing.lock().await;
        self.reload().await
    }

    async fn reload(&self) -> Result<()> {
        let state = State::load(self.store.as_ref()).await?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(state);
        Ok(())
    }

    /// The principal `access_key_id` belongs to, if it is a user's key (active or not).
    pub fn principal(&self, access_key_id: &str) -> Option<Arc<Principal>> {
        self.snapshot().principal(access_key_id)
    }
}

#[cfg(test)]
mod tests;
