//! serverless.yml files with the Serverless Framework's `${...}` variables, deployed as
//! written.

use crate::harness::*;

const YAML: &str = "service: vars
provider:
  name: aws
  runtime: wasm
  stage: ${opt:stage, 'qa'}
  environment:
    TABLE: ${self:custom.tables.${sls:stage}}
custom:
  tables:
    qa: orders-qa
    prod: orders-prod
  memory: ${file(./settings.yml):memory}
{build}functions:
  f:
    handler: {wasm}
    memorySize: ${self:custom.memory}
    environment:
      NAME: ${self:service}-${sls:stage}-f
      ACCOUNT: ${aws:accountId}
      FROM_FILE: ${file(./settings.json):greeting}
      FALLBACK: ${env:SQUALL_TEST_SURELY_UNSET, 'default'}
      FROM_PARAM: ${param:colour, 'none'}
      REGION: ${aws:region}
";

fn manifest(extra: &str) -> String {
    // The faults guest's build command goes under `custom:` with the variables' settings.
    let build = FAULTS_BUILD.trim_start_matches("custom:\n");
    format!("{YAML}{extra}").replace("{build}", build).replace("{wasm}", FAULTS_WASM)
}

#[test]
fn variables_resolve_from_the_manifest_files_and_fallbacks() -> Result {
    let server = Server::start()?;
    let dir = service_dir(&manifest(""))?;
    std::fs::write(dir.path().join("settings.yml"), "memory: 256\n")?;
    std::fs::write(dir.path().join("settings.json"), r#"{"greeting": "hello from json"}"#)?;
    ok(&server.squall(&["deploy", dir.path().to_str().unwrap(), "--param", "colour=blue", "--region", "us-east-1"]))?;
    let config: serde_json::Value = serde_json::from_str(&ok(&server.aws(&[
        "lambda",
        "get-function-configuration",
        "--function-name",
        "vars-qa-f",
    ]))?)?;
    let env = &config["Environment"]["Variables"];
    assert_eq!(env["TABLE"], "orders-qa", "{config}");
    assert_eq!(env["NAME"], "vars-qa-f");
    assert_eq!(env["ACCOUNT"], squall_types::ACCOUNT_ID);
    assert_eq!(env["FROM_FILE"], "hello from json");
    assert_eq!(env["FALLBACK"], "default");
    assert_eq!((env["FROM_PARAM"].as_str(), env["REGION"].as_str()), (Some("blue"), Some("us-east-1")));
    assert_eq!(config["MemorySize"], 256);
    Ok(())
}

#[test]
fn ssm_variables_read_the_servers_parameters_and_secrets() -> Result {
    let server = Server::start()?;
    ok(&server.aws(&[
        "ssm",
        "put-parameter",
        "--name",
        "/shop/url",
        "--type",
        "String",
        "--value",
        "shop.internal:8443",
    ]))?;
    ok(&server.aws(&["ssm", "put-parameter", "--name", "/shop/key", "--type", "SecureString", "--value", "s3cret"]))?;
    let secret = r#"{"user":"app","password":"pw"}"#;
    ok(&server.aws(&["secretsmanager", "create-secret", "--name", "shop/db", "--secret-string", secret]))?;
    let extra = "      URL: ${ssm:/shop/url}\n      KEY: ${ssm:/shop/key}\n      DB_USER: ${self:custom.db.user}\n      DB_RAW: ${ssm(raw):/aws/reference/secretsmanager/shop/db}\n";
    let yaml = manifest(extra)
        .replace("  memory: ${file", "  db: ${ssm:/aws/reference/secretsmanager/shop/db}\n  memory: ${file");
    let dir = service_dir(&yaml)?;
    std::fs::write(dir.path().join("settings.yml"), "memory: 256\n")?;
    std::fs::write(dir.path().join("settings.json"), r#"{"greeting": "hi"}"#)?;
    ok(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    let config: serde_json::Value = serde_json::from_str(&ok(&server.aws(&[
        "lambda",
        "get-function-configuration",
        "--function-name",
        "vars-qa-f",
    ]))?)?;
    let env = &config["Environment"]["Variables"];
    assert_eq!((env["URL"].as_str(), env["KEY"].as_str()), (Some("shop.internal:8443"), Some("s3cret")), "{config}");
    assert_eq!((env["DB_USER"].as_str(), env["DB_RAW"].as_str()), (Some("app"), Some(secret)), "{config}");
    Ok(())
}

#[test]
fn an_unresolvable_variable_is_refused_with_its_line_and_nothing_deploys() -> Result {
    let server = Server::start()?;
    let dir = service_dir(&manifest("      SECRET: ${ssm:/shop/secret}\n"))?;
    std::fs::write(dir.path().join("settings.yml"), "memory: 256\n")?;
    std::fs::write(dir.path().join("settings.json"), r#"{"greeting": "hi"}"#)?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(err.contains("serverless.yml:26: functions.f.environment.SECRET:"), "{err}");
    assert!(err.contains("${ssm:/shop/secret}: ssm:/shop/secret resolves to nothing"), "{err}");
    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    assert!(!listed.contains("vars-qa-f"), "{listed}");
    Ok(())
}

#[test]
fn cf_variables_read_the_outputs_of_another_deployed_service() -> Result {
    let server = Server::start()?;
    let producer = "service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: h.main
    events:
      - http: GET orders
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        BillingMode: PAY_PER_REQUEST
  Outputs:
    OrdersTableName:
      Value: !Ref Orders
";
    let dir = service_dir(producer)?;
    std::fs::write(dir.path().join("h.py"), "def main(e, c):\n    return {'statusCode': 200, 'body': 'ok'}\n")?;
    let out = ok(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(out.contains("outputs:") && out.contains("OrdersTableName: orders-dev-Orders"), "{out}");
    assert!(out.contains(&format!("ServiceEndpoint: {}/orders/dev", server.http)), "{out}");

    let consumer = "service: billing
provider:
  name: aws
  runtime: python3.12
  environment:
    ORDERS_TABLE: ${cf:orders-${sls:stage}.OrdersTableName}
    ORDERS_API: ${cf:orders-dev.ServiceEndpoint}
    MISSING: ${cf:orders-dev.Nope, 'none'}
functions:
  f:
    handler: h.main
";
    let dir = service_dir(consumer)?;
    std::fs::write(dir.path().join("h.py"), "def main(e, c):\n    return 1\n")?;
    ok(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    let config: serde_json::Value = serde_json::from_str(&ok(&server.aws(&[
        "lambda",
        "get-function-configuration",
        "--function-name",
        "billing-dev-f",
    ]))?)?;
    let env = &config["Environment"]["Variables"];
    assert_eq!(env["ORDERS_TABLE"], "orders-dev-Orders", "{config}");
    assert_eq!(env["ORDERS_API"].as_str(), Some(format!("{}/orders/dev", server.http).as_str()));
    assert_eq!(env["MISSING"], "none");
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap(), "--stage", "prod"]))?;
    assert!(
        err.contains("${cf:orders-${sls:stage}.OrdersTableName}") || err.contains("cf:orders-prod.OrdersTableName"),
        "{err}"
    );
    Ok(())
}
