//! S3-compatible objects through boto3, the aws CLI and raw requests.

use crate::harness::*;
use std::io::Write;

#[test]
fn boto3_drives_squall_objects() -> Result {
    let server = Server::start()?;
    server.client_script("s3_boto3.py", "all S3 core checks passed")?;
    Ok(())
}

#[test]
fn aws_chunked_uploads_are_decoded_and_verified() -> Result {
    let server = Server::start()?;
    server.client_script("s3_chunked.py", "all S3 aws-chunked checks passed")?;
    Ok(())
}

#[test]
fn multipart_uploads_follow_s3_rules() -> Result {
    let server = Server::start()?;
    server.client_script("s3_multipart.py", "all S3 multipart checks passed")?;
    Ok(())
}

#[test]
fn the_aws_cli_copies_syncs_lists_and_presigns() -> Result {
    let server = Server::start()?;
    server.client_script("s3_cli.py", "all S3 CLI checks passed")?;
    Ok(())
}

#[test]
fn presigned_urls_cors_and_tags_work_from_a_browser_s_point_of_view() -> Result {
    let server = Server::start()?;
    server.client_script("s3_presign_cors.py", "all S3 presign and CORS checks passed")?;
    Ok(())
}

#[test]
fn buckets_serve_static_websites_on_the_http_port() -> Result {
    let server = Server::start_with(&["--s3-domain", "example.test"])?;
    server.client_script_with("s3_website.py", &[&server.http, "example.test"], "all S3 website checks passed")?;
    Ok(())
}

#[test]
fn object_events_reach_queues_through_the_notification_configuration() -> Result {
    let server = Server::start()?;
    server.client_script("s3_events.py", "all S3 event checks passed")?;
    Ok(())
}

/// The byte at `position` of the large test object: each MiB repeats one value, so a
/// reader checks whole stretches with `==` (memcmp) instead of byte by byte.
fn pattern_byte(position: u64) -> u8 {
    ((position >> 20) % 251) as u8
}

/// Splits a presigned URL into (host:port, path and query).
fn url_parts(url: &str) -> Result<(String, String)> {
    let rest = url.trim().strip_prefix("http://").ok_or_else(|| anyhow::anyhow!("not an http URL: {url}"))?;
    let (host, path) = rest.split_once('/').ok_or_else(|| anyhow::anyhow!("no path in {url}"))?;
    Ok((host.to_string(), format!("/{path}")))
}

/// Reads a response head; its status and the stream positioned at the body.
fn read_head(conn: &mut std::io::BufReader<std::net::TcpStream>) -> Result<u16> {
    use std::io::BufRead;
    let mut status_line = String::new();
    conn.read_line(&mut status_line)?;
    loop {
        let mut line = String::new();
        conn.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    Ok(status_line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

/// A 2 GiB object goes up and comes back down while the server's memory stays flat.
#[test]
fn multi_gib_objects_stream_in_constant_memory() -> Result {
    use std::io::Read;
    let server = Server::start()?;
    ok(&server.aws(&["s3", "mb", "s3://huge"]))?;
    let size: u64 = 2 << 30;
    let presign = |method: &str| -> Result<(String, String)> {
        let script = root().join("tests/clients/s3_presign.py");
        url_parts(&ok(&server.python_with(&script, &[method, "huge", "big.bin"]))?)
    };

    let (host, path) = presign("PUT")?;
    let mut conn = std::net::TcpStream::connect(&host)?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(300)))?;
    write!(conn, "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {size}\r\n\r\n")?;
    let mut chunk = vec![0u8; 1 << 20];
    for mib in 0..(size >> 20) {
        chunk.fill(pattern_byte(mib << 20));
        conn.write_all(&chunk)?;
    }
    let mut reader = std::io::BufReader::new(conn);
    assert_eq!(read_head(&mut reader)?, 200, "the 2 GiB PUT is answered 200");

    let (host, path) = presign("GET")?;
    let mut conn = std::net::TcpStream::connect(&host)?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(300)))?;
    write!(conn, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, conn);
    assert_eq!(read_head(&mut reader)?, 200);
    let (mut at, mut buf, mut expected) = (0u64, vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    while at < size {
        let n = reader.read(&mut buf)?;
        anyhow::ensure!(n > 0, "the body ended at {at} of {size} bytes");
        let mut done = 0;
        while done < n {
            // Compare up to the next MiB boundary, where the pattern's value changes.
            let pos = at + done as u64;
            let len = (n - done).min(((1u64 << 20) - (pos & ((1 << 20) - 1))) as usize);
            expected[..len].fill(pattern_byte(pos));
            anyhow::ensure!(buf[done..done + len] == expected[..len], "byte {pos} differs");
            done += len;
        }
        at += n as u64;
    }
    let peak = server.peak_rss_kib()?;
    assert!(peak < 200 << 10, "the server peaked at {} MiB while moving 2 GiB", peak >> 10);
    ok(&server.aws(&["s3", "rm", "s3://huge/big.bin"]))?;
    Ok(())
}

