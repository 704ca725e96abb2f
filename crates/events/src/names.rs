//! Names and ARNs of buses and rules, checked as EventBridge checks them.

use crate::{Error, Result};
use squall_types::ACCOUNT_ID;

/// The bus every account has, where schedules and AWS services' events go.
pub const DEFAULT_BUS: &str = "default";

/// A bus's ARN.
pub fn bus_arn(region: &str, bus: &str) -> String {
    format!("arn:aws:events:{region}:{ACCOUNT_ID}:event-bus/{bus}")
}

/// A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another.
pub fn rule_arn(region: &str, bus: &str, rule: &str) -> String {
    match bus {
        DEFAULT_BUS => format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"),
        _ => format!("arn:aws:events:{region}:{ACCOUNT_ID}:rule/{bus}/{rule}"),
    }
}

/// The bus an `EventBusName` names: absent is the default bus; a bus's ARN names it.
pub fn bus_of(name_or_arn: Option<&str>) -> Result<String> {
    let Some(given) = name_or_arn.filter(|n| !n.is_empty()) else { return Ok(DEFAULT_BUS.to_string()) };
    let name = match given.strip_prefix("arn:aws:events:") {
        Some(rest) => rest
            .split_once(":event-bus/")
            .map(|(_, name)| name)
            .ok_or_else(|| Error::Validation(format!("{given} is not the ARN of an event bus.")))?,
        None => given,
    };
    check_bus_name(name)?;
    Ok(name.to_string())
}

/// 1–256 of letters, digits, `.`, `-`, `_` and `/`.
pub fn check_bus_name(name: &str) -> Result<()> {
    let ok = (1..=256).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+"
        )))
    }
}

/// A new bus's name: a valid name, not `default`, not under `aws.`.
pub fn check_new_bus_name(name: &str) -> Result<()> {
    check_bus_name(name)?;
    if name.contains('/') {
        return Err(Error::Validation(format!("Event bus name must not contain '/': {name}")));
    }
    if name == DEFAULT_BUS || name.starts_with("aws.") {
        return Err(Error::Validation(format!("Event bus name {name} is reserved")));
    }
    Ok(())
}

/// 1–64 of letters, digits, `.`, `-` and `_`: rule names and target ids.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "1 validation error detected: Value '{name}' at '{what}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64"
        )))
    }
}
