//! [`FilterPolicy`]: SNS subscription filter policies, the event-pattern language as SNS reads it.
//!
//! SNS compiles filter policies with the engine EventBridge runs (aws/event-ruler), so a policy
//! is compiled and matched here by the same code as an event pattern, with SNS's differences:
//!
//! - Operators: exact values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values,
//!   or `{"prefix": "x"}`; its `suffix`, `equals-ignore-case` and `wildcard` forms are refused as
//!   "Unsupported anything-but pattern", recorded against AWS in 2024), `numeric`, `exists` and
//!   `cidr`. `exactly`, `wildcard` and the ignore-case affixes are refused.
//! - `numeric` operands lie within ±1e9, the SNS limit; message values outside never satisfy a
//!   range, whose open ends are ±1e9.
//! - `$or` is the OR operator only when its value is an array of at least two objects none of
//!   whose keys is an operator name (the SNS guide's rule); otherwise it is an ordinary key.
//! - With `MessageAttributes` scope keys are attribute names and nesting is refused; with
//!   `MessageBody` scope the body is an event, matched as patterns match events (nested keys,
//!   arrays, array consistency).
//! - Refusals carry event-ruler's message without Jackson's location suffix, as SNS words them
//!   after `Invalid parameter: FilterPolicy: `; SNS's own checks come first (size, JSON syntax,
//!   an empty policy) and its limits last: five keys per `$or` alternative (top-level keys only),
//!   150 combinations (a key weighs its number of values x its nesting depth; keys multiply,
//!   `$or` alternatives add up), the formula of the guide's nested example and of LocalStack's
//!   AWS-validated tests.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::compile::{self, Language, Shape};
use crate::event::EventView;
use crate::pattern::Pattern;

/// SNS refuses policy documents larger than 256 KB.
const MAX_POLICY_BYTES: usize = 256 * 1024;
/// SNS allows five keys per policy (per `$or` alternative, top-level keys only).
const MAX_KEYS: usize = 5;
/// SNS's cap on the policy's total combination of values.
const MAX_COMBINATIONS: u64 = 150;

/// A value that is present but has no content to compare (see [`AttributeValue::Opaque`]).
static OPAQUE: LazyLock<Value> = LazyLock::new(|| Value::Object(Map::new()));

/// A parsed, validated filter policy.
#[derive(Debug, Clone)]
pub struct FilterPolicy {
    pattern: Pattern,
}

/// What a message attribute holds, as the policy compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A JSON value: a string (String attributes), a number (Number ones) or an array whose
    /// elements are compared one by one (String.Array ones).
    Json(Value),
    /// An attribute that is present but carries nothing comparable (Binary attributes, arrays
    /// that do not parse): it satisfies `exists` and no other condition.
    Opaque,
}

impl FilterPolicy {
    /// Parses and validates a policy; `nested` is false with `MessageAttributes` scope. `Err` is
    /// SNS's message after `Invalid parameter: FilterPolicy: `.
    pub fn parse(text: &str, nested: bool) -> Result<FilterPolicy, String> {
        if text.len() > MAX_POLICY_BYTES {
            return Err("Filter policy is too large".to_string());
        }
        match serde_json::from_str::<Value>(text) {
            Err(e) => return Err(format!("failed to parse JSON. {e}")),
            Ok(Value::Object(object)) if object.is_empty() => return Err("Filter policy can not be empty".to_string()),
            Ok(_) => {}
        }
        let compiled = compile::compile(text, Language::FilterPolicy { nested }).map_err(|e| e.reason().to_string())?;
        check_limits(&compiled.shape)?;
        let pattern = Pattern::compiled(compiled.branches).map_err(|e| e.reason().to_string())?;
        Ok(FilterPolicy { pattern })
    }

    /// Whether a JSON message body matches (`MessageBody` scope); a body that is not a JSON
    /// object matches nothing, not even a policy of `exists: false` conditions.
    pub fn matches_body(&self, body: &str) -> bool {
        match serde_json::from_str::<Value>(body) {
            Ok(event) => self.pattern.matches(&event),
            Err(_) => false,
        }
    }

    /// Whether message attributes match (`MessageAttributes` scope); `lookup` answers an
    /// attribute by name, `None` when the message has no such attribute.
    pub fn matches_attributes(&self, lookup: &dyn Fn(&str) -> Option<AttributeValue>) -> bool {
        let found: Vec<(&str, Value)> = self
            .pattern
            .paths()
            .iter()
            .filter_map(|name| {
                let value = match lookup(name)? {
                    // An empty array is present but holds no element to stand for it.
                    AttributeValue::Json(Value::Array(items)) if items.is_empty() => OPAQUE.clone(),
                    AttributeValue::Json(value) => value,
                    AttributeValue::Opaque => OPAQUE.clone(),
                };
                Some((name.as_str(), value))
            })
            .collect();
        let view = EventView::flat(&OPAQUE, found.iter().map(|(name, value)| (*name, value)));
        self.pattern.matches_view(&view)
    }
}

/// Enforces SNS's combination and key limits on the document's shape.
fn check_limits(shape: &Shape) -> Result<(), String> {
    // Checked first: it also bounds the number of `$or` alternatives `key_sets` expands.
    if complexity(shape) > MAX_COMBINATIONS {
        return Err("Filter policy is too complex".to_string());
    }
    if key_sets(shape).iter().any(|keys| keys.len() > MAX_KEYS) {
        return Err(format!("Filter policy can not have more than {MAX_KEYS} keys"));
    }
    Ok(())
}

/// Total combinations: fields multiply (values x depth), `$or` alternatives add up.
fn complexity(shape: &Shape) -> u64 {
    let fields = shape.fields.iter().fold(1u64, |acc, (_, weight)| acc.saturating_mul(*weight));
    shape.any_of.iter().fold(fields, |acc, group| {
        acc.saturating_mul(group.iter().fold(0u64, |sum, alternative| sum.saturating_add(complexity(alternative))))
    })
}

/// The top-level keys of every combination of `$or` alternatives.
fn key_sets(shape: &Shape) -> Vec<BTreeSet<&str>> {
    let mut sets = vec![shape.fields.iter().map(|(key, _)| key.as_str()).collect::<BTreeSet<&str>>()];
    for group in &shape.any_of {
        let alternatives: Vec<BTreeSet<&str>> = group.iter().flat_map(key_sets).collect();
        sets =
            sets.iter().flat_map(|set| alternatives.iter().map(move |alt| set.union(alt).copied().collect())).collect();
    }
    sets
}
