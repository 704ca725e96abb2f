//! Request documents: members read with ValidationException for a missing one, blobs in
//! base64, encryption contexts; and the members Squall does not honour, refused by name.

use crate::errors::{unsupported, validation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use http::StatusCode;
use serde_json::Value;
use squall_api::ApiError;
use squall_api::json::serialization;
pub(crate) use squall_api::json_input::Input;
use squall_params::keys::EncryptionContext;

/// The request body's members.
pub(crate) fn parse(body: &[u8]) -> Result<Input, ApiError> {
    Input::parse(body, "ValidationException")
}

/// An optional blob member (base64 in JSON).
pub(crate) fn blob(input: &Input, name: &str) -> Result<Option<Vec<u8>>, ApiError> {
    input.str(name)?.map(|b| B64.decode(b).map_err(|e| serialization(format!("{name} is not base64: {e}")))).transpose()
}

/// A required blob member.
pub(crate) fn required_blob(input: &Input, name: &str) -> Result<Vec<u8>, ApiError> {
    input.required(name)?;
    Ok(blob(input, name)?.unwrap_or_default())
}

/// An optional encryption context (a map of strings; empty when absent).
pub(crate) fn context(input: &Input, name: &str) -> Result<EncryptionContext, ApiError> {
    match input.get(name) {
        None => Ok(EncryptionContext::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(serialization(format!("{name} must map strings to strings"))),
            })
            .collect(),
        Some(_) => Err(serialization(format!("{name} must be a map"))),
    }
}

/// An optional count member, checked not negative.
pub(crate) fn count(input: &Input, name: &str) -> Result<Option<usize>, ApiError> {
    match input.int(name)? {
        None => Ok(None),
        Some(n) if n < 0 => Err(validation(format!(
            "1 validation error detected: Value '{n}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to 1",
            lower_first(name)
        ))),
        Some(n) => Ok(Some(n as usize)),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

/// Refuses the members of a cryptographic operation Squall does not honour: grant tokens
/// (Squall makes no grants, so none it was given can be valid), a Nitro Enclaves
/// `Recipient`, `DryRunModifiers`; and an encryption algorithm other than the one a
/// symmetric key has.
pub(crate) fn refuse_unhonoured(input: &Input, algorithms: &[&str]) -> Result<(), ApiError> {
    if !input.strings("GrantTokens")?.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidGrantTokenException",
            "GrantTokens: Squall makes no grants (CreateGrant is not supported), so no grant token is valid; leave GrantTokens out.",
        ));
    }
    if input.get("Recipient").is_some() {
        return Err(unsupported("Recipient (a Nitro Enclaves attestation document) is not supported by Squall."));
    }
    if !input.strings("DryRunModifiers")?.is_empty() {
        return Err(unsupported("DryRunModifiers is not supported by Squall; a DryRun checks the whole request."));
    }
    for name in algorithms {
        match input.str(name)? {
            None | Some("SYMMETRIC_DEFAULT") => {}
            Some(a @ ("RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "SM2PKE")) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidKeyUsageException",
                    format!(
                        "{name} {a} is not valid for a symmetric encryption key: its only algorithm is SYMMETRIC_DEFAULT."
                    ),
                ));
            }
            Some(a) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{a}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]",
                    lower_first(name)
                )));
            }
        }
    }
    Ok(())
}

/// `[{"TagKey": k, "TagValue": v}, …]`.
pub(crate) fn tags(input: &Input) -> Result<Vec<(String, String)>, ApiError> {
    input
        .objects("Tags")?
        .iter()
        .map(|t| Ok((t.required("TagKey")?.to_string(), t.required("TagValue")?.to_string())))
        .collect()
}
