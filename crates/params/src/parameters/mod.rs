//! SSM Parameter Store: [`Parameters`], every parameter in memory by name (so listings read
//! in name order), written through to the store before an operation answers.
//!
//! - [`names`]: name and path rules, hierarchy levels, reserved prefixes, ARNs, labels.
//! - `put`: PutParameter (types, tiers, allowed patterns, the 100-version window).
//! - `get`: GetParameter, GetParameters and GetParametersByPath, with selectors.
//! - `describe`: DescribeParameters and GetParameterHistory.
//! - [`filters`]: `ParameterFilters` and the legacy `Filters`, checked and matched.
//! - `labels`, `tags`, `delete`: the rest.
//!
//! In the store a parameter is a head row (pseudo-table `parameters`, key: name; its tags)
//! and one row per version (pseudo-table `parameter-versions`, key: name and version), so a
//! put writes the new version and the head together without rewriting older versions.
//! A SecureString version's value is stored sealed (base64), as it is held in memory; it is
//! opened only for a read that asks for decryption.

pub mod filters;
pub mod names;

mod delete;
mod describe;
mod get;
mod labels;
mod put;
mod tags;
#[cfg(test)]
mod tests;

pub use describe::Describe;
pub use get::{ByPath, Found};
pub use put::{Put, PutOutcome};

use crate::{Error, Result, corrupt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use squall_auth::Sealer;
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_lifecycle::Ledger;
use squall_storage::{ItemWrite, TableStore};
use squall_types::ACCOUNT_ID;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

/// The store's pseudo-table of parameters' heads (key: name).
const HEADS: &str = "parameters";
/// The store's pseudo-table of versions (key: name, version as 8 big-endian bytes).
const VERSIONS: &str = "parameter-versions";

/// Most versions of one parameter kept: a put past it drops the oldest.
pub const MAX_VERSIONS: u64 = 100;
/// Who changed a parameter, as `LastModifiedUser` reports it: the installation's key is
/// the account's only principal.
pub fn modified_by() -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:root")
}

/// A parameter's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// `String`.
    String,
    /// `StringList`: comma-separated values.
    StringList,
    /// `SecureString`: stored sealed.
    SecureString,
}

impl Kind {
    /// The type's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::StringList => "StringList",
            Kind::SecureString => "SecureString",
        }
    }

    /// The type named `s`, as on the wire.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "String" => Some(Kind::String),
            "StringList" => Some(Kind::StringList),
            "SecureString" => Some(Kind::SecureString),
            _ => None,
        }
    }
}

/// A parameter's tier: how large its value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tier {
    /// Values up to 4 KB.
    Standard,
    /// Values up to 8 KB.
    Advanced,
}

impl Tier {
    /// The tier's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "Standard",
            Tier::Advanced => "Advanced",
        }
    }
}

/// One version of a parameter, as stored and as reads report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// Its number, from 1.
    pub version: u64,
    /// Its type.
    pub kind: Kind,
    /// The value: the plaintext of a String or StringList; for a SecureString the sealed
    /// value in base64 (what a read without decryption reports), unless a read opened it.
    pub value: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `AllowedPattern`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// `Tier`.
    pub tier: Tier,
    /// `DataType` (`text`).
    pub data_type: String,
    /// `KeyId` (SecureString only: `alias/aws/ssm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Its labels.
    #[serde(default)]
    pub labels: BTreeSet<String>,
    /// `LastModifiedDate`, epoch milliseconds of the platform clock.
    pub modified_ms: u64,
}

/// A parameter's head as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Head {
    tags: BTreeMap<String, String>,
}

/// A parameter in memory.
#[derive(Debug, Clone, Default)]
struct Parameter {
    tags: BTreeMap<String, String>,
    /// Its versions, oldest first (never empty once stored).
    versions: BTreeMap<u64, Version>,
}

impl Parameter {
    fn latest(&self) -> &Version {
        self.versions.values().next_back().expect("a stored parameter has a version")
    }

    fn with_label(&self, label: &str) -> Option<&Version> {
        self.versions.values().find(|v| v.labels.contains(label))
    }
}

