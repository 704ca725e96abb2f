//! Time formatting shared by every crate (milliseconds since the Unix epoch). Reading the
//! time is `squall_clock`'s: services read the platform clock, never the wall directly.

/// Formats epoch milliseconds as `2024-01-31T12:34:56.789+0000`, the shape Lambda uses
/// for `LastModified`.
pub fn format_iso8601_millis(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+0000", rem / 3600, (rem % 3600) / 60, rem % 60, ms % 1000)
}

/// Formats epoch milliseconds as `2024-01-31T12:34:56.789Z`, the shape SNS and most AWS
/// documents use.
pub fn format_iso8601_millis_z(ms: u64) -> String {
    let lambda_style = format_iso8601_millis(ms);
    format!("{}Z", lambda_style.trim_end_matches("+0000"))
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); Howard Hinnant's algorithm.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A proleptic Gregorian (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in [-1_000_000, -1, 0, 59, 60, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_iso8601_millis(0), "1970-01-01T00:00:00.000+0000");
        assert_eq!(format_iso8601_millis(1_709_210_096_789), "2024-02-29T12:34:56.789+0000");
    }
}
