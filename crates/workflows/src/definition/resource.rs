//! A Task's `Resource`: a Lambda function's ARN, or a service integration
//! (`arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`, or the AWS SDK
//! form `arn:aws:states:::aws-sdk:<service>:<action>`).

use std::fmt;

/// How a Task waits for an integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// Request-response: the call's answer is the result.
    Call,
    /// `.sync`: until the job it started ends (its output as JSON text).
    Sync,
    /// `.sync:2`: as `.sync`, its output as JSON.
    Sync2,
    /// `.waitForTaskToken`: until SendTaskSuccess/Failure with the token.
    Token,
}

/// The integrations Squall runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integration {
    /// `arn:aws:lambda:…:function:name[:qualifier]`: the payload is the result.
    Function(String),
    /// `arn:aws:states:::lambda:invoke`: Lambda's Invoke response is the result.
    LambdaInvoke,
    /// An optimized integration (`dynamodb:putItem`, `sqs:sendMessage`, `sns:publish`,
    /// `events:putEvents`, `states:startExecution`) or an AWS SDK one: Squall's service (its
    /// api-port name) and the operation.
    Service { service: &'static str, operation: String, sdk: bool },
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub arn: String,
    pub integration: Integration,
    pub mode: Mode,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// The optimized integrations: (ARN's service:action, Squall's service, operation, modes).
const OPTIMIZED: &[(&str, &str, &str, &[Mode])] = &[
    ("dynamodb:getItem", "dynamodb", "GetItem", &[Mode::Call]),
    ("dynamodb:putItem", "dynamodb", "PutItem", &[Mode::Call]),
    ("dynamodb:updateItem", "dynamodb", "UpdateItem", &[Mode::Call]),
    ("dynamodb:deleteItem", "dynamodb", "DeleteItem", &[Mode::Call]),
    ("sqs:sendMessage", "sqs", "SendMessage", &[Mode::Call, Mode::Token]),
    ("sns:publish", "sns", "Publish", &[Mode::Call, Mode::Token]),
    ("events:putEvents", "events", "PutEvents", &[Mode::Call, Mode::Token]),
    ("states:startExecution", "states", "StartExecution", &[Mode::Call, Mode::Sync, Mode::Sync2, Mode::Token]),
];

/// The AWS SDK integration's services Squall serves, by the SDK's name: Squall's service.
/// The JSON ones take the SDK's parameters as the request's members; the others
/// (`squall_sdk_calls::services`: S3, IAM, STS, SNS, Scheduler, Lambda) are called through
/// their models, which also say which operations there are.
const SDK_SERVICES: &[(&str, &str)] = &[
    ("dynamodb", "dynamodb"),
    ("dynamodbstreams", "dynamodb-streams"),
    ("sqs", "sqs"),
    ("eventbridge", "events"),
    ("sfn", "states"),
    ("ssm", "ssm"),
    ("secretsmanager", "secretsmanager"),
    ("kms", "kms"),
    ("s3", "s3"),
    ("iam", "iam"),
    ("sts", "sts"),
    ("sns", "sns"),
    ("scheduler", "scheduler"),
    ("lambda", "lambda"),
];

impl Resource {
    /// Reads a Task's `Resource`; the message says why it is refused.
    pub fn parse(arn: &str) -> Result<Resource, String> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[1] != "aws" {
            return Err(format!("Resource '{arn}' is not a valid ARN"));
        }
        match parts[2] {
            "lambda" => {
                let rest = parts[5];
                let name = rest
                    .strip_prefix("function:")
                    .ok_or_else(|| format!("Resource '{arn}' is not a function's ARN"))?;
                if name.is_empty() || name.split(':').count() > 2 {
                    return Err(format!("Resource '{arn}' is not a function's ARN"));
                }
                Ok(Resource { arn: arn.into(), integration: Integration::Function(arn.into()), mode: Mode::Call })
            }
            "states" if parts[3].is_empty() && parts[4].is_empty() => {
                let (service_action, mode) = match parts[5].rsplit_once('.') {
                    Some((sa, "sync")) => (sa, Mode::Sync),
                    Some((sa, "sync:2")) => (sa, Mode::Sync2),
                    Some((sa, "waitForTaskToken")) => (sa, Mode::Token),
                    _ => (parts[5], Mode::Call),
                };
                let integration = integration(arn, service_action, mode)?;
                Ok(Resource { arn: arn.into(), integration, mode })
            }
            "states" if parts[5].starts_with("activity:") => {
                Err(format!("Resource '{arn}' is an activity; activities are not supported by Squall"))
            }
            _ => Err(format!("Resource '{arn}' is not a function or a service integration Squall runs")),
        }
    }

    /// The `resourceType` and `resource` of Task history events (`lambda`, `invoke`).
    pub fn kind(&self) -> (String, String) {
        let tail = self.arn.rsplit(":::").next().unwrap_or_default();
        let tail = tail.strip_prefix("aws-sdk:").unwrap_or(tail);
        let (service, action) = tail.split_once(':').unwrap_or(("lambda", tail));
        (service.to_string(), action.to_string())
    }
}

