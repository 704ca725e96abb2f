//! The operations: decode, authorize, call, encode.

use crate::encode;
use http::StatusCode;
use serde_json::{Value, json};
use squall_api::json::json10;
use squall_api::json_input::Input;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_runtime::Body;
use squall_workflows::model::{MachineType, Status};
use squall_workflows::names::machine_arn;
use squall_workflows::{Error, Failure, NewMachine};
use std::collections::BTreeMap;

/// Step Functions: awsJson1.0, `X-Amz-Target: AWSStepFunctions.<Op>`.
pub static SERVICE: Service = Service {
    name: "states",
    signing_name: Some("states"),
    protocol: Protocol::AwsJson10,
    recognition: Recognition::Target("AWSStepFunctions"),
    namespace: "",
    query_code: None,
    unsigned: never,
    // A definition is at most 1 MB; an input at most 256 KB, with room for escaping.
    max_body: 2 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

type Reply = Result<http::Response<Body>, ApiError>;

fn invalid(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

fn validation(message: impl Into<String>) -> ApiError {
    invalid("ValidationException", message)
}

/// `e` as Step Functions answers it; platform failures are logged and answered 500.
fn error(e: Error) -> ApiError {
    match e {
        Error::Refused { code, message } => invalid(code, message),
        other => {
            tracing::error!(error = %other, "workflows: internal error");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", "internal error; see the server log")
        }
    }
}

/// Refuses any member not in `known`, naming it.
fn only(input: &Input, op: &str, known: &[&str]) -> Result<(), ApiError> {
    match input.members().keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(validation(format!("{op}: {k} is not supported by Squall yet."))),
        None => Ok(()),
    }
}

/// The operations served and the members each takes.
fn members(op: &str) -> Option<&'static [&'static str]> {
    Some(match op {
        "CreateStateMachine" => &[
            "name",
            "definition",
            "roleArn",
            "type",
            "loggingConfiguration",
            "tracingConfiguration",
            "tags",
            "publish",
            "versionDescription",
        ],
        "DescribeStateMachine" => &["stateMachineArn", "includedData"],
        "UpdateStateMachine" => &[
            "stateMachineArn",
            "definition",
            "roleArn",
            "loggingConfiguration",
            "tracingConfiguration",
            "publish",
            "versionDescription",
        ],
        "DeleteStateMachine" => &["stateMachineArn"],
        "ListStateMachines" => &["maxResults", "nextToken"],
        "ValidateStateMachineDefinition" => &["definition", "type", "severity", "maxResults"],
        "PublishStateMachineVersion" => &["stateMachineArn", "revisionId", "description"],
        "ListStateMachineVersions" => &["stateMachineArn", "maxResults", "nextToken"],
        "DeleteStateMachineVersion" => &["stateMachineVersionArn"],
        "CreateStateMachineAlias" => &["name", "description", "routingConfiguration"],
        "DescribeStateMachineAlias" | "DeleteStateMachineAlias" => &["stateMachineAliasArn"],
        "UpdateStateMachineAlias" => &["stateMachineAliasArn", "description", "routingConfiguration"],
        "ListStateMachineAliases" => &["stateMachineArn", "maxResults", "nextToken"],
        "StartExecution" => &["stateMachineArn", "name", "input", "traceHeader"],
        "StartSyncExecution" => &["stateMachineArn", "name", "input", "traceHeader", "includedData"],
        "DescribeExecution" => &["executionArn", "includedData"],
        "DescribeStateMachineForExecution" => &["executionArn", "includedData"],
        "ListExecutions" => &["stateMachineArn", "statusFilter", "maxResults", "nextToken", "redriveFilter"],
        "StopExecution" => &["executionArn", "error", "cause"],
        "RedriveExecution" => &["executionArn", "clientToken"],
        "GetExecutionHistory" => &["executionArn", "maxResults", "reverseOrder", "nextToken", "includeExecutionData"],
        "SendTaskSuccess" => &["taskToken", "output"],
        "SendTaskFailure" => &["taskToken", "error", "cause"],
        "SendTaskHeartbeat" => &["taskToken"],
        "TestState" => &["definition", "roleArn", "input", "inspectionLevel", "revealSecrets", "variables"],
        "TagResource" => &["resourceArn", "tags"],
        "UntagResource" => &["resourceArn", "tagKeys"],
        "ListTagsForResource" => &["resourceArn"],
        _ => return None,
    })
}

