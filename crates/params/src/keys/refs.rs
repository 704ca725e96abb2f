//! How a request names a key: its id, its ARN (`arn:aws:kms:<region>:<account>:key/<id>`),
//! an alias name (`alias/<name>`) or an alias ARN; and the rules for alias names
//! (`alias/aws/` is reserved for AWS-managed keys).

use crate::{Error, Result, validation};
use squall_types::ACCOUNT_ID;

/// The reserved prefix of AWS-managed keys' aliases.
pub const RESERVED_PREFIX: &str = "alias/aws/";
/// Longest alias name, `alias/` included.
pub const MAX_ALIAS: usize = 256;

/// A key reference, read (not yet looked up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// A key id, from itself or a key ARN.
    Id(String),
    /// An alias name (`alias/…`), from itself or an alias ARN.
    Alias(String),
    /// Nothing that can name a key here (another region's or account's ARN, another
    /// service's, an empty string).
    Invalid,
}

/// The ARN of key `id`.
pub fn key_arn(region: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT_ID}:key/{id}")
}

/// The ARN of alias `name` (`alias/…`).
pub fn alias_arn(region: &str, name: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT_ID}:{name}")
}

/// Reads `key_ref` as a reference to a key of `region`.
pub fn parse(key_ref: &str, region: &str) -> KeyRef {
    if let Some(rest) = key_ref.strip_prefix("arn:") {
        let prefix = format!("aws:kms:{region}:{ACCOUNT_ID}:");
        let Some(resource) = rest.strip_prefix(&prefix) else { return KeyRef::Invalid };
        return match resource.strip_prefix("key/") {
            Some(id) if !id.is_empty() => KeyRef::Id(id.to_string()),
            Some(_) => KeyRef::Invalid,
            None if resource.starts_with("alias/") => KeyRef::Alias(resource.to_string()),
            None => KeyRef::Invalid,
        };
    }
    match key_ref {
        "" => KeyRef::Invalid,
        a if a.starts_with("alias/") => KeyRef::Alias(a.to_string()),
        id => KeyRef::Id(id.to_string()),
    }
}

/// Checks an alias name a user creates or updates: `alias/` and then 1 to 250 letters,
/// digits and `/_-`, not under `alias/aws/`.
pub fn check_alias_name(name: &str) -> Result<()> {
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    };
    if name.starts_with(RESERVED_PREFIX) {
        return Err(Error::NotAuthorized(format!(
            "{name}: aliases beginning with {RESERVED_PREFIX} are reserved for AWS managed keys."
        )));
    }
    if name.len() > MAX_ALIAS {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to {MAX_ALIAS}"
        )));
    }
    if rest.is_empty() || !rest.bytes().all(|c| c.is_ascii_alphanumeric() || b"/_-".contains(&c)) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_in_all_four_shapes() {
        let r = "us-east-1";
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(parse(id, r), KeyRef::Id(id.into()));
        assert_eq!(parse(&key_arn(r, id), r), KeyRef::Id(id.into()));
        assert_eq!(parse("alias/app", r), KeyRef::Alias("alias/app".into()));
        assert_eq!(parse(&alias_arn(r, "alias/app/x"), r), KeyRef::Alias("alias/app/x".into()));
        // Another region's or account's key is none of this server's.
        assert_eq!(parse(&key_arn("eu-west-1", id), r), KeyRef::Invalid);
        assert_eq!(parse(&format!("arn:aws:kms:{r}:111122223333:key/{id}"), r), KeyRef::Invalid);
        assert_eq!(parse("arn:aws:s3:::bucket", r), KeyRef::Invalid);
        assert_eq!(parse("", r), KeyRef::Invalid);
    }

    #[test]
    fn alias_names_follow_kms_rules() {
        assert!(check_alias_name("alias/app-key_1/prod").is_ok());
        assert!(matches!(check_alias_name("app"), Err(Error::Validation(_))));
        assert!(matches!(check_alias_name("alias/"), Err(Error::Validation(_))));
        assert!(matches!(check_alias_name("alias/a:b"), Err(Error::Validation(_))));
        assert!(matches!(check_alias_name("alias/aws/s3"), Err(Error::NotAuthorized(_))));
        assert!(matches!(check_alias_name(&format!("alias/{}", "a".repeat(251))), Err(Error::Validation(_))));
    }
}
