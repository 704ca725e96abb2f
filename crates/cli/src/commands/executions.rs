//! `squall executions MACHINE` lists a state machine's executions, newest first;
//! `squall execution ARN` prints one execution and its history as a timeline.

use super::block_on;
use crate::ClientArgs;
use crate::client::{Client, server_error};
use serde_json::{Value, json};
use std::process::ExitCode;

async fn states(client: &Client, op: &str, input: Value) -> anyhow::Result<Value> {
    let resp = client.states(op, &input).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    resp.json()
}

/// A machine's ARN from its name (or the ARN itself).
async fn machine_arn(client: &Client, machine: &str) -> anyhow::Result<String> {
    if machine.starts_with("arn:") {
        return Ok(machine.to_string());
    }
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"maxResults": 1000});
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let page = states(client, "ListStateMachines", input).await?;
        let found = page["stateMachines"].as_array().into_iter().flatten().find(|m| m["name"] == machine);
        if let Some(m) = found {
            return Ok(m["stateMachineArn"].as_str().unwrap_or_default().to_string());
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => anyhow::bail!("no state machine is named {machine}"),
        }
    }
}

fn when(seconds: &Value) -> String {
    let ms = (seconds.as_f64().unwrap_or_default() * 1000.0).round() as u64;
    squall_types::format_iso8601_millis_z(ms)
}

fn millis(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_default() * 1000.0).round() as i64
}

/// `squall executions MACHINE [--status S]`.
pub(crate) fn list(args: &ClientArgs, machine: &str, status: Option<&str>, limit: u32) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let arn = machine_arn(&client, machine).await?;
        let mut input = json!({"stateMachineArn": arn, "maxResults": limit.clamp(1, 1000)});
        if let Some(s) = status {
            input["statusFilter"] = json!(s);
        }
        let page = states(&client, "ListExecutions", input).await?;
        let executions = page["executions"].as_array().cloned().unwrap_or_default();
        if executions.is_empty() {
            println!("no executions of {machine}");
        }
        for e in &executions {
            let took = match e.get("stopDate") {
                Some(stop) => format!("{} ms", millis(stop) - millis(&e["startDate"])),
                None => "running".to_string(),
            };
            println!(
                "{}  {:<9}  {:>10}  {}",
                when(&e["startDate"]),
                e["status"].as_str().unwrap_or_default(),
                took,
                e["name"].as_str().unwrap_or_default()
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `squall execution ARN`: the execution, then each event of its history on a line:
/// the time since it started, the event's id, its type and what it carries.
pub(crate) fn show(args: &ClientArgs, execution: &str) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let e = states(&client, "DescribeExecution", json!({"executionArn": execution})).await?;
        println!("execution {}", e["name"].as_str().unwrap_or_default());
        println!("  machine  {}", e["stateMachineArn"].as_str().unwrap_or_default());
        println!("  status   {}", e["status"].as_str().unwrap_or_default());
        println!("  started  {}", when(&e["startDate"]));
        if let Some(stop) = e.get("stopDate") {
            println!("  stopped  {} ({} ms)", when(stop), millis(stop) - millis(&e["startDate"]));
        }
        if let Some(t) = e["traceHeader"].as_str() {
            println!("  trace    {t}");
        }
        println!("  input    {}", e["input"].as_str().unwrap_or_default());
        if let Some(o) = e["output"].as_str() {
            println!("  output   {o}");
        }
        if let Some(err) = e["error"].as_str() {
            println!("  error    {err}: {}", e["cause"].as_str().unwrap_or_default());
        }
        println!();
        let start = millis(&e["startDate"]);
        let mut token: Option<String> = None;
        loop {
            let mut input = json!({"executionArn": execution, "maxResults": 1000});
            if let Some(t) = &token {
                input["nextToken"] = json!(t);
            }
            let page = states(&client, "GetExecutionHistory", input).await?;
            for event in page["events"].as_array().into_iter().flatten() {
                println!("{}", line(event, start));
            }
            match page["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        let code =
            if e["status"] == "FAILED" || e["status"] == "TIMED_OUT" { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        Ok(code)
    })
}

/// One event: `+12 ms  #4  TaskStateEntered  Charge  {"order":1}`.
fn line(event: &Value, start: i64) -> String {
    let at = millis(&event["timestamp"]) - start;
    let kind = event["type"].as_str().unwrap_or_default();
    let details = event.as_object().and_then(|m| m.iter().find(|(k, _)| k.ends_with("EventDetails")).map(|(_, v)| v));
    let mut what = Vec::new();
    if let Some(d) = details {
        for key in ["name", "index", "resource", "error", "cause", "input", "output", "length"] {
            match &d[key] {
                Value::Null => {}
                Value::String(s) => what.push(clip(s)),
                other => what.push(format!("{key} {other}")),
            }
        }
    }
    format!("{:>+9} ms  #{:<4} {:<28} {}", at, event["id"].as_u64().unwrap_or_default(), kind, what.join("  "))
}

fn clip(s: &str) -> String {
    if s.chars().count() > 120 { format!("{}…", s.chars().take(119).collect::<String>()) } else { s.to_string() }
}
