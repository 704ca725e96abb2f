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
    let server = Server::start()?;
    server.client_script_with("s3_website.py", &[&server.http], "all S3 website checks passed")?;
    Ok(())
}

#[test]
fn object_events_reach_queues_through_the_notification_configuration() -> Result {
    let server = Server::start()?;
    server.client_script("s3_events.py", "all S3 event checks passed")?;
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
