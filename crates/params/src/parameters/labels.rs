//! LabelParameterVersion and UnlabelParameterVersion: a label names one version of a
//! parameter at a time, so attaching it moves it; a version has at most 10.

use super::names::label_ok;
use super::{Parameters, not_found, version_write};
use crate::{Error, Result, validation};
use std::collections::BTreeSet;

/// Most labels on one version (and in one request).
pub const MAX_LABELS: usize = 10;

fn check_count(labels: &[String]) -> Result<()> {
    if labels.is_empty() || labels.len() > MAX_LABELS {
        return Err(validation(format!(
            "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to {MAX_LABELS} and greater than or equal to 1"
        )));
    }
    Ok(())
}

fn version_not_found(name: &str, v: u64) -> Error {
    Error::VersionNotFound(format!(
        "Systems Manager could not find version {v} of {name}. Verify the version and try again."
    ))
}

impl Parameters {
    /// LabelParameterVersion: attaches `labels` to `version` (default: the latest), moving
    /// each from the version that had it. The version labelled, and the labels refused as
    /// malformed (which are not attached).
    pub async fn label(&self, id: &str, version: Option<u64>, labels: &[String]) -> Result<(u64, Vec<String>)> {
        check_count(labels)?;
        let name = self.resolve(id);
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let mut p = self.read().get(&name).cloned().ok_or_else(|| not_found(id))?;
        let target = match version {
            Some(v) if p.versions.contains_key(&v) => v,
            Some(v) => return Err(version_not_found(&name, v)),
            None => p.latest().version,
        };
        let (valid, invalid): (Vec<String>, Vec<String>) = labels.iter().cloned().partition(|l| label_ok(l));
        let valid: BTreeSet<String> = valid.into_iter().collect();
        let mut changed = BTreeSet::from([target]);
        for v in p.versions.values_mut() {
            if v.version != target && v.labels.iter().any(|l| valid.contains(l)) {
                v.labels.retain(|l| !valid.contains(l));
                changed.insert(v.version);
            }
        }
        let t = p.versions.get_mut(&target).expect("checked above");
        t.labels.extend(valid);
        if t.labels.len() > MAX_LABELS {
            return Err(Error::LabelLimitExceeded(format!(
                "A parameter version can have maximum {MAX_LABELS} labels.Move one or more labels to another version and try again."
            )));
        }
        let writes = changed.iter().map(|n| version_write(&name, *n, p.versions.get(n))).collect();
        self.ledger.commit(writes).await?;
        self.write().insert(name, p);
        Ok((target, invalid))
    }

    /// UnlabelParameterVersion: the labels removed from `version`, and those it did not have.
    pub async fn unlabel(&self, id: &str, version: u64, labels: &[String]) -> Result<(Vec<String>, Vec<String>)> {
        check_count(labels)?;
        let name = self.resolve(id);
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let mut p = self.read().get(&name).cloned().ok_or_else(|| not_found(id))?;
        let v = p.versions.get_mut(&version).ok_or_else(|| version_not_found(&name, version))?;
        let (mut removed, mut invalid) = (Vec::new(), Vec::new());
        for l in labels {
            if v.labels.remove(l) {
                removed.push(l.clone());
            } else {
                invalid.push(l.clone());
            }
        }
        if !removed.is_empty() {
            self.ledger.commit(vec![version_write(&name, version, Some(v))]).await?;
            self.write().insert(name, p);
        }
        Ok((removed, invalid))
    }
}
