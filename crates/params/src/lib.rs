//! Parameters, secrets and keys: SSM Parameter Store's, Secrets Manager's and KMS's data
//! models and operations over a `TableStore`, with no HTTP and no wire format (the adapters
//! `squall-api-ssm`, `squall-api-secretsmanager` and `squall-api-kms` speak awsJson1.1 for
//! them).
//!
//! - [`Sealer`] (`squall_auth`): AES-256-GCM under the installation's 32-byte key, a fresh random
//!   nonce per value; SecureString values and every secret value are stored sealed.
//! - [`parameters`]: [`Parameters`], SSM Parameter Store: names and hierarchies, versions (at
//!   most 100 kept), labels, selectors (`name:3`, `name:label`), paths and filters, tags.
//! - [`secrets`]: [`Secrets`], Secrets Manager: secrets with ARNs carrying a random suffix,
//!   versions and their staging labels, idempotent writes by client token, scheduled
//!   deletion and its sweeper, tags, random passwords.
//! - [`keys`]: [`Keys`], AWS KMS: symmetric keys (their material sealed under the
//!   installation's key), aliases, AWS-managed keys made on first use, Squall's own
//!   ciphertext format, and the small API other services encrypt through (S3's SSE-KMS).
//! - `paging`: the opaque `NextToken`s the services hand out.
//!
//! All three live in memory and are written through to one store of their own (`params.db`)
//! before an operation answers, so an acknowledged write survives `kill -9`. The request
//! path never reads the store.
//!
//! Deliberately not here: parameters and secrets under KMS keys (only the default keys,
//! `alias/aws/ssm` and `alias/aws/secretsmanager`, are accepted; they stand for the
//! installation's key), rotation, replication, resource policies, parameter policies and
//! public parameters (`/aws/service/…`).

mod crypto;
pub mod keys;
pub mod parameters;
pub mod secrets;

mod lifecycle;
mod paging;
mod reset;

pub use keys::Keys;
pub use parameters::Parameters;
pub use secrets::Secrets;
pub use squall_auth::{KEY_LEN, Sealer};

use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_storage::{ItemExpect, ItemWrite, TableStore};
use std::sync::Arc;

/// What the parameters and secrets services tell their callers; each adapter maps a variant
/// to its service's error code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A malformed, missing or out-of-range input (SSM `ValidationException`, Secrets
    /// Manager `InvalidParameterException`).
    #[error("{0}")]
    Validation(String),
    /// The parameter or secret does not exist (`ParameterNotFound`,
    /// `ResourceNotFoundException`).
    #[error("{0}")]
    NotFound(String),
    /// The parameter exists but not the version asked for (`ParameterVersionNotFound`).
    #[error("{0}")]
    VersionNotFound(String),
    /// The name is taken, or a client token's version exists with another value
    /// (`ParameterAlreadyExists`, `ResourceExistsException`).
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is valid but the resource's state forbids it, e.g. a secret scheduled
    /// for deletion (`InvalidRequestException`).
    #[error("{0}")]
    InvalidRequest(String),
    /// `AccessDeniedException`: a name under the reserved `/aws` hierarchy.
    #[error("{0}")]
    AccessDenied(String),
    /// `HierarchyLevelLimitExceededException`.
    #[error("{0}")]
    HierarchyLevelLimitExceeded(String),
    /// `InvalidAllowedPatternException`: the pattern is not a regular expression.
    #[error("{0}")]
    InvalidAllowedPattern(String),
    /// `ParameterPatternMismatchException`: the value does not match `AllowedPattern`.
    #[error("{0}")]
    PatternMismatch(String),
    /// `ParameterMaxVersionLimitExceeded`: the oldest of 100 versions has a label.
    #[error("{0}")]
    MaxVersionLimitExceeded(String),
    /// `ParameterVersionLabelLimitExceeded`: a version would have more than 10 labels.
    #[error("{0}")]
    LabelLimitExceeded(String),
    /// `ParameterLimitExceeded` (SSM) or `LimitExceededException` (Secrets Manager).
    #[error("{0}")]
    LimitExceeded(String),
    /// `InvalidFilterKey`.
    #[error("{0}")]
    InvalidFilterKey(String),
    /// `InvalidFilterOption`.
    #[error("{0}")]
    InvalidFilterOption(String),
    /// `InvalidFilterValue`.
    #[error("{0}")]
    InvalidFilterValue(String),
    /// `InvalidNextToken` / `InvalidNextTokenException`.
    #[error("The specified token is invalid.")]
    InvalidNextToken,
    /// `InvalidResourceType`: tags on something other than a parameter.
    #[error("{0}")]
    InvalidResourceType(String),
    /// `InvalidResourceId`: tags of a parameter that does not exist.
    #[error("{0}")]
    InvalidResourceId(String),
    /// `TooManyTagsError`: more than 50 tags on one resource.
    #[error("{0}")]
    TooManyTags(String),
    /// A sealed value did not open: the key is not the one it was sealed with, or the
    /// stored bytes are damaged (the platform failed, not the caller).
    #[error("a stored value could not be decrypted: {0}")]
    Decryption(String),
    /// `TooManyUpdates`: another server changed parameters or secrets at the same moment;
    /// nothing was written, and the request may be sent again.
    #[error("{0}")]
    Busy(String),
    /// KMS `DisabledException`: the key is disabled.
    #[error("{0}")]
    Disabled(String),
    /// KMS `KMSInvalidStateException`: the key's state forbids the operation (pending
    /// deletion, or not pending deletion for CancelKeyDeletion).
    #[error("{0}")]
    InvalidState(String),
    /// KMS `InvalidCiphertextException`: the ciphertext is damaged, not Squall's, or its
    /// encryption context is not the one it was encrypted with.
    #[error("{0}")]
    InvalidCiphertext(String),
    /// KMS `IncorrectKeyException`: the ciphertext was encrypted under another key than the
    /// one the request names.
    #[error("{0}")]
    IncorrectKey(String),
    /// KMS `UnsupportedOperationException`: a kind of key or a feature Squall does not
    /// have, named in the message.
    #[error("{0}")]
    Unsupported(String),
    /// KMS `NotAuthorizedException`: an alias under the reserved `alias/aws/` prefix.
    #[error("{0}")]
    NotAuthorized(String),
    /// KMS `TagException`: a tag key or value out of bounds.
    #[error("{0}")]
    Tag(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(squall_storage::Error),
}

