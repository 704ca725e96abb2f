//! The operations: decode, call, encode.

use crate::encode::{seconds, secret, value, version};
use crate::errors::{error, invalid_request, validation};
use crate::input::Input;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::json::{json11, serialization};
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_params::secrets::password::{PasswordRules, random_password};
use squall_params::secrets::{Create, ListSecrets, NewValue, SecretFilter, StageMove, Written};
use squall_runtime::Body;

/// Secrets Manager: awsJson1.1, `X-Amz-Target: secretsmanager.<Op>`.
pub static SERVICE: Service = Service {
    name: "secretsmanager",
    signing_name: Some("secretsmanager"),
    protocol: Protocol::AwsJson11,
    recognition: Recognition::Target("secretsmanager"),
    // Secrets Manager's errors carry the bare code in `__type`.
    namespace: "",
    query_code: None,
    unsigned: never,
    // A 64 KiB value, base64-encoded and escaped, with its tags.
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

type Reply = Result<http::Response<Body>, ApiError>;

/// `SecretString` or `SecretBinary` (base64), at most one.
fn new_value(input: &Input) -> Result<Option<NewValue>, ApiError> {
    let binary = match input.str("SecretBinary")? {
        Some(b) => Some(B64.decode(b).map_err(|e| serialization(format!("SecretBinary is not base64: {e}")))?),
        None => None,
    };
    NewValue::from_parts(input.str("SecretString")?.map(str::to_string), binary).map_err(error)
}

fn written(w: &Written, stages: bool) -> Value {
    let mut out = json!({ "ARN": w.arn, "Name": w.name });
    if let Some(v) = &w.version_id {
        out["VersionId"] = json!(v);
        if stages {
            out["VersionStages"] = json!(w.stages);
        }
    }
    out
}

fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let input = crate::input::parse(&req.body)?;
    let s = &state.params.secrets;
    let keys = squall_api::request_keys::of_json(input.members());
    squall_api::authorize::authorize(state, req.who().with_keys(&keys), "secretsmanager", op, || {
        let id = match op {
            "CreateSecret" => input.str("Name"),
            _ => input.str("SecretId"),
        };
        id.ok().flatten().map(|id| s.arn_of(id)).into_iter().collect()
    })?;
    let out = match op {
        "CreateSecret" => {
            if !input.objects("AddReplicaRegions")?.is_empty() {
                return Err(validation(
                    "Replication (AddReplicaRegions) is not supported by Squall: there is one region.",
                ));
            }
            if input.str("Type")?.is_some() {
                return Err(validation("Type (secrets managed by other services) is not supported by Squall."));
            }
            let c = Create {
                name: input.required("Name")?.to_string(),
                token: owned(input.str("ClientRequestToken")?),
                description: owned(input.str("Description")?),
                kms_key_id: owned(input.str("KmsKeyId")?),
                value: new_value(&input)?,
                tags: input.tags("Tags")?,
            };
            let mut out = written(&s.create(c).await.map_err(error)?, false);
            out["ReplicationStatus"] = json!([]);
            out
        }
        "GetSecretValue" => {
            let v = s
                .get_value(input.required("SecretId")?, input.str("VersionId")?, input.str("VersionStage")?)
                .await
                .map_err(error)?;
            value(&v)
        }
        "PutSecretValue" => {
            if input.str("RotationToken")?.is_some() {
                return Err(invalid_request(
                    "Rotation is not supported by Squall yet: PutSecretValue takes no RotationToken.",
                ));
            }
            let stages = input.get("VersionStages").is_some().then(|| input.strings("VersionStages")).transpose()?;
            let w = s
                .put_value(
                    input.required("SecretId")?,
                    owned(input.str("ClientRequestToken")?),
                    new_value(&input)?,
                    stages,
                )
                .await
                .map_err(error)?;
            written(&w, true)
        }
        "UpdateSecret" => {
            if input.str("Type")?.is_some() {
                return Err(validation("Type (secrets managed by other services) is not supported by Squall."));
            }
            let w = s
                .update(
                    input.required("SecretId")?,
                    owned(input.str("ClientRequestToken")?),
                    owned(input.str("Description")?),
                    owned(input.str("KmsKeyId")?),
                    new_value(&input)?,
                )
                .await
                .map_err(error)?;
            written(&w, false)
        }
        "UpdateSecretVersionStage" => {
            let m = StageMove {
                stage: input.required("VersionStage")?.to_string(),
                remove_from: owned(input.str("RemoveFromVersionId")?),
                move_to: owned(input.str("MoveToVersionId")?),
            };
            let (arn, name) = s.update_stage(input.required("SecretId")?, m).await.map_err(error)?;
            json!({ "ARN": arn, "Name": name })
        }
        "DescribeSecret" => secret(&s.describe(input.required("SecretId")?).map_err(error)?, "VersionIdsToStages"),
        "ListSecrets" => {
            let filters = input
                .objects("Filters")?
                .iter()
                .map(|f| Ok(SecretFilter { key: f.required("Key")?.to_string(), values: f.strings("Values")? }))
                .collect::<Result<Vec<_>, ApiError>>()?;
            let q = ListSecrets {
                filters,
                max_results: input.int("MaxResults")?,
                next_token: owned(input.str("NextToken")?),
                include_planned_deletion: input.bool("IncludePlannedDeletion")?,
                sort_order: owned(input.str("SortOrder")?),
                sort_by: owned(input.str("SortBy")?),
            };
            let (list, next) = s.list(&q).map_err(error)?;
            let entries: Vec<Value> = list.iter().map(|i| secret(i, "SecretVersionsToStages")).collect();
            with_token(json!({ "SecretList": entries }), next)
        }
        "ListSecretVersionIds" => {
            let (arn, name, versions, next) = s
                .list_versions(
                    input.required("SecretId")?,
                    input.bool("IncludeDeprecated")?,
                    input.int("MaxResults")?,
                    input.str("NextToken")?,
                )
                .map_err(error)?;
            let versions: Vec<Value> = versions.iter().map(version).collect();
            with_token(json!({ "Versions": versions, "ARN": arn, "Name": name }), next)
        }
        "DeleteSecret" => {
            let d = s
                .delete(
                    input.required("SecretId")?,
                    input.int("RecoveryWindowInDays")?,
                    input.bool("ForceDeleteWithoutRecovery")?,
                )
                .await
                .map_err(error)?;
            json!({ "ARN": d.arn, "Name": d.name, "DeletionDate": seconds(d.deletion_ms) })
        }
        "RestoreSecret" => {
            let (arn, name) = s.restore(input.required("SecretId")?).await.map_err(error)?;
            json!({ "ARN": arn, "Name": name })
        }
        "TagResource" => {
            s.tag(input.required("SecretId")?, input.tags("Tags")?).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            s.untag(input.required("SecretId")?, &input.strings("TagKeys")?).await.map_err(error)?;
            json!({})
        }
        "GetRandomPassword" => {
            let rules = PasswordRules {
                length: input.int("PasswordLength")?,
                exclude_characters: owned(input.str("ExcludeCharacters")?),
                exclude_numbers: input.bool("ExcludeNumbers")?,
                exclude_punctuation: input.bool("ExcludePunctuation")?,
                exclude_uppercase: input.bool("ExcludeUppercase")?,
                exclude_lowercase: input.bool("ExcludeLowercase")?,
                include_space: input.bool("IncludeSpace")?,
                require_each_included_type: input.get("RequireEachIncludedType").and_then(Value::as_bool),
            };
            json!({ "RandomPassword": random_password(&rules).map_err(error)? })
        }
        "RotateSecret" | "CancelRotateSecret" => {
            return Err(invalid_request(format!(
                "Rotation is not supported by Squall yet: {op} is refused. Put a new value with PutSecretValue instead."
            )));
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("{other} is not supported by Squall's Secrets Manager yet"),
            ));
        }
    };
    Ok(json11(&out))
}
