//! Who a request speaks for: STS's GetCallerIdentity through the aws CLI and boto3.

use crate::harness::*;

#[test]
fn the_first_start_key_is_the_account_roots() -> Result {
    let server = Server::start()?;
    let me: serde_json::Value = serde_json::from_str(&ok(&server.aws(&["sts", "get-caller-identity"]))?)?;
    assert_eq!(me["Account"], "000000000000");
    assert_eq!(me["Arn"], "arn:aws:iam::000000000000:root");
    assert_eq!(me["UserId"], "000000000000");

    // boto3 reads the same document.
    let script = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])";
    let mut python = std::process::Command::new("python3");
    aws_env(&mut python, &server.data_dir.join("credentials"));
    let out = python.args(["-c", script]).env("AWS_ENDPOINT_URL", &server.api).output()?;
    assert_eq!(ok(&out)?.trim(), "arn:aws:iam::000000000000:root");

    // What is not served yet is refused by name.
    let err = fails(&server.aws(&["sts", "get-session-token"]))?;
    assert!(err.contains("InvalidAction") && err.contains("GetSessionToken"), "{err}");
    Ok(())
}

#[test]
fn iam_users_groups_and_policies_are_enforced_on_every_service() -> Result {
    let server = Server::start()?;
    server.client_script("iam_boto3.py", "done")
}

#[test]
fn every_operation_squall_serves_is_authorized() -> Result {
    let server = Server::start()?;
    let rows: Vec<[&str; 3]> =
        squall_api::actions::ACTIONS.iter().map(|a| [a.service, a.operation, a.action]).collect();
    let table = server.data_dir.join("actions.json");
    std::fs::write(&table, serde_json::to_vec(&rows)?)?;
    server.client_script_with("iam_every_operation.py", &[table.to_str().unwrap()], "done")
}

#[test]
fn roles_are_assumed_and_their_sessions_end_with_the_clock_or_the_role() -> Result {
    let server = Server::start_with(&["--dev"])?;
    server.client_script("sts_sessions.py", "done")
}
