//! The execution role's policy the deploy makes for a machine without a `role`.

use super::*;

/// The policy of the role the deploy makes for a machine, as the plugin generates it: what
/// its Task states call (functions, and Squall's services through the optimized and AWS SDK
/// integrations), the actions consolidated by resource, then `extra` statements
/// (`iamRoleStatements`); a machine calling nothing is denied everything, as the console's
/// roles are.
pub(crate) fn execution_policy(definition: &Json, region: &str, extra: &[Json]) -> Json {
    let mut tasks = Vec::new();
    task_states(&definition["States"], &mut tasks);
    let mut by_action: Vec<(String, Vec<String>)> = Vec::new();
    for task in tasks {
        for (action, resources) in permissions(task, region) {
            match by_action.iter_mut().find(|(a, _)| *a == action) {
                Some((_, known)) => {
                    for r in resources {
                        if !known.contains(&r) {
                            known.push(r);
                        }
                    }
                }
                None => by_action.push((action, resources)),
            }
        }
    }
    let mut by_resources: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (action, mut resources) in by_action {
        if resources.iter().any(|r| r == "*") {
            resources = vec!["*".to_string()];
        }
        match by_resources.iter_mut().find(|(r, _)| *r == resources) {
            Some((_, actions)) => actions.push(action),
            None => by_resources.push((resources, vec![action])),
        }
    }
    let mut statements: Vec<Json> = by_resources
        .into_iter()
        .map(|(resources, actions)| {
            let resource = if resources == ["*"] { json!("*") } else { json!(resources) };
            json!({ "Effect": "Allow", "Action": actions, "Resource": resource })
        })
        .collect();
    statements.extend(extra.iter().cloned());
    if statements.is_empty() {
        statements.push(json!({ "Effect": "Deny", "Action": "*", "Resource": "*" }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The Task states of `states`, inside Parallel branches and Map processors too.
fn task_states<'a>(states: &'a Json, out: &mut Vec<&'a Json>) {
    let Some(states) = states.as_object() else { return };
    for state in states.values() {
        match state["Type"].as_str() {
            Some("Task") => out.push(state),
            Some("Parallel") => {
                for branch in state["Branches"].as_array().into_iter().flatten() {
                    task_states(&branch["States"], out);
                }
            }
            Some("Map") => {
                task_states(&state["ItemProcessor"]["States"], out);
                task_states(&state["Iterator"]["States"], out);
            }
            _ => {}
        }
    }
}

/// What one Task state needs: (action, resources).
fn permissions(task: &Json, region: &str) -> Vec<(String, Vec<String>)> {
    let Some(resource) = task["Resource"].as_str() else { return vec![] };
    let account = squall_types::ACCOUNT_ID;
    let params = &task["Parameters"];
    // A parameter written out, or `None` when it comes from the input (`Name.$`).
    let literal = |name: &str| -> Option<&str> {
        if params.get(format!("{name}.$")).is_some() { None } else { params[name].as_str() }
    };
    let all = || vec!["*".to_string()];
    let one = |action: &str, resources: Vec<String>| vec![(action.to_string(), resources)];
    let base = [".waitForTaskToken", ".sync:2", ".sync"]
        .iter()
        .find_map(|suffix| resource.strip_suffix(suffix))
        .unwrap_or(resource);
    if let Some(function) = resource.strip_prefix("arn:aws:lambda:") {
        // A function's ARN, its qualifier left out: the function and any version or alias.
        let parts: Vec<&str> = function.split(':').collect();
        let arn = format!("arn:aws:lambda:{}", parts[..parts.len().min(4)].join(":"));
        return one("lambda:InvokeFunction", vec![arn.clone(), format!("{arn}:*")]);
    }
    if let Some(sdk) = base.strip_prefix("arn:aws:states:::aws-sdk:") {
        let Some((service, action)) = sdk.split_once(':') else { return vec![] };
        let prefix = match service {
            "sfn" => "states",
            "eventbridge" => "events",
            other => other,
        };
        // Lambda's Invoke is authorized as lambda:InvokeFunction.
        if service == "lambda" && action == "invoke" {
            return one("lambda:InvokeFunction", all());
        }
        let mut chars = action.chars();
        let action: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
        return one(&format!("{prefix}:{action}"), all());
    }
    match base {
        "arn:aws:states:::lambda:invoke" => {
            let arns = match literal("FunctionName") {
                Some(f) if f.starts_with("arn:aws:lambda:") => vec![f.to_string(), format!("{f}:*")],
                Some(f)
                    if f.split(':').count() == 3
                        && f.split(':').next().is_some_and(|a| a.bytes().all(|b| b.is_ascii_digit())) =>
                {
                    vec![format!("arn:aws:lambda:{region}:{f}"), format!("arn:aws:lambda:{region}:{f}:*")]
                }
                Some(f) => {
                    let arn = format!("arn:aws:lambda:{region}:{account}:function:{f}");
                    vec![arn.clone(), format!("{arn}:*")]
                }
                None => all(),
            };
            one("lambda:InvokeFunction", arns)
        }
        "arn:aws:states:::sqs:sendMessage" => {
            // A queue's URL ends `/<account>/<name>`.
            let arn = literal("QueueUrl").and_then(|url| {
                let mut parts = url.trim_end_matches('/').rsplit('/');
                let (name, owner) = (parts.next()?, parts.next()?);
                owner.bytes().all(|b| b.is_ascii_digit()).then(|| format!("arn:aws:sqs:{region}:{owner}:{name}"))
            });
            one("sqs:SendMessage", arn.map_or_else(all, |a| vec![a]))
        }
        "arn:aws:states:::sns:publish" => {
            let arn = literal("TopicArn").filter(|_| params.get("TargetArn").is_none());
            one("sns:Publish", arn.map_or_else(all, |a| vec![a.to_string()]))
        }
        "arn:aws:states:::dynamodb:getItem"
        | "arn:aws:states:::dynamodb:putItem"
        | "arn:aws:states:::dynamodb:updateItem"
        | "arn:aws:states:::dynamodb:deleteItem" => {
            let op = base.rsplit(':').next().unwrap_or_default();
            let mut chars = op.chars();
            let action: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
            let table = literal("TableName").map(|t| {
                if t.starts_with("arn:") {
                    t.to_string()
                } else {
                    format!("arn:aws:dynamodb:{region}:{account}:table/{t}")
                }
            });
            one(&format!("dynamodb:{action}"), table.map_or_else(all, |t| vec![t]))
        }
        "arn:aws:states:::events:putEvents" => {
            let buses = match params.get("Entries").and_then(Json::as_array) {
                Some(entries) => {
                    let mut out = Vec::new();
                    for e in entries {
                        if e.get("EventBusName.$").is_some() {
                            return one("events:PutEvents", all());
                        }
                        let bus = e["EventBusName"].as_str().unwrap_or("default");
                        let arn = if bus.starts_with("arn:") {
                            bus.to_string()
                        } else {
                            format!("arn:aws:events:{region}:{account}:event-bus/{bus}")
                        };
                        if !out.contains(&arn) {
                            out.push(arn);
                        }
                    }
                    out
                }
                None => all(),
            };
            one("events:PutEvents", if buses.is_empty() { all() } else { buses })
        }
        "arn:aws:states:::states:startExecution" => {
            let machine = literal("StateMachineArn").map_or_else(all, |m| vec![m.to_string()]);
            vec![
                ("states:StartExecution".to_string(), machine),
                ("states:DescribeExecution".to_string(), all()),
                ("states:StopExecution".to_string(), all()),
            ]
        }
        _ => vec![],
    }
}
