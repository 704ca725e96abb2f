//! Reading an awsJson request document: members by name, with the service's error for a
//! missing member (SSM's `ValidationException`, Secrets Manager's
//! `InvalidParameterException`) and `SerializationException` for one of the wrong JSON type,
//! as botocore-shaped clients never send one.

use crate::ApiError;
use crate::json::serialization;
use serde_json::{Map, Value};

/// The members of a request document.
pub struct Input {
    members: Map<String, Value>,
    /// The error code of a missing required member (`ValidationException`...).
    missing: &'static str,
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

impl Input {
    /// The body as a JSON object (an empty body is `{}`); a missing required member is
    /// refused with the code `missing`.
    pub fn parse(body: &[u8], missing: &'static str) -> Result<Input, ApiError> {
        if body.is_empty() {
            return Ok(Input { members: Map::new(), missing });
        }
        match serde_json::from_slice(body) {
            Ok(Value::Object(members)) => Ok(Input { members, missing }),
            Ok(_) => Err(serialization("the request body must be a JSON object")),
            Err(e) => Err(serialization(format!("the request body is not JSON: {e}"))),
        }
    }

    /// Every member, as sent.
    pub fn members(&self) -> &Map<String, Value> {
        &self.members
    }

    /// Member `name`, unless absent or null.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name).filter(|v| !v.is_null())
    }

    /// An optional string member.
    pub fn str(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(serialization(format!("{name} must be a string"))),
        }
    }

    /// A required string member.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.str(name)?.ok_or_else(|| {
            ApiError::new(
                http::StatusCode::BAD_REQUEST,
                self.missing,
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(name)
                ),
            )
        })
    }

    /// An optional boolean member (false when absent).
    pub fn bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(serialization(format!("{name} must be a boolean"))),
        }
    }

    /// An optional integer member.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| serialization(format!("{name} must be an integer"))),
        }
    }

    /// An optional list of strings (empty when absent).
    pub fn strings(&self, name: &str) -> Result<Vec<String>, ApiError> {
        strings(self.get(name), name)
    }

    /// An optional object member.
    pub fn object(&self, name: &str) -> Result<Option<Input>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Input { members: m.clone(), missing: self.missing })),
            Some(_) => Err(serialization(format!("{name} must be an object"))),
        }
    }

    /// An optional list of objects (empty when absent).
    pub fn objects(&self, name: &str) -> Result<Vec<Input>, ApiError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::Object(m) => Ok(Input { members: m.clone(), missing: self.missing }),
                    _ => Err(serialization(format!("{name} must be a list of objects"))),
                })
                .collect(),
            Some(_) => Err(serialization(format!("{name} must be a list"))),
        }
    }

    /// `[{"Key": k, "Value": v}, …]`.
    pub fn tags(&self, name: &str) -> Result<Vec<(String, String)>, ApiError> {
        self.objects(name)?
            .iter()
            .map(|t| Ok((t.required("Key")?.to_string(), t.required("Value")?.to_string())))
            .collect()
    }
}

fn strings(v: Option<&Value>, name: &str) -> Result<Vec<String>, ApiError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(|| serialization(format!("{name} must be strings"))))
            .collect(),
        Some(_) => Err(serialization(format!("{name} must be a list of strings"))),
    }
}
