//! EventBridge Scheduler: its API through boto3 and the aws CLI, serverless.yml `schedule`
//! events with `method: scheduler` and a `timezone` firing a function when a dev server's
//! clock moves, and a one-time schedule surviving `kill -9`.

use crate::events::{RECORDER, events_logged};
use crate::harness::*;
use std::time::{Duration, Instant};

#[test]
fn scheduler_through_boto3() -> Result {
    let server = Server::start()?;
    server.client_script("scheduler_boto3.py", "done")
}

#[test]
fn a_morning_job_in_new_york_runs_when_the_clock_moves_a_day() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let yaml = "service: jobs\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  morning:\n    handler: handler.record\n    events:\n      - schedule:\n          method: scheduler\n          rate: cron(0 9 * * ? *)\n          timezone: America/New_York\n          input:\n            job: report\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("schedule jobs-dev-MorningSchedulerSchedule1 (cron(0 9 * * ? *) America/New_York)"), "{out}");
    let got = ok(&server.aws(&[
        "scheduler",
        "get-schedule",
        "--name",
        "jobs-dev-MorningSchedulerSchedule1",
        "--group-name",
        "jobs-dev",
    ]))?;
    let got: serde_json::Value = serde_json::from_str(&got)?;
    assert_eq!(got["ScheduleExpressionTimezone"], "America/New_York", "{got}");
    assert_eq!(got["Target"]["RoleArn"], "arn:aws:iam::000000000000:role/jobs-dev-scheduler", "{got}");

    // A day holds one 09:00 in New York.
    ok(&server.squall(&["clock", "advance", "24h"]))?;
    let fired = events_logged(&server, "jobs-dev-morning", 1)?;
    assert_eq!(fired[0], serde_json::json!({"job": "report"}), "the input is the payload");

    // Deploying again keeps it; `remove` takes the group, its schedules and the role.
    server.deploy(dir.path())?;
    ok(&server.squall(&["remove", "jobs"]))?;
    let err = fails(&server.aws(&["scheduler", "get-schedule-group", "--name", "jobs-dev"]))?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    let err = fails(&server.aws(&["iam", "get-role", "--role-name", "jobs-dev-scheduler"]))?;
    assert!(err.contains("NoSuchEntity"), "{err}");
    Ok(())
}

#[test]
fn a_one_time_schedule_survives_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in_with(&data, &["--dev"])?;
    let queue_url = ok(&server.aws(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "reminders",
        "--query",
        "QueueUrl",
        "--output",
        "text",
    ]))?;
    let queue_url = queue_url.trim().to_string();
    let queue_arn = "arn:aws:sqs:us-east-1:000000000000:reminders";
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "reminder", "--assume-role-policy-document", trust]))?;
    let grant = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"{queue_arn}"}}]}}"#
    );
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "reminder",
        "--policy-name",
        "send",
        "--policy-document",
        &grant,
    ]))?;
    // An hour from now, in UTC.
    let at = humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(3600)).to_string();
    let expression = format!("at({})", at.trim_end_matches('Z'));
    let target =
        format!(r#"{{"Arn":"{queue_arn}","RoleArn":"arn:aws:iam::000000000000:role/reminder","Input":"call mum"}}"#);
    ok(&server.aws(&[
        "scheduler",
        "create-schedule",
        "--name",
        "call",
        "--schedule-expression",
        &expression,
        "--flexible-time-window",
        "Mode=OFF",
        "--action-after-completion",
        "DELETE",
        "--target",
        &target,
    ]))?;
    server.kill9()?;
    let server = Server::start_in_with(&data, &["--dev"])?;
    ok(&server.squall(&["clock", "advance", "2h"]))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut bodies = Vec::new();
    while bodies.is_empty() && Instant::now() < deadline {
        let out = ok(&server.aws(&["sqs", "receive-message", "--queue-url", &queue_url, "--wait-time-seconds", "1"]))?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&out) {
            bodies.extend(
                v["Messages"].as_array().into_iter().flatten().filter_map(|m| m["Body"].as_str().map(String::from)),
            );
        }
    }
    assert_eq!(bodies, ["call mum"], "fired once, after the restart");
    // Done, and so deleted.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = server.aws(&["scheduler", "get-schedule", "--name", "call"]);
        if !out.status.success() {
            assert!(String::from_utf8_lossy(&out.stderr).contains("ResourceNotFoundException"));
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the schedule was not deleted after it fired");
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

#[test]
fn cloudformation_schedules_deploy_fire_and_go_with_the_service() -> Result {
    let server = Server::start()?;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "ticker", "--assume-role-policy-document", trust]))?;
    let grant =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "ticker",
        "--policy-name",
        "send",
        "--policy-document",
        grant,
    ]))?;
    let yaml = "service: ticks\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  noop:\n    handler: handler.record\nresources:\n  Resources:\n    Ticks:\n      Type: AWS::SQS::Queue\n      Properties:\n        QueueName: ticks\n    Jobs:\n      Type: AWS::Scheduler::ScheduleGroup\n      Properties:\n        Name: ticks-jobs\n    Hourly:\n      Type: AWS::Scheduler::Schedule\n      Properties:\n        GroupName: !Ref Jobs\n        ScheduleExpression: rate(1 hour)\n        FlexibleTimeWindow:\n          Mode: 'OFF'\n        Target:\n          Arn: !GetAtt Ticks.Arn\n          RoleArn: arn:aws:iam::000000000000:role/ticker\n          Input: tick\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("schedule ticks-dev-Hourly (rate(1 hour)) -> ticks: ready"), "{out}");
    // A rate without a start date fires at once.
    let deadline = Instant::now() + Duration::from_secs(15);
    let url =
        ok(&server.aws(&["sqs", "get-queue-url", "--queue-name", "ticks", "--query", "QueueUrl", "--output", "text"]))?;
    let mut got = String::new();
    while !got.contains("tick") && Instant::now() < deadline {
        got = ok(&server.aws(&["sqs", "receive-message", "--queue-url", url.trim(), "--wait-time-seconds", "1"]))?;
    }
    assert!(got.contains("\"Body\": \"tick\""), "{got}");
    // Without the schedule, the next deploy deletes it; `remove` takes the group.
    let fewer = yaml.split("    Hourly:").next().unwrap_or_default().to_string();
    std::fs::write(dir.path().join("serverless.yml"), fewer)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("schedule ticks-dev-Hourly: removed"), "{out}");
    ok(&server.squall(&["remove", "ticks"]))?;
    let err = fails(&server.aws(&["scheduler", "get-schedule-group", "--name", "ticks-jobs"]))?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    Ok(())
}
