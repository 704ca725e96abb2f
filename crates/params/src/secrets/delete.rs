//! DeleteSecret, RestoreSecret, and the sweep that deletes a secret once the platform clock
//! passes its deletion date (`lifecycle.rs` runs it).

use super::names::new_arn;
use super::{Secrets, head_write, marked_for_deletion, version_write};
use crate::{Result, validation};

const DAY_MS: u64 = 86_400_000;
/// The recovery window when DeleteSecret names none, in days.
pub const DEFAULT_RECOVERY_DAYS: i64 = 30;

/// What DeleteSecret answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `DeletionDate`, epoch milliseconds: when the secret goes (now, when forced).
    pub deletion_ms: u64,
}

impl Secrets {
    /// DeleteSecret: scheduled after a recovery window of 7 to 30 days (default 30), or at
    /// once with `force` (which, as on AWS, also succeeds for a secret that is not there).
    pub async fn delete(&self, id: &str, recovery_days: Option<i64>, force: bool) -> Result<Deleted> {
        if recovery_days.is_some() && force {
            return Err(validation(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            ));
        }
        let days = recovery_days.unwrap_or(DEFAULT_RECOVERY_DAYS);
        if !(7..=30).contains(&days) {
            return Err(validation("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."));
        }
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let now = self.clock.now_ms();
        let name = match self.resolve(id) {
            Ok(n) => n,
            Err(_) if force => {
                let arn = if id.starts_with("arn:") { id.to_string() } else { new_arn(&self.region, id) };
                return Ok(Deleted { arn, name: id.to_string(), deletion_ms: now });
            }
            Err(e) => return Err(e),
        };
        let mut s = self.get_secret(&name)?;
        if force {
            let mut writes = vec![head_write(&name, None)];
            writes.extend(s.versions.keys().map(|v| version_write(&name, v, None)));
            self.ledger.commit(writes).await?;
            self.write().remove(&name);
            return Ok(Deleted { arn: s.head.arn, name, deletion_ms: now });
        }
        if s.head.deleted_ms.is_some() {
            return Err(marked_for_deletion());
        }
        let deletion_ms = now + days as u64 * DAY_MS;
        s.head.deleted_ms = Some(now);
        s.head.deletion_ms = Some(deletion_ms);
        self.ledger.commit(vec![head_write(&name, Some(&s.head))]).await?;
        let arn = s.head.arn.clone();
        self.write().insert(name.clone(), s);
        self.scheduled.notify_one();
        Ok(Deleted { arn, name, deletion_ms })
    }

    /// RestoreSecret: cancels a scheduled deletion. The secret's ARN and name.
    pub async fn restore(&self, id: &str) -> Result<(String, String)> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let name = self.resolve(id)?;
        let mut s = self.get_secret(&name)?;
        if s.head.deleted_ms.is_some() {
            s.head.deleted_ms = None;
            s.head.deletion_ms = None;
            self.ledger.commit(vec![head_write(&name, Some(&s.head))]).await?;
        }
        let arn = s.head.arn.clone();
        self.write().insert(name.clone(), s);
        Ok((arn, name))
    }

    /// The earliest scheduled deletion, epoch milliseconds.
    pub fn next_deletion(&self) -> Option<u64> {
        self.read().values().filter_map(|s| s.head.deletion_ms).min()
    }

    /// Deletes every secret whose deletion date is at or before `now`; how many.
    pub async fn sweep(&self, now: u64) -> Result<usize> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let due: Vec<(String, Vec<String>)> = self
            .read()
            .iter()
            .filter(|(_, s)| s.head.deletion_ms.is_some_and(|d| d <= now))
            .map(|(n, s)| (n.clone(), s.versions.keys().cloned().collect()))
            .collect();
        for (name, versions) in &due {
            let mut writes = vec![head_write(name, None)];
            writes.extend(versions.iter().map(|v| version_write(name, v, None)));
            self.ledger.commit(writes).await?;
            self.write().remove(name);
            tracing::info!(secret = %name, "secret deleted: its recovery window ended");
        }
        Ok(due.len())
    }

    /// Deletes every secret at once (`squall server --dev`'s reset).
    pub(crate) async fn reset(&self) -> Result<()> {
        let names: Vec<String> = self.read().keys().cloned().collect();
        for name in names {
            self.delete(&name, None, true).await?;
        }
        Ok(())
    }
}
