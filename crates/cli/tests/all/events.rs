//! Event buses and schedules: EventBridge's API through boto3, serverless.yml `schedule`
//! events firing a function when a dev server's clock moves, and schedules surviving
//! `kill -9`.

use crate::harness::*;
use std::time::{Duration, Instant};

#[test]
fn eventbridge_through_boto3() -> Result {
    let server = Server::start()?;
    server.client_script("events_boto3.py", "done")
}

pub(crate) const RECORDER: &str =
    "import json\n\ndef record(event, context):\n    print('EVENT ' + json.dumps(event))\n    return {}\n";

/// The log lines of `function` starting `EVENT `, as JSON, once there are `n` (bounded).
pub(crate) fn events_logged(server: &Server, function: &str, n: usize) -> Result<Vec<serde_json::Value>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = ok(&server.squall(&["logs", function, "--tail", "1000"]))?;
        let events: Vec<serde_json::Value> = out
            .lines()
            .filter_map(|l| l.split_once("EVENT ").map(|(_, json)| json))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect();
        if events.len() >= n || Instant::now() > deadline {
            anyhow::ensure!(events.len() == n, "{function} logged {} events, not {n}:\n{out}", events.len());
            return Ok(events);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_nightly_job_runs_when_the_clock_moves_a_day() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let yaml = "service: jobs\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  nightly:\n    handler: handler.record\n    events:\n      - schedule: cron(0 3 * * ? *)\n  hourly:\n    handler: handler.record\n    events:\n      - schedule:\n          rate: rate(1 hour)\n          input:\n            job: tick\n  off:\n    handler: handler.record\n    events:\n      - schedule:\n          rate: rate(1 hour)\n          enabled: false\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("rule jobs-dev-NightlyEventsRuleSchedule1"), "{out}");
    let rules = ok(&server.aws(&["events", "list-rules", "--name-prefix", "jobs-dev-"]))?;
    let rules: serde_json::Value = serde_json::from_str(&rules)?;
    assert_eq!(rules["Rules"].as_array().map(Vec::len), Some(3), "{rules}");

    // Any 24 hours hold exactly one 03:00 (25 would hold two when the test starts between
    // 02:00 and 03:00 UTC) and 24 hourly firings.
    ok(&server.squall(&["clock", "advance", "24h"]))?;
    let nightly = events_logged(&server, "jobs-dev-nightly", 1)?;
    assert_eq!(nightly[0]["detail-type"], "Scheduled Event");
    assert_eq!(nightly[0]["source"], "aws.events");
    assert!(nightly[0]["time"].as_str().is_some_and(|t| t.ends_with("T03:00:00Z")), "{}", nightly[0]);
    assert_eq!(
        nightly[0]["resources"][0],
        "arn:aws:events:us-east-1:000000000000:rule/jobs-dev-NightlyEventsRuleSchedule1"
    );
    let hourly = events_logged(&server, "jobs-dev-hourly", 24)?;
    assert!(hourly.iter().all(|e| *e == serde_json::json!({"job": "tick"})), "the input replaces the event");
    events_logged(&server, "jobs-dev-off", 0)?;

    // Without its schedule event the rule goes with the next deploy; `remove` takes the rest.
    let fewer = yaml.replace("    events:\n      - schedule: cron(0 3 * * ? *)\n", "");
    std::fs::write(dir.path().join("serverless.yml"), fewer)?;
    server.deploy(dir.path())?;
    let rules: serde_json::Value = serde_json::from_str(&ok(&server.aws(&["events", "list-rules"]))?)?;
    assert_eq!(rules["Rules"].as_array().map(Vec::len), Some(2), "{rules}");
    ok(&server.squall(&["remove", "jobs"]))?;
    let rules: serde_json::Value = serde_json::from_str(&ok(&server.aws(&["events", "list-rules"]))?)?;
    assert_eq!(rules["Rules"].as_array().map(Vec::len), Some(0), "{rules}");
    Ok(())
}

