//! Schedule expressions of rules, schedules and serverless.yml `schedule` events:
//! `rate(5 minutes)`, EventBridge's six-field
//! `cron(minutes hours day-of-month month day-of-week year)` and EventBridge Scheduler's
//! one-time `at(yyyy-mm-ddThh:mm:ss)`, in UTC or in an IANA time zone.
//!
//! Cron fields follow EventBridge: day-of-week 1–7 is SUN–SAT (or the names), `?` in
//! exactly one of the two day fields, `L`, `W` and `#`. The calendar arithmetic is the
//! `croner` crate's, in its Quartz weekday mode; time zones are `chrono-tz`'s database.
//!
//! Daylight-saving changes are handled as EventBridge Scheduler documents: a cron time the
//! clocks skip (spring forward) does not fire that day, a time they pass twice (fall back)
//! fires once, at its first passing; a rate is a fixed duration (`rate(1 day)` is 24 hours,
//! whatever the zone).

mod retry;

pub use retry::RetryPolicy;

use chrono::{LocalResult, NaiveDateTime, TimeZone, Utc};
pub use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed schedule expression.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// `rate(n unit)`: every `every_ms`, counted from the schedule's start.
    Rate {
        /// The period, in milliseconds.
        every_ms: u64,
    },
    /// `cron(...)`: the instants its fields name.
    Cron(Box<Cron>),
    /// `at(...)`: once, at this local time.
    At(NaiveDateTime),
}

/// The message EventBridge gives for any schedule expression it cannot read.
pub const INVALID: &str = "Parameter ScheduleExpression is not valid.";

/// An ISO 8601 instant with its offset (`2027-01-01T09:00:00Z`, `…+01:00`), as epoch
/// milliseconds, when it is one from 1970 on.
pub fn parse_instant(text: &str) -> Option<u64> {
    let t = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    u64::try_from(t.timestamp_millis()).ok()
}

/// The IANA time zone `name` (`America/New_York`, `UTC`), if there is one.
pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

impl Schedule {
    /// Parses `rate(...)` or `cron(...)` (what event rules and serverless.yml take); `Err`
    /// is the reason, for logs and tests (the API answers [`INVALID`], as EventBridge does).
    pub fn parse(expression: &str) -> Result<Schedule, String> {
        let expression = expression.trim();
        if let Some(body) = expression.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
            return rate(body).map(|every_ms| Schedule::Rate { every_ms });
        }
        if let Some(body) = expression.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
            return cron(body).map(|c| Schedule::Cron(Box::new(c)));
        }
        Err(format!("{expression:?} is neither rate(...) nor cron(...)"))
    }

    /// [`Schedule::parse`], and also `at(yyyy-mm-ddThh:mm:ss)` (EventBridge Scheduler's
    /// one-time schedules).
    pub fn parse_with_at(expression: &str) -> Result<Schedule, String> {
        let trimmed = expression.trim();
        let Some(body) = trimmed.strip_prefix("at(").and_then(|b| b.strip_suffix(')')) else {
            return Schedule::parse(expression);
        };
        NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S")
            .map(Schedule::At)
            .map_err(|e| format!("at({body}) is not at(yyyy-mm-ddThh:mm:ss): {e}"))
    }

    /// The first firing strictly after `after_ms`, in UTC ([`Schedule::next_after_in`]).
    pub fn next_after(&self, start_ms: u64, after_ms: u64) -> Option<u64> {
        self.next_after_in(Tz::UTC, start_ms, after_ms)
    }

    /// The first firing strictly after `after_ms` of a schedule that started at `start_ms`
    /// (rates count from there), its cron fields and `at` time read in `zone`; `None` when
    /// it names no later instant (a past year, a one-time schedule that fired).
    pub fn next_after_in(&self, zone: Tz, start_ms: u64, after_ms: u64) -> Option<u64> {
        match self {
            Schedule::Rate { every_ms } => {
                if after_ms < start_ms {
                    return Some(start_ms);
                }
                let periods = (after_ms - start_ms) / every_ms + 1;
                // None past the end of time, rather than wrapping around to the past.
                periods.checked_mul(*every_ms)?.checked_add(start_ms)
            }
            Schedule::Cron(c) => next_cron(c, zone, after_ms),
            Schedule::At(local) => first_passing(zone, local).filter(|at| *at > after_ms),
        }
    }
}