fn integration(arn: &str, service_action: &str, mode: Mode) -> Result<Integration, String> {
    if service_action == "lambda:invoke" {
        return match mode {
            Mode::Call | Mode::Token => Ok(Integration::LambdaInvoke),
            _ => Err(format!("Resource '{arn}': lambda:invoke has no .sync form")),
        };
    }
    if let Some(sdk) = service_action.strip_prefix("aws-sdk:") {
        let (service, action) = sdk.split_once(':').ok_or_else(|| format!("Resource '{arn}' names no action"))?;
        let Some((_, squall)) = SDK_SERVICES.iter().find(|(s, _)| *s == service) else {
            let served: Vec<&str> = SDK_SERVICES.iter().map(|(s, _)| *s).collect();
            return Err(format!(
                "Resource '{arn}': the AWS SDK integration with {service} is not supported by Squall yet (it serves {})",
                served.join(", ")
            ));
        };
        if !matches!(mode, Mode::Call | Mode::Token) {
            return Err(format!("Resource '{arn}': AWS SDK integrations have no .sync form"));
        }
        let mut chars = action.chars();
        let operation = match chars.next() {
            Some(c) if c.is_ascii_lowercase() && action.chars().all(|c| c.is_ascii_alphanumeric()) => {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            }
            _ => return Err(format!("Resource '{arn}': the action must be camelCase, such as putItem")),
        };
        if squall_sdk_calls::services().contains(squall) && !squall_sdk_calls::knows(squall, &operation) {
            return Err(format!("Resource '{arn}': {action} is not an action of {service} that Squall serves"));
        }
        return Ok(Integration::Service { service: squall, operation, sdk: true });
    }
    match OPTIMIZED.iter().find(|(sa, ..)| *sa == service_action) {
        Some((_, service, operation, modes)) if modes.contains(&mode) => {
            Ok(Integration::Service { service, operation: operation.to_string(), sdk: false })
        }
        Some(_) => Err(format!("Resource '{arn}': {service_action} does not take this form ({mode:?})")),
        None => {
            let served: Vec<&str> = OPTIMIZED.iter().map(|(sa, ..)| *sa).collect();
            Err(format!(
                "Resource '{arn}' is not supported by Squall yet: the service integrations served are lambda:invoke, {} and aws-sdk:<service>:<action> for {}",
                served.join(", "),
                SDK_SERVICES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        let r = Resource::parse("arn:aws:states:::dynamodb:putItem").unwrap();
        assert_eq!(
            r.integration,
            Integration::Service { service: "dynamodb", operation: "PutItem".into(), sdk: false }
        );
        let r = Resource::parse("arn:aws:states:::states:startExecution.sync:2").unwrap();
        assert_eq!(r.mode, Mode::Sync2);
        let r = Resource::parse("arn:aws:states:::aws-sdk:sfn:listStateMachines").unwrap();
        assert_eq!(
            r.integration,
            Integration::Service { service: "states", operation: "ListStateMachines".into(), sdk: true }
        );
        assert_eq!(r.kind(), ("sfn".to_string(), "listStateMachines".to_string()));
        assert!(Resource::parse("arn:aws:states:::dynamodb:putItem.sync").is_err());
        let r = Resource::parse("arn:aws:states:::aws-sdk:s3:getObject").unwrap();
        assert_eq!(r.integration, Integration::Service { service: "s3", operation: "GetObject".into(), sdk: true });
        assert!(
            Resource::parse("arn:aws:states:::aws-sdk:s3:selectObjectContent").unwrap_err().contains("Squall serves")
        );
        assert!(Resource::parse("arn:aws:states:::aws-sdk:ec2:describeInstances").unwrap_err().contains("ec2"));
        assert!(Resource::parse("arn:aws:states:::glue:startJobRun.sync").is_err());
    }
}
