//! Lambda layers: published versions of shared code, and the versions a function uses.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most layers one function may use, as on Lambda.
pub const MAX_FUNCTION_LAYERS: usize = 5;

/// A layer version a function uses: its ARN and the code it froze (a layer version never
/// changes, so the function keeps running it even after the version is deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionLayer {
    /// `arn:aws:lambda:<region>:<account>:layer:<name>:<version>`.
    pub arn: String,
    /// Hex SHA-256 of the layer's zip (the key in the artifact store).
    pub code_sha256: String,
    /// Size of the zip in bytes.
    pub code_size: u64,
}

/// One published version of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerVersion {
    /// The layer's name.
    pub name: String,
    /// Its number, from 1; numbers are never reused.
    pub version: u32,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// When it was published, epoch milliseconds.
    pub created_ms: u64,
    /// The runtimes it says it suits (at most 15), as given.
    #[serde(default)]
    pub compatible_runtimes: Vec<String>,
    /// The architectures it says it suits (at most 2), as given.
    #[serde(default)]
    pub compatible_architectures: Vec<String>,
    /// Its licence, as given.
    #[serde(default)]
    pub license_info: Option<String>,
    /// Hex SHA-256 of its zip (the key in the artifact store).
    pub code_sha256: String,
    /// Size of the zip in bytes.
    pub code_size: u64,
    /// Its policy's statements (AddLayerVersionPermission), by statement id, each a JSON object.
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
    /// Increases with every change of its policy (for `RevisionId`).
    #[serde(default)]
    pub revision: u64,
}

impl LayerVersion {
    /// Its policy document, if it has statements.
    pub fn policy_document(&self) -> Option<String> {
        crate::function::policy_of(&self.permissions)
    }
}

/// The ARN of a layer (all its versions).
pub fn layer_arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{}:layer:{name}", crate::ACCOUNT_ID)
}

/// The ARN of one version of a layer.
pub fn layer_version_arn(region: &str, name: &str, version: u32) -> String {
    format!("{}:{version}", layer_arn(region, name))
}

/// Why `name` cannot name a layer, if it cannot: 1 to 140 letters, digits, `-` and `_`.
pub fn layer_name_problem(name: &str) -> Option<String> {
    let ok =
        (1..=140).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (!ok).then(|| {
        format!(
            "1 validation error detected: Value '{name}' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"
        )
    })
}

/// The parts of a layer version's ARN: region, account, name and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerVersionArn {
    /// Its region.
    pub region: String,
    /// Its account.
    pub account: String,
    /// The layer's name.
    pub name: String,
    /// The version's number.
    pub version: u32,
}

impl LayerVersionArn {
    /// Reads `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`.
    pub fn parse(arn: &str) -> Option<LayerVersionArn> {
        let parts: Vec<&str> = arn.split(':').collect();
        let ["arn", _, "lambda", region, account, "layer", name, version] = parts.as_slice() else { return None };
        let version: u32 = version.parse().ok().filter(|v| *v > 0)?;
        if layer_name_problem(name).is_some() || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(LayerVersionArn {
            region: (*region).to_string(),
            account: (*account).to_string(),
            name: (*name).to_string(),
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_version_arns_parse_with_their_parts() {
        let arn = LayerVersionArn::parse("arn:aws:lambda:us-east-1:000000000000:layer:my_layer-1:3").unwrap();
        assert_eq!((arn.region.as_str(), arn.name.as_str(), arn.version), ("us-east-1", "my_layer-1", 3));
        assert_eq!(
            layer_version_arn("us-east-1", "my_layer-1", 3),
            "arn:aws:lambda:us-east-1:000000000000:layer:my_layer-1:3"
        );
        for bad in [
            "arn:aws:lambda:us-east-1:000000000000:layer:x",
            "arn:aws:lambda:us-east-1:000000000000:layer:x:0",
            "arn:aws:lambda:us-east-1:000000000000:layer:x:latest",
            "arn:aws:lambda:us-east-1:12:layer:x:1",
            "arn:aws:lambda:us-east-1:000000000000:function:x:1",
            "arn:aws:lambda:us-east-1:000000000000:layer:a.b:1",
        ] {
            assert!(LayerVersionArn::parse(bad).is_none(), "{bad}");
        }
        assert!(layer_name_problem("ok-name_1").is_none());
        assert!(layer_name_problem("").is_some() && layer_name_problem(&"x".repeat(141)).is_some());
    }
}
