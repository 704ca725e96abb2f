//! Object lock: a bucket created with it (versioning on for good) gives object versions a
//! retention date (GOVERNANCE, which a caller allowed to bypass it may shorten or ignore;
//! COMPLIANCE, which nobody may shorten) and a legal hold; a locked version cannot be
//! deleted. Dates are read on the platform clock, so moving the clock releases them.

use crate::record::ObjectRecord;
use crate::service::Objects;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A retention mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockMode {
    /// Callers with `s3:BypassGovernanceRetention` may shorten it or delete through it.
    #[serde(rename = "GOVERNANCE")]
    Governance,
    /// Nobody may shorten it or delete the version before its date.
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl LockMode {
    /// S3's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::Governance => "GOVERNANCE",
            LockMode::Compliance => "COMPLIANCE",
        }
    }

    /// Reads S3's name of a mode.
    pub fn parse(s: &str) -> Option<LockMode> {
        match s {
            "GOVERNANCE" => Some(LockMode::Governance),
            "COMPLIANCE" => Some(LockMode::Compliance),
            _ => None,
        }
    }
}

/// A version's retention: a mode and the date it holds until.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// The mode.
    pub mode: LockMode,
    /// Until when (Unix milliseconds).
    pub until_ms: i64,
}

/// What locks one version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionLock {
    /// Its retention, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
    /// Whether a legal hold is on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legal_hold: bool,
}

/// A bucket's default retention, applied to versions written without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRetention {
    /// The mode.
    pub mode: LockMode,
    /// How long, in days (S3's `Years` are kept as 365 days each, and reported as given).
    pub days: u32,
    /// Whether it was given in years.
    #[serde(default)]
    pub in_years: bool,
}

/// A bucket's object lock configuration (present only on buckets made with object lock).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockConfig {
    /// Its default retention, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultRetention>,
}

const DAY_MS: i64 = 86_400_000;

impl VersionLock {
    /// Whether the version may not be deleted now (`bypass`: the caller may bypass a
    /// governance retention, and asked to).
    pub fn protects(&self, now_ms: i64, bypass: bool) -> bool {
        self.legal_hold
            || self.retention.is_some_and(|r| r.until_ms > now_ms && (r.mode == LockMode::Compliance || !bypass))
    }
}

/// The lock a new version written to a bucket with `config` gets: what the write asked
/// for, else the bucket's default retention.
pub(crate) fn for_new_version(
    config: Option<&LockConfig>,
    asked: Option<VersionLock>,
    now_ms: i64,
) -> Result<Option<VersionLock>> {
    let Some(config) = config else {
        return match asked {
            None => Ok(None),
            Some(_) => Err(Error::InvalidRequest("Bucket is missing Object Lock Configuration".into())),
        };
    };
    let mut lock = asked.unwrap_or_default();
    if let Some(r) = &lock.retention
        && r.until_ms <= now_ms
    {
        return Err(Error::InvalidArgument("The retain until date must be in the future!".into()));
    }
    if lock.retention.is_none()
        && let Some(d) = config.default
    {
        lock.retention = Some(Retention { mode: d.mode, until_ms: now_ms + i64::from(d.days) * DAY_MS });
    }
    Ok((lock != VersionLock::default()).then_some(lock))
}

impl Objects {
    /// Sets `bucket`'s object lock configuration, enabling object lock on a bucket whose
    /// versioning is enabled (as S3 allows since 2023); it cannot be turned off.
    pub async fn set_lock_config(&self, bucket: &str, config: LockConfig) -> Result<()> {
        self.update_bucket_checked(bucket, |b| {
            if b.object_lock.is_none() && b.versioning != Some(crate::versions::Versioning::Enabled) {
                return Err(Error::InvalidBucketState(
                    "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration".into(),
                ));
            }
            b.object_lock = Some(config);
            Ok(())
        })
        .await
    }

    /// Sets the retention of a version of `key` (`version`: its id, or the current one).
    /// A COMPLIANCE retention is never shortened nor made GOVERNANCE; a GOVERNANCE one is
    /// shortened or removed only with `bypass`.
    pub async fn set_retention(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        retention: Option<Retention>,
        bypass: bool,
    ) -> Result<ObjectRecord> {
        self.require_lock(bucket)?;
        let now = self.now_ms();
        if retention.is_some_and(|r| r.until_ms <= now) {
            return Err(Error::InvalidArgument("The retain until date must be in the future!".into()));
        }
        self.change_lock(bucket, key, version, move |lock| {
            if let Some(old) = lock.retention.filter(|r| r.until_ms > now) {
                let weakens = retention.is_none_or(|new| new.until_ms < old.until_ms || new.mode != old.mode);
                let may = old.mode == LockMode::Governance && bypass;
                if weakens && !may {
                    return Err(Error::AccessDenied("Access Denied because object protected by object lock.".into()));
                }
            }
            lock.retention = retention;
            Ok(())
        })
        .await
    }

    /// Turns the legal hold of a version of `key` on or off.
    pub async fn set_legal_hold(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        on: bool,
    ) -> Result<ObjectRecord> {
        self.require_lock(bucket)?;
        self.change_lock(bucket, key, version, move |lock| {
            lock.legal_hold = on;
            Ok(())
        })
        .await
    }

    /// The lock of a version of `key`, after checking the bucket has object lock.
    pub async fn lock_of(&self, bucket: &str, key: &str, version: Option<&str>) -> Result<ObjectRecord> {
        self.require_lock(bucket)?;
        self.record(bucket, key, version).await
    }

    fn require_lock(&self, bucket: &str) -> Result<()> {
        match self.with_bucket(bucket, |b| b.object_lock.is_some())? {
            true => Ok(()),
            false => Err(Error::InvalidRequest("Bucket is missing Object Lock Configuration".into())),
        }
    }

    async fn change_lock(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        change: impl Fn(&mut VersionLock) -> Result<()>,
    ) -> Result<ObjectRecord> {
        self.update(bucket, key, version, |record| {
            let mut lock = record.lock.clone().unwrap_or_default();
            change(&mut lock)?;
            record.lock = (lock != VersionLock::default()).then_some(lock);
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_protects_a_version() {
        let gov =
            VersionLock { retention: Some(Retention { mode: LockMode::Governance, until_ms: 100 }), legal_hold: false };
        assert!(gov.protects(50, false) && !gov.protects(50, true) && !gov.protects(100, false));
        let comp =
            VersionLock { retention: Some(Retention { mode: LockMode::Compliance, until_ms: 100 }), legal_hold: false };
        assert!(comp.protects(50, true) && !comp.protects(150, true));
        let hold = VersionLock { retention: None, legal_hold: true };
        assert!(hold.protects(0, true));
        let config =
            LockConfig { default: Some(DefaultRetention { mode: LockMode::Governance, days: 2, in_years: false }) };
        let applied = for_new_version(Some(&config), None, 1000).unwrap().unwrap();
        assert_eq!(applied.retention.unwrap().until_ms, 1000 + 2 * DAY_MS);
        assert!(for_new_version(None, Some(hold), 0).is_err(), "a lock needs a bucket with object lock");
        assert!(for_new_version(None, None, 0).unwrap().is_none());
    }
}
