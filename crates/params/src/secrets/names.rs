//! Secret names and ARNs: `arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf`,
//! six random characters after the name, so a secret deleted and created again under the
//! same name has another ARN, as on AWS.

use crate::crypto::random_below;
use crate::{Result, validation};
use squall_types::ACCOUNT_ID;

/// Longest secret name.
pub const MAX_NAME: usize = 512;
const SUFFIX_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Checks a name: 1 to 512 letters, digits and `/_+=.@-`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || b"/_+=.@-".contains(&c));
    if !ok {
        return Err(validation(
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        ));
    }
    Ok(())
}

/// The ARN prefix of secrets in `region`.
pub(crate) fn prefix(region: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:")
}

/// A new ARN for secret `name`.
pub fn new_arn(region: &str, name: &str) -> String {
    let suffix: String = (0..6).map(|_| SUFFIX_CHARS[random_below(SUFFIX_CHARS.len())] as char).collect();
    format!("{}{name}-{suffix}", prefix(region))
}

/// The name `id` names: a name as it is; a full ARN when it is that secret's ARN; a
/// partial ARN (without the suffix) when a secret has that name. `arn_of` gives the ARN of
/// the secret with a name, if there is one.
pub fn resolve<'a>(id: &str, region: &str, arn_of: impl Fn(&str) -> Option<&'a str>) -> Option<String> {
    let Some(rest) = id.strip_prefix("arn:") else {
        return arn_of(id).map(|_| id.to_string());
    };
    let tail = format!("arn:{rest}").strip_prefix(&prefix(region))?.to_string();
    // A full ARN: the name is everything before the last `-` and six characters.
    if tail.len() > 7 && tail.as_bytes()[tail.len() - 7] == b'-' {
        let name = &tail[..tail.len() - 7];
        if arn_of(name) == Some(id) {
            return Some(name.to_string());
        }
    }
    arn_of(&tail).map(|_| tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arns() {
        assert!(check_name("prod/db+x=y.z@w-1_").is_ok());
        assert!(check_name("").is_err() && check_name("a b").is_err() && check_name(&"x".repeat(513)).is_err());
        let arn = new_arn("us-east-1", "db/pw");
        let suffix = arn.strip_prefix("arn:aws:secretsmanager:us-east-1:000000000000:secret:db/pw-").unwrap();
        assert_eq!(suffix.len(), 6);
        assert!(suffix.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(arn, new_arn("us-east-1", "db/pw"));
    }

    #[test]
    fn ids_resolve_by_name_full_arn_and_partial_arn() {
        let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db/pw-AbCdEf";
        let lookup = |n: &str| (n == "db/pw").then_some(arn);
        assert_eq!(resolve("db/pw", "us-east-1", lookup).as_deref(), Some("db/pw"));
        assert_eq!(resolve(arn, "us-east-1", lookup).as_deref(), Some("db/pw"));
        let partial = "arn:aws:secretsmanager:us-east-1:000000000000:secret:db/pw";
        assert_eq!(resolve(partial, "us-east-1", lookup).as_deref(), Some("db/pw"));
        assert_eq!(resolve(&arn.replace("AbCdEf", "ZyXwVu"), "us-east-1", lookup), None);
        assert_eq!(resolve(&arn.replace("us-east-1", "eu-west-1"), "us-east-1", lookup), None);
        assert_eq!(resolve("other", "us-east-1", lookup), None);
    }
}
