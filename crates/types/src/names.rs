//! Validated names: a value of these types is always a legal name.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} name {name:?} is invalid: {reason}")]
pub struct NameError {
    /// Which kind of name ("function", "service").
    pub kind: &'static str,
    /// The refused input.
    pub name: String,
    /// What rule it breaks.
    pub reason: &'static str,
}

/// A function name, as Lambda allows it: 1-64 of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FunctionName(String);

impl FunctionName {
    /// Validates `name`.
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        let err = |reason| NameError { kind: "function", name: name.clone(), reason };
        if name.is_empty() || name.len() > 64 {
            return Err(err("it must be 1 to 64 characters long"));
        }
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(err("only letters, digits, '-' and '_' are allowed"));
        }
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A service name, as the Serverless Framework allows it: a letter, then up to 127 of
/// `[A-Za-z0-9-]`. It is also the first path segment of the service's HTTP routes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceName(String);

impl ServiceName {
    /// Validates `name`.
    pub fn new(name: impl Into<String>) -> Result<Self, NameError> {
        let name = name.into();
        let err = |reason| NameError { kind: "service", name: name.clone(), reason };
        if name.is_empty() || name.len() > 128 {
            return Err(err("it must be 1 to 128 characters long"));
        }
        if !name.as_bytes()[0].is_ascii_alphabetic() {
            return Err(err("it must start with a letter"));
        }
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(err("only letters, digits and '-' are allowed"));
        }
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, NameError> {
                Self::new(s)
            }
        }
        impl From<$t> for String {
            fn from(n: $t) -> String {
                n.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
string_newtype_impls!(FunctionName);
string_newtype_impls!(ServiceName);

/// Checks a stage name: what API Gateway takes that can also end a service's name.
pub fn check_stage(stage: &str) -> Result<(), String> {
    if stage.is_empty() || stage.len() > 64 || !stage.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(format!("stage {stage:?} must be 1 to 64 letters, digits and hyphens"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        assert!(FunctionName::new("hello-greet_1").is_ok());
        assert!(FunctionName::new("").is_err());
        assert!(FunctionName::new("a".repeat(65)).is_err());
        assert!(FunctionName::new("a/b").is_err());
    }

    #[test]
    fn service_names() {
        assert!(ServiceName::new("hello").is_ok());
        assert!(ServiceName::new("1hello").is_err());
        assert!(ServiceName::new("hel_lo").is_err());
    }
}
