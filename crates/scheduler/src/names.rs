//! Names and ARNs of schedule groups and schedules.

use crate::{Error, Result};
use squall_types::ACCOUNT_ID;

/// The group every account has, where a schedule without `GroupName` goes.
pub const DEFAULT_GROUP: &str = "default";

/// A group's ARN.
pub fn group_arn(region: &str, group: &str) -> String {
    format!("arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule-group/{group}")
}

/// A schedule's ARN.
pub fn schedule_arn(region: &str, group: &str, name: &str) -> String {
    format!("arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/{group}/{name}")
}

/// The group a `GroupName` names (absent: the default group).
pub fn group_of(name: Option<&str>) -> Result<String> {
    let name = name.unwrap_or(DEFAULT_GROUP);
    check_name("groupName", name)?;
    Ok(name.to_string())
}

/// 1–64 of letters, digits, `.`, `-` and `_`: names of schedules and groups.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "1 validation error detected: Value '{name}' at '{what}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$ and have length between 1 and 64"
        )))
    }
}

/// A `NamePrefix` of a list: the pattern of names, at most 64 characters.
pub fn check_prefix(prefix: Option<&str>) -> Result<()> {
    match prefix {
        Some(p) => check_name("namePrefix", p),
        None => Ok(()),
    }
}

/// A `ClientToken`: 1–64 of letters, digits, `-` and `_`.
pub fn check_client_token(token: Option<&str>) -> Result<()> {
    let Some(t) = token else { return Ok(()) };
    if (1..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) {
        return Ok(());
    }
    Err(Error::Validation(format!(
        "1 validation error detected: Value '{t}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$ and have length between 1 and 64"
    )))
}

/// The group `arn` names, when it is the canonical ARN of a group of this region.
pub fn group_of_arn(region: &str, arn: &str) -> Option<String> {
    let prefix = format!("arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule-group/");
    let name = arn.strip_prefix(&prefix)?;
    check_name("resourceArn", name).ok()?;
    Some(name.to_string())
}
