//! GetSecretValue, DescribeSecret, ListSecrets and ListSecretVersionIds.

use super::write::NewValue;
use super::{CURRENT, Head, Secret, Secrets, StoredVersion, head_write, marked_for_deletion};
use crate::paging::{self, max_results};
use crate::{Error, Result, validation};
use std::collections::BTreeMap;

/// What GetSecretValue answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretValue {
    /// `ARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `VersionId`.
    pub version_id: String,
    /// `SecretString` or `SecretBinary`.
    pub value: NewValue,
    /// `VersionStages`.
    pub stages: Vec<String>,
    /// `CreatedDate` (the version's).
    pub created_ms: u64,
}

/// A secret as DescribeSecret and ListSecrets report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// `Name`.
    pub name: String,
    /// ARN, description, tags and dates.
    pub head: Head,
    /// `VersionIdsToStages`: the versions with labels.
    pub stages: BTreeMap<String, Vec<String>>,
}

/// A version as ListSecretVersionIds reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    /// `VersionId`.
    pub id: String,
    /// `VersionStages`.
    pub stages: Vec<String>,
    /// `CreatedDate`.
    pub created_ms: u64,
}

/// One `Filters` entry of ListSecrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretFilter {
    /// `Key`: `name`, `description`, `tag-key`, `tag-value`, `primary-region`,
    /// `owning-service` or `all`.
    pub key: String,
    /// `Values`; a leading `!` negates one.
    pub values: Vec<String>,
}

/// What a ListSecrets asks for.
#[derive(Debug, Clone, Default)]
pub struct ListSecrets {
    /// `Filters`: every filter must match (one of its values).
    pub filters: Vec<SecretFilter>,
    /// `MaxResults` (1 to 100, default 100).
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `IncludePlannedDeletion`.
    pub include_planned_deletion: bool,
    /// `SortOrder`: `asc` (default) or `desc`.
    pub sort_order: Option<String>,
    /// `SortBy`: `created-date` (default), `name`, `last-changed-date` or
    /// `last-accessed-date`.
    pub sort_by: Option<String>,
}

/// Most entries in one page of ListSecrets and ListSecretVersionIds.
pub const MAX_PAGE: i64 = 100;
const DAY_MS: u64 = 86_400_000;

fn info(name: &str, s: &Secret) -> SecretInfo {
    let stages = s
        .versions
        .values()
        .filter(|v| !v.stages.is_empty())
        .map(|v| (v.id.clone(), v.stages.iter().cloned().collect()))
        .collect();
    SecretInfo { name: name.to_string(), head: s.head.clone(), stages }
}

/// The words a value breaks into for the `description` and `all` filters: split at
/// `/_+=.@-` and spaces, then before capitals (`MyTestSecret` is My, Test, Secret).
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in s.split(|c: char| "/_+=.@- ".contains(c)).filter(|p| !p.is_empty()) {
        let mut word = String::new();
        for c in part.chars() {
            if c.is_uppercase() && word.chars().last().is_some_and(|l| !l.is_uppercase()) {
                out.push(std::mem::take(&mut word));
            }
            word.push(c);
        }
        out.push(word);
    }
    out
}

/// Whether one filter value matches `attributes`: a case-sensitive prefix of one of them,
/// or with `by_words` every word of the value a case-insensitive prefix of one of their
/// words. A leading `!` negates.
fn value_matches(value: &str, attributes: &[&str], by_words: bool) -> bool {
    let (negate, value) = match value.strip_prefix('!') {
        Some(v) => (true, v),
        None => (false, value),
    };
    let hit = if by_words {
        let wanted: Vec<String> = words(value).iter().map(|w| w.to_lowercase()).collect();
        let have: Vec<String> = attributes.iter().flat_map(|a| words(a)).map(|w| w.to_lowercase()).collect();
        !wanted.is_empty() && wanted.iter().all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
    } else {
        attributes.iter().any(|a| a.starts_with(value))
    };
    hit != negate
}