impl From<squall_storage::Error> for Error {
    /// A conflict is another server's change committed first (`squall_lifecycle::Ledger`):
    /// nothing was written and the request may be sent again.
    fn from(e: squall_storage::Error) -> Error {
        match e {
            squall_storage::Error::Conflict(_) => {
                Error::Busy("There are concurrent updates for a resource that supports one update at a time.".into())
            }
            e => Error::Storage(e),
        }
    }
}

/// The name under which changes of parameters and secrets are announced to the other
/// servers.
pub(crate) const DOMAIN: &str = "params";

/// Results of the parameters and secrets services.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn validation(message: impl Into<String>) -> Error {
    Error::Validation(message.into())
}

pub(crate) fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}

/// The store's pseudo-table holding a value sealed with the key, so a start with another
/// key is refused instead of failing on every read.
const KEY_CHECK: &str = "key-check";
const KEY_CHECK_TEXT: &[u8] = b"squall-params key check";

/// Parameter Store, Secrets Manager and KMS, opened together over one store and one key.
pub struct Params {
    /// SSM Parameter Store.
    pub parameters: Parameters,
    /// Secrets Manager.
    pub secrets: Secrets,
    /// KMS keys and aliases.
    pub keys: Keys,
}

impl Params {
    /// Takes parameters, secrets and keys as stored now, after another server changed them.
    pub async fn refresh(&self) -> Result<()> {
        self.parameters.refresh().await?;
        self.secrets.refresh().await?;
        self.keys.refresh().await
    }
}

impl Params {
    /// Loads every parameter, secret and key from `store`. Values are sealed with `sealer`; a
    /// store whose values were sealed under another key is refused
    /// ([`Error::Decryption`]). ARNs name `region`; times are `clock`'s.
    pub async fn open(
        store: Arc<dyn TableStore>,
        sealer: Sealer,
        region: &str,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Arc<Params>> {
        let sealer = Arc::new(sealer);
        // Two servers starting on a new store at once: the first check written wins, and
        // the other server's key is checked against it.
        let sealed = match store.get_item(KEY_CHECK, b"key", b"").await? {
            Some(sealed) => sealed,
            None => {
                let sealed = sealer.seal(KEY_CHECK_TEXT, b"key-check");
                let write = ItemWrite {
                    table: KEY_CHECK.into(),
                    pk: b"key".to_vec(),
                    sk: Vec::new(),
                    item: Some(sealed.clone()),
                };
                let absent = ItemExpect { table: KEY_CHECK.into(), pk: b"key".to_vec(), sk: Vec::new(), item: None };
                match store.write_checked(vec![write], vec![absent]).await {
                    Ok(()) => sealed,
                    Err(squall_storage::Error::Conflict(_)) => {
                        store.get_item(KEY_CHECK, b"key", b"").await?.unwrap_or(sealed)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let opened = sealer.open(&sealed, b"key-check").map_err(|_| {
            Error::Decryption(
                "the key does not open the values stored with the previous one (was keys/params.key replaced? every server on one store needs the same key file)"
                    .into(),
            )
        })?;
        if opened != KEY_CHECK_TEXT {
            return Err(Error::Decryption("the key check value is damaged".into()));
        }
        let parameters =
            Parameters::open(store.clone(), sealer.clone(), region, clock.clone(), cluster.clone()).await?;
        let secrets = Secrets::open(store.clone(), sealer.clone(), region, clock.clone(), cluster.clone()).await?;
        let keys = Keys::open(store, sealer, region, clock, cluster).await?;
        Ok(Arc::new(Params { parameters, secrets, keys }))
    }
}

#[cfg(test)]
mod tests;