/// SSM Parameter Store.
pub struct Parameters {
    store: Arc<dyn TableStore>,
    sealer: Arc<Sealer>,
    region: String,
    /// Every parameter, by name.
    params: RwLock<BTreeMap<String, Parameter>>,
    /// Serializes changes, so read-check-write sequences hold.
    admin: tokio::sync::Mutex<()>,
    /// What `LastModifiedDate` reads.
    clock: Clock,
    /// Commits changes, in step with other servers on the store.
    ledger: Ledger,
}

fn head_write(name: &str, head: Option<&Head>) -> ItemWrite {
    ItemWrite {
        table: HEADS.into(),
        pk: name.as_bytes().to_vec(),
        sk: Vec::new(),
        item: head.map(|h| serde_json::to_vec(h).expect("a parameter head serializes")),
    }
}

fn version_write(name: &str, number: u64, v: Option<&Version>) -> ItemWrite {
    ItemWrite {
        table: VERSIONS.into(),
        pk: name.as_bytes().to_vec(),
        sk: number.to_be_bytes().to_vec(),
        item: v.map(|v| serde_json::to_vec(v).expect("a parameter version serializes")),
    }
}

/// The associated data a SecureString version's value is sealed with.
fn aad(name: &str, version: u64) -> Vec<u8> {
    format!("parameter\0{name}\0{version}").into_bytes()
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!("Parameter {name} not found."))
}

impl Parameters {
    /// Loads every parameter from `store`.
    pub(crate) async fn open(
        store: Arc<dyn TableStore>,
        sealer: Arc<Sealer>,
        region: &str,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Parameters> {
        let ledger = Ledger::open(store.clone(), HEADS, crate::DOMAIN, cluster).await?;
        let params = load(store.as_ref()).await?;
        Ok(Parameters {
            store,
            sealer,
            region: region.to_string(),
            params: RwLock::new(params),
            admin: tokio::sync::Mutex::new(()),
            clock,
            ledger,
        })
    }

    /// Takes the parameters as stored now, after another server changed them.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.ledger.stale().await?;
        *self.write() = load(self.store.as_ref()).await?;
        Ok(())
    }

    /// Makes the parameters in memory current before a change is decided (call with the
    /// admin lock held).
    async fn sync(&self) -> Result<()> {
        if self.ledger.stale().await? {
            *self.write() = load(self.store.as_ref()).await?;
        }
        Ok(())
    }
}

/// Every parameter, as stored.
async fn load(store: &dyn TableStore) -> Result<BTreeMap<String, Parameter>> {
    let mut params: BTreeMap<String, Parameter> = BTreeMap::new();
    for row in squall_storage::scan_all(store, HEADS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let head: Head = serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("parameter {name}"), e))?;
        params.insert(name, Parameter { tags: head.tags, versions: BTreeMap::new() });
    }
    for row in squall_storage::scan_all(store, VERSIONS).await? {
        let name = String::from_utf8_lossy(&row.pk).into_owned();
        let v: Version =
            serde_json::from_slice(&row.item).map_err(|e| corrupt(format!("a version of parameter {name}"), e))?;
        if let Some(p) = params.get_mut(&name) {
            p.versions.insert(v.version, v);
        }
    }
    params.retain(|_, p| !p.versions.is_empty());
    Ok(params)
}

impl Parameters {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Parameter>> {
        self.params.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Parameter>> {
        self.params.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The ARN of parameter `name`: `arn:aws:ssm:<region>:<account>:parameter/<name>`, the
    /// name without its leading slash.
    pub fn arn(&self, name: &str) -> String {
        names::arn(&self.region, name)
    }

    /// `v` as a read reports it: a SecureString opened when `decrypt`, else as stored.
    fn reveal(&self, name: &str, v: &Version, decrypt: bool) -> Result<Version> {
        let mut out = v.clone();
        if v.kind == Kind::SecureString && decrypt {
            let sealed = B64.decode(&v.value).map_err(|e| Error::Decryption(format!("{name}: {e}")))?;
            let plain = self
                .sealer
                .open(&sealed, &aad(name, v.version))
                .map_err(|_| Error::Decryption(format!("parameter {name} version {}", v.version)))?;
            out.value = String::from_utf8(plain).map_err(|e| Error::Decryption(format!("{name}: {e}")))?;
        }
        Ok(out)
    }

    /// How many parameters there are.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
}