/// A string whose ascending order is `s`'s descending order: each character's complement,
/// then a terminator above every digit, so a prefix sorts after what extends it.
fn inverted(s: &str) -> String {
    let mut out: String = s.chars().map(|c| format!("{:06x}", 0x10FFFF - c as u32)).collect();
    out.push('~');
    out
}

fn check_filters(filters: &[SecretFilter]) -> Result<()> {
    for f in filters {
        if !matches!(
            f.key.as_str(),
            "name" | "description" | "tag-key" | "tag-value" | "primary-region" | "owning-service" | "all"
        ) {
            return Err(validation(format!(
                "1 validation error detected: Value '{}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]",
                f.key
            )));
        }
        if f.values.is_empty()
            || f.values.len() > 10
            || f.values.iter().any(|v| v.is_empty() || v.chars().count() > 512)
        {
            return Err(validation("A filter takes 1 to 10 values of 1 to 512 characters."));
        }
    }
    Ok(())
}

fn passes(filters: &[SecretFilter], name: &str, head: &Head) -> bool {
    filters.iter().all(|f| {
        let keys: Vec<&str> = head.tags.iter().map(|(k, _)| k.as_str()).collect();
        let values: Vec<&str> = head.tags.iter().map(|(_, v)| v.as_str()).collect();
        let description: Vec<&str> = head.description.iter().map(String::as_str).collect();
        let (attributes, by_words): (Vec<&str>, bool) = match f.key.as_str() {
            "name" => (vec![name], false),
            "description" => (description, true),
            "tag-key" => (keys, false),
            "tag-value" => (values, false),
            "all" => ([vec![name], description, keys, values].concat(), true),
            // No replication and no owning services here.
            _ => (Vec::new(), false),
        };
        f.values.iter().any(|v| value_matches(v, &attributes, by_words))
    })
}

impl Secrets {
    /// GetSecretValue: by version id, by staging label, or the AWSCURRENT version.
    pub async fn get_value(&self, id: &str, version_id: Option<&str>, stage: Option<&str>) -> Result<SecretValue> {
        let name = self.resolve(id)?;
        let (arn, v, accessed) = {
            let secrets = self.read();
            let s = secrets.get(&name).ok_or_else(super::not_found)?;
            if s.head.deleted_ms.is_some() {
                return Err(marked_for_deletion());
            }
            let missing = |what: String| {
                Error::NotFound(format!("Secrets Manager can't find the specified secret value for {what}"))
            };
            let v: &StoredVersion = match (version_id, stage) {
                (Some(vid), _) => {
                    let v = s.versions.get(vid).ok_or_else(|| missing(format!("VersionId: {vid}")))?;
                    if let Some(st) = stage
                        && !v.stages.contains(st)
                    {
                        return Err(missing(format!("VersionId: {vid} and staging label: {st}")));
                    }
                    v
                }
                (None, st) => {
                    let st = st.unwrap_or(CURRENT);
                    s.with_stage(st).ok_or_else(|| missing(format!("staging label: {st}")))?
                }
            };
            (s.head.arn.clone(), v.clone(), s.head.accessed_ms)
        };
        let plain = self.open_value(&arn, &v)?;
        let value = if v.binary {
            NewValue::Binary(plain)
        } else {
            NewValue::String(String::from_utf8(plain).map_err(|e| Error::Decryption(format!("{arn}: {e}")))?)
        };
        // LastAccessedDate is a day: stored once a day per secret, not on every read.
        let now = self.clock.now_ms();
        let today = now - now % DAY_MS;
        if accessed != Some(today) {
            let _admin = self.admin.lock().await;
            self.sync().await?;
            let head = self.read().get(&name).map(|s| s.head.clone());
            if let Some(mut head) = head.filter(|h| h.accessed_ms != Some(today)) {
                head.accessed_ms = Some(today);
                self.ledger.commit(vec![head_write(&name, Some(&head))]).await?;
                if let Some(s) = self.write().get_mut(&name) {
                    s.head.accessed_ms = Some(today);
                }
            }
        }
        Ok(SecretValue {
            arn,
            name,
            version_id: v.id.clone(),
            value,
            stages: v.stages.iter().cloned().collect(),
            created_ms: v.created_ms,
        })
    }

