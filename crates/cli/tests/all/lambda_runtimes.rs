//! Unmodified Lambda functions (Python, Node.js, a shell `bootstrap`) over the Lambda
//! Runtime API: HTTP routes, `aws lambda invoke`, warm reuse, faults, throttling.

use crate::harness::*;
use std::time::{Duration, Instant};

fn guest(name: &str) -> std::path::PathBuf {
    root().join("tests/guests/lambda").join(name)
}

/// `aws lambda invoke` of pyfns-dev-slow for `seconds`, in a thread.
fn invoke_slow(server: &Server, seconds: f64) -> std::thread::JoinHandle<std::io::Result<std::process::Output>> {
    let (api, data) = (server.api.clone(), server.data_dir.clone());
    std::thread::spawn(move || {
        let dir = tempfile::tempdir()?;
        let payload = dir.path().join("p.json");
        std::fs::write(&payload, format!(r#"{{"seconds": {seconds}}}"#))?;
        aws_command(&data.join("credentials"))
            .args(["--endpoint-url", &api, "lambda", "invoke", "--function-name", "pyfns-dev-slow"])
            .args(["--payload", &format!("fileb://{}", payload.display()), "/dev/null"])
            .output()
    })
}

#[test]
fn python_handlers_answer_http_and_invoke_and_stay_warm() -> Result {
    let server = Server::start()?;
    let out = server.deploy(&guest("python"))?;
    assert!(out.contains("created pyfns-dev-http") && out.contains("created pyfns-dev-platform"), "{out}");
    // One zip for the whole service, uploaded once.
    assert_eq!(out.matches("uploading").count(), 1, "{out}");

    let r = server.get("/pyfns/dev/hello/ada?x=1&x=2")?;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("x-route"), Some("GET /hello/{name}"));
    assert_eq!(r.header("x-request"), r.header("apigw-requestid"));
    assert_eq!(r.headers.iter().filter(|(k, _)| k == "set-cookie").count(), 2);
    assert_eq!(r.text(), r#"Hello, ada! call 1 query {"x": "1,2"}"#);
    // Module state survives: the same warm process serves the next request.
    assert!(server.get("/pyfns/dev/hello/bob")?.text().starts_with("Hello, bob! call 2"));

    let (meta, payload) = server.lambda_invoke("pyfns-dev-echo", r#"{"k": "v"}"#)?;
    assert_eq!(meta["StatusCode"], 200);
    assert!(meta.get("FunctionError").is_none(), "{meta}");
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!(
        (v["calls"].as_u64(), &v["event"]["k"], &v["function"]),
        (Some(1), &"v".into(), &"pyfns-dev-echo".into())
    );
    assert_eq!((v["memory"].as_str(), v["remaining_ok"].as_bool()), (Some("256"), Some(true)));
    let (_, again) = server.lambda_invoke("pyfns-dev-echo", "{}")?;
    let again: serde_json::Value = serde_json::from_str(&again)?;
    assert_eq!((again["calls"].as_u64(), &again["pid"]), (Some(2), &v["pid"]), "warm reuse: same process, state kept");

    let logs = ok(&server.squall(&["logs", "pyfns-dev-http"]))?;
    for want in [
        "START RequestId: ",
        "python http call 1",
        "END RequestId: ",
        "REPORT RequestId: ",
        "Billed Duration: ",
        "Max Memory Used: ",
        "Init Duration: ",
    ] {
        assert!(logs.contains(want), "logs lack {want:?}:\n{logs}");
    }
    assert_eq!(logs.matches("Init Duration").count(), 1, "only the cold start reports init:\n{logs}");
    // The function's own memory, not a wrapper's: a Python interpreter takes several MB.
    let used: Vec<u64> =
        logs.split("Max Memory Used: ").skip(1).filter_map(|rest| rest.split(' ').next()?.parse().ok()).collect();
    assert!(!used.is_empty() && used.iter().all(|mb| *mb >= 8), "{used:?}\n{logs}");

    // The function reaches this Squall with its own SDK.
    let (_, listed) = server.lambda_invoke("pyfns-dev-platform", "{}")?;
    assert!(listed.contains("pyfns-dev-echo") && listed.contains("pyfns-dev-platform"), "{listed}");
    Ok(())
}

#[test]
fn node_and_shell_bootstrap_functions_run_too() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("node"))?;
    assert_eq!(server.get("/nodefns/dev/hi/ada")?.text(), "Hi ada from node, call 1");
    assert_eq!(server.get("/nodefns/dev/hi/bob")?.text(), "Hi bob from node, call 2");
    let (_, payload) = server.lambda_invoke("nodefns-dev-callback", r#"{"n": 1}"#)?;
    assert_eq!(payload, r#"{"got":{"n":1},"fn":"nodefns-dev-callback"}"#);

    server.deploy(&guest("provided"))?;
    let (meta, payload) = server.lambda_invoke("shellfn-dev-echo", r#"{"n": 2}"#)?;
    assert_eq!(meta["StatusCode"], 200);
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!(
        (v["shell"].as_bool(), &v["event"]["n"], &v["handler"]),
        (Some(true), &2.into(), &"ignored.by.provided".into())
    );
    let logs = ok(&server.squall(&["logs", "shellfn-dev-echo"]))?;
    assert!(logs.contains("shell runtime got {\"n\": 2}") || logs.contains("shell runtime got {\"n\":2}"), "{logs}");
    Ok(())
}

#[test]
fn timeouts_crashes_and_errors_fail_only_their_invocation() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("python"))?;

    let started = Instant::now();
    let (meta, payload) = server.lambda_invoke("pyfns-dev-sleepy", r#"{"seconds": 30}"#)?;
    assert!(started.elapsed() < Duration::from_secs(10), "the 1 s timeout was not enforced");
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert!(payload.contains("Task timed out after 1.00 seconds"), "{payload}");
    // A fresh process serves the next call.
    let (meta, payload) = server.lambda_invoke("pyfns-dev-sleepy", r#"{"seconds": 0}"#)?;
    assert!(meta.get("FunctionError").is_none() && payload.contains("slept"), "{meta} {payload}");

    let (meta, payload) = server.lambda_invoke("pyfns-dev-crash", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert!(payload.contains("Runtime.ExitError") && payload.contains("exit status: 3"), "{payload}");
    let logs = ok(&server.squall(&["logs", "pyfns-dev-crash"]))?;
    assert!(logs.contains("about to crash"), "{logs}");

    let (meta, payload) = server.lambda_invoke("pyfns-dev-fail", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!((&v["errorType"], &v["errorMessage"]), (&"ValueError".into(), &"bad input, on purpose".into()));

    let (meta, payload) = server.lambda_invoke("pyfns-dev-hog", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert!(payload.contains("Runtime.OutOfMemory") && payload.contains("of its 128 MB"), "{payload}");

    // Everything else kept working.
    let (_, payload) = server.lambda_invoke("pyfns-dev-echo", "{}")?;
    assert!(payload.contains("\"calls\": 1"), "{payload}");
    Ok(())
}

/// Without a cgroup (none writable, or turned off) memory is still limited: RLIMIT_DATA on
/// each process and resident memory sampled while it runs.
#[test]
fn memory_is_limited_without_cgroups_too() -> Result {
    let server = Server::start_with(&["--no-memory-cgroups"])?;
    server.deploy(&guest("python"))?;
    let (meta, payload) = server.lambda_invoke("pyfns-dev-hog", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert!(payload.contains("Runtime.OutOfMemory") || payload.contains("MemoryError"), "{payload}");
    let (_, payload) = server.lambda_invoke("pyfns-dev-echo", "{}")?;
    assert!(payload.contains("\"calls\": 1"), "{payload}");
    Ok(())
}

/// Waits (bounded) until `function` has logged `n` invocation starts.
fn wait_for_starts(server: &Server, function: &str, n: usize) -> Result {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logs = ok(&server.squall(&["logs", function]))?;
        if logs.matches("START RequestId").count() >= n {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "{function} did not reach {n} starts:\n{logs}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn past_the_concurrency_limit_invocations_are_throttled() -> Result {
    let server = Server::start_with(&["--max-concurrency", "1"])?;
    server.deploy(&guest("python"))?;
    let (meta, _) = server.lambda_invoke("pyfns-dev-slow", r#"{"seconds": 0}"#)?; // warm it up
    assert_eq!(meta["StatusCode"], 200);
    let slow = invoke_slow(&server, 3.0);
    wait_for_starts(&server, "pyfns-dev-slow", 2)?;
    // Each function has its own limit: while pyfns-dev-slow is busy, the others serve.
    assert_eq!(server.get("/pyfns/dev/hello/x")?.status, 201);
    ok(&server.aws(&["lambda", "invoke", "--function-name", "pyfns-dev-echo", "/dev/null"]))?;
    let first = slow.join().expect("thread")?;
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));

    // The same function past its limit is: throttled after a short wait, not queued.
    let hold = invoke_slow(&server, 8.0);
    wait_for_starts(&server, "pyfns-dev-slow", 3)?;
    let started = Instant::now();
    let out = server.aws(&["lambda", "invoke", "--function-name", "pyfns-dev-slow", "/dev/null"]);
    let err = fails(&out)?;
    assert!(err.contains("TooManyRequestsException"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(6), "a throttled call must not wait for the busy one");
    assert!(hold.join().expect("thread")?.status.success());
    Ok(())
}

#[test]
fn bad_packages_are_refused_at_deploy_time() -> Result {
    let server = Server::start()?;
    let no_bootstrap = service_dir(
        "service: nob\nprovider:\n  name: aws\n  runtime: provided.al2023\nfunctions:\n  f:\n    handler: x\n",
    )?;
    let err = fails(&server.squall(&["deploy", no_bootstrap.path().to_str().unwrap()]))?;
    assert!(err.contains("function nob-dev-f: runtime provided.al2023 needs an executable named bootstrap"), "{err}");

    let missing = service_dir(
        "service: noh\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  f:\n    handler: nothere.main\n",
    )?;
    let err = fails(&server.squall(&["deploy", missing.path().to_str().unwrap()]))?;
    assert!(err.contains("handler \"nothere.main\": no nothere.py in the package"), "{err}");

    // A zip that escapes its directory, through the Lambda API.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("../escape.py", zip::write::SimpleFileOptions::default())?;
    std::io::Write::write_all(&mut zip, b"x = 1")?;
    let bytes = zip.finish()?.into_inner();
    let b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let body = format!(
        r#"{{"FunctionName":"esc","Runtime":"python3.11","Role":"r","Handler":"escape.main","Code":{{"ZipFile":"{b64}"}}}}"#
    );
    let r = server.signed_api("POST", "/2015-03-31/functions", body.into_bytes(), 0)?;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("escapes its directory"), "{}", r.text());
    let r = server.signed_api(
        "POST",
        "/2015-03-31/functions",
        br#"{"FunctionName":"nz","Runtime":"python3.11","Role":"r","Handler":"a.b","Code":{"ZipFile":"bm90IGEgemlw"}}"#
            .to_vec(),
        0,
    )?;
    assert!(r.text().contains("not a zip"), "{}", r.text());
    // Nothing was created.
    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    assert!(!listed.contains("\"esc\"") && !listed.contains("nob-dev-f") && !listed.contains("noh-dev-f"), "{listed}");
    Ok(())
}

#[test]
fn a_rust_lambda_runtime_bootstrap_runs_unmodified() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("rust"))?;
    let r = server.get("/rustfn/dev/hello/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello from Rust, ada! call 1"));
    assert_eq!(r.header("x-route"), Some("GET /hello/{name}"));
    let (meta, payload) = server.lambda_invoke("rustfn-dev-hello", r#"{"k": 1}"#)?;
    assert_eq!(meta["StatusCode"], 200);
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!((v["calls"].as_u64(), &v["event"]["k"]), (Some(2), &1.into()), "warm: the same process, counting on");
    assert_eq!(v["request_id"].as_str().map(str::len), Some(36));
    let (meta, payload) = server.lambda_invoke("rustfn-dev-hello", r#"{"fail": true}"#)?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    assert!(payload.contains("asked to fail"), "{payload}");
    let logs = ok(&server.squall(&["logs", "rustfn-dev-hello"]))?;
    assert!(logs.contains("rust bootstrap call 1") && logs.contains("Init Duration"), "{logs}");
    Ok(())
}

#[test]
fn ruby_handlers_run_as_awss_ruby_runtime_calls_them() -> Result {
    let server = Server::start()?;
    let out = server.squall(&["deploy", guest("ruby").to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("warning: ruby3.3 runs on the installed Ruby 3.") || stderr.is_empty(),
        "one line when the minor differs: {stderr}"
    );
    let r = server.get("/rubyfns/dev/hello/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello from Ruby, ada! call 1 left true"));
    assert!(server.get("/rubyfns/dev/hello/bob")?.text().ends_with("call 2 left true"), "a warm process");
    let (_, payload) = server.lambda_invoke("rubyfns-dev-greet", r#"{"who": "ada"}"#)?;
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!(v["greeting"], "hi ada");
    assert_eq!(v["request_id"].as_str().map(str::len), Some(36));
    let (meta, payload) = server.lambda_invoke("rubyfns-dev-fail", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!(
        (v["errorType"].as_str(), v["errorMessage"].as_str()),
        (Some("ArgumentError"), Some("asked to fail by rubyfns-dev-fail"))
    );
    let logs = ok(&server.squall(&["logs", "rubyfns-dev-hello"]))?;
    assert!(logs.contains("ruby call 1"), "{logs}");
    Ok(())
}

#[test]
fn a_go1x_handler_binary_runs_as_a_custom_runtime() -> Result {
    let server = Server::start()?;
    let dir = service_dir(
        "service: gofn\nprovider:\n  name: aws\n  runtime: go1.x\nfunctions:\n  hello:\n    handler: bin/hello\n    events:\n      - httpApi: 'GET /hello/{name}'\n",
    )?;
    // Any binary speaking the Runtime API serves; the Rust guest's stands in for aws-lambda-go's.
    std::fs::create_dir_all(dir.path().join("bin"))?;
    std::fs::copy(guest("rust").join("bootstrap"), dir.path().join("bin/hello"))?;
    server.deploy(dir.path())?;
    let r = server.get("/gofn/dev/hello/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello from Rust, ada! call 1"));
    let config = ok(&server.aws(&["lambda", "get-function-configuration", "--function-name", "gofn-dev-hello"]))?;
    assert!(config.contains("\"go1.x\""), "{config}");
    std::fs::remove_file(dir.path().join("bin/hello"))?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(err.contains("runtime go1.x runs the handler as an executable: no \"bin/hello\" in the package"), "{err}");
    Ok(())
}

#[test]
fn reserved_concurrency_is_set_by_the_manifest_and_the_lambda_api() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("python"))?;
    ok(&server.aws(&[
        "lambda",
        "put-function-concurrency",
        "--function-name",
        "pyfns-dev-echo",
        "--reserved-concurrent-executions",
        "0",
    ]))?;
    let got = ok(&server.aws(&["lambda", "get-function", "--function-name", "pyfns-dev-echo"]))?;
    assert!(got.contains("\"ReservedConcurrentExecutions\": 0"), "{got}");
    let err = fails(&server.aws(&["lambda", "invoke", "--function-name", "pyfns-dev-echo", "/dev/null"]))?;
    assert!(err.contains("TooManyRequestsException"), "a reservation of 0 disables the function: {err}");
    ok(&server.aws(&["lambda", "delete-function-concurrency", "--function-name", "pyfns-dev-echo"]))?;
    ok(&server.aws(&["lambda", "invoke", "--function-name", "pyfns-dev-echo", "/dev/null"]))?;

    // A wasm function with reservedConcurrency: 1 serves one request at a time.
    let yaml = format!(
        "service: one\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  f:\n    handler: {FAULTS_WASM}\n    reservedConcurrency: 1\n    events:\n      - httpApi: '*'\n"
    );
    let dir = service_dir(&yaml)?;
    server.deploy(dir.path())?;
    let http = server.http.clone();
    let busy = std::thread::spawn(move || Server::get_at(&http, "/one/dev/sleep/1500"));
    std::thread::sleep(Duration::from_millis(500));
    let r = server.get("/one/dev/env/X")?;
    assert_eq!((r.status, r.text().as_str()), (503, r#"{"message":"Service Unavailable"}"#));
    assert_eq!(busy.join().expect("thread")?.status, 200);
    assert_eq!(server.get("/one/dev/env/X")?.status, 200);
    Ok(())
}

#[test]
fn provisioned_processes_are_started_before_the_first_invocation() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("python"))?;
    // Two processes start and initialize in the background after the deploy, before any call.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut logs = String::new();
    while Instant::now() < deadline {
        logs = ok(&server.squall(&["logs", "pyfns-dev-ready"]))?;
        if logs.matches("Type: provisioned-concurrency").count() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(logs.matches("INIT_REPORT").count(), 2, "two provisioned processes:\n{logs}");
    let (_, payload) = server.lambda_invoke("pyfns-dev-ready", "{}")?;
    assert!(payload.contains("\"init_type\": \"provisioned-concurrency\""), "{payload}");
    let logs = ok(&server.squall(&["logs", "pyfns-dev-ready"]))?;
    assert!(
        logs.contains("REPORT RequestId") && !logs.contains("\tInit Duration"),
        "the call paid no cold start:\n{logs}"
    );
    // The ordinary function beside it starts on demand, as before.
    let (_, payload) = server.lambda_invoke("pyfns-dev-echo", "{}")?;
    assert!(payload.contains("\"init_type\": \"on-demand\""), "{payload}");
    Ok(())
}

#[test]
fn processes_are_sandboxed_from_the_data_directory_and_each_other() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("python"))?;
    server.deploy(&guest("node"))?;
    let data = server.data_dir.canonicalize()?;
    let code_root = data.join("process/code");
    let mine_and_others: Vec<_> = std::fs::read_dir(&code_root)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    let own = mine_and_others.iter().find(|p| p.join("handler.py").exists()).expect("the Python package").clone();
    let other = mine_and_others.iter().find(|p| p.join("app.js").exists()).expect("the Node package").clone();
    let event = serde_json::json!({
        "read": [
            data.join("credentials"),
            data.join("meta.db"),
            other.join("app.js"),
            own.join("handler.py"),
        ],
        "write": [own.join("new.txt"), "/tmp/scratch.txt"],
    });
    let (_, payload) = server.lambda_invoke("pyfns-dev-peek", &event.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&payload)?;
    let seen = &v["seen"];
    let at = |p: &std::path::Path| seen[p.to_str().unwrap()].as_str().unwrap_or("?").to_string();
    assert_eq!(at(&data.join("credentials")), "FileNotFoundError", "the key is hidden: {v}");
    assert_eq!(at(&data.join("meta.db")), "FileNotFoundError", "the state is hidden: {v}");
    assert_eq!(at(&other.join("app.js")), "FileNotFoundError", "another function's code is hidden: {v}");
    assert_eq!(at(&own.join("handler.py")), "readable");
    assert_ne!(seen[own.join("new.txt").to_str().unwrap()], "writable", "the code directory is read-only: {v}");
    assert_eq!(seen["/tmp/scratch.txt"], "writable", "/tmp is the function's scratch space: {v}");
    // Only Lambda's variables and the function's own.
    let env: Vec<&str> = v["env"].as_array().unwrap().iter().filter_map(|e| e.as_str()).collect();
    for leaked in ["HOME", "SQUALL_DATA_DIR", "CARGO", "RUST_LOG"] {
        assert!(!env.contains(&leaked), "{leaked} leaked into the function: {env:?}");
    }
    for expected in ["AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ENDPOINT_URL"] {
        assert!(env.contains(&expected), "{expected} missing: {env:?}");
    }
    Ok(())
}

#[test]
fn the_official_python_interface_client_runs_unmodified() -> Result {
    let server = Server::start()?;
    server.deploy(&guest("ric"))?;
    let (_, first) = server.lambda_invoke("ricfn-dev-echo", r#"{"a": 1}"#)?;
    let (_, second) = server.lambda_invoke("ricfn-dev-echo", r#"{"a": 2}"#)?;
    let (first, second): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&first)?, serde_json::from_str(&second)?);
    assert_eq!(
        (first["calls"].as_u64(), second["calls"].as_u64()),
        (Some(1), Some(2)),
        "awslambdaric keeps the process warm"
    );
    assert_eq!((&second["event"]["a"], second["remaining_ok"].as_bool()), (&2.into(), Some(true)));
    let (meta, err) = server.lambda_invoke("ricfn-dev-echo", r#"{"fail": true}"#)?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    let err: serde_json::Value = serde_json::from_str(&err)?;
    assert_eq!((&err["errorType"], &err["errorMessage"]), (&"RuntimeError".into(), &"failing on request".into()));
    Ok(())
}

#[test]
fn versions_and_aliases_run_their_own_code_and_share_by_weight() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_versions.py", "all Lambda version checks passed")
}

#[test]
fn layers_are_published_listed_shared_and_run_under_opt() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_layers.py", "all Lambda layer checks passed")
}

#[test]
fn a_serverless_yml_layer_is_published_when_it_changes_and_used_by_ref() -> Result {
    let server = Server::start()?;
    let dir = service_dir(
        "service: layered\nprovider:\n  name: aws\n  runtime: python3.12\n  layers:\n    - {Ref: CommonLambdaLayer}\nlayers:\n  common:\n    path: common\n    description: shared helpers\n    allowedAccounts: ['*']\npackage:\n  patterns: ['!common/**']\nfunctions:\n  hello:\n    handler: app.handler\n",
    )?;
    std::fs::write(
        dir.path().join("app.py"),
        "import shared, os\ndef handler(event, context):\n    return {'who': shared.WHO, 'packaged': sorted(os.listdir(os.environ['LAMBDA_TASK_ROOT']))}\n",
    )?;
    let shared = dir.path().join("common/python/shared.py");
    std::fs::create_dir_all(shared.parent().unwrap())?;
    std::fs::write(&shared, "WHO = 'v1'\n")?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("layer common: published version 1"), "{out}");
    assert!(
        out.contains("CommonLambdaLayerQualifiedArn: arn:aws:lambda:us-east-1:000000000000:layer:common:1"),
        "the framework's output: {out}"
    );
    let (_, payload) = server.lambda_invoke("layered-dev-hello", "{}")?;
    let payload: serde_json::Value = serde_json::from_str(&payload)?;
    assert_eq!(payload["who"], "v1", "{payload}");
    assert!(
        !payload["packaged"].to_string().contains("common"),
        "the layer's directory stays out of the package: {payload}"
    );

    let out = server.deploy(dir.path())?;
    assert!(out.contains("layer common: unchanged (version 1)"), "{out}");
    std::fs::write(&shared, "WHO = 'v2'\n")?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("layer common: published version 2"), "{out}");
    let (_, payload) = server.lambda_invoke("layered-dev-hello", "{}")?;
    assert!(payload.contains("v2"), "the function moved to the new version: {payload}");
    let listed = ok(&server.aws(&["lambda", "list-layer-versions", "--layer-name", "common"]))?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    let numbers: Vec<u64> =
        listed["LayerVersions"].as_array().unwrap().iter().filter_map(|v| v["Version"].as_u64()).collect();
    assert_eq!(numbers, [2], "the replaced version is deleted (retain is off)");
    let policy =
        ok(&server.aws(&["lambda", "get-layer-version-policy", "--layer-name", "common", "--version-number", "2"]))?;
    assert!(policy.contains("CommonWildLambdaLayerPermission"), "allowedAccounts: {policy}");
    Ok(())
}

#[test]
fn event_source_mappings_are_made_filtered_changed_and_deleted_through_the_api() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_mappings.py", "all Lambda event source mapping checks passed")
}

#[test]
fn responses_stream_to_callers_while_the_function_runs() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_streaming.py", "all Lambda response streaming checks passed")
}

