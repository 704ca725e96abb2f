//! The service integrations' requests and results: the optimized ones (DynamoDB's item
//! operations, SQS SendMessage, SNS Publish, EventBridge PutEvents, Step Functions
//! StartExecution and its `.sync` forms) and the AWS SDK form for Squall's JSON services.

use super::tasks::{TaskCaller, Tasks};
use crate::Failure;
use crate::definition::Mode;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// How long a `.sync` Task waits between looks at the execution it started.
const SYNC_POLL: Duration = Duration::from_millis(100);

/// The name errors of a service's optimized integration start with.
fn optimized_prefix(service: &str) -> &'static str {
    match service {
        "dynamodb" => "DynamoDB",
        "sqs" => "SQS",
        "sns" => "SNS",
        "events" => "EventBridge",
        _ => "StepFunctions",
    }
}

/// The name errors of the AWS SDK integration with a service start with (the SDK's name).
fn sdk_prefix(service: &str) -> &'static str {
    match service {
        "dynamodb" => "DynamoDb",
        "dynamodb-streams" => "DynamoDbStreams",
        "sqs" => "Sqs",
        "events" => "EventBridge",
        "states" => "Sfn",
        "ssm" => "Ssm",
        "secretsmanager" => "SecretsManager",
        "lambda" => "Lambda",
        "s3" => "S3",
        "iam" => "Iam",
        "sts" => "Sts",
        "sns" => "Sns",
        "scheduler" => "Scheduler",
        _ => "Kms",
    }
}

/// An AWS SDK integration's error name: `<Service>.<Code>`, the code ending in `Exception`
/// (Step Functions adds it where the service's code has none: `S3.NoSuchKeyException`).
fn sdk_error(prefix: &str, code: &str) -> String {
    let code = code.rsplit('.').next().unwrap_or(code);
    match code.ends_with("Exception") {
        true => format!("{prefix}.{code}"),
        false => format!("{prefix}.{code}Exception"),
    }
}

pub(crate) async fn call(
    tasks: &dyn Tasks,
    caller: &TaskCaller,
    service: &str,
    operation: &str,
    sdk: bool,
    mode: Mode,
    params: Value,
) -> Result<Value, Failure> {
    if !params.is_object() {
        return Err(Failure::runtime(format!("The Parameters of {service}:{operation} must be an object")));
    }
    if service == "lambda" && operation == "Invoke" {
        return lambda_invoke_sdk(tasks, caller, params).await;
    }
    let named = |f: Failure| match sdk {
        _ if f.error.starts_with("States.") => f,
        true => Failure::new(sdk_error(sdk_prefix(service), &f.error), f.cause),
        false => Failure::new(format!("{}.{}", optimized_prefix(service), f.error), f.cause),
    };
    let mut input = if sdk { params } else { optimized_input(service, operation, params) };
    // A child execution started without a Name gets one of the Task attempt's, so the call
    // made again after a restart finds the child it started instead of starting another.
    let child = (!sdk && service == "states" && operation == "StartExecution" && input.get("Name").is_none())
        .then(|| child_name(caller));
    if let Some(name) = &child {
        input["Name"] = json!(name);
    }
    // Step Functions' own members are camelCase on the wire; the SDK's names are PascalCase.
    let input = if service == "states" { recase(input, false) } else { input };
    let machine = input["stateMachineArn"].as_str().unwrap_or_default().to_string();
    let answer = match tasks.call_service(caller, service, operation, input).await {
        Err(f) if f.error == "ExecutionAlreadyExists" && child.is_some() => {
            let arn = child_arn(&machine, child.as_deref().unwrap_or_default());
            let d = tasks.call_service(caller, "states", "DescribeExecution", json!({"executionArn": arn})).await;
            let d = d.map_err(named)?;
            json!({"executionArn": arn, "startDate": d["startDate"]})
        }
        other => other.map_err(named)?,
    };
    let answer = if service == "states" { recase(answer, true) } else { answer };
    if sdk {
        return Ok(answer);
    }
    if service == "events" && answer["FailedEntryCount"].as_u64().unwrap_or(0) > 0 {
        return Err(Failure::new("EventBridge.FailedEntry", answer.to_string()));
    }
    if service == "states" && matches!(mode, Mode::Sync | Mode::Sync2) {
        return sync_execution(tasks, caller, &answer, mode == Mode::Sync2).await;
    }
    Ok(with_metadata(answer))
}