    /// DescribeSecret (a secret scheduled for deletion included).
    pub fn describe(&self, id: &str) -> Result<SecretInfo> {
        let name = self.resolve(id)?;
        let secrets = self.read();
        let s = secrets.get(&name).ok_or_else(super::not_found)?;
        Ok(info(&name, s))
    }

    /// ListSecrets: by creation date, a page at a time.
    pub fn list(&self, q: &ListSecrets) -> Result<(Vec<SecretInfo>, Option<String>)> {
        check_filters(&q.filters)?;
        let max = max_results(q.max_results, MAX_PAGE)?;
        let after = paging::after(q.next_token.as_deref())?;
        let descending = match q.sort_order.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"
                )));
            }
        };
        let by = |i: &SecretInfo| -> Option<u64> {
            match q.sort_by.as_deref() {
                None | Some("created-date") => Some(i.head.created_ms),
                Some("last-changed-date") => Some(i.head.changed_ms),
                Some("last-accessed-date") => Some(i.head.accessed_ms.unwrap_or(0)),
                _ => None,
            }
        };
        match q.sort_by.as_deref() {
            None | Some("created-date" | "name" | "last-changed-date" | "last-accessed-date") => {}
            Some(other) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{other}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]"
                )));
            }
        }
        // A key whose ascending order is the listing's order, so tokens name a position.
        let key = |i: &SecretInfo| {
            let name = if descending { inverted(&i.name) } else { i.name.clone() };
            match by(i) {
                Some(t) => format!("{:020}\0{name}", if descending { u64::MAX - t } else { t }),
                None => name,
            }
        };
        let mut all: Vec<SecretInfo> = self
            .read()
            .iter()
            .filter(|(_, s)| q.include_planned_deletion || s.head.deleted_ms.is_none())
            .filter(|(name, s)| passes(&q.filters, name, &s.head))
            .map(|(name, s)| info(name, s))
            .collect();
        all.sort_by_key(|i| key(i));
        Ok(paging::page(all, key, after.as_deref(), max))
    }

    /// ListSecretVersionIds: in creation order; versions without labels only when
    /// `include_deprecated`. The secret's ARN and name, a page of versions, the next token.
    pub fn list_versions(
        &self,
        id: &str,
        include_deprecated: bool,
        max_results_asked: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<(String, String, Vec<VersionInfo>, Option<String>)> {
        let max = max_results(max_results_asked, MAX_PAGE)?;
        let after = paging::after(next_token)?;
        let name = self.resolve(id)?;
        let secrets = self.read();
        let s = secrets.get(&name).ok_or_else(super::not_found)?;
        let versions = s.in_order().into_iter().filter(|v| include_deprecated || !v.stages.is_empty()).map(|v| {
            (
                v.seq,
                VersionInfo { id: v.id.clone(), stages: v.stages.iter().cloned().collect(), created_ms: v.created_ms },
            )
        });
        let (page, next) = paging::page(versions, |(seq, _)| format!("{seq:020}"), after.as_deref(), max);
        Ok((s.head.arn.clone(), name.clone(), page.into_iter().map(|(_, v)| v).collect(), next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_match_as_secrets_manager_does() {
        assert_eq!(words("MyTestSecret"), ["My", "Test", "Secret"]);
        assert_eq!(words("prod/db-password"), ["prod", "db", "password"]);
        assert!(value_matches("prod", &["prod/db"], false));
        assert!(!value_matches("db", &["prod/db"], false));
        assert!(value_matches("db", &["prod/db"], true));
        assert!(value_matches("DB pass", &["prod/db-password"], true));
        assert!(value_matches("!staging", &["prod/db"], false));
        assert!(!value_matches("!prod", &["prod/db"], false));
        let mut names = ["a", "ab", "b", "B"].map(inverted);
        names.sort();
        assert_eq!(names, ["b", "ab", "a", "B"].map(inverted));
    }
}
