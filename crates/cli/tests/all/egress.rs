//! What functions may reach besides the platform: `custom.squall.egress` limits a process
//! function to the hosts it grants (through a proxy; nothing else has a route), while its
//! Runtime API and Squall's API still answer; without it, anywhere.

use crate::harness::*;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An HTTP server on 127.0.0.1 answering every request with `body`: its port, and how many
/// requests reached it.
fn answering(body: &'static str) -> Result<(u16, Arc<AtomicUsize>)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            // The whole request head, so closing after the answer resets nothing.
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = conn.write_all(reply.as_bytes());
            // Whatever else the client sends (an empty chunked body) is read before closing.
            let _ = conn.shutdown(std::net::Shutdown::Write);
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    Ok((port, hits))
}

fn service(name: &str, egress: &str) -> Result<tempfile::TempDir> {
    let yaml = format!(
        "service: {name}\nprovider:\n  name: aws\n  runtime: python3.11\n  timeout: 20\n{egress}\
         functions:\n  fetch:\n    handler: handler.fetch\n  direct:\n    handler: handler.direct\n  platform:\n    handler: handler.platform\n"
    );
    let dir = service_dir(&yaml)?;
    std::fs::copy(root().join("tests/guests/lambda/egress/handler.py"), dir.path().join("handler.py"))?;
    Ok(dir)
}

#[test]
fn a_process_function_reaches_only_the_platform_and_the_hosts_it_is_granted() -> Result {
    let server = Server::start()?;
    let ((granted, _), (other, other_hits)) = (answering("granted")?, answering("other")?);
    let limited = service("limited", &format!("custom:\n  squall:\n    egress:\n      - 127.0.0.1:{granted}\n"))?;
    server.deploy(limited.path())?;
    let call = |f: &str, event: String| -> Result<serde_json::Value> {
        let (_, payload) = server.lambda_invoke(f, &event)?;
        Ok(serde_json::from_str(&payload)?)
    };
    let url = |port: u16| format!(r#"{{"url": "http://127.0.0.1:{port}/x"}}"#);

    let got = call("limited-dev-fetch", url(granted))?;
    assert_eq!((got["status"].as_u64(), got["body"].as_str()), (Some(200), Some("granted")), "{got}");
    let got = call("limited-dev-fetch", url(other))?;
    assert_eq!(got["status"], 403, "{got}");
    assert!(got["body"].as_str().unwrap_or_default().contains("is not granted to this function"), "{got}");
    let got = call("limited-dev-direct", format!(r#"{{"port": {other}}}"#))?;
    assert_eq!(got["connected"], false, "no route around the proxy: {got}");
    assert_eq!(other_hits.load(Ordering::SeqCst), 0, "nothing reached the host it was not granted");
    // The platform still answers: Squall's API, signed with the function's role.
    let got = call("limited-dev-platform", "{}".into())?;
    assert!(got["arn"].as_str().unwrap_or_default().ends_with("/limited-dev-platform"), "{got}");

    // Without the setting, a function reaches anywhere.
    let open = service("open", "")?;
    server.deploy(open.path())?;
    let got = call("open-dev-fetch", url(other))?;
    assert_eq!(got["body"], "other", "{got}");
    Ok(())
}

#[test]
fn egress_entries_that_are_not_hosts_are_refused() -> Result {
    let server = Server::start()?;
    let bad = service("bad", "custom:\n  squall:\n    egress:\n      - https://api.example.com/\n")?;
    let err = fails(&server.squall(&["deploy", bad.path().to_str().unwrap()]))?;
    assert!(err.contains("custom.squall.egress[0]") && err.contains("is not a host name"), "{err}");
    Ok(())
}

#[test]
fn a_webassembly_function_reaches_only_the_platform_and_the_hosts_it_is_granted() -> Result {
    let ((granted, _), (other, other_hits)) = (answering("granted")?, answering("other")?);
    // The build step and the egress list under one `custom.squall`.
    let build = FAULTS_BUILD.strip_prefix("custom:\n  squall:\n").unwrap_or(FAULTS_BUILD);
    let yaml = format!(
        "service: wasmnet\nprovider:\n  name: aws\n  runtime: wasm\ncustom:\n  squall:\n{build}    egress:\n      - 127.0.0.1:{granted}\n\
         functions:\n  f:\n    handler: {FAULTS_WASM}\n    events:\n      - httpApi: 'ANY /{{proxy+}}'\n"
    );
    let dir = service_dir(&yaml)?;
    let server = Server::start()?;
    server.deploy(dir.path())?;
    assert_eq!(server.get(&format!("/wasmnet/dev/fetch/{granted}"))?.text(), "200 granted");
    // The guest's request fails (the guest library reports the refused request as an error
    // of its own) and never reaches the host.
    let refused = server.get(&format!("/wasmnet/dev/fetch/{other}"))?.text();
    assert!(refused.starts_with("error"), "{refused}");
    assert_eq!(other_hits.load(Ordering::SeqCst), 0, "nothing reached the host it was not granted");
    // Like a process function, it gets the platform's endpoint and its role's credentials.
    let endpoint = server.get("/wasmnet/dev/env/AWS_ENDPOINT_URL")?.text();
    assert_eq!(endpoint, format!("http://{}", server.api.trim_start_matches("http://")), "{endpoint}");
    assert!(server.get("/wasmnet/dev/env/AWS_ACCESS_KEY_ID")?.text().starts_with("ASIA"));
    assert!(!server.get("/wasmnet/dev/env/AWS_SESSION_TOKEN")?.text().is_empty());
    Ok(())
}
