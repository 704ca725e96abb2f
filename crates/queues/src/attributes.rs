//! Queue attributes: the settable ones with SQS's bounds and defaults, the redrive policy,
//! and the names of the read-only ones.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A queue's settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAttributes {
    /// Seconds a new message stays invisible (0–900).
    pub delay_s: u32,
    /// Largest message in bytes, body and attributes (1024–1048576).
    pub max_message_bytes: u32,
    /// Seconds a message is kept (60–1209600).
    pub retention_s: u32,
    /// Default long-poll wait of ReceiveMessage (0–20).
    pub receive_wait_s: u32,
    /// Seconds a received message stays invisible (0–43200).
    pub visibility_timeout_s: u32,
    /// Where messages go after too many receives.
    pub redrive: Option<RedrivePolicy>,
    /// A FIFO queue's settings; `None` for a standard queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fifo: Option<FifoSettings>,
    /// Settings stored and reported as given: `Policy` (checked, and enforced by the api
    /// port's authorization), `RedriveAllowPolicy` (checked, and enforced when a queue names
    /// this one as its dead-letter queue), KMS and SSE settings.
    #[serde(default)]
    pub opaque: BTreeMap<String, String>,
}

impl Default for QueueAttributes {
    fn default() -> Self {
        QueueAttributes {
            delay_s: 0,
            max_message_bytes: 1_048_576,
            retention_s: 345_600,
            receive_wait_s: 0,
            visibility_timeout_s: 30,
            redrive: None,
            fifo: None,
            opaque: BTreeMap::new(),
        }
    }
}

/// What a FIFO queue adds: how it deduplicates, and how throughput is counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FifoSettings {
    /// `ContentBasedDeduplication`: a message without a deduplication id gets the SHA-256
    /// of its body.
    pub content_based_dedup: bool,
    /// `DeduplicationScope: messageGroup` (else `queue`): ids are unique per group.
    pub dedup_per_group: bool,
    /// `FifoThroughputLimit: perMessageGroupId` (else `perQueue`). Reported; Squall has no
    /// throughput quota to apply it to.
    pub throughput_per_group: bool,
}

/// `RedrivePolicy`: the dead-letter queue and how many receives a message gets first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedrivePolicy {
    /// The dead-letter queue's ARN.
    pub dead_letter_target_arn: String,
    /// Receives before a message moves there (1–1000).
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    /// Parses the JSON string SQS takes.
    pub fn parse(s: &str) -> Result<RedrivePolicy> {
        let invalid = |why: &str| {
            Error::InvalidAttributeValue(format!("Invalid value for the parameter RedrivePolicy. Reason: {why}"))
        };
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|_| invalid("Redrive policy is not a valid JSON map."))?;
        let arn = v
            .get("deadLetterTargetArn")
            .and_then(|a| a.as_str())
            .ok_or_else(|| invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn."))?;
        let count = match v.get("maxReceiveCount") {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => return Err(invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")),
        };
        let count = count
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| invalid("Value for maxReceiveCount must be an integer between 1 and 1000."))?;
        if crate::service::name_of_arn(arn).is_none() {
            return Err(invalid("Dead-letter target ARN is not a valid SQS queue ARN."));
        }
        Ok(RedrivePolicy { dead_letter_target_arn: arn.to_string(), max_receive_count: count as u32 })
    }

    /// The JSON string SQS reports.
    pub fn to_json(&self) -> String {
        serde_json::json!({ "deadLetterTargetArn": self.dead_letter_target_arn, "maxReceiveCount": self.max_receive_count })
            .to_string()
    }
}

/// Which source queues may use a queue as their dead-letter queue (`RedriveAllowPolicy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedriveAllow {
    /// `allowAll`.
    All,
    /// `denyAll`.
    None,
    /// `byQueue`: these ARNs.
    ByQueue(Vec<String>),
}

