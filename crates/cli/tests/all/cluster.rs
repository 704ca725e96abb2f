//! Several `squall server` processes on one PostgreSQL act as one platform: what one is
//! told, the others serve; conditions hold across them; a killed one's messages return on
//! another. Each server has a data directory of its own, as on separate machines.

use crate::harness::*;
use squall_storage_conformance::TempPostgres;
use std::time::{Duration, Instant};

/// A server alone on a fresh database, with a data directory of its own; [`Alone::join`]
/// starts another on the same database. Dropped: the server, then its directory and the
/// database.
struct Alone {
    a: Server,
    tmp: tempfile::TempDir,
    url: String,
    _pg: TempPostgres,
}

fn alone(database: &str) -> Result<Alone> {
    let (pg, url) = crate::postgres::database(database)?;
    let tmp = tempfile::tempdir()?;
    let a = Server::start_in_with(&tmp.path().join("a"), &["--store", &url])?;
    Ok(Alone { a, tmp, url, _pg: pg })
}

impl Alone {
    /// A second server on the database (given the first's key of parameters and secrets, as
    /// every server of one store needs), in directory `b`.
    fn join(&self) -> Result<Server> {
        crate::postgres::share_key(&self.tmp.path().join("a"), &self.tmp.path().join("b"))?;
        Server::start_in_with(&self.tmp.path().join("b"), &["--store", &self.url])
    }
}

/// Two servers on one fresh database. Dropped: the servers, then the rest.
struct TwoServers {
    a: Server,
    b: Server,
    tmp: tempfile::TempDir,
    _pg: TempPostgres,
}

fn two_servers(database: &str) -> Result<TwoServers> {
    let one = alone(database)?;
    let b = one.join()?;
    Ok(TwoServers { a: one.a, b, tmp: one.tmp, _pg: one._pg })
}

