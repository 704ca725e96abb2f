//! Lambda's versions and aliases, as a function's record keeps them.
//!
//! A published version is an immutable copy of `$LATEST`'s code and configuration, numbered
//! from 1 (numbers are never reused, even after a version is deleted). An alias names a
//! version (or `$LATEST`) and may send a share of its invocations to one other published
//! version (`RoutingConfig.AdditionalVersionWeights`). Both live in `$LATEST`'s record, so
//! they are written, replicated and checked for conflicts with it.

use crate::{FunctionConfig, FunctionRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `$LATEST`: the unpublished, changeable version.
pub const LATEST: &str = "$LATEST";

/// A function's published versions and aliases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    /// Published versions by number.
    #[serde(default)]
    pub published: BTreeMap<u32, PublishedVersion>,
    /// The highest number ever published.
    #[serde(default)]
    pub last: u32,
    /// Aliases by name.
    #[serde(default)]
    pub aliases: BTreeMap<String, Alias>,
    /// Function URLs by qualifier (`$LATEST` or an alias's name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub urls: BTreeMap<String, crate::FunctionUrl>,
    /// Provisioned concurrency by qualifier (a version's number or an alias's name); one
    /// removed stays with 0 requested, so the version it served moves on from it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provisioned: BTreeMap<String, Provisioned>,
}

/// A qualifier's provisioned concurrency (PutProvisionedConcurrencyConfig).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioned {
    /// Instances kept initialized; 0 once the configuration is deleted.
    pub requested: u32,
    /// When it was last set, epoch milliseconds.
    pub modified_ms: u64,
}

// The weights are finite numbers in 0..=1, so equality is total.
impl Eq for Versions {}

impl Versions {
    /// Whether there is nothing published and no alias.
    pub fn is_empty(&self) -> bool {
        self.published.is_empty()
            && self.last == 0
            && self.aliases.is_empty()
            && self.urls.is_empty()
            && self.provisioned.is_empty()
    }

    /// The qualifiers whose provisioned concurrency lands on version `n`: `n` itself and
    /// the aliases naming it, with their settings.
    pub fn provisioning(&self, n: u32) -> impl Iterator<Item = (&String, &Provisioned)> {
        let number = n.to_string();
        self.provisioned
            .iter()
            .filter(move |(q, _)| **q == number || self.aliases.get(*q).is_some_and(|a| a.version == number))
    }
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedVersion {
    /// The configuration it was published with (its `description` the version's own).
    pub config: FunctionConfig,
    /// Its code's hex SHA-256.
    pub code_sha256: String,
    /// Its code's size in bytes.
    pub code_size: u64,
    /// `$LATEST`'s revision when it was published (runtimes key caches on it).
    pub revision: u64,
    /// When it was published, epoch milliseconds.
    pub published_ms: u64,
}

/// An alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    /// The version it names: a number, or `$LATEST`.
    pub version: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Another published version and the share (0..=1) of invocations it gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional: Option<(String, f64)>,
    /// Increases on every change (its `RevisionId`).
    pub revision: u64,
}

/// Why an alias name is refused, if it is.
pub fn alias_name_problem(name: &str) -> Option<String> {
    let ok = (1..=128).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    (!ok).then(|| {
        format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )
    })
}

impl FunctionRecord {
    /// The record published version `n` runs as, if it exists.
    pub fn at_version(&self, n: u32) -> Option<FunctionRecord> {
        let v = self.versions.published.get(&n)?;
        let mut config = v.config.clone();
        // The reservation is the function's, shared by its versions, as on Lambda.
        config.reserved_concurrency = self.config.reserved_concurrency;
        // What its own and its aliases' provisioned concurrency keep ready; a change of it
        // makes the record newer, so runtimes start over with the new count.
        config.provisioned_concurrency = self.versions.provisioning(n).map(|(_, p)| p.requested).sum();
        let changed = self.versions.provisioning(n).map(|(_, p)| p.modified_ms).max().unwrap_or(0);
        Some(FunctionRecord {
            config,
            code_sha256: v.code_sha256.clone(),
            code_size: v.code_size,
            revision: v.revision,
            last_modified_ms: v.published_ms.max(changed),
            version: Some(n),
            versions: Versions::default(),
            runtime_stamp: None,
        })
    }

    /// What runtimes key a warm instance of this record on: when what they run last changed,
    /// and the revision then (a function made again starts at revision 1, so the time
    /// comes first).
    pub fn runtime_stamp(&self) -> (u64, u64) {
        self.runtime_stamp.unwrap_or((self.last_modified_ms, self.revision))
    }

    /// The runtime stamp `self` (its next record) keeps from `current`: `current`'s when it
    /// runs alike with the same code, else its own.
    pub fn keep_runtime_stamp_of(&mut self, current: &FunctionRecord) {
        let alike = self.code_sha256 == current.code_sha256 && self.config.runs_alike(&current.config);
        self.runtime_stamp = alike.then(|| current.runtime_stamp());
    }

    /// The version this record runs as: `$LATEST` or a number.
    pub fn version_label(&self) -> String {
        self.version.map_or_else(|| LATEST.to_string(), |n| n.to_string())
    }

    /// What runtimes keep instances under: the name for `$LATEST`, `name:n` for a version
    /// (names cannot hold `:`).
    pub fn instance_key(&self) -> String {
        match self.version {
            None => self.config.name.to_string(),
            Some(n) => format!("{}:{n}", self.config.name),
        }
    }

    /// Every key runtimes may keep instances of this function under.
    pub fn instance_keys(&self) -> Vec<String> {
        let name = self.config.name.as_str();
        std::iter::once(name.to_string()).chain(self.versions.published.keys().map(|n| format!("{name}:{n}"))).collect()
    }
}