impl RedriveAllow {
    /// Reads the attribute's JSON (`{"redrivePermission": …, "sourceQueueArns": […]}`).
    pub fn parse(value: &str) -> Result<RedriveAllow> {
        let bad = |why: &str| {
            Error::InvalidAttributeValue(format!("Invalid value for the parameter RedriveAllowPolicy. Reason: {why}"))
        };
        let v: serde_json::Value = serde_json::from_str(value).map_err(|_| bad("it is not JSON"))?;
        let arns: Vec<String> = match v.get("sourceQueueArns") {
            None => Vec::new(),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("sourceQueueArns must be ARNs"))?,
            Some(_) => return Err(bad("sourceQueueArns must be a list")),
        };
        match v.get("redrivePermission").and_then(|p| p.as_str()) {
            Some("allowAll") if arns.is_empty() => Ok(RedriveAllow::All),
            Some("denyAll") if arns.is_empty() => Ok(RedriveAllow::None),
            Some("allowAll" | "denyAll") => Err(bad("sourceQueueArns is only for redrivePermission byQueue")),
            Some("byQueue") if (1..=10).contains(&arns.len()) => Ok(RedriveAllow::ByQueue(arns)),
            Some("byQueue") => Err(bad("byQueue needs 1 to 10 sourceQueueArns")),
            _ => Err(bad("redrivePermission must be allowAll, denyAll or byQueue")),
        }
    }

    /// Whether the queue `source_arn` may use the queue as its dead-letter queue.
    pub fn admits(&self, source_arn: &str) -> bool {
        match self {
            RedriveAllow::All => true,
            RedriveAllow::None => false,
            RedriveAllow::ByQueue(arns) => arns.iter().any(|a| a == source_arn),
        }
    }
}

/// Attributes stored as given.
const OPAQUE: &[&str] = &["Policy", "RedriveAllowPolicy", "KmsDataKeyReusePeriodSeconds"];

/// Attributes that only FIFO queues have.
const FIFO_ONLY: &[&str] = &["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

/// Attributes GetQueueAttributes reports that cannot be set.
pub const READ_ONLY: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
];

fn bounded(name: &str, value: &str, lo: u32, hi: u32) -> Result<u32> {
    value.parse::<u32>().ok().filter(|n| (lo..=hi).contains(n)).ok_or_else(|| {
        Error::InvalidAttributeValue(format!(
            "Invalid value for the parameter {name}. Reason: must be an integer between {lo} and {hi}."
        ))
    })
}