/// The ARNs an operation acts on, for authorization.
fn resources(input: &Input, op: &str, region: &str) -> Vec<String> {
    let s = |k: &str| input.str(k).ok().flatten().unwrap_or_default().to_string();
    match op {
        "CreateStateMachine" => vec![machine_arn(region, &s("name"))],
        "DescribeStateMachine"
        | "UpdateStateMachine"
        | "DeleteStateMachine"
        | "StartExecution"
        | "StartSyncExecution"
        | "ListExecutions"
        | "PublishStateMachineVersion"
        | "ListStateMachineVersions"
        | "ListStateMachineAliases" => vec![s("stateMachineArn")],
        "DeleteStateMachineVersion" => vec![s("stateMachineVersionArn")],
        "DescribeStateMachineAlias" | "UpdateStateMachineAlias" | "DeleteStateMachineAlias" => {
            vec![s("stateMachineAliasArn")]
        }
        // The alias's ARN: its versions' machine's, and its name.
        "CreateStateMachineAlias" => {
            let version = input
                .objects("routingConfiguration")
                .ok()
                .and_then(|r| {
                    r.first().and_then(|v| v.str("stateMachineVersionArn").ok().flatten().map(str::to_string))
                })
                .unwrap_or_default();
            let machine = version.rsplit_once(':').map(|(m, _)| m.to_string()).unwrap_or_default();
            vec![format!("{machine}:{}", s("name"))]
        }
        "DescribeExecution"
        | "DescribeStateMachineForExecution"
        | "StopExecution"
        | "GetExecutionHistory"
        | "RedriveExecution" => {
            vec![s("executionArn")]
        }
        "TagResource" | "UntagResource" | "ListTagsForResource" => vec![s("resourceArn")],
        _ => vec!["*".to_string()],
    }
}

