//! The HTTP date form S3 uses in headers (`Mon, 23 Nov 2026 16:54:13 GMT`).

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

const HTTP_DATE: &[FormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

/// Unix milliseconds as an HTTP date (seconds precision).
pub(crate) fn http_date(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(HTTP_DATE).ok())
        .unwrap_or_default()
}

/// An HTTP date (or an ISO 8601 one, which some clients send) as Unix seconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = time::PrimitiveDateTime::parse(s, HTTP_DATE) {
        return Some(t.assume_utc().unix_timestamp());
    }
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok().map(|t| t.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_date("1994-11-06T08:49:37Z"), Some(784_111_777));
        assert_eq!(parse_date("yesterday"), None);
    }
}
