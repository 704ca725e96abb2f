//! DynamoDB-compatible tables through boto3 and the aws CLI.

use crate::harness::*;

#[test]
fn boto3_client_and_resource_apis_work_against_squall_tables() -> Result {
    let server = Server::start()?;
    let out = server.python(&root().join("tests/clients/dynamodb_boto3.py"));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("all DynamoDB checks passed"), "{stdout}");
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
