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

#[test]
fn functions_run_with_their_own_roles_and_never_the_installation_key() -> Result {
    let server = Server::start()?;
    // The role `worker` names, made as a user would, trusting Lambda and allowed to write.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "ledger-worker", "--assume-role-policy-document", trust]))?;
    let grant = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"arn:aws:dynamodb:*:*:table/rolesvc-*"}]}"#;
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "ledger-worker",
        "--policy-name",
        "ledger",
        "--policy-document",
        grant,
    ]))?;
    let out = server.deploy(&root().join("tests/guests/lambda/roles"))?;
    // The deploy says what each function may do.
    assert!(out.contains("permissions:"), "{out}");
    assert!(
        out.contains("    Allow dynamodb:GetItem on arn:aws:dynamodb:us-east-1:000000000000:table/rolesvc-dev-Ledger"),
        "{out}"
    );
    assert!(out.contains("rolesvc-dev-auditor: the framework's default role: logs only"), "{out}");
    assert!(out.contains("rolesvc-dev-worker: IAM role arn:aws:iam::000000000000:role/ledger-worker"), "{out}");
    let invoke = |function: &str, id: &str| -> Result<serde_json::Value> {
        let (_, payload) = server.lambda_invoke(&format!("rolesvc-dev-{function}"), &format!(r#"{{"id": "{id}"}}"#))?;
        Ok(serde_json::from_str(&payload)?)
    };

    let writer = invoke("writer", "w1")?;
    assert_eq!(writer["stored"], "rolesvc-dev-writer", "{writer}");
    assert_eq!(writer["key_id"], "ASIA", "temporary credentials, not the installation's key: {writer}");
    let me = writer["me"].as_str().unwrap_or_default();
    assert!(me.starts_with("arn:aws:sts::000000000000:assumed-role/") && me.ends_with("/rolesvc-dev-writer"), "{me}");

    // Its neighbour on the same table may only read.
    let reader = invoke("reader", "r1")?;
    assert_eq!(reader["denied"], "AccessDeniedException", "{reader}");
    let message = reader["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/rolesvc-dev-Ledger"),
        "{message}"
    );
    // Declaring nothing is the framework's default role: logs only.
    let auditor = invoke("auditor", "a1")?;
    assert_eq!(auditor["denied"], "AccessDeniedException", "{auditor}");
    // A role made in IAM, named by ARN.
    let worker = invoke("worker", "k1")?;
    assert_eq!(worker["stored"], "rolesvc-dev-worker", "{worker}");
    assert_eq!(worker["me"], "arn:aws:sts::000000000000:assumed-role/ledger-worker/rolesvc-dev-worker", "{worker}");

    // The AWS::Lambda::Permission became a statement of reader's policy: `ops`, with no
    // policy of its own, may invoke reader and nothing else.
    let policy = ok(&server.aws(&["lambda", "get-policy", "--function-name", "rolesvc-dev-reader"]))?;
    assert!(policy.contains("ReaderInvokedByOps") && policy.contains("user/ops"), "{policy}");
    ok(&server.aws(&["iam", "create-user", "--user-name", "ops"]))?;
    let key: serde_json::Value =
        serde_json::from_str(&ok(&server.aws(&["iam", "create-access-key", "--user-name", "ops"]))?)?;
    let dir = tempfile::tempdir()?;
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[squall]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key["AccessKey"]["AccessKeyId"].as_str().unwrap_or_default(),
            key["AccessKey"]["SecretAccessKey"].as_str().unwrap_or_default()
        ),
    )?;
    let as_ops = |function: &str| {
        let out = dir.path().join("out.json");
        aws_command(&credentials)
            .args(["--endpoint-url", &server.api, "lambda", "invoke", "--function-name", function])
            .args(["--payload", r#"{"id": "o1"}"#])
            .arg(&out)
            .output()
    };
    ok(&as_ops("rolesvc-dev-reader")?)?;
    let denied = fails(&as_ops("rolesvc-dev-writer")?)?;
    assert!(denied.contains("AccessDeniedException") && denied.contains("lambda:InvokeFunction"), "{denied}");
    Ok(())
}

#[test]
fn queue_topic_and_bucket_policies_grant_and_deny() -> Result {
    let server = Server::start()?;
    server.client_script("resource_policies.py", "done")
}

#[test]
fn condition_keys_from_requests_and_resources() -> Result {
    let server = Server::start()?;
    server.client_script("condition_keys.py", "done")
}

#[test]
fn permissions_boundaries_cap_users_and_roles() -> Result {
    let server = Server::start()?;
    server.client_script("boundaries.py", "done")
}
