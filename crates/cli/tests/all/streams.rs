//! Table streams: the Streams API through boto3, and stream events delivered to functions.

use crate::harness::*;

#[test]
fn boto3_reads_table_streams() -> Result {
    let server = Server::start()?;
    server.client_script("dynamodb_streams.py", "all DynamoDB Streams checks passed")?;
    Ok(())
}

#[test]
fn stream_events_reach_functions_with_retries_partial_failures_and_durable_checkpoints() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let flags = ["--stream-retry-delay-ms", "100"];
    let mut server = Server::start_in_with(&data, &flags)?;
    let out = server.deploy(&root().join("tests/guests/lambda/streams"))?;
    assert!(out.contains("table streamsvc-dev-Orders: created"), "{out}");
    let script = root().join("tests/clients/stream_triggers.py");
    let run = |server: &Server, phase: &str, done: &str| -> Result {
        let out = server.python_with(&script, &[phase]);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{stdout}\n{stderr}\n{}", server.stderr());
        assert!(stdout.contains(done), "{stdout}");
        Ok(())
    };
    run(&server, "deliver", "all stream delivery checks passed")?;
    let logs = ok(&server.squall(&["logs", "streamsvc-dev-consume"]))?;
    assert!(logs.contains("failed 2 times, skipping it"), "{logs}");

    // Checkpoints are durable: after kill -9 nothing is delivered twice, and delivery goes on.
    server.kill9()?;
    let server = Server::start_in_with(&data, &flags)?;
    run(&server, "after-restart", "all restart checks passed")
}

/// Runs phase `step` of the client script `script` against `server`, which must print `done`.
fn phase(server: &Server, script: &str, step: &str, done: &str) -> Result {
    let out = server.python_with(&root().join("tests/clients").join(script), &[step]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}\n{}", server.stderr());
    assert!(stdout.contains(done), "{stdout}");
    Ok(())
}

#[test]
fn stream_records_past_their_maximum_age_are_given_up_to_the_on_failure_destination() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let script = "stream_record_age.py";
    phase(&server, script, "setup", "record age setup done")?;
    ok(&server.squall(&["clock", "advance", "2m"]))?;
    phase(&server, script, "check", "all record age checks passed")?;
    let logs = ok(&server.squall(&["logs", "ager"]))?;
    assert!(logs.contains("older than 60 s (MaximumRecordAgeInSeconds): skipped"), "{logs}");
    Ok(())
}

#[test]
fn tumbling_windows_hand_state_between_invocations_and_end_with_a_final_one() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in_with(&data, &["--dev"])?;
    let run = |server: &Server, step: &str, done: &str| phase(server, "stream_windows.py", step, done);
    run(&server, "setup", "window setup done")?;
    // Just past the start of a window (they are aligned to the minute), so the three items
    // fall in one.
    let now: serde_json::Value =
        serde_json::from_str(&server.signed_api("GET", "/squall/v1/clock", vec![], 0)?.text())?;
    let now = now["nowMs"].as_u64().unwrap();
    let to_next = 60_000 - now % 60_000 + 1_000;
    ok(&server.squall(&["clock", "advance", &format!("{to_next}ms")]))?;
    run(&server, "fill", "window filled")?;
    // The window in progress is kept with the checkpoint: after kill -9 its state is there.
    server.kill9()?;
    let server = Server::start_in_with(&data, &["--dev"])?;
    // Past the window's end whatever the restarted clock's offset.
    ok(&server.squall(&["clock", "advance", &format!("{}ms", to_next + 125_000)]))?;
    run(&server, "close", "all tumbling window checks passed")
}
