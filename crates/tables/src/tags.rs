//! Table tags: TagResource, UntagResource, ListTagsOfResource, and tags given at creation.

use crate::service::Tables;
use crate::{Error, Result};
use std::collections::BTreeMap;

/// Most tags on one table (DynamoDB's limit).
const MAX_TAGS: usize = 50;

/// Checks tag keys and values as DynamoDB does.
pub(crate) fn check_tags(tags: &[(String, String)]) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value '{k}' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128"
            )));
        }
        if v.chars().count() > 256 {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value at 'tags.member.value' of key '{k}' failed to satisfy constraint: Member must have length less than or equal to 256"
            )));
        }
        if k.starts_with("aws:") {
            return Err(Error::Validation("User-defined tag keys must not start with 'aws:'".into()));
        }
    }
    Ok(())
}

/// Adds `tags` to `current`, refusing to go past the limit.
pub(crate) fn merge_tags(current: &mut BTreeMap<String, String>, tags: Vec<(String, String)>) -> Result<()> {
    check_tags(&tags)?;
    current.extend(tags);
    if current.len() > MAX_TAGS {
        return Err(Error::Validation(format!("The number of tags on a resource exceeds the limit of {MAX_TAGS}")));
    }
    Ok(())
}

impl Tables {
    /// TagResource: adds or replaces tags.
    pub async fn tag_table(&self, table: &str, tags: Vec<(String, String)>) -> Result<()> {
        let lock = self.lock(table);
        let _held = lock.lock().await;
        let mut def = (*self.def(table)?).clone();
        merge_tags(&mut def.tags, tags)?;
        self.store_def(def).await
    }

    /// UntagResource: removes tags by key (absent keys are fine).
    pub async fn untag_table(&self, table: &str, keys: &[String]) -> Result<()> {
        let lock = self.lock(table);
        let _held = lock.lock().await;
        let mut def = (*self.def(table)?).clone();
        for k in keys {
            def.tags.remove(k);
        }
        self.store_def(def).await
    }

    /// ListTagsOfResource: the table's tags, by key.
    pub fn list_tags(&self, table: &str) -> Result<Vec<(String, String)>> {
        Ok(self.def(table)?.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}