/// When the clocks of `zone` first show `local`; `None` for a time they skip.
fn first_passing(zone: Tz, local: &NaiveDateTime) -> Option<u64> {
    let instant = match zone.from_local_datetime(local) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(first, _) => first,
        LocalResult::None => return None,
    };
    u64::try_from(instant.timestamp_millis()).ok()
}

/// Local times the clocks of a zone skip in a row, at most (a day of them, minute by
/// minute, is far more than any zone's change).
const MAX_SKIPPED: usize = 1_500;

/// The cron's next local time after `after_ms` that the clocks of `zone` show, at its
/// first passing. The cron is evaluated on local wall time (read as if it were UTC), so
/// its fields mean what the zone's clocks say.
fn next_cron(c: &Cron, zone: Tz, after_ms: u64) -> Option<u64> {
    let after = zone.timestamp_millis_opt(i64::try_from(after_ms).ok()?).single()?;
    let mut local = after.naive_local();
    for _ in 0..MAX_SKIPPED {
        let next = c.find_next_occurrence(&Utc.from_utc_datetime(&local), false).ok()?.naive_utc();
        match first_passing(zone, &next) {
            Some(at) if at > after_ms => return Some(at),
            // Skipped by the clocks, or already passed once (the hour fall-back repeats).
            _ => local = next,
        }
    }
    None
}

/// The longest rate taken: a hundred years.
const MAX_RATE_MS: u64 = 100 * 366 * 86_400_000;

/// `n unit`: n a positive whole number, the unit singular for 1 and plural otherwise.
fn rate(body: &str) -> Result<u64, String> {
    let mut parts = body.split(' ');
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("rate({body}) is not rate(value unit)"));
    };
    let n: u64 = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("{n:?} is not a positive whole number"))?;
    let (unit_ms, singular) = match unit {
        "minute" => (60_000, true),
        "minutes" => (60_000, false),
        "hour" => (3_600_000, true),
        "hours" => (3_600_000, false),
        "day" => (86_400_000, true),
        "days" => (86_400_000, false),
        _ => return Err(format!("{unit:?} is not minute(s), hour(s) or day(s)")),
    };
    if singular != (n == 1) {
        return Err(format!("rate({body}): the unit is singular for 1 and plural otherwise"));
    }
    // Past a hundred years a rate would never fire anyway; refusing it keeps the arithmetic
    // of its firings far from overflowing.
    n.checked_mul(unit_ms)
        .filter(|ms| *ms <= MAX_RATE_MS)
        .ok_or_else(|| format!("rate({body}) is longer than a hundred years"))
}