/// With `--blobs`, objects' bytes live in another S3-compatible store (here a second
/// Squall): larger objects and multipart parts become its objects, small ones stay inline,
/// and deleting an object deletes its blobs there.
#[test]
fn blobs_can_live_in_a_remote_s3_compatible_store() -> Result {
    let store = Server::start()?;
    ok(&store.aws(&["s3", "mb", "s3://blobstore"]))?;
    let creds = std::fs::read_to_string(store.data_dir.join("credentials"))?;
    let field = |name: &str| -> Result<String> {
        creds
            .lines()
            .find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_string()))
            .ok_or_else(|| anyhow::anyhow!("no {name} in the credentials file"))
    };
    let (id, secret) = (field("aws_access_key_id")?, field("aws_secret_access_key")?);
    let server = Server::start_with(&[
        "--blobs",
        "s3://blobstore/squall",
        "--blobs-endpoint",
        &store.api,
        "--blobs-access-key-id",
        &id,
        "--blobs-secret-access-key",
        &secret,
    ])?;
    let tmp = tempfile::tempdir()?;
    let (small, large, back) = (tmp.path().join("small"), tmp.path().join("large"), tmp.path().join("back"));
    std::fs::write(&small, b"tiny")?;
    let large_bytes: Vec<u8> = (0..12u32 << 20).map(|i| (i % 253) as u8).collect();
    std::fs::write(&large, &large_bytes)?;
    ok(&server.aws(&["s3", "mb", "s3://photos"]))?;
    ok(&server.aws(&["s3", "cp", &small.to_string_lossy(), "s3://photos/small"]))?;
    // 12 MiB: the CLI uploads it in two parts, each a blob of its own.
    ok(&server.aws(&["s3", "cp", &large.to_string_lossy(), "s3://photos/large"]))?;
    let blobs = || -> Result<usize> {
        let out = ok(&store.aws(&["s3api", "list-objects-v2", "--bucket", "blobstore", "--prefix", "squall/"]))?;
        let v: serde_json::Value =
            if out.trim().is_empty() { serde_json::json!({}) } else { serde_json::from_str(&out)? };
        Ok(v["Contents"].as_array().map_or(0, Vec::len))
    };
    assert_eq!(blobs()?, 2, "the two parts are blobs in the remote store; the small object stays inline");
    ok(&server.aws(&["s3", "cp", "s3://photos/large", &back.to_string_lossy()]))?;
    assert!(std::fs::read(&back)? == large_bytes, "the object reads back whole from the remote store");
    let ranged = server.aws(&[
        "s3api",
        "get-object",
        "--bucket",
        "photos",
        "--key",
        "large",
        "--range",
        "bytes=8388606-8388609",
        &back.to_string_lossy(),
    ]);
    ok(&ranged)?;
    assert_eq!(std::fs::read(&back)?, &large_bytes[8388606..8388610], "a range across the parts' boundary");
    ok(&server.aws(&["s3", "rm", "s3://photos/large"]))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while blobs()? != 0 {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the deleted object's blobs stayed in the remote store");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(())
}

