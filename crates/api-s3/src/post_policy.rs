//! A browser form's POST policy: a base64 JSON document with an `expiration` and the
//! `conditions` every form field must meet. Exact matches (`{"acl": "private"}`,
//! `["eq", "$key", "a"]`), prefixes (`["starts-with", "$key", "uploads/"]`) and the
//! file's size (`["content-length-range", 1, 1048576]`); each field of the form but the
//! signature's own, `file` and `x-ignore-*` must be named by a condition.

use crate::error::S3Error;
use base64::Engine;
use http::StatusCode;
use serde_json::Value;

/// One condition of a policy, its field name lowercased.
#[derive(Debug, PartialEq)]
enum Condition {
    Eq { field: String, value: String, text: String },
    StartsWith { field: String, prefix: String, text: String },
    Length { min: u64, max: u64 },
}

/// A parsed policy.
#[derive(Debug)]
pub(crate) struct PostPolicy {
    expiration: i64,
    conditions: Vec<Condition>,
}

fn invalid(message: impl std::fmt::Display) -> S3Error {
    S3Error::new(StatusCode::BAD_REQUEST, "InvalidPolicyDocument", format!("Invalid Policy: {message}"))
}

fn refused(message: impl std::fmt::Display) -> S3Error {
    S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", format!("Invalid according to Policy: {message}"))
}

/// Fields the policy need not name: the signature's own, the file and `x-ignore-*`.
fn exempt(field: &str) -> bool {
    matches!(field, "awsaccesskeyid" | "signature" | "x-amz-signature" | "policy" | "file")
        || field.starts_with("x-ignore-")
}

/// A condition's field: `$name`, lowercased (form field names are case-insensitive).
fn field_name(v: &Value, condition: &Value) -> Result<String, S3Error> {
    v.as_str()
        .and_then(|s| s.strip_prefix('$'))
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| invalid(format!("Invalid Condition: the field must be a $name: {condition}")))
}

fn size(v: &Value, condition: &Value) -> Result<u64, S3Error> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).ok_or_else(|| {
        invalid(format!("Invalid Condition: content-length-range takes two non-negative integers: {condition}"))
    })
}

fn condition_of(c: &Value) -> Result<Vec<Condition>, S3Error> {
    match c {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let value = v
                    .as_str()
                    .ok_or_else(|| invalid(format!("Invalid Simple-Condition: value must be a string: {c}")))?;
                Ok(Condition::Eq { field: k.to_ascii_lowercase(), value: value.into(), text: c.to_string() })
            })
            .collect(),
        Value::Array(items) => {
            let op = items.first().and_then(Value::as_str).map(str::to_ascii_lowercase);
            match (op.as_deref(), items.len()) {
                (Some("content-length-range"), 3) => {
                    let (min, max) = (size(&items[1], c)?, size(&items[2], c)?);
                    Ok(vec![Condition::Length { min, max }])
                }
                (Some(op @ ("eq" | "starts-with")), 3) => {
                    let field = field_name(&items[1], c)?;
                    let value = items[2]
                        .as_str()
                        .ok_or_else(|| invalid(format!("Invalid Condition: the value must be a string: {c}")))?
                        .to_string();
                    let text = c.to_string();
                    Ok(vec![match op {
                        "eq" => Condition::Eq { field, value, text },
                        _ => Condition::StartsWith { field, prefix: value, text },
                    }])
                }
                _ => Err(invalid(format!("Invalid Condition: {c}"))),
            }
        }
        _ => Err(invalid(format!("Invalid Condition: {c}"))),
    }
}

