//! Finding the key a request names, with KMS's answers when there is none; and the checks
//! of a key's state and manager that operations share.

use super::refs::{self, KeyRef, alias_arn, key_arn};
use super::{Key, KeyInfo, KeyManager, KeyState, Keys};
use crate::{Error, Result};

/// How an operation lets its `KeyId` name a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Naming {
    /// A key id or key ARN (the operations that change or list a key's own settings).
    KeyOnly,
    /// Also an alias name or alias ARN (DescribeKey and the cryptographic operations).
    KeyOrAlias,
}

fn key_not_found(arn: &str) -> Error {
    Error::NotFound(format!("Key '{arn}' does not exist"))
}

pub(crate) fn alias_not_found(arn: &str) -> Error {
    Error::NotFound(format!("Alias {arn} is not found."))
}

fn invalid_key_id(key_ref: &str) -> Error {
    Error::NotFound(format!("Invalid keyId '{key_ref}'"))
}

impl Keys {
    /// A copy of the key `key_ref` names (one pending deletion past its date is gone).
    pub(super) fn find(&self, key_ref: &str, naming: Naming) -> Result<Key> {
        let state = self.read();
        let id = match refs::parse(key_ref, &self.region) {
            KeyRef::Id(id) => id,
            KeyRef::Alias(name) if naming == Naming::KeyOrAlias => match state.aliases.get(&name) {
                Some(a) => a.key_id.clone(),
                None => return Err(alias_not_found(&alias_arn(&self.region, &name))),
            },
            KeyRef::Alias(_) | KeyRef::Invalid => return Err(invalid_key_id(key_ref)),
        };
        match state.keys.get(&id) {
            Some(k) if !self.gone(&k.info) => Ok(k.clone()),
            _ => Err(key_not_found(&key_arn(&self.region, &id))),
        }
    }

    /// The ARN of the key `key_ref` (a key id, key ARN, alias name or alias ARN) names, if
    /// it exists, whatever its state.
    pub fn resolve(&self, key_ref: &str) -> Result<String> {
        self.find(key_ref, Naming::KeyOrAlias).map(|k| k.info.arn)
    }

    /// The key `key_ref` (a key id, key ARN, alias name or alias ARN) names, as it is now.
    pub fn info(&self, key_ref: &str) -> Result<KeyInfo> {
        self.find(key_ref, Naming::KeyOrAlias).map(|k| k.info)
    }

    /// The ARN policies see for `key_ref`: the key's ARN when it names one (through an
    /// alias too), else the key or alias ARN it spells.
    pub fn arn_of(&self, key_ref: &str) -> String {
        if let Ok(arn) = self.resolve(key_ref) {
            return arn;
        }
        match refs::parse(key_ref, &self.region) {
            KeyRef::Id(id) => key_arn(&self.region, &id),
            KeyRef::Alias(name) => alias_arn(&self.region, &name),
            KeyRef::Invalid => key_ref.to_string(),
        }
    }
}

/// Refuses a key that cannot encrypt or decrypt now: disabled (`DisabledException`) or
/// pending deletion (`KMSInvalidStateException`).
pub(crate) fn usable(info: &KeyInfo) -> Result<()> {
    match info.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(Error::Disabled(format!("{} is disabled.", info.arn))),
        KeyState::PendingDeletion => pending(info),
    }
}

/// Refuses a key pending deletion.
pub(crate) fn not_pending(info: &KeyInfo) -> Result<()> {
    match info.state {
        KeyState::PendingDeletion => pending(info),
        _ => Ok(()),
    }
}

fn pending(info: &KeyInfo) -> Result<()> {
    Err(Error::InvalidState(format!("{} is pending deletion.", info.arn)))
}

/// Refuses to change an AWS-managed key: its key policy lets no one in the account change
/// it, the root included.
pub(crate) fn customer_managed(info: &KeyInfo, action: &str) -> Result<()> {
    match info.manager {
        KeyManager::Customer => Ok(()),
        KeyManager::Aws => Err(Error::AccessDenied(format!(
            "{} is an AWS managed key: its key policy allows no one to perform {action} on it.",
            info.arn
        ))),
    }
}