/// Runs `attempt` until it succeeds, for at most 15 s (a change made through one server
/// shows on the others within a moment).
fn eventually<T>(what: &str, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    let start = Instant::now();
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(e) if start.elapsed() > Duration::from_secs(15) => {
                anyhow::bail!("{what} never held: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

#[test]
fn what_one_server_is_told_the_other_serves() -> Result {
    let c = two_servers("cluster")?;
    let (a, b, tmp) = (&c.a, &c.b, &c.tmp);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("a/credentials"))?,
        std::fs::read_to_string(tmp.path().join("b/credentials"))?,
        "one key for the whole cluster"
    );

    // A queue made through A takes messages through B, received once through A.
    let queue =
        ok(&a.aws(&["sqs", "create-queue", "--queue-name", "jobs", "--query", "QueueUrl", "--output", "text"]))?;
    let queue = queue.trim();
    eventually("B sends to A's queue", || {
        ok(&b.aws(&["sqs", "send-message", "--queue-url", queue, "--message-body", "via b"]))
    })?;
    let got = ok(&a.aws(&["sqs", "receive-message", "--queue-url", queue, "--wait-time-seconds", "2"]))?;
    assert!(got.contains("via b"), "{got}");
    let again = ok(&b.aws(&["sqs", "receive-message", "--queue-url", queue, "--wait-time-seconds", "1"]))?;
    assert!(!again.contains("via b"), "handed out once: {again}");

    // A table made through A; a conditional write through B sees A's item.
    ok(&a.aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "things",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]))?;
    ok(&a.aws(&["dynamodb", "put-item", "--table-name", "things", "--item", r#"{"id":{"S":"k"},"v":{"N":"1"}}"#]))?;
    let refused = eventually("B knows A's table", || {
        let out = b.aws(&[
            "dynamodb",
            "put-item",
            "--table-name",
            "things",
            "--item",
            r#"{"id":{"S":"k"},"v":{"N":"2"}}"#,
            "--condition-expression",
            "attribute_not_exists(id)",
        ]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        anyhow::ensure!(err.contains("ConditionalCheckFailedException"), "{err}");
        Ok(err)
    })?;
    assert!(refused.contains("ConditionalCheckFailedException"));

    // A parameter and a secret written through A are read through B.
    ok(&a.aws(&["ssm", "put-parameter", "--name", "/app/db", "--value", "s3cr3t", "--type", "SecureString"]))?;
    let value = eventually("B reads A's parameter", || {
        ok(&b.aws(&[
            "ssm",
            "get-parameter",
            "--name",
            "/app/db",
            "--with-decryption",
            "--query",
            "Parameter.Value",
            "--output",
            "text",
        ]))
    })?;
    assert_eq!(value.trim(), "s3cr3t");
    // Changes through either server keep one version history.
    ok(&b.aws(&[
        "ssm",
        "put-parameter",
        "--name",
        "/app/db",
        "--value",
        "v2",
        "--type",
        "SecureString",
        "--overwrite",
    ]))?;
    let version = eventually("A sees B's version", || {
        let v = ok(&a.aws(&[
            "ssm",
            "get-parameter",
            "--name",
            "/app/db",
            "--query",
            "Parameter.Version",
            "--output",
            "text",
        ]))?;
        anyhow::ensure!(v.trim() == "2", "version {v}");
        Ok(v)
    })?;
    assert_eq!(version.trim(), "2");

    // A bucket made through A; an object put through B is read through A.
    ok(&a.aws(&["s3api", "create-bucket", "--bucket", "shared"]))?;
    let body = tmp.path().join("body.txt");
    std::fs::write(&body, "hello from b")?;
    eventually("B writes to A's bucket", || {
        ok(&b.aws(&["s3api", "put-object", "--bucket", "shared", "--key", "k", "--body", body.to_str().unwrap()]))
    })?;
    let out = tmp.path().join("out.txt");
    ok(&a.aws(&["s3api", "get-object", "--bucket", "shared", "--key", "k", out.to_str().unwrap()]))?;
    assert_eq!(std::fs::read_to_string(&out)?, "hello from b");

    // A topic and its queue subscription made through A; a publish through B arrives.
    let topic = ok(&a.aws(&["sns", "create-topic", "--name", "news", "--query", "TopicArn", "--output", "text"]))?;
    let queue_arn = "arn:aws:sqs:us-east-1:000000000000:jobs";
    ok(&a.aws(&[
        "sns",
        "subscribe",
        "--topic-arn",
        topic.trim(),
        "--protocol",
        "sqs",
        "--notification-endpoint",
        queue_arn,
    ]))?;
    eventually("B delivers to A's subscription", || {
        ok(&b.aws(&["sns", "publish", "--topic-arn", topic.trim(), "--message", "extra"]))?;
        let got = ok(&a.aws(&["sqs", "receive-message", "--queue-url", queue, "--wait-time-seconds", "1"]))?;
        anyhow::ensure!(got.contains("extra"), "{got}");
        Ok(())
    })?;

    // A FIFO topic's deduplication id holds across the servers: published through A, then
    // again through B, it is delivered once and answered with the first message's id.
    let fifo_queue = ok(&a.aws(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "orders.fifo",
        "--attributes",
        "FifoQueue=true",
        "--query",
        "QueueUrl",
        "--output",
        "text",
    ]))?;
    let fifo_topic = ok(&a.aws(&[
        "sns",
        "create-topic",
        "--name",
        "orders.fifo",
        "--attributes",
        "FifoTopic=true",
        "--query",
        "TopicArn",
        "--output",
        "text",
    ]))?;
    let fifo_topic = fifo_topic.trim();
    ok(&a.aws(&[
        "sns",
        "subscribe",
        "--topic-arn",
        fifo_topic,
        "--protocol",
        "sqs",
        "--notification-endpoint",
        "arn:aws:sqs:us-east-1:000000000000:orders.fifo",
    ]))?;
    let publish = |s: &Server| {
        ok(&s.aws(&[
            "sns",
            "publish",
            "--topic-arn",
            fifo_topic,
            "--message",
            "order 1",
            "--message-group-id",
            "g",
            "--message-deduplication-id",
            "order-1",
            "--query",
            "MessageId",
            "--output",
            "text",
        ]))
    };
    let first = publish(a)?;
    let again = eventually("B knows the FIFO topic", || publish(b))?;
    assert_eq!(first.trim(), again.trim(), "the same message");
    let got: serde_json::Value = serde_json::from_str(&ok(&a.aws(&[
        "sqs",
        "receive-message",
        "--queue-url",
        fifo_queue.trim(),
        "--max-number-of-messages",
        "10",
        "--wait-time-seconds",
        "1",
    ]))?)?;
    assert_eq!(got["Messages"].as_array().map_or(0, Vec::len), 1, "delivered once: {got}");
    Ok(())
}

#[test]
fn increments_through_two_servers_are_none_of_them_lost() -> Result {
    let c = two_servers("counter")?;
    let (a, b) = (&c.a, &c.b);
    // A stream makes every write take a sequence number too, so those are raced as well.
    ok(&a.aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "counter",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
        "--stream-specification",
        "StreamEnabled=true,StreamViewType=NEW_IMAGE",
    ]))?;
    eventually("B knows the table", || ok(&b.aws(&["dynamodb", "describe-table", "--table-name", "counter"])))
        .map_err(|e| anyhow::anyhow!("{e}\nB: {}", b.stderr()))?;
    const EACH: usize = 12;
    let add = |s: &Server| -> Result {
        for _ in 0..EACH {
            ok(&s.aws(&[
                "dynamodb",
                "update-item",
                "--table-name",
                "counter",
                "--key",
                r#"{"id":{"S":"n"}}"#,
                "--update-expression",
                "ADD n :one",
                "--expression-attribute-values",
                r#"{":one":{"N":"1"}}"#,
            ]))?;
        }
        Ok(())
    };
    std::thread::scope(|scope| -> Result {
        let left = scope.spawn(|| add(a));
        let right = scope.spawn(|| add(b));
        left.join().expect("no panic")?;
        right.join().expect("no panic")
    })?;
    let n = ok(&a.aws(&[
        "dynamodb",
        "get-item",
        "--table-name",
        "counter",
        "--key",
        r#"{"id":{"S":"n"}}"#,
        "--consistent-read",
        "--query",
        "Item.n.N",
        "--output",
        "text",
    ]))?;
    assert_eq!(n.trim(), (2 * EACH).to_string());

    // Every change has a stream record, numbered without repeats.
    let arn = ok(&a.aws(&[
        "dynamodb",
        "describe-table",
        "--table-name",
        "counter",
        "--query",
        "Table.LatestStreamArn",
        "--output",
        "text",
    ]))?;
    let shard = ok(&a.aws(&[
        "dynamodbstreams",
        "describe-stream",
        "--stream-arn",
        arn.trim(),
        "--query",
        "StreamDescription.Shards[0].ShardId",
        "--output",
        "text",
    ]))?;
    let iterator = ok(&a.aws(&[
        "dynamodbstreams",
        "get-shard-iterator",
        "--stream-arn",
        arn.trim(),
        "--shard-id",
        shard.trim(),
        "--shard-iterator-type",
        "TRIM_HORIZON",
        "--query",
        "ShardIterator",
        "--output",
        "text",
    ]))?;
    let records: serde_json::Value = serde_json::from_str(&ok(&a.aws(&[
        "dynamodbstreams",
        "get-records",
        "--shard-iterator",
        iterator.trim(),
        "--limit",
        "1000",
    ]))?)?;
    let seqs: Vec<String> = records["Records"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["dynamodb"]["SequenceNumber"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    assert_eq!(seqs.len(), 2 * EACH, "{records}");
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seqs, "increasing, without repeats");
    Ok(())
}

#[test]
fn a_killed_servers_messages_return_on_another() -> Result {
    let mut c = two_servers("killed")?;
    let (a, b) = (&mut c.a, &c.b);
    let queue = ok(&a.aws(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "work",
        "--attributes",
        "VisibilityTimeout=2",
        "--query",
        "QueueUrl",
        "--output",
        "text",
    ]))?;
    let queue = queue.trim();
    for i in 0..5 {
        ok(&a.aws(&["sqs", "send-message", "--queue-url", queue, "--message-body", &format!("m{i}")]))?;
    }
    let taken = ok(&a.aws(&["sqs", "receive-message", "--queue-url", queue, "--max-number-of-messages", "10"]))?;
    assert_eq!(taken.matches("\"Body\"").count(), 5, "{taken}");
    a.kill9()?;
    // In flight on the dead server: visible again after their timeout, through the other.
    let mut bodies = std::collections::BTreeSet::new();
    let start = Instant::now();
    while bodies.len() < 5 && start.elapsed() < Duration::from_secs(15) {
        let got: serde_json::Value = serde_json::from_str(
            &ok(&b.aws(&[
                "sqs",
                "receive-message",
                "--queue-url",
                queue,
                "--max-number-of-messages",
                "10",
                "--wait-time-seconds",
                "2",
                "--attribute-names",
                "ApproximateReceiveCount",
            ]))?
            .replace("\n", ""),
        )
        .unwrap_or_default();
        for m in got["Messages"].as_array().into_iter().flatten() {
            assert_eq!(m["Attributes"]["ApproximateReceiveCount"], "2", "{m}");
            bodies.insert(m["Body"].as_str().unwrap_or_default().to_string());
        }
    }
    assert_eq!(bodies.into_iter().collect::<Vec<_>>(), ["m0", "m1", "m2", "m3", "m4"]);
    Ok(())
}

