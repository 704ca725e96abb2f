//! A Task's `Resource`: a Lambda function's ARN, or a service integration
//! (`arn:aws:states:::<service>:<action>[.sync|.waitForTaskToken]`).

use std::fmt;

/// How a Task waits for an integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// Request-response: the call's answer is the result.
    Call,
    /// `.sync`: until the job it started ends.
    Sync,
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
                    Some((sa, "sync:2")) => (sa, Mode::Sync),
                    Some((sa, "waitForTaskToken")) => (sa, Mode::Token),
                    _ => (parts[5], Mode::Call),
                };
                let integration = match service_action {
                    "lambda:invoke" if mode != Mode::Sync => Integration::LambdaInvoke,
                    other => {
                        return Err(format!(
                            "Resource '{arn}' is not supported by Squall yet: the service integration served is lambda:invoke (not {other})"
                        ));
                    }
                };
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
        let (service, action) = tail.split_once(':').unwrap_or(("lambda", tail));
        (service.to_string(), action.to_string())
    }
}
