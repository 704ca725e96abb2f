//! Secrets Manager: [`Secrets`], every secret in memory by name, written through to the
//! store before an operation answers.
//!
//! - [`names`]: secret names, ARNs with their random six-character suffix, and how a
//!   `SecretId` (a name, a full ARN or a partial ARN) resolves.
//! - `write`: CreateSecret, PutSecretValue, UpdateSecret, UpdateSecretVersionStage: versions,
//!   staging labels (AWSCURRENT moves, the version it leaves gets AWSPREVIOUS), client-token
//!   idempotency.
//! - `read`: GetSecretValue, DescribeSecret, ListSecrets (filters), ListSecretVersionIds.
//! - `delete`: DeleteSecret (a recovery window, or at once), RestoreSecret, and the sweep
//!   the lifecycle's worker runs when the platform clock passes a deletion date.
//! - `tags`, [`password`]: TagResource, UntagResource; GetRandomPassword.
//!
//! In the store a secret is a head row (pseudo-table `secrets`, key: name) and one row per
//! version (pseudo-table `secret-versions`, key: name and version id); every value is sealed,
//! bound to the secret's ARN and the version id.

pub mod names;
pub mod password;

mod delete;
mod read;
mod tags;
#[cfg(test)]
mod tests;
mod write;

pub use delete::Deleted;
pub use read::{ListSecrets, SecretFilter, SecretInfo, SecretValue, VersionInfo};
pub use write::{Create, NewValue, StageMove, Written};

use crate::{Error, Result, corrupt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use squall_auth::Sealer;
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_lifecycle::Ledger;
use squall_storage::{ItemWrite, TableStore};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

/// The store's pseudo-table of secrets' heads (key: name).
const HEADS: &str = "secrets";
/// The store's pseudo-table of versions (key: name, version id).
const VERSIONS: &str = "secret-versions";

/// The label of the current version.
pub const CURRENT: &str = "AWSCURRENT";
/// The label the previous current version gets.
pub const PREVIOUS: &str = "AWSPREVIOUS";
/// Most versions kept: past it, the oldest versions without a label are dropped.
pub const MAX_VERSIONS: usize = 100;

/// A secret's head as stored and held.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Head {
    /// The secret's ARN (with its random suffix).
    pub arn: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Tags`, in the order they were added.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// `CreatedDate`, epoch milliseconds.
    pub created_ms: u64,
    /// `LastChangedDate`.
    pub changed_ms: u64,
    /// `LastAccessedDate`: the day (midnight UTC) of the last GetSecretValue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessed_ms: Option<u64>,
    /// `DeletedDate`: when DeleteSecret was called, while it is scheduled for deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_ms: Option<u64>,
    /// When a scheduled deletion happens (`DeletionDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_ms: Option<u64>,
    /// The sequence number the next version gets (versions list in creation order).
    #[serde(default)]
    pub next_seq: u64,
}

/// One version as stored and held.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredVersion {
    /// `VersionId`.
    pub id: String,
    /// Its staging labels (none: deprecated).
    #[serde(default)]
    pub stages: BTreeSet<String>,
    /// `CreatedDate`.
    pub created_ms: u64,
    /// Creation order within the secret.
    pub seq: u64,
    /// The sealed value, base64.
    pub sealed: String,
    /// Whether the value is `SecretBinary` (else `SecretString`).
    pub binary: bool,
}

/// A secret in memory.
#[derive(Debug, Clone)]
struct Secret {
    head: Head,
    /// Versions by id.
    versions: BTreeMap<String, StoredVersion>,
}

impl Secret {
    fn with_stage(&self, stage: &str) -> Option<&StoredVersion> {
        self.versions.values().find(|v| v.stages.contains(stage))
    }

    /// Versions in creation order.
    fn in_order(&self) -> Vec<&StoredVersion> {
        let mut v: Vec<&StoredVersion> = self.versions.values().collect();
        v.sort_by_key(|v| v.seq);
        v
    }
}

