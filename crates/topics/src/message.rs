//! What Publish carries, the checks SNS makes on it, and the documents subscribers get:
//! the notification envelope (queues without raw delivery, HTTP endpoints) and the record
//! of Lambda's SNS event.

use crate::{Error, Result, invalid};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
pub use squall_queues::message::{AttributeValue, Attributes};
use squall_types::format_iso8601_millis_z;

/// SNS's limit on a message, attributes included.
pub const MAX_MESSAGE_BYTES: usize = 262_144;

/// Longest `Subject`.
const MAX_SUBJECT_CHARS: usize = 100;

/// What Publish (or one PublishBatch entry) carries.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// `Message`.
    pub message: String,
    /// `Subject`.
    pub subject: Option<String>,
    /// `MessageStructure: json`: `message` is a JSON object of texts per protocol.
    pub structure_json: bool,
    /// `MessageAttributes`.
    pub attributes: Attributes,
    /// `MessageGroupId` (FIFO topics only).
    pub group_id: Option<String>,
    /// `MessageDeduplicationId` (FIFO topics only).
    pub dedup_id: Option<String>,
    /// The request's X-Ray trace header (AWS's SDKs send it from inside a function): passed
    /// to queue and function deliveries, for recursive loop detection.
    pub trace_header: Option<String>,
}

/// A published message, ready to deliver.
#[derive(Debug, Clone)]
pub struct Notification {
    /// `MessageId`.
    pub id: String,
    /// The topic's ARN.
    pub topic_arn: String,
    /// `Subject`.
    pub subject: Option<String>,
    /// The message, or with `MessageStructure: json` its `default` text.
    pub message: String,
    /// With `MessageStructure: json`, the texts per protocol.
    pub per_protocol: Option<Map<String, Value>>,
    /// `MessageAttributes`.
    pub attributes: Attributes,
    /// When it was published, ms since the epoch.
    pub timestamp_ms: u64,
    /// FIFO topics: `MessageGroupId`.
    pub group_id: Option<String>,
    /// FIFO topics: the deduplication id (given, or the SHA-256 of the message).
    pub dedup_id: Option<String>,
    /// FIFO topics: `SequenceNumber`.
    pub sequence_number: Option<String>,
    /// The publisher's X-Ray trace header, if it sent one.
    pub trace_header: Option<String>,
}

/// How a topic treats messages: a standard topic, or a FIFO one (with or without
/// content-based deduplication).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A standard topic.
    Standard,
    /// A FIFO topic.
    Fifo {
        /// `ContentBasedDeduplication`.
        content_based_dedup: bool,
    },
}

impl Publish {
    /// Checks the message as SNS does for a topic of `kind` and makes the notification
    /// subscribers get (its sequence number is the caller's to assign).
    pub fn into_notification(
        self,
        kind: Kind,
        id: String,
        topic_arn: String,
        timestamp_ms: u64,
    ) -> Result<Notification> {
        let (group_id, dedup_id) = match kind {
            Kind::Standard => {
                if self.group_id.is_some() {
                    return Err(invalid(
                        "MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type",
                    ));
                }
                if self.dedup_id.is_some() {
                    return Err(invalid(
                        "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
                    ));
                }
                (None, None)
            }
            Kind::Fifo { content_based_dedup } => {
                let group = self
                    .group_id
                    .clone()
                    .ok_or_else(|| invalid("The MessageGroupId parameter is required for FIFO topics"))?;
                check_fifo_id("MessageGroupId", &group)?;
                let dedup = match &self.dedup_id {
                    Some(d) => check_fifo_id("MessageDeduplicationId", d)?.to_string(),
                    None if content_based_dedup => hex::encode(Sha256::digest(self.message.as_bytes())),
                    None => {
                        return Err(invalid(
                            "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                        ));
                    }
                };
                (Some(group), Some(dedup))
            }
        };
        if self.message.is_empty() {
            return Err(invalid("Empty message"));
        }
        if let Some(s) = &self.subject {
            check_subject(s)?;
        }
        check_attributes(&self.attributes)?;
        if self.message.len() + squall_queues::message::attributes_size(&self.attributes) > MAX_MESSAGE_BYTES {
            return Err(invalid("Message too long"));
        }
        let (message, per_protocol) =
            if self.structure_json { split_structure(&self.message)? } else { (self.message, None) };
        Ok(Notification {
            id,
            topic_arn,
            subject: self.subject,
            message,
            per_protocol,
            attributes: self.attributes,
            timestamp_ms,
            group_id,
            dedup_id,
            sequence_number: None,
            trace_header: self.trace_header,
        })
    }
}

/// A `MessageGroupId` or `MessageDeduplicationId`: 1 to 128 printable ASCII characters.
fn check_fifo_id<'a>(what: &str, id: &'a str) -> Result<&'a str> {
    if !squall_queues::message::is_fifo_id(id) {
        return Err(invalid(format!("{what} Reason: 1 to 128 alphanumeric or punctuation characters")));
    }
    Ok(id)
}

