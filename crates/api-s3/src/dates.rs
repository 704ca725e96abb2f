//! The HTTP date form S3 uses in headers (`Mon, 23 Nov 2026 16:54:13 GMT`).

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const HTTP_DATE: &[BorrowedFormatItem<'static>] =
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
    if let Some(t) = squall_auth::parse_imf_fixdate(s) {
        return Some(t);
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

    #[test]
    fn formats_calendar_edges() {
        let cases = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (999, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
            (1_709_164_800_000, "Thu, 29 Feb 2024 00:00:00 GMT"),
            (1_709_251_199_999, "Thu, 29 Feb 2024 23:59:59 GMT"),
            (1_709_251_200_000, "Fri, 01 Mar 2024 00:00:00 GMT"),
            (1_704_067_199_999, "Sun, 31 Dec 2023 23:59:59 GMT"),
            (1_704_067_200_000, "Mon, 01 Jan 2024 00:00:00 GMT"),
            (4_107_456_000_000, "Sun, 28 Feb 2100 00:00:00 GMT"),
            (4_107_542_400_000, "Mon, 01 Mar 2100 00:00:00 GMT"),
        ];
        for (ms, s) in cases {
            assert_eq!(http_date(ms), s, "{ms}");
            assert_eq!(parse_date(s), Some(ms.div_euclid(1000)), "{s}");
        }
        assert_eq!(http_date(i64::MAX), "", "out of range prints nothing rather than panic");
    }

    #[test]
    fn parses_imf_fixdate_and_rfc3339_only() {
        assert_eq!(parse_date("  Thu, 29 Feb 2024 12:34:56 GMT\t"), Some(1_709_210_096));
        assert_eq!(parse_date("2024-02-29T12:34:56Z"), Some(1_709_210_096));
        assert_eq!(parse_date("2024-02-29T12:34:56.789Z"), Some(1_709_210_096));
        assert_eq!(parse_date("2024-02-29T13:34:56+01:00"), Some(1_709_210_096));
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        // RFC 3339 lets a space stand for the `T`.
        assert_eq!(parse_date("2024-02-29 12:34:56Z"), Some(1_709_210_096));
        // The weekday is read but not checked against the date.
        assert_eq!(parse_date("Mon, 29 Feb 2024 12:34:56 GMT"), Some(1_709_210_096));
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "Sun, 06 Nov 1994 08:49:37",
            "sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 November 1994 08:49:37 GMT",
            "Thu, 30 Feb 2024 00:00:00 GMT",
            "Fri, 29 Feb 2023 00:00:00 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "2024-02-29T12:34:56",
            "2023-02-29T00:00:00Z",
            "20240229T123456Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
