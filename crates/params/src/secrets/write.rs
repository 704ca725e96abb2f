//! CreateSecret, PutSecretValue, UpdateSecret and UpdateSecretVersionStage: new versions and
//! where the staging labels go.
//!
//! A client token names the version a write creates. Retrying with the same token and value
//! changes nothing and answers as the first call did; the same token with another value is
//! refused (`ResourceExistsException`), since a version never changes.

use super::names::{check_name, new_arn};
use super::tags::check_tags;
use super::{
    CURRENT, Head, MAX_VERSIONS, PREVIOUS, Secret, Secrets, StoredVersion, aad, head_write, marked_for_deletion,
    version_write,
};
use crate::{Error, Result, validation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::collections::{BTreeMap, BTreeSet};

/// The one KMS key Squall has: AWS's default key for Secrets Manager, which here stands for
/// the installation's key.
pub const DEFAULT_KEY_ID: &str = "alias/aws/secretsmanager";
/// Largest value, in bytes.
pub const MAX_VALUE: usize = 65_536;
const MAX_DESCRIPTION: usize = 2048;
const MAX_STAGES_PER_VERSION: usize = 20;

/// A secret value as a write carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewValue {
    /// `SecretString`.
    String(String),
    /// `SecretBinary` (decoded).
    Binary(Vec<u8>),
}

impl NewValue {
    /// Exactly one of `SecretString` and `SecretBinary`, or neither.
    pub fn from_parts(string: Option<String>, binary: Option<Vec<u8>>) -> Result<Option<NewValue>> {
        match (string, binary) {
            (Some(_), Some(_)) => Err(validation(
                "You can't specify both a binary secret value and a string secret value in the same secret.",
            )),
            (Some(s), None) => Ok(Some(NewValue::String(s))),
            (None, Some(b)) => Ok(Some(NewValue::Binary(b))),
            (None, None) => Ok(None),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            NewValue::String(s) => s.as_bytes(),
            NewValue::Binary(b) => b,
        }
    }

    fn is_binary(&self) -> bool {
        matches!(self, NewValue::Binary(_))
    }
}

/// What a CreateSecret asks for.
#[derive(Debug, Clone, Default)]
pub struct Create {
    /// `Name`.
    pub name: String,
    /// `ClientRequestToken` (a new UUID when absent).
    pub token: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `KmsKeyId`: absent or the default key.
    pub kms_key_id: Option<String>,
    /// The value, if any (a secret may start without one).
    pub value: Option<NewValue>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
}

/// What a write answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`, when the write made (or found, on a retry) a version.
    pub version_id: Option<String>,
    /// The version's `VersionStages`.
    pub stages: Vec<String>,
}

/// What an UpdateSecretVersionStage asks for.
#[derive(Debug, Clone, Default)]
pub struct StageMove {
    /// `VersionStage`.
    pub stage: String,
    /// `RemoveFromVersionId`.
    pub remove_from: Option<String>,
    /// `MoveToVersionId`.
    pub move_to: Option<String>,
}

fn check_token(token: Option<String>) -> Result<String> {
    match token {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(t) if (32..=64).contains(&t.len()) => Ok(t),
        Some(_) => Err(validation("ClientRequestToken must be 32 to 64 characters long.")),
    }
}

fn check_value(v: &NewValue) -> Result<()> {
    if v.bytes().len() > MAX_VALUE {
        let what = if v.is_binary() { "SecretBinary" } else { "SecretString" };
        return Err(validation(format!("{what} must be at most {MAX_VALUE} bytes.")));
    }
    Ok(())
}

fn check_kms(key: Option<&str>) -> Result<()> {
    match key {
        None => Ok(()),
        Some(k)
            if k == DEFAULT_KEY_ID
                || k.strip_prefix("arn:aws:kms:").is_some_and(|r| r.ends_with(&format!(":{DEFAULT_KEY_ID}"))) =>
        {
            Ok(())
        }
        Some(k) => Err(validation(format!(
            "KmsKeyId {k} is not supported: Squall has no KMS, so secrets are encrypted with the installation's key, which stands for {DEFAULT_KEY_ID}. Omit KmsKeyId or pass {DEFAULT_KEY_ID}."
        ))),
    }
}

fn check_description(d: Option<&str>) -> Result<()> {
    if d.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        return Err(validation(format!("Description must be at most {MAX_DESCRIPTION} characters.")));
    }
    Ok(())
}

fn check_stage(stage: &str) -> Result<()> {
    if stage.is_empty() || stage.chars().count() > 256 {
        return Err(validation("A staging label must be 1 to 256 characters long."));
    }
    Ok(())
}

