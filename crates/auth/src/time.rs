//! `X-Amz-Date` timestamps (`20240131T235959Z`) to and from Unix seconds, and the HTTP
//! `Date` header's form (`Mon, 07 Dec 2026 02:30:00 GMT`), which a request may carry its
//! time in instead.

use time::format_description::BorrowedFormatItem;
use time::macros::{datetime, format_description};
use time::parsing::Parsed;
use time::{Date, Duration, OffsetDateTime};

/// `YYYYMMDDTHHMMSSZ`, the ISO 8601 basic format SigV4 signs.
const AMZ_DATE: &[BorrowedFormatItem<'static>] = format_description!("[year][month][day]T[hour][minute][second]Z");

/// RFC 7231's IMF-fixdate.
const HTTP_DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

/// Parses an HTTP date into Unix seconds: IMF-fixdate, or RFC 2822 with a numeric zone
/// (botocore's `Date`, `Mon, 07 Dec 2026 02:27:17 -0000`).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    parse_imf_fixdate(s).or_else(|| OffsetDateTime::parse(s, HTTP_DATE_OFFSET).ok().map(|t| t.unix_timestamp()))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix seconds; no other form.
pub fn parse_imf_fixdate(s: &str) -> Option<i64> {
    time::PrimitiveDateTime::parse(s.trim(), HTTP_DATE).ok().map(|t| t.assume_utc().unix_timestamp())
}

/// IMF-fixdate with a numeric zone instead of `GMT`.
const HTTP_DATE_OFFSET: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
);

/// The first and last instants with a four-digit year, which is all the format can say.
const FIRST: OffsetDateTime = datetime!(0000-01-01 00:00:00 UTC);
const LAST: OffsetDateTime = datetime!(9999-12-31 23:59:59 UTC);

/// Parses `YYYYMMDDTHHMMSSZ` into seconds since the Unix epoch.
///
/// Each field is checked on its own (month 01–12, day 01–31, hour 00–23, minute 00–59,
/// second 00–60), not against the others: a day past the month's end rolls into the next
/// month and second 60 into the next minute, as the signature's skew check only needs the
/// instant.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    // Every field is fixed-width, so this only refuses a signed year (`+2015…`).
    if s.len() != 16 {
        return None;
    }
    let mut p = Parsed::new();
    if !p.parse_items(s.as_bytes(), AMZ_DATE).ok()?.is_empty() {
        return None;
    }
    let first_of_month = Date::from_calendar_date(p.year()?, p.month()?, 1).ok()?;
    let since_first = Duration::days(i64::from(p.day()?.get()) - 1)
        + Duration::hours(p.hour_24()?.into())
        + Duration::minutes(p.minute()?.into())
        + Duration::seconds(p.second()?.into());
    Some(first_of_month.midnight().assume_utc().unix_timestamp() + since_first.whole_seconds())
}

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ`. Instants before the year 0 print as
/// `00000101T000000Z`, after the year 9999 as `99991231T235959Z`.
pub fn format_amz_date(secs: i64) -> String {
    let t = match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => t.clamp(FIRST, LAST),
        Err(_) if secs < 0 => FIRST,
        Err(_) => LAST,
    };
    t.format(AMZ_DATE).expect("a UTC date-time has every component the description names")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_in_both_forms() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 -0000"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 09:49:37 +0100"), Some(784_111_777));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn round_trips() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        for bad in ["2015-08-30T12:36:00Z", "20151330T123600Z", "20150830T123600", "2015083OT123600Z"] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_edges() {
        let cases = [
            (0, "19700101T000000Z"),
            (-1, "19691231T235959Z"),
            (951_782_400, "20000229T000000Z"),
            (4_107_456_000, "21000228T000000Z"),
            (4_107_542_400, "21000301T000000Z"),
            (1_709_164_800, "20240229T000000Z"),
            (1_709_251_199, "20240229T235959Z"),
            (1_709_251_200, "20240301T000000Z"),
            (1_704_067_199, "20231231T235959Z"),
            (1_704_067_200, "20240101T000000Z"),
            (-62_167_219_200, "00000101T000000Z"),
            (253_402_300_799, "99991231T235959Z"),
        ];
        for (secs, s) in cases {
            assert_eq!(format_amz_date(secs), s, "{secs}");
            assert_eq!(parse_amz_date(s), Some(secs), "{s}");
        }
    }

    #[test]
    fn formats_out_of_range_as_the_nearest_four_digit_year() {
        for secs in [253_402_300_800, i64::MAX] {
            assert_eq!(format_amz_date(secs), "99991231T235959Z");
        }
        for secs in [-62_167_219_201, i64::MIN] {
            assert_eq!(format_amz_date(secs), "00000101T000000Z");
        }
    }

    #[test]
    fn checks_each_field_alone() {
        // Past the month's end rolls over, as does a leap second.
        assert_eq!(parse_amz_date("20230229T000000Z"), parse_amz_date("20230301T000000Z"));
        assert_eq!(parse_amz_date("20240231T000000Z"), parse_amz_date("20240302T000000Z"));
        assert_eq!(parse_amz_date("20241231T235960Z"), parse_amz_date("20250101T000000Z"));
        assert_eq!(parse_amz_date("99991231T235960Z"), Some(253_402_300_800));
        for bad in [
            "",
            "20240100T000000Z",
            "20240132T000000Z",
            "20240001T000000Z",
            "20240101T240000Z",
            "20240101T006000Z",
            "20240101T000061Z",
            "20240101t000000Z",
            "20240101T000000z",
            "20240101 000000Z",
            "+2024010T000000Z",
            "+20240101T000000Z",
            "-20240101T000000Z",
            " 20240101T000000Z",
            "20240101T000000Z ",
            "2024 101T000000Z",
            "20240101T0000+0Z",
            "202401éT000000Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }
}
