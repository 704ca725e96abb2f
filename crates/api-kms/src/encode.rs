//! Keys and aliases as KMS's documents.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use squall_params::keys::{AliasInfo, KeyInfo, Page};
use squall_types::ACCOUNT_ID;

/// Epoch seconds, as the JSON protocols carry timestamps.
pub(crate) fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// A blob member: base64.
pub(crate) fn blob(bytes: &[u8]) -> Value {
    json!(B64.encode(bytes))
}

/// `KeyMetadata`: a symmetric encryption key whose material Squall made.
pub(crate) fn key_metadata(k: &KeyInfo) -> Value {
    let mut out = json!({
        "AWSAccountId": ACCOUNT_ID,
        "KeyId": k.id,
        "Arn": k.arn,
        "CreationDate": seconds(k.created_ms),
        "Enabled": k.state == squall_params::keys::KeyState::Enabled,
        "Description": k.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": k.state.as_str(),
        "Origin": "AWS_KMS",
        "KeyManager": k.manager.as_str(),
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": false,
    });
    if let Some(d) = k.deletion_ms {
        out["DeletionDate"] = seconds(d);
    }
    out
}

/// An `AliasListEntry`.
pub(crate) fn alias(a: &AliasInfo) -> Value {
    json!({
        "AliasName": a.name,
        "AliasArn": a.arn,
        "TargetKeyId": a.key_id,
        "CreationDate": seconds(a.created_ms),
        "LastUpdatedDate": seconds(a.updated_ms),
    })
}

/// A listing's answer: `member` holding each item encoded, `Truncated`, and `NextMarker`
/// when there is more.
pub(crate) fn page<T>(member: &str, page: &Page<T>, item: impl Fn(&T) -> Value) -> Value {
    let mut out =
        json!({ member: page.items.iter().map(item).collect::<Vec<_>>(), "Truncated": page.next_marker.is_some() });
    if let Some(m) = &page.next_marker {
        out["NextMarker"] = json!(m);
    }
    out
}
