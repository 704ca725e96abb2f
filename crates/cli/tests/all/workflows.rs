//! Step Functions: the API through boto3 and the aws CLI, the conformance table of state
//! types, data flow and intrinsics, Task states calling functions and Squall's services (the
//! optimized integrations and the AWS SDK form) as the machine's role,
//! executions surviving `kill -9` (a Wait of an hour, a Task in flight, a Map half done) and
//! `squall execution`'s timeline.

use crate::harness::*;

#[test]
fn step_functions_through_boto3_and_the_cli() -> Result {
    let server = Server::start()?;
    server.client_script("stepfunctions_boto3.py", "done")
}

#[test]
fn states_language_conformance_cases() -> Result {
    let server = Server::start()?;
    server.client_script_with("stepfunctions_conformance.py", &["--distributed"], "done")
}

#[test]
fn task_states_call_functions_as_the_machines_role() -> Result {
    let server = Server::start()?;
    server.client_script("stepfunctions_tasks.py", "done")
}

#[test]
fn service_integrations_call_squalls_services_as_the_machines_role() -> Result {
    let server = Server::start()?;
    server.client_script("stepfunctions_integrations.py", "done")
}

#[test]
fn aws_sdk_integrations_with_s3_iam_sts_sns_scheduler_and_lambda() -> Result {
    let server = Server::start()?;
    server.client_script("stepfunctions_sdk.py", "done")
}

#[test]
fn versions_aliases_redrive_and_test_state() -> Result {
    let server = Server::start()?;
    server.client_script("stepfunctions_versions.py", "done")
}

#[test]
fn executions_survive_kill_9_and_show_as_a_timeline() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let script = root().join("tests/clients/stepfunctions_kill.py");
    let mut server = Server::start_in_with(&data, &["--dev"])?;
    let out = server.python_with(&script, &["start"]);
    let arns = String::from_utf8_lossy(&out.stdout).trim().to_string();
    anyhow::ensure!(
        out.status.success(),
        "start: {arns}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.stderr()
    );
    server.kill9()?;
    let server = Server::start_in_with(&data, &["--dev"])?;
    ok(&server.squall(&["clock", "advance", "1h"]))?;
    server.client_script_with("stepfunctions_kill.py", &["finish", &arns], "done")?;

    let ids: serde_json::Value = serde_json::from_str(&arns)?;
    let listed = ok(&server.squall(&["executions", "hour"]))?;
    assert!(listed.contains("SUCCEEDED"), "{listed}");
    let timeline = ok(&server.squall(&["execution", ids["hour"].as_str().unwrap_or_default()]))?;
    for line in ["status   SUCCEEDED", "#2    WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"] {
        assert!(timeline.contains(line), "{line} in:\n{timeline}");
    }
    Ok(())
}

#[test]
fn a_state_machines_http_event_starts_it() -> Result {
    let server = Server::start()?;
    let yaml = r#"service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  price:
    handler: handler.price
stepFunctions:
  stateMachines:
    placeOrder:
      events:
        - http:
            path: orders
            method: POST
      definition:
        StartAt: Price
        States:
          Price:
            Type: Task
            Resource:
              Fn::GetAtt: [price, Arn]
            End: true
    quote:
      type: EXPRESS
      events:
        - http:
            path: quote
            method: POST
            action: StartSyncExecution
      definition:
        StartAt: Q
        States:
          Q:
            Type: Pass
            Parameters:
              total.$: States.MathAdd($.a, $.b)
            End: true
"#;
    let dir = service_dir(yaml)?;
    std::fs::write(
        dir.path().join("handler.py"),
        "def price(event, context):\n    return {'sku': event['sku'], 'price': 12}\n",
    )?;
    server.deploy(dir.path())?;
    let r = server.http_request(
        "POST",
        "/orders/dev/orders",
        &[("content-type", "application/json")],
        br#"{"sku":"X1"}"#.to_vec(),
    )?;
    assert_eq!(r.status, 200, "{}", r.text());
    let started: serde_json::Value = serde_json::from_str(&r.text())?;
    let arn = started["executionArn"].as_str().unwrap_or_default().to_string();
    assert!(arn.contains(":execution:orders-dev-placeOrder:") && started["startDate"].is_number(), "{started}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let d: serde_json::Value =
            serde_json::from_str(&ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", &arn]))?)?;
        if d["status"] == "SUCCEEDED" {
            let output: serde_json::Value = serde_json::from_str(d["output"].as_str().unwrap_or("null"))?;
            assert_eq!(output, serde_json::json!({"sku": "X1", "price": 12}));
            break;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline && d["status"] == "RUNNING", "{d}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let r = server.http_request("POST", "/orders/dev/quote", &[], br#"{"a":2,"b":3}"#.to_vec())?;
    let done: serde_json::Value = serde_json::from_str(&r.text())?;
    assert_eq!(
        (r.status, done["status"].as_str(), done["output"].as_str()),
        (200, Some("SUCCEEDED"), Some(r#"{"total":5}"#)),
        "{done}"
    );
    let r = server.http_request("POST", "/orders/dev/quote", &[], b"not json".to_vec())?;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("InvalidExecutionInput"), "{}", r.text());
    Ok(())
}