impl QueueAttributes {
    /// Applies `changes` (SetQueueAttributes, or CreateQueue over the defaults).
    pub fn apply(&mut self, changes: &BTreeMap<String, String>) -> Result<()> {
        // First, since the FIFO settings depend on it (and sort before it).
        if let Some(v) = changes.get("FifoQueue") {
            // SQS takes booleans in any case (`True`, as CloudFormation templates write it).
            let fifo = match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(Error::InvalidAttributeValue("Invalid value for the parameter FifoQueue.".into())),
            };
            if fifo != self.fifo.is_some() {
                self.fifo = fifo.then(FifoSettings::default);
            }
        }
        for (name, value) in changes {
            match name.as_str() {
                "FifoQueue" => {}
                "DelaySeconds" => self.delay_s = bounded(name, value, 0, 900)?,
                "MaximumMessageSize" => self.max_message_bytes = bounded(name, value, 1024, 1_048_576)?,
                "MessageRetentionPeriod" => self.retention_s = bounded(name, value, 60, 1_209_600)?,
                "ReceiveMessageWaitTimeSeconds" => self.receive_wait_s = bounded(name, value, 0, 20)?,
                "VisibilityTimeout" => self.visibility_timeout_s = bounded(name, value, 0, 43_200)?,
                "RedrivePolicy" if value.is_empty() => self.redrive = None,
                "RedrivePolicy" => self.redrive = Some(RedrivePolicy::parse(value)?),
                // Messages are not encrypted at rest: a KMS key is refused rather than
                // stored as if it were used.
                "KmsMasterKeyId" if !value.is_empty() => {
                    return Err(Error::InvalidAttributeValue(
                        "Invalid value for the parameter KmsMasterKeyId. Reason: encryption with a KMS key is not supported by Squall (messages would be stored unencrypted).".into(),
                    ));
                }
                "KmsMasterKeyId" => {}
                // Terraform and CloudFormation send it on every queue: taken, and reported as
                // what Squall does (false).
                "SqsManagedSseEnabled" => {
                    if value.eq_ignore_ascii_case("true") {
                        tracing::warn!(
                            "SqsManagedSseEnabled=true: Squall does not encrypt messages at rest; reported as false"
                        );
                    }
                }
                // Enforced: a policy IAM would refuse is refused, and an empty one removes it.
                "Policy" if value.trim().is_empty() => {
                    self.opaque.remove("Policy");
                }
                "Policy" => {
                    squall_iam::Policy::accept(value, squall_iam::PolicyKind::Resource).map_err(|m| {
                        Error::InvalidAttributeValue(format!("Invalid value for the parameter Policy. Reason: {}", m.0))
                    })?;
                    self.opaque.insert(name.clone(), value.clone());
                }
                "RedriveAllowPolicy" => {
                    RedriveAllow::parse(value)?;
                    self.opaque.insert(name.clone(), value.clone());
                }
                n if OPAQUE.contains(&n) => {
                    self.opaque.insert(name.clone(), value.clone());
                }
                n if FIFO_ONLY.contains(&n) => {
                    let Some(f) = self.fifo.as_mut() else {
                        return Err(Error::InvalidAttributeName(format!("Unknown Attribute {n}.")));
                    };
                    let bad = || Error::InvalidAttributeValue(format!("Invalid value for the parameter {n}."));
                    let boolean = value.to_ascii_lowercase();
                    match (n, value.as_str()) {
                        ("ContentBasedDeduplication", _) if matches!(boolean.as_str(), "true" | "false") => {
                            f.content_based_dedup = boolean == "true"
                        }
                        ("DeduplicationScope", "messageGroup" | "queue") => f.dedup_per_group = value == "messageGroup",
                        ("FifoThroughputLimit", "perMessageGroupId" | "perQueue") => {
                            f.throughput_per_group = value == "perMessageGroupId"
                        }
                        _ => return Err(bad()),
                    }
                }
                n if READ_ONLY.contains(&n) => {
                    return Err(Error::InvalidAttributeName(format!("Attribute {n} cannot be set.")));
                }
                other => return Err(Error::InvalidAttributeName(format!("Unknown Attribute {other}."))),
            }
        }
        Ok(())
    }

    /// The settable attributes as SQS names and reports them.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::from([
            ("DelaySeconds".to_string(), self.delay_s.to_string()),
            ("MaximumMessageSize".to_string(), self.max_message_bytes.to_string()),
            ("MessageRetentionPeriod".to_string(), self.retention_s.to_string()),
            ("ReceiveMessageWaitTimeSeconds".to_string(), self.receive_wait_s.to_string()),
            ("VisibilityTimeout".to_string(), self.visibility_timeout_s.to_string()),
            // Messages are not encrypted at rest.
            ("SqsManagedSseEnabled".to_string(), "false".to_string()),
        ]);
        if let Some(r) = &self.redrive {
            out.insert("RedrivePolicy".into(), r.to_json());
        }
        if let Some(f) = &self.fifo {
            out.insert("FifoQueue".into(), "true".into());
            out.insert("ContentBasedDeduplication".into(), f.content_based_dedup.to_string());
            let scope = if f.dedup_per_group { "messageGroup" } else { "queue" };
            out.insert("DeduplicationScope".into(), scope.into());
            let limit = if f.throughput_per_group { "perMessageGroupId" } else { "perQueue" };
            out.insert("FifoThroughputLimit".into(), limit.into());
        }
        out.extend(self.opaque.clone());
        out
    }

    /// Checks settings that depend on each other (after [`QueueAttributes::apply`]).
    pub fn check(&self) -> Result<()> {
        if let Some(f) = &self.fifo
            && f.throughput_per_group
            && !f.dedup_per_group
        {
            return Err(Error::InvalidAttributeValue(
                "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId requires DeduplicationScope messageGroup.".into(),
            ));
        }
        Ok(())
    }
}

