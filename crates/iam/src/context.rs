//! What a request brings to an evaluation: its condition keys and their values.

use std::collections::HashMap;

/// Condition keys (compared ignoring case, as IAM does) and their values; a multivalued
/// key (`aws:TagKeys`) has several.
#[derive(Debug, Clone, Default)]
pub struct Context {
    keys: HashMap<String, Vec<String>>,
}

impl Context {
    /// Sets `key` to one value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    /// Sets `key` to several values.
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), values);
        self
    }

    /// Adds every key of `other` (replacing any of the same name).
    pub fn extend(&mut self, other: &Context) -> &mut Self {
        self.keys.extend(other.keys.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }

    /// The values of `key`, if the request has it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.keys.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// The value of a single-valued `key`.
    pub fn single(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            [one] => Some(one),
            _ => None,
        }
    }
}