async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Reply {
    let Some(known) = members(op) else {
        return Err(invalid(
            "UnknownOperationException",
            format!(
                "Squall's Step Functions serves state machines, executions, their history, task tokens and tags: {op} is not supported yet"
            ),
        ));
    };
    let input = Input::parse(&req.body, "ValidationException")?;
    let keys = squall_api::request_keys::of_json(input.members());
    let role = match op {
        // TestState's Task runs as its role, which is passed to Step Functions as a machine's is.
        "CreateStateMachine" | "UpdateStateMachine" | "TestState" => input.str("roleArn")?.map(str::to_string),
        _ => None,
    };
    match role {
        None => squall_api::authorize::authorize(state, req.who().with_keys(&keys), "stepfunctions", op, || {
            resources(&input, op, &state.region)
        })?,
        Some(role) => {
            let mut keys = keys.clone();
            keys.set("iam:PassedToService", "states.amazonaws.com");
            squall_api::authorize::authorize_each(state, req.who().with_keys(&keys), "stepfunctions", op, || {
                let action =
                    squall_api::actions::find("stepfunctions", op).map_or("states:CreateStateMachine", |r| r.action);
                let mut checks: Vec<(&'static str, String)> =
                    resources(&input, op, &state.region).into_iter().map(|r| (action, r)).collect();
                checks.push(("iam:PassRole", role.clone()));
                checks
            })?;
        }
    }
    only(&input, op, known)?;
    let wf = &state.workflows;
    let data = |input: &Input| -> Result<bool, ApiError> {
        match input.str("includedData")? {
            None | Some("ALL_DATA") => Ok(true),
            Some("METADATA_ONLY") => Ok(false),
            Some(other) => Err(validation(format!("includedData must be ALL_DATA or METADATA_ONLY, not {other}"))),
        }
    };
    let out = match op {
        "CreateStateMachine" => {
            let kind = match input.str("type")? {
                None | Some("STANDARD") => MachineType::Standard,
                Some("EXPRESS") => MachineType::Express,
                Some(other) => return Err(validation(format!("type must be STANDARD or EXPRESS, not {other}"))),
            };
            let new = NewMachine {
                name: input.required("name")?.to_string(),
                definition: input.required("definition")?.to_string(),
                role_arn: role_arn(&input)?,
                kind,
                logging: logging(&input)?,
                tracing: tracing_enabled(&input)?.unwrap_or(false),
                tags: tags(&input)?,
                publish: input.bool("publish")?,
                version_description: version_description(&input)?,
            };
            let (arn, created, version) = wf.create_machine(new).await.map_err(error)?;
            let mut out = json!({"stateMachineArn": arn, "creationDate": encode::time(created)});
            if let Some(v) = version {
                out["stateMachineVersionArn"] = json!(v);
            }
            out
        }
        "DescribeStateMachine" => {
            let data = data(&input)?;
            let arn = input.required("stateMachineArn")?;
            let mut out = match squall_workflows::names::qualified(arn) {
                Some((_, Some(_))) => {
                    let (machine, version) = wf.describe_version(arn).map_err(error)?;
                    encode::version(&machine, &version)
                }
                _ => encode::machine(&wf.describe_machine(arn).map_err(error)?),
            };
            // METADATA_ONLY: without the definition.
            if !data && let Some(m) = out.as_object_mut() {
                m.remove("definition");
            }
            out
        }
        "PublishStateMachineVersion" => {
            let v = wf
                .publish_version(
                    input.required("stateMachineArn")?,
                    input.str("revisionId")?.map(str::to_string),
                    input.str("description")?.map(str::to_string),
                )
                .await
                .map_err(error)?;
            json!({"creationDate": encode::time(v.created_ms), "stateMachineVersionArn": v.arn})
        }
        "ListStateMachineVersions" => {
            let versions = wf.list_versions(input.required("stateMachineArn")?).map_err(error)?;
            let keyed = versions
                .iter()
                .map(|v| {
                    (
                        format!("{:020}", u64::MAX - v.number),
                        json!({"stateMachineVersionArn": v.arn, "creationDate": encode::time(v.created_ms)}),
                    )
                })
                .collect();
            let (page, next) = paged(&input, keyed)?;
            with_token(json!({"stateMachineVersions": page}), next)
        }
        "DeleteStateMachineVersion" => {
            wf.delete_version(input.required("stateMachineVersionArn")?).await.map_err(error)?;
            json!({})
        }
        "CreateStateMachineAlias" => {
            let routing = routing(&input)?.ok_or_else(|| validation("routingConfiguration is required"))?;
            let a = wf
                .create_alias(input.required("name")?, input.str("description")?.map(str::to_string), routing)
                .await
                .map_err(error)?;
            json!({"stateMachineAliasArn": a.arn, "creationDate": encode::time(a.created_ms)})
        }
        "DescribeStateMachineAlias" => {
            encode::alias(&wf.describe_alias(input.required("stateMachineAliasArn")?).map_err(error)?)
        }
        "UpdateStateMachineAlias" => {
            let description = input.str("description")?.map(str::to_string);
            let routing = routing(&input)?;
            if description.is_none() && routing.is_none() {
                return Err(validation("Either the description or the routingConfiguration must be specified"));
            }
            let a =
                wf.update_alias(input.required("stateMachineAliasArn")?, description, routing).await.map_err(error)?;
            json!({"updateDate": encode::time(a.updated_ms.unwrap_or(a.created_ms))})
        }
        "DeleteStateMachineAlias" => {
            wf.delete_alias(input.required("stateMachineAliasArn")?).await.map_err(error)?;
            json!({})
        }
        "ListStateMachineAliases" => {
            let aliases = wf.list_aliases(input.required("stateMachineArn")?).map_err(error)?;
            let keyed = aliases
                .iter()
                .map(|a| {
                    (a.name.clone(), json!({"stateMachineAliasArn": a.arn, "creationDate": encode::time(a.created_ms)}))
                })
                .collect();
            let (page, next) = paged(&input, keyed)?;
            with_token(json!({"stateMachineAliases": page}), next)
        }
        "UpdateStateMachine" => {
            let arn = input.required("stateMachineArn")?;
            let definition = input.str("definition")?.map(str::to_string);
            let role = match input.str("roleArn")? {
                Some(_) => Some(role_arn(&input)?),
                None => None,
            };
            let logging = match input.get("loggingConfiguration") {
                Some(_) => Some(logging(&input)?),
                None => None,
            };
            let tracing = tracing_enabled(&input)?;
            if definition.is_none() && role.is_none() && logging.is_none() && tracing.is_none() {
                return Err(invalid(
                    "MissingRequiredParameter",
                    "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
                ));
            }
            let publish = match input.bool("publish")? {
                true => Some(version_description(&input)?),
                false if input.get("versionDescription").is_some() => {
                    return Err(validation("versionDescription is only allowed with publish: true"));
                }
                false => None,
            };
            let (updated, revision, version) =
                wf.update_machine(arn, definition, role, logging, tracing, publish).await.map_err(error)?;
            let mut out = json!({"updateDate": encode::time(updated), "revisionId": revision});
            if let Some(v) = version {
                out["stateMachineVersionArn"] = json!(v);
            }
            out
        }
        "DeleteStateMachine" => {
            wf.delete_machine(input.required("stateMachineArn")?).await.map_err(error)?;
            json!({})
        }
        "ListStateMachines" => {
            let all = wf.list_machines();
            let (page, next) = paged(&input, all.iter().map(|m| (m.name.clone(), encode::machine_item(m))).collect())?;
            with_token(json!({"stateMachines": page}), next)
        }
        "ValidateStateMachineDefinition" => validate(wf, &input)?,
        "StartExecution" => {
            let (arn, name, execution_input, trace) = start_args(&input, req)?;
            let started = wf.start_execution(arn, name, execution_input, trace).await.map_err(error)?;
            json!({"executionArn": started.arn, "startDate": encode::time(started.start_ms)})
        }
        "StartSyncExecution" => {
            let (arn, name, execution_input, trace) = start_args(&input, req)?;
            let done = wf.start_sync_execution(arn, name, execution_input, trace).await.map_err(error)?;
            let mut out = encode::sync_execution(&done);
            if !data(&input)? {
                for key in ["input", "output"] {
                    out.as_object_mut().map(|m| m.remove(key));
                }
                out["inputDetails"] = json!({"included": false});
                if done.output.is_some() {
                    out["outputDetails"] = json!({"included": false});
                }
            }
            out
        }
        "DescribeExecution" => {
            let data = data(&input)?;
            let e = wf.describe_execution(input.required("executionArn")?).await.map_err(error)?;
            let mut out = encode::execution(&e, data);
            let now = state.clock.now_ms();
            match squall_workflows::not_redrivable(&e, now) {
                None => out["redriveStatus"] = json!("REDRIVABLE"),
                Some(why) => out["redriveStatusReason"] = json!(format!("Execution cannot be redriven: {why}")),
            }
            out
        }
        "DescribeStateMachineForExecution" => {
            let with_definition = data(&input)?;
            let e = wf.describe_execution(input.required("executionArn")?).await.map_err(error)?;
            // The definition the execution runs, with the machine's other settings if it
            // still exists.
            let mut out = json!({
                "stateMachineArn": e.machine_arn,
                "name": e.machine_name,
                "definition": e.definition,
                "roleArn": e.role_arn,
                "updateDate": encode::time(e.start_ms),
                "loggingConfiguration": {"level": "OFF", "includeExecutionData": false},
                "tracingConfiguration": {"enabled": false},
            });
            if let Ok(m) = wf.describe_machine(&e.machine_arn) {
                out["loggingConfiguration"] = encode::logging(&m);
                out["tracingConfiguration"] = json!({"enabled": m.tracing});
                out["updateDate"] = encode::time(m.updated_ms.unwrap_or(m.created_ms));
            }
            if !with_definition && let Some(m) = out.as_object_mut() {
                m.remove("definition");
            }
            out
        }
        "ListExecutions" => {
            // A redrive starts at once here, so no execution is ever PENDING_REDRIVE.
            let pending = input.str("statusFilter")? == Some("PENDING_REDRIVE");
            let status = match input.str("statusFilter")? {
                None | Some("PENDING_REDRIVE") => None,
                Some(s) => Some(Status::parse(s).ok_or_else(|| {
                    validation(format!("statusFilter must be RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE, not {s}"))
                })?),
            };
            let redriven = match input.str("redriveFilter")? {
                None => None,
                Some("REDRIVEN") => Some(true),
                Some("NOT_REDRIVEN") => Some(false),
                Some(other) => {
                    return Err(validation(format!("redriveFilter must be REDRIVEN or NOT_REDRIVEN, not {other}")));
                }
            };
            let mut all = wf.list_executions(input.required("stateMachineArn")?, status).await.map_err(error)?;
            all.retain(|e| !pending && redriven.is_none_or(|r| (e.redrive_count > 0) == r));
            let keyed = all
                .iter()
                .map(|e| (format!("{:020}:{}", u64::MAX - e.start_ms, e.name), encode::execution_item(e)))
                .collect();
            let (page, next) = paged(&input, keyed)?;
            with_token(json!({"executions": page}), next)
        }
        "StopExecution" => {
            let stop = wf
                .stop_execution(
                    input.required("executionArn")?,
                    input.str("error")?.map(str::to_string),
                    input.str("cause")?.map(str::to_string),
                )
                .await
                .map_err(error)?;
            json!({"stopDate": encode::time(stop)})
        }
        "GetExecutionHistory" => history(wf, &input).await?,
        "RedriveExecution" => {
            let token = input.str("clientToken")?.map(str::to_string);
            let at = wf.redrive_execution(input.required("executionArn")?, token).await.map_err(error)?;
            json!({"redriveDate": encode::time(at)})
        }
        "TestState" => {
            // DEBUG shows each step of the data flow; TRACE adds an HTTP Task's request and
            // response, and there are no HTTP Tasks here, so it shows what DEBUG does.
            let steps = match input.str("inspectionLevel")? {
                None | Some("INFO") => false,
                Some("DEBUG") | Some("TRACE") => true,
                Some(other) => {
                    return Err(validation(format!("inspectionLevel must be INFO, DEBUG or TRACE, not {other}")));
                }
            };
            // revealSecrets shows an HTTP Task's credentials; there are no HTTP Tasks here.
            if input.bool("revealSecrets")? {
                return Err(validation("TestState: revealSecrets is for HTTP Tasks, which Squall does not run."));
            }
            if input.get("variables").is_some() {
                return Err(validation("TestState: variables are not supported by Squall yet."));
            }
            let role = input.str("roleArn")?.unwrap_or_default();
            let outcome = wf
                .test_state(input.required("definition")?, role, input.str("input")?.unwrap_or("{}"))
                .await
                .map_err(error)?;
            encode::test_state(&outcome, steps)
        }
        "SendTaskSuccess" => {
            let output = input.required("output")?;
            if output.len() > squall_workflows::MAX_PAYLOAD {
                return Err(invalid("InvalidOutput", "The output exceeds the 262144-byte limit"));
            }
            let value: Value =
                serde_json::from_str(output).map_err(|e| invalid("InvalidOutput", format!("Invalid Output: '{e}'")))?;
            wf.send_task_result(input.required("taskToken")?, Ok(value)).await.map_err(error)?;
            json!({})
        }
        "SendTaskFailure" => {
            let failure = Failure::new(
                input.str("error")?.unwrap_or_default().to_string(),
                input.str("cause")?.unwrap_or_default().to_string(),
            );
            wf.send_task_result(input.required("taskToken")?, Err(failure)).await.map_err(error)?;
            json!({})
        }
        "SendTaskHeartbeat" => {
            wf.send_task_heartbeat(input.required("taskToken")?).await.map_err(error)?;
            json!({})
        }
        "TagResource" => {
            wf.tag(input.required("resourceArn")?, tags(&input)?, &[]).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            let keys = input.strings("tagKeys")?;
            wf.tag(input.required("resourceArn")?, BTreeMap::new(), &keys).await.map_err(error)?;
            json!({})
        }
        "ListTagsForResource" => {
            let tags = wf.tags(input.required("resourceArn")?).map_err(error)?;
            json!({"tags": tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>()})
        }
        _ => unreachable!("members() lists the operations served"),
    };
    Ok(json10(&out))
}

fn version_description(input: &Input) -> Result<Option<String>, ApiError> {
    match input.str("versionDescription")? {
        Some(d) if !input.bool("publish")? => {
            Err(validation(format!("versionDescription '{d}' is only allowed with publish: true")))
        }
        Some(d) if d.len() > 256 => Err(validation("versionDescription is at most 256 characters")),
        other => Ok(other.map(str::to_string)),
    }
}

/// An alias's `routingConfiguration`: (version ARN, weight) pairs.
fn routing(input: &Input) -> Result<Option<Vec<(String, u32)>>, ApiError> {
    if input.get("routingConfiguration").is_none() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for r in input.objects("routingConfiguration")? {
        let weight = r.int("weight")?.ok_or_else(|| validation("Each routingConfiguration entry needs a weight"))?;
        if !(0..=100).contains(&weight) {
            return Err(validation(format!("weight must be from 0 to 100, not {weight}")));
        }
        out.push((r.required("stateMachineVersionArn")?.to_string(), weight as u32));
    }
    Ok(Some(out))
}

fn role_arn(input: &Input) -> Result<String, ApiError> {
    let role = input.required("roleArn")?;
    let ok = role.starts_with("arn:aws:iam::") && role.contains(":role/");
    if !ok {
        return Err(invalid("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {role}'")));
    }
    Ok(role.to_string())
}

