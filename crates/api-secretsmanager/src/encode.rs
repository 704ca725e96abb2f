//! Secrets as Secrets Manager's documents.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};
use squall_params::secrets::{NewValue, SecretInfo, SecretValue, VersionInfo};

/// Epoch seconds, as the JSON protocols carry timestamps.
pub(crate) fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

fn tags(t: &[(String, String)]) -> Value {
    json!(t.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>())
}

/// DescribeSecret's answer, or a ListSecrets entry (`stages_member`: `VersionIdsToStages`
/// or `SecretVersionsToStages`).
pub(crate) fn secret(i: &SecretInfo, stages_member: &str) -> Value {
    let h = &i.head;
    let mut out = Map::new();
    out.insert("ARN".into(), json!(h.arn));
    out.insert("Name".into(), json!(i.name));
    if let Some(d) = &h.description {
        out.insert("Description".into(), json!(d));
    }
    out.insert("RotationEnabled".into(), json!(false));
    out.insert("LastChangedDate".into(), seconds(h.changed_ms));
    if let Some(a) = h.accessed_ms {
        out.insert("LastAccessedDate".into(), seconds(a));
    }
    if let Some(d) = h.deleted_ms {
        out.insert("DeletedDate".into(), seconds(d));
    }
    if !h.tags.is_empty() {
        out.insert("Tags".into(), tags(&h.tags));
    }
    out.insert(stages_member.into(), json!(i.stages));
    out.insert("CreatedDate".into(), seconds(h.created_ms));
    Value::Object(out)
}

/// GetSecretValue's answer.
pub(crate) fn value(v: &SecretValue) -> Value {
    let mut out = json!({
        "ARN": v.arn,
        "Name": v.name,
        "VersionId": v.version_id,
        "VersionStages": v.stages,
        "CreatedDate": seconds(v.created_ms),
    });
    match &v.value {
        NewValue::String(s) => out["SecretString"] = json!(s),
        NewValue::Binary(b) => out["SecretBinary"] = json!(B64.encode(b)),
    }
    out
}

/// A ListSecretVersionIds entry.
pub(crate) fn version(v: &VersionInfo) -> Value {
    json!({ "VersionId": v.id, "VersionStages": v.stages, "CreatedDate": seconds(v.created_ms) })
}