/// Optimized integrations take a JSON object where the API takes text (a message's body,
/// an event's detail, an execution's input) and send it as its JSON text.
fn optimized_input(service: &str, operation: &str, mut params: Value) -> Value {
    let as_text = |v: &mut Value| {
        if !v.is_string() && !v.is_null() {
            *v = Value::String(v.to_string());
        }
    };
    match (service, operation) {
        ("sqs", "SendMessage") => as_text(&mut params["MessageBody"]),
        ("sns", "Publish") => as_text(&mut params["Message"]),
        ("states", "StartExecution") if params.get("Input").is_some() => as_text(&mut params["Input"]),
        ("events", "PutEvents") => {
            if let Some(entries) = params.get_mut("Entries").and_then(Value::as_array_mut) {
                for e in entries {
                    if e.get("Detail").is_some() {
                        as_text(&mut e["Detail"]);
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(m) = params.as_object_mut() {
        m.retain(|_, v| !v.is_null());
    }
    params
}

/// The HTTP metadata optimized integrations add to an answer.
fn with_metadata(mut answer: Value) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    if let Some(m) = answer.as_object_mut() {
        m.insert(
            "SdkHttpMetadata".into(),
            json!({"HttpHeaders": {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": id}, "HttpStatusCode": 200}),
        );
        m.insert("SdkResponseMetadata".into(), json!({"RequestId": id}));
    }
    answer
}

/// `states:startExecution.sync`: waits for the started execution to end; its description
/// is the result (`.sync:2`: with its input and output as JSON), a failure `States.TaskFailed`.
async fn sync_execution(
    tasks: &dyn Tasks,
    caller: &TaskCaller,
    started: &Value,
    json_output: bool,
) -> Result<Value, Failure> {
    let arn = started["ExecutionArn"].as_str().unwrap_or_default().to_string();
    loop {
        let d = tasks
            .call_service(caller, "states", "DescribeExecution", json!({"executionArn": arn}))
            .await
            .map_err(|f| Failure::new(format!("StepFunctions.{}", f.error), f.cause))?;
        let mut d = recase(d, true);
        match d["Status"].as_str() {
            Some("RUNNING") | Some("PENDING_REDRIVE") => tokio::time::sleep(SYNC_POLL).await,
            Some("SUCCEEDED") => {
                if json_output {
                    for key in ["Input", "Output"] {
                        if let Some(text) = d[key].as_str() {
                            d[key] = serde_json::from_str(text).unwrap_or(Value::String(text.to_string()));
                        }
                    }
                }
                return Ok(with_metadata(d));
            }
            _ => return Err(Failure::new(crate::failure::names::TASK_FAILED, d.to_string())),
        }
    }
}

/// `aws-sdk:lambda:invoke`: Lambda's Invoke answer as the SDK gives it (the payload as
/// text; a function's error is `FunctionError` in the answer, not the Task's failure).
async fn lambda_invoke_sdk(tasks: &dyn Tasks, caller: &TaskCaller, params: Value) -> Result<Value, Failure> {
    const FIELDS: &[&str] = &["FunctionName", "Payload", "Qualifier", "InvocationType", "LogType", "ClientContext"];
    if let Some(k) = params.as_object().and_then(|m| m.keys().find(|k| !FIELDS.contains(&k.as_str()))) {
        return Err(Failure::runtime(format!("The field '{k}' is not supported by aws-sdk:lambda:invoke in Squall")));
    }
    let function =
        params["FunctionName"].as_str().ok_or_else(|| Failure::runtime("aws-sdk:lambda:invoke needs FunctionName"))?;
    if params["LogType"].as_str().is_some_and(|l| l != "None") || params.get("ClientContext").is_some() {
        return Err(Failure::runtime(
            "aws-sdk:lambda:invoke: LogType Tail and ClientContext are not supported by Squall",
        ));
    }
    let asynchronous = match params["InvocationType"].as_str() {
        None | Some("RequestResponse") => false,
        Some("Event") => true,
        Some(other) => return Err(Failure::runtime(format!("InvocationType {other} is not supported here"))),
    };
    let body = match &params["Payload"] {
        Value::Null => b"{}".to_vec(),
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    let invoked = tasks.invoke(caller, function, params["Qualifier"].as_str(), body, asynchronous).await?;
    let mut out = json!({
        "StatusCode": invoked.status,
        "ExecutedVersion": invoked.executed_version,
        "Payload": String::from_utf8_lossy(&invoked.payload),
    });
    if let Some(e) = invoked.function_error {
        out["FunctionError"] = json!(e);
    }
    Ok(out)
}

/// The name of the child execution a Task attempt starts (when its Parameters give none).
fn child_name(caller: &TaskCaller) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("{}\n{}", caller.execution_arn, caller.attempt));
    hex::encode(&digest[..16])
}

/// An execution's ARN from its machine's (or a version's or alias's) and its name.
fn child_arn(machine_arn: &str, name: &str) -> String {
    let (head, rest) = machine_arn.split_once(":stateMachine:").unwrap_or((machine_arn, ""));
    let machine = rest.split(':').next().unwrap_or_default();
    format!("{head}:execution:{machine}:{name}")
}

/// Member names turned from camelCase to PascalCase (`up`) or back, all the way down.
fn recase(v: Value, up: bool) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let mut chars = k.chars();
                let key = match chars.next() {
                    Some(c) if up => c.to_ascii_uppercase().to_string() + chars.as_str(),
                    Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => k,
                };
                out.insert(key, recase(v, up));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|v| recase(v, up)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_named_by_its_task_attempt() {
        let caller = TaskCaller {
            role_arn: "r".into(),
            machine_arn: "m".into(),
            execution_arn: "arn:aws:states:us-east-1:000000000000:execution:parent:e1".into(),
            trace: None,
            attempt: "r#5".into(),
        };
        let name = child_name(&caller);
        assert_eq!(name.len(), 32);
        assert_eq!(name, child_name(&caller), "the same attempt names the same child");
        assert_eq!(
            child_arn("arn:aws:states:us-east-1:000000000000:stateMachine:child:live", &name),
            format!("arn:aws:states:us-east-1:000000000000:execution:child:{name}")
        );
    }

    #[test]
    fn optimized_inputs_send_objects_as_text() {
        let p = optimized_input("sqs", "SendMessage", json!({"QueueUrl": "q", "MessageBody": {"a": 1}}));
        assert_eq!(p["MessageBody"], json!("{\"a\":1}"));
        let p = optimized_input("events", "PutEvents", json!({"Entries": [{"Detail": {"x": true}, "Source": "s"}]}));
        assert_eq!(p["Entries"][0]["Detail"], json!("{\"x\":true}"));
        assert_eq!(
            recase(json!({"StateMachineArn": "a", "Tags": [{"Key": "k"}]}), false),
            json!({"stateMachineArn": "a", "tags": [{"key": "k"}]})
        );
    }
}
