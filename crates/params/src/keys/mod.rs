//! AWS KMS: [`Keys`], every key and alias in memory, written through to the store before an
//! operation answers; and the small API other services encrypt through (S3's SSE-KMS).
//!
//! - [`refs`]: key and alias ARNs, alias names, and how a `KeyId` (key id, key ARN, alias
//!   name, alias ARN) is read.
//! - [`blob`]: Squall's ciphertext format: a version byte, the key id (so Decrypt needs no
//!   `KeyId`), a nonce, AES-256-GCM with the encryption context as associated data.
//! - `create`: CreateKey, and the AWS-managed keys (`alias/aws/<service>`) made on first use.
//! - `lookup`: finding the key a `KeyId` names, and the state checks operations share.
//! - `read`: DescribeKey, ListKeys, ListAliases, ListResourceTags, the key policy.
//! - `aliases`: CreateAlias, UpdateAlias, DeleteAlias.
//! - `states`: EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion,
//!   UpdateKeyDescription, and the deletion sweep the lifecycle's worker runs.
//! - `tags`: TagResource, UntagResource.
//! - `crypto`: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateRandom; what other
//!   services call ([`Keys::generate_data_key`], [`Keys::decrypt`], [`Keys::resolve`],
//!   [`Keys::managed`]).
//!
//! In the store a key is one row (pseudo-table `kms-keys`, key: its id) holding its 32
//! bytes of key material sealed under the installation's key and bound to the key id; an
//! alias is one row (`kms-aliases`, key: the alias name). The material is opened once, when
//! the key is loaded, so the request path never reads the store.
//!
//! Deliberately not here: asymmetric, HMAC and key-agreement keys, imported key material,
//! custom key stores, multi-Region keys, grants, key policies other than the default one,
//! and rotation (the adapter refuses each by name).

pub mod blob;
pub mod refs;

mod aliases;
mod create;
mod crypto;
mod lookup;
mod read;
mod states;
mod tags;
#[cfg(test)]
mod tests;

pub use create::{CreateKey, MANAGED};
pub use crypto::{DataKey, Decrypted, Encrypted, EncryptionContext, MAX_DATA_KEY, MAX_PLAINTEXT, ReEncrypted};
pub use read::{POLICY_NAME, Page};
pub use states::Scheduled;
pub use tags::MAX_TAGS;

use crate::{Error, Result, corrupt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use squall_auth::{KEY_LEN, Sealer};
use squall_clock::Clock;
use squall_lifecycle::{Cluster, Ledger};
use squall_storage::{ItemWrite, TableStore};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;
use zeroize::Zeroizing;

/// The store's pseudo-table of keys (key: key id).
const KEYS: &str = "kms-keys";
/// The store's pseudo-table of aliases (key: alias name, `alias/…`).
const ALIASES: &str = "kms-aliases";

/// A key's state, as `KeyState` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    /// Usable.
    Enabled,
    /// Refuses cryptographic operations (`DisabledException`) until enabled again.
    Disabled,
    /// Scheduled for deletion: refuses cryptographic operations
    /// (`KMSInvalidStateException`) until the deletion is cancelled or happens.
    PendingDeletion,
}

impl KeyState {
    /// The state's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
        }
    }
}

/// Who manages a key, as `KeyManager` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyManager {
    /// Made by CreateKey; the account changes it.
    Customer,
    /// Made for a service on first use (`alias/aws/<service>`); only that service uses it,
    /// and no one changes it.
    Aws,
}

impl KeyManager {
    /// The manager's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyManager::Customer => "CUSTOMER",
            KeyManager::Aws => "AWS",
        }
    }
}

/// A key as DescribeKey reports it (and as stored, beside its sealed material).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyInfo {
    /// `KeyId`: a UUID.
    pub id: String,
    /// `Arn`: `arn:aws:kms:<region>:<account>:key/<id>`.
    pub arn: String,
    /// `Description` (empty when none was given, as AWS reports it).
    #[serde(default)]
    pub description: String,
    /// `CreationDate`, epoch milliseconds.
    pub created_ms: u64,
    /// `KeyState`.
    pub state: KeyState,
    /// `DeletionDate`: when a key pending deletion is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_ms: Option<u64>,
    /// `KeyManager`.
    pub manager: KeyManager,
    /// The service an AWS-managed key belongs to (`s3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Tags, in the order they were added.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

/// An alias as ListAliases reports it (and as stored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AliasInfo {
    /// `AliasName`: `alias/<name>`.
    pub name: String,
    /// `AliasArn`.
    pub arn: String,
    /// `TargetKeyId`.
    pub key_id: String,
    /// `CreationDate`, epoch milliseconds.
    pub created_ms: u64,
    /// `LastUpdatedDate`.
    pub updated_ms: u64,
}

/// A key's row in the store.
#[derive(Serialize, Deserialize)]
struct KeyRow {
    #[serde(flatten)]
    info: KeyInfo,
    /// The key material sealed under the installation's key, base64.
    material: String,
}

/// A key in memory: its metadata, its sealed material (written back unchanged), and the
/// cipher its opened material keys.
#[derive(Clone)]
struct Key {
    info: KeyInfo,
    sealed: String,
    cipher: Arc<Sealer>,
}

