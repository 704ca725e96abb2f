//! TagResource and UntagResource (ListResourceTags is in `read`).

use super::Keys;
use super::lookup::not_pending;
use crate::{Error, Result};

/// Most tags on one key.
pub const MAX_TAGS: usize = 50;

/// Checks tag keys (1 to 128 characters, not starting `aws:`) and values (at most 256).
pub(crate) fn check_tags(tags: &[(String, String)]) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::Tag(format!("Tag key {k:?} must have 1 to 128 characters.")));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::Tag(format!("Tag key {k:?}: keys beginning with aws: are reserved.")));
        }
        if v.chars().count() > 256 {
            return Err(Error::Tag(format!("The value of tag {k:?} must have at most 256 characters.")));
        }
    }
    Ok(())
}

/// `have` with `add` applied (a key given again takes its new value), at most
/// [`MAX_TAGS`].
pub(crate) fn merged(mut have: Vec<(String, String)>, add: Vec<(String, String)>) -> Result<Vec<(String, String)>> {
    for (k, v) in add {
        match have.iter_mut().find(|(hk, _)| *hk == k) {
            Some(slot) => slot.1 = v,
            None => have.push((k, v)),
        }
    }
    if have.len() > MAX_TAGS {
        return Err(Error::LimitExceeded(format!("A KMS key can have at most {MAX_TAGS} tags.")));
    }
    Ok(have)
}

impl Keys {
    /// TagResource: adds tags to a customer-managed key, replacing the values of keys it has.
    pub async fn tag(&self, key_ref: &str, tags: Vec<(String, String)>) -> Result<()> {
        check_tags(&tags)?;
        self.change(key_ref, "kms:TagResource", |k| {
            not_pending(k)?;
            k.tags = merged(std::mem::take(&mut k.tags), tags)?;
            Ok(())
        })
        .await
    }

    /// UntagResource (keys it does not have are no error).
    pub async fn untag(&self, key_ref: &str, keys: &[String]) -> Result<()> {
        self.change(key_ref, "kms:UntagResource", |k| {
            not_pending(k)?;
            k.tags.retain(|(t, _)| !keys.contains(t));
            Ok(())
        })
        .await
    }
}
