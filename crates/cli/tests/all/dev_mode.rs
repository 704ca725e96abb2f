//! `squall server --dev`: the reset test suites call between tests, and moving the
//! platform clock.

use crate::harness::*;

#[test]
fn a_dev_server_resets_to_empty_and_moves_its_clock() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let yaml = format!(
        "service: resetme\nprovider:\n  name: aws\n  runtime: wasm\n{FAULTS_BUILD}functions:\n  f:\n    handler: {FAULTS_WASM}\n"
    );
    let dir = service_dir(&yaml)?;
    server.deploy(dir.path())?;
    server.client_script_with("dev_mode.py", &["dev"], "all dev mode checks passed")?;
    // `squall reset` is the same reset, signed.
    server.deploy(dir.path())?;
    let out = ok(&server.squall(&["reset"]))?;
    assert!(out.contains("reset"), "{out}");
    assert!(ok(&server.squall(&["ls"]))?.lines().count() <= 1, "nothing is left after squall reset");
    Ok(())
}

#[test]
fn a_server_without_dev_refuses_reset_and_clock() -> Result {
    let server = Server::start()?;
    server.client_script_with("dev_mode.py", &["plain"], "all dev mode checks passed")?;
    let out = server.squall(&["reset"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dev"));
    Ok(())
}

#[test]
fn a_warm_function_deployed_again_after_a_reset_serves_its_new_version() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let dir = root().join("tests/guests/lambda/python");
    server.deploy(&dir)?;
    assert_eq!(server.get("/pyfns/dev/hello/ada")?.status, 201, "a warm process now");
    ok(&server.squall(&["reset"]))?;
    server.deploy(&dir)?;
    let r = server.get("/pyfns/dev/hello/bob")?;
    assert_eq!(r.status, 201, "the same name at revision 1 again is a new version: {}", r.text());
    assert!(r.text().starts_with("Hello, bob! call 1"), "a fresh process: {}", r.text());
    // Removing a service and deploying it again is the same.
    ok(&server.squall(&["remove", "pyfns"]))?;
    server.deploy(&dir)?;
    assert!(server.get("/pyfns/dev/hello/cy")?.text().starts_with("Hello, cy! call 1"));
    Ok(())
}