#[test]
fn a_schedule_and_its_targets_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in_with(&data, &["--dev"])?;
    let queue_url =
        ok(&server.aws(&["sqs", "create-queue", "--queue-name", "ticks", "--query", "QueueUrl", "--output", "text"]))?;
    let queue_url = queue_url.trim().to_string();
    ok(&server.aws(&["events", "put-rule", "--name", "every-hour", "--schedule-expression", "rate(1 hour)"]))?;
    ok(&server.aws(&[
        "events",
        "put-targets",
        "--rule",
        "every-hour",
        "--targets",
        "Id=q,Arn=arn:aws:sqs:us-east-1:000000000000:ticks",
    ]))?;
    // Settings Squall would not apply are refused, naming them.
    let arn = "Arn=arn:aws:sqs:us-east-1:000000000000:ticks";
    let target = format!("Id=x,{arn},RoleArn=arn:aws:iam::000000000000:role/r");
    let err = fails(&server.aws(&["events", "put-targets", "--rule", "every-hour", "--targets", &target]))?;
    assert!(err.contains("RoleArn"), "{err}");
    // A retry policy is kept and read back.
    let target = format!("Id=r,{arn},RetryPolicy={{MaximumRetryAttempts=3,MaximumEventAgeInSeconds=600}}");
    ok(&server.aws(&["events", "put-targets", "--rule", "every-hour", "--targets", &target]))?;
    let listed = ok(&server.aws(&["events", "list-targets-by-rule", "--rule", "every-hour"]))?;
    assert!(
        listed.contains("\"MaximumRetryAttempts\": 3") && listed.contains("\"MaximumEventAgeInSeconds\": 600"),
        "{listed}"
    );
    ok(&server.aws(&["events", "remove-targets", "--rule", "every-hour", "--ids", "r"]))?;
    server.kill9()?;
    let server = Server::start_in_with(&data, &["--dev"])?;
    ok(&server.squall(&["clock", "advance", "3h"]))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = 0;
    while got < 3 && Instant::now() < deadline {
        let out = ok(&server.aws(&[
            "sqs",
            "receive-message",
            "--queue-url",
            &queue_url,
            "--max-number-of-messages",
            "10",
            "--wait-time-seconds",
            "1",
        ]))?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&out) {
            got += v["Messages"].as_array().map_or(0, Vec::len);
        }
    }
    assert_eq!(got, 3, "three hours, three firings");
    Ok(())
}

#[test]
fn event_bridge_events_route_put_events_to_functions() -> Result {
    let server = Server::start()?;
    let yaml = "service: orders\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  ship:\n    handler: handler.record\n    events:\n      - eventBridge:\n          pattern:\n            source: [orders.checkout]\n            detail:\n              total:\n                - numeric: ['>', 100]\n          inputPath: $.detail\n  audit:\n    handler: handler.record\n    events:\n      - eventBridge:\n          eventBus: orders-bus\n          pattern:\n            source:\n              - prefix: orders.\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("event bus orders-bus: created"), "{out}");
    assert!(out.contains("rule orders-dev-ship-rule-1 (pattern) -> orders-dev-ship: ready"), "{out}");
    assert!(out.contains("rule orders-dev-audit-rule-1 (pattern on orders-bus) -> orders-dev-audit: ready"), "{out}");
    let entries = r#"[{"Source":"orders.checkout","DetailType":"OrderPlaced","Detail":"{\"total\":250}"},{"Source":"orders.checkout","DetailType":"OrderPlaced","Detail":"{\"total\":5}"},{"Source":"orders.checkout","DetailType":"OrderPlaced","Detail":"{\"total\":7}","EventBusName":"orders-bus"}]"#;
    let put = ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    assert!(put.contains("\"FailedEntryCount\": 0"), "{put}");
    let shipped = events_logged(&server, "orders-dev-ship", 1)?;
    assert_eq!(shipped[0], serde_json::json!({"total": 250}), "the rule's inputPath picks the detail");
    let audited = events_logged(&server, "orders-dev-audit", 1)?;
    assert_eq!(audited[0]["detail"]["total"], 7, "{}", audited[0]);
    assert_eq!(audited[0]["resources"], serde_json::json!([]), "{}", audited[0]);

    ok(&server.squall(&["remove", "orders"]))?;
    let buses = ok(&server.aws(&["events", "list-event-buses"]))?;
    assert!(!buses.contains("orders-bus"), "{buses}");
    let rules = ok(&server.aws(&["events", "list-rules"]))?;
    assert!(!rules.contains("orders-dev"), "{rules}");
    Ok(())
}

