//! Schedule groups: Create, Get, List, Delete, and their tags.

use crate::model::{Group, Tag};
use crate::names::{DEFAULT_GROUP, check_name, group_arn, group_of_arn};
use crate::{Error, Result, Scheduler};

/// Most groups an account has (EventBridge Scheduler's quota).
pub const MAX_GROUPS: usize = 500;
/// Most tags on one group.
pub const MAX_TAGS: usize = 200;

fn no_group(name: &str) -> Error {
    Error::NotFound(format!("Schedule group {name} does not exist."))
}

/// Tag keys 1–128 characters, values 1–256, none under `aws:`.
fn check_tags(tags: &[Tag]) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.is_empty() || v.chars().count() > 256 {
            return Err(Error::Validation(format!(
                "Tag {k}={v} is not valid: keys are 1 to 128 characters, values 1 to 256."
            )));
        }
        if k.starts_with("aws:") {
            return Err(Error::Validation(format!("Tag keys may not start with aws: ({k}).")));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::Validation(format!("A schedule group can have at most {MAX_TAGS} tags.")));
    }
    Ok(())
}

fn merged(mut tags: Vec<Tag>, new: Vec<Tag>) -> Vec<Tag> {
    for (k, v) in new {
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(t) => t.1 = v,
            None => tags.push((k, v)),
        }
    }
    tags
}

/// A page of a list in key order: the items after `after` (at most `max`) and the key of
/// the last when more follow.
pub(crate) fn page<K: Ord + Clone, T>(
    items: impl Iterator<Item = (K, T)>,
    max: usize,
    after: Option<&K>,
) -> (Vec<T>, Option<K>) {
    let mut out: Vec<(K, T)> = items.filter(|(k, _)| after.is_none_or(|a| k > a)).take(max + 1).collect();
    let next = if out.len() > max {
        out.truncate(max);
        out.last().map(|(k, _)| k.clone())
    } else {
        None
    };
    (out.into_iter().map(|(_, t)| t).collect(), next)
}

impl Scheduler {
    /// CreateScheduleGroup; a repeated request with the same `ClientToken` answers as the
    /// first.
    pub async fn create_group(&self, name: &str, tags: Vec<Tag>, client_token: Option<&str>) -> Result<Group> {
        check_name("name", name)?;
        crate::names::check_client_token(client_token)?;
        check_tags(&tags)?;
        self.change(|d| {
            if let Some(existing) = d.groups.get(name) {
                if client_token.is_some() && existing.client_token.as_deref() == client_token {
                    return Ok(existing.clone());
                }
                return Err(Error::Conflict(format!("Schedule group {name} already exists.")));
            }
            if d.groups.len() >= MAX_GROUPS {
                return Err(Error::Quota(format!("An account has at most {MAX_GROUPS} schedule groups.")));
            }
            let group = Group {
                name: name.to_string(),
                arn: group_arn(&self.region, name),
                created_ms: d.now_ms,
                modified_ms: d.now_ms,
                tags,
                client_token: client_token.map(str::to_string),
            };
            d.put_group(group.clone());
            Ok(group)
        })
        .await
    }

    /// GetScheduleGroup.
    pub fn group(&self, name: &str) -> Result<Group> {
        check_name("name", name)?;
        self.snapshot().groups.get(name).cloned().ok_or_else(|| no_group(name))
    }

    /// ListScheduleGroups: by name, from after `token`.
    pub fn list_groups(
        &self,
        prefix: Option<&str>,
        max: usize,
        token: Option<&str>,
    ) -> Result<(Vec<Group>, Option<String>)> {
        crate::names::check_prefix(prefix)?;
        let state = self.snapshot();
        let groups = state
            .groups
            .values()
            .filter(|g| prefix.is_none_or(|p| g.name.starts_with(p)))
            .map(|g| (g.name.clone(), g.clone()));
        Ok(page(groups, max, token.map(str::to_string).as_ref()))
    }

    /// DeleteScheduleGroup: the group and every schedule in it.
    pub async fn delete_group(&self, name: &str) -> Result<()> {
        check_name("name", name)?;
        if name == DEFAULT_GROUP {
            return Err(Error::Validation("The default schedule group cannot be deleted.".into()));
        }
        self.change(|d| {
            if !d.groups.contains_key(name) {
                return Err(no_group(name));
            }
            d.delete_group(name);
            Ok(())
        })
        .await
    }

    /// The group a tagging operation names by ARN.
    fn tagged(&self, arn: &str) -> Result<String> {
        if !arn.contains(":schedule-group/") {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value '{arn}' at 'resourceArn' failed to satisfy constraint: Member must be the ARN of a schedule group (arn:aws:scheduler:<region>:<account>:schedule-group/<name>)"
            )));
        }
        let name = group_of_arn(&self.region, arn)
            .ok_or_else(|| Error::NotFound(format!("Resource {arn} does not exist.")))?;
        if !self.snapshot().groups.contains_key(&name) {
            return Err(no_group(&name));
        }
        Ok(name)
    }

    /// ListTagsForResource.
    pub fn tags(&self, arn: &str) -> Result<Vec<Tag>> {
        let name = self.tagged(arn)?;
        Ok(self.snapshot().groups.get(&name).map(|g| g.tags.clone()).unwrap_or_default())
    }

    /// TagResource: adds tags, replacing the values of keys it has.
    pub async fn tag(&self, arn: &str, tags: Vec<Tag>) -> Result<()> {
        let name = self.tagged(arn)?;
        self.change(|d| {
            let mut group = d.groups.get(&name).cloned().ok_or_else(|| no_group(&name))?;
            group.tags = merged(group.tags, tags);
            check_tags(&group.tags)?;
            group.modified_ms = d.now_ms;
            d.put_group(group);
            Ok(())
        })
        .await
    }

    /// UntagResource.
    pub async fn untag(&self, arn: &str, keys: &[String]) -> Result<()> {
        let name = self.tagged(arn)?;
        self.change(|d| {
            let mut group = d.groups.get(&name).cloned().ok_or_else(|| no_group(&name))?;
            group.tags.retain(|(k, _)| !keys.contains(k));
            group.modified_ms = d.now_ms;
            d.put_group(group);
            Ok(())
        })
        .await
    }
}
