//! Schedule expressions of rules and serverless.yml `schedule` events: `rate(5 minutes)` and EventBridge's six-field
//! `cron(minutes hours day-of-month month day-of-week year)`, in UTC.
//!
//! Cron fields follow EventBridge: day-of-week 1–7 is SUN–SAT (or the names), `?` in
//! exactly one of the two day fields, `L`, `W` and `#`. The calendar arithmetic is the
//! `croner` crate's, in its Quartz weekday mode.

use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed schedule expression.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// `rate(n unit)`: every `every_ms`, counted from the rule's creation.
    Rate {
        /// The period, in milliseconds.
        every_ms: u64,
    },
    /// `cron(...)`: the instants its fields name.
    Cron(Box<Cron>),
}

/// The message EventBridge gives for any schedule expression it cannot read.
pub const INVALID: &str = "Parameter ScheduleExpression is not valid.";

impl Schedule {
    /// Parses `rate(...)` or `cron(...)`; `Err` is the reason, for logs and tests (the
    /// API answers [`INVALID`], as EventBridge does).
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

    /// The first firing strictly after `after_ms`, for a schedule that started at
    /// `start_ms` (rates count from there); `None` when a cron expression names no later
    /// instant (its years are past).
    pub fn next_after(&self, start_ms: u64, after_ms: u64) -> Option<u64> {
        match self {
            Schedule::Rate { every_ms } => {
                let periods = after_ms.saturating_sub(start_ms) / every_ms + 1;
                Some(start_ms + periods * every_ms)
            }
            Schedule::Cron(c) => {
                let after: DateTime<Utc> = Utc.timestamp_millis_opt(after_ms as i64).single()?;
                let next = c.find_next_occurrence(&after, false).ok()?;
                u64::try_from(next.timestamp_millis()).ok()
            }
        }
    }
}

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
    n.checked_mul(unit_ms).ok_or_else(|| format!("rate({body}) is too long"))
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
        DateTime::parse_from_rfc3339(s).expect("a date").timestamp_millis() as u64
    }

    fn next(expr: &str, after: &str) -> String {
        let s = Schedule::parse(expr).expect(expr);
        let ms = s.next_after(0, at(after)).expect("a next firing");
        Utc.timestamp_millis_opt(ms as i64).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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
        for bad in
            ["rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 weeks)", "rate(-1 hours)", "rate(5)"]
        {
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