/// Only `OFF` is honoured: Squall keeps every STANDARD execution's history itself and has no
/// CloudWatch Logs to deliver executions' events to.
fn logging(input: &Input) -> Result<Value, ApiError> {
    let Some(config) = input.object("loggingConfiguration")? else {
        return Ok(json!({"level": "OFF", "includeExecutionData": false}));
    };
    let level = config.str("level")?.unwrap_or("OFF");
    if level != "OFF" {
        return Err(invalid(
            "InvalidLoggingConfiguration",
            format!(
                "loggingConfiguration level {level} is not supported by Squall: it has no CloudWatch Logs; every STANDARD execution's history is kept (GetExecutionHistory, `squall execution`)"
            ),
        ));
    }
    if config.get("destinations").and_then(Value::as_array).is_some_and(|d| !d.is_empty()) {
        return Err(invalid(
            "InvalidLoggingConfiguration",
            "loggingConfiguration destinations are not supported by Squall: it has no CloudWatch Logs",
        ));
    }
    Ok(json!({"level": "OFF", "includeExecutionData": config.bool("includeExecutionData")?}))
}

fn tracing_enabled(input: &Input) -> Result<Option<bool>, ApiError> {
    match input.object("tracingConfiguration")? {
        None => Ok(None),
        Some(t) => Ok(Some(t.bool("enabled")?)),
    }
}