#[test]
fn s3_uploads_reach_a_rule_on_the_default_bus() -> Result {
    let server = Server::start()?;
    let yaml = "service: photos\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  thumbnail:\n    handler: handler.record\n    events:\n      - eventBridge:\n          pattern:\n            source: [aws.s3]\n            detail-type: [Object Created, Object Deleted]\n            detail:\n              bucket:\n                name: [photos-uploads]\n              object:\n                key:\n                  - prefix: in/\nresources:\n  Resources:\n    Uploads:\n      Type: AWS::S3::Bucket\n      Properties:\n        BucketName: photos-uploads\n        NotificationConfiguration:\n          EventBridgeConfiguration:\n            EventBridgeEnabled: true\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("notification photos-uploads -> the default event bus: ready"), "{out}");
    let config = ok(&server.aws(&["s3api", "get-bucket-notification-configuration", "--bucket", "photos-uploads"]))?;
    assert!(config.contains("EventBridgeConfiguration"), "{config}");
    let file = dir.path().join("cat.jpg");
    std::fs::write(&file, b"meow")?;
    let body = file.to_str().unwrap_or_default();
    for key in ["in/cat.jpg", "elsewhere/cat.jpg"] {
        ok(&server.aws(&["s3api", "put-object", "--bucket", "photos-uploads", "--key", key, "--body", body]))?;
    }
    ok(&server.aws(&["s3api", "delete-object", "--bucket", "photos-uploads", "--key", "in/cat.jpg"]))?;
    let got = events_logged(&server, "photos-dev-thumbnail", 2)?;
    assert_eq!(got[0]["source"], "aws.s3", "{}", got[0]);
    assert_eq!(got[0]["detail-type"], "Object Created", "{}", got[0]);
    assert_eq!(got[0]["resources"], serde_json::json!(["arn:aws:s3:::photos-uploads"]), "{}", got[0]);
    assert_eq!(got[0]["detail"]["object"]["key"], "in/cat.jpg", "{}", got[0]);
    assert_eq!(got[0]["detail"]["object"]["size"], 4, "{}", got[0]);
    assert_eq!(got[0]["detail"]["reason"], "PutObject", "{}", got[0]);
    assert_eq!(got[1]["detail-type"], "Object Deleted", "{}", got[1]);
    assert_eq!(got[1]["detail"]["deletion-type"], "Permanently Deleted", "{}", got[1]);
    // Callers may not send aws.s3 events themselves.
    let entries = r#"[{"Source":"aws.s3","DetailType":"Object Created","Detail":"{}"}]"#;
    let put = ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    assert!(put.contains("NotAuthorizedForSourceException"), "{put}");
    Ok(())
}

#[test]
fn a_functions_destination_may_be_an_event_bus() -> Result {
    let server = Server::start()?;
    let yaml = "service: jobs\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  work:\n    handler: handler.record\n    destinations:\n      onSuccess: arn:aws:events:us-east-1:000000000000:event-bus/default\n  audit:\n    handler: handler.record\n    events:\n      - eventBridge:\n          pattern:\n            source: [lambda]\n            detail-type: [Lambda Function Invocation Result - Success]\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), RECORDER)?;
    server.deploy(dir.path())?;
    let out = dir.path().join("out.json");
    ok(&server.aws(&[
        "lambda",
        "invoke",
        "--function-name",
        "jobs-dev-work",
        "--invocation-type",
        "Event",
        "--payload",
        r#"{"job": 7}"#,
        out.to_str().unwrap_or_default(),
    ]))?;
    let got = events_logged(&server, "jobs-dev-audit", 1)?;
    assert_eq!(got[0]["source"], "lambda", "{}", got[0]);
    assert_eq!(got[0]["detail"]["requestContext"]["condition"], "Success", "{}", got[0]);
    assert_eq!(got[0]["detail"]["requestPayload"], serde_json::json!({"job": 7}), "{}", got[0]);
    assert_eq!(
        got[0]["resources"],
        serde_json::json!(["arn:aws:lambda:us-east-1:000000000000:function:jobs-dev-work:$LATEST"]),
        "{}",
        got[0]
    );
    Ok(())
}

/// One HTTP request as a tiny loopback server saw it: its request line, headers and body.
fn capture_one(listener: std::net::TcpListener) -> std::thread::JoinHandle<Option<String>> {
    use std::io::{Read, Write};
    listener.set_nonblocking(false).ok();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if body.len() >= length {
                    break;
                }
            }
        }
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").ok()?;
        Some(String::from_utf8_lossy(&seen).to_string())
    })
}

