//! Keys and aliases: CreateKey, DescribeKey, ListKeys, the alias operations, key states
//! and deletion, tags, descriptions, the key policy and the rotation switches.

use crate::encode::{alias, key_metadata, page, seconds};
use crate::errors::{error, unsupported, validation};
use crate::input::{Input, refuse_unhonoured, tags};
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::{ApiError, ApiState};
use squall_params::keys::{CreateKey, POLICY_NAME};

/// TagResource without `Tags`, as KMS words it.
const NO_TAGS: &str =
    "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null";

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

/// CreateKey's input; the members naming features Squall lacks are refused by name.
fn create_key(input: &Input) -> Result<CreateKey, ApiError> {
    if input.str("Policy")?.is_some() {
        return Err(unsupported(
            "Policy (a key policy) is not supported by Squall: every key has the default policy, under which the account's IAM policies decide; leave Policy out.",
        ));
    }
    if input.bool("BypassPolicyLockoutSafetyCheck")? {
        return Err(unsupported(
            "BypassPolicyLockoutSafetyCheck is not supported by Squall: it concerns key policies, which Squall does not take.",
        ));
    }
    if let Some(store) = input.str("CustomKeyStoreId")? {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "CustomKeyStoreNotFoundException",
            format!("CustomKeyStoreId {store}: Squall has no custom key stores."),
        ));
    }
    if input.str("XksKeyId")?.is_some() {
        return Err(unsupported("XksKeyId (a key in an external key store) is not supported by Squall."));
    }
    if input.bool("MultiRegion")? {
        return Err(unsupported("MultiRegion keys are not supported by Squall: there is one region."));
    }
    let spec = input.str("KeySpec")?;
    let legacy = input.str("CustomerMasterKeySpec")?;
    if spec.is_some() && legacy.is_some() {
        return Err(validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
        ));
    }
    Ok(CreateKey {
        description: owned(input.str("Description")?),
        tags: tags(input)?,
        key_usage: owned(input.str("KeyUsage")?),
        key_spec: owned(spec.or(legacy)),
        origin: owned(input.str("Origin")?),
    })
}

/// The key, alias and policy operations; `None` for an operation that is not one of them.
pub(crate) async fn call(state: &ApiState, op: &str, input: &Input) -> Result<Option<Value>, ApiError> {
    let keys = &state.params.keys;
    let key_id = || input.required("KeyId");
    let out = match op {
        "CreateKey" => {
            let key = keys.create(create_key(input)?).await.map_err(error)?;
            json!({ "KeyMetadata": key_metadata(&key) })
        }
        "DescribeKey" => {
            refuse_unhonoured(input, &[])?;
            json!({ "KeyMetadata": key_metadata(&keys.describe(key_id()?).await.map_err(error)?) })
        }
        "ListKeys" => {
            let listed = keys.list_keys(input.int("Limit")?, input.str("Marker")?).map_err(error)?;
            page("Keys", &listed, |k| json!({ "KeyId": k.id, "KeyArn": k.arn }))
        }
        "CreateAlias" => {
            keys.create_alias(input.required("AliasName")?, input.required("TargetKeyId")?).await.map_err(error)?;
            json!({})
        }
        "UpdateAlias" => {
            keys.update_alias(input.required("AliasName")?, input.required("TargetKeyId")?).await.map_err(error)?;
            json!({})
        }
        "DeleteAlias" => {
            keys.delete_alias(input.required("AliasName")?).await.map_err(error)?;
            json!({})
        }
        "ListAliases" => {
            let listed =
                keys.list_aliases(input.str("KeyId")?, input.int("Limit")?, input.str("Marker")?).map_err(error)?;
            page("Aliases", &listed, alias)
        }
        "EnableKey" => {
            keys.enable(key_id()?).await.map_err(error)?;
            json!({})
        }
        "DisableKey" => {
            keys.disable(key_id()?).await.map_err(error)?;
            json!({})
        }
        "ScheduleKeyDeletion" => {
            let s = keys.schedule_deletion(key_id()?, input.int("PendingWindowInDays")?).await.map_err(error)?;
            json!({
                "KeyId": s.key_arn,
                "DeletionDate": seconds(s.deletion_ms),
                "KeyState": "PendingDeletion",
                "PendingWindowInDays": s.days,
            })
        }
        "CancelKeyDeletion" => json!({ "KeyId": keys.cancel_deletion(key_id()?).await.map_err(error)? }),
        "UpdateKeyDescription" => {
            keys.update_description(key_id()?, input.required("Description")?.to_string()).await.map_err(error)?;
            json!({})
        }
        "TagResource" => {
            if input.get("Tags").is_none() {
                return Err(validation(NO_TAGS));
            }
            keys.tag(key_id()?, tags(input)?).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            keys.untag(key_id()?, &input.strings("TagKeys")?).await.map_err(error)?;
            json!({})
        }
        "ListResourceTags" => {
            let listed = keys.list_tags(key_id()?, input.int("Limit")?, input.str("Marker")?).map_err(error)?;
            page("Tags", &listed, |(k, v)| json!({ "TagKey": k, "TagValue": v }))
        }
        "GetKeyPolicy" => {
            let policy = keys.policy(key_id()?, input.str("PolicyName")?).map_err(error)?;
            json!({ "Policy": policy, "PolicyName": POLICY_NAME })
        }
        "ListKeyPolicies" => {
            let listed = keys.policy_names(key_id()?, input.int("Limit")?, input.str("Marker")?).map_err(error)?;
            page("PolicyNames", &listed, |n| json!(n))
        }
        "EnableKeyRotation" => {
            keys.enable_rotation(key_id()?).map_err(error)?;
            json!({})
        }
        "DisableKeyRotation" => {
            keys.disable_rotation(key_id()?).map_err(error)?;
            json!({})
        }
        "GetKeyRotationStatus" => {
            let key = keys.rotation_status(key_id()?).map_err(error)?;
            json!({ "KeyRotationEnabled": false, "KeyId": key.arn })
        }
        _ => return Ok(None),
    };
    Ok(Some(out))
}
