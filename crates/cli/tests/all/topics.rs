//! SNS-compatible topics through boto3 and the aws CLI, and topics wired by a deploy.

use crate::harness::*;

#[test]
fn boto3_drives_squall_topics() -> Result {
    let server = Server::start()?;
    server.client_script("sns_boto3.py", "all SNS checks passed")?;
    Ok(())
}

#[test]
fn boto3_drives_fifo_topics() -> Result {
    let server = Server::start()?;
    server.client_script("sns_fifo.py", "all SNS FIFO checks passed")?;
    Ok(())
}

#[test]
fn topics_fan_out_to_queues_functions_and_http_endpoints() -> Result {
    let server = Server::start()?;
    let out = server.deploy(&root().join("tests/guests/lambda/topics"))?;
    assert!(out.contains("topic topicsvc-orders"), "{out}");
    server.client_script("topic_fanout.py", "all topic fan-out checks passed")?;
    // A second deploy keeps the subscriptions as they are: no duplicate deliveries.
    server.deploy(&root().join("tests/guests/lambda/topics"))?;
    let listed = ok(&server.aws(&["sns", "list-subscriptions"]))?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    assert_eq!(listed["Subscriptions"].as_array().map(Vec::len), Some(3), "{listed}");
    Ok(())
}

#[test]
fn acknowledged_publishes_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let json = |out: &std::process::Output| -> Result<serde_json::Value> { Ok(serde_json::from_str(&ok(out)?)?) };
    let topic = json(&server.aws(&["sns", "create-topic", "--name", "events"]))?["TopicArn"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no TopicArn"))?
        .to_string();
    let url = json(&server.aws(&["sqs", "create-queue", "--queue-name", "inbox"]))?["QueueUrl"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no QueueUrl"))?
        .to_string();
    let queue_arn = "arn:aws:sqs:us-east-1:000000000000:inbox";
    ok(&server.aws(&[
        "sns",
        "subscribe",
        "--topic-arn",
        &topic,
        "--protocol",
        "sqs",
        "--notification-endpoint",
        queue_arn,
    ]))?;
    for m in ["one", "two", "three"] {
        ok(&server.aws(&["sns", "publish", "--topic-arn", &topic, "--message", m]))?;
    }

    server.kill9()?;
    let server = Server::start_in(&data)?;
    // The topic, its subscription and every acknowledged message are still there.
    let subs = json(&server.aws(&["sns", "list-subscriptions-by-topic", "--topic-arn", &topic]))?;
    assert_eq!(subs["Subscriptions"][0]["Endpoint"], queue_arn, "{subs}");
    let got = json(&server.aws(&["sqs", "receive-message", "--queue-url", &url, "--max-number-of-messages", "10"]))?;
    let mut messages: Vec<String> = got["Messages"]
        .as_array()
        .map_or(vec![], |m| m.iter().filter_map(|m| m["Body"].as_str()).collect())
        .into_iter()
        .filter_map(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .filter_map(|e| e["Message"].as_str().map(str::to_string))
        .collect();
    messages.sort();
    assert_eq!(messages, ["one", "three", "two"], "{got}");
    // Publishing still works after the restart.
    ok(&server.aws(&["sns", "publish", "--topic-arn", &topic, "--message", "four"]))?;
    Ok(())
}