#[test]
fn api_destinations_are_called_with_their_connections_authorization() -> Result {
    let server = Server::start()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let captured = capture_one(listener);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "caller", "--assume-role-policy-document", trust]))?;
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"*"}]}"#;
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "caller",
        "--policy-name",
        "invoke",
        "--policy-document",
        grant,
    ]))?;
    let auth = r#"{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"s3cr3t"},"InvocationHttpParameters":{"QueryStringParameters":[{"Key":"token","Value":"hidden","IsValueSecret":true}]}}"#;
    let connection = ok(&server.aws(&[
        "events",
        "create-connection",
        "--name",
        "shop",
        "--authorization-type",
        "API_KEY",
        "--auth-parameters",
        auth,
        "--query",
        "ConnectionArn",
        "--output",
        "text",
    ]))?;
    let described = ok(&server.aws(&["events", "describe-connection", "--name", "shop"]))?;
    assert!(!described.contains("s3cr3t") && !described.contains("hidden"), "secrets never shown: {described}");
    let secrets = ok(&server.aws(&["secretsmanager", "list-secrets"]))?;
    assert!(secrets.contains("events/connection/shop/"), "kept in Secrets Manager: {secrets}");
    // As JSON input: the aws CLI v1 would fetch an http:// parameter's URL itself.
    let input = serde_json::json!({
        "Name": "orders",
        "ConnectionArn": connection.trim(),
        "InvocationEndpoint": format!("http://127.0.0.1:{port}/orders/*"),
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 10,
    });
    let destination = ok(&server.aws(&[
        "events",
        "create-api-destination",
        "--cli-input-json",
        &input.to_string(),
        "--query",
        "ApiDestinationArn",
        "--output",
        "text",
    ]))?;
    ok(&server.aws(&["events", "put-rule", "--name", "to-shop", "--event-pattern", r#"{"source":["shop"]}"#]))?;
    let target = format!(
        r#"[{{"Id":"api","Arn":"{}","RoleArn":"arn:aws:iam::000000000000:role/caller","HttpParameters":{{"PathParameterValues":["42"],"HeaderParameterValues":null}}}}]"#,
        destination.trim()
    )
    .replace(r#","HeaderParameterValues":null"#, "");
    ok(&server.aws(&["events", "put-targets", "--rule", "to-shop", "--targets", &target]))?;
    // Without a role an API destination target is refused, naming it.
    let bare = format!(r#"[{{"Id":"bare","Arn":"{}"}}]"#, destination.trim());
    let err = fails(&server.aws(&["events", "put-targets", "--rule", "to-shop", "--targets", &bare]))?;
    assert!(err.contains("needs a RoleArn"), "{err}");
    let entries = r#"[{"Source":"shop","DetailType":"OrderPlaced","Detail":"{\"order\":42}"}]"#;
    ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    let request = captured.join().map_err(|_| anyhow::anyhow!("the capture thread failed"))?;
    let request = request.ok_or_else(|| anyhow::anyhow!("no call reached the endpoint"))?;
    let lower = request.to_ascii_lowercase();
    assert!(request.starts_with("POST /orders/42?token=hidden HTTP/1.1"), "{request}");
    assert!(lower.contains("x-api-key: s3cr3t"), "{request}");
    assert!(request.contains(r#""detail":{"order":42}"#), "{request}");
    Ok(())
}

/// What a loopback endpoint saw, and how many requests it has answered so far.
type Served = (std::thread::JoinHandle<Vec<String>>, std::sync::mpsc::Receiver<usize>);

/// A loopback server that answers requests in order with `answers` (status, body), one
/// connection each, and hands back what it saw; it gives up 20 s after the last request.
fn serve_in_order(listener: std::net::TcpListener, answers: Vec<(u16, &'static str)>) -> Served {
    use std::io::{Read, Write};
    listener.set_nonblocking(true).ok();
    let (progress, answered) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let mut seen_all = Vec::new();
        for (status, body) in answers {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                    Err(_) => return seen_all,
                }
            };
            stream.set_nonblocking(false).ok();
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen).to_string();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break;
                    }
                }
            }
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).ok();
            seen_all.push(String::from_utf8_lossy(&seen).to_string());
            progress.send(seen_all.len()).ok();
        }
        seen_all
    });
    (handle, answered)
}

