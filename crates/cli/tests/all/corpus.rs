//! The corpus: serverless.yml services written the way people write them for AWS
//! (`tests/corpus/<name>`, listed in `tests/corpus/README.md`), each deployed as it is and
//! driven over HTTP or through its trigger by a client script of its group
//! (`tests/clients/corpus_<group>.py`) that checks what AWS would answer.
//!

use crate::harness::*;
use std::path::{Path, PathBuf};

/// The directory of corpus service `name`.
fn service(name: &str) -> PathBuf {
    root().join("tests/corpus").join(name)
}

/// `squall deploy DIR ARGS...`, which must succeed; (stdout, stderr).
fn deploy_with(server: &Server, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(String, String)> {
    let mut all = vec!["deploy", dir.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let out = server.squall_with_env(&all, env);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    anyhow::ensure!(out.status.success(), "deploy of {} {args:?} failed:\n{stdout}\n{stderr}", dir.display());
    Ok((stdout.into_owned(), stderr.into_owned()))
}

/// Deploys each of `names` at stage dev; their (stdout, stderr) in order.
fn deploy_all(server: &Server, names: &[&str]) -> Result<Vec<(String, String)>> {
    names.iter().map(|n| deploy_with(server, &service(n), &[], &[])).collect()
}

/// The value `squall deploy` printed for API key `name`.
fn api_key(deploy_output: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}: ");
    let line = deploy_output.lines().map(str::trim_start).find(|l| l.starts_with(&prefix))?;
    Some(line[prefix.len()..].trim().to_string())
}

/// Copies the service directory `from` into `to` (for services whose deploy needs files
/// made by the test, which must not land in the source tree).
fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "__pycache__" && entry.file_name() != "wheels" {
                copy_dir(&entry.path(), &target)?;
            }
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[test]
fn crud_apis_over_dynamodb_answer_as_api_gateway_and_dynamodb_do() -> Result {
    let server = Server::start()?;
    let names = ["todos-rest", "notes-httpapi", "orders-gsi", "users-admin", "bookmarks-v1", "shopping-cart"];
    let deployed = deploy_all(&server, &names)?;
    let (users_out, _) = &deployed[3];
    assert_eq!(
        api_key(users_out, "users-admin-dev-backoffice").as_deref(),
        Some("backoffice-key-0123456789abcdef"),
        "{users_out}"
    );
    let support = api_key(users_out, "users-admin-dev-support")
        .ok_or_else(|| anyhow::anyhow!("no generated key printed:\n{users_out}"))?;
    assert_eq!(support.len(), 40, "{users_out}");
    let (todos_out, _) = &deployed[0];
    assert!(todos_out.contains("permissions:\n"), "the deploy says what each function may do: {todos_out}");
    server.client_script_with("corpus_crud.py", &[&server.http, &support], "all corpus CRUD checks passed")
}

#[test]
fn app_style_services_behind_greedy_routes_serve_whole_apps() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["express-style-node", "wsgi-app-python", "httpapi-catchall-node", "site-and-api-python"])?;
    server.client_script_with("corpus_routers.py", &[&server.http], "all corpus router checks passed")
}

#[test]
fn queue_workers_handle_batches_retries_and_dead_letters() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["email-queue", "order-pipeline", "node-queue-worker", "webhook-dispatcher"])?;
    let squall = env!("CARGO_BIN_EXE_squall");
    server.client_script_with("corpus_workers.py", &[&server.http, squall], "all corpus worker checks passed")
}

#[test]
fn upload_processors_get_s3_event_records() -> Result {
    let server = Server::start()?;
    // upload-audit follows a bucket made elsewhere (`existing: true`): it must exist first.
    server.client_script_with("corpus_uploads.py", &["setup"], "corpus uploads setup done")?;
    deploy_all(&server, &["image-metadata", "csv-import", "upload-audit", "presigned-uploads"])?;
    server.client_script_with("corpus_uploads.py", &["check", &server.http], "all corpus upload checks passed")
}

#[test]
fn sns_fanouts_reach_the_subscribers_their_filters_match() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["order-events", "alerts-fanout", "node-notifier"])?;
    server.client_script_with("corpus_fanout.py", &[&server.http], "all corpus fan-out checks passed")
}

#[test]
fn stream_consumers_follow_table_changes() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["audit-trail", "search-indexer"])?;
    server.client_script_with("corpus_streams.py", &[&server.http], "all corpus stream checks passed")
}

