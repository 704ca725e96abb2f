//! SNS: `AWS::SNS::Topic` and `AWS::SNS::Subscription` resources, and what function `sns`
//! events ask for (`events.rs` reads them): the topics to create and the subscriptions
//! to make once the functions are deployed.

use crate::parse::{Cx, Path, dotted};
use crate::resources::Refs;
use serde_norway::Value;
use std::collections::BTreeMap;

/// A topic the service declares, or that an `sns` event's `topicName` implies: created on
/// deploy when missing, its attributes set when it exists (a topic is never replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicResource {
    /// Its logical id (the key under `Resources`); empty for a topic an `sns` event implies.
    pub logical_id: String,
    /// The topic's name: `TopicName`, `<service>-<stage>-<logical id>`, or the event's topic name.
    pub name: String,
    /// Topic attributes as SNS names them: `DisplayName`, `TracingConfig`,
    /// `SignatureVersion`, `DeliveryPolicy` (JSON text).
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A subscription the service asks for: made (or its attributes set) after the service's
/// functions are deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionResource {
    /// The dotted key path it comes from (`functions.f.events[0].sns`,
    /// `resources.Resources.Sub`), for messages.
    pub origin: String,
    /// The topic's ARN.
    pub topic_arn: String,
    /// `lambda`, `sqs` or `http`.
    pub protocol: String,
    /// The function ARN, queue ARN or URL deliveries go to.
    pub endpoint: String,
    /// Subscription attributes as SNS names them: `FilterPolicy` (JSON text),
    /// `FilterPolicyScope`, `RawMessageDelivery` (`true`/`false`), `RedrivePolicy` (JSON
    /// text `{"deadLetterTargetArn": "<queue ARN>"}`), `DeliveryPolicy` (JSON text).
    pub attributes: BTreeMap<String, String>,
}

/// A topic's ARN.
pub(crate) fn topic_arn(region: &str, name: &str) -> String {
    format!("arn:aws:sns:{region}:{}:{name}", squall_types::ACCOUNT_ID)
}

/// The topic name in a topic ARN (`arn:aws:sns:<region>:<account>:<name>`).
pub(crate) fn topic_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.strip_prefix("arn:aws:sns:")?.splitn(3, ':');
    let (_region, _account, name) = (parts.next()?, parts.next()?, parts.next()?);
    (!name.is_empty() && !name.contains(':')).then_some(name)
}

/// SNS's rule for topic names: 1 to 256 letters, digits, hyphens and underscores.
pub(crate) fn check_topic_name(name: &str) -> Result<(), String> {
    if name.ends_with(".fifo") {
        return Err("FIFO topics are not supported yet".into());
    }
    let ok = !name.is_empty()
        && name.len() <= 256
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("topic name {name:?} is invalid (1 to 256 letters, digits, hyphens and underscores)"))
    }
}

/// Topic properties that need what Squall does not have.
const UNSUPPORTED_TOPIC_PROPERTIES: &[&str] = &[
    "FifoTopic",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "DataProtectionPolicy",
    "DeliveryStatusLogging",
    "FifoThroughputScope",
];

