//! Parameter names, paths, labels and ARNs, with Parameter Store's rules and messages.

use crate::{Error, Result, validation};
use squall_types::ACCOUNT_ID;

/// Most levels in a hierarchy (`/a/b/c` has three).
pub const MAX_LEVELS: usize = 15;
/// Longest full ARN a parameter's name may make (AWS counts the name with the ARN's
/// prefix against 1011 characters).
pub const MAX_ARN_LEN: usize = 1011;
/// Longest label.
pub const MAX_LABEL_LEN: usize = 100;

/// `arn:aws:ssm:<region>:<account>:parameter/<name>`, the name without its leading slash.
pub fn arn(region: &str, name: &str) -> String {
    format!("arn:aws:ssm:{region}:{ACCOUNT_ID}:parameter/{}", name.strip_prefix('/').unwrap_or(name))
}

/// The name an ARN or a name names: `arn:aws:ssm:…:parameter/a/b` is `/a/b` when that is a
/// hierarchy, `x` when it is a plain name (the caller tries `/x` too).
pub fn name_of(id: &str) -> String {
    match id.strip_prefix("arn:").and_then(|rest| rest.split_once(":parameter/")) {
        Some((_, name)) if name.contains('/') => format!("/{name}"),
        Some((_, name)) => name.to_string(),
        None => id.to_string(),
    }
}

fn segment_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// How many levels `name` has: `/a/b` two, `a` one.
pub fn levels(name: &str) -> usize {
    name.strip_prefix('/').unwrap_or(name).split('/').count()
}

/// Checks a name PutParameter creates: letters, digits, `.-_`, `/` between levels and in
/// front of a hierarchy, at most 15 levels, the ARN at most 1011 characters, not under the
/// reserved prefixes `aws` and `ssm`.
pub fn check_name(region: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(validation(
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let lower = name.trim_start_matches('/').to_ascii_lowercase();
    let is_path = name.matches('/').count() > 1;
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        if is_path && lower.starts_with("aws") {
            return Err(Error::AccessDenied(format!("No access to reserved parameter name: {name}.")));
        }
        return Err(validation(if is_path {
            "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_"
        } else {
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive)."
        }));
    }
    if name.contains('/') && !name.starts_with('/') {
        return Err(validation(format!(
            "Parameter name must be a fully qualified name: a name with a / must begin with one ({name})."
        )));
    }
    if !name.strip_prefix('/').unwrap_or(name).split('/').all(segment_ok) {
        return Err(validation(format!(
            "Parameter name {name:?} is not valid: it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_"
        )));
    }
    if levels(name) > MAX_LEVELS {
        return Err(Error::HierarchyLevelLimitExceeded(format!(
            "A hierarchy can have a maximum of {MAX_LEVELS} levels. {name} has {}.",
            levels(name)
        )));
    }
    let full = arn(region, name).len();
    if full > MAX_ARN_LEN {
        return Err(validation(format!(
            "Parameter name {name} is too long: with its ARN prefix it is {full} characters, the maximum is {MAX_ARN_LEN}."
        )));
    }
    Ok(())
}

/// A path as GetParametersByPath and the `Path` filter take it: `/`, or `/a/b` (a trailing
/// slash is dropped), at most 15 levels. The prefix a child's name starts with.
pub fn check_path(path: &str) -> Result<String> {
    let bad = || {
        validation(format!(
            "The parameter path {path:?} is not valid: it must begin with / and consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_"
        ))
    };
    if !path.starts_with('/') {
        return Err(bad());
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    if !trimmed[1..].split('/').all(segment_ok) {
        return Err(bad());
    }
    if levels(trimmed) > MAX_LEVELS {
        return Err(Error::HierarchyLevelLimitExceeded(format!(
            "A hierarchy can have a maximum of {MAX_LEVELS} levels. {path} has {}.",
            levels(trimmed)
        )));
    }
    Ok(format!("{trimmed}/"))
}

/// Whether `name` lies under the path whose prefix [`check_path`] returned: anywhere below
/// it (`recursive`) or directly in it.
pub fn under(prefix: &str, name: &str, recursive: bool) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && (recursive || !rest.contains('/')))
}

