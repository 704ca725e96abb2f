//! Event sources of functions other than HTTP routes: `stream` events (a table's stream),
//! `sqs` events (a queue), and `sns` events (a topic's subscription: SNS pushes, so no
//! mapping).

use crate::SubscriptionResource;
use crate::parse::{Cx, Path, dotted};
use serde_norway::Value;
use squall_types::{EventSource, EventSourceMapping, StartingPosition};
use std::collections::BTreeMap;

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
                "filterPatterns" => m.filters = self.filter_patterns(&p, val),
                "bisectBatchOnFunctionError" => m.bisect_on_error = self.flag(&p, val).unwrap_or(false),
                "destinations" => m.on_failure = self.stream_on_failure(&p, val, refs),
                "tumblingWindowInSeconds" => m.tumbling_window_s = self.number(&p, val).filter(|w| *w > 0),
                other => self.error(&p, format!("stream setting {other} is not supported yet")),
            }
        }
        let source = table.map(|table| EventSource::DynamoDbStream { table });
        self.finish_mapping(path, errors_before, source, m)
    }

    /// `filterPatterns`: a list of event patterns (YAML objects), each checked as
    /// EventBridge checks one, kept as JSON.
    fn filter_patterns(&mut self, path: &Path, v: &Value) -> Vec<String> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of filter patterns");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let index = i.to_string();
            let at = [path, &[index.as_str()]].concat();
            let Some(json) = self.json_object(&at, item) else { continue };
            match squall_patterns::Pattern::parse(&json) {
                Ok(_) => out.push(json),
                Err(e) => self.error(&at, format!("is not a valid filter pattern: {e}")),
            }
        }
        out
    }

    /// A stream event's `destinations.onFailure`: an ARN, or `{arn, type}` (a queue or a
    /// topic, as the framework takes them).
    fn stream_on_failure(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> Option<String> {
        let mut out = None;
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "onFailure" => {
                    let arn = match val {
                        Value::Mapping(m) => match m.get("arn") {
                            Some(a) => self.string_or_reference(&[p.as_slice(), &["arn"]].concat(), a, refs),
                            None => {
                                self.error(&p, "needs arn");
                                None
                            }
                        },
                        other => self.string_or_reference(&p, other, refs),
                    };
                    let ok =
                        arn.as_deref().is_some_and(|a| a.starts_with("arn:aws:sqs:") || a.starts_with("arn:aws:sns:"));
                    if arn.is_some() && !ok {
                        self.error(&p, "must be a queue's or a topic's ARN");
                    }
                    out = arn.filter(|_| ok);
                }
                other => self.error(&p, format!("{other}: a stream's destinations take onFailure only")),
            }
        }
        out
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
                "filterPatterns" => m.filters = self.filter_patterns(&p, val),
                "maximumConcurrency" => m.maximum_concurrency = self.number(&p, val),
                other => self.error(&p, format!("sqs setting {other} is not supported yet")),
            }
        }
        let source = queue.map(|queue| EventSource::Sqs { queue });
        self.finish_mapping(path, errors_before, source, m)
    }

    /// An `sns` event of the function whose ARN is `function_arn`: `sns: <topic name>`
    /// (the topic is created on deploy), `sns: <topic ARN>`, or `sns: {arn | topicName,
    /// displayName, filterPolicy, filterPolicyScope, redrivePolicy}`. Adds the
    /// subscription (and the topic a `topicName` implies) to `self`.
    pub(crate) fn sns_event(&mut self, path: &Path, v: &Value, function_arn: &str) {
        let refs = std::mem::take(&mut self.refs);
        self.sns_event_with(path, v, function_arn, &refs);
        self.refs = refs;
    }

    fn sns_event_with(&mut self, path: &Path, v: &Value, function_arn: &str, refs: &crate::resources::Refs) {
        let errors_before = self.errors.len();
        // (where it was given, the value)
        let mut arn: Option<(Vec<&str>, String)> = None;
        let mut name: Option<(Vec<&str>, String)> = None;
        let mut display: Option<(Vec<&str>, String)> = None;
        let mut attributes = BTreeMap::new();
        match (self.reference(path, v, refs), v) {
            (None, _) => return,
            (Some(Some(resolved)), _) => arn = Some((path.to_vec(), resolved)),
            (Some(None), Value::Mapping(_)) => {
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    match k {
                        "arn" => arn = self.string_or_reference(&p, val, refs).map(|a| (p, a)),
                        "topicName" => name = self.string(&p, val).map(|n| (p, n)),
                        "displayName" => display = self.string(&p, val).map(|d| (p, d)),
                        "filterPolicy" => {
                            if let Some(json) = self.json_object(&p, val) {
                                attributes.insert("FilterPolicy".to_string(), json);
                            }
                        }
                        "filterPolicyScope" => {
                            if let Some(s) = self.filter_policy_scope(&p, val) {
                                attributes.insert("FilterPolicyScope".to_string(), s);
                            }
                        }
                        "redrivePolicy" => {
                            if let Some(target) = self.sns_redrive_policy(&p, val, refs) {
                                attributes.insert("RedrivePolicy".to_string(), crate::topics::redrive_policy(&target));
                            }
                        }
                        "kmsMasterKeyId" => self.error(&p, "encryption with a KMS key is not supported yet: Squall would keep the data unencrypted; remove the setting"),
                        other => self.error(&p, format!("sns setting {other} is not supported yet")),
                    }
                }
            }
            (Some(None), _) => {
                let Some(s) = self.string(path, v) else { return };
                if s.starts_with("arn:") {
                    arn = Some((path.to_vec(), s));
                } else {
                    name = Some((path.to_vec(), s));
                }
            }
        }
        if self.errors.len() != errors_before {
            return;
        }
        let topic_arn = match (arn, name) {
            (Some((p, arn)), name) => {
                let Some(topic) = crate::topics::topic_of_arn(&arn) else {
                    self.error(&p, format!("{arn} is not an SNS topic ARN"));
                    return;
                };
                if let Some((np, n)) = name
                    && n != topic
                {
                    self.error(&np, format!("{n} is not the name of the topic arn names ({topic})"));
                    return;
                }
                if let Some((dp, _)) = display {
                    self.warn(&dp, "has no effect with an arn (the event does not create the topic); ignored");
                }
                arn
            }
            (None, Some((p, n))) => {
                if let Err(e) = crate::topics::check_topic_name(&n) {
                    self.error(&p, e);
                    return;
                }
                self.imply_topic(&n, display);
                crate::topics::topic_arn(&self.region, &n)
            }
            (None, None) => {
                self.error(path, "needs an arn or a topicName");
                return;
            }
        };
        let s = SubscriptionResource {
            origin: dotted(path),
            topic_arn,
            protocol: "lambda".into(),
            endpoint: function_arn.to_string(),
            attributes,
        };
        self.add_subscription(path, s);
    }

    /// An `sns` event's `redrivePolicy`: the dead-letter queue's ARN, from
    /// `deadLetterTargetArn` (an ARN or a reference) or `deadLetterTargetRef` (the logical
    /// id of a queue of this service).
    fn sns_redrive_policy(&mut self, path: &Path, v: &Value, refs: &crate::resources::Refs) -> Option<String> {
        let errors_before = self.errors.len();
        let mut targets = Vec::new();
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "deadLetterTargetArn" => targets.extend(self.dead_letter_arn(&p, val, refs)),
                "deadLetterTargetRef" => {
                    let Some(id) = self.string(&p, val) else { continue };
                    match refs.get(&id) {
                        Some(t) if t.kind == "AWS::SQS::Queue" => targets.push(t.attributes["Arn"].clone()),
                        _ => self.error(&p, format!("{id} is not an AWS::SQS::Queue of this service")),
                    }
                }
                "deadLetterTargetImport" => self.error(&p, "is not supported yet (squall has no stack exports)"),
                other => self.error(&p, format!("redrivePolicy setting {other} is not supported yet")),
            }
        }
        if self.errors.len() != errors_before {
            return None;
        }
        match targets.len() {
            1 => targets.pop(),
            0 => {
                self.error(path, "needs deadLetterTargetArn or deadLetterTargetRef");
                None
            }
            _ => {
                self.error(path, "takes one of deadLetterTargetArn and deadLetterTargetRef");
                None
            }
        }
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
