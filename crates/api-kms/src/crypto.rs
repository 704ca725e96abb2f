//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext and
//! GenerateRandom. `DryRun` is honoured: the request is checked and carried out, and its
//! result withheld (`DryRunOperationException`), since these operations change nothing.

use crate::encode::blob as encode_blob;
use crate::errors::{denied_by_key_policy, error, unsupported, validation};
use crate::input::{Input, context, count, refuse_unhonoured, required_blob};
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_params::keys::KeyManager;

const ALGORITHM: &str = "SYMMETRIC_DEFAULT";

/// Refuses using an AWS-managed key directly: its key policy lets only its service use it
/// (`kms:ViaService`), and binds the account's root too.
fn not_managed(state: &ApiState, req: &ApiRequest, action: &str, key_arn: Option<String>) -> Result<(), ApiError> {
    let Some(info) = key_arn.and_then(|k| state.params.keys.info(&k).ok()) else { return Ok(()) };
    if info.manager != KeyManager::Aws {
        return Ok(());
    }
    let root = format!("arn:aws:iam::{}:root", squall_types::ACCOUNT_ID);
    let principal = req.caller.as_ref().map_or(root.as_str(), |c| c.arn.as_str());
    Err(denied_by_key_policy(principal, action, &info.arn))
}

/// `out`, unless the request is a dry run.
fn answer(input: &Input, out: Value) -> Result<Value, ApiError> {
    if input.bool("DryRun")? {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        ));
    }
    Ok(out)
}

/// GenerateDataKey's length: `KeySpec` (AES_256, AES_128) or `NumberOfBytes`, one of them.
fn data_key_length(input: &Input) -> Result<usize, ApiError> {
    match (input.str("KeySpec")?, count(input, "NumberOfBytes")?) {
        (Some(_), Some(_)) => Err(validation("KeySpec and NumberOfBytes are mutually exclusive: give one of them.")),
        (None, None) => Err(validation("Please specify either number of bytes or key spec.")),
        (None, Some(n)) => Ok(n),
        (Some("AES_256"), None) => Ok(32),
        (Some("AES_128"), None) => Ok(16),
        (Some(other), None) => Err(validation(format!(
            "1 validation error detected: Value '{other}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        ))),
    }
}

/// The cryptographic operations; `None` for an operation that is not one of them.
pub(crate) fn call(state: &ApiState, req: &ApiRequest, op: &str, input: &Input) -> Result<Option<Value>, ApiError> {
    let keys = &state.params.keys;
    let out = match op {
        "Encrypt" => {
            refuse_unhonoured(input, &["EncryptionAlgorithm"])?;
            let key = input.required("KeyId")?;
            let plaintext = required_blob(input, "Plaintext")?;
            not_managed(state, req, "kms:Encrypt", keys.resolve(key).ok())?;
            let out = keys.encrypt(key, &plaintext, &context(input, "EncryptionContext")?).map_err(error)?;
            answer(
                input,
                json!({ "CiphertextBlob": encode_blob(&out.ciphertext), "KeyId": out.key_arn, "EncryptionAlgorithm": ALGORITHM }),
            )?
        }
        "Decrypt" => {
            refuse_unhonoured(input, &["EncryptionAlgorithm"])?;
            let ciphertext = required_blob(input, "CiphertextBlob")?;
            not_managed(state, req, "kms:Decrypt", keys.key_of_ciphertext(&ciphertext))?;
            let context = context(input, "EncryptionContext")?;
            let out = keys.decrypt(&ciphertext, &context, input.str("KeyId")?).map_err(error)?;
            answer(
                input,
                json!({ "Plaintext": encode_blob(&out.plaintext), "KeyId": out.key_arn, "EncryptionAlgorithm": ALGORITHM }),
            )?
        }
        "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" => {
            refuse_unhonoured(input, &[])?;
            let key = input.required("KeyId")?;
            let len = data_key_length(input)?;
            not_managed(state, req, &format!("kms:{op}"), keys.resolve(key).ok())?;
            let out = keys.generate_data_key(key, &context(input, "EncryptionContext")?, len).map_err(error)?;
            let mut doc = json!({ "CiphertextBlob": encode_blob(&out.ciphertext), "KeyId": out.key_arn });
            if op == "GenerateDataKey" {
                doc["Plaintext"] = encode_blob(&out.plaintext);
            }
            answer(input, doc)?
        }
        "ReEncrypt" => {
            refuse_unhonoured(input, &["SourceEncryptionAlgorithm", "DestinationEncryptionAlgorithm"])?;
            let ciphertext = required_blob(input, "CiphertextBlob")?;
            let destination = input.required("DestinationKeyId")?;
            not_managed(state, req, "kms:ReEncryptFrom", keys.key_of_ciphertext(&ciphertext))?;
            not_managed(state, req, "kms:ReEncryptTo", keys.resolve(destination).ok())?;
            let out = keys
                .re_encrypt(
                    &ciphertext,
                    &context(input, "SourceEncryptionContext")?,
                    input.str("SourceKeyId")?,
                    destination,
                    &context(input, "DestinationEncryptionContext")?,
                )
                .map_err(error)?;
            answer(
                input,
                json!({
                    "CiphertextBlob": encode_blob(&out.ciphertext),
                    "SourceKeyId": out.source_key_arn,
                    "KeyId": out.key_arn,
                    "SourceEncryptionAlgorithm": ALGORITHM,
                    "DestinationEncryptionAlgorithm": ALGORITHM,
                }),
            )?
        }
        "GenerateRandom" => {
            if let Some(store) = input.str("CustomKeyStoreId")? {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "CustomKeyStoreNotFoundException",
                    format!("CustomKeyStoreId {store}: Squall has no custom key stores."),
                ));
            }
            if input.get("Recipient").is_some() {
                return Err(unsupported(
                    "Recipient (a Nitro Enclaves attestation document) is not supported by Squall.",
                ));
            }
            let len = count(input, "NumberOfBytes")?.ok_or_else(|| {
                validation("1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null")
            })?;
            json!({ "Plaintext": encode_blob(&keys.generate_random(len).map_err(error)?) })
        }
        _ => return Ok(None),
    };
    Ok(Some(out))
}