/// Every key and alias.
#[derive(Clone, Default)]
struct State {
    /// Keys by id.
    keys: BTreeMap<String, Key>,
    /// Aliases by name.
    aliases: BTreeMap<String, AliasInfo>,
}

/// AWS KMS's keys and aliases.
pub struct Keys {
    store: Arc<dyn TableStore>,
    /// The installation's key, which seals each key's material.
    sealer: Arc<Sealer>,
    region: String,
    state: RwLock<State>,
    /// Serializes changes, so read-check-write sequences hold.
    admin: tokio::sync::Mutex<()>,
    /// What dates and deletion deadlines read.
    pub(crate) clock: Clock,
    /// Wakes the deletion sweeper when a deletion is scheduled.
    pub(crate) scheduled: Notify,
    /// Commits changes, in step with other servers on the store.
    ledger: Ledger,
    /// This server among those of the store.
    pub(crate) cluster: Cluster,
}

/// The associated data a key's material is sealed with.
fn material_aad(id: &str) -> Vec<u8> {
    format!("kms-key\0{id}").into_bytes()
}

fn key_write(key: &Key) -> ItemWrite {
    let row = KeyRow { info: key.info.clone(), material: key.sealed.clone() };
    ItemWrite {
        table: KEYS.into(),
        pk: key.info.id.as_bytes().to_vec(),
        sk: Vec::new(),
        item: Some(serde_json::to_vec(&row).expect("a key serializes")),
    }
}

fn key_delete(id: &str) -> ItemWrite {
    ItemWrite { table: KEYS.into(), pk: id.as_bytes().to_vec(), sk: Vec::new(), item: None }
}

fn alias_write(name: &str, alias: Option<&AliasInfo>) -> ItemWrite {
    ItemWrite {
        table: ALIASES.into(),
        pk: name.as_bytes().to_vec(),
        sk: Vec::new(),
        item: alias.map(|a| serde_json::to_vec(a).expect("an alias serializes")),
    }
}

impl Keys {
    /// Loads every key and alias from `store`, opening each key's material with `sealer`.
    pub(crate) async fn open(
        store: Arc<dyn TableStore>,
        sealer: Arc<Sealer>,
        region: &str,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Keys> {
        let ledger = Ledger::open(store.clone(), KEYS, crate::DOMAIN, cluster.clone()).await?;
        let state = load(store.as_ref(), &sealer).await?;
        Ok(Keys {
            store,
            sealer,
            region: region.to_string(),
            state: RwLock::new(state),
            admin: tokio::sync::Mutex::new(()),
            clock,
            scheduled: Notify::new(),
            ledger,
            cluster,
        })
    }

    /// Takes the keys as stored now, after another server changed them.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.ledger.stale().await?;
        *self.write() = load(self.store.as_ref(), &self.sealer).await?;
        self.scheduled.notify_one();
        Ok(())
    }

    /// Makes the keys in memory current before a change is decided (call with the admin
    /// lock held).
    async fn sync(&self) -> Result<()> {
        if self.ledger.stale().await? {
            *self.write() = load(self.store.as_ref(), &self.sealer).await?;
        }
        Ok(())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A new key's material, sealed, and the cipher it keys.
    fn new_material(&self, id: &str) -> (String, Arc<Sealer>) {
        let mut material = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(material.as_mut()).expect("the operating system's random source is available");
        let sealed = B64.encode(self.sealer.seal(material.as_ref(), &material_aad(id)));
        (sealed, Arc::new(Sealer::new(&material)))
    }

    /// Whether `info` is gone: pending deletion past its date (the sweeper deletes it soon;
    /// until then it is treated as deleted).
    fn gone(&self, info: &KeyInfo) -> bool {
        info.deletion_ms.is_some_and(|d| d <= self.clock.now_ms())
    }

    /// How many keys there are (those pending deletion included).
    pub fn len(&self) -> usize {
        self.read().keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.read().keys.is_empty()
    }
}

/// Every key (its material opened) and alias, as stored.
async fn load(store: &dyn TableStore, sealer: &Sealer) -> Result<State> {
    let mut state = State::default();
    for row in squall_storage::scan_all(store, KEYS).await? {
        let id = String::from_utf8_lossy(&row.pk).into_owned();
        let row: KeyRow = serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("KMS key {id}"), e))?;
        let sealed = B64.decode(&row.material).map_err(|e| Error::Decryption(format!("KMS key {id}: {e}")))?;
        let material = Zeroizing::new(
            sealer.open(&sealed, &material_aad(&id)).map_err(|_| Error::Decryption(format!("KMS key {id}")))?,
        );
        let material: &[u8; KEY_LEN] = material
            .as_slice()
            .try_into()
            .map_err(|_| Error::Decryption(format!("KMS key {id}: the material is not {KEY_LEN} bytes")))?;
        let key = Key { info: row.info, sealed: row.material, cipher: Arc::new(Sealer::new(material)) };
        state.keys.insert(id, key);
    }
    for row in squall_storage::scan_all(store, ALIASES).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let alias: AliasInfo =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("KMS alias {name}"), e))?;
        state.aliases.insert(name, alias);
    }
    Ok(state)
}
