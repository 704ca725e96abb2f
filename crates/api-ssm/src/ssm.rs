//! The operations: decode, call, encode.

use crate::encode::{history, metadata, parameter};
use crate::errors::error;
use crate::input::Input;
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::json::json11;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_params::parameters::filters::Filter;
use squall_params::parameters::{ByPath, Describe, Put};
use squall_runtime::Body;

/// SSM: awsJson1.1, `X-Amz-Target: AmazonSSM.<Op>`.
pub static SERVICE: Service = Service {
    name: "ssm",
    signing_name: Some("ssm"),
    protocol: Protocol::AwsJson11,
    recognition: Recognition::Target("AmazonSSM"),
    // SSM's errors carry the bare code in `__type`.
    namespace: "",
    query_code: None,
    unsigned: never,
    // Ten names, or one value of 8 KB with its tags: far below this.
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

type Reply = Result<http::Response<Body>, ApiError>;

fn filters(input: &Input, name: &str) -> Result<Vec<Filter>, ApiError> {
    input
        .objects(name)?
        .iter()
        .map(|f| {
            Ok(Filter {
                key: f.required("Key")?.to_string(),
                option: f.str("Option")?.map(str::to_string),
                values: f.strings("Values")?,
            })
        })
        .collect()
}

fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    out
}

fn version(input: &Input, name: &str) -> Result<Option<u64>, ApiError> {
    match input.int(name)? {
        None => Ok(None),
        Some(v) if v >= 1 => Ok(Some(v as u64)),
        Some(v) => Err(crate::errors::validation(format!(
            "1 validation error detected: Value '{v}' at 'parameterVersion' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
    }
}

async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let input = crate::input::parse(&req.body)?;
    let p = &state.params.parameters;
    let keys = squall_api::request_keys::of_json(input.members());
    squall_api::authorize::authorize(state, req.who().with_keys(&keys), "ssm", op, || {
        // A selector (`name:3`, `name:label`) names its parameter; an ARN is itself.
        let arn = |name: &str| match name.starts_with("arn:") {
            true => name.to_string(),
            false => p.arn(name.split(':').next().unwrap_or(name)),
        };
        match op {
            "GetParameters" | "DeleteParameters" => {
                input.strings("Names").unwrap_or_default().iter().map(|n| arn(n)).collect()
            }
            "GetParametersByPath" => input.str("Path").ok().flatten().map(arn).into_iter().collect(),
            "AddTagsToResource" | "RemoveTagsFromResource" | "ListTagsForResource" => {
                input.str("ResourceId").ok().flatten().map(arn).into_iter().collect()
            }
            _ => input.str("Name").ok().flatten().map(arn).into_iter().collect(),
        }
    })?;
    let out = match op {
        "PutParameter" => {
            let put = Put {
                name: input.required("Name")?.to_string(),
                value: input.required("Value")?.to_string(),
                kind: input.str("Type")?.map(str::to_string),
                description: input.str("Description")?.map(str::to_string),
                key_id: input.str("KeyId")?.map(str::to_string),
                overwrite: input.bool("Overwrite")?,
                allowed_pattern: input.str("AllowedPattern")?.map(str::to_string),
                tags: input.tags("Tags")?,
                tier: input.str("Tier")?.map(str::to_string),
                data_type: input.str("DataType")?.map(str::to_string),
                policies: input.str("Policies")?.map(str::to_string),
            };
            let done = p.put(put).await.map_err(error)?;
            json!({ "Version": done.version, "Tier": done.tier.as_str() })
        }
        "GetParameter" => {
            let found = p.get(input.required("Name")?, input.bool("WithDecryption")?).map_err(error)?;
            json!({ "Parameter": parameter(&found) })
        }
        "GetParameters" => {
            let (found, invalid) =
                p.get_many(&input.strings("Names")?, input.bool("WithDecryption")?).map_err(error)?;
            json!({ "Parameters": found.iter().map(parameter).collect::<Vec<_>>(), "InvalidParameters": invalid })
        }
        "GetParametersByPath" => {
            let q = ByPath {
                path: input.required("Path")?.to_string(),
                recursive: input.bool("Recursive")?,
                filters: filters(&input, "ParameterFilters")?,
                decrypt: input.bool("WithDecryption")?,
                max_results: input.int("MaxResults")?,
                next_token: input.str("NextToken")?.map(str::to_string),
            };
            let (found, next) = p.by_path(&q).map_err(error)?;
            with_token(json!({ "Parameters": found.iter().map(parameter).collect::<Vec<_>>() }), next)
        }
        "DeleteParameter" => {
            p.delete(input.required("Name")?).await.map_err(error)?;
            json!({})
        }
        "DeleteParameters" => {
            let (deleted, invalid) = p.delete_many(&input.strings("Names")?).await.map_err(error)?;
            json!({ "DeletedParameters": deleted, "InvalidParameters": invalid })
        }
        "DescribeParameters" => {
            if input.bool("Shared")? {
                return Err(crate::errors::validation(
                    "Shared parameters (resource shares) are not supported by Squall: there is one account.",
                ));
            }
            let q = Describe {
                filters: filters(&input, "Filters")?,
                parameter_filters: filters(&input, "ParameterFilters")?,
                max_results: input.int("MaxResults")?,
                next_token: input.str("NextToken")?.map(str::to_string),
            };
            let (found, next) = p.describe(&q).map_err(error)?;
            with_token(json!({ "Parameters": found.iter().map(metadata).collect::<Vec<_>>() }), next)
        }
        "GetParameterHistory" => {
            let (found, next) = p
                .history(
                    input.required("Name")?,
                    input.bool("WithDecryption")?,
                    input.int("MaxResults")?,
                    input.str("NextToken")?,
                )
                .map_err(error)?;
            with_token(json!({ "Parameters": found.iter().map(history).collect::<Vec<_>>() }), next)
        }
        "LabelParameterVersion" => {
            let (v, invalid) = p
                .label(input.required("Name")?, version(&input, "ParameterVersion")?, &input.strings("Labels")?)
                .await
                .map_err(error)?;
            json!({ "InvalidLabels": invalid, "ParameterVersion": v })
        }
        "UnlabelParameterVersion" => {
            let v = version(&input, "ParameterVersion")?.ok_or_else(|| {
                crate::errors::validation(
                    "1 validation error detected: Value null at 'parameterVersion' failed to satisfy constraint: Member must not be null",
                )
            })?;
            let (removed, invalid) =
                p.unlabel(input.required("Name")?, v, &input.strings("Labels")?).await.map_err(error)?;
            json!({ "RemovedLabels": removed, "InvalidLabels": invalid })
        }
        "AddTagsToResource" => {
            let tags = input.tags("Tags")?.into_iter().collect();
            p.add_tags(input.required("ResourceType")?, input.required("ResourceId")?, tags).await.map_err(error)?;
            json!({})
        }
        "RemoveTagsFromResource" => {
            let keys = input.strings("TagKeys")?;
            p.remove_tags(input.required("ResourceType")?, input.required("ResourceId")?, &keys)
                .await
                .map_err(error)?;
            json!({})
        }
        "ListTagsForResource" => {
            let tags = p.tags(input.required("ResourceType")?, input.required("ResourceId")?).map_err(error)?;
            json!({ "TagList": tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect::<Vec<_>>() })
        }
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("Squall's Systems Manager serves Parameter Store only: {other} is not supported"),
            ));
        }
    };
    Ok(json11(&out))
}
