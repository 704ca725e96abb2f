//! What a Task calls: the composition root gives the engine a [`Tasks`] (Lambda's
//! functions); this module shapes each integration's request and result.

use super::exec::Call;
use crate::Failure;
use crate::definition::Integration;
use serde_json::{Value, json};

/// A function's answer.
pub struct Invoked {
    pub payload: Vec<u8>,
    /// Lambda's `X-Amz-Function-Error` (`Unhandled`): the payload is an error document.
    pub function_error: Option<String>,
    pub executed_version: String,
    pub status: u16,
    pub request_id: String,
}

/// Who makes a Task's call: the execution, as its state machine's role.
#[derive(Debug, Clone)]
pub struct TaskCaller {
    pub role_arn: String,
    pub machine_arn: String,
    pub execution_arn: String,
    /// The X-Ray trace header of what started the execution.
    pub trace: Option<String>,
    /// Which Task attempt calls (its thread and nonce): the same when a restart calls again.
    pub attempt: String,
}

/// The functions Tasks call.
#[async_trait::async_trait]
pub trait Tasks: Send + Sync + 'static {
    /// Invokes `function` (a name or ARN, with `qualifier`) as `caller`'s role and waits
    /// for its answer, or (`asynchronous`) queues it. An `Err` is Lambda's own refusal,
    /// named as Step Functions names it (`Lambda.ResourceNotFoundException`).
    async fn invoke(
        &self,
        caller: &TaskCaller,
        function: &str,
        qualifier: Option<&str>,
        payload: Vec<u8>,
        asynchronous: bool,
    ) -> Result<Invoked, Failure>;

    /// Calls `operation` of Squall's `service` (its api-port name: `dynamodb`, `sqs`,
    /// `sns`, `events`, `states`, `ssm`, `secretsmanager`, `kms`) with `input`, the
    /// request's members as the service's JSON protocol names them (SNS's as its SDK does),
    /// as `caller`'s role. The answer's members, or the service's error: its code as the
    /// `error`, its message as the cause.
    async fn call_service(
        &self,
        caller: &TaskCaller,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, Failure>;
}

/// Makes a Task's call and shapes its result.
pub(crate) async fn call(tasks: &dyn Tasks, call: Call, caller: &TaskCaller) -> Result<Value, Failure> {
    match call.integration {
        Integration::Function(arn) => {
            let body = serde_json::to_vec(&call.payload).unwrap_or_default();
            let invoked = tasks.invoke(caller, &arn, None, body, false).await?;
            if invoked.function_error.is_some() {
                return Err(function_failure(&invoked.payload));
            }
            Ok(parse_payload(&invoked.payload))
        }
        Integration::LambdaInvoke => lambda_invoke(tasks, call.payload, caller).await,
        Integration::Service { service, operation, sdk } => {
            super::integrations::call(tasks, caller, service, &operation, sdk, call.mode, call.payload).await
        }
    }
}

const INVOKE_FIELDS: &[&str] = &["FunctionName", "Payload", "Qualifier", "InvocationType", "ClientContext", "LogType"];

async fn lambda_invoke(tasks: &dyn Tasks, params: Value, caller: &TaskCaller) -> Result<Value, Failure> {
    let Value::Object(p) = params else {
        return Err(Failure::runtime("The Parameters of lambda:invoke must be an object naming FunctionName"));
    };
    if let Some(k) = p.keys().find(|k| !INVOKE_FIELDS.contains(&k.as_str())) {
        return Err(Failure::runtime(format!("The field '{k}' is not supported by lambda:invoke")));
    }
    let function = p
        .get("FunctionName")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::runtime("The Parameters of lambda:invoke must name FunctionName"))?;
    if p.get("LogType").and_then(Value::as_str).is_some_and(|l| l != "None") {
        return Err(Failure::runtime(
            "LogType Tail is not supported by Squall's lambda:invoke; read the logs with `squall logs`",
        ));
    }
    let asynchronous = match p.get("InvocationType").and_then(Value::as_str) {
        None | Some("RequestResponse") => false,
        Some("Event") => true,
        Some(other) => {
            return Err(Failure::runtime(format!("InvocationType {other} is not supported by lambda:invoke here")));
        }
    };
    let body = match p.get("Payload") {
        None => b"{}".to_vec(),
        Some(v) => serde_json::to_vec(v).unwrap_or_default(),
    };
    let qualifier = p.get("Qualifier").and_then(Value::as_str);
    let invoked = tasks.invoke(caller, function, qualifier, body, asynchronous).await?;
    if invoked.function_error.is_some() {
        return Err(function_failure(&invoked.payload));
    }
    let mut out = json!({
        "ExecutedVersion": invoked.executed_version,
        "StatusCode": invoked.status,
        "SdkHttpMetadata": {
            "HttpHeaders": {"Content-Type": "application/json", "X-Amz-Executed-Version": invoked.executed_version, "x-amzn-RequestId": invoked.request_id},
            "HttpStatusCode": invoked.status,
        },
        "SdkResponseMetadata": {"RequestId": invoked.request_id},
    });
    if !asynchronous {
        out["Payload"] = parse_payload(&invoked.payload);
    } else {
        out["Payload"] = json!("");
    }
    Ok(out)
}

fn parse_payload(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A function's error document as a States error: its `errorType` names it; the cause is
/// the document itself.
fn function_failure(payload: &[u8]) -> Failure {
    let doc: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let error = doc.get("errorType").and_then(Value::as_str).unwrap_or("Lambda.Unknown").to_string();
    Failure::new(error, String::from_utf8_lossy(payload).into_owned())
}
