//! Misbehaving functions fail only their own requests; what reaches a function.

use crate::harness::*;
use std::time::{Duration, Instant};

/// The faults guest behind `ANY /{proxy+}` of service `faults`, plus hello beside it.
fn faults_service(extra_provider: &str) -> Result<(Server, tempfile::TempDir)> {
    let yaml = format!(
        "service: faults\nprovider:\n  name: aws\n  runtime: wasm\n  timeout: 2\n  memorySize: 128\n{extra_provider}\
         {FAULTS_BUILD}functions:\n  f:\n    handler: {FAULTS_WASM}\n    environment:\n      COLOR: blue\n    events:\n      - httpApi: 'ANY /{{proxy+}}'\n      - httpApi: 'GET /headers/{{id}}'\n"
    );
    let dir = service_dir(&yaml)?;
    let server = Server::start()?;
    server.deploy(dir.path())?;
    Ok((server, dir))
}

#[test]
fn trap_loop_and_memory_hog_fail_only_their_own_requests() -> Result {
    let (server, _dir) = faults_service("")?;
    server.deploy(&root().join("examples/hello"))?;
    let http = server.http.clone();
    let bad: Vec<_> = ["/faults/dev/trap", "/faults/dev/loop", "/faults/dev/alloc/512"]
        .into_iter()
        .map(|p| {
            let http = http.clone();
            std::thread::spawn(move || (p, Server::get_at(&http, p)))
        })
        .collect();
    // While they misbehave, others are served.
    for _ in 0..20 {
        assert_eq!(server.get("/hello/dev/greet/ada")?.text(), "Hello, ada!");
        assert_eq!(server.get("/faults/dev/env/COLOR")?.text(), "blue");
    }
    for t in bad {
        let (path, reply) = t.join().expect("request thread");
        let reply = reply?;
        assert_eq!(reply.status, 500, "{path}: {}", reply.text());
        assert_eq!(reply.text(), r#"{"message":"Internal Server Error"}"#);
    }
    // A fresh instance per request: the next request after a trap is fine.
    assert_eq!(server.get("/faults/dev/alloc/16")?.text(), "allocated 16 MiB");
    let logs = ok(&server.squall(&["logs", "faults-dev-f"]))?;
    for want in ["the function trapped", "Task timed out after 2.00 seconds", "exceeded its memory limit", "panicked"] {
        assert!(logs.contains(want), "logs lack {want:?}:\n{logs}");
    }
    Ok(())
}

#[test]
fn a_function_parked_in_a_host_call_still_times_out() -> Result {
    let (server, _dir) = faults_service("")?;
    let started = Instant::now();
    let r = server.get("/faults/dev/sleep/60000")?;
    assert_eq!(r.status, 500);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    Ok(())
}

#[test]
fn bodies_stream_both_ways() -> Result {
    let (server, _dir) = faults_service("")?;
    let body: Vec<u8> = (0..(8u32 << 20)).map(|i| (i % 251) as u8).collect();
    let r = server.http_request("POST", "/faults/dev/echo", &[], body.clone())?;
    assert_eq!(r.status, 200);
    assert!(r.body == body, "echoed body differs ({} bytes back)", r.body.len());
    Ok(())
}

#[test]
fn params_environment_request_id_and_trace_reach_the_function() -> Result {
    let (server, _dir) = faults_service("")?;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = server.http_request(
        "GET",
        "/faults/dev/headers?x=1",
        &[("traceparent", &format!("00-{trace_id}-00f067aa0ba902b7-01"))],
        vec![],
    )?;
    let seen = r.text();
    let first = seen.lines().next().unwrap_or("");
    assert!(first.starts_with("GET ") && first.ends_with("/headers?x=1"), "the service prefix is stripped: {seen}");
    assert!(seen.contains("x-squall-path-params: proxy=headers"), "{seen}");
    assert!(seen.contains("x-squall-route-key: ANY /{proxy+}"), "{seen}");
    let request_id = r.header("apigw-requestid").expect("request id header");
    assert!(seen.contains(&format!("x-squall-request-id: {request_id}")), "{seen}");
    // The caller's trace continues, with this hop as the new parent.
    let tp = seen.lines().find_map(|l| l.strip_prefix("traceparent: ")).expect("traceparent");
    assert!(tp.starts_with(&format!("00-{trace_id}-")) && !tp.contains("00f067aa0ba902b7"), "{tp}");

    let r = server.get("/faults/dev/headers/a%20b")?;
    assert!(r.text().contains("x-squall-route-key: GET /headers/{id}"), "the most specific route wins: {}", r.text());
    assert!(r.text().contains("x-squall-path-params: id=a+b"), "{}", r.text());
    let r = server.get("/faults/dev/headers")?;
    assert!(!r.text().contains("4bf92f3577b34da6a3ce929d0e0e4736"), "a request without traceparent starts a new trace");

    assert_eq!(server.get("/faults/dev/env/COLOR")?.text(), "blue");
    assert_eq!(server.get("/faults/dev/env/AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?.text(), "128");

    // Log lines carry the invocation's request id and trace id.
    let r = server.http_request(
        "GET",
        "/faults/dev/log",
        &[("traceparent", &format!("00-{trace_id}-00f067aa0ba902b7-01"))],
        vec![],
    )?;
    let request_id = r.header("apigw-requestid").unwrap().to_string();
    let logs = ok(&server.squall(&["logs", "faults-dev-f"]))?;
    assert!(
        logs.contains(&format!("{request_id} to stdout")) && logs.contains(&format!("{request_id} to stderr")),
        "{logs}"
    );
    let lines = server.signed_api("GET", "/squall/v1/functions/faults-dev-f/logs?tail=10", vec![], 0)?;
    let lines: serde_json::Value = serde_json::from_slice(&lines.body)?;
    let mine: Vec<_> =
        lines["lines"].as_array().unwrap().iter().filter(|l| l["request_id"] == request_id.as_str()).collect();
    assert_eq!(mine.len(), 2, "{lines}");
    assert!(mine.iter().all(|l| l["trace_id"] == trace_id), "{lines}");
    Ok(())
}

#[test]
fn routing_answers_404_405_and_picks_the_most_specific_route() -> Result {
    let yaml = format!(
        "service: routes\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  specific:\n    handler: {FAULTS_WASM}\n    events:\n      - httpApi: 'GET /env/{{name}}'\n  wide:\n    handler: {FAULTS_WASM}\n    environment:\n      WHO: wide\n    events:\n      - httpApi: 'POST /{{proxy+}}'\n"
    );
    let dir = service_dir(&yaml)?;
    let server = Server::start()?;
    server.deploy(dir.path())?;
    assert_eq!(server.get("/routes/dev/env/AWS_LAMBDA_FUNCTION_NAME")?.text(), "routes-dev-specific");
    let r = server.http_request("POST", "/routes/dev/env/WHO", &[], vec![])?;
    assert_eq!(r.text(), "wide");
    let r = server.http_request("DELETE", "/routes/dev/env/WHO", &[], vec![])?;
    assert_eq!((r.status, r.text().as_str()), (405, r#"{"message":"Method Not Allowed"}"#));
    assert_eq!(r.header("allow"), Some("GET, POST"));
    // POST /{proxy+} has every path, for POST only.
    let r = server.get("/routes/dev/nothing/here")?;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
    let r = server.get("/routes")?;
    assert_eq!((r.status, r.text().as_str()), (404, r#"{"message":"Not Found"}"#));
    assert_eq!(server.get("/no-such-service/x")?.status, 404);
    Ok(())
}

#[test]
fn cors_preflight_and_response_headers() -> Result {
    let cors = "  httpApi:\n    cors:\n      allowedOrigins: ['https://app.example']\n      allowedMethods: [GET, POST]\n      allowedHeaders: [Content-Type]\n      maxAge: 600\n";
    let (server, _dir) = faults_service(cors)?;
    let pre = server.http_request(
        "OPTIONS",
        "/faults/dev/env/COLOR",
        &[("origin", "https://app.example"), ("access-control-request-method", "POST")],
        vec![],
    )?;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("https://app.example"));
    assert_eq!(pre.header("access-control-allow-methods"), Some("GET,POST"));
    assert_eq!(pre.header("access-control-max-age"), Some("600"));
    let denied = server.http_request(
        "OPTIONS",
        "/faults/dev/env/COLOR",
        &[("origin", "https://evil.example"), ("access-control-request-method", "POST")],
        vec![],
    )?;
    assert_eq!(denied.header("access-control-allow-origin"), None);
    let r = server.http_request("GET", "/faults/dev/env/COLOR", &[("origin", "https://app.example")], vec![])?;
    assert_eq!((r.text().as_str(), r.header("access-control-allow-origin")), ("blue", Some("https://app.example")));
    Ok(())
}
