//! `AWS::SQS::Queue` resources: the queue's name, attributes and tags for CreateQueue.

use crate::parse::Cx;
use serde_norway::Value;
use std::collections::BTreeMap;

/// A queue the service declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueResource {
    /// Its logical id (the key under `Resources`).
    pub logical_id: String,
    /// The queue's name: `QueueName`, or `<service>-<stage>-<logical id>`.
    pub name: String,
    /// Queue attributes as SQS names them (`VisibilityTimeout`, `RedrivePolicy` as JSON...).
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// Numeric properties passed on as attributes of the same name.
const NUMBERS: &[&str] = &[
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
];

impl Cx<'_> {
    pub(crate) fn queue_resource(&mut self, service: &str, id: &str, v: &Value) -> Option<QueueResource> {
        let base = ["resources", "Resources", id];
        let mut props = None;
        for (key, v) in self.entries(&base, v) {
            match key {
                "Type" => {}
                "Properties" => props = Some(v),
                "DeletionPolicy" | "UpdateReplacePolicy" => {
                    self.warn(&[&base[..], &[key]].concat(), "ignored: squall keeps queues when a service is removed")
                }
                other => self.error(&[&base[..], &[other]].concat(), "is not supported yet"),
            }
        }
        let path = [&base[..], &["Properties"]].concat();
        let mut q = QueueResource {
            logical_id: id.to_string(),
            name: format!("{service}-{id}"),
            attributes: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let errors_before = self.errors.len();
        let refs = std::mem::take(&mut self.refs);
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "QueueName" => q.name = self.resolved_text(&p, v).unwrap_or_default(),
                k if NUMBERS.contains(&k) => {
                    if let Some(n) = self.number(&p, v) {
                        q.attributes.insert(k.to_string(), n.to_string());
                    }
                }
                "RedrivePolicy" => {
                    let mut target = None;
                    let mut count = None;
                    for (k, val) in self.entries(&p, v) {
                        let kp = [&p[..], &[k]].concat();
                        match k {
                            "deadLetterTargetArn" => {
                                target = match self.reference(&kp, val, &refs) {
                                    Some(Some(arn)) => Some(arn),
                                    Some(None) => self.string(&kp, val),
                                    None => None,
                                }
                            }
                            "maxReceiveCount" => count = self.number(&kp, val),
                            other => self.error(&[&p[..], &[other]].concat(), "unknown property"),
                        }
                    }
                    match (target, count) {
                        (Some(t), Some(c)) => {
                            let policy = serde_json::json!({ "deadLetterTargetArn": t, "maxReceiveCount": c });
                            q.attributes.insert("RedrivePolicy".into(), policy.to_string());
                        }
                        _ => self.error(&p, "needs deadLetterTargetArn and maxReceiveCount"),
                    }
                }
                "Tags" => self.tag_list(&p, v, &mut q.tags),
                "KmsMasterKeyId" => self.error(&p, "encryption with a KMS key is not supported yet: Squall would keep the data unencrypted; remove the setting"),
                "KmsDataKeyReusePeriodSeconds" | "SqsManagedSseEnabled" => {
                    self.warn(&p, "has no effect under squall; ignored (messages are not encrypted at rest)")
                }
                "FifoQueue"
                | "ContentBasedDeduplication"
                | "DeduplicationScope"
                | "FifoThroughputLimit"
                | "RedriveAllowPolicy" => self.error(&p, "is not supported yet"),
                other => self.error(&p, format!("unknown property {other}")),
            }
        }
        self.refs = refs;
        (self.errors.len() == errors_before).then_some(q)
    }

    /// CloudFormation's `Tags: [{Key, Value}]`, added to `into`.
    pub(crate) fn tag_list(&mut self, path: &crate::parse::Path, v: &Value, into: &mut BTreeMap<String, String>) {
        let Value::Sequence(list) = v else {
            self.error(path, "must be a list of {Key, Value}");
            return;
        };
        for t in list {
            match (t.get("Key").and_then(Value::as_str), t.get("Value").and_then(Value::as_str)) {
                (Some(k), Some(val)) => {
                    into.insert(k.to_string(), val.to_string());
                }
                _ => self.error(path, "must be a list of {Key, Value}"),
            }
        }
    }
}