fn tags(input: &Input) -> Result<BTreeMap<String, String>, ApiError> {
    let mut out = BTreeMap::new();
    for t in input.objects("tags")? {
        out.insert(t.required("key")?.to_string(), t.str("value")?.unwrap_or_default().to_string());
    }
    Ok(out)
}

type StartArgs<'i> = (&'i str, Option<String>, Option<String>, Option<String>);

/// StartExecution's and StartSyncExecution's machine, name, input and trace.
fn start_args<'i>(input: &'i Input, req: &ApiRequest) -> Result<StartArgs<'i>, ApiError> {
    Ok((
        input.required("stateMachineArn")?,
        input.str("name")?.map(str::to_string),
        input.str("input")?.map(str::to_string),
        trace_header(input, req)?,
    ))
}

/// The execution's trace: the `traceHeader` given, else the request's own X-Ray header.
fn trace_header(input: &Input, req: &ApiRequest) -> Result<Option<String>, ApiError> {
    match input.str("traceHeader")? {
        Some(t) if t.len() > 256 => Err(validation("traceHeader is at most 256 characters")),
        Some(t) => Ok(Some(t.to_string())),
        None => Ok(Some(req.trace.traceparent())),
    }
}

fn validate(wf: &squall_workflows::Workflows, input: &Input) -> Result<Value, ApiError> {
    let definition = input.required("definition")?;
    let kind = match input.str("type")? {
        None | Some("STANDARD") => squall_workflows::model::MachineType::Standard,
        Some("EXPRESS") => squall_workflows::model::MachineType::Express,
        Some(other) => return Err(validation(format!("type must be STANDARD or EXPRESS, not {other}"))),
    };
    let max = match input.int("maxResults")? {
        None | Some(0) => 100,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => return Err(validation(format!("maxResults must be between 0 and 100, not {n}"))),
    };
    match input.str("severity")? {
        None | Some("ERROR") | Some("WARNING") => {}
        Some(other) => return Err(validation(format!("severity must be ERROR or WARNING, not {other}"))),
    }
    let diagnostics = wf.validate(definition, kind);
    let truncated = diagnostics.len() > max;
    let list: Vec<Value> = diagnostics
        .iter()
        .take(max)
        .map(|d| json!({"severity": "ERROR", "code": d.code, "message": d.message, "location": d.location}))
        .collect();
    Ok(
        json!({"result": if diagnostics.is_empty() { "OK" } else { "FAIL" }, "diagnostics": list, "truncated": truncated}),
    )
}

