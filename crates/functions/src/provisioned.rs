//! Provisioned concurrency per version or alias (Put/Get/Delete/ListProvisionedConcurrencyConfig):
//! kept with the versions in `$LATEST`'s record; a version's record carries what its own and
//! its aliases' configurations request ([`FunctionRecord::at_version`]), and the runtime keeps
//! that many instances initialized once the version is activated.

use crate::{Error, Functions, Result};
use squall_types::{FunctionRecord, LATEST, Provisioned};

/// A qualifier's configuration as it is answered: what it requests, how many instances are
/// initialized, and when it was set.
#[derive(Debug, Clone)]
pub struct ProvisionedState {
    /// The version number or alias name it is on.
    pub qualifier: String,
    /// Instances requested.
    pub requested: u32,
    /// Instances initialized now (idle or busy) on this server, at most `requested`.
    pub ready: u32,
    /// When it was last set, epoch milliseconds.
    pub modified_ms: u64,
}

fn not_found() -> Error {
    Error::NotFound { kind: "ProvisionedConcurrencyConfig", name: String::new() }
}

impl Functions {
    /// The version a qualifier puts provisioned concurrency on: a published version, or an
    /// alias's (an alias with weights, or on `$LATEST`, cannot take it, as on Lambda).
    fn provisioned_version(f: &FunctionRecord, qualifier: &str) -> Result<u32> {
        if qualifier == LATEST {
            return Err(Error::InvalidRequest(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.".into(),
            ));
        }
        if let Ok(n) = qualifier.parse::<u32>() {
            return match f.versions.published.contains_key(&n) {
                true => Ok(n),
                false => Err(Error::NotFound { kind: "Function", name: format!("{}:{n}", f.config.name) }),
            };
        }
        let alias = f
            .versions
            .aliases
            .get(qualifier)
            .ok_or_else(|| Error::NotFound { kind: "Alias", name: format!("{}:{qualifier}", f.config.name) })?;
        if alias.additional.is_some() {
            return Err(Error::InvalidRequest(
                "Alias with weights can not be used with Provisioned Concurrency".into(),
            ));
        }
        alias.version.parse::<u32>().map_err(|_| {
            Error::InvalidRequest(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.".into(),
            )
        })
    }

    /// PutProvisionedConcurrencyConfig.
    pub async fn put_provisioned(&self, name: &str, qualifier: &str, requested: u32) -> Result<ProvisionedState> {
        if requested == 0 {
            return Err(Error::InvalidRequest(
                "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1".into(),
            ));
        }
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        if !current.config.runtime.is_process() {
            return Err(Error::InvalidRequest(format!(
                "{name} is a {} function: its instances start in under a millisecond, and provisioned concurrency is for Lambda runtimes' processes",
                current.config.runtime
            )));
        }
        let n = Self::provisioned_version(&current, qualifier)?;
        if let Some(reserved) = current.config.reserved_concurrency
            && requested > reserved
        {
            return Err(Error::InvalidRequest(
                "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
                    .into(),
            ));
        }
        // One configuration per version: on the version, or on one alias naming it.
        if let Some((other, _)) =
            current.versions.provisioning(n).find(|(q, p)| q.as_str() != qualifier && p.requested > 0)
        {
            return Err(Error::Conflict(format!(
                "Version {n} already has Provisioned Concurrency through {other}; remove it there first"
            )));
        }
        let now = self.clock.now_ms();
        let mut next = (*current).clone();
        next.versions.provisioned.insert(qualifier.to_string(), Provisioned { requested, modified_ms: now });
        let written = self.replace(&current, next, None).await?;
        Ok(ProvisionedState {
            qualifier: qualifier.to_string(),
            requested,
            ready: self.ready(&written, n),
            modified_ms: now,
        })
    }

    /// GetProvisionedConcurrencyConfig.
    pub fn get_provisioned(&self, name: &str, qualifier: &str) -> Result<ProvisionedState> {
        let f = self.get_function(name)?;
        let n = Self::provisioned_version(&f, qualifier)?;
        let p = f.versions.provisioned.get(qualifier).filter(|p| p.requested > 0).ok_or_else(not_found)?;
        Ok(ProvisionedState {
            qualifier: qualifier.to_string(),
            requested: p.requested,
            ready: self.ready(&f, n),
            modified_ms: p.modified_ms,
        })
    }

    /// Every qualifier's configuration of `name`.
    pub fn list_provisioned(&self, name: &str) -> Result<Vec<ProvisionedState>> {
        let f = self.get_function(name)?;
        Ok(f.versions
            .provisioned
            .iter()
            .filter(|(_, p)| p.requested > 0)
            .filter_map(|(q, p)| {
                let n = Self::provisioned_version(&f, q).ok()?;
                Some(ProvisionedState {
                    qualifier: q.clone(),
                    requested: p.requested,
                    ready: self.ready(&f, n),
                    modified_ms: p.modified_ms,
                })
            })
            .collect())
    }

    /// DeleteProvisionedConcurrencyConfig: the version's instances go back to on-demand.
    pub async fn delete_provisioned(&self, name: &str, qualifier: &str) -> Result<()> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        Self::provisioned_version(&current, qualifier)?;
        if current.versions.provisioned.get(qualifier).is_none_or(|p| p.requested == 0) {
            return Err(not_found());
        }
        let mut next = (*current).clone();
        // Kept at 0, so the version's record changes and its runtime lets the instances go.
        next.versions
            .provisioned
            .insert(qualifier.to_string(), Provisioned { requested: 0, modified_ms: self.clock.now_ms() });
        self.replace(&current, next, None).await?;
        Ok(())
    }

    /// Initialized instances of version `n` of `f`, at most what it requests.
    fn ready(&self, f: &FunctionRecord, n: u32) -> u32 {
        let Some(version) = f.at_version(n) else { return 0 };
        let requested = version.config.provisioned_concurrency;
        self.runtime.ready(&version).unwrap_or(0).min(requested)
    }

    /// Starts the provisioned instances of `f`'s versions that have any (after a change of
    /// the record, and at start).
    pub(crate) fn activate_versions(&self, f: &FunctionRecord) {
        for n in f.versions.published.keys() {
            if let Some(version) = f.at_version(*n).filter(|v| v.config.provisioned_concurrency > 0) {
                self.runtime.activate(&version);
            }
        }
    }
}