#[test]
fn deploys_publish_a_version_of_each_function_they_change() -> Result {
    let server = Server::start()?;
    let versions = |server: &Server| -> Result<Vec<String>> {
        let out = ok(&server.aws(&[
            "lambda",
            "list-versions-by-function",
            "--function-name",
            "pyfns-dev-echo",
            "--query",
            "Versions[].Version",
            "--output",
            "text",
        ]))?;
        Ok(out.split_whitespace().map(str::to_string).collect())
    };
    server.deploy(&guest("python"))?;
    assert_eq!(versions(&server)?, ["$LATEST", "1"], "versionFunctions is on unless turned off");
    server.deploy(&guest("python"))?;
    assert_eq!(versions(&server)?, ["$LATEST", "1"], "an unchanged function gets no new version");
    let (meta, payload) = server.lambda_invoke("pyfns-dev-echo:1", r#"{"k": "v"}"#)?;
    assert_eq!(meta["ExecutedVersion"], "1", "{meta}");
    assert!(payload.contains(r#""k""#), "{payload}");
    Ok(())
}

#[test]
fn function_urls_answer_over_http_as_their_policy_and_cors_allow() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_urls.py", "all Lambda function URL checks passed")
}

#[test]
fn a_serverless_yml_url_is_open_and_kept_across_deploys() -> Result {
    let server = Server::start()?;
    let dir = service_dir(
        "service: urls\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: app.handler\n    url:\n      cors: true\n",
    )?;
    std::fs::write(
        dir.path().join("app.py"),
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hi from ' + event['rawPath']}\n",
    )?;
    let url = |out: &str| -> Result<String> {
        out.lines()
            .find_map(|l| l.trim().strip_prefix("urls-dev-hello: ").or_else(|| l.trim().strip_prefix("urls-hello: ")))
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no function url in {out}"))
    };
    let first = url(&server.deploy(dir.path())?)?;
    let reply = Server::get_at(first.trim_end_matches('/'), "/x")?;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.text(), "hi from /x");
    let again = url(&server.deploy(dir.path())?)?;
    assert_eq!(first, again, "a redeploy keeps the URL");
    std::fs::write(
        dir.path().join("serverless.yml"),
        "service: urls\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: app.handler\n",
    )?;
    server.deploy(dir.path())?;
    let gone = Server::get_at(first.trim_end_matches('/'), "/x")?;
    assert_eq!(gone.status, 404, "a URL the deployment no longer declares is removed");
    Ok(())
}

#[test]
fn account_settings_json_logs_recursion_and_runtime_management_are_honoured() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_settings.py", "all Lambda settings checks passed")
}

#[test]
fn recursive_loops_through_queues_topics_and_invoke_are_stopped_after_16_invocations() -> Result {
    let server = Server::start()?;
    server.client_script("lambda_recursion.py", "all recursive loop checks passed")
}