/// A subject: at most 100 characters, printable, no line breaks.
fn check_subject(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.chars().count() <= MAX_SUBJECT_CHARS
        && !s.starts_with(' ')
        && s.chars().all(|c| !c.is_control());
    if !ok {
        return Err(invalid("Subject"));
    }
    Ok(())
}

/// SNS's message attribute types: SQS's plus `String.Array` (a JSON array).
fn check_attributes(attrs: &Attributes) -> Result<()> {
    for (name, v) in attrs {
        if v.data_type == "String.Array" {
            let array = v.string.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
            if !array.as_ref().is_some_and(Value::is_array) {
                return Err(Error::InvalidParameterValue(format!(
                    "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                )));
            }
        }
    }
    // Beyond String.Array, SNS and SQS agree on names, types and values.
    squall_queues::message::check_attributes_unbounded(attrs).map_err(|e| Error::InvalidParameterValue(e.to_string()))
}

/// `MessageStructure: json`: a JSON object of strings with a `default`.
fn split_structure(message: &str) -> Result<(String, Option<Map<String, Value>>)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(message) else {
        return Err(invalid("Message Structure - JSON message body failed to parse"));
    };
    if map.values().any(|v| !v.is_string()) {
        return Err(invalid("Message Structure - JSON message body failed to parse"));
    }
    let Some(Value::String(default)) = map.get("default") else {
        return Err(invalid("Message Structure - No default entry in JSON message body"));
    };
    Ok((default.clone(), Some(map)))
}

impl Notification {
    /// The text a subscriber of `protocol` gets.
    pub fn message_for(&self, protocol: &str) -> &str {
        self.per_protocol.as_ref().and_then(|m| m.get(protocol)).and_then(Value::as_str).unwrap_or(&self.message)
    }

    /// Message attributes as the envelope shows them: `{name: {Type, Value}}`.
    fn attributes_json(&self) -> Map<String, Value> {
        self.attributes
            .iter()
            .map(|(name, v)| {
                let value = match (&v.string, &v.binary) {
                    (Some(s), _) => s.clone(),
                    (None, Some(b)) => STANDARD.encode(b),
                    (None, None) => String::new(),
                };
                (name.clone(), json!({ "Type": v.data_type, "Value": value }))
            })
            .collect()
    }

    /// The JSON envelope queues (without raw delivery) and HTTP endpoints receive.
    /// Notifications are not signed: `Signature` and `SigningCertURL` are empty.
    pub fn envelope(&self, protocol: &str, unsubscribe_url: &str) -> String {
        let mut doc = json!({
            "Type": "Notification",
            "MessageId": self.id,
            "TopicArn": self.topic_arn,
            "Message": self.message_for(protocol),
            "Timestamp": format_iso8601_millis_z(self.timestamp_ms),
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": "",
            "UnsubscribeURL": unsubscribe_url,
        });
        if let Some(s) = &self.subject {
            doc["Subject"] = s.clone().into();
        }
        if !self.attributes.is_empty() {
            doc["MessageAttributes"] = Value::Object(self.attributes_json());
        }
        if let Some(n) = &self.sequence_number {
            doc["SequenceNumber"] = n.clone().into();
        }
        doc.to_string()
    }

    /// Lambda's SNS event for one delivery to a function.
    pub fn lambda_event(&self, subscription_arn: &str, unsubscribe_url: &str) -> Value {
        json!({ "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": subscription_arn,
            "Sns": {
                "Type": "Notification",
                "MessageId": self.id,
                "TopicArn": self.topic_arn,
                "Subject": self.subject,
                "Message": self.message_for("lambda"),
                "Timestamp": format_iso8601_millis_z(self.timestamp_ms),
                "SignatureVersion": "1",
                "Signature": "",
                "SigningCertUrl": "",
                "UnsubscribeUrl": unsubscribe_url,
                "MessageAttributes": self.attributes_json(),
            }
        }]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(message: &str) -> Publish {
        Publish { message: message.into(), ..Publish::default() }
    }

    fn notification(p: Publish) -> Result<Notification> {
        p.into_notification(Kind::Standard, "id-1".into(), "arn:aws:sns:us-east-1:000000000000:t".into(), 0)
    }

    #[test]
    fn fifo_topics_need_groups_and_dedup_ids() {
        let fifo =
            |cbd, p: Publish| p.into_notification(Kind::Fifo { content_based_dedup: cbd }, "i".into(), "t".into(), 0);
        assert!(fifo(false, publish("m")).is_err());
        let grouped = Publish { group_id: Some("g".into()), ..publish("m") };
        assert!(fifo(false, grouped.clone()).is_err());
        let n = fifo(true, grouped.clone()).unwrap();
        assert_eq!(n.dedup_id.as_deref().map(str::len), Some(64));
        let explicit = Publish { dedup_id: Some("d-1".into()), ..grouped };
        assert_eq!(fifo(false, explicit).unwrap().dedup_id.as_deref(), Some("d-1"));
    }

    #[test]
    fn messages_are_checked() {
        assert!(matches!(notification(publish("")), Err(Error::InvalidParameter(m)) if m == "Empty message"));
        assert!(notification(publish(&"x".repeat(MAX_MESSAGE_BYTES))).is_ok());
        assert!(notification(publish(&"x".repeat(MAX_MESSAGE_BYTES + 1))).is_err());
        let long_subject = Publish { subject: Some("s".repeat(101)), ..publish("m") };
        assert!(notification(long_subject).is_err());
        let broken_subject = Publish { subject: Some("a\nb".into()), ..publish("m") };
        assert!(notification(broken_subject).is_err());
        let grouped = Publish { group_id: Some("g".into()), ..publish("m") };
        assert!(notification(grouped).is_err());
    }

    #[test]
    fn structured_messages_pick_a_text_per_protocol() {
        let n = notification(Publish { structure_json: true, ..publish(r#"{"default":"d","sqs":"s"}"#) }).unwrap();
        assert_eq!(n.message_for("sqs"), "s");
        assert_eq!(n.message_for("lambda"), "d");
        assert!(notification(Publish { structure_json: true, ..publish(r#"{"sqs":"s"}"#) }).is_err());
        assert!(notification(Publish { structure_json: true, ..publish("not json") }).is_err());
    }

    #[test]
    fn the_envelope_carries_sns_fields() {
        let mut p = publish("hello");
        p.subject = Some("greeting".into());
        p.attributes
            .insert("b".into(), AttributeValue { data_type: "Binary".into(), string: None, binary: Some(vec![1, 2]) });
        let n = notification(p).unwrap();
        let doc: Value = serde_json::from_str(&n.envelope("sqs", "u")).unwrap();
        assert_eq!(doc["Type"], "Notification");
        assert_eq!(doc["Message"], "hello");
        assert_eq!(doc["Subject"], "greeting");
        assert_eq!(doc["Timestamp"], "1970-01-01T00:00:00.000Z");
        assert_eq!(doc["MessageAttributes"]["b"], json!({"Type": "Binary", "Value": "AQI="}));
        let event = n.lambda_event("sub", "u");
        assert_eq!(event["Records"][0]["Sns"]["Message"], "hello");
        assert_eq!(event["Records"][0]["EventSubscriptionArn"], "sub");
    }

    #[test]
    fn string_arrays_must_be_json_arrays() {
        let mut p = publish("m");
        p.attributes.insert(
            "a".into(),
            AttributeValue { data_type: "String.Array".into(), string: Some("[\"x\",1]".into()), binary: None },
        );
        assert!(notification(p.clone()).is_ok());
        p.attributes.get_mut("a").unwrap().string = Some("x".into());
        assert!(matches!(notification(p), Err(Error::InvalidParameterValue(_))));
    }
}
