//! IAM's constraints on names, paths and tags, refused with its ValidationError messages.

use crate::model::Tag;
use crate::{Error, Result};

/// Checks a user, group, role or policy name (`field` as IAM names the parameter,
/// `userName`…): `[\w+=,.@-]+`, 1 to `max` characters.
pub(crate) fn check_name(field: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() || value.chars().count() > max {
        return Err(violation(field, value, &format!("Member must have length less than or equal to {max}")));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)) {
        return Err(violation(field, value, r"Member must satisfy regular expression pattern: [\w+=,.@-]+"));
    }
    Ok(())
}

/// Checks a path (`/` or `/a/b/`), or gives the default `/`.
pub(crate) fn path(value: Option<&str>) -> Result<String> {
    let Some(p) = value else { return Ok("/".into()) };
    let ok = p.len() <= 512
        && p.starts_with('/')
        && p.ends_with('/')
        && p.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !p.contains("//");
    if !ok {
        return Err(violation(
            "path",
            p,
            r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ));
    }
    Ok(p.to_string())
}

fn violation(field: &str, value: &str, constraint: &str) -> Error {
    Error::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

/// IAM's quota on tags per user, role or policy.
const MAX_TAGS: usize = 50;

/// Merges `new` into `tags` (a key given again takes the new value), within IAM's limits.
pub(crate) fn merge_tags(tags: &mut Vec<Tag>, new: Vec<Tag>) -> Result<()> {
    for t in new {
        if t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256 {
            return Err(Error::InvalidInput(format!(
                "The tag {:?} is not valid: keys are 1 to 128 characters, values at most 256",
                t.key
            )));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(Error::InvalidInput(
                "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.".into(),
            ));
        }
        match tags.iter_mut().find(|o| o.key == t.key) {
            Some(o) => o.value = t.value,
            None => tags.push(t),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::LimitExceeded(format!("The number of tags has reached the maximum limit of {MAX_TAGS}.")));
    }
    Ok(())
}

/// Removes the tags named in `keys`.
pub(crate) fn remove_tags(tags: &mut Vec<Tag>, keys: &[String]) {
    tags.retain(|t| !keys.contains(&t.key));
}
