//! AddTagsToResource, RemoveTagsFromResource and ListTagsForResource, for resource type
//! `Parameter` (the only one Squall's Systems Manager holds).

use super::{Head, Parameters, head_write};
use crate::{Error, Result, validation};
use std::collections::BTreeMap;

/// Most tags on one parameter.
pub const MAX_TAGS: usize = 50;

/// Checks tag keys (1 to 128 characters, not starting `aws:`) and values (at most 256).
pub(crate) fn check_tags(tags: &BTreeMap<String, String>) -> Result<()> {
    for (k, v) in tags {
        let key_ok = !k.is_empty()
            && k.chars().count() <= 128
            && !k.to_ascii_lowercase().starts_with("aws:")
            && k.chars().all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
        if !key_ok {
            return Err(validation(format!(
                "1 validation error detected: Value '{k}' at 'tags.member.key' failed to satisfy constraint: Member must have length from 1 to 128, use letters, digits, spaces and _.:/=+-@, and not begin with aws:"
            )));
        }
        if v.chars().count() > 256 {
            return Err(validation(format!(
                "1 validation error detected: Value at 'tags.member.value' of tag {k} failed to satisfy constraint: Member must have length less than or equal to 256"
            )));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags(format!("A resource can have at most {MAX_TAGS} tags.")));
    }
    Ok(())
}

fn check_type(resource_type: &str) -> Result<()> {
    if resource_type == "Parameter" {
        return Ok(());
    }
    Err(Error::InvalidResourceType(format!(
        "The resource type {resource_type} is not supported by Squall's Systems Manager, which holds parameters only (ResourceType Parameter)."
    )))
}

impl Parameters {
    async fn change_tags(
        &self,
        resource_type: &str,
        id: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<()>,
    ) -> Result<()> {
        check_type(resource_type)?;
        let name = self.resolve(id);
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let mut tags = match self.read().get(&name) {
            Some(p) => p.tags.clone(),
            None => {
                return Err(Error::InvalidResourceId(format!("The resource ID {id} is not valid: no such parameter.")));
            }
        };
        change(&mut tags)?;
        self.ledger.commit(vec![head_write(&name, Some(&Head { tags: tags.clone() }))]).await?;
        if let Some(p) = self.write().get_mut(&name) {
            p.tags = tags;
        }
        Ok(())
    }

    /// AddTagsToResource: adds or replaces tags.
    pub async fn add_tags(&self, resource_type: &str, id: &str, add: BTreeMap<String, String>) -> Result<()> {
        check_tags(&add)?;
        self.change_tags(resource_type, id, |tags| {
            tags.extend(add);
            if tags.len() > MAX_TAGS {
                return Err(Error::TooManyTags(format!(
                    "The Tags parameter contains more than the maximum number of tags ({MAX_TAGS}) a resource can have."
                )));
            }
            Ok(())
        })
        .await
    }

    /// RemoveTagsFromResource.
    pub async fn remove_tags(&self, resource_type: &str, id: &str, keys: &[String]) -> Result<()> {
        self.change_tags(resource_type, id, |tags| {
            for k in keys {
                tags.remove(k);
            }
            Ok(())
        })
        .await
    }

    /// ListTagsForResource.
    pub fn tags(&self, resource_type: &str, id: &str) -> Result<BTreeMap<String, String>> {
        check_type(resource_type)?;
        let name = self.resolve(id);
        self.read()
            .get(&name)
            .map(|p| p.tags.clone())
            .ok_or_else(|| Error::InvalidResourceId(format!("The resource ID {id} is not valid: no such parameter.")))
    }
}