impl Cx<'_> {
    /// An `AWS::SNS::Topic`, added to `self.topics`; its `Subscription` entries go to
    /// `self.subscriptions`.
    pub(crate) fn topic_resource(&mut self, service: &str, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall keeps topics when a service is removed");
        let path = [&base[..], &["Properties"]].concat();
        let mut t = TopicResource {
            logical_id: id.to_string(),
            name: format!("{service}-{id}"),
            attributes: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let errors_before = self.errors.len();
        let refs = std::mem::take(&mut self.refs);
        // (path, protocol, endpoint), made once the topic's name is known.
        let mut subscriptions: Vec<(Vec<String>, String, String)> = Vec::new();
        let entries = props.map(|p| self.entries(&path, p)).unwrap_or_default();
        for (key, v) in &entries {
            let (key, v) = (*key, *v);
            let p = [&path[..], &[key]].concat();
            match key {
                "TopicName" => {
                    if let Some(n) = self.resolved_text(&p, v) {
                        if let Err(e) = check_topic_name(&n) {
                            self.error(&p, e);
                        }
                        t.name = n;
                    }
                }
                "DisplayName" => {
                    if let Some(s) = self.string(&p, v) {
                        if s.chars().count() > 100 {
                            self.error(&p, "must be at most 100 characters");
                        }
                        t.attributes.insert(key.into(), s);
                    }
                }
                "TracingConfig" => match self.string(&p, v) {
                    Some(s) if s == "PassThrough" || s == "Active" => {
                        t.attributes.insert(key.into(), s);
                    }
                    Some(_) => self.error(&p, "must be PassThrough or Active"),
                    None => {}
                },
                "SignatureVersion" => match self.scalar(&p, v) {
                    Some(s) if s == "1" || s == "2" => {
                        t.attributes.insert(key.into(), s);
                    }
                    Some(_) => self.error(&p, "must be 1 or 2"),
                    None => {}
                },
                "DeliveryPolicy" => {
                    if let Some(json) = self.json_object(&p, v) {
                        t.attributes.insert(key.into(), json);
                    }
                }
                "Tags" => self.tag_list(&p, v, &mut t.tags),
                "Subscription" => {
                    let Value::Sequence(list) = v else {
                        self.error(&p, "must be a list of {Endpoint, Protocol}");
                        continue;
                    };
                    for (i, item) in list.iter().enumerate() {
                        let idx = i.to_string();
                        let ip: Vec<&str> = [&p[..], &[idx.as_str()]].concat();
                        let (mut protocol, mut endpoint) = (None, None);
                        let item_errors = self.errors.len();
                        for (k, val) in self.entries(&ip, item) {
                            let kp = [&ip[..], &[k]].concat();
                            match k {
                                "Protocol" => protocol = self.protocol(&kp, val),
                                "Endpoint" => endpoint = self.string_or_reference(&kp, val, &refs).map(|e| (kp, e)),
                                _ => self.error(&kp, "unknown property"),
                            }
                        }
                        match (protocol, endpoint) {
                            (Some(protocol), Some((ep, endpoint)))
                                if self.check_endpoint(&ep, &protocol, &endpoint) =>
                            {
                                let ip = ip.iter().map(|s| s.to_string()).collect();
                                subscriptions.push((ip, protocol, endpoint));
                            }
                            (None, _) if self.errors.len() == item_errors => self.error(&ip, "needs Protocol"),
                            (_, None) if self.errors.len() == item_errors => self.error(&ip, "needs Endpoint"),
                            _ => {}
                        }
                    }
                }
                "KmsMasterKeyId" => self.error(&p, "encryption with a KMS key is not supported yet: Squall would keep the data unencrypted; remove the setting"),
                k if UNSUPPORTED_TOPIC_PROPERTIES.contains(&k) => self.error(&p, "is not supported yet"),
                _ => self.error(&p, "unknown property"),
            }
        }
        self.refs = refs;
        if self.errors.len() != errors_before {
            return;
        }
        let arn = topic_arn(&self.region, &t.name);
        self.topics.push(t);
        for (path, protocol, endpoint) in subscriptions {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let s = SubscriptionResource {
                origin: dotted(&path),
                topic_arn: arn.clone(),
                protocol,
                endpoint,
                attributes: BTreeMap::new(),
            };
            self.add_subscription(&path, s);
        }
    }

    /// An `AWS::SNS::Subscription`, added to `self.subscriptions`.
    pub(crate) fn subscription_resource(&mut self, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored");
        let path = [&base[..], &["Properties"]].concat();
        let Some(props) = props else {
            self.error(&base, "needs Properties");
            return;
        };
        let errors_before = self.errors.len();
        let refs = std::mem::take(&mut self.refs);
        let (mut topic, mut protocol, mut endpoint, mut raw) = (None, None, None, None);
        let mut attributes = BTreeMap::new();
        let entries = self.entries(&path, props);
        for (key, v) in &entries {
            let (key, v) = (*key, *v);
            let p = [&path[..], &[key]].concat();
            match key {
                "TopicArn" => topic = self.topic_arn_value(&p, v, &refs),
                "Protocol" => protocol = self.protocol(&p, v),
                "Endpoint" => endpoint = self.string_or_reference(&p, v, &refs).map(|e| (p, e)),
                "FilterPolicy" | "DeliveryPolicy" => {
                    if let Some(json) = self.json_object(&p, v) {
                        attributes.insert(key.to_string(), json);
                    }
                }
                "FilterPolicyScope" => {
                    if let Some(s) = self.filter_policy_scope(&p, v) {
                        attributes.insert(key.to_string(), s);
                    }
                }
                "RawMessageDelivery" => {
                    let b = match v {
                        Value::Bool(b) => Some(*b),
                        Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
                        _ => {
                            self.error(&p, "must be true or false");
                            None
                        }
                    };
                    if let Some(b) = b {
                        attributes.insert(key.to_string(), b.to_string());
                        raw = Some((p, b));
                    }
                }
                "RedrivePolicy" => {
                    let mut target = None;
                    for (k, val) in self.entries(&p, v) {
                        let kp = [&p[..], &[k]].concat();
                        match k {
                            "deadLetterTargetArn" => target = self.dead_letter_arn(&kp, val, &refs),
                            _ => self.error(&kp, "unknown property"),
                        }
                    }
                    match target {
                        Some(t) => {
                            attributes.insert(key.to_string(), redrive_policy(&t));
                        }
                        None if self.errors.len() == errors_before => self.error(&p, "needs deadLetterTargetArn"),
                        None => {}
                    }
                }
                "Region" | "ReplayPolicy" | "SubscriptionRoleArn" => self.error(&p, "is not supported yet"),
                _ => self.error(&p, "unknown property"),
            }
        }
        self.refs = refs;
        for required in ["TopicArn", "Protocol", "Endpoint"] {
            if !entries.iter().any(|(k, _)| *k == required) {
                self.error(&path, format!("needs {required}"));
            }
        }
        let (Some(topic_arn), Some(protocol), Some((ep, endpoint))) = (topic, protocol, endpoint) else { return };
        self.check_endpoint(&ep, &protocol, &endpoint);
        if let Some((p, true)) = &raw
            && protocol == "lambda"
        {
            self.error(p, "lambda subscriptions do not support raw message delivery");
        }
        if self.errors.len() != errors_before {
            return;
        }
        let s = SubscriptionResource { origin: dotted(&base), topic_arn, protocol, endpoint, attributes };
        self.add_subscription(&base, s);
    }

    /// The `Properties` of a resource; `Type` is known, other keys are warned about or
    /// refused.
    pub(crate) fn resource_properties<'v>(&mut self, base: &Path, v: &'v Value, retained: &str) -> Option<&'v Value> {
        let mut props = None;
        for (key, v) in self.entries(base, v) {
            match key {
                "Type" => {}
                "Properties" => props = Some(v),
                "DeletionPolicy" | "UpdateReplacePolicy" => self.warn(&[base, &[key]].concat(), retained),
                other => self.error(&[base, &[other]].concat(), "is not supported yet"),
            }
        }
        props
    }

    /// A subscription's protocol: one Squall delivers to.
    fn protocol(&mut self, path: &Path, v: &Value) -> Option<String> {
        let p = self.string(path, v)?;
        match p.as_str() {
            "sqs" | "lambda" | "http" => Some(p),
            "https" | "email" | "email-json" | "sms" | "application" | "firehose" => {
                self.error(path, format!("{p} subscriptions are not supported yet"));
                None
            }
            _ => {
                self.error(path, format!("unknown protocol {p:?} (sqs, lambda and http are supported)"));
                None
            }
        }
    }

    /// Whether `endpoint` suits `protocol` (an error at `path` when not).
    fn check_endpoint(&mut self, path: &Path, protocol: &str, endpoint: &str) -> bool {
        let problem = match protocol {
            "sqs" if !endpoint.starts_with("arn:aws:sqs:") => {
                format!("{endpoint} is not an SQS queue ARN (a queue's Ref is its URL: use !GetAtt Queue.Arn)")
            }
            "lambda" if !(endpoint.starts_with("arn:aws:lambda:") && endpoint.contains(":function:")) => {
                format!("{endpoint} is not a Lambda function ARN")
            }
            "http" if endpoint.len() <= "http://".len() || !endpoint.starts_with("http://") => {
                format!("{endpoint} is not an http:// URL")
            }
            _ => return true,
        };
        self.error(path, problem);
        false
    }

    /// A value that may be a reference (`!GetAtt Q.Arn`) to a resource of this service,
    /// or a plain string taken as it is.
    pub(crate) fn string_or_reference(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        match self.reference(path, v, refs)? {
            Some(resolved) => Some(resolved),
            None => self.string(path, v),
        }
    }

    /// A topic's ARN: `!Ref Topic`, `!GetAtt Topic.TopicArn`, or an ARN.
    pub(crate) fn topic_arn_value(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        let arn = self.string_or_reference(path, v, refs)?;
        if topic_of_arn(&arn).is_none() {
            self.error(path, format!("{arn} is not an SNS topic ARN"));
            return None;
        }
        Some(arn)
    }

    /// A dead-letter queue's ARN: `!GetAtt Q.Arn` or a queue ARN.
    pub(crate) fn dead_letter_arn(&mut self, path: &Path, v: &Value, refs: &Refs) -> Option<String> {
        let arn = self.string_or_reference(path, v, refs)?;
        if !arn.starts_with("arn:aws:sqs:") {
            self.error(
                path,
                format!("{arn} is not an SQS queue ARN (a queue's Ref is its URL: use !GetAtt Queue.Arn)"),
            );
            return None;
        }
        Some(arn)
    }

    /// `MessageAttributes` or `MessageBody`.
    pub(crate) fn filter_policy_scope(&mut self, path: &Path, v: &Value) -> Option<String> {
        match self.string(path, v)? {
            s if s == "MessageAttributes" || s == "MessageBody" => Some(s),
            _ => {
                self.error(path, "must be MessageAttributes or MessageBody");
                None
            }
        }
    }

    /// A JSON object given as a mapping, or as a string holding one: its JSON text.
    pub(crate) fn json_object(&mut self, path: &Path, v: &Value) -> Option<String> {
        let json = match v {
            Value::Mapping(_) => match serde_json::to_value(v) {
                Ok(j) => j,
                Err(e) => {
                    self.error(path, format!("cannot be read: {e}"));
                    return None;
                }
            },
            Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) if j.is_object() => j,
                _ => {
                    self.error(path, "must be a mapping (or a string holding a JSON object)");
                    return None;
                }
            },
            _ => {
                self.error(path, "must be a mapping");
                return None;
            }
        };
        Some(json.to_string())
    }

    /// Adds a subscription, refusing a second one of the same endpoint to the same topic.
    pub(crate) fn add_subscription(&mut self, path: &Path, s: SubscriptionResource) {
        let same = |x: &&SubscriptionResource| {
            x.topic_arn == s.topic_arn && x.protocol == s.protocol && x.endpoint == s.endpoint
        };
        if let Some(first) = self.subscriptions.iter().find(same) {
            let message = format!("subscribes {} to {} again ({} does already)", s.endpoint, s.topic_arn, first.origin);
            self.error(path, message);
            return;
        }
        self.subscriptions.push(s);
    }

    /// The topic an `sns` event's `topicName` asks for: created on deploy unless this
    /// service declares it; `display_name` (with its path) applies to the created topic.
    pub(crate) fn imply_topic(&mut self, name: &str, display_name: Option<(Vec<&str>, String)>) {
        let Some(existing) = self.topics.iter_mut().find(|t| t.name == name) else {
            let attributes = display_name.into_iter().map(|(_, d)| ("DisplayName".to_string(), d)).collect();
            self.topics.push(TopicResource {
                logical_id: String::new(),
                name: name.to_string(),
                attributes,
                tags: BTreeMap::new(),
            });
            return;
        };
        let Some((path, display)) = display_name else { return };
        if !existing.logical_id.is_empty() {
            let id = existing.logical_id.clone();
            self.warn(
                &path,
                &format!("ignored: topic {name} is declared as resources.Resources.{id}; set its DisplayName there"),
            );
            return;
        }
        match existing.attributes.get("DisplayName") {
            Some(other) if *other != display => {
                let message =
                    format!("{display:?} differs from the displayName {other:?} another sns event gives topic {name}");
                self.error(&path, message);
            }
            Some(_) => {}
            None => {
                existing.attributes.insert("DisplayName".into(), display);
            }
        }
    }
}

/// The JSON text of a redrive policy to `dead_letter_arn`.
pub(crate) fn redrive_policy(dead_letter_arn: &str) -> String {
    serde_json::json!({ "deadLetterTargetArn": dead_letter_arn }).to_string()
}
