//! Role statements: read, checked, their intrinsics resolved, recorded per function.

use crate::parse;
use serde_json::{Value, json};

const MANIFEST: &str = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action:
            - dynamodb:GetItem
            - dynamodb:Query
          Resource:
            - !GetAtt Orders.Arn
            - Fn::Join: ['/', [!GetAtt Orders.Arn, 'index', '*']]
        - Effect: Deny
          NotAction: s3:Delete*
          NotResource: '*'
          Condition:
            StringLikeIfExists:
              s3:prefix: ['home/', 'public/']
            ForAnyValue:StringEquals:
              aws:TagKeys: env
      managedPolicies:
        - arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess
functions:
  f:
    handler: h.f
  own:
    handler: h.f
    iamRoleStatementsInherit: true
    iamRoleStatements:
      - Effect: Allow
        Action: sqs:SendMessage
        Resource: !Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs'
  named:
    handler: h.f
    role: arn:aws:iam::000000000000:role/custom
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        BillingMode: PAY_PER_REQUEST
";

fn document(m: &crate::Manifest, i: usize) -> Value {
    serde_json::from_str(&m.functions[i].config.role_policy.as_ref().unwrap().document).unwrap()
}

#[test]
fn statements_become_each_functions_recorded_role() {
    let m = parse("serverless.yml", MANIFEST).unwrap();
    let table = "arn:aws:dynamodb:us-east-1:000000000000:table/shop-dev-Orders";
    let f = &m.functions[0].config;
    assert_eq!(f.role, "arn:aws:iam::000000000000:role/shop-dev-us-east-1-lambdaRole");
    let doc = document(&m, 0);
    assert_eq!(doc["Version"], "2012-10-17");
    assert_eq!(doc["Statement"][0]["Resource"], json!([table, format!("{table}/index/*")]));
    assert_eq!(doc["Statement"][0]["Action"], json!(["dynamodb:GetItem", "dynamodb:Query"]));
    assert_eq!(doc["Statement"][1]["NotAction"], json!(["s3:Delete*"]));
    assert_eq!(doc["Statement"][1]["Condition"]["StringLikeIfExists"]["s3:prefix"], json!(["home/", "public/"]));
    assert_eq!(f.role_policy.as_ref().unwrap().managed_policies, ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"]);

    let own = &m.functions[1].config;
    assert_eq!(own.role, "arn:aws:iam::000000000000:role/shop-dev-own-us-east-1-lambdaRole");
    let doc = document(&m, 1);
    assert_eq!(doc["Statement"][0]["Resource"], json!(["arn:aws:sqs:us-east-1:000000000000:jobs"]));
    assert_eq!(doc["Statement"].as_array().unwrap().len(), 3, "its own statement, then the inherited ones");

    let named = &m.functions[2].config;
    assert_eq!((named.role.as_str(), named.role_policy.is_none()), ("arn:aws:iam::000000000000:role/custom", true));
    assert!(m.warnings.iter().all(|w| !w.contains("role")), "roles are enforced now: {:?}", m.warnings);
}

#[test]
fn the_older_keys_are_read_too() {
    let yaml = "service: old\nprovider:\n  name: aws\n  runtime: python3.12\n  iamRoleStatements:\n    - Effect: Allow\n      Action: ['s3:*']\n      Resource: '*'\nfunctions:\n  f:\n    handler: h.f\n";
    let m = parse("serverless.yml", yaml).unwrap();
    assert_eq!(document(&m, 0)["Statement"][0]["Action"], json!(["s3:*"]));
    let plain = "service: old\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: h.f\n";
    let m = parse("serverless.yml", plain).unwrap();
    assert_eq!(m.functions[0].config.role, "arn:aws:iam::000000000000:role/old-dev-us-east-1-lambdaRole");
    assert!(m.functions[0].config.role_policy.is_none() && m.warnings.is_empty());
}

#[test]
fn malformed_statements_are_refused_with_their_line() {
    let with = |statement: &str| {
        format!(
            "service: bad\nprovider:\n  name: aws\n  runtime: python3.12\n  iamRoleStatements:\n{statement}functions:\n  f:\n    handler: h.f\n"
        )
    };
    let cases = [
        (
            "    - Action: s3:GetObject\n      Resource: '*'\n",
            "serverless.yml:6: provider.iamRoleStatements[0]: needs Effect",
        ),
        (
            "    - Effect: Permit\n      Action: s3:GetObject\n      Resource: '*'\n",
            "provider.iamRoleStatements[0].Effect: must be Allow or Deny",
        ),
        ("    - Effect: Allow\n      Action: GetObject\n      Resource: '*'\n", "\"GetObject\" is not an action"),
        ("    - Effect: Allow\n      Action: s3:GetObject\n", "needs Resource or NotResource"),
        (
            "    - Effect: Allow\n      Action: s3:GetObject\n      Resource: my-bucket\n",
            "\"my-bucket\" is not a resource ARN or *",
        ),
        (
            "    - Effect: Allow\n      Principal: '*'\n      Action: s3:GetObject\n      Resource: '*'\n",
            "belongs in resource policies",
        ),
        (
            "    - Effect: Allow\n      Action: s3:GetObject\n      Resource: '*'\n      Condition:\n        StringMatches:\n          a: b\n",
            "StringMatches is not a condition operator",
        ),
        (
            "    - Effect: Allow\n      Actions: s3:GetObject\n      Resource: '*'\n",
            "Actions is not a key of a policy statement",
        ),
        (
            "    - Effect: Allow\n      Action: dynamodb:Query\n      Resource: '*'\n      Condition:\n        ForAllValues:StringEquals:\n          dynamodb:Attributes: [pk]\n",
            "Squall does not evaluate the condition key dynamodb:Attributes",
        ),
    ];
    for (statement, expected) in cases {
        let err = parse("serverless.yml", &with(statement)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
}

#[test]
fn the_framework_role_may_send_to_the_functions_destinations() {
    let yaml = "\
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  work:
    handler: h.f
    destinations:
      onFailure: arn:aws:sqs:us-east-1:000000000000:failed
      onSuccess: arn:aws:sns:us-east-1:000000000000:done
  external:
    handler: h.f
    role: arn:aws:iam::000000000000:role/existing
    destinations:
      onFailure: arn:aws:sqs:us-east-1:000000000000:failed
";
    let m = parse("serverless.yml", yaml).unwrap();
    let work = m.functions.iter().find(|f| f.config.name.as_str() == "jobs-dev-work").unwrap();
    let doc: Value = serde_json::from_str(&work.config.role_policy.as_ref().unwrap().document).unwrap();
    let granted: Vec<(&str, &str)> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["Action"].as_str().unwrap(), s["Resource"].as_str().unwrap()))
        .collect();
    assert_eq!(
        granted,
        [
            ("sns:Publish", "arn:aws:sns:us-east-1:000000000000:done"),
            ("sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:failed")
        ]
    );
    let external = m.functions.iter().find(|f| f.config.name.as_str() == "jobs-dev-external").unwrap();
    assert!(external.config.role_policy.is_none(), "a role named by ARN is not the framework's to change");
}
