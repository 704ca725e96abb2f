//! A key's state and settings: EnableKey, DisableKey, ScheduleKeyDeletion,
//! CancelKeyDeletion, UpdateKeyDescription, the rotation switches (rotation is never on),
//! and the sweep that deletes a key, with its aliases, once the platform clock passes its
//! deletion date.

use super::create::check_description;
use super::lookup::{Naming, customer_managed, not_pending, usable};
use super::{KeyInfo, KeyState, Keys, alias_write, key_delete, key_write};
use crate::{Error, Result, validation};

const DAY_MS: u64 = 86_400_000;
/// The waiting period when ScheduleKeyDeletion names none, in days.
pub const DEFAULT_PENDING_DAYS: i64 = 30;

/// What ScheduleKeyDeletion answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The key's ARN.
    pub key_arn: String,
    /// `DeletionDate`, epoch milliseconds.
    pub deletion_ms: u64,
    /// `PendingWindowInDays`.
    pub days: i64,
}

impl Keys {
    /// Changes the customer-managed key `key_ref` (a key id or ARN) names with `f`, which
    /// may refuse; stored before it answers.
    pub(super) async fn change<T>(
        &self,
        key_ref: &str,
        action: &str,
        f: impl FnOnce(&mut KeyInfo) -> Result<T>,
    ) -> Result<T> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let mut key = self.find(key_ref, Naming::KeyOnly)?;
        customer_managed(&key.info, action)?;
        let out = f(&mut key.info)?;
        self.ledger.commit(vec![key_write(&key)]).await?;
        self.write().keys.insert(key.info.id.clone(), key);
        Ok(out)
    }

    /// EnableKey (a key pending deletion stays so until CancelKeyDeletion).
    pub async fn enable(&self, key_ref: &str) -> Result<()> {
        self.change(key_ref, "kms:EnableKey", |k| {
            not_pending(k)?;
            k.state = KeyState::Enabled;
            Ok(())
        })
        .await
    }

    /// DisableKey: cryptographic operations refuse the key until it is enabled again.
    pub async fn disable(&self, key_ref: &str) -> Result<()> {
        self.change(key_ref, "kms:DisableKey", |k| {
            not_pending(k)?;
            k.state = KeyState::Disabled;
            Ok(())
        })
        .await
    }

    /// ScheduleKeyDeletion: the key is deleted after a waiting period of 7 to 30 days
    /// (default 30) on the platform clock, and refuses cryptographic operations meanwhile.
    pub async fn schedule_deletion(&self, key_ref: &str, days: Option<i64>) -> Result<Scheduled> {
        let days = days.unwrap_or(DEFAULT_PENDING_DAYS);
        if !(7..=30).contains(&days) {
            let bound = if days < 7 { "greater than or equal to 7" } else { "less than or equal to 30" };
            return Err(validation(format!(
                "1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}"
            )));
        }
        let deletion_ms = self.clock.now_ms() + days as u64 * DAY_MS;
        let key_arn = self
            .change(key_ref, "kms:ScheduleKeyDeletion", |k| {
                not_pending(k)?;
                k.state = KeyState::PendingDeletion;
                k.deletion_ms = Some(deletion_ms);
                Ok(k.arn.clone())
            })
            .await?;
        self.scheduled.notify_one();
        Ok(Scheduled { key_arn, deletion_ms, days })
    }

    /// CancelKeyDeletion: the key is kept, disabled (as AWS leaves it). Its ARN.
    pub async fn cancel_deletion(&self, key_ref: &str) -> Result<String> {
        self.change(key_ref, "kms:CancelKeyDeletion", |k| {
            if k.state != KeyState::PendingDeletion {
                return Err(Error::InvalidState(format!("{} is not pending deletion.", k.arn)));
            }
            k.state = KeyState::Disabled;
            k.deletion_ms = None;
            Ok(k.arn.clone())
        })
        .await
    }

    /// UpdateKeyDescription.
    pub async fn update_description(&self, key_ref: &str, description: String) -> Result<()> {
        check_description(&description)?;
        self.change(key_ref, "kms:UpdateKeyDescription", |k| {
            not_pending(k)?;
            k.description = description;
            Ok(())
        })
        .await
    }

    /// EnableKeyRotation: refused, since Squall never rotates key material (a key whose
    /// rotation was reported on would keep its material anyway).
    pub fn enable_rotation(&self, key_ref: &str) -> Result<()> {
        let key = self.find(key_ref, Naming::KeyOnly)?;
        customer_managed(&key.info, "kms:EnableKeyRotation")?;
        usable(&key.info)?;
        Err(Error::Unsupported(
            "EnableKeyRotation is not supported by Squall: it never rotates key material, so every key's rotation stays off.".into(),
        ))
    }

    /// DisableKeyRotation: rotation is off already; the key's state is checked as AWS
    /// checks it.
    pub fn disable_rotation(&self, key_ref: &str) -> Result<()> {
        let key = self.find(key_ref, Naming::KeyOnly)?;
        customer_managed(&key.info, "kms:DisableKeyRotation")?;
        usable(&key.info)
    }

    /// The earliest scheduled deletion, epoch milliseconds.
    pub fn next_deletion(&self) -> Option<u64> {
        self.read().keys.values().filter_map(|k| k.info.deletion_ms).min()
    }

    /// Deletes every key whose deletion date is at or before `now`, with its aliases; how
    /// many.
    pub async fn sweep(&self, now: u64) -> Result<usize> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let due: Vec<(String, Vec<String>)> = {
            let state = self.read();
            state
                .keys
                .values()
                .filter(|k| k.info.deletion_ms.is_some_and(|d| d <= now))
                .map(|k| {
                    let aliases = state.aliases.values().filter(|a| a.key_id == k.info.id).map(|a| a.name.clone());
                    (k.info.id.clone(), aliases.collect())
                })
                .collect()
        };
        for (id, aliases) in &due {
            let mut writes = vec![key_delete(id)];
            writes.extend(aliases.iter().map(|a| alias_write(a, None)));
            self.ledger.commit(writes).await?;
            let mut state = self.write();
            state.keys.remove(id);
            for a in aliases {
                state.aliases.remove(a);
            }
            tracing::info!(key = %id, "KMS key deleted: its waiting period ended");
        }
        Ok(due.len())
    }

    /// The keys' deletion sweeper (`crate::lifecycle::sweep_when_due`).
    pub(crate) async fn run_sweeper(&self) {
        let what = "deleting KMS keys whose waiting period ended";
        let watched = (&self.cluster, &self.clock, &self.scheduled);
        crate::lifecycle::sweep_when_due(
            ("params.keys.sweeper", what),
            watched,
            || self.next_deletion(),
            |now| self.sweep(now),
        )
        .await
    }

    /// Deletes every key and alias at once (`squall server --dev`'s reset).
    pub(crate) async fn reset(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let writes: Vec<_> = {
            let state = self.read();
            let keys = state.keys.keys().map(|id| key_delete(id));
            keys.chain(state.aliases.keys().map(|a| alias_write(a, None))).collect()
        };
        if !writes.is_empty() {
            self.ledger.commit(writes).await?;
        }
        *self.write() = Default::default();
        Ok(())
    }
}
