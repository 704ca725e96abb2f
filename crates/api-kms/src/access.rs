//! What each operation is authorized on: the key its `KeyId` names (an alias resolved to
//! its key's ARN, as KMS authorizes it), the key a ciphertext names for Decrypt; the alias
//! and the keys on both sides for the alias operations; `kms:ReEncryptFrom` on the source
//! key and `kms:ReEncryptTo` on the destination for ReEncrypt.

use crate::input::{Input, blob};
use squall_api::authorize::{authorize, authorize_each};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_params::keys::refs::alias_arn;

/// Authorizes `op` of `input` for the request's caller, before anything reads the input
/// further.
pub(crate) fn authorize_request(state: &ApiState, req: &ApiRequest, op: &str, input: &Input) -> Result<(), ApiError> {
    let keys = &state.params.keys;
    let request_keys = squall_api::request_keys::of_json(input.members());
    let caller = req.who().with_keys(&request_keys);
    let member = |name: &str| input.str(name).ok().flatten();
    let key = |name: &str| member(name).map(|r| keys.arn_of(r));
    // The key a ciphertext names, else the one the request expects: `*` when neither.
    let ciphertext_key = |expected: &str| {
        let named = blob(input, "CiphertextBlob").ok().flatten().and_then(|b| keys.key_of_ciphertext(&b));
        named.or_else(|| key(expected))
    };
    match op {
        "CreateAlias" | "UpdateAlias" | "DeleteAlias" => authorize_each(state, caller, "kms", op, || {
            let action = squall_api::actions::find("kms", op).map_or("kms:CreateAlias", |a| a.action);
            let mut checks = Vec::new();
            if let Some(name) = member("AliasName") {
                checks.push((action, alias_arn(&state.region, name)));
                // The key it points to now.
                if op != "CreateAlias"
                    && let Ok(current) = keys.resolve(name)
                {
                    checks.push((action, current));
                }
            }
            checks.extend(key("TargetKeyId").map(|k| (action, k)));
            checks
        }),
        "ReEncrypt" => authorize_each(state, caller, "kms", op, || {
            vec![
                ("kms:ReEncryptFrom", ciphertext_key("SourceKeyId").unwrap_or_else(|| "*".into())),
                ("kms:ReEncryptTo", key("DestinationKeyId").unwrap_or_else(|| "*".into())),
            ]
        }),
        "Decrypt" => authorize(state, caller, "kms", op, || ciphertext_key("KeyId").into_iter().collect()),
        _ => authorize(state, caller, "kms", op, || key("KeyId").into_iter().collect()),
    }
}