/// Whether `label` is one LabelParameterVersion attaches: at most 100 letters, digits,
/// `.-_`, not starting with a digit, `aws` or `ssm`.
pub fn label_ok(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && segment_ok(label)
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !lower.starts_with("aws")
        && !lower.starts_with("ssm")
}

/// What a `name:selector` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The latest version.
    Latest,
    /// `name:3`.
    Version(u64),
    /// `name:label`.
    Label(String),
}

/// Splits `name:selector` (names never hold a colon; an ARN's colons come before its
/// `parameter/`).
pub fn split_selector(s: &str) -> (&str, Option<&str>, Selector) {
    let from = if s.starts_with("arn:") { s.find(":parameter/").map_or(0, |i| i + ":parameter/".len()) } else { 0 };
    match s[from..].find(':') {
        None => (s, None, Selector::Latest),
        Some(i) => {
            let (name, sel) = (&s[..from + i], &s[from + i + 1..]);
            let what = match sel.parse::<u64>() {
                Ok(n) if sel.bytes().all(|c| c.is_ascii_digit()) => Selector::Version(n),
                _ => Selector::Label(sel.to_string()),
            };
            (name, Some(sel), what)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_drop_the_leading_slash() {
        assert_eq!(arn("us-east-1", "/a/b"), "arn:aws:ssm:us-east-1:000000000000:parameter/a/b");
        assert_eq!(arn("us-east-1", "plain"), "arn:aws:ssm:us-east-1:000000000000:parameter/plain");
        assert_eq!(name_of("arn:aws:ssm:us-east-1:000000000000:parameter/a/b"), "/a/b");
        assert_eq!(name_of("arn:aws:ssm:us-east-1:000000000000:parameter/plain"), "plain");
        assert_eq!(name_of("/a/b"), "/a/b");
    }

    #[test]
    fn names_follow_parameter_store_rules() {
        let ok = |n: &str| check_name("us-east-1", n).is_ok();
        assert!(ok("plain") && ok("/a/b.c-d_e") && ok("/single"));
        assert!(!ok("") && !ok("a/b") && !ok("/a//b") && !ok("/a/b/") && !ok("/a b") && !ok("/a:1"));
        assert!(!ok("aws-thing") && !ok("/SSM/x") && !ok("ssmx"));
        assert!(matches!(check_name("us-east-1", "/aws/x"), Err(Error::AccessDenied(_))));
        let deep = "/l".repeat(15);
        assert!(ok(&deep));
        assert!(matches!(check_name("us-east-1", &format!("{deep}/x")), Err(Error::HierarchyLevelLimitExceeded(_))));
        let prefix = arn("us-east-1", "/").len();
        assert!(ok(&format!("/{}", "x".repeat(MAX_ARN_LEN - prefix))));
        assert!(!ok(&format!("/{}", "x".repeat(MAX_ARN_LEN - prefix + 1))));
    }

    #[test]
    fn paths_and_levels() {
        assert_eq!(check_path("/").unwrap(), "/");
        assert_eq!(check_path("/a/b/").unwrap(), "/a/b/");
        assert!(check_path("a").is_err() && check_path("/a b").is_err());
        assert!(under("/a/", "/a/b", false) && !under("/a/", "/a/b/c", false) && under("/a/", "/a/b/c", true));
        assert!(!under("/a/", "/ab", true) && under("/", "/x", false) && !under("/", "plain", true));
    }

    #[test]
    fn labels_and_selectors() {
        assert!(label_ok("prod") && label_ok("v1.2-x_y"));
        assert!(!label_ok("1st") && !label_ok("AWSx") && !label_ok("ssm") && !label_ok("a/b") && !label_ok(""));
        assert!(!label_ok(&"x".repeat(101)));
        assert_eq!(split_selector("/a:3"), ("/a", Some("3"), Selector::Version(3)));
        assert_eq!(split_selector("/a:prod"), ("/a", Some("prod"), Selector::Label("prod".into())));
        assert_eq!(split_selector("/a"), ("/a", None, Selector::Latest));
        let arn = "arn:aws:ssm:us-east-1:000000000000:parameter/a";
        assert_eq!(split_selector(arn), (arn, None, Selector::Latest));
        assert_eq!(split_selector(&format!("{arn}:2")), (arn, Some("2"), Selector::Version(2)));
    }
}
