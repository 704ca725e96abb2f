//! TagResource and UntagResource (ListTagsForResource does not exist in Secrets Manager:
//! DescribeSecret reports the tags).

use super::write::dedup_tags;
use super::{Secrets, head_write, marked_for_deletion};
use crate::{Error, Result, validation};

/// Most tags on one secret.
pub const MAX_TAGS: usize = 50;

/// Checks tag keys (1 to 128 characters, not starting `aws:`), values (at most 256) and
/// their number.
pub(crate) fn check_tags(tags: &[(String, String)]) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || k.to_ascii_lowercase().starts_with("aws:") {
            return Err(validation(format!(
                "Invalid tag key {k:?}: a key has 1 to 128 characters and does not begin with aws:."
            )));
        }
        if v.chars().count() > 256 {
            return Err(validation(format!("Invalid tag value for key {k:?}: a value has at most 256 characters.")));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(validation(format!("A secret can have at most {MAX_TAGS} tags.")));
    }
    Ok(())
}

impl Secrets {
    async fn change_tags(&self, id: &str, change: impl FnOnce(&mut Vec<(String, String)>) -> Result<()>) -> Result<()> {
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let name = self.resolve(id)?;
        let mut s = self.get_secret(&name)?;
        if s.head.deleted_ms.is_some() {
            return Err(marked_for_deletion());
        }
        change(&mut s.head.tags)?;
        s.head.changed_ms = self.clock.now_ms();
        self.ledger.commit(vec![head_write(&name, Some(&s.head))]).await?;
        self.write().insert(name, s);
        Ok(())
    }

    /// TagResource: adds tags, replacing the values of keys it has.
    pub async fn tag(&self, id: &str, tags: Vec<(String, String)>) -> Result<()> {
        check_tags(&tags)?;
        self.change_tags(id, |have| {
            let mut all = std::mem::take(have);
            all.extend(tags);
            *have = dedup_tags(all);
            if have.len() > MAX_TAGS {
                return Err(Error::LimitExceeded(format!("A secret can have at most {MAX_TAGS} tags.")));
            }
            Ok(())
        })
        .await
    }

    /// UntagResource.
    pub async fn untag(&self, id: &str, keys: &[String]) -> Result<()> {
        self.change_tags(id, |have| {
            have.retain(|(k, _)| !keys.contains(k));
            Ok(())
        })
        .await
    }
}
