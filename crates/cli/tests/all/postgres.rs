//! `squall server --store postgres://…`: what only the PostgreSQL backend does. (Every other
//! suite also runs on PostgreSQL in `test.sh`'s second pass.)

use crate::harness::*;
use squall_storage_conformance::TempPostgres;
use std::process::Command;

/// A throwaway PostgreSQL holding database `name`, and the database's URL.
pub(crate) fn database(name: &str) -> Result<(TempPostgres, String)> {
    let pg = TempPostgres::start().map_err(anyhow::Error::msg)?;
    let url = pg.database(name).map_err(anyhow::Error::msg)?;
    Ok((pg, url))
}

/// Gives the server of data directory `to` the key of parameters and secrets of `from`'s:
/// every server of one store needs the same.
pub(crate) fn share_key(from: &std::path::Path, to: &std::path::Path) -> Result {
    std::fs::create_dir_all(to.join("keys"))?;
    std::fs::copy(from.join("keys/params.key"), to.join("keys/params.key"))?;
    Ok(())
}

fn server_output(data: &std::path::Path, store: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_squall"))
        .args(["server", "--api", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(["--store", store])
        .output()
        .expect("running squall server")
}

#[test]
fn state_lives_in_postgresql_and_outlives_its_server() -> Result {
    let (_pg, url) = database("squall")?;
    let tmp = tempfile::tempdir()?;
    let first = Server::start_in_with(&tmp.path().join("a"), &["--store", &url])?;
    ok(&first.aws(&["sqs", "create-queue", "--queue-name", "kept"]))?;
    assert!(!tmp.path().join("a/queues.db").exists(), "no queue state in the data directory");
    drop(first);
    // Another server, with a data directory of its own (and the key), finds it.
    share_key(&tmp.path().join("a"), &tmp.path().join("b"))?;
    let next = Server::start_in_with(&tmp.path().join("b"), &["--store", &url])?;
    let listed: serde_json::Value = serde_json::from_str(&ok(&next.aws(&["sqs", "list-queues"]))?)?;
    assert!(listed["QueueUrls"][0].as_str().is_some_and(|u| u.ends_with("/kept")), "{listed}");
    Ok(())
}

#[test]
fn a_server_with_another_key_of_parameters_is_refused_by_name() -> Result {
    let (_pg, url) = database("keys")?;
    let tmp = tempfile::tempdir()?;
    let _first = Server::start_in_with(&tmp.path().join("a"), &["--store", &url])?;
    // No key copied: the second server makes its own, which does not open the store's.
    let out = server_output(&tmp.path().join("b"), &url);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("every server on one store needs the same key file"), "{err}");
    Ok(())
}

#[test]
fn a_store_that_is_not_a_postgresql_url_is_refused_by_name() -> Result {
    let tmp = tempfile::tempdir()?;
    let out = server_output(&tmp.path().join("d"), "mysql://root:hunter2@db/squall");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a PostgreSQL URL") && !err.contains("hunter2"), "{err}");
    let out = server_output(&tmp.path().join("d"), "postgres://squall:hunter2@127.0.0.1:1/none");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("connecting to the store postgres://squall@127.0.0.1:1/none") && !err.contains("hunter2"),
        "{err}"
    );
    Ok(())
}

#[test]
fn readiness_follows_the_database_and_liveness_the_process() -> Result {
    let (pg, url) = database("probes")?;
    let server = Server::start_with(&["--store", &url])?;
    let probe = |path: &str| Server::get_at(&server.api, path).map(|r| (r.status, r.text()));
    assert_eq!(probe("/squall/health/live")?, (200, "live".into()));
    assert_eq!(probe("/squall/health/ready")?, (200, "ready".into()));
    let queue =
        ok(&server.aws(&["sqs", "create-queue", "--queue-name", "before", "--query", "QueueUrl", "--output", "text"]))?;

    pg.stop().map_err(anyhow::Error::msg)?;
    let (status, text) = probe("/squall/health/ready")?;
    assert_eq!(status, 503, "{text}");
    assert!(text.starts_with("not ready: "), "{text}");
    assert_eq!(probe("/squall/health/live")?, (200, "live".into()), "alive while the database is away");
    // Requests meanwhile fail in their protocol's shape, and the server stays up.
    let out = server.aws(&["sqs", "send-message", "--queue-url", queue.trim(), "--message-body", "lost?"]);
    assert!(!out.status.success(), "a send the store cannot take is refused, not acknowledged");
    assert!(String::from_utf8_lossy(&out.stderr).contains("InternalError"), "{}", String::from_utf8_lossy(&out.stderr));

    pg.start_again().map_err(anyhow::Error::msg)?;
    let mut ready = false;
    for _ in 0..100 {
        if probe("/squall/health/ready")?.0 == 200 {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ready, "ready again once the database is back");
    ok(&server.aws(&["sqs", "send-message", "--queue-url", queue.trim(), "--message-body", "after"]))?;
    let got =
        ok(&server.aws(&["sqs", "receive-message", "--queue-url", queue.trim(), "--max-number-of-messages", "10"]))?;
    assert!(got.contains("\"after\"") && !got.contains("lost?"), "{got}");
    Ok(())
}
