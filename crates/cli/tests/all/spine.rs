//! The README's tour, persistence, shutdown and redeploys.

use crate::harness::*;
use std::time::{Duration, Instant};

#[test]
fn hello_deploys_and_answers_over_http_the_aws_cli_and_squall() -> Result {
    let server = Server::start()?;
    let out = server.deploy(&root().join("examples/hello"))?;
    assert!(out.contains("created hello-dev-greet"), "{out}");
    assert!(out.contains(&format!("GET {}/hello/dev/greet/{{name}}", server.http)), "{out}");

    let r = server.get("/hello/dev/greet/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello, ada!"));
    assert!(r.header("apigw-requestid").is_some());

    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    let v: serde_json::Value = serde_json::from_str(&listed)?;
    assert_eq!(v["Functions"][0]["FunctionName"], "hello-dev-greet");
    assert_eq!(v["Functions"][0]["Runtime"], "wasm");
    assert_eq!(v["Functions"][0]["Environment"]["Variables"]["GREETING"], "Hello");

    let tmp = tempfile::tempdir()?;
    let out_file = tmp.path().join("out.json");
    let meta = ok(&server.aws(&[
        "lambda",
        "invoke",
        "--function-name",
        "hello-dev-greet",
        "--log-type",
        "Tail",
        out_file.to_str().unwrap(),
    ]))?;
    let meta: serde_json::Value = serde_json::from_str(&meta)?;
    assert_eq!(meta["StatusCode"], 200);
    assert_eq!(std::fs::read_to_string(&out_file)?, "Hello, world!");
    let log = base64_decode(meta["LogResult"].as_str().unwrap_or(""));
    assert!(log.contains("greeted world"), "{log}");

    assert_eq!(ok(&server.squall(&["invoke", "hello-dev-greet"]))?.trim(), "Hello, world!");
    let ls = ok(&server.squall(&["ls"]))?;
    assert!(ls.contains("hello-dev-greet") && ls.contains("/hello/dev/greet/{name}"), "{ls}");
    let logs = ok(&server.squall(&["logs", "hello-dev-greet"]))?;
    assert!(logs.contains("greeted ada") && logs.contains(r.header("apigw-requestid").unwrap()), "{logs}");
    Ok(())
}

fn base64_decode(s: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else { continue };
        bits = (bits << 6) | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn two_functions(second: bool) -> String {
    let mut yaml = format!(
        "service: duo\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  one:\n    handler: {FAULTS_WASM}\n    events:\n      - httpApi: 'GET /env/{{name}}'\n"
    );
    if second {
        yaml.push_str(&format!(
            "  two:\n    handler: {FAULTS_WASM}\n    events:\n      - httpApi: 'GET /headers/{{id}}'\n"
        ));
    }
    yaml
}

#[test]
fn redeploys_reconcile_idempotently_and_remove_cleans_up() -> Result {
    let server = Server::start()?;
    let dir = service_dir(&two_functions(true))?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("created duo-dev-one") && out.contains("created duo-dev-two"), "{out}");
    // The same artifact serves both functions: uploaded once.
    assert_eq!(out.matches("uploading").count(), 1, "{out}");

    let again = server.deploy(dir.path())?;
    assert!(again.contains("unchanged duo-dev-one") && again.contains("unchanged duo-dev-two"), "{again}");
    assert!(again.contains("not uploaded"), "{again}");

    let dir = service_dir(&two_functions(false))?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("unchanged duo-dev-one") && out.contains("removed duo-dev-two"), "{out}");
    assert_eq!(server.get("/duo/dev/headers/x")?.status, 404);
    assert_eq!(server.get("/duo/dev/env/AWS_LAMBDA_FUNCTION_NAME")?.text(), "duo-dev-one");

    let out = ok(&server.squall(&["remove", "duo"]))?;
    assert!(out.contains("removed service duo"), "{out}");
    assert_eq!(server.get("/duo/dev/env/X")?.status, 404);
    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    assert!(!listed.contains("duo-dev-one"), "{listed}");
    let err = fails(&server.squall(&["remove", "duo"]))?;
    assert!(err.contains("no service duo is deployed at stage dev"), "{err}");
    Ok(())
}

#[test]
fn deployed_state_survives_kill_9_and_restarts_from_cached_code() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    server.deploy(&root().join("examples/hello"))?;
    assert_eq!(server.get("/hello/dev/greet/bob")?.text(), "Hello, bob!");
    server.kill9()?;
    assert!(server.stderr().contains("compiling function code"), "{}", server.stderr());

    let cached: Vec<_> = std::fs::read_dir(data.join("cache/wasm"))?.collect();
    assert_eq!(cached.len(), 1, "one compiled component in the cache");
    let server = Server::start_in(&data)?;
    assert_eq!(server.get("/hello/dev/greet/bob")?.text(), "Hello, bob!");
    assert!(!server.stderr().contains("compiling function code"), "a restart must not recompile:\n{}", server.stderr());
    // The key survived too: the CLI and the aws CLI still authenticate.
    ok(&server.aws(&["lambda", "get-function", "--function-name", "hello-dev-greet"]))?;
    Ok(())
}

#[test]
fn sigterm_lets_in_flight_requests_finish() -> Result {
    let yaml = format!(
        "service: slow\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  f:\n    handler: {FAULTS_WASM}\n    events:\n      - httpApi: '*'\n"
    );
    let dir = service_dir(&yaml)?;
    let mut server = Server::start()?;
    server.deploy(dir.path())?;
    let http = server.http.clone();
    let started = Instant::now();
    let inflight = std::thread::spawn(move || {
        let s = Server::get_at(&http, "/slow/dev/sleep/1500");
        (s, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(400));
    server.signal("TERM")?;
    let (reply, took) = inflight.join().expect("request thread");
    let reply = reply?;
    assert_eq!((reply.status, reply.text().as_str()), (200, "slept 1500 ms"));
    assert!(took >= Duration::from_millis(1500));
    let status = server.wait_exit(Duration::from_secs(20))?;
    assert!(status.success(), "exit status {status}");
    assert!(server.stderr().contains("shutting down"), "{}", server.stderr());
    Ok(())
}

#[test]
fn logs_follow_prints_new_lines_as_they_arrive() -> Result {
    let server = Server::start()?;
    server.deploy(&root().join("examples/hello"))?;
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_squall"))
        .args(["logs", "hello-dev-greet", "--follow"])
        .env("SQUALL_ENDPOINT", &server.api)
        .env("SQUALL_DATA_DIR", &server.data_dir)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = follow.stdout.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = false;
    let mut n = 0;
    while !seen && Instant::now() < deadline {
        n += 1;
        server.get(&format!("/hello/dev/greet/visitor{n}"))?;
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            if line.contains("greeted visitor") {
                seen = true;
                break;
            }
        }
    }
    follow.kill()?;
    follow.wait()?;
    assert!(seen, "squall logs --follow printed no new line within 20 s");
    Ok(())
}