#[test]
fn a_dead_servers_sweeper_moves_to_a_live_one() -> Result {
    let mut one = alone("sweeper")?;
    let a = &one.a;
    ok(&a.aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "sessions",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]))?;
    ok(&a.aws(&[
        "dynamodb",
        "update-time-to-live",
        "--table-name",
        "sessions",
        "--time-to-live-specification",
        "Enabled=true,AttributeName=expires",
    ]))?;
    let expired = |id: &str| format!(r#"{{"id":{{"S":"{id}"}},"expires":{{"N":"1700000000"}}}}"#);
    let gone = |s: &Server, id: &str| -> Result {
        let key = format!(r#"{{"id":{{"S":"{id}"}}}}"#);
        let got = ok(&s.aws(&["dynamodb", "get-item", "--table-name", "sessions", "--key", &key]))?;
        anyhow::ensure!(!got.contains("Item"), "still there: {got}");
        Ok(())
    };
    // Alone, A sweeps (it holds the sweeper's lease).
    ok(&a.aws(&["dynamodb", "put-item", "--table-name", "sessions", "--item", &expired("first")]))?;
    eventually("A sweeps the expired item", || gone(a, "first"))?;

    // A dies holding the lease; B takes the sweeper over once the lease ends (15 s).
    let b = one.join()?;
    one.a.kill9()?;
    ok(&b.aws(&["dynamodb", "put-item", "--table-name", "sessions", "--item", &expired("second")]))?;
    let start = Instant::now();
    while gone(&b, "second").is_err() {
        anyhow::ensure!(start.elapsed() < Duration::from_secs(40), "B never swept");
        std::thread::sleep(Duration::from_millis(500));
    }
    Ok(())
}

#[test]
fn a_dead_servers_event_invocations_run_on_another() -> Result {
    use crate::async_invoke::{guest, logs_until, run_event};
    let mut one = alone("orphans")?;
    let a = &one.a;
    a.deploy(&guest())?;
    // Alone, A leases the invocation and starts it.
    let (out, _) = run_event(a, "pyfns-dev-slow", r#"{"seconds": 60}"#)?;
    ok(&out)?;
    logs_until(a, "pyfns-dev-slow", Duration::from_secs(30), |l| l.contains("START RequestId"))?;

    // A dies mid-run; B takes the invocation up once A's own lease ends (15 s).
    let b = one.join()?;
    one.a.kill9()?;
    let logs =
        logs_until(&b, "pyfns-dev-slow", Duration::from_secs(45), |l| l.matches("START RequestId").count() >= 2)?;
    // The same request id, run again (at least once).
    let ids: Vec<&str> = logs
        .lines()
        .filter_map(|l| l.split("START RequestId: ").nth(1))
        .map(|r| r.split_whitespace().next().unwrap_or(""))
        .collect();
    assert!(ids.len() >= 2 && ids[0] == ids[1], "{logs}");
    Ok(())
}

/// The status of a request to `path` on `http` made while a 1.5 s request to the same
/// function is in progress there.
fn while_busy(http: &str, path: &str) -> Result<u16> {
    let busy_http = http.to_string();
    let busy = std::thread::spawn(move || Server::get_at(&busy_http, "/one/dev/sleep/1500"));
    std::thread::sleep(Duration::from_millis(400));
    let status = Server::get_at(http, path)?.status;
    anyhow::ensure!(busy.join().expect("no panic")?.status == 200, "the busy request was served");
    Ok(status)
}

#[test]
fn reserved_concurrency_holds_across_the_servers() -> Result {
    let mut c = two_servers("limits")?;
    let yaml = format!(
        "service: one\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  f:\n    handler: {FAULTS_WASM}\n    reservedConcurrency: 2\n    events:\n      - httpApi: '*'\n"
    );
    let dir = service_dir(&yaml)?;
    c.a.deploy(dir.path())?;
    eventually("B serves the function", || {
        let status = Server::get_at(&c.b.http, "/one/dev/env/X")?.status;
        anyhow::ensure!(status == 200, "status {status}");
        Ok(())
    })?;
    // Two servers: each runs one of the two at a time.
    eventually("A runs its share, one", || {
        let status = while_busy(&c.a.http, "/one/dev/env/X")?;
        anyhow::ensure!(status == 503, "status {status}");
        Ok(())
    })?;
    // The two at once, one on each server.
    let (a_http, b_http) = (c.a.http.clone(), c.b.http.clone());
    let on_a = std::thread::spawn(move || Server::get_at(&a_http, "/one/dev/sleep/1000"));
    let on_b = Server::get_at(&b_http, "/one/dev/sleep/1000")?;
    assert_eq!((on_a.join().expect("no panic")?.status, on_b.status), (200, 200));

    // B is gone: once its lease ends, A runs the whole limit.
    c.b.kill9()?;
    let start = Instant::now();
    loop {
        if while_busy(&c.a.http, "/one/dev/env/X")? == 200 {
            break;
        }
        anyhow::ensure!(start.elapsed() < Duration::from_secs(30), "A never took B's share");
    }
    Ok(())
}

#[test]
fn the_kubernetes_manifests_validate() -> Result {
    // Offline, against Kubernetes' schemas (kubernetes-validate, which setup installs).
    let out = std::process::Command::new(root().join("deploy/kubernetes/validate.sh")).current_dir(root()).output()?;
    ok(&out)?;
    Ok(())
}

/// Schedules made through either server fire once each, on whichever server leads.
#[test]
fn schedules_fire_once_across_the_servers() -> Result {
    let TwoServers { a, b, .. } = &two_servers("squall_cluster_schedules")?;
    let queue_url =
        ok(&a.aws(&["sqs", "create-queue", "--queue-name", "ticks", "--query", "QueueUrl", "--output", "text"]))?;
    let queue_url = queue_url.trim();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&a.aws(&["iam", "create-role", "--role-name", "ticker", "--assume-role-policy-document", trust]))?;
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:ticks"}]}"#;
    ok(&a.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "ticker",
        "--policy-name",
        "send",
        "--policy-document",
        grant,
    ]))?;
    let soon = humantime::format_rfc3339_seconds(std::time::SystemTime::now() + Duration::from_secs(4)).to_string();
    let at = format!("at({})", soon.trim_end_matches('Z'));
    let mut expected = Vec::new();
    for i in 0..8 {
        let server = if i % 2 == 0 { a } else { b };
        // Half fire at once (a rate without a start date), half at a moment a few seconds on.
        let expression = if i < 4 { "rate(1 hour)" } else { at.as_str() };
        let input = format!("tick-{i}");
        let target = format!(
            r#"{{"Arn":"arn:aws:sqs:us-east-1:000000000000:ticks","RoleArn":"arn:aws:iam::000000000000:role/ticker","Input":"{input}"}}"#
        );
        let name = format!("s{i}");
        eventually("the server knows the queue and role", || {
            ok(&server.aws(&[
                "scheduler",
                "create-schedule",
                "--name",
                &name,
                "--schedule-expression",
                expression,
                "--flexible-time-window",
                "Mode=OFF",
                "--target",
                &target,
            ]))
        })?;
        expected.push(input);
    }
    let mut got: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    // Until each arrived, then a few seconds more: nothing may come twice.
    let mut quiet_until = None;
    while Instant::now() < deadline && quiet_until.is_none_or(|q| Instant::now() < q) {
        let out = ok(&a.aws(&[
            "sqs",
            "receive-message",
            "--queue-url",
            queue_url,
            "--max-number-of-messages",
            "10",
            "--wait-time-seconds",
            "1",
        ]))?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&out) {
            for m in v["Messages"].as_array().into_iter().flatten() {
                got.push(m["Body"].as_str().unwrap_or_default().to_string());
                let handle = m["ReceiptHandle"].as_str().unwrap_or_default();
                ok(&a.aws(&["sqs", "delete-message", "--queue-url", queue_url, "--receipt-handle", handle]))?;
            }
        }
        if quiet_until.is_none() && got.len() >= expected.len() {
            quiet_until = Some(Instant::now() + Duration::from_secs(3));
        }
    }
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "each schedule fired once, on one server");
    Ok(())
}

