//! DynamoDB-compatible tables through boto3 and the aws CLI.

use crate::harness::*;

#[test]
fn boto3_client_and_resource_apis_work_against_squall_tables() -> Result {
    let server = Server::start()?;
    server.client_script("dynamodb_boto3.py", "all DynamoDB checks passed")?;
    Ok(())
}

#[test]
fn an_acknowledged_put_item_survives_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    ok(&server.aws(&[
        "dynamodb",
        "create-table",
        "--table-name",
        "durable",
        "--attribute-definitions",
        "AttributeName=id,AttributeType=S",
        "--key-schema",
        "AttributeName=id,KeyType=HASH",
        "--billing-mode",
        "PAY_PER_REQUEST",
    ]))?;
    ok(&server.aws(&[
        "dynamodb",
        "put-item",
        "--table-name",
        "durable",
        "--item",
        r#"{"id":{"S":"a"},"n":{"N":"42"}}"#,
    ]))?;
    server.kill9()?;

    let server = Server::start_in(&data)?;
    let got = ok(&server.aws(&["dynamodb", "get-item", "--table-name", "durable", "--key", r#"{"id":{"S":"a"}}"#]))?;
    let v: serde_json::Value = serde_json::from_str(&got)?;
    assert_eq!(v["Item"]["n"]["N"], "42", "{got}");
    let err = fails(&server.aws(&["dynamodb", "get-item", "--table-name", "nope", "--key", r#"{"id":{"S":"a"}}"#]))?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    Ok(())
}

#[test]
fn serverless_yml_tables_are_created_on_deploy_and_used_by_handlers() -> Result {
    let server = Server::start()?;
    let dir = root().join("tests/guests/lambda/tables");
    let out = server.deploy(&dir)?;
    assert!(out.contains("table tablesvc-dev-Notes: created"), "{out}");
    let (_, payload) = server.lambda_invoke("tablesvc-dev-record", r#"{"id": "a", "n": 2}"#)?;
    let (_, payload2) = server.lambda_invoke("tablesvc-dev-record", r#"{"id": "a", "n": 3}"#)?;
    let v: serde_json::Value = serde_json::from_str(&payload2)?;
    assert_eq!(
        (v["seen"].as_i64(), v["table"].as_str()),
        (Some(5), Some("tablesvc-dev-Notes")),
        "{payload} {payload2}"
    );
    assert_eq!(v["arn"], "arn:aws:dynamodb:us-east-1:000000000000:table/tablesvc-dev-Notes");
    let ttl = ok(&server.aws(&["dynamodb", "describe-time-to-live", "--table-name", "tablesvc-dev-Notes"]))?;
    assert!(ttl.contains("ENABLED") && ttl.contains("expires"), "{ttl}");

    // A second deploy keeps the table and its items.
    let out = server.deploy(&dir)?;
    assert!(out.contains("table tablesvc-dev-Notes: exists"), "{out}");
    let got = ok(&server.aws(&[
        "dynamodb",
        "get-item",
        "--table-name",
        "tablesvc-dev-Notes",
        "--key",
        r#"{"id":{"S":"a"}}"#,
    ]))?;
    assert!(got.contains("\"5\""), "{got}");

    // Another key schema for the same table is refused, not applied.
    let changed = tempfile::tempdir()?;
    for f in ["serverless.yml", "handler.py"] {
        std::fs::copy(dir.join(f), changed.path().join(f))?;
    }
    let yaml = std::fs::read_to_string(dir.join("serverless.yml"))?
        .replace("AttributeName: id\n            KeyType", "AttributeName: pk\n            KeyType")
        .replace("AttributeName: id\n            AttributeType", "AttributeName: pk\n            AttributeType");
    std::fs::write(changed.path().join("serverless.yml"), yaml)?;
    let err = fails(&server.squall(&["deploy", changed.path().to_str().unwrap()]))?;
    assert!(err.contains("exists with another key schema"), "{err}");
    Ok(())
}

#[test]
fn legacy_parameters_work_like_their_expression_equivalents() -> Result {
    let server = Server::start()?;
    server.client_script("dynamodb_legacy.py", "all legacy DynamoDB checks passed")?;
    Ok(())
}