impl PostPolicy {
    /// Reads the form's `policy` field.
    pub(crate) fn parse(encoded: &str) -> Result<PostPolicy, S3Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| invalid("the policy is not base64."))?;
        let doc: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("Invalid JSON."))?;
        let expiration = doc.get("expiration").ok_or_else(|| invalid("Policy missing expiration."))?;
        let expiration = expiration
            .as_str()
            .and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
            .ok_or_else(|| invalid(format!("Invalid 'expiration' value: {expiration}")))?
            .unix_timestamp();
        let conditions = doc.get("conditions").ok_or_else(|| invalid("Policy missing conditions."))?;
        let conditions = conditions.as_array().ok_or_else(|| invalid("Invalid 'conditions' value: not a list."))?;
        let mut parsed = Vec::new();
        for c in conditions {
            parsed.extend(condition_of(c)?);
        }
        Ok(PostPolicy { expiration, conditions: parsed })
    }

    /// Checks the policy at `now` (Unix seconds) against the form's `fields` (names
    /// lowercased) for an upload into `bucket`; the size range the file must fall in.
    pub(crate) fn check(&self, now: i64, bucket: &str, fields: &[(String, String)]) -> Result<(u64, u64), S3Error> {
        if now >= self.expiration {
            return Err(refused("Policy expired."));
        }
        let value = |name: &str| match name {
            "bucket" => Some(bucket),
            _ => fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
        };
        let mut range = (0, u64::MAX);
        for c in &self.conditions {
            let met = match c {
                Condition::Eq { field, value: want, .. } => value(field) == Some(want.as_str()),
                Condition::StartsWith { field, prefix, .. } => {
                    value(field).is_some_and(|v| v.starts_with(prefix.as_str()))
                }
                Condition::Length { min, max } => {
                    range = (range.0.max(*min), range.1.min(*max));
                    true
                }
            };
            if let (false, Condition::Eq { text, .. } | Condition::StartsWith { text, .. }) = (met, c) {
                return Err(refused(format!("Policy Condition failed: {text}")));
            }
        }
        let named = |field: &str| {
            self.conditions.iter().any(|c| match c {
                Condition::Eq { field: f, .. } | Condition::StartsWith { field: f, .. } => f == field,
                Condition::Length { .. } => false,
            })
        };
        let extra: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).filter(|k| !exempt(k) && !named(k)).collect();
        if !extra.is_empty() {
            return Err(refused(format!("Extra input fields: {}", extra.join(", "))));
        }
        Ok(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(doc: &str) -> Result<PostPolicy, S3Error> {
        PostPolicy::parse(&base64::engine::general_purpose::STANDARD.encode(doc))
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const NOW: i64 = 1_893_456_000 - 60; // a minute before 2030-01-01

    #[test]
    fn conditions_decide_and_name_what_failed() {
        let p = policy(
            r#"{"expiration": "2030-01-01T00:00:00.000Z", "conditions": [{"bucket": "b"}, ["starts-with", "$key", "up/"],
                {"acl": "private"}, ["eq", "$Content-Type", "text/plain"], ["content-length-range", 1, "100"]]}"#,
        )
        .unwrap();
        let ok = fields(&[("key", "up/a"), ("acl", "private"), ("content-type", "text/plain"), ("x-ignore-me", "1")]);
        assert_eq!(p.check(NOW, "b", &ok).unwrap(), (1, 100));
        let e = p.check(NOW, "other", &ok).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("AccessDenied", r#"Invalid according to Policy: Policy Condition failed: {"bucket":"b"}"#)
        );
        let e = p
            .check(NOW, "b", &fields(&[("key", "down/a"), ("acl", "private"), ("content-type", "text/plain")]))
            .unwrap_err();
        assert!(e.message.contains(r#"["starts-with","$key","up/"]"#), "{}", e.message);
        let e = p.check(NOW, "b", &fields(&[("key", "up/a"), ("acl", "private")])).unwrap_err();
        assert!(e.message.contains("$Content-Type"), "a missing field fails its condition: {}", e.message);
        let mut extra = ok.clone();
        extra.push(("x-amz-meta-a".into(), "1".into()));
        let e = p.check(NOW, "b", &extra).unwrap_err();
        assert_eq!(e.message, "Invalid according to Policy: Extra input fields: x-amz-meta-a");
        assert_eq!(
            p.check(1_893_456_000, "b", &ok).unwrap_err().message,
            "Invalid according to Policy: Policy expired."
        );
    }

    #[test]
    fn malformed_policies_are_invalid_documents() {
        for (doc, says) in [
            ("not json", "Invalid JSON."),
            (r#"{"conditions": []}"#, "Policy missing expiration."),
            (r#"{"expiration": "2030-01-01T00:00:00Z"}"#, "Policy missing conditions."),
            (r#"{"expiration": "tomorrow", "conditions": []}"#, "Invalid 'expiration' value"),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["matches", "$key", "a"]]}"#,
                "Invalid Condition",
            ),
            (r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "key", "a"]]}"#, "must be a $name"),
            (r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"acl": 1}]}"#, "Invalid Simple-Condition"),
        ] {
            let e = policy(doc).unwrap_err();
            assert_eq!(e.code, "InvalidPolicyDocument");
            assert!(e.message.contains(says), "{doc}: {}", e.message);
        }
    }
}
