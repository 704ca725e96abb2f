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
    /// Its id (Lambda's `UUID`): random for one made through the API, derived from the
    /// function and the source for one a deployment declares (so redeploys keep it).
    #[serde(default)]
    pub uuid: String,
    /// The version or alias it invokes (`FunctionName` `name:qualifier`); `None`: `$LATEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// `FilterCriteria`: event patterns (EventBridge's language) a record must match one of
    /// to be delivered; records matching none are dropped (a queue's are deleted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    /// `ScalingConfig.MaximumConcurrency` (queues, 2 to 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_concurrency: Option<u32>,
    /// `BisectBatchOnFunctionError` (streams): a failing batch is split in two and each half
    /// tried on its own, without counting against the retries.
    #[serde(default)]
    pub bisect_on_error: bool,
    /// `DestinationConfig.OnFailure` (streams): where a record of a batch given up on goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// `TumblingWindowInSeconds` (streams, 1 to 900): batches are grouped in windows of
    /// this length by their records' times, and the function's returned `state` is handed
    /// to its next invocation in the window, then to a final one when the window ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tumbling_window_s: Option<u32>,
    /// Made through Lambda's API (a deploy keeps it; it does not declare it).
    #[serde(default)]
    pub from_api: bool,
    /// When it last changed, epoch milliseconds.
    #[serde(default)]
    pub last_modified_ms: u64,
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
    /// Lambda's bound on `TumblingWindowInSeconds`.
    pub const MAX_TUMBLING_WINDOW_S: u32 = 900;

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
            uuid: String::new(),
            qualifier: None,
            filters: Vec::new(),
            maximum_concurrency: None,
            bisect_on_error: false,
            on_failure: None,
            tumbling_window_s: None,
            from_api: false,
            last_modified_ms: 0,
        }
    }

    /// The id a deployment's mapping of `function` gets: the same for the same function,
    /// source and position among its mappings of that source, UUID-shaped.
    pub fn declared_uuid(function: &str, source: &EventSource, nth: usize) -> String {
        let key = match source {
            EventSource::DynamoDbStream { table } => format!("{function}|dynamodb|{table}|{nth}"),
            EventSource::Sqs { queue } => format!("{function}|sqs|{queue}|{nth}"),
        };
        // FNV-1a, twice with different bases: stable across builds, unlike std's hasher.
        let fnv = |basis: u64| key.bytes().fold(basis, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let x = format!("{:016x}{:016x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
        format!("{}-{}-4{}-8{}-{}", &x[0..8], &x[8..12], &x[13..16], &x[17..20], &x[20..32])
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
        if self.maximum_concurrency.is_some_and(|n| !(2..=1000).contains(&n)) {
            return Err("maximumConcurrency is outside 2..=1000".into());
        }
        if self.filters.len() > 5 {
            return Err(format!("at most 5 filter patterns; these are {}", self.filters.len()));
        }
        let queue = matches!(self.source, EventSource::Sqs { .. });
        if queue && (self.bisect_on_error || self.on_failure.is_some()) {
            return Err("bisectBatchOnFunctionError and an on-failure destination are for streams; a queue's failed messages go to its own dead-letter queue".into());
        }
        if queue && self.tumbling_window_s.is_some() {
            return Err("tumbling windows are for streams (Kinesis and DynamoDB), not queues".into());
        }
        if self.tumbling_window_s.is_some_and(|w| !(1..=Self::MAX_TUMBLING_WINDOW_S).contains(&w)) {
            return Err(format!("tumblingWindowInSeconds is outside 0..={}", Self::MAX_TUMBLING_WINDOW_S));
        }
        if queue && (self.maximum_retry_attempts.is_some() || self.maximum_record_age_s.is_some()) {
            return Err("maximumRetryAttempts and maximumRecordAgeInSeconds are for streams; a queue's redrive policy decides how often a message is tried".into());
        }
        if let Some(d) = &self.on_failure
            && !(d.starts_with("arn:aws:sqs:") || d.starts_with("arn:aws:sns:"))
        {
            return Err(format!("the on-failure destination {d} must be a queue's or a topic's ARN"));
        }
        if !queue && self.maximum_concurrency.is_some() {
            return Err("maximumConcurrency is for queues".into());
        }
        Ok(())
    }
}