/// Six fields; exactly one of day-of-month and day-of-week is `?`.
fn cron(body: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    if fields.len() != 6 {
        return Err(format!("cron({body}) has {} fields, not 6", fields.len()));
    }
    if (fields[2] == "?") == (fields[4] == "?") {
        return Err(format!("cron({body}): exactly one of day-of-month and day-of-week must be ?"));
    }
    if fields[..2].iter().chain(&fields[3..4]).chain(&fields[5..]).any(|f| f.contains('?')) {
        return Err(format!("cron({body}): ? is only for a day field"));
    }
    // Quartz's `0/10` (from 0, every 10) is EventBridge's usual way to write a step. croner
    // takes a year only after a seconds field: at second 0.
    let parser = CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build();
    parser.parse(&format!("0 {}", fields.join(" "))).map_err(|e| format!("cron({body}): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> u64 {
        chrono::DateTime::parse_from_rfc3339(s).expect("a date").timestamp_millis() as u64
    }

    fn utc(ms: u64) -> String {
        Utc.timestamp_millis_opt(ms as i64).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn next(expr: &str, after: &str) -> String {
        let s = Schedule::parse(expr).expect(expr);
        utc(s.next_after(0, at(after)).expect("a next firing"))
    }

    /// The firings of `expr` in `zone` after `after`, `n` of them, in UTC.
    fn firings(expr: &str, zone: &str, after: &str, n: usize) -> Vec<String> {
        let s = Schedule::parse_with_at(expr).expect(expr);
        let zone = time_zone(zone).expect(zone);
        let mut t = at(after);
        let mut out = Vec::new();
        while out.len() < n {
            let Some(next) = s.next_after_in(zone, 0, t) else { break };
            out.push(utc(next));
            t = next;
        }
        out
    }

    #[test]
    fn cron_in_a_time_zone_follows_its_clocks() {
        // 09:00 in New York: 14:00 UTC in winter, 13:00 UTC in summer.
        assert_eq!(
            firings("cron(0 9 * * ? *)", "America/New_York", "2027-03-12T00:00:00Z", 3),
            ["2027-03-12T14:00:00Z", "2027-03-13T14:00:00Z", "2027-03-14T13:00:00Z"]
        );
        // Clocks go forward at 02:00 on 2027-03-14: 02:30 does not exist that day.
        assert_eq!(
            firings("cron(30 2 * * ? *)", "America/New_York", "2027-03-13T00:00:00Z", 3),
            ["2027-03-13T07:30:00Z", "2027-03-15T06:30:00Z", "2027-03-16T06:30:00Z"]
        );
        // Clocks go back at 02:00 on 2027-11-07: 01:30 happens twice and fires once.
        assert_eq!(
            firings("cron(30 1 * * ? *)", "America/New_York", "2027-11-06T00:00:00Z", 3),
            ["2027-11-06T05:30:00Z", "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z"]
        );
        // Every 30 minutes through the repeated hour: its second passing is not fired again.
        assert_eq!(
            firings("cron(0/30 * * * ? *)", "America/New_York", "2027-11-07T05:00:00Z", 4),
            ["2027-11-07T05:30:00Z", "2027-11-07T07:00:00Z", "2027-11-07T07:30:00Z", "2027-11-07T08:00:00Z"]
        );
        // Southern hemisphere, and a zone off the hour.
        assert_eq!(
            firings("cron(0 12 1 1 ? *)", "Australia/Sydney", "2027-01-01T00:00:00Z", 1),
            ["2027-01-01T01:00:00Z"]
        );
        assert_eq!(firings("cron(0 0 * * ? *)", "Asia/Kolkata", "2027-06-01T00:00:00Z", 1), ["2027-06-01T18:30:00Z"]);
        assert!(time_zone("Mars/Olympus_Mons").is_none());
    }

    #[test]
    fn one_time_schedules_fire_once_at_local_time() {
        assert_eq!(firings("at(2027-01-01T09:00:00)", "UTC", "2026-12-06T00:00:00Z", 5), ["2027-01-01T09:00:00Z"]);
        assert_eq!(
            firings("at(2027-07-01T09:00:00)", "Europe/Paris", "2026-12-06T00:00:00Z", 5),
            ["2027-07-01T07:00:00Z"]
        );
        assert!(firings("at(2020-01-01T00:00:00)", "UTC", "2026-12-06T00:00:00Z", 1).is_empty());
        // A local time the clocks skip never comes.
        assert!(firings("at(2027-03-14T02:30:00)", "America/New_York", "2027-01-01T00:00:00Z", 1).is_empty());
        for bad in ["at(2027-01-01)", "at(2027-01-01 09:00:00)", "at(2027-13-01T00:00:00)", "at(2027-01-01T09:00:00Z)"]
        {
            assert!(Schedule::parse_with_at(bad).is_err(), "{bad}");
        }
        // Event rules do not take at().
        assert!(Schedule::parse("at(2027-01-01T09:00:00)").is_err());
    }

    #[test]
    fn rates_are_fixed_durations_whatever_the_zone() {
        let s = Schedule::parse("rate(1 day)").unwrap();
        let ny = time_zone("America/New_York").unwrap();
        let start = at("2027-03-13T12:00:00Z");
        assert_eq!(s.next_after_in(ny, start, start), Some(at("2027-03-14T12:00:00Z")));
        // Before its start, a rate's first firing is the start.
        assert_eq!(s.next_after_in(ny, start, start - 5), Some(start));
    }

    #[test]
    fn rates_count_from_the_start_and_need_the_right_unit() {
        let s = Schedule::parse("rate(5 minutes)").unwrap();
        assert_eq!(s.next_after(1_000, 1_000), Some(301_000));
        assert_eq!(s.next_after(1_000, 301_000), Some(601_000));
        assert_eq!(s.next_after(1_000, 300_999), Some(301_000));
        for ok in ["rate(1 minute)", "rate(1 hour)", "rate(2 days)", "rate(1 day)"] {
            assert!(Schedule::parse(ok).is_ok(), "{ok}");
        }
        assert!(Schedule::parse("rate(36000 days)").is_ok());
        for bad in [
            "rate(0 minutes)",
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(5 weeks)",
            "rate(-1 hours)",
            "rate(5)",
            "rate(213503982334 days)",
            "rate(40000 days)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_fields_are_eventbridges() {
        // Every day at noon UTC.
        assert_eq!(next("cron(0 12 * * ? *)", "2026-12-06T14:00:00Z"), "2026-12-07T12:00:00Z");
        // 10:15 on the last day of every month, over a leap February.
        assert_eq!(next("cron(15 10 L * ? *)", "2028-02-01T00:00:00Z"), "2028-02-29T10:15:00Z");
        assert_eq!(next("cron(15 10 L * ? *)", "2027-02-01T00:00:00Z"), "2027-02-28T10:15:00Z");
        // Day-of-week 2 is Monday (1-7 = SUN-SAT); 2026-12-07 is a Monday.
        assert_eq!(next("cron(0 8 ? * 2 *)", "2026-12-06T00:00:00Z"), "2026-12-07T08:00:00Z");
        assert_eq!(next("cron(0 8 ? * MON-FRI *)", "2026-12-05T09:00:00Z"), "2026-12-07T08:00:00Z");
        // The first Monday of the month (2#1), the last Friday (6L).
        assert_eq!(next("cron(0 9 ? * 2#1 *)", "2026-12-08T00:00:00Z"), "2027-01-04T09:00:00Z");
        assert_eq!(next("cron(0 18 ? * 6L *)", "2026-12-01T00:00:00Z"), "2026-12-25T18:00:00Z");
        // The weekday nearest the 1st: 2027-05-01 is a Saturday, so Monday the 3rd.
        assert_eq!(next("cron(0 0 1W * ? *)", "2027-04-30T00:00:00Z"), "2027-05-03T00:00:00Z");
        // Every 10 minutes, and years.
        assert_eq!(next("cron(0/10 * * * ? *)", "2026-12-06T14:03:00Z"), "2026-12-06T14:10:00Z");
        assert_eq!(next("cron(0 0 1 1 ? 2030)", "2026-12-06T00:00:00Z"), "2030-01-01T00:00:00Z");
        assert_eq!(Schedule::parse("cron(0 0 1 1 ? 2020)").unwrap().next_after(0, at("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn cron_refusals() {
        for bad in [
            "cron(0 12 * * * *)",
            "cron(0 12 ? * ? *)",
            "cron(0 12 * * ?)",
            "cron(0 12 * * ? * *)",
            "cron(61 12 * * ? *)",
            "cron(? 12 * * ? *)",
            "cron(0 25 * * ? *)",
            "cron(0 12 * 13 ? *)",
            "every day",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}
