//! Asynchronous invocation (`InvocationType: Event`): accepted at once, run later from a
//! durable queue, function errors retried with backoff.

use crate::harness::*;
use std::time::{Duration, Instant};

pub(crate) fn guest() -> std::path::PathBuf {
    root().join("tests/guests/lambda/python")
}

/// Runs `aws lambda invoke --invocation-type Event`; the CLI's output and the output file.
pub(crate) fn run_event(server: &Server, function: &str, payload: &str) -> Result<(std::process::Output, String)> {
    let tmp = tempfile::tempdir()?;
    let (payload_file, out_file) = (tmp.path().join("payload.json"), tmp.path().join("out"));
    std::fs::write(&payload_file, payload)?;
    let payload_arg = format!("fileb://{}", payload_file.display());
    let out = server.aws(&[
        "lambda",
        "invoke",
        "--invocation-type",
        "Event",
        "--function-name",
        function,
        "--payload",
        &payload_arg,
        out_file.to_str().unwrap(),
    ]);
    Ok((out, std::fs::read_to_string(&out_file).unwrap_or_default()))
}

/// An accepted Event invoke: the CLI's JSON and the output file.
fn invoke_event(server: &Server, function: &str, payload: &str) -> Result<(serde_json::Value, String)> {
    let (out, body) = run_event(server, function, payload)?;
    Ok((serde_json::from_str(&ok(&out)?)?, body))
}