/// Attaches `stage` to version `to` in `s`, taking it from the version that had it; the
/// version AWSCURRENT leaves gets AWSPREVIOUS. The ids of the versions changed.
fn attach(s: &mut Secret, stage: &str, to: &str) -> BTreeSet<String> {
    let mut changed = BTreeSet::from([to.to_string()]);
    let from = s.with_stage(stage).map(|v| v.id.clone()).filter(|f| f != to);
    if let Some(f) = &from {
        s.versions.get_mut(f).expect("found above").stages.remove(stage);
        changed.insert(f.clone());
        if stage == CURRENT {
            if let Some(p) = s.with_stage(PREVIOUS).map(|v| v.id.clone()) {
                s.versions.get_mut(&p).expect("found above").stages.remove(PREVIOUS);
                changed.insert(p);
            }
            s.versions.get_mut(f).expect("found above").stages.insert(PREVIOUS.into());
        }
    }
    s.versions.get_mut(to).expect("the caller's version").stages.insert(stage.into());
    changed
}

impl Secrets {
    /// Adds a version to `s` (or finds the one a retry with the same token made): its id,
    /// and the writes that store what changed.
    fn add_version(
        &self,
        name: &str,
        s: &mut Secret,
        token: String,
        value: &NewValue,
        stages: &[String],
    ) -> Result<(String, Vec<squall_storage::ItemWrite>)> {
        if let Some(existing) = s.versions.get(&token) {
            let same = existing.binary == value.is_binary() && self.open_value(&s.head.arn, existing)? == value.bytes();
            if !same {
                return Err(Error::AlreadyExists(
                    "You can't modify an existing version, you can only create a new version.".into(),
                ));
            }
            return Ok((token, Vec::new()));
        }
        if stages.len() > MAX_STAGES_PER_VERSION {
            return Err(validation(format!("A version can have at most {MAX_STAGES_PER_VERSION} staging labels.")));
        }
        for stage in stages {
            check_stage(stage)?;
        }
        let now = self.clock.now_ms();
        let sealed = B64.encode(self.sealer.seal(value.bytes(), &aad(&s.head.arn, &token)));
        let seq = s.head.next_seq;
        s.head.next_seq += 1;
        s.head.changed_ms = now;
        let v = StoredVersion {
            id: token.clone(),
            stages: BTreeSet::new(),
            created_ms: now,
            seq,
            sealed,
            binary: value.is_binary(),
        };
        s.versions.insert(token.clone(), v);
        let mut changed = BTreeSet::from([token.clone()]);
        for stage in stages {
            changed.extend(attach(s, stage, &token));
        }
        let mut writes = Vec::new();
        // Past the limit, the oldest versions without a label go.
        let excess = s.versions.len().saturating_sub(MAX_VERSIONS);
        let dropped: Vec<String> =
            s.in_order().into_iter().filter(|v| v.stages.is_empty()).take(excess).map(|v| v.id.clone()).collect();
        for id in &dropped {
            s.versions.remove(id);
            changed.remove(id);
            writes.push(version_write(name, id, None));
        }
        writes.extend(changed.iter().map(|id| version_write(name, id, s.versions.get(id))));
        writes.push(head_write(name, Some(&s.head)));
        Ok((token, writes))
    }

    fn written(&self, name: &str, s: &Secret, version: Option<String>) -> Written {
        let stages = version
            .as_ref()
            .and_then(|id| s.versions.get(id))
            .map(|v| v.stages.iter().cloned().collect())
            .unwrap_or_default();
        Written { arn: s.head.arn.clone(), name: name.to_string(), version_id: version, stages }
    }

    /// CreateSecret.
    pub async fn create(&self, c: Create) -> Result<Written> {
        check_name(&c.name)?;
        check_description(c.description.as_deref())?;
        check_kms(c.kms_key_id.as_deref())?;
        if let Some(v) = &c.value {
            check_value(v)?;
        }
        let tags: Vec<(String, String)> = c.tags;
        check_tags(&tags)?;
        let token = check_token(c.token)?;
        let name = c.name.as_str();
        let _admin = self.admin.lock().await;
        self.sync().await?;
        if let Some(existing) = self.read().get(name).cloned() {
            if existing.head.deleted_ms.is_some() {
                return Err(Error::InvalidRequest(
                    "You can't create this secret because a secret with this name is already scheduled for deletion."
                        .into(),
                ));
            }
            // A retry of the create that made it: same token, same value.
            if let (Some(v), Some(value)) = (existing.versions.get(&token), &c.value)
                && v.binary == value.is_binary()
                && self.open_value(&existing.head.arn, v)? == value.bytes()
            {
                return Ok(self.written(name, &existing, Some(token)));
            }
            return Err(Error::AlreadyExists(format!(
                "The operation failed because the secret {name} already exists."
            )));
        }
        let now = self.clock.now_ms();
        let mut s = Secret {
            head: Head {
                arn: new_arn(&self.region, name),
                description: c.description,
                tags: dedup_tags(tags),
                created_ms: now,
                changed_ms: now,
                accessed_ms: None,
                deleted_ms: None,
                deletion_ms: None,
                next_seq: 0,
            },
            versions: BTreeMap::new(),
        };
        let (version, mut writes) = match &c.value {
            Some(value) => {
                let (id, w) = self.add_version(name, &mut s, token, value, &[CURRENT.to_string()])?;
                (Some(id), w)
            }
            None => (None, Vec::new()),
        };
        writes.push(head_write(name, Some(&s.head)));
        self.ledger.commit(writes).await?;
        let out = self.written(name, &s, version);
        self.write().insert(name.to_string(), s);
        Ok(out)
    }