/// A PUT cut off by `kill -9` leaves no object and no temporary file; objects whose PUT
/// was answered survive, inline and in blobs alike.
#[test]
fn interrupted_uploads_leave_nothing_and_acknowledged_ones_survive() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let small = tmp.path().join("small");
    let large = tmp.path().join("large");
    std::fs::write(&small, b"kept")?;
    let large_bytes: Vec<u8> = (0..3u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(&large, &large_bytes)?;
    ok(&server.aws(&["s3", "mb", "s3://durable"]))?;
    ok(&server.aws(&["s3", "cp", &small.to_string_lossy(), "s3://durable/small"]))?;
    ok(&server.aws(&["s3", "cp", &large.to_string_lossy(), "s3://durable/large"]))?;

    let url = ok(&server.python_with(&root().join("tests/clients/s3_presign.py"), &["PUT", "durable", "partial"]))?;
    let url = url.trim();
    let rest = url.strip_prefix("http://").ok_or_else(|| anyhow::anyhow!("not an http URL: {url}"))?;
    let (host, path) = rest.split_once('/').ok_or_else(|| anyhow::anyhow!("no path in {url}"))?;
    let mut conn = std::net::TcpStream::connect(host)?;
    let declared = 64u64 << 20;
    write!(conn, "PUT /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {declared}\r\n\r\n")?;
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..8 {
        conn.write_all(&chunk)?;
    }
    conn.flush()?;
    // Let the server take the bytes in (they land in a temporary blob).
    std::thread::sleep(std::time::Duration::from_millis(500));
    server.kill9()?;
    drop(conn);

    let server = Server::start_in(&data)?;
    let head = server.aws(&["s3api", "head-object", "--bucket", "durable", "--key", "partial"]);
    assert!(!head.status.success(), "the cut-off upload is not an object");
    assert!(String::from_utf8_lossy(&head.stderr).contains("404"), "{}", String::from_utf8_lossy(&head.stderr));
    let leftovers = std::fs::read_dir(data.join("blobs/tmp"))?.count();
    assert_eq!(leftovers, 0, "no temporary blob survives a restart");
    let back = tmp.path().join("back");
    ok(&server.aws(&["s3", "cp", "s3://durable/large", &back.to_string_lossy()]))?;
    assert!(std::fs::read(&back)? == large_bytes, "the large object survived whole");
    ok(&server.aws(&["s3", "cp", "s3://durable/small", &back.to_string_lossy()]))?;
    assert_eq!(std::fs::read(&back)?, b"kept");
    Ok(())
}