/// Polls `squall logs FUNCTION` (bounded) until `done` holds; returns the logs.
pub(crate) fn logs_until(
    server: &Server,
    function: &str,
    limit: Duration,
    done: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + limit;
    loop {
        let logs = ok(&server.squall(&["logs", function]))?;
        if done(&logs) {
            return Ok(logs);
        }
        anyhow::ensure!(Instant::now() < deadline, "gave up waiting; logs of {function}:\n{logs}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn event_invocations_run_later_and_failures_are_retried_with_backoff() -> Result {
    let server = Server::start_with(&["--async-retry-delay-ms", "300"])?;
    server.deploy(&guest())?;

    let (meta, body) = invoke_event(&server, "pyfns-dev-shout", r#"{"n": 7}"#)?;
    assert_eq!((meta["StatusCode"].as_i64(), body.as_str()), (Some(202), ""), "{meta}");
    let logs = logs_until(&server, "pyfns-dev-shout", Duration::from_secs(30), |l| l.contains("REPORT RequestId"))?;
    assert!(logs.contains(r#"shout got {"n": 7}"#), "{logs}");

    // A failing function: the first attempt and two retries, about 300 ms then 600 ms apart.
    let started = Instant::now();
    invoke_event(&server, "pyfns-dev-fail", "{}")?;
    let logs = logs_until(&server, "pyfns-dev-fail", Duration::from_secs(30), |l| l.contains("giving up"))?;
    let took = started.elapsed();
    assert_eq!(logs.matches("START RequestId").count(), 3, "{logs}");
    assert!(logs.contains("attempt 1 of 3") && logs.contains("attempt 2 of 3"), "{logs}");
    assert!(logs.contains("failed after 3 attempts, giving up"), "{logs}");
    assert!(took >= Duration::from_millis(600), "retries came too soon: {took:?}");
    // Every attempt ran under the request id the caller was given.
    let ids: std::collections::HashSet<&str> = logs
        .lines()
        .filter_map(|l| l.split("START RequestId: ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(ids.len(), 1, "{logs}");
    Ok(())
}

#[test]
fn accepted_event_invocations_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let flags = ["--async-retry-delay-ms", "200"];
    let mut server = Server::start_in_with(&data, &flags)?;
    server.deploy(&guest())?;
    // No concurrency: the invocation is throttled, so it is still queued at the kill.
    ok(&server.aws(&[
        "lambda",
        "put-function-concurrency",
        "--function-name",
        "pyfns-dev-shout",
        "--reserved-concurrent-executions",
        "0",
    ]))?;
    let (meta, _) = invoke_event(&server, "pyfns-dev-shout", r#"{"survives": "kill -9"}"#)?;
    assert_eq!(meta["StatusCode"].as_i64(), Some(202));
    // Past the throttle wait and a retry: it has not run, it is only stored.
    std::thread::sleep(Duration::from_millis(1500));
    let before = ok(&server.squall(&["logs", "pyfns-dev-shout"]))?;
    assert!(!before.contains("shout got"), "{before}");
    server.kill9()?;

    let server = Server::start_in_with(&data, &flags)?;
    ok(&server.aws(&["lambda", "delete-function-concurrency", "--function-name", "pyfns-dev-shout"]))?;
    let logs = logs_until(&server, "pyfns-dev-shout", Duration::from_secs(30), |l| l.contains("shout got"))?;
    assert!(logs.contains(r#"shout got {"survives": "kill -9"}"#), "{logs}");
    assert_eq!(logs.matches("shout got").count(), 1, "{logs}");
    Ok(())
}

#[test]
fn event_invocations_refuse_what_lambda_refuses() -> Result {
    let server = Server::start()?;
    server.deploy(&guest())?;
    let big = format!(r#"{{"pad": "{}"}}"#, "x".repeat(300 * 1024));
    let (out, _) = run_event(&server, "pyfns-dev-shout", &big)?;
    let err = fails(&out)?;
    assert!(err.contains("RequestTooLargeException"), "{err}");
    let out = server.aws(&["lambda", "invoke", "--invocation-type", "Event", "--function-name", "nope", "/dev/null"]);
    let err = fails(&out)?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    Ok(())
}

#[test]
fn event_invocations_end_in_their_destinations_after_the_configured_retries() -> Result {
    let server = Server::start_with(&["--async-retry-delay-ms", "300"])?;
    server.deploy(&guest())?;
    let json = |out: &std::process::Output| -> Result<serde_json::Value> { Ok(serde_json::from_str(&ok(out)?)?) };
    let mut urls = std::collections::HashMap::new();
    for q in ["failures", "successes", "dead"] {
        let created = json(&server.aws(&["sqs", "create-queue", "--queue-name", q]))?;
        urls.insert(q, created["QueueUrl"].as_str().unwrap_or_default().to_string());
    }
    let arn = |q: &str| format!("arn:aws:sqs:us-east-1:000000000000:{q}");
    let on_failure = format!(r#"{{"OnFailure":{{"Destination":"{}"}}}}"#, arn("failures"));
    ok(&server.aws(&[
        "lambda",
        "put-function-event-invoke-config",
        "--function-name",
        "pyfns-dev-fail",
        "--maximum-retry-attempts",
        "1",
        "--destination-config",
        &on_failure,
    ]))?;
    let dead_letter = format!("TargetArn={}", arn("dead"));
    ok(&server.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "pyfns-dev-fail",
        "--dead-letter-config",
        &dead_letter,
    ]))?;
    let on_success = |destination: &str| -> Result {
        let config = format!(r#"{{"OnSuccess":{{"Destination":"{destination}"}}}}"#);
        let args = ["lambda", "put-function-event-invoke-config", "--function-name", "pyfns-dev-shout"];
        ok(&server.aws(&[&args[..], &["--destination-config", &config]].concat()))?;
        Ok(())
    };
    on_success(&arn("successes"))?;
    let config =
        json(&server.aws(&["lambda", "get-function-event-invoke-config", "--function-name", "pyfns-dev-fail"]))?;
    assert_eq!(config["MaximumRetryAttempts"], 1, "{config}");
    let described = json(&server.aws(&["lambda", "get-function-configuration", "--function-name", "pyfns-dev-fail"]))?;
    assert_eq!(described["DeadLetterConfig"]["TargetArn"], arn("dead"), "{described}");

    let receive = |queue: &str| -> Result<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = ok(&server.aws(&[
                "sqs",
                "receive-message",
                "--queue-url",
                &urls[queue],
                "--wait-time-seconds",
                "2",
                "--message-attribute-names",
                "All",
            ]))?;
            if !out.trim().is_empty() {
                return Ok(serde_json::from_str::<serde_json::Value>(&out)?["Messages"][0].clone());
            }
            anyhow::ensure!(Instant::now() < deadline, "nothing reached queue {queue}");
        }
    };

    // A failing function: the first attempt, one retry about 300 ms later, then its record
    // goes to onFailure and its event to the dead-letter queue.
    let started = Instant::now();
    invoke_event(&server, "pyfns-dev-fail", r#"{"n": 1}"#)?;
    let failed = receive("failures")?;
    let took = started.elapsed();
    let record: serde_json::Value = serde_json::from_str(failed["Body"].as_str().unwrap_or_default())?;
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted", "{record}");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2, "{record}");
    assert!(
        record["requestContext"]["functionArn"]
            .as_str()
            .unwrap_or_default()
            .ends_with(":function:pyfns-dev-fail:$LATEST")
    );
    assert_eq!(record["requestPayload"], serde_json::json!({"n": 1}), "{record}");
    assert!(record["responsePayload"]["errorMessage"].is_string(), "{record}");
    assert_eq!(record["responseContext"]["functionError"], "Unhandled", "{record}");
    assert!(took >= Duration::from_millis(200), "the retry came too soon: {took:?}");
    let dead = receive("dead")?;
    assert_eq!(dead["Body"], r#"{"n": 1}"#, "{dead}");
    assert_eq!(dead["MessageAttributes"]["RequestID"]["StringValue"].as_str().map(str::len), Some(36), "{dead}");
    assert_eq!(dead["MessageAttributes"]["ErrorMessage"]["StringValue"], "bad input, on purpose", "{dead}");
    let logs = ok(&server.squall(&["logs", "pyfns-dev-fail"]))?;
    assert_eq!(logs.matches("START RequestId").count(), 2, "{logs}");

    // A successful one: its record, with the answer, goes to onSuccess.
    invoke_event(&server, "pyfns-dev-shout", r#"{"n": 2}"#)?;
    let done = receive("successes")?;
    let record: serde_json::Value = serde_json::from_str(done["Body"].as_str().unwrap_or_default())?;
    assert_eq!(record["requestContext"]["condition"], "Success", "{record}");
    assert_eq!(record["requestPayload"], serde_json::json!({"n": 2}), "{record}");
    assert!(!record["responsePayload"].is_null(), "{record}");

    // A destination the function's role may not send to gets nothing; the function's log
    // says why.
    let topic = json(&server.aws(&["sns", "create-topic", "--name", "not-granted"]))?;
    let topic = topic["TopicArn"].as_str().unwrap_or_default().to_string();
    on_success(&topic)?;
    invoke_event(&server, "pyfns-dev-shout", r#"{"n": 3}"#)?;
    let said = logs_until(&server, "pyfns-dev-shout", Duration::from_secs(30), |l| {
        l.contains("is not authorized to perform sns:Publish")
    })?;
    assert!(said.contains(&format!("could not deliver to {topic}")), "{said}");

    // Settings Lambda refuses are refused.
    let bad = server.aws(&[
        "lambda",
        "put-function-event-invoke-config",
        "--function-name",
        "pyfns-dev-fail",
        "--maximum-retry-attempts",
        "3",
    ]);
    assert!(!bad.status.success());
    Ok(())
}

#[test]
fn with_lambdas_own_retry_delays_a_dev_server_retries_when_its_clock_is_moved() -> Result {
    // The default first retry delay is a minute (then two): a test moves the clock instead.
    let server = Server::start_with(&["--dev"])?;
    server.deploy(&guest())?;
    let advance = |seconds: u64| -> Result {
        let body = format!(r#"{{"advanceSeconds": {seconds}}}"#).into_bytes();
        let r = server.signed_api("POST", "/squall/v1/clock", body, 0)?;
        anyhow::ensure!(r.status == 200, "moving the clock: {} {}", r.status, r.text());
        Ok(())
    };
    invoke_event(&server, "pyfns-dev-fail", "{}")?;
    let logs = logs_until(&server, "pyfns-dev-fail", Duration::from_secs(30), |l| l.contains("attempt 1 of 3"))?;
    assert_eq!(logs.matches("START RequestId").count(), 1, "{logs}");
    // Past the first delay (60 s ± 25%), then the second (120 s ± 25%).
    advance(80)?;
    logs_until(&server, "pyfns-dev-fail", Duration::from_secs(30), |l| l.contains("attempt 2 of 3"))?;
    advance(160)?;
    let logs = logs_until(&server, "pyfns-dev-fail", Duration::from_secs(30), |l| l.contains("giving up"))?;
    assert_eq!(logs.matches("START RequestId").count(), 3, "{logs}");
    Ok(())
}