#[test]
fn oauth_connections_exchange_client_credentials_for_a_token_and_renew_it_when_refused() -> Result {
    let server = Server::start()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (captured, answered) = serve_in_order(
        listener,
        vec![
            (200, r#"{"access_token":"tok-1","token_type":"bearer","expires_in":3600}"#),
            (401, "{}"),
            (200, r#"{"access_token":"tok-2","token_type":"Bearer","expires_in":3600}"#),
            (200, "{}"),
            (200, "{}"),
        ],
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "caller", "--assume-role-policy-document", trust]))?;
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:InvokeApiDestination","Resource":"*"}]}"#;
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "caller",
        "--policy-name",
        "invoke",
        "--policy-document",
        grant,
    ]))?;
    let input = serde_json::json!({
        "Name": "crm",
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "AuthParameters": {"OAuthParameters": {
            "ClientParameters": {"ClientID": "squall-app", "ClientSecret": "cl13nt-s3cr3t"},
            "AuthorizationEndpoint": format!("http://127.0.0.1:{port}/oauth/token"),
            "HttpMethod": "POST",
            "OAuthHttpParameters": {"BodyParameters": [
                {"Key": "audience", "Value": "crm-api", "IsValueSecret": false},
                {"Key": "scope", "Value": "events.write", "IsValueSecret": true}
            ]}
        }}
    });
    let connection = ok(&server.aws(&[
        "events",
        "create-connection",
        "--cli-input-json",
        &input.to_string(),
        "--query",
        "ConnectionArn",
        "--output",
        "text",
    ]))?;
    let described: serde_json::Value =
        serde_json::from_str(&ok(&server.aws(&["events", "describe-connection", "--name", "crm"]))?)?;
    let oauth = &described["AuthParameters"]["OAuthParameters"];
    assert_eq!(oauth["ClientParameters"]["ClientID"], "squall-app", "{described}");
    assert_eq!(oauth["HttpMethod"], "POST", "{described}");
    assert_eq!(
        oauth["OAuthHttpParameters"]["BodyParameters"][1],
        serde_json::json!({"Key": "scope", "IsValueSecret": true})
    );
    assert!(!described.to_string().contains("cl13nt-s3cr3t"), "the client secret is never shown: {described}");
    let destination = serde_json::json!({
        "Name": "crm-hook",
        "ConnectionArn": connection.trim(),
        "InvocationEndpoint": format!("http://127.0.0.1:{port}/hook"),
        "HttpMethod": "POST",
    });
    let destination = ok(&server.aws(&[
        "events",
        "create-api-destination",
        "--cli-input-json",
        &destination.to_string(),
        "--query",
        "ApiDestinationArn",
        "--output",
        "text",
    ]))?;
    ok(&server.aws(&["events", "put-rule", "--name", "to-crm", "--event-pattern", r#"{"source":["crm"]}"#]))?;
    let target =
        format!(r#"[{{"Id":"api","Arn":"{}","RoleArn":"arn:aws:iam::000000000000:role/caller"}}]"#, destination.trim());
    ok(&server.aws(&["events", "put-targets", "--rule", "to-crm", "--targets", &target]))?;
    let entries = r#"[{"Source":"crm","DetailType":"Signup","Detail":"{\"n\":1}"}]"#;
    ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    // The retry after the 401 (a second later) asks for a new token; then a second event.
    while answered.recv_timeout(Duration::from_secs(20)).is_ok_and(|n| n < 4) {}
    let entries = r#"[{"Source":"crm","DetailType":"Signup","Detail":"{\"n\":2}"}]"#;
    ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    let seen = captured.join().map_err(|_| anyhow::anyhow!("the endpoint thread failed"))?;
    assert_eq!(seen.len(), 5, "token, refused call, new token, retried call, second call: {seen:#?}");
    let token_request = seen[0].to_ascii_lowercase();
    assert!(seen[0].starts_with("POST /oauth/token HTTP/1.1"), "{}", seen[0]);
    // Basic base64("squall-app:cl13nt-s3cr3t").
    assert!(
        token_request.contains("authorization: basic c3F1YWxsLWFwcDpjbDEzbnQtczNjcjN0".to_ascii_lowercase().as_str()),
        "{}",
        seen[0]
    );
    assert!(token_request.contains("content-type: application/x-www-form-urlencoded"), "{}", seen[0]);
    assert!(seen[0].ends_with("audience=crm-api&scope=events.write&grant_type=client_credentials"), "{}", seen[0]);
    assert!(
        seen[1].starts_with("POST /hook HTTP/1.1")
            && seen[1].to_ascii_lowercase().contains("authorization: bearer tok-1"),
        "{}",
        seen[1]
    );
    assert!(seen[2].starts_with("POST /oauth/token"), "{}", seen[2]);
    assert!(
        seen[3].to_ascii_lowercase().contains("authorization: bearer tok-2") && seen[3].contains(r#""n":1"#),
        "{}",
        seen[3]
    );
    assert!(
        seen[4].to_ascii_lowercase().contains("authorization: bearer tok-2") && seen[4].contains(r#""n":2"#),
        "{}",
        seen[4]
    );
    Ok(())
}

#[test]
fn boto3_drives_connections_and_api_destinations() -> Result {
    let server = Server::start()?;
    server.client_script("events_connections.py", "all EventBridge connection checks passed")
}