/// serverless.yml's S3 support end to end: a declared bucket with CORS rules, a function
/// `s3` event with a prefix rule that gets exactly the matching upload, a re-deploy that
/// keeps one target (and a target the service does not own), and `squall remove` taking
/// the function's target out while the bucket and its objects stay.
#[test]
fn s3_events_in_serverless_yml_reach_the_function_and_deploys_own_their_targets() -> Result {
    use serde_json::{Value, json};
    let server = Server::start()?;
    let json_of = |out: &std::process::Output| -> Result<Value> {
        let text = ok(out)?;
        Ok(if text.trim().is_empty() { json!({}) } else { serde_json::from_str(&text)? })
    };
    let bucket = "bucketsvc-uploads";
    let config = || json_of(&server.aws(&["s3api", "get-bucket-notification-configuration", "--bucket", bucket]));
    let function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bucketsvc-dev-record";
    let dir = root().join("tests/guests/lambda/buckets");

    let out = server.deploy(&dir)?;
    assert!(out.contains(&format!("bucket {bucket}: created")), "{out}");
    assert!(
        out.contains(&format!("notification {bucket}/incoming/* s3:ObjectCreated:* -> bucketsvc-dev-record: ready")),
        "{out}"
    );
    let cors = json_of(&server.aws(&["s3api", "get-bucket-cors", "--bucket", bucket]))?;
    assert_eq!(cors["CORSRules"][0]["AllowedOrigins"], json!(["https://app.example"]), "{cors}");
    assert_eq!(cors["CORSRules"][0]["MaxAgeSeconds"], 300, "{cors}");

    // A target that is not the service's: deploys and remove must leave it.
    ok(&server.aws(&["sqs", "create-queue", "--queue-name", "watch"]))?;
    let mut with_queue = config()?;
    with_queue["QueueConfigurations"] = json!([{
        "Id": "watch",
        "QueueArn": "arn:aws:sqs:us-east-1:000000000000:watch",
        "Events": ["s3:ObjectRemoved:*"],
    }]);
    let doc = with_queue.to_string();
    ok(&server.aws(&[
        "s3api",
        "put-bucket-notification-configuration",
        "--bucket",
        bucket,
        "--notification-configuration",
        &doc,
    ]))?;

    let tmp = tempfile::tempdir()?;
    let (inside, outside) = (tmp.path().join("inside.txt"), tmp.path().join("outside.txt"));
    std::fs::write(&inside, b"hello s3 events")?;
    std::fs::write(&outside, b"not for the function")?;
    ok(&server.aws(&["s3", "cp", &outside.to_string_lossy(), &format!("s3://{bucket}/other/b.txt")]))?;
    ok(&server.aws(&["s3", "cp", &inside.to_string_lossy(), &format!("s3://{bucket}/incoming/a.txt")]))?;
    let head = json_of(&server.aws(&["s3api", "head-object", "--bucket", bucket, "--key", "incoming/a.txt"]))?;
    let etag = head["ETag"].as_str().unwrap_or_default().trim_matches('"').to_string();

    // The function forwards what it was given to the Seen queue.
    let url = json_of(&server.aws(&["sqs", "get-queue-url", "--queue-name", "bucketsvc-dev-Seen"]))?["QueueUrl"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no QueueUrl"))?
        .to_string();
    let receive = |wait: &str| -> Result<Vec<Value>> {
        let got = json_of(&server.aws(&[
            "sqs",
            "receive-message",
            "--queue-url",
            &url,
            "--max-number-of-messages",
            "10",
            "--wait-time-seconds",
            wait,
        ]))?;
        let bodies = got["Messages"].as_array().into_iter().flatten().filter_map(|m| m["Body"].as_str());
        Ok(bodies.filter_map(|b| serde_json::from_str(b).ok()).collect())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    while seen.is_empty() && std::time::Instant::now() < deadline {
        seen.extend(receive("1")?);
    }
    // The upload outside the prefix came first, so nothing may follow.
    seen.extend(receive("2")?);
    assert_eq!(seen.len(), 1, "exactly the matching upload: {seen:?}\n{}", server.stderr());
    let expected = json!({
        "source": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "bucket": bucket,
        "key": "incoming/a.txt",
        "size": 15,
        "eTag": etag,
        "configurationId": "bucketsvc-dev-record-1",
    });
    assert_eq!(seen[0], expected);

    // A re-deploy puts the same target back, once, beside the queue's.
    let out = server.deploy(&dir)?;
    assert!(out.contains(&format!("bucket {bucket}: exists")), "{out}");
    let after = config()?;
    let functions = after["LambdaFunctionConfigurations"].as_array().cloned().unwrap_or_default();
    assert_eq!(functions.len(), 1, "{after}");
    assert_eq!(functions[0]["LambdaFunctionArn"], function_arn, "{after}");
    assert_eq!(functions[0]["Filter"]["Key"]["FilterRules"][0]["Value"], "incoming/", "{after}");
    assert_eq!(after["QueueConfigurations"].as_array().map(Vec::len), Some(1), "{after}");

    // Remove takes the function's target out and keeps the bucket, its objects and the queue's target.
    let out = ok(&server.squall(&["remove", "bucketsvc"]))?;
    assert!(out.contains(&format!("kept buckets {bucket} and their objects")), "{out}");
    let after = config()?;
    assert!(after["LambdaFunctionConfigurations"].as_array().is_none_or(Vec::is_empty), "{after}");
    assert_eq!(after["QueueConfigurations"][0]["Id"], "watch", "{after}");
    ok(&server.aws(&["s3api", "head-object", "--bucket", bucket, "--key", "incoming/a.txt"]))?;
    Ok(())
}

#[test]
fn versioned_buckets_keep_every_version() -> Result {
    let server = Server::start()?;
    server.client_script("s3_versioning.py", "all S3 versioning checks passed")?;
    Ok(())
}

/// Versions and delete markers written from four clients while the server is killed with
/// SIGKILL: after the restart every acknowledged one is there, in order, with its bytes.
#[test]
fn acknowledged_versions_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let log = tmp.path().join("acked.log");
    let mut server = Server::start_in(&data)?;
    let script = root().join("tests/clients/s3_versions_kill.py");
    let log_arg = log.to_string_lossy().to_string();
    let writer = server
        .python_command(&script, &["write", "kill-versions", &log_arg])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let acked = || std::fs::read_to_string(&log).map(|s| s.lines().count()).unwrap_or(0);
    for _ in 0..300 {
        if acked() >= 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.kill9()?;
    let out = writer.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "writer: {}", String::from_utf8_lossy(&out.stderr));
    let server = Server::start_in(&data)?;
    server.client_script_with(
        "s3_versions_kill.py",
        &["check", "kill-versions", &log_arg],
        "all versioned kill -9 checks passed",
    )
}

#[test]
fn legacy_sigv2_headers_and_sigv4_with_a_date_header_are_accepted() -> Result {
    let server = Server::start()?;
    server.client_script("s3_signatures.py", "all S3 signature checks passed")
}

#[test]
fn s3_details_conformance_suites_check_hold() -> Result {
    let server = Server::start()?;
    server.client_script("s3_conformance.py", "all S3 conformance checks passed")
}

/// SSE-S3 and SSE-C through boto3, then the bytes on disk: an encrypted object's plaintext
/// is nowhere under the data directory, while an unencrypted one's is (the control that
/// shows the search works). Objects small enough to live in their record are looked for in
/// objects.db too, on the embedded store (PostgreSQL keeps them in its own files).
#[test]
fn encrypted_objects_are_sealed_on_disk() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let server = Server::start_in(&data)?;
    server.client_script("s3_encryption.py", "all S3 encryption checks passed")?;
    server.client_script_with("s3_encryption.py", &["disk", "sse-disk"], "all S3 encryption disk objects written")?;
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() { files(&path, out)? } else { out.push(path) }
        }
        Ok(())
    }
    let mut all = Vec::new();
    files(&data, &mut all)?;
    let contents: Vec<Vec<u8>> = all.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let found = |name: &str| {
        let needle = format!("<squall plaintext {name}>");
        contents.iter().any(|c| c.windows(needle.len()).any(|w| w == needle.as_bytes()))
    };
    assert!(found("plain"), "the search finds an unencrypted object's bytes");
    assert!(!found("sse-s3"), "an SSE-S3 object's plaintext is not on disk");
    assert!(!found("sse-c"), "an SSE-C object's plaintext is not on disk");
    assert!(!found("sse-kms"), "an SSE-KMS object's plaintext is not on disk");
    if !on_postgres() {
        assert!(found("small-plain"), "the search finds an unencrypted object kept in its record");
        assert!(!found("small-sse-s3"), "an SSE-S3 object kept in its record is sealed there too");
    }
    Ok(())
}

