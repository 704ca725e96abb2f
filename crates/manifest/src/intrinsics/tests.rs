//! Intrinsic functions in environment values and resources, long form and short tags.

use crate::parse;

const MANIFEST: &str = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
  stage: prod
functions:
  f:
    handler: h.f
    environment:
      JOINED: !Join ['/', [!Ref Orders, !GetAtt Orders.Arn]]
      JOINED_LONG:
        Fn::Join: ['', ['arn:', !Ref AWS::Partition, ':s3:::', !Ref Photos, '/*']]
      SUB: !Sub 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName} in ${AWS::StackName} ${!Literal}'
      SUB_VARS:
        Fn::Sub:
          - '${Name}-${Table}'
          - Name: !Select [1, !Split [',', 'a,b,c']]
            Table: !Ref Orders
      PICKED: !If [IsProd, big, small]
      GONE: !If [IsDev, here, !Ref AWS::NoValue]
      SUFFIX: !Ref AWS::URLSuffix
      INBOX: !GetAtt Inbox.QueueName
resources:
  Conditions:
    IsProd: !Equals ['${sls:stage}', prod]
    IsDev: !Not [!Condition IsProd]
    Both: !And [!Condition IsProd, !Or [!Condition IsDev, !Equals [a, a]]]
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        BillingMode: PAY_PER_REQUEST
    Jobs:
      Type: AWS::SQS::Queue
    Inbox:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: !Join ['-', [!Ref AWS::StackName, inbox]]
    Photos:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: shop-photos
    DevOnly:
      Type: AWS::SQS::Queue
      Condition: IsDev
      DependsOn: Orders
  Outputs:
    OrdersTable:
      Description: the orders table
      Value: !Ref Orders
    JobsArn:
      Value: !GetAtt Jobs.Arn
      Export:
        Name: shop-jobs
    OnlyInDev:
      Condition: IsDev
      Value: dev
";

#[test]
fn intrinsics_resolve_in_long_form_and_short_tags() {
    let m = parse("serverless.yml", MANIFEST).unwrap();
    let env = &m.functions[0].config.environment;
    assert_eq!(env["JOINED"], "shop-prod-Orders/arn:aws:dynamodb:eu-west-1:000000000000:table/shop-prod-Orders");
    assert_eq!(env["JOINED_LONG"], "arn:aws:s3:::shop-photos/*");
    assert_eq!(env["SUB"], "arn:aws:sqs:eu-west-1:000000000000:shop-prod-Jobs in shop-prod ${Literal}");
    assert_eq!(env["SUB_VARS"], "b-shop-prod-Orders");
    assert_eq!(env["PICKED"], "big");
    assert!(!env.contains_key("GONE"), "AWS::NoValue leaves the variable out");
    assert_eq!(env["SUFFIX"], "amazonaws.com");
    let queues: Vec<&str> = m.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(queues, ["shop-prod-Jobs", "shop-prod-inbox"], "a resource whose condition is false is not created");
    assert_eq!(env["INBOX"], "shop-prod-inbox", "names written with intrinsics");
    let outputs: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
    assert_eq!(
        outputs,
        [("OrdersTable", "shop-prod-Orders"), ("JobsArn", "arn:aws:sqs:eu-west-1:000000000000:shop-prod-Jobs")]
    );
    assert!(m.warnings.iter().any(|w| w.contains("Outputs.JobsArn.Export: ignored")), "{:?}", m.warnings);
}

fn first_error(yaml: &str) -> String {
    parse("serverless.yml", yaml).err().map(|e| e.0[0].to_string()).unwrap_or_default()
}

#[test]
fn bad_intrinsics_are_refused_with_their_line() {
    let with_env =
        |value: &str| MANIFEST.replace("      SUFFIX: !Ref AWS::URLSuffix", &format!("      SUFFIX: {value}"));
    let cases = [
        (
            "!Ref Missing",
            "serverless.yml:22: functions.f.environment.SUFFIX: refers to Missing, which is not a resource of this service",
        ),
        ("!GetAtt Orders.Nope", "attribute Nope of Orders is not supported (Arn are)"),
        ("!ImportValue other-stack-Out", "Fn::ImportValue is not supported (squall has no stack exports)"),
        ("!Select [5, [a, b]]", "Fn::Select: no item at that index of 2 items"),
        ("!If [Nope, a, b]", "no condition Nope in resources.Conditions"),
        ("!Split [',', 'a,b']", "must evaluate to a string, not a list"),
        ("!Sub 'x ${Unclosed'", "a ${ without its closing }"),
        ("!FindInMap [M, a, b]", "Fn::FindInMap is not supported yet"),
        ("!Ref AWS::StackId", "AWS::StackId is not supported"),
    ];
    for (value, expected) in cases {
        let err = first_error(&with_env(value));
        assert!(err.contains(expected), "{value}: expected {expected:?} in {err:?}");
    }
    let circular = MANIFEST.replace("IsDev: !Not [!Condition IsProd]", "IsDev: !Not [!Condition Both]");
    assert!(first_error(&circular).contains("refers to a condition that is missing or circular"));
}