/// Versioning turned on through one server, then writes through both: the version written
/// before, and each written after, are all kept (a server that has not heard of the change
/// yet finds the versioned record, hears, and writes a version too).
#[test]
fn versions_written_through_two_servers_are_all_kept() -> Result {
    let c = two_servers("versions")?;
    let (a, b) = (&c.a, &c.b);
    let body = c.tmp.path().join("body");
    std::fs::write(&body, b"v")?;
    let body = body.to_string_lossy().to_string();
    let put = |s: &Server| ok(&s.aws(&["s3api", "put-object", "--bucket", "kept", "--key", "k", "--body", &body]));
    ok(&a.aws(&["s3api", "create-bucket", "--bucket", "kept"]))?;
    put(a)?;
    eventually("B knows the bucket", || ok(&b.aws(&["s3api", "head-object", "--bucket", "kept", "--key", "k"])))?;
    ok(&a.aws(&[
        "s3api",
        "put-bucket-versioning",
        "--bucket",
        "kept",
        "--versioning-configuration",
        "Status=Enabled",
    ]))?;
    put(a)?;
    put(b)?;
    let listed = ok(&a.aws(&["s3api", "list-object-versions", "--bucket", "kept"]))?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    let ids: Vec<&str> = listed["Versions"]
        .as_array()
        .map(|v| v.iter().filter_map(|v| v["VersionId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 3, "the null version and one version per later PUT: {listed}");
    assert_eq!(ids.iter().filter(|id| **id == "null").count(), 1, "{listed}");
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{listed}");
    Ok(())
}

/// The status of a Step Functions execution, asked through `server`.
fn execution_status(server: &Server, arn: &str) -> Result<serde_json::Value> {
    let out = ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", arn]))?;
    Ok(serde_json::from_str(&out)?)
}

#[test]
fn executions_are_answered_stopped_and_taken_over_across_the_servers() -> Result {
    let mut c = two_servers("workflows")?;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&c.a.aws(&["iam", "create-role", "--role-name", "sfn", "--assume-role-policy-document", trust]))?;
    let grant =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
    ok(&c.a.aws(&["iam", "put-role-policy", "--role-name", "sfn", "--policy-name", "p", "--policy-document", grant]))?;
    let queue =
        ok(&c.a.aws(&["sqs", "create-queue", "--queue-name", "asks", "--query", "QueueUrl", "--output", "text"]))?;
    let queue = queue.trim().to_string();
    let machine = |name: &str, definition: &str| -> Result<String> {
        let arn = ok(&c.a.aws(&[
            "stepfunctions",
            "create-state-machine",
            "--name",
            name,
            "--role-arn",
            "arn:aws:iam::000000000000:role/sfn",
            "--definition",
            definition,
            "--query",
            "stateMachineArn",
            "--output",
            "text",
        ]))?;
        Ok(arn.trim().to_string())
    };
    let start = |server: &Server, machine: &str| -> Result<String> {
        let arn = ok(&server.aws(&[
            "stepfunctions",
            "start-execution",
            "--state-machine-arn",
            machine,
            "--query",
            "executionArn",
            "--output",
            "text",
        ]))?;
        Ok(arn.trim().to_string())
    };

    // A task token handed out by A's execution is answered through B.
    let ask = machine(
        "ask",
        &format!(
            r#"{{"StartAt":"Ask","States":{{"Ask":{{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{{"QueueUrl":"{queue}","MessageBody.$":"$$.Task.Token"}},"End":true}}}}}}"#
        ),
    )?;
    let asked = start(&c.a, &ask)?;
    let token = eventually("the token reaches the queue", || {
        let got: serde_json::Value = serde_json::from_str(&ok(&c.b.aws(&[
            "sqs",
            "receive-message",
            "--queue-url",
            &queue,
            "--wait-time-seconds",
            "1",
        ]))?)?;
        got["Messages"][0]["Body"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("no message yet"))
    })?;
    ok(&c.b.aws(&["stepfunctions", "send-task-success", "--task-token", &token, "--task-output", r#"{"answer":42}"#]))?;
    let done = eventually("A's execution takes B's answer", || {
        let d = execution_status(&c.a, &asked)?;
        anyhow::ensure!(d["status"] == "SUCCEEDED", "{d}");
        Ok(d)
    })?;
    assert_eq!(done["output"], r#"{"answer":42}"#);

    // StopExecution through B stops what A runs.
    let long = machine("long", r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#)?;
    let waiting = start(&c.a, &long)?;
    ok(&c.b.aws(&["stepfunctions", "stop-execution", "--execution-arn", &waiting, "--error", "Halt"]))?;
    eventually("B's stop reaches A's execution", || {
        let d = execution_status(&c.b, &waiting)?;
        anyhow::ensure!(d["status"] == "ABORTED" && d["error"] == "Halt", "{d}");
        Ok(())
    })?;

    // A Wait on a server killed is finished by the other once the dead one's lease is gone.
    let short = machine(
        "short",
        r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":12,"Next":"P"},"P":{"Type":"Pass","Result":"on b","End":true}}}"#,
    )?;
    let orphan = start(&c.a, &short)?;
    c.a.kill9()?;
    let start_wait = Instant::now();
    loop {
        let d = execution_status(&c.b, &orphan)?;
        if d["status"] == "SUCCEEDED" {
            assert_eq!(d["output"], r#""on b""#);
            break;
        }
        anyhow::ensure!(start_wait.elapsed() < Duration::from_secs(40), "the orphaned execution never finished: {d}");
        std::thread::sleep(Duration::from_millis(250));
    }
    Ok(())
}
