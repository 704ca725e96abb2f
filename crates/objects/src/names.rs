//! Bucket and key names under S3's rules.

use crate::{Error, Result};

/// The longest key S3 stores, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Checks `name` against S3's rules for general purpose buckets.
pub fn check_bucket_name(name: &str) -> Result<()> {
    match squall_types::bucket_name_problem(name) {
        Some(why) => Err(Error::InvalidBucketName(format!("{name}: {why}"))),
        None => Ok(()),
    }
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
