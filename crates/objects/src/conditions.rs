//! Conditional requests (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`, and their `x-amz-copy-source-` forms) and byte ranges.

use crate::record::ObjectRecord;
use crate::{Error, Result};

/// The conditions a request put on an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// ETags (comma-separated, quoted or not) of which one must match; `*` matches any.
    pub if_match: Option<String>,
    /// ETags of which none may match.
    pub if_none_match: Option<String>,
    /// Unix seconds: the object must have changed after.
    pub if_modified_since: Option<i64>,
    /// Unix seconds: the object must not have changed after.
    pub if_unmodified_since: Option<i64>,
}

pub(crate) fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',').map(|t| t.trim().trim_start_matches("W/").trim_matches('"')).any(|t| t == "*" || t == etag)
}

impl Conditions {
    /// Whether any condition is set.
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }

    /// Checks a read (GET, HEAD) in RFC 7232's order: a failed `If-Match` or
    /// `If-Unmodified-Since` is [`Error::PreconditionFailed`], a matched
    /// `If-None-Match` or an unchanged `If-Modified-Since` is [`Error::NotModified`].
    /// The date conditions count only without their ETag counterpart, as in S3.
    pub fn check_read(&self, r: &ObjectRecord) -> Result<()> {
        let modified = r.modified_ms.div_euclid(1000);
        match (&self.if_match, self.if_unmodified_since) {
            (Some(m), _) if !etag_matches(m, &r.etag) => return Err(Error::PreconditionFailed),
            (None, Some(t)) if modified > t => return Err(Error::PreconditionFailed),
            _ => {}
        }
        let not_modified = || Error::NotModified { etag: r.etag.clone(), modified_ms: r.modified_ms };
        match (&self.if_none_match, self.if_modified_since) {
            (Some(m), _) if etag_matches(m, &r.etag) => Err(not_modified()),
            (None, Some(t)) if modified <= t => Err(not_modified()),
            _ => Ok(()),
        }
    }

    /// Checks a copy source: every failure is [`Error::PreconditionFailed`].
    pub fn check_copy_source(&self, r: &ObjectRecord) -> Result<()> {
        match self.check_read(r) {
            Err(Error::NotModified { .. }) => Err(Error::PreconditionFailed),
            other => other,
        }
    }
}

/// A `Range: bytes=…` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `first-` or `first-last` (inclusive).
    From(u64, Option<u64>),
    /// `-n`: the last `n` bytes.
    Last(u64),
}

impl ByteRange {
    /// Parses a `Range` header; `None` for anything S3 ignores (other units, several
    /// ranges, malformed values), which reads the whole object.
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?;
        if spec.contains(',') {
            return None;
        }
        let (a, b) = spec.split_once('-')?;
        let (a, b) = (a.trim(), b.trim());
        if a.is_empty() {
            return b.parse().ok().map(ByteRange::Last);
        }
        let first = a.parse().ok()?;
        if b.is_empty() {
            return Some(ByteRange::From(first, None));
        }
        let last: u64 = b.parse().ok()?;
        (last >= first).then_some(ByteRange::From(first, Some(last)))
    }

    /// The inclusive byte positions this range covers of an object of `size` bytes, or
    /// [`Error::InvalidRange`].
    pub fn resolve(self, size: u64) -> Result<(u64, u64)> {
        let unsatisfiable = Err(Error::InvalidRange { size });
        match self {
            ByteRange::From(first, _) if first >= size => unsatisfiable,
            ByteRange::From(first, last) => Ok((first, last.unwrap_or(u64::MAX).min(size - 1))),
            ByteRange::Last(0) => unsatisfiable,
            ByteRange::Last(_) if size == 0 => unsatisfiable,
            ByteRange::Last(n) => Ok((size.saturating_sub(n), size - 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(etag: &str, modified_secs: i64) -> ObjectRecord {
        ObjectRecord {
            size: 10,
            etag: etag.into(),
            modified_ms: modified_secs * 1000 + 400,
            meta: Default::default(),
            checksum: None,
            tags: Vec::new(),
            part_sizes: Vec::new(),
            segments: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn read_conditions_follow_rfc_7232() {
        let r = record("abc", 1000);
        let c = |m: Option<&str>, n: Option<&str>, ms: Option<i64>, us: Option<i64>| Conditions {
            if_match: m.map(Into::into),
            if_none_match: n.map(Into::into),
            if_modified_since: ms,
            if_unmodified_since: us,
        };
        assert!(c(Some("\"abc\""), None, None, None).check_read(&r).is_ok());
        assert!(c(Some("x, \"abc\""), None, None, None).check_read(&r).is_ok());
        assert!(matches!(c(Some("x"), None, None, None).check_read(&r), Err(Error::PreconditionFailed)));
        assert!(matches!(c(None, None, None, Some(999)).check_read(&r), Err(Error::PreconditionFailed)));
        // If-Match that holds overrides a failing If-Unmodified-Since (S3's rule).
        assert!(c(Some("abc"), None, None, Some(999)).check_read(&r).is_ok());
        assert!(matches!(c(None, Some("*"), None, None).check_read(&r), Err(Error::NotModified { .. })));
        assert!(matches!(c(None, None, Some(1000), None).check_read(&r), Err(Error::NotModified { .. })));
        assert!(c(None, None, Some(999), None).check_read(&r).is_ok());
        // An If-None-Match that does not match makes If-Modified-Since irrelevant.
        assert!(c(None, Some("x"), Some(2000), None).check_read(&r).is_ok());
        assert!(matches!(c(None, Some("abc"), None, None).check_copy_source(&r), Err(Error::PreconditionFailed)));
    }

    #[test]
    fn ranges() {
        let p = |s| ByteRange::parse(s);
        assert_eq!(p("bytes=0-4"), Some(ByteRange::From(0, Some(4))));
        assert_eq!(p("bytes=5-"), Some(ByteRange::From(5, None)));
        assert_eq!(p("bytes=-3"), Some(ByteRange::Last(3)));
        for ignored in ["bytes=4-1", "bytes=0-1,3-4", "items=0-1", "bytes=a-b", "bytes=-"] {
            assert_eq!(p(ignored), None, "{ignored}");
        }
        assert_eq!(ByteRange::From(0, Some(4)).resolve(10).unwrap(), (0, 4));
        assert_eq!(ByteRange::From(5, Some(100)).resolve(10).unwrap(), (5, 9));
        assert_eq!(ByteRange::Last(3).resolve(10).unwrap(), (7, 9));
        assert_eq!(ByteRange::Last(30).resolve(10).unwrap(), (0, 9));
        assert!(matches!(ByteRange::From(10, None).resolve(10), Err(Error::InvalidRange { size: 10 })));
        assert!(ByteRange::Last(0).resolve(10).is_err());
        assert!(ByteRange::Last(1).resolve(0).is_err());
    }
}
