//! Request documents: members read with ValidationException for a missing one, and the
//! members Squall does not honour refused by name.

use crate::errors::validation;
use serde_json::Value;
use squall_api::ApiError;
pub(crate) use squall_api::json_input::Input;
use squall_events::model::{HttpParameters, InputTransformer, RetryPolicy, Target};

/// The request body's members.
pub(crate) fn parse(body: &[u8]) -> Result<Input, ApiError> {
    Input::parse(body, "ValidationException")
}

/// Refuses any member of `input` not in `known`, naming it: a setting Squall would not
/// apply is not accepted silently.
pub(crate) fn only(input: &Input, what: &str, known: &[&str]) -> Result<(), ApiError> {
    match input.members().keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(validation(format!("{what}: {k} is not supported by Squall."))),
        None => Ok(()),
    }
}

/// A `Targets` member as the events service takes it.
pub(crate) fn target(t: &Input) -> Result<Target, ApiError> {
    only(
        t,
        "Target",
        &[
            "Id",
            "Arn",
            "RoleArn",
            "Input",
            "InputPath",
            "InputTransformer",
            "SqsParameters",
            "RetryPolicy",
            "DeadLetterConfig",
            "HttpParameters",
        ],
    )?;
    let as_role = t.str("Arn")?.is_some_and(|a| a.contains(":api-destination/") || a.contains(":stateMachine:"));
    if t.get("RoleArn").is_some() && !as_role {
        return Err(validation(format!("Target: {}", crate::events::ROLE_ARN)));
    }
    let http = match t.object("HttpParameters")? {
        None => None,
        Some(h) => {
            only(&h, "HttpParameters", &["PathParameterValues", "HeaderParameters", "QueryStringParameters"])?;
            let map = |name: &str| -> Result<Vec<(String, String)>, ApiError> {
                match h.get(name) {
                    None => Ok(Vec::new()),
                    Some(Value::Object(m)) => m
                        .iter()
                        .map(|(k, v)| {
                            let v = v.as_str().ok_or_else(|| validation(format!("{name} values are strings")))?;
                            Ok((k.clone(), v.to_string()))
                        })
                        .collect(),
                    Some(_) => Err(validation(format!("{name} must be a map"))),
                }
            };
            Some(HttpParameters {
                path_values: h.strings("PathParameterValues")?,
                headers: map("HeaderParameters")?,
                query: map("QueryStringParameters")?,
            })
        }
    };
    let input_transformer = match t.get("InputTransformer") {
        None => None,
        Some(Value::Object(m)) => {
            let paths = match m.get("InputPathsMap") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(paths)) => paths
                    .iter()
                    .map(|(k, v)| {
                        Ok((
                            k.clone(),
                            v.as_str().ok_or_else(|| validation("InputPathsMap values are JSON paths"))?.to_string(),
                        ))
                    })
                    .collect::<Result<_, ApiError>>()?,
                Some(_) => return Err(validation("InputPathsMap must be a map")),
            };
            let template = m
                .get("InputTemplate")
                .and_then(Value::as_str)
                .ok_or_else(|| validation("InputTransformer.InputTemplate is required"))?;
            Some(InputTransformer { paths, template: template.to_string() })
        }
        Some(_) => return Err(validation("InputTransformer must be an object")),
    };
    let sub = |name: &str| t.object(name);
    let message_group_id = match sub("SqsParameters")? {
        Some(p) => {
            only(&p, "SqsParameters", &["MessageGroupId"])?;
            p.str("MessageGroupId")?.map(str::to_string)
        }
        None => None,
    };
    let retry = match sub("RetryPolicy")? {
        Some(p) => {
            only(&p, "RetryPolicy", &["MaximumRetryAttempts", "MaximumEventAgeInSeconds"])?;
            let d = RetryPolicy::default();
            let n = |v: Option<i64>, default: u32| u32::try_from(v.unwrap_or(i64::from(default))).unwrap_or(u32::MAX);
            Some(RetryPolicy {
                max_attempts: n(p.int("MaximumRetryAttempts")?, d.max_attempts),
                max_age_s: n(p.int("MaximumEventAgeInSeconds")?, d.max_age_s),
            })
        }
        None => None,
    };
    let dead_letter_arn = match sub("DeadLetterConfig")? {
        Some(p) => {
            only(&p, "DeadLetterConfig", &["Arn"])?;
            p.str("Arn")?.map(str::to_string)
        }
        None => None,
    };
    Ok(Target {
        id: t.required("Id")?.to_string(),
        arn: t.required("Arn")?.to_string(),
        input: t.str("Input")?.map(str::to_string),
        input_path: t.str("InputPath")?.map(str::to_string),
        input_transformer,
        message_group_id,
        retry,
        dead_letter_arn,
        http,
        role_arn: t.str("RoleArn")?.map(str::to_string),
    })
}
