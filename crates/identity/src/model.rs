//! The records IAM keeps, as stored (versioned JSON, one row each).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A tag on a user or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A user: a person or program with long-term access keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// `AIDA…`.
    pub id: String,
    pub path: String,
    /// Milliseconds since the epoch.
    pub created_ms: u64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Inline policies by name: their documents as given.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies' ARNs, in attachment order.
    #[serde(default)]
    pub attached: Vec<String>,
    /// The groups it belongs to, by name.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Its permissions boundary, a managed policy's ARN.
    #[serde(default)]
    pub boundary: Option<String>,
}

/// A group: policies shared by its users.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    /// `AGPA…`.
    pub id: String,
    pub path: String,
    pub created_ms: u64,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
}

/// A role: policies a trusted principal takes on for a while.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    /// `AROA…`.
    pub id: String,
    pub path: String,
    pub created_ms: u64,
    /// Who may assume it.
    pub trust: String,
    #[serde(default)]
    pub description: Option<String>,
    /// How long its sessions may last, in seconds (3600 unless set).
    pub max_session_s: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    #[serde(default)]
    pub attached: Vec<String>,
    /// Its permissions boundary, a managed policy's ARN.
    #[serde(default)]
    pub boundary: Option<String>,
}

/// A managed policy and its versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    /// `ANPA…`.
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_ms: u64,
    pub updated_ms: u64,
    /// At most five, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The version in force (`v1`…).
    pub default_version: String,
    /// The number the next version gets.
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// One of AWS's own (`arn:aws:iam::aws:policy/…`), which Squall ships and no one
    /// changes; never stored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aws: bool,
}

impl ManagedPolicy {
    /// Its ARN: the account's, or AWS's for AWS's own.
    pub fn arn(&self) -> String {
        match self.aws {
            true => format!("arn:aws:iam::aws:policy{}{}", self.path, self.name),
            false => crate::policy_arn(&self.path, &self.name),
        }
    }

    /// The document in force.
    pub fn document(&self) -> &str {
        self.versions.iter().find(|v| v.id == self.default_version).map_or("", |v| v.document.as_str())
    }
}

/// One version of a managed policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`…
    pub id: String,
    pub document: String,
    pub created_ms: u64,
}

/// Whether an access key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }
}

/// A user's access key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    /// `AKIA…`.
    pub id: String,
    pub secret: String,
    /// Its user's name.
    pub user: String,
    pub status: KeyStatus,
    pub created_ms: u64,
}
