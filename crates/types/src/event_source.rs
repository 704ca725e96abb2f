//! Event source mappings: a function invoked with batches of records read from a source
//! (serverless.yml `stream` and `sqs` events; Lambda's CreateEventSourceMapping).

use serde::{Deserialize, Serialize};

/// Where the records come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EventSource {
    /// The stream of a table (its current one, across disable and re-enable).
    DynamoDbStream {
        /// The table's name.
        table: String,
    },
    /// A queue: messages are received, and deleted once the function has handled them.
    Sqs {
        /// The queue's name.
        queue: String,
    },
}

/// Where a new mapping starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StartingPosition {
    /// The oldest record kept.
    TrimHorizon,
    /// Only records written after the mapping starts.
    Latest,
}

/// A function's event source mapping and its batching and retry settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventSourceMapping {
    /// The source.
    pub source: EventSource,
    /// Most records per invocation (`batchSize`: 1 to 10000, default 100).
    pub batch_size: u32,
    /// How long to gather records before invoking with fewer than `batch_size`
    /// (`maximumBatchingWindow`, seconds, 0 to 300).
    pub batching_window_s: u32,
    /// Where a new mapping starts.
    pub starting_position: StartingPosition,
    /// Retries of a failing batch before it is skipped (`maximumRetryAttempts`); `None`
    /// retries until the records expire, as Lambda's default (-1) does.
    pub maximum_retry_attempts: Option<u32>,
    /// Records older than this are skipped (`maximumRecordAgeInSeconds`); `None`: no limit.
    pub maximum_record_age_s: Option<u32>,
    /// `functionResponseType: ReportBatchItemFailures`: the function names the records that
    /// failed, and reading resumes at the first of them.
    pub report_batch_item_failures: bool,
    /// `enabled`.
    pub enabled: bool,
}

impl EventSourceMapping {
    /// Lambda's bounds on `batchSize` for streams.
    pub const BATCH_SIZE_RANGE: (u32, u32) = (1, 10_000);
    /// Lambda's bound on `maximumBatchingWindow`, seconds.
    pub const MAX_BATCHING_WINDOW_S: u32 = 300;
    /// Lambda's bounds on `maximumRetryAttempts` (besides -1).
    pub const MAX_RETRY_ATTEMPTS: u32 = 10_000;
    /// Lambda's bounds on `maximumRecordAgeInSeconds` (besides -1).
    pub const RECORD_AGE_RANGE_S: (u32, u32) = (60, 604_800);

    /// A mapping of `source` with Lambda's defaults (batches of 100 stream records, or of
    /// 10 messages).
    pub fn new(source: EventSource) -> EventSourceMapping {
        let batch_size = match source {
            EventSource::DynamoDbStream { .. } => 100,
            EventSource::Sqs { .. } => 10,
        };
        EventSourceMapping {
            source,
            batch_size,
            batching_window_s: 0,
            starting_position: StartingPosition::TrimHorizon,
            maximum_retry_attempts: None,
            maximum_record_age_s: None,
            report_batch_item_failures: false,
            enabled: true,
        }
    }

    /// Checks the numeric limits; the message names the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::BATCH_SIZE_RANGE;
        if !(lo..=hi).contains(&self.batch_size) {
            return Err(format!("batchSize {} is outside {lo}..={hi}", self.batch_size));
        }
        if matches!(self.source, EventSource::Sqs { .. }) && self.batch_size > 10 && self.batching_window_s == 0 {
            return Err(format!(
                "batchSize {} needs a maximumBatchingWindow of at least 1 second for a queue (over 10)",
                self.batch_size
            ));
        }
        if self.batching_window_s > Self::MAX_BATCHING_WINDOW_S {
            return Err(format!(
                "maximumBatchingWindow {} is above {} seconds",
                self.batching_window_s,
                Self::MAX_BATCHING_WINDOW_S
            ));
        }
        if self.maximum_retry_attempts.is_some_and(|n| n > Self::MAX_RETRY_ATTEMPTS) {
            return Err(format!("maximumRetryAttempts is above {}", Self::MAX_RETRY_ATTEMPTS));
        }
        let (lo, hi) = Self::RECORD_AGE_RANGE_S;
        if self.maximum_record_age_s.is_some_and(|n| !(lo..=hi).contains(&n)) {
            return Err(format!("maximumRecordAgeInSeconds is outside {lo}..={hi} (or -1)"));
        }
        Ok(())
    }
}
