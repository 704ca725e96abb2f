//! Time formatting shared by every crate (milliseconds since the Unix epoch). Reading the
//! time is `squall_clock`'s: services read the platform clock, never the wall directly.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `2024-01-31T12:34:56.789+0000`.
const ISO8601_MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000");

/// `2024-01-31T12:34:56.789Z`.
const ISO8601_MILLIS_Z: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Epoch milliseconds as a UTC instant; past the last instant `time` represents
/// (9999-12-31T23:59:59.999Z) it saturates there instead of failing.
fn utc_from_millis(ms: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or_else(|_| PrimitiveDateTime::MAX.assume_utc())
}

fn format_millis(ms: u64, description: &[BorrowedFormatItem<'_>]) -> String {
    utc_from_millis(ms).format(description).expect("a UTC date-time has every component the description names")
}

/// Formats epoch milliseconds as `2024-01-31T12:34:56.789+0000`, the shape Lambda uses
/// for `LastModified`. Instants after the year 9999 print as its last millisecond.
pub fn format_iso8601_millis(ms: u64) -> String {
    format_millis(ms, ISO8601_MILLIS)
}

/// Formats epoch milliseconds as `2024-01-31T12:34:56.789Z`, the shape SNS and most AWS
/// documents use. Instants after the year 9999 print as its last millisecond.
pub fn format_iso8601_millis_z(ms: u64) -> String {
    format_millis(ms, ISO8601_MILLIS_Z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso8601_millis(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(format_iso8601_millis(1_709_210_096_789), "2024-02-29T12:34:56.789+0000");
    }

    #[test]
    fn formats_calendar_edges() {
        let cases = [
            (0, "1970-01-01T00:00:00.000"),
            (1, "1970-01-01T00:00:00.001"),
            (10, "1970-01-01T00:00:00.010"),
            (999, "1970-01-01T00:00:00.999"),
            (86_399_999, "1970-01-01T23:59:59.999"),
            (86_400_000, "1970-01-02T00:00:00.000"),
            // 2000 is a leap year (divisible by 400), 2100 is not (divisible by 100).
            (951_782_400_000, "2000-02-29T00:00:00.000"),
            (951_868_800_000, "2000-03-01T00:00:00.000"),
            (4_107_456_000_000, "2100-02-28T00:00:00.000"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000"),
            (1_709_164_800_000, "2024-02-29T00:00:00.000"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999"),
            (1_709_251_200_000, "2024-03-01T00:00:00.000"),
            (1_704_067_199_999, "2023-12-31T23:59:59.999"),
            (1_704_067_200_000, "2024-01-01T00:00:00.000"),
            (1_706_704_496_789, "2024-01-31T12:34:56.789"),
            (4_102_444_800_000, "2100-01-01T00:00:00.000"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999"),
        ];
        for (ms, prefix) in cases {
            assert_eq!(format_iso8601_millis(ms), format!("{prefix}+0000"), "{ms}");
            assert_eq!(format_iso8601_millis_z(ms), format!("{prefix}Z"), "{ms}");
        }
    }

    #[test]
    fn saturates_past_year_9999() {
        for ms in [253_402_300_800_000, u64::MAX] {
            assert_eq!(format_iso8601_millis(ms), "9999-12-31T23:59:59.999+0000");
            assert_eq!(format_iso8601_millis_z(ms), "9999-12-31T23:59:59.999Z");
        }
    }
}
