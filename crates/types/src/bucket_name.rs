//! S3's rule for general purpose bucket names, shared by the objects service (which
//! refuses them with `InvalidBucketName`) and the manifest (which locates them).

/// Why `name` is not a valid bucket name, or `None` if it is.
pub fn bucket_name_problem(name: &str) -> Option<String> {
    if !(3..=63).contains(&name.len()) {
        return Some("it must be 3 to 63 characters long".into());
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return Some("it may hold only lowercase letters, digits, dots and hyphens".into());
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(name.as_bytes()[0]) || !edge(name.as_bytes()[name.len() - 1]) {
        return Some("it must begin and end with a letter or a digit".into());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("it must not hold two adjacent dots or a dot beside a hyphen".into());
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Some("it must not be formatted as an IP address".into());
    }
    if let Some(p) = ["xn--", "sthree-", "amzn-s3-demo-"].iter().find(|p| name.starts_with(*p)) {
        return Some(format!("it must not begin with {p}"));
    }
    if let Some(s) = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].iter().find(|s| name.ends_with(*s)) {
        return Some(format!("it must not end with {s}"));
    }
    None
}