/// Whether `name` is an attribute GetQueueAttributes may ask for.
pub fn is_known(name: &str) -> bool {
    matches!(
        name,
        "All"
            | "DelaySeconds"
            | "MaximumMessageSize"
            | "MessageRetentionPeriod"
            | "ReceiveMessageWaitTimeSeconds"
            | "VisibilityTimeout"
            | "RedrivePolicy"
            | "FifoQueue"
    ) || OPAQUE.contains(&name)
        || READ_ONLY.contains(&name)
        || FIFO_ONLY.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_is_refused_or_reported_as_it_is() {
        let mut a = QueueAttributes::default();
        let set = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        assert!(matches!(a.apply(&set("KmsMasterKeyId", "alias/aws/sqs")), Err(Error::InvalidAttributeValue(_))));
        a.apply(&set("KmsMasterKeyId", "")).unwrap();
        a.apply(&set("SqsManagedSseEnabled", "true")).unwrap();
        assert_eq!(a.to_map()["SqsManagedSseEnabled"], "false");
        assert!(!a.to_map().contains_key("KmsMasterKeyId"));
    }

    #[test]
    fn booleans_are_taken_in_any_case() {
        let mut a = QueueAttributes::default();
        let set = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        a.apply(&set(&[("FifoQueue", "True"), ("ContentBasedDeduplication", "TRUE")])).unwrap();
        assert!(a.fifo.as_ref().is_some_and(|f| f.content_based_dedup));
        assert_eq!(a.to_map()["FifoQueue"], "true");
        a.apply(&set(&[("ContentBasedDeduplication", "False")])).unwrap();
        assert!(a.fifo.as_ref().is_some_and(|f| !f.content_based_dedup));
        assert!(matches!(a.apply(&set(&[("FifoQueue", "yes")])), Err(Error::InvalidAttributeValue(_))));
    }

    #[test]
    fn bounds_and_names_are_checked() {
        let mut a = QueueAttributes::default();
        let set = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
        a.apply(&set("VisibilityTimeout", "5")).unwrap();
        assert_eq!(a.visibility_timeout_s, 5);
        assert!(matches!(a.apply(&set("VisibilityTimeout", "43201")), Err(Error::InvalidAttributeValue(_))));
        assert!(matches!(a.apply(&set("DelaySeconds", "-1")), Err(Error::InvalidAttributeValue(_))));
        assert!(matches!(a.apply(&set("Colour", "blue")), Err(Error::InvalidAttributeName(_))));
        assert!(matches!(a.apply(&set("QueueArn", "x")), Err(Error::InvalidAttributeName(_))));
        assert!(matches!(a.apply(&set("ContentBasedDeduplication", "true")), Err(Error::InvalidAttributeName(_))));
    }

    #[test]
    fn fifo_settings_need_a_fifo_queue() {
        let mut a = QueueAttributes::default();
        let changes = BTreeMap::from([
            ("ContentBasedDeduplication".to_string(), "true".to_string()),
            ("FifoQueue".to_string(), "true".to_string()),
            ("DeduplicationScope".to_string(), "messageGroup".to_string()),
        ]);
        a.apply(&changes).unwrap();
        let f = a.fifo.clone().unwrap();
        assert!(f.content_based_dedup && f.dedup_per_group && !f.throughput_per_group);
        assert_eq!(a.to_map()["FifoQueue"], "true");
        let mut b = a.clone();
        b.apply(&BTreeMap::from([("FifoThroughputLimit".to_string(), "perMessageGroupId".to_string())])).unwrap();
        b.check().unwrap();
        b.apply(&BTreeMap::from([("DeduplicationScope".to_string(), "queue".to_string())])).unwrap();
        assert!(b.check().is_err());
        assert!(a.apply(&BTreeMap::from([("DeduplicationScope".to_string(), "group".to_string())])).is_err());
    }

    #[test]
    fn redrive_policies_parse_with_numbers_or_strings() {
        let arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
        let p = RedrivePolicy::parse(&format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":"3"}}"#)).unwrap();
        assert_eq!(p.max_receive_count, 3);
        assert_eq!(RedrivePolicy::parse(&p.to_json()).unwrap(), p);
        assert!(RedrivePolicy::parse(r#"{"deadLetterTargetArn":"nope","maxReceiveCount":3}"#).is_err());
        assert!(RedrivePolicy::parse(&format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":0}}"#)).is_err());
        assert!(RedrivePolicy::parse("not json").is_err());
    }
}
