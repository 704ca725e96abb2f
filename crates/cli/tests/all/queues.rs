//! SQS-compatible queues through boto3, the aws CLI and hand-signed query-protocol requests.

use crate::harness::*;

#[test]
fn boto3_drives_squall_queues() -> Result {
    let server = Server::start()?;
    server.client_script("sqs_boto3.py", "all SQS checks passed")?;
    Ok(())
}

#[test]
fn query_protocol_clients_drive_squall_queues() -> Result {
    let server = Server::start()?;
    server.client_script("sqs_query.py", "all SQS query checks passed")?;
    Ok(())
}

#[test]
fn acknowledged_sends_and_deletes_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let created =
        ok(&server.aws(&["sqs", "create-queue", "--queue-name", "jobs", "--attributes", "VisibilityTimeout=60"]))?;
    let url: serde_json::Value = serde_json::from_str(&created)?;
    let url = url["QueueUrl"].as_str().ok_or_else(|| anyhow::anyhow!("no QueueUrl"))?.to_string();
    for body in ["one", "two", "three"] {
        ok(&server.aws(&["sqs", "send-message", "--queue-url", &url, "--message-body", body]))?;
    }
    // Receive one and delete it; receive another and leave it in flight.
    let receive = |server: &Server| -> Result<serde_json::Value> {
        let out = ok(&server.aws(&["sqs", "receive-message", "--queue-url", &url, "--attribute-names", "All"]))?;
        Ok(if out.trim().is_empty() { serde_json::json!({}) } else { serde_json::from_str(&out)? })
    };
    let first = receive(&server)?;
    let handle =
        first["Messages"][0]["ReceiptHandle"].as_str().ok_or_else(|| anyhow::anyhow!("no message"))?.to_string();
    ok(&server.aws(&["sqs", "delete-message", "--queue-url", &url, "--receipt-handle", &handle]))?;
    let second = receive(&server)?;
    let in_flight =
        second["Messages"][0]["Body"].as_str().ok_or_else(|| anyhow::anyhow!("no second message"))?.to_string();

    server.kill9()?;
    let server = Server::start_in(&data)?;
    // The deleted message stays deleted, the in-flight one stays invisible, the third is there.
    let after = receive(&server)?;
    let bodies: Vec<&str> =
        after["Messages"].as_array().map_or(vec![], |m| m.iter().filter_map(|m| m["Body"].as_str()).collect());
    assert_eq!(bodies.len(), 1, "{after}");
    assert!(bodies[0] != first["Messages"][0]["Body"] && bodies[0] != in_flight, "{after}");
    let attrs = ok(&server.aws(&["sqs", "get-queue-attributes", "--queue-url", &url, "--attribute-names", "All"]))?;
    let attrs: serde_json::Value = serde_json::from_str(&attrs)?;
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "2", "{attrs}");
    assert_eq!(attrs["Attributes"]["VisibilityTimeout"], "60", "{attrs}");
    Ok(())
}

#[test]
fn queue_events_reach_functions_and_failures_end_in_the_dead_letter_queue() -> Result {
    let server = Server::start()?;
    let out = server.deploy(&root().join("tests/guests/lambda/queues"))?;
    assert!(out.contains("queue queuesvc-dev-Jobs: created"), "{out}");
    server.client_script("queue_triggers.py", "all queue trigger checks passed")?;
    let listed = ok(&server.aws(&["lambda", "list-event-source-mappings", "--function-name", "queuesvc-dev-work"]))?;
    let logs = ok(&server.squall(&["logs", "queuesvc-dev-work"]))?;
    assert!(logs.contains("1 of") && logs.contains("failed and return to it"), "{logs}");
    // A second deploy keeps the queues (and sets their attributes).
    let again = server.deploy(&root().join("tests/guests/lambda/queues"))?;
    assert!(again.contains("queue queuesvc-dev-Jobs: exists"), "{again}");
    let uuid = |text: &str| -> Result<String> {
        let v: serde_json::Value = serde_json::from_str(text)?;
        Ok(v["EventSourceMappings"][0]["UUID"].as_str().unwrap_or_default().to_string())
    };
    let relisted = ok(&server.aws(&["lambda", "list-event-source-mappings", "--function-name", "queuesvc-dev-work"]))?;
    assert_eq!(uuid(&listed)?, uuid(&relisted)?, "a redeploy keeps the mapping's UUID");
    Ok(())
}

#[test]
fn boto3_drives_fifo_queues() -> Result {
    let server = Server::start()?;
    server.client_script("sqs_fifo.py", "all SQS FIFO checks passed")?;
    Ok(())
}

#[test]
fn fifo_deduplication_holds_across_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let json = |out: &std::process::Output| -> Result<serde_json::Value> { Ok(serde_json::from_str(&ok(out)?)?) };
    let url = json(&server.aws(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "ledger.fifo",
        "--attributes",
        "FifoQueue=true",
    ]))?["QueueUrl"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no QueueUrl"))?
        .to_string();
    let send = |server: &Server, body: &str| -> Result<serde_json::Value> {
        json(&server.aws(&[
            "sqs",
            "send-message",
            "--queue-url",
            &url,
            "--message-body",
            body,
            "--message-group-id",
            "accounts",
            "--message-deduplication-id",
            "entry-1",
        ]))
    };
    let first = send(&server, "credit 10")?;

    server.kill9()?;
    let server = Server::start_in(&data)?;
    // The retry after the crash is recognized: same id, nothing new enqueued.
    let retry = send(&server, "credit 10 (retried)")?;
    assert_eq!(retry["MessageId"], first["MessageId"], "{retry}");
    let got = json(&server.aws(&["sqs", "receive-message", "--queue-url", &url, "--max-number-of-messages", "10"]))?;
    let bodies: Vec<&str> =
        got["Messages"].as_array().map_or(vec![], |m| m.iter().filter_map(|m| m["Body"].as_str()).collect());
    assert_eq!(bodies, ["credit 10"], "{got}");
    Ok(())
}
