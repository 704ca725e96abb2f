//! Bucket and key names under S3's rules.

use crate::{Error, Result};

/// The longest key S3 stores, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Checks `name` against S3's rules for general purpose buckets.
pub fn check_bucket_name(name: &str) -> Result<()> {
    let refuse = |why: &str| Err(Error::InvalidBucketName(format!("{name}: {why}")));
    if !(3..=63).contains(&name.len()) {
        return refuse("bucket names must be 3 to 63 characters long");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return refuse("bucket names may hold only lowercase letters, digits, dots and hyphens");
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(name.as_bytes()[0]) || !edge(name.as_bytes()[name.len() - 1]) {
        return refuse("bucket names must begin and end with a letter or a digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return refuse("bucket names must not hold two adjacent dots or a dot beside a hyphen");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return refuse("bucket names must not be formatted as an IP address");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return refuse(&format!("bucket names must not begin with {prefix}"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return refuse(&format!("bucket names must not end with {suffix}"));
        }
    }
    Ok(())
}

/// Checks an object key: not empty, at most 1024 bytes.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::InvalidArgument("an object key must not be empty".into()));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::KeyTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "my-bucket.2", "a1b", &"a".repeat(63), "1.2.3.example"] {
            check_bucket_name(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "A_B",
            "Abc",
            "-abc",
            "abc-",
            "a..b",
            "a.-b",
            "192.168.1.1",
            "xn--abc",
            "abc-s3alias",
            "ab c",
        ] {
            assert!(matches!(check_bucket_name(bad), Err(Error::InvalidBucketName(_))), "{bad}");
        }
    }

    #[test]
    fn keys() {
        check_key("a/b c+%?#").unwrap();
        check_key(&"é".repeat(512)).unwrap();
        assert!(matches!(check_key(&"é".repeat(513)), Err(Error::KeyTooLong)));
        assert!(check_key("").is_err());
    }
}
