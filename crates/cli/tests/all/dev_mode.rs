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