async fn history(wf: &squall_workflows::Workflows, input: &Input) -> Result<Value, ApiError> {
    let arn = input.required("executionArn")?;
    let limit = match input.int("maxResults")? {
        None | Some(0) => 100,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(n) => return Err(validation(format!("maxResults must be between 0 and 1000, not {n}"))),
    };
    let reverse = input.get("reverseOrder").and_then(Value::as_bool).unwrap_or(false);
    let data = input.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(true);
    let from = match input.str("nextToken")? {
        None => None,
        Some(t) => Some(
            read_token(t)
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| invalid("InvalidToken", format!("Invalid Token: '{t}'")))?,
        ),
    };
    let page = wf.history(arn, reverse, from, limit).await.map_err(error)?;
    let events: Vec<Value> = page.events.iter().map(|e| encode::event(e, data)).collect();
    Ok(with_token(json!({"events": events}), page.next.map(|n| make_token(&n.to_string()))))
}

fn make_token(key: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

fn read_token(token: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes).ok()
}

/// A page of `items` (in order of their keys) after the request's `nextToken`.
fn paged(input: &Input, items: Vec<(String, Value)>) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let limit = match input.int("maxResults")? {
        None | Some(0) => 100,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(n) => return Err(validation(format!("maxResults must be between 0 and 1000, not {n}"))),
    };
    let after = match input.str("nextToken")? {
        None => None,
        Some(t) => Some(read_token(t).ok_or_else(|| invalid("InvalidToken", format!("Invalid Token: '{t}'")))?),
    };
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let rest: Vec<(String, Value)> = items.into_iter().filter(|(k, _)| after.as_ref().is_none_or(|a| k > a)).collect();
    let next = (rest.len() > limit).then(|| make_token(&rest[limit - 1].0));
    Ok((rest.into_iter().take(limit).map(|(_, v)| v).collect(), next))
}

fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        out["nextToken"] = json!(t);
    }
    out
}