#[test]
fn stages_params_files_dotenv_and_ssm_resolve_per_stage() -> Result {
    let server = Server::start()?;
    // secrets-ssm resolves ${ssm:} at deploy time: its parameters and secret come first.
    server.client_script_with("corpus_config.py", &["setup"], "corpus config setup done")?;
    let stages = service("config-stages");
    deploy_with(&server, &stages, &[], &[])?;
    let (prod, _) = deploy_with(&server, &stages, &["--stage", "prod", "--param", "featureFlags=beta"], &[])?;
    assert!(prod.contains("created config-stages-prod-config"), "{prod}");
    deploy_with(&server, &service("secrets-ssm"), &[], &[])?;
    let dotenv = service("dotenv-settings");
    // The server's own environment must not decide what `${env:}` finds.
    let unset = ["APP_URL", "TIER", "SUPPORT_EMAIL", "MAINTENANCE_MODE"];
    let clean = |args: &[&str]| -> Result {
        let mut all = vec!["deploy", dotenv.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_squall"));
        cmd.args(&all).env("SQUALL_ENDPOINT", &server.api).env("SQUALL_DATA_DIR", &server.data_dir);
        for k in unset {
            cmd.env_remove(k);
        }
        ok(&cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY").output()?)?;
        Ok(())
    };
    clean(&[])?;
    clean(&["--stage", "prod"])?;
    server.client_script_with("corpus_config.py", &["check", &server.http], "all corpus config checks passed")
}

#[test]
fn python_requirements_and_package_patterns_shape_each_package() -> Result {
    let server = Server::start()?;
    let tmp = tempfile::tempdir()?;
    let mut copies = Vec::new();
    for name in ["py-requirements", "py-requirements-individually"] {
        let copy = tmp.path().join(name);
        copy_dir(&service(name), &copy)?;
        copies.push(copy);
    }
    let dirs: Vec<&str> = copies.iter().map(|c| c.to_str().expect("utf-8 path")).collect();
    let mut args = vec!["wheels"];
    args.extend_from_slice(&dirs);
    server.client_script_with("corpus_packaging.py", &args, "corpus packaging wheels done")?;
    // A pip cache of this test's own, so no other run's install is reused.
    let cache = tmp.path().join("cache");
    let cache_env = [("XDG_CACHE_HOME", cache.to_str().expect("utf-8 path"))];
    for copy in &copies {
        let (stdout, stderr) = deploy_with(&server, copy, &[], &cache_env)?;
        assert!(stdout.contains("with pip"), "requirements are installed: {stdout}\n{stderr}");
    }
    deploy_with(&server, &service("node-package-patterns"), &[], &[])?;
    server.client_script_with("corpus_packaging.py", &["check", &server.http], "all corpus packaging checks passed")
}

#[test]
fn intrinsics_iam_roles_and_cors_forms_deploy_as_written() -> Result {
    let server = Server::start()?;
    let deployed = deploy_all(&server, &["intrinsics-showcase", "cors-api"])?;
    let (stdout, stderr) = &deployed[0];
    assert!(stdout.contains("permissions:\n"), "{stdout}");
    assert!(!stderr.contains("serverless-iam-roles-per-function does not run"), "a known plugin: {stderr}");
    server.client_script_with("corpus_features.py", &[&server.http], "all corpus feature checks passed")
}

#[test]
fn python_results_with_decimals_are_encoded_as_numbers() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["leaderboard"])?;
    server.client_script_with(
        "corpus_runtimes.py",
        &["leaderboard", &server.http],
        "all corpus leaderboard checks passed",
    )
}

#[test]
fn node_handlers_use_the_runtime_aws_sdk() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["node-todos-sdk"])?;
    server.client_script_with(
        "corpus_runtimes.py",
        &["node-todos-sdk", &server.http],
        "all corpus node-todos-sdk checks passed",
    )
}

#[test]
fn python_logging_at_info_reaches_the_log() -> Result {
    let server = Server::start()?;
    deploy_all(&server, &["contact-form"])?;
    let squall = env!("CARGO_BIN_EXE_squall");
    server.client_script_with(
        "corpus_runtimes.py",
        &["contact-form", &server.http, squall],
        "all corpus contact-form checks passed",
    )
}
