//! How asynchronous invocations of a function are retried and where their outcomes go:
//! Lambda's event invoke config (`maximumRetryAttempts`, `maximumEventAge`, `destinations`)
//! and its dead-letter queue (`onError`, `DeadLetterConfig`).

use serde::{Deserialize, Serialize};

/// A function's asynchronous invocation settings; every field falls back to the server's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsyncInvokeConfig {
    /// Retries after a function error (0 to 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_retry_attempts: Option<u32>,
    /// Events older than this many seconds are not run (60 to 21600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_event_age_s: Option<u32>,
    /// Where a record of each successful invocation goes (a queue, topic or function ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// Where a record of each invocation given up on goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// Where the event of each invocation given up on goes (a queue or topic ARN): the
    /// older dead-letter queue, which carries the event itself rather than a record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
}

impl AsyncInvokeConfig {
    /// Lambda's most retries.
    pub const MAX_RETRY_ATTEMPTS: u32 = 2;
    /// Lambda's bounds on the event age, in seconds.
    pub const EVENT_AGE_RANGE_S: (u32, u32) = (60, 21_600);

    /// Whether nothing is set (so records stay as they were before this existed).
    pub fn is_default(&self) -> bool {
        *self == AsyncInvokeConfig::default()
    }

    /// Checks the bounds and the destinations' kinds; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(n) = self.maximum_retry_attempts.filter(|n| *n > Self::MAX_RETRY_ATTEMPTS) {
            return Err(format!("maximumRetryAttempts {n} is outside 0..={}", Self::MAX_RETRY_ATTEMPTS));
        }
        let (lo, hi) = Self::EVENT_AGE_RANGE_S;
        if let Some(s) = self.maximum_event_age_s.filter(|s| !(lo..=hi).contains(s)) {
            return Err(format!("maximumEventAge {s} is outside {lo}..={hi} seconds"));
        }
        for (what, arn) in [("onSuccess", &self.on_success), ("onFailure", &self.on_failure)] {
            if let Some(arn) = arn {
                check_destination(
                    what,
                    arn,
                    &["sqs", "sns", "lambda", "events"],
                    "a queue, topic, function or event bus",
                )?;
                if arn_service(arn) == Some("events") && !arn.contains(":event-bus/") {
                    return Err(format!("{what}: {arn} is not the ARN of an event bus"));
                }
            }
        }
        if let Some(arn) = &self.dead_letter {
            check_destination("the dead-letter queue", arn, &["sqs", "sns"], "a queue or topic")?;
        }
        Ok(())
    }
}

/// The service an ARN belongs to (`arn:aws:<service>:…`).
pub fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some(service)) if parts.count() >= 3 => Some(service),
        _ => None,
    }
}

fn check_destination(what: &str, arn: &str, allowed: &[&str], kinds: &str) -> Result<(), String> {
    match arn_service(arn) {
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(_) => Err(format!("{what}: {arn} is not the ARN of {kinds}")),
        None => Err(format!("{what}: {arn:?} is not an ARN")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_bounded_and_destinations_checked() {
        let ok = AsyncInvokeConfig {
            maximum_retry_attempts: Some(0),
            maximum_event_age_s: Some(60),
            on_success: Some("arn:aws:sqs:us-east-1:000000000000:done".into()),
            on_failure: Some("arn:aws:lambda:us-east-1:000000000000:function:f".into()),
            dead_letter: Some("arn:aws:sns:us-east-1:000000000000:dlq".into()),
        };
        ok.validate().unwrap();
        assert!(AsyncInvokeConfig { maximum_retry_attempts: Some(3), ..ok.clone() }.validate().is_err());
        assert!(AsyncInvokeConfig { maximum_event_age_s: Some(59), ..ok.clone() }.validate().is_err());
        let bus = Some("arn:aws:events:us-east-1:000000000000:event-bus/default".to_string());
        AsyncInvokeConfig { on_failure: bus.clone(), ..ok.clone() }.validate().unwrap();
        assert!(AsyncInvokeConfig { dead_letter: bus, ..ok.clone() }.validate().is_err());
        let rule = Some("arn:aws:events:us-east-1:000000000000:rule/r".to_string());
        assert!(AsyncInvokeConfig { on_success: rule, ..ok.clone() }.validate().unwrap_err().contains("event bus"));
        let function_dlq = Some("arn:aws:lambda:us-east-1:000000000000:function:f".to_string());
        assert!(AsyncInvokeConfig { dead_letter: function_dlq, ..ok.clone() }.validate().is_err());
        assert!(AsyncInvokeConfig { on_success: Some("queue".into()), ..ok }.validate().is_err());
        assert!(AsyncInvokeConfig::default().is_default());
    }
}
