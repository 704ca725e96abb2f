//! `squall deploy --canary`: a new version gets a share of the routes' traffic through alias
//! `live`, growing a step at a time on the platform clock (moved here with `squall clock
//! advance`), and a version that fails too often is rolled back.

use crate::harness::{Result, Server, ok, service_dir};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MANIFEST: &str = "service: canarysvc\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: app.handler\n    events:\n      - httpApi: 'GET /hello'\n";

/// A handler answering `answer`, or failing when `answer` is `fail`.
fn handler(answer: &str) -> String {
    format!(
        "def handler(event, context):\n    if '{answer}' == 'fail':\n        raise RuntimeError('the new version is broken')\n    return {{'statusCode': 200, 'body': '{answer}'}}\n"
    )
}

/// `squall deploy DIR --canary 50% --canary-interval 10m`, running.
fn canary_deploy(server: &Server, dir: &std::path::Path) -> Result<Child> {
    Ok(Command::new(env!("CARGO_BIN_EXE_squall"))
        .args(["deploy", dir.to_str().unwrap(), "--canary", "50%", "--canary-interval", "10m"])
        .env("SQUALL_ENDPOINT", &server.api)
        .env("SQUALL_DATA_DIR", &server.data_dir)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?)
}

/// Waits (bounded) until the alias sends part of the traffic to a second version.
fn wait_for_split(server: &Server) -> Result {
    for _ in 0..60 {
        let out = ok(&server.aws(&["lambda", "get-alias", "--function-name", "canarysvc-dev-hello", "--name", "live"]));
        let alias: serde_json::Value = out.ok().and_then(|o| serde_json::from_str(&o).ok()).unwrap_or_default();
        if alias["RoutingConfig"]["AdditionalVersionWeights"].as_object().is_some_and(|w| !w.is_empty()) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    anyhow::bail!("the alias never split its traffic")
}

/// The answers of `n` requests to the route.
fn answers(server: &Server, n: usize) -> Result<Vec<String>> {
    (0..n).map(|_| Ok(server.get("/canarysvc/dev/hello")?.text())).collect()
}

#[test]
fn a_canary_moves_traffic_in_steps_and_a_failing_version_rolls_back() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let dir = service_dir(MANIFEST)?;
    let app = dir.path().join("app.py");
    std::fs::write(&app, handler("one"))?;
    let first = ok(&server.squall(&["deploy", dir.path().to_str().unwrap(), "--canary", "50%"]))?;
    assert!(first.contains("alias live created on version 1"), "{first}");
    assert!(answers(&server, 5)?.iter().all(|a| a == "one"));

    // A good version: half the traffic, then (a step later on the platform clock) all.
    std::fs::write(&app, handler("two"))?;
    let child = canary_deploy(&server, dir.path())?;
    wait_for_split(&server)?;
    let seen = answers(&server, 60)?;
    let twos = seen.iter().filter(|a| *a == "two").count();
    assert!((10..=50).contains(&twos), "about half on the new version: {twos} of 60 ({seen:?})");
    assert!(seen.iter().all(|a| a == "one" || a == "two"));
    ok(&server.squall(&["clock", "advance", "10m"]))?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("50% of invocations on version 2") && text.contains("all invocations on version 2"),
        "{text}"
    );
    assert!(answers(&server, 10)?.iter().all(|a| a == "two"));

    // A failing version: its share fails, and the function rolls back.
    std::fs::write(&app, handler("fail"))?;
    let child = canary_deploy(&server, dir.path())?;
    wait_for_split(&server)?;
    let seen: Vec<u16> = (0..30).map(|_| Ok(server.get("/canarysvc/dev/hello")?.status)).collect::<Result<_>>()?;
    assert!(seen.contains(&500) && seen.contains(&200), "both versions answer: {seen:?}");
    ok(&server.squall(&["clock", "advance", "10m"]))?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a rollback exits non-zero: {text}");
    assert!(text.contains("rolled back to version 2"), "{text}");
    assert!(answers(&server, 10)?.iter().all(|a| a == "two"), "the previous version serves again");
    // $LATEST has the broken code, but the routes go through the alias.
    let (meta, _) = server.lambda_invoke("canarysvc-dev-hello", "{}")?;
    assert_eq!(meta["FunctionError"], "Unhandled");
    Ok(())
}
