//! When a delivery that failed for a passing reason is tried again, by a target's
//! `RetryPolicy` (EventBridge's and EventBridge Scheduler's: at most
//! `MaximumRetryAttempts` retries, none past `MaximumEventAgeInSeconds`), with doubling waits.

use serde::{Deserialize, Serialize};

/// `RetryPolicy`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `MaximumRetryAttempts` (0–185; 185 by default).
    pub max_attempts: u32,
    /// `MaximumEventAgeInSeconds` (60–86,400; a day by default).
    pub max_age_s: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy { max_attempts: 185, max_age_s: 86_400 }
    }
}

/// The first retry's wait; each next one waits twice as long, up to [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u64 = 1_000;
const MAX_BACKOFF_MS: u64 = 300_000;

impl RetryPolicy {
    /// When retry number `retry` (from 1) of something first tried at `first_ms` is due,
    /// deciding at `now`; `Err` names the limit it passes (`MaximumRetryAttempts`,
    /// `MaximumEventAgeInSeconds`), as a dead letter's `EXHAUSTED_RETRY_CONDITION` says.
    pub fn retry_at(self, retry: u32, first_ms: u64, now: u64) -> Result<u64, &'static str> {
        if retry > self.max_attempts {
            return Err("MaximumRetryAttempts");
        }
        let wait = FIRST_BACKOFF_MS.saturating_mul(1 << retry.saturating_sub(1).min(20)).min(MAX_BACKOFF_MS);
        let at = now.saturating_add(wait);
        if at.saturating_sub(first_ms) > u64::from(self.max_age_s) * 1000 {
            return Err("MaximumEventAgeInSeconds");
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_the_limits() {
        let p = RetryPolicy { max_attempts: 3, max_age_s: 60 };
        assert_eq!(p.retry_at(1, 0, 0), Ok(1_000));
        assert_eq!(p.retry_at(2, 0, 1_000), Ok(3_000));
        assert_eq!(p.retry_at(3, 0, 3_000), Ok(7_000));
        assert_eq!(p.retry_at(4, 0, 7_000), Err("MaximumRetryAttempts"));
        assert_eq!(p.retry_at(1, 0, 59_500), Err("MaximumEventAgeInSeconds"));
        assert_eq!(RetryPolicy::default().retry_at(185, 0, 0), Ok(300_000));
    }
}