    /// PutSecretValue: a new version with `stages` (default AWSCURRENT).
    pub async fn put_value(
        &self,
        id: &str,
        token: Option<String>,
        value: Option<NewValue>,
        stages: Option<Vec<String>>,
    ) -> Result<Written> {
        let value = value.ok_or_else(|| validation("You must provide either SecretString or SecretBinary."))?;
        check_value(&value)?;
        let token = check_token(token)?;
        let stages = stages.unwrap_or_else(|| vec![CURRENT.to_string()]);
        if stages.is_empty() {
            return Err(validation("VersionStages must hold at least one staging label."));
        }
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let name = self.resolve(id)?;
        let mut s = self.get_secret(&name)?;
        if s.head.deleted_ms.is_some() {
            return Err(marked_for_deletion());
        }
        let (version, writes) = self.add_version(&name, &mut s, token, &value, &stages)?;
        if !writes.is_empty() {
            self.ledger.commit(writes).await?;
        }
        let out = self.written(&name, &s, Some(version));
        self.write().insert(name, s);
        Ok(out)
    }

    /// UpdateSecret: the description, and with a value a new AWSCURRENT version.
    pub async fn update(
        &self,
        id: &str,
        token: Option<String>,
        description: Option<String>,
        kms_key_id: Option<String>,
        value: Option<NewValue>,
    ) -> Result<Written> {
        check_description(description.as_deref())?;
        check_kms(kms_key_id.as_deref())?;
        if let Some(v) = &value {
            check_value(v)?;
        }
        let token = check_token(token)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let name = self.resolve(id)?;
        let mut s = self.get_secret(&name)?;
        if s.head.deleted_ms.is_some() {
            return Err(marked_for_deletion());
        }
        let mut writes = Vec::new();
        let mut version = None;
        if let Some(value) = &value {
            let (v, w) = self.add_version(&name, &mut s, token, value, &[CURRENT.to_string()])?;
            version = Some(v);
            writes = w;
        }
        if description.is_some() {
            s.head.description = description;
            s.head.changed_ms = self.clock.now_ms();
            writes.push(head_write(&name, Some(&s.head)));
        }
        if !writes.is_empty() {
            self.ledger.commit(writes).await?;
        }
        let out = self.written(&name, &s, version);
        self.write().insert(name, s);
        Ok(out)
    }

    /// UpdateSecretVersionStage: moves a staging label to another version, or removes it.
    /// The secret's ARN and name.
    pub async fn update_stage(&self, id: &str, m: StageMove) -> Result<(String, String)> {
        check_stage(&m.stage)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let name = self.resolve(id)?;
        let mut s = self.get_secret(&name)?;
        if s.head.deleted_ms.is_some() {
            return Err(marked_for_deletion());
        }
        let holder = s.with_stage(&m.stage).map(|v| v.id.clone());
        for v in [&m.remove_from, &m.move_to].into_iter().flatten() {
            if !s.versions.contains_key(v) {
                return Err(validation(format!("The version {v} does not exist for secret {name}.")));
            }
        }
        if let Some(from) = &m.remove_from
            && holder.as_ref() != Some(from)
        {
            return Err(validation(format!(
                "The staging label {} is not attached to version {from}, so it can't be removed from it.",
                m.stage
            )));
        }
        let changed = match &m.move_to {
            Some(to) => {
                if let Some(h) = &holder
                    && h != to
                    && m.remove_from.as_ref() != Some(h)
                {
                    return Err(validation(format!(
                        "The parameter RemoveFromVersionId can't be empty. Staging label {} is currently attached to version {h}, so you must explicitly reference that version in RemoveFromVersionId.",
                        m.stage
                    )));
                }
                attach(&mut s, &m.stage, to)
            }
            None => {
                let Some(from) = &m.remove_from else {
                    return Err(validation("Specify MoveToVersionId, RemoveFromVersionId or both."));
                };
                if m.stage == CURRENT {
                    return Err(validation(
                        "You can't remove the staging label AWSCURRENT from a version without moving it to another version (MoveToVersionId).",
                    ));
                }
                s.versions.get_mut(from).expect("checked above").stages.remove(&m.stage);
                BTreeSet::from([from.clone()])
            }
        };
        if s.versions.values().any(|v| v.stages.len() > MAX_STAGES_PER_VERSION) {
            return Err(Error::LimitExceeded(format!(
                "A version can have at most {MAX_STAGES_PER_VERSION} staging labels."
            )));
        }
        s.head.changed_ms = self.clock.now_ms();
        let mut writes: Vec<_> = changed.iter().map(|id| version_write(&name, id, s.versions.get(id))).collect();
        writes.push(head_write(&name, Some(&s.head)));
        self.ledger.commit(writes).await?;
        let out = (s.head.arn.clone(), name.clone());
        self.write().insert(name, s);
        Ok(out)
    }
}

/// Tags with one entry per key, the last value given winning.
pub(crate) fn dedup_tags(tags: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in tags {
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 = v,
            None => out.push((k, v)),
        }
    }
    out
}
