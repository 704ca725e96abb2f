//! Parameters as SSM's documents: `Parameter`, `ParameterMetadata`, `ParameterHistory`.

use serde_json::{Value, json};
use squall_params::parameters::{Found, Kind, modified_by};

/// Epoch seconds, as the JSON protocols carry timestamps.
pub(crate) fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// A `Parameter` (GetParameter, GetParameters, GetParametersByPath).
pub(crate) fn parameter(f: &Found) -> Value {
    let v = &f.version;
    let mut out = json!({
        "Name": f.name,
        "Type": v.kind.as_str(),
        "Value": v.value,
        "Version": v.version,
        "LastModifiedDate": seconds(v.modified_ms),
        "ARN": f.arn,
        "DataType": v.data_type,
    });
    if let Some(s) = &f.selector {
        out["Selector"] = json!(s);
    }
    out
}

fn common(f: &Found) -> Value {
    let v = &f.version;
    let mut out = json!({
        "Name": f.name,
        "Type": v.kind.as_str(),
        "LastModifiedDate": seconds(v.modified_ms),
        "LastModifiedUser": modified_by(),
        "Version": v.version,
        "Tier": v.tier.as_str(),
        "Policies": [],
        "DataType": v.data_type,
    });
    if v.kind == Kind::SecureString
        && let Some(k) = &v.key_id
    {
        out["KeyId"] = json!(k);
    }
    if let Some(d) = &v.description {
        out["Description"] = json!(d);
    }
    if let Some(p) = &v.allowed_pattern {
        out["AllowedPattern"] = json!(p);
    }
    out
}

/// A `ParameterMetadata` (DescribeParameters): no value.
pub(crate) fn metadata(f: &Found) -> Value {
    let mut out = common(f);
    out["ARN"] = json!(f.arn);
    out
}

/// A `ParameterHistory` entry (GetParameterHistory).
pub(crate) fn history(f: &Found) -> Value {
    let mut out = common(f);
    out["Value"] = json!(f.version.value);
    out["Labels"] = json!(f.version.labels.iter().collect::<Vec<_>>());
    out
}