/// Secrets Manager.
pub struct Secrets {
    store: Arc<dyn TableStore>,
    sealer: Arc<Sealer>,
    region: String,
    /// Every secret, by name.
    secrets: RwLock<BTreeMap<String, Secret>>,
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

fn head_write(name: &str, head: Option<&Head>) -> ItemWrite {
    ItemWrite {
        table: HEADS.into(),
        pk: name.as_bytes().to_vec(),
        sk: Vec::new(),
        item: head.map(|h| serde_json::to_vec(h).expect("a secret head serializes")),
    }
}

fn version_write(name: &str, id: &str, v: Option<&StoredVersion>) -> ItemWrite {
    ItemWrite {
        table: VERSIONS.into(),
        pk: name.as_bytes().to_vec(),
        sk: id.as_bytes().to_vec(),
        item: v.map(|v| serde_json::to_vec(v).expect("a secret version serializes")),
    }
}

/// The associated data a version's value is sealed with.
fn aad(arn: &str, version_id: &str) -> Vec<u8> {
    format!("secret\0{arn}\0{version_id}").into_bytes()
}

fn not_found() -> Error {
    Error::NotFound("Secrets Manager can't find the specified secret.".into())
}

fn marked_for_deletion() -> Error {
    Error::InvalidRequest("You can't perform this operation on the secret because it was marked for deletion.".into())
}

impl Secrets {
    /// Loads every secret from `store`.
    pub(crate) async fn open(
        store: Arc<dyn TableStore>,
        sealer: Arc<Sealer>,
        region: &str,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Secrets> {
        let ledger = Ledger::open(store.clone(), HEADS, crate::DOMAIN, cluster.clone()).await?;
        let secrets = load(store.as_ref()).await?;
        Ok(Secrets {
            store,
            sealer,
            region: region.to_string(),
            secrets: RwLock::new(secrets),
            admin: tokio::sync::Mutex::new(()),
            clock,
            scheduled: Notify::new(),
            ledger,
            cluster,
        })
    }

    /// Takes the secrets as stored now, after another server changed them.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.ledger.stale().await?;
        *self.write() = load(self.store.as_ref()).await?;
        self.scheduled.notify_one();
        Ok(())
    }

    /// Makes the secrets in memory current before a change is decided (call with the
    /// admin lock held).
    async fn sync(&self) -> Result<()> {
        if self.ledger.stale().await? {
            *self.write() = load(self.store.as_ref()).await?;
        }
        Ok(())
    }
}

/// Every secret, as stored.
async fn load(store: &dyn TableStore) -> Result<BTreeMap<String, Secret>> {
    let mut secrets: BTreeMap<String, Secret> = BTreeMap::new();
    for row in squall_storage::scan_all(store, HEADS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let head: Head = serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("secret {name}"), e))?;
        secrets.insert(name, Secret { head, versions: BTreeMap::new() });
    }
    for row in squall_storage::scan_all(store, VERSIONS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let v: StoredVersion =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("a version of secret {name}"), e))?;
        if let Some(s) = secrets.get_mut(&name) {
            s.versions.insert(v.id.clone(), v);
        }
    }
    Ok(secrets)
}

impl Secrets {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Secret>> {
        self.secrets.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Secret>> {
        self.secrets.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The name of the secret `id` (a name, an ARN, or an ARN without its suffix) names.
    fn resolve(&self, id: &str) -> Result<String> {
        let secrets = self.read();
        names::resolve(id, &self.region, |name| secrets.get(name).map(|s| s.head.arn.as_str())).ok_or_else(not_found)
    }

    /// The ARN policies see for secret `id` (a name or an ARN): its full ARN if it exists,
    /// else the ARN without a suffix (a secret about to be created).
    pub fn arn_of(&self, id: &str) -> String {
        let secrets = self.read();
        match names::resolve(id, &self.region, |name| secrets.get(name).map(|s| s.head.arn.as_str())) {
            Some(name) => secrets.get(&name).map_or_else(String::new, |s| s.head.arn.clone()),
            None if id.starts_with("arn:") => id.to_string(),
            None => format!("{}{id}", names::prefix(&self.region)),
        }
    }

    /// A copy of secret `name` (resolved by [`Secrets::resolve`]).
    fn get_secret(&self, name: &str) -> Result<Secret> {
        self.read().get(name).cloned().ok_or_else(not_found)
    }

    /// `v`'s value, opened.
    fn open_value(&self, arn: &str, v: &StoredVersion) -> Result<Vec<u8>> {
        let sealed = B64.decode(&v.sealed).map_err(|e| Error::Decryption(format!("{arn} {}: {e}", v.id)))?;
        self.sealer.open(&sealed, &aad(arn, &v.id)).map_err(|_| Error::Decryption(format!("{arn} version {}", v.id)))
    }

    /// How many secrets there are (those scheduled for deletion included).
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}