/// Object lock on the platform clock: locked versions stay until `squall clock advance`
/// moves past their date (a legal hold until it is lifted).
#[test]
fn object_lock_holds_versions_until_the_clock_passes_their_date() -> Result {
    let server = Server::start_with(&["--dev"])?;
    server.client_script_with(
        "s3_object_lock.py",
        &["before", "locked"],
        "all S3 object lock checks passed (before)",
    )?;
    ok(&server.squall(&["clock", "advance", "2d"]))?;
    server.client_script_with("s3_object_lock.py", &["after", "locked"], "all S3 object lock checks passed (after)")
}

#[test]
fn acls_ownership_and_the_public_access_block_work_as_s3_runs_them() -> Result {
    let server = Server::start()?;
    server.client_script("s3_access.py", "all S3 access checks passed")
}

/// Lifecycle rules on the platform clock: `squall clock advance 31d` and the worker expires,
/// removes and aborts what the rules say, and nothing else.
#[test]
fn lifecycle_rules_act_when_the_clock_moves() -> Result {
    let server = Server::start_with(&["--dev"])?;
    server.client_script_with("s3_lifecycle.py", &["before", "rules"], "all S3 lifecycle checks passed (before)")?;
    ok(&server.squall(&["clock", "advance", "31d"]))?;
    server.client_script_with("s3_lifecycle.py", &["after", "rules"], "all S3 lifecycle checks passed (after)")
}

/// Browser form uploads (POST object): SigV2 and SigV4 policies, their conditions and
/// answers, through forms boto3 signs.
#[test]
fn forms_signed_by_boto3_upload_objects_by_post() -> Result {
    let server = Server::start()?;
    server.client_script("s3_post_upload.py", "all S3 POST upload checks passed")
}

/// A real browser (headless Chromium) submits a presigned form and posts one with fetch()
/// from another origin, which the bucket's CORS rules allow.
#[test]
fn headless_chromium_uploads_through_a_presigned_form() -> Result {
    let server = Server::start()?;
    server.client_script("s3_browser_post.py", "all browser POST upload checks passed")
}

/// Server access logs: requests on a logged bucket become lines of S3's format in objects
/// of the target bucket, delivered once the platform clock passes the interval.
#[test]
fn access_logs_reach_the_target_bucket() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let tmp = tempfile::tempdir()?;
    let state = tmp.path().join("ids.json");
    let state = state.to_str().unwrap_or_default();
    server.client_script_with("s3_logging.py", &["before", state], "all S3 logging checks passed (before)")?;
    ok(&server.squall(&["clock", "advance", "2m"]))?;
    server.client_script_with("s3_logging.py", &["after", state], "all S3 logging checks passed (after)")
}

/// Each of botocore's S3 operations is served or refused in S3's shape, never a 5xx.
#[test]
fn every_s3_operation_is_served_or_refused_cleanly() -> Result {
    let server = Server::start()?;
    server.client_script("s3_every_operation.py", "all S3 operation checks passed")
}
