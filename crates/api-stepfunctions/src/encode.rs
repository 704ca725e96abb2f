//! Answers in Step Functions' shapes: timestamps as epoch seconds, records' members.

use serde_json::{Value, json};
use squall_workflows::TestOutcome;
use squall_workflows::model::{Alias, Execution, StateMachine, Version};

/// Epoch milliseconds as awsJson's timestamp (seconds, with a fraction).
pub(crate) fn time(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

pub(crate) fn logging(m: &StateMachine) -> Value {
    if m.logging.is_object() && m.logging.get("level").is_some() {
        m.logging.clone()
    } else {
        json!({"level": "OFF", "includeExecutionData": false})
    }
}

pub(crate) fn machine(m: &StateMachine) -> Value {
    let mut out = json!({
        "stateMachineArn": m.arn,
        "name": m.name,
        "status": "ACTIVE",
        "definition": m.definition,
        "roleArn": m.role_arn,
        "type": m.kind.as_str(),
        "creationDate": time(m.created_ms),
        "loggingConfiguration": logging(m),
        "tracingConfiguration": {"enabled": m.tracing},
    });
    if m.updated_ms.is_some() {
        out["revisionId"] = json!(m.revision_id);
    }
    if !m.description.is_empty() {
        out["description"] = json!(m.description);
    }
    out
}

/// DescribeStateMachine of a version: the version's definition, role and description.
pub(crate) fn version(m: &StateMachine, v: &Version) -> Value {
    let mut out = machine(m);
    out["stateMachineArn"] = json!(v.arn);
    out["definition"] = json!(v.definition);
    out["roleArn"] = json!(v.role_arn);
    out["creationDate"] = time(v.created_ms);
    out["revisionId"] = json!(v.revision_id);
    out["description"] = json!(v.description);
    out
}

pub(crate) fn alias(a: &Alias) -> Value {
    let routing: Vec<Value> =
        a.routing.iter().map(|(v, w)| json!({"stateMachineVersionArn": v, "weight": w})).collect();
    let mut out = json!({
        "stateMachineAliasArn": a.arn,
        "name": a.name,
        "routingConfiguration": routing,
        "creationDate": time(a.created_ms),
        "updateDate": time(a.updated_ms.unwrap_or(a.created_ms)),
    });
    if !a.description.is_empty() {
        out["description"] = json!(a.description);
    }
    out
}

pub(crate) fn machine_item(m: &StateMachine) -> Value {
    json!({"stateMachineArn": m.arn, "name": m.name, "type": m.kind.as_str(), "creationDate": time(m.created_ms)})
}

/// DescribeExecution's members (`data`: with input and output).
pub(crate) fn execution(e: &Execution, data: bool) -> Value {
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.machine_arn,
        "name": e.name,
        "status": e.status.as_str(),
        "startDate": time(e.start_ms),
        "inputDetails": {"included": data},
        "redriveCount": e.redrive_count,
    });
    if let Some(at) = e.redrive_ms {
        out["redriveDate"] = time(at);
    }
    if data {
        out["input"] = json!(e.input);
    }
    if let Some(stop) = e.stop_ms {
        out["stopDate"] = time(stop);
    }
    if let Some(o) = &e.output {
        out["outputDetails"] = json!({"included": data});
        if data {
            out["output"] = json!(o);
        }
    }
    failure_and_trace(e, &mut out);
    versions(e, &mut out);
    // The adapter says REDRIVABLE when it is.
    out["redriveStatus"] = json!("NOT_REDRIVABLE");
    out
}

pub(crate) fn execution_item(e: &Execution) -> Value {
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.machine_arn,
        "name": e.name,
        "status": e.status.as_str(),
        "startDate": time(e.start_ms),
        "redriveCount": e.redrive_count,
    });
    if let Some(stop) = e.stop_ms {
        out["stopDate"] = time(stop);
    }
    if let Some(at) = e.redrive_ms {
        out["redriveDate"] = time(at);
    }
    versions(e, &mut out);
    out
}

/// An execution's error, cause and trace header, when it has them.
fn failure_and_trace(e: &Execution, out: &mut Value) {
    for (key, value) in [("error", &e.error), ("cause", &e.cause), ("traceHeader", &e.trace)] {
        if let Some(v) = value {
            out[key] = json!(v);
        }
    }
}

/// The version and alias an execution was started through.
fn versions(e: &Execution, out: &mut Value) {
    for (key, value) in [("stateMachineVersionArn", &e.version_arn), ("stateMachineAliasArn", &e.alias_arn)] {
        if let Some(v) = value {
            out[key] = json!(v);
        }
    }
}

/// StartSyncExecution's answer.
pub(crate) fn sync_execution(e: &Execution) -> Value {
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.machine_arn,
        "name": e.name,
        "startDate": time(e.start_ms),
        "stopDate": time(e.stop_ms.unwrap_or(e.start_ms)),
        "status": e.status.as_str(),
        "input": e.input,
        "inputDetails": {"included": true},
        "billingDetails": {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": e.stop_ms.unwrap_or(e.start_ms).saturating_sub(e.start_ms).max(100),
        },
    });
    if let Some(o) = &e.output {
        out["output"] = json!(o);
        out["outputDetails"] = json!({"included": true});
    }
    failure_and_trace(e, &mut out);
    out
}

/// A stored history event as GetExecutionHistory answers it (`data`: with inputs and
/// outputs).
pub(crate) fn event(stored: &Value, data: bool) -> Value {
    let mut out = stored.clone();
    if let Some(ms) = stored["timestamp"].as_u64() {
        out["timestamp"] = time(ms);
    }
    if !data && let Some(map) = out.as_object_mut() {
        for (k, v) in map.iter_mut() {
            if k.ends_with("EventDetails")
                && let Some(d) = v.as_object_mut()
            {
                for (field, details) in [("input", "inputDetails"), ("output", "outputDetails")] {
                    if d.remove(field).is_some() {
                        d.insert(details.into(), json!({"truncated": false}));
                    }
                }
            }
        }
    }
    out
}

/// TestState's answer (`steps`: with each step of the data flow, as DEBUG shows them).
pub(crate) fn test_state(o: &TestOutcome, steps: bool) -> Value {
    let text = |v: &Option<Value>| v.as_ref().map(|v| json!(serde_json::to_string(v).unwrap_or_default()));
    let mut inspection = serde_json::Map::new();
    let i = &o.inspection;
    for (key, value) in [
        ("input", &i.input),
        ("afterInputPath", &i.after_input_path),
        ("afterParameters", &i.after_parameters),
        ("result", &i.result),
        ("afterResultSelector", &i.after_result_selector),
        ("afterResultPath", &i.after_result_path),
    ] {
        if let Some(v) = text(value) {
            inspection.insert(key.into(), v);
        }
    }
    let mut out = json!({"status": o.status});
    if steps {
        out["inspectionData"] = Value::Object(inspection);
    }
    if let Some(v) = text(&o.output) {
        out["output"] = v;
    }
    if let Some(n) = &o.next_state {
        out["nextState"] = json!(n);
    }
    if let Some(e) = &o.error {
        out["error"] = json!(e);
    }
    if let Some(c) = &o.cause {
        out["cause"] = json!(c);
    }
    out
}
