//! Messages and their attributes: validation as SQS does it, and the MD5 digests SQS
//! returns (clients check them).

use crate::{Error, Result};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most message attributes on one message.
pub const MAX_ATTRIBUTES: usize = 10;

/// A message attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    /// `String`, `Number` or `Binary`, optionally followed by `.<custom type>`.
    pub data_type: String,
    /// The value of a `String` or `Number` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// The value of a `Binary` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_base64")]
    pub binary: Option<Vec<u8>>,
}

/// Message attributes by name.
pub type Attributes = BTreeMap<String, AttributeValue>;

/// An X-Ray trace header as the `AWSTraceHeader` system attribute SQS keeps with a message.
pub fn trace_header_attribute(header: &str) -> (String, AttributeValue) {
    let value = AttributeValue { data_type: "String".into(), string: Some(header.to_string()), binary: None };
    ("AWSTraceHeader".to_string(), value)
}

mod opt_base64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| STANDARD.decode(t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// A message as sent: what SendMessage carries.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// The body.
    pub body: String,
    /// Message attributes.
    pub attributes: Attributes,
    /// Message system attributes (`AWSTraceHeader`).
    pub system_attributes: Attributes,
    /// `DelaySeconds`, overriding the queue's (standard queues only).
    pub delay_s: Option<u32>,
    /// `MessageGroupId`: required on FIFO queues, which keep each group's order.
    pub group_id: Option<String>,
    /// `MessageDeduplicationId` (FIFO queues).
    pub dedup_id: Option<String>,
}

/// How long a FIFO queue (or topic) remembers a deduplication id.
pub const DEDUP_INTERVAL_MS: u64 = 5 * 60 * 1000;

/// Whether `id` may be a `MessageGroupId` or `MessageDeduplicationId`: 1 to 128 printable
/// ASCII characters (SQS's and SNS's rule).
pub fn is_fifo_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic())
}

/// A FIFO `SequenceNumber`, in the 20-digit form SQS and SNS give.
pub fn sequence_number(seq: u64) -> String {
    format!("{seq:020}")
}

/// Whether `c` may appear in a message (SQS's rule: XML 1.0's characters).
fn allowed(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Checks a body's characters.
pub fn check_text(body: &str, what: &str) -> Result<()> {
    if let Some(c) = body.chars().find(|c| !allowed(*c)) {
        return Err(Error::InvalidMessageContents(format!(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF ({what} has U+{:04X})",
            c as u32
        )));
    }
    Ok(())
}

/// Checks message attributes' names, types and values.
pub fn check_attributes(attrs: &Attributes) -> Result<()> {
    if attrs.len() > MAX_ATTRIBUTES {
        return Err(Error::InvalidParameterValue(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].",
            attrs.len()
        )));
    }
    check_attributes_unbounded(attrs)
}

/// Checks message attributes' names, types and values, however many there are (SNS allows
/// more than SQS's ten).
pub fn check_attributes_unbounded(attrs: &Attributes) -> Result<()> {
    for (name, v) in attrs {
        let bad_name = name.is_empty()
            || name.len() > 256
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            || name.starts_with('.')
            || name.ends_with('.')
            || name.contains("..")
            || name.to_ascii_lowercase().starts_with("aws.")
            || name.to_ascii_lowercase().starts_with("amazon.");
        if bad_name {
            return Err(Error::InvalidParameterValue(format!("Message attribute name '{name}' is invalid.")));
        }
        let base = v.data_type.split('.').next().unwrap_or("");
        match (base, &v.string, &v.binary) {
            ("String", Some(s), None) => check_text(s, &format!("message attribute {name}"))?,
            ("Number", Some(s), None) => {
                let ok = s.trim().parse::<f64>().is_ok_and(|f| f.is_finite()) && s.len() <= 40;
                if !ok {
                    return Err(Error::InvalidParameterValue(format!(
                        "Can't cast the value of message (user) attribute '{name}' to a number."
                    )));
                }
            }
            ("Binary", None, Some(_)) => {}
            ("String" | "Number" | "Binary", ..) => {
                return Err(Error::InvalidParameterValue(format!(
                    "Message (user) attribute '{name}' must contain a non-empty value of type '{base}'."
                )));
            }
            _ => {
                return Err(Error::InvalidParameterValue(format!(
                    "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                )));
            }
        }
        if v.data_type.len() > 256 {
            return Err(Error::InvalidParameterValue(format!(
                "Message attribute '{name}' has a data type over 256 characters."
            )));
        }
    }
    Ok(())
}

/// The bytes attributes count toward the message size: names, types and values.
pub fn attributes_size(attrs: &Attributes) -> usize {
    attrs
        .iter()
        .map(|(n, v)| {
            n.len()
                + v.data_type.len()
                + v.string.as_ref().map_or(0, String::len)
                + v.binary.as_ref().map_or(0, Vec::len)
        })
        .sum()
}

/// `MD5OfMessageBody`.
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// `MD5OfMessageAttributes`: over the attributes sorted by name, each as its
/// length-prefixed name, length-prefixed type, a transport byte (1 string, 2 binary) and
/// the length-prefixed value. `None` without attributes.
pub fn md5_of_attributes(attrs: &Attributes) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    fn part(h: &mut Md5, bytes: &[u8]) {
        h.update((bytes.len() as u32).to_be_bytes());
        h.update(bytes);
    }
    let mut h = Md5::new();
    for (name, v) in attrs {
        part(&mut h, name.as_bytes());
        part(&mut h, v.data_type.as_bytes());
        match (&v.string, &v.binary) {
            (Some(s), _) => {
                h.update([1u8]);
                part(&mut h, s.as_bytes());
            }
            (None, Some(b)) => {
                h.update([2u8]);
                part(&mut h, b);
            }
            (None, None) => {}
        }
    }
    Some(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(v: &str) -> AttributeValue {
        AttributeValue { data_type: "String".into(), string: Some(v.into()), binary: None }
    }

    #[test]
    fn digests_match_sqs() {
        // Values from SQS: the body "hello" and one String attribute.
        assert_eq!(md5_of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
        let attrs = Attributes::from([("a".to_string(), string("b"))]);
        let mut expected = Md5::new();
        for chunk in [&b"\0\0\0\x01a"[..], b"\0\0\0\x06String", b"\x01", b"\0\0\0\x01b"] {
            expected.update(chunk);
        }
        assert_eq!(md5_of_attributes(&attrs).unwrap(), hex::encode(expected.finalize()));
        assert_eq!(md5_of_attributes(&Attributes::new()), None);
    }

    #[test]
    fn attributes_are_checked() {
        let ok = Attributes::from([(
            "n".to_string(),
            AttributeValue { data_type: "Number".into(), string: Some("1.5".into()), binary: None },
        )]);
        check_attributes(&ok).unwrap();
        for bad in ["", ".a", "a.", "a..b", "AWS.x", "sp ace"] {
            let attrs = Attributes::from([(bad.to_string(), string("v"))]);
            assert!(check_attributes(&attrs).is_err(), "{bad:?}");
        }
        let nan = Attributes::from([(
            "n".to_string(),
            AttributeValue { data_type: "Number".into(), string: Some("x".into()), binary: None },
        )]);
        assert!(check_attributes(&nan).is_err());
        let odd = Attributes::from([(
            "n".to_string(),
            AttributeValue { data_type: "Date".into(), string: Some("x".into()), binary: None },
        )]);
        assert!(check_attributes(&odd).is_err());
        assert!(check_text("ok\tfine\n", "body").is_ok());
        assert!(matches!(check_text("nul\0", "body"), Err(Error::InvalidMessageContents(_))));
    }
}
