//! `aws:ResourceTag/<key>`: the tags of the resource a request acts on, looked up by its
//! ARN only when a policy deciding the request tests them.

use crate::ApiState;
use squall_iam::Context;

/// The tags of the resource `arn` names (none for a resource without tags, or one that
/// does not exist).
pub fn of(state: &ApiState, arn: &str) -> Vec<(String, String)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(_), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Vec::new();
    };
    match service {
        "dynamodb" => {
            let table = rest.strip_prefix("table/").and_then(|t| t.split('/').next());
            table.and_then(|t| state.tables.list_tags(t).ok()).unwrap_or_default()
        }
        "sqs" => state.queues.list_tags(rest).map(|t| t.into_iter().collect()).unwrap_or_default(),
        "sns" => state.topics.tags(arn).map(|t| t.into_iter().collect()).unwrap_or_default(),
        "ssm" => {
            // `parameter/a/b` is `/a/b`'s; `parameter/x` is `x`'s (or `/x`'s).
            let path = rest.strip_prefix("parameter").unwrap_or_default();
            let tags = |name: &str| state.params.parameters.tags("Parameter", name).ok();
            tags(path).or_else(|| tags(&path[1.min(path.len())..])).map(|t| t.into_iter().collect()).unwrap_or_default()
        }
        "secretsmanager" => state.params.secrets.describe(arn).map(|s| s.head.tags).unwrap_or_default(),
        // A key's tags (aliases have none).
        "kms" if rest.starts_with("key/") => state.params.keys.info(arn).map(|k| k.tags).unwrap_or_default(),
        "events" => state.events.tags_of(arn).unwrap_or_default(),
        // A function's tags, whichever version or alias the ARN names.
        "lambda" => {
            let name = rest.strip_prefix("function:").and_then(|r| r.split(':').next());
            let function = name.and_then(|n| state.functions.get_function(n).ok());
            function.map(|f| f.config.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
        }
        "scheduler" if rest.starts_with("schedule-group/") => state.scheduler.tags(arn).unwrap_or_default(),
        "states" if rest.starts_with("stateMachine:") => {
            state.workflows.tags(arn).map(|t| t.into_iter().collect()).unwrap_or_default()
        }
        "s3" if !rest.contains('/') => state.objects.bucket(rest).map(|b| b.tags).unwrap_or_default(),
        "iam" => {
            let ids = state.identities.snapshot();
            let name = |kind: &str| rest.strip_prefix(kind).and_then(|p| p.rsplit('/').next());
            let tags = if let Some(user) = name("user/") {
                ids.user(user).map(|u| u.tags.clone()).ok()
            } else if let Some(role) = name("role/") {
                ids.role(role).map(|r| r.tags.clone()).ok()
            } else {
                None
            };
            tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)).collect()
        }
        _ => Vec::new(),
    }
}

/// Sets `aws:ResourceTag/<key>` in `context` for each tag of `arn`.
pub fn describe(state: &ApiState, arn: &str, context: &mut Context) {
    for (k, v) in of(state, arn) {
        context.set(&format!("aws:ResourceTag/{k}"), v);
    }
}
