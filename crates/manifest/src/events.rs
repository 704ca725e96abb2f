//! Event sources of functions other than HTTP routes: `stream` events (a table's stream)
//! and `sqs` events (a queue).

use crate::parse::{Cx, Path};
use serde_norway::Value;
use squall_types::{EventSource, EventSourceMapping, StartingPosition};

impl Cx<'_> {
    /// A `stream` event: `stream: <arn>` or `stream: {arn, batchSize, ...}`.
    pub(crate) fn stream_event(&mut self, path: &Path, v: &Value) -> Option<EventSourceMapping> {
        let refs = std::mem::take(&mut self.refs);
        let out = self.stream_event_with(path, v, &refs);
        self.refs = refs;
        out
    }

    fn stream_event_with(
        &mut self,
        path: &Path,
        v: &Value,
        refs: &crate::resources::Refs,
    ) -> Option<EventSourceMapping> {
        let errors_before = self.errors.len();
        let Value::Mapping(_) = v else {
            let table = self.stream_table(path, v, refs)?;
            return Some(EventSourceMapping::new(EventSource::DynamoDbStream { table }));
        };
        let mut table = None;
        let mut m = EventSourceMapping::new(EventSource::DynamoDbStream { table: String::new() });
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "arn" => table = self.stream_table(&p, val, refs),
                "type" => match val.as_str() {
                    Some("dynamodb") => {}
                    Some("kinesis") => self.error(&p, "Kinesis streams are not supported yet"),
                    _ => self.error(&p, "must be dynamodb"),
                },
                "batchSize" => m.batch_size = self.number(&p, val).unwrap_or(m.batch_size),
                "maximumBatchingWindow" => m.batching_window_s = self.number(&p, val).unwrap_or(0),
                "startingPosition" => match val.as_str() {
                    Some("LATEST") => m.starting_position = StartingPosition::Latest,
                    Some("TRIM_HORIZON") => m.starting_position = StartingPosition::TrimHorizon,
                    Some("AT_TIMESTAMP") => self.error(&p, "AT_TIMESTAMP is not supported yet"),
                    _ => self.error(&p, "must be LATEST or TRIM_HORIZON"),
                },
                "maximumRetryAttempts" => m.maximum_retry_attempts = self.minus_one_or_number(&p, val)?,
                "maximumRecordAgeInSeconds" => m.maximum_record_age_s = self.minus_one_or_number(&p, val)?,
                "enabled" => match val.as_bool() {
                    Some(b) => m.enabled = b,
                    None => self.error(&p, "must be true or false"),
                },
                "functionResponseType" => match val.as_str() {
                    Some("ReportBatchItemFailures") => m.report_batch_item_failures = true,
                    _ => self.error(&p, "must be ReportBatchItemFailures"),
                },
                "parallelizationFactor" if val.as_u64() == Some(1) => {}
                "parallelizationFactor" => self.error(&p, "only 1 is supported (a stream has one shard)"),
                other => self.error(&p, format!("stream setting {other} is not supported yet")),
            }
        }
        let source = table.map(|table| EventSource::DynamoDbStream { table });
        self.finish_mapping(path, errors_before, source, m)
    }

    /// An `sqs` event: `sqs: <arn>` or `sqs: {arn, batchSize, ...}`.
    pub(crate) fn sqs_event(&mut self, path: &Path, v: &Value) -> Option<EventSourceMapping> {
        let refs = std::mem::take(&mut self.refs);
        let out = self.sqs_event_with(path, v, &refs);
        self.refs = refs;
        out
    }

    fn sqs_event_with(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> Option<EventSourceMapping> {
        let errors_before = self.errors.len();
        let Value::Mapping(_) = v else {
            let queue = self.queue_of_arn(path, v, refs)?;
            return Some(EventSourceMapping::new(EventSource::Sqs { queue }));
        };
        let mut queue = None;
        let mut m = EventSourceMapping::new(EventSource::Sqs { queue: String::new() });
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "arn" => queue = self.queue_of_arn(&p, val, refs),
                "batchSize" => m.batch_size = self.number(&p, val).unwrap_or(m.batch_size),
                "maximumBatchingWindow" => m.batching_window_s = self.number(&p, val).unwrap_or(0),
                "enabled" => match val.as_bool() {
                    Some(b) => m.enabled = b,
                    None => self.error(&p, "must be true or false"),
                },
                "functionResponseType" => match val.as_str() {
                    Some("ReportBatchItemFailures") => m.report_batch_item_failures = true,
                    _ => self.error(&p, "must be ReportBatchItemFailures"),
                },
                other => self.error(&p, format!("sqs setting {other} is not supported yet")),
            }
        }
        let source = queue.map(|queue| EventSource::Sqs { queue });
        self.finish_mapping(path, errors_before, source, m)
    }

    /// A mapping read from its settings: its source (an error when the `arn` was missing),
    /// its limits checked; `None` if anything since `errors_before` went wrong.
    fn finish_mapping(
        &mut self,
        path: &Path,
        errors_before: usize,
        source: Option<EventSource>,
        mut m: EventSourceMapping,
    ) -> Option<EventSourceMapping> {
        let Some(source) = source else {
            if self.errors.len() == errors_before {
                self.error(path, "needs an arn");
            }
            return None;
        };
        m.source = source;
        if let Err(e) = m.validate() {
            self.error(path, e);
        }
        (self.errors.len() == errors_before).then_some(m)
    }

    /// `-1` (no limit) or a whole number.
    fn minus_one_or_number(&mut self, path: &Path, v: &Value) -> Option<Option<u32>> {
        if v.as_i64() == Some(-1) {
            return Some(None);
        }
        Some(Some(self.number(path, v)?))
    }
}
