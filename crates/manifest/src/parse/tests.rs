//! Manifests, good and bad, and where their errors point.

use crate::parse;

fn errors(yaml: &str) -> Vec<String> {
    match parse("serverless.yml", yaml) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

const HELLO: &str = "\
service: hello
frameworkVersion: '3'
provider:
  name: aws
  runtime: wasm
  environment:
    GREETING: Hello
    PORT: 8080
  httpApi:
    cors: true
custom:
  squall:
    build: cargo build
functions:
  greet:
    handler: hello.wasm
    timeout: 5
    environment:
      GREETING: Hi
    events:
      - httpApi: 'GET /greet/{name}'
      - httpApi:
          method: post
          path: /greet
  other:
    name: custom-name
    handler: other.wasm
    memorySize: 256
    events:
      - httpApi: '*'
";

#[test]
fn parses_a_full_manifest() {
    let m = parse("serverless.yml", HELLO).unwrap();
    assert_eq!(m.service.as_str(), "hello");
    assert_eq!(m.build.as_deref(), Some("cargo build"));
    assert!(m.cors.is_some());
    let greet = &m.functions[0];
    assert_eq!(greet.config.name.as_str(), "hello-dev-greet");
    assert_eq!(greet.config.timeout_s, 5);
    assert_eq!(greet.config.memory_mb, 1024);
    assert_eq!(greet.config.environment["GREETING"], "Hi");
    assert_eq!(greet.config.environment["PORT"], "8080");
    let routes: Vec<String> = greet.routes.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(routes, ["GET /greet/{name}", "POST /greet"]);
    let other = &m.functions[1];
    assert_eq!(other.config.name.as_str(), "custom-name");
    assert_eq!(other.routes[0].key.to_string(), "$default");
    assert_eq!(m.locate(&["functions", "other", "handler"]), Some(27));
}

#[test]
fn malformed_yaml_names_the_line() {
    let e = errors("service: a\nprovider:\n  name: aws\n   bad: [\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("serverless.yml:4"), "{e:?}");
    assert!(e[0].contains("not valid YAML"), "{e:?}");
}

#[test]
fn unknown_runtime_names_file_line_and_key() {
    let yaml = "service: a\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: x\n    runtime: cobol8\n";
    let e = errors(yaml);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with(
            "serverless.yml:7: functions.f.runtime: unknown runtime \"cobol8\" (supported: wasm, provided.al2023,"
        ),
        "{e:?}"
    );
}

#[test]
fn colliding_routes_are_refused() {
    let yaml = "\
service: a
provider: {name: aws, runtime: wasm}
functions:
  f:
    handler: f.wasm
    events:
      - httpApi: 'GET /x/{id}'
  g:
    handler: g.wasm
    events:
      - httpApi: 'GET /x/{other}'
      - httpApi: 'ANY /x/{other}'
";
    let e = errors(yaml);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("serverless.yml:11: functions.g.events[0]: route GET /x/{other} collides"), "{e:?}");
}

#[test]
fn a_function_name_used_twice_is_refused() {
    let yaml = "\
service: a
provider: {name: aws, runtime: wasm}
functions:
  f:
    handler: f.wasm
  g:
    name: a-dev-f
    handler: g.wasm
";
    let e = errors(yaml);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("functions.g: the function name a-dev-f is also used by functions.f"), "{e:?}");
}

#[test]
fn duplicate_yaml_keys_are_refused() {
    let yaml = "service: a\nprovider: {name: aws, runtime: wasm}\nfunctions:\n  f:\n    handler: f.wasm\n  f:\n    handler: g.wasm\n";
    let e = errors(yaml);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("duplicate"), "{e:?}");
}

#[test]
fn unsupported_settings_are_refused_not_ignored() {
    let yaml = "\
service: a
provider:
  name: aws
  runtime: wasm
  iam:
    role: x
functions:
  f:
    handler: f.wasm
    layers: [arn:aws:lambda:us-east-1:000000000000:layer:x:1]
    environment:
      URL: plain
    events:
      - alb: {listenerArn: x}
resources:
  Resources:
    Stream:
      Type: AWS::Kinesis::Stream
";
    let e = errors(yaml);
    let joined = e.join("\n");
    for want in [
        "serverless.yml:6: provider.iam.role: x is not a role ARN",
        "serverless.yml:10: functions.f.layers: a wasm function is a component: it has no /opt for layers",
        "serverless.yml:14: functions.f.events[0].alb: alb events are not supported yet",
        "serverless.yml:18: resources.Resources.Stream.Type: AWS::Kinesis::Stream resources are not supported yet",
    ] {
        assert!(joined.contains(want), "missing {want:?} in\n{joined}");
    }
}

#[test]
fn encryption_squall_would_not_apply_is_refused() {
    let yaml = "\
service: a
provider: {name: aws, runtime: wasm}
resources:
  Resources:
    T:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: pk, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
        SSESpecification: {SSEEnabled: true}
    Q:
      Type: AWS::SQS::Queue
      Properties:
        KmsMasterKeyId: alias/aws/sqs
    N:
      Type: AWS::SNS::Topic
      Properties:
        KmsMasterKeyId: alias/aws/sns
";
    let joined = errors(yaml).join("\n");
    for want in [
        "serverless.yml:10: resources.Resources.T.Properties.SSESpecification: encryption with a KMS key",
        "serverless.yml:14: resources.Resources.Q.Properties.KmsMasterKeyId: encryption with a KMS key",
        "serverless.yml:18: resources.Resources.N.Properties.KmsMasterKeyId: encryption with a KMS key",
    ] {
        assert!(joined.contains(want), "missing {want:?} in\n{joined}");
    }
    // DynamoDB's own key (SSEEnabled: false) and SQS's managed encryption flag ask for
    // nothing a caller can check: accepted with a warning.
    let yaml = "\
service: a
provider: {name: aws, runtime: wasm}
resources:
  Resources:
    T:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: pk, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
        SSESpecification: {SSEEnabled: false}
    U:
      Type: AWS::DynamoDB::Table
      Properties:
        KeySchema: [{AttributeName: pk, KeyType: HASH}]
        AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
        SSESpecification: {KMSMasterKeyId: alias/k}
    Q:
      Type: AWS::SQS::Queue
      Properties:
        SqsManagedSseEnabled: true
";
    let e = errors(yaml).join("\n");
    assert!(e.contains("resources.Resources.U.Properties.SSESpecification: encryption with a KMS key"), "{e}");
    let m = parse(
        "serverless.yml",
        &yaml.replace("SSESpecification: {KMSMasterKeyId: alias/k}", "BillingMode: PAY_PER_REQUEST"),
    )
    .unwrap();
    assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
}

#[test]
fn limits_and_names_are_checked() {
    let yaml = "service: 9a\nprovider: {name: aws, runtime: wasm}\n";
    assert!(errors(yaml)[0].contains("service: service name \"9a\" is invalid"));
    let yaml =
        "service: a\nprovider: {name: aws, runtime: wasm}\nfunctions:\n  f:\n    handler: f.wasm\n    timeout: 0\n";
    assert!(errors(yaml)[0].contains("functions.f: timeout 0 is outside"));
    let yaml = "service: a\nprovider: {name: google}\n";
    assert!(errors(yaml)[0].contains("provider.name: must be aws"));
    let yaml = "provider: {name: aws}\n";
    assert!(errors(yaml)[0].contains("service: is required"));
}

#[test]
fn dynamodb_tables_in_resources_are_read_and_referenced() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
  environment:
    ORDERS: !Ref Orders
functions:
  f:
    handler: h.main
    environment:
      ORDERS_ARN:
        Fn::GetAtt: [Orders, Arn]
      CARTS:
        Ref: Carts
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      DeletionPolicy: Retain
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - AttributeName: id
            AttributeType: S
        KeySchema:
          - AttributeName: id
            KeyType: HASH
        TimeToLiveSpecification:
          AttributeName: expires
          Enabled: true
    Carts:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: carts
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
";
    let m = parse("serverless.yml", yaml).unwrap();
    let names: Vec<&str> = m.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["shop-dev-Orders", "carts"]);
    assert_eq!(m.tables[0].ttl.as_deref(), Some("expires"));
    assert_eq!(m.tables[0].create["TableName"], "shop-dev-Orders");
    assert_eq!(m.tables[0].create["KeySchema"][0]["KeyType"], "HASH");
    let env = &m.functions[0].config.environment;
    assert_eq!(env["ORDERS"], "shop-dev-Orders");
    assert_eq!(env["ORDERS_ARN"], "arn:aws:dynamodb:eu-west-1:000000000000:table/shop-dev-Orders");
    assert_eq!(env["CARTS"], "carts");

    let bad = errors(&yaml.replace("Ref: Carts", "Ref: Nope").replace(
        "BillingMode: PAY_PER_REQUEST\n        AttributeDefinitions: [",
        "Colour: blue\n        AttributeDefinitions: [",
    ));
    let joined = bad.join("\n");
    assert!(joined.contains("functions.f.environment.CARTS: refers to Nope"), "{joined}");
    assert!(joined.contains("resources.Resources.Carts.Properties.Colour: unknown property"), "{joined}");
}

#[test]
fn stream_events_name_a_table_with_a_stream() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    handler: h.main
    events:
      - stream:
          type: dynamodb
          arn: !GetAtt Orders.StreamArn
          batchSize: 10
          maximumBatchingWindow: 2
          startingPosition: LATEST
          maximumRetryAttempts: 3
          maximumRecordAgeInSeconds: -1
          functionResponseType: ReportBatchItemFailures
      - stream: arn:aws:dynamodb:us-east-1:000000000000:table/other/stream/2026-01-01T00:00:00.000
resources:
  Resources:
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
        StreamSpecification:
          StreamViewType: NEW_IMAGE
    Plain:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
        KeySchema: [{AttributeName: id, KeyType: HASH}]
";
    let m = parse("serverless.yml", yaml).unwrap();
    assert_eq!(
        m.tables[0].create["StreamSpecification"],
        serde_json::json!({ "StreamEnabled": true, "StreamViewType": "NEW_IMAGE" })
    );
    let sources = &m.functions[0].config.event_sources;
    let tables: Vec<_> = sources.iter().map(|s| s.source.clone()).collect();
    assert_eq!(
        tables,
        [
            squall_types::EventSource::DynamoDbStream { table: "shop-dev-Orders".into() },
            squall_types::EventSource::DynamoDbStream { table: "other".into() },
        ]
    );
    let s = &sources[0];
    assert_eq!((s.batch_size, s.batching_window_s, s.maximum_retry_attempts), (10, 2, Some(3)));
    assert_eq!(s.starting_position, squall_types::StartingPosition::Latest);
    assert!(s.report_batch_item_failures && s.enabled && s.maximum_record_age_s.is_none());
    assert_eq!(sources[1].batch_size, 100, "Lambda's default batch size");

    let bad = |from: &str, to: &str| errors(&yaml.replace(from, to)).join("\n");
    let e = bad("!GetAtt Orders.StreamArn", "!GetAtt Plain.StreamArn");
    assert!(e.contains("functions.f.events[0].stream.arn: table Plain has no StreamSpecification"), "{e}");
    let e = bad("batchSize: 10", "batchSize: 20000");
    assert!(e.contains("batchSize 20000 is outside 1..=10000"), "{e}");
    let e = bad("startingPosition: LATEST", "startingPosition: SOMETIME");
    assert!(e.contains("startingPosition: must be LATEST or TRIM_HORIZON"), "{e}");
    let e = bad("maximumRetryAttempts: 3", "tumblingWindowInSeconds: 901");
    assert!(e.contains("tumblingWindowInSeconds is outside 0..=900"), "{e}");
    let e = bad("maximumRetryAttempts: 3", "filterPatterns: [{eventName: []}]");
    assert!(e.contains("filterPatterns[0]: is not a valid filter pattern"), "{e}");
    let e =
        bad("maximumRetryAttempts: 3", "destinations: {onFailure: arn:aws:lambda:us-east-1:000000000000:function:x}");
    assert!(e.contains("destinations.onFailure: must be a queue's or a topic's ARN"), "{e}");

    let richer = yaml.replace(
        "maximumRetryAttempts: 3",
        "maximumRetryAttempts: 3\n          bisectBatchOnFunctionError: true\n          filterPatterns:\n            - eventName: [INSERT]\n            - dynamodb: {NewImage: {status: {S: [open]}}}\n          destinations:\n            onFailure:\n              arn: arn:aws:sqs:us-east-1:000000000000:failed\n              type: sqs",
    );
    let m = parse("serverless.yml", &richer).unwrap();
    let s = &m.functions[0].config.event_sources[0];
    assert!(s.bisect_on_error);
    assert_eq!(s.filters, [r#"{"eventName":["INSERT"]}"#, r#"{"dynamodb":{"NewImage":{"status":{"S":["open"]}}}}"#]);
    assert_eq!(s.on_failure.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:failed"));
    let policy = m.functions[0].config.role_policy.as_ref().unwrap();
    assert!(
        policy.document.contains(
            r#""Action":"sqs:SendMessage","Effect":"Allow","Resource":"arn:aws:sqs:us-east-1:000000000000:failed""#
        ),
        "the role may send to the on-failure destination: {}",
        policy.document
    );
    let e = bad("      - stream: arn:aws:dynamodb", "      - stream: arn:aws:sqs");
    assert!(e.contains("is not a DynamoDB stream ARN"), "{e}");
    let e = bad("    handler: h.main\n", "    handler: h.main\n    environment:\n      S: !GetAtt Orders.StreamArn\n");
    assert!(e.contains("StreamArn is known only once the table exists"), "{e}");
}

#[test]
fn sqs_queues_and_events_are_read_and_referenced() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  environment:
    JOBS_URL: !Ref Jobs
    DLQ_ARN: !GetAtt Dlq.Arn
functions:
  f:
    handler: h.main
    events:
      - sqs:
          arn: !GetAtt Jobs.Arn
          batchSize: 20
          maximumBatchingWindow: 2
          functionResponseType: ReportBatchItemFailures
      - sqs: arn:aws:sqs:us-east-1:000000000000:elsewhere
resources:
  Resources:
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 5
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt Dlq.Arn
          maxReceiveCount: 3
        Tags:
          - Key: team
            Value: shop
    Dlq:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: shop-dead
";
    let m = crate::parse_for("serverless.yml", yaml, "http://127.0.0.1:9999/").unwrap();
    let env = &m.functions[0].config.environment;
    assert_eq!(env["JOBS_URL"], "http://127.0.0.1:9999/000000000000/shop-dev-Jobs");
    assert_eq!(env["DLQ_ARN"], "arn:aws:sqs:us-east-1:000000000000:shop-dead");
    let jobs = &m.queues[0];
    assert_eq!((jobs.name.as_str(), jobs.attributes["VisibilityTimeout"].as_str()), ("shop-dev-Jobs", "5"));
    let redrive: serde_json::Value = serde_json::from_str(&jobs.attributes["RedrivePolicy"]).unwrap();
    assert_eq!(redrive["deadLetterTargetArn"], "arn:aws:sqs:us-east-1:000000000000:shop-dead");
    assert_eq!(jobs.tags["team"], "shop");
    let sources = &m.functions[0].config.event_sources;
    assert_eq!(sources[0].source, squall_types::EventSource::Sqs { queue: "shop-dev-Jobs".into() });
    assert_eq!((sources[0].batch_size, sources[0].batching_window_s), (20, 2));
    assert!(sources[0].report_batch_item_failures);
    assert_eq!(sources[1].source, squall_types::EventSource::Sqs { queue: "elsewhere".into() });
    assert_eq!(sources[1].batch_size, 10, "Lambda's default for queues");

    let bad = |from: &str, to: &str| errors(&yaml.replace(from, to)).join("\n");
    let e = bad("maximumBatchingWindow: 2", "enabled: true");
    assert!(e.contains("needs a maximumBatchingWindow"), "{e}");
    let e = bad("arn: !GetAtt Jobs.Arn", "arn: !Ref Jobs");
    assert!(e.contains("is not an SQS queue ARN"), "{e}");
    let e = bad("VisibilityTimeout: 5", "FifoQueue: true");
    assert!(e.contains("FifoQueue: is not supported yet"), "{e}");
    let e = bad("DLQ_ARN: !GetAtt Dlq.Arn", "DLQ_ARN: !GetAtt Dlq.Colour");
    assert!(e.contains("attribute Colour of Dlq is not supported (Arn, QueueName, QueueUrl are)"), "{e}");
}

#[test]
fn sns_topics_are_read_and_referenced() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
  environment:
    ORDERS_TOPIC: !Ref Orders
functions:
  f:
    handler: h.main
    environment:
      ORDERS_ARN:
        Fn::GetAtt: [Orders, TopicArn]
      ORDERS_NAME: !GetAtt Orders.TopicName
      ALERTS: !Ref Alerts
resources:
  Resources:
    Orders:
      Type: AWS::SNS::Topic
      DeletionPolicy: Retain
      Properties:
        DisplayName: Orders
        TracingConfig: Active
        SignatureVersion: 2
        # (KmsMasterKeyId is refused: encryption_squall_would_not_apply_is_refused)
        DeliveryPolicy:
          http:
            defaultHealthyRetryPolicy:
              numRetries: 5
        Tags:
          - Key: team
            Value: shop
        Subscription:
          - Protocol: sqs
            Endpoint: !GetAtt Jobs.Arn
          - Protocol: lambda
            Endpoint:
              Fn::GetAtt: [FLambdaFunction, Arn]
          - Protocol: http
            Endpoint: http://127.0.0.1:9000/hook
    Alerts:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: shop-alerts
    Jobs:
      Type: AWS::SQS::Queue
";
    let m = parse("serverless.yml", yaml).unwrap();
    let orders_arn = "arn:aws:sns:eu-west-1:000000000000:shop-dev-Orders";
    let env = &m.functions[0].config.environment;
    assert_eq!(env["ORDERS_TOPIC"], orders_arn);
    assert_eq!(env["ORDERS_ARN"], orders_arn);
    assert_eq!(env["ORDERS_NAME"], "shop-dev-Orders");
    assert_eq!(env["ALERTS"], "arn:aws:sns:eu-west-1:000000000000:shop-alerts");
    let names: Vec<(&str, &str)> = m.topics.iter().map(|t| (t.logical_id.as_str(), t.name.as_str())).collect();
    assert_eq!(names, [("Orders", "shop-dev-Orders"), ("Alerts", "shop-alerts")]);
    let orders = &m.topics[0];
    assert_eq!(orders.attributes["DisplayName"], "Orders");
    assert_eq!(orders.attributes["TracingConfig"], "Active");
    assert_eq!(orders.attributes["SignatureVersion"], "2");
    let policy: serde_json::Value = serde_json::from_str(&orders.attributes["DeliveryPolicy"]).unwrap();
    assert_eq!(policy["http"]["defaultHealthyRetryPolicy"]["numRetries"], 5);
    assert_eq!(orders.tags["team"], "shop");

    let subs: Vec<(&str, &str, &str)> =
        m.subscriptions.iter().map(|s| (s.topic_arn.as_str(), s.protocol.as_str(), s.endpoint.as_str())).collect();
    assert_eq!(
        subs,
        [
            (orders_arn, "sqs", "arn:aws:sqs:eu-west-1:000000000000:shop-dev-Jobs"),
            (orders_arn, "lambda", "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-f"),
            (orders_arn, "http", "http://127.0.0.1:9000/hook"),
        ]
    );
    assert_eq!(m.subscriptions[0].origin, "resources.Resources.Orders.Properties.Subscription[0]");
    assert!(m.subscriptions.iter().all(|s| s.attributes.is_empty()));

    let bad = |from: &str, to: &str| errors(&yaml.replace(from, to)).join("\n");
    let e = bad("TracingConfig: Active", "Colour: blue");
    assert!(e.contains("serverless.yml:23: resources.Resources.Orders.Properties.Colour: unknown property"), "{e}");
    let e = bad("TracingConfig: Active", "FifoTopic: true");
    assert!(
        e.contains("serverless.yml:23: resources.Resources.Orders.Properties.FifoTopic: is not supported yet"),
        "{e}"
    );
    let e = bad("TracingConfig: Active", "TracingConfig: Sometimes");
    assert!(e.contains("Properties.TracingConfig: must be PassThrough or Active"), "{e}");
    let e = bad("Endpoint: !GetAtt Jobs.Arn", "Endpoint: !Ref Jobs");
    assert!(
        e.contains("serverless.yml:35: resources.Resources.Orders.Properties.Subscription[0].Endpoint: http://127.0.0.1:4566/000000000000/shop-dev-Jobs is not an SQS queue ARN"),
        "{e}"
    );
    let e = bad("Protocol: http", "Protocol: email");
    assert!(e.contains("Subscription[2].Protocol: email subscriptions are not supported yet"), "{e}");
    let e = bad("TopicName: shop-alerts", "TopicName: shop-alerts.fifo");
    assert!(e.contains("Alerts.Properties.TopicName: FIFO topics are not supported yet"), "{e}");
    let e = bad("ALERTS: !Ref Alerts", "ALERTS: !GetAtt Alerts.Arn");
    assert!(e.contains("attribute Arn of Alerts is not supported (TopicArn, TopicName are)"), "{e}");
}

#[test]
fn sns_subscription_resources_are_read() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  send-mail:
    handler: h.main
resources:
  Resources:
    Orders:
      Type: AWS::SNS::Topic
    ToQueue:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn: !Ref Orders
        Protocol: sqs
        Endpoint: !GetAtt Jobs.Arn
        RawMessageDelivery: true
        FilterPolicyScope: MessageBody
        FilterPolicy:
          kind: [order]
          total: [{numeric: ['>', 100]}]
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt Dead.Arn
    ToFunction:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn: arn:aws:sns:us-east-1:000000000000:elsewhere
        Protocol: lambda
        Endpoint: !GetAtt SendDashmailLambdaFunction.Arn
        FilterPolicy: '{\"kind\": [\"refund\"]}'
        DeliveryPolicy:
          healthyRetryPolicy: {numRetries: 3}
    Jobs:
      Type: AWS::SQS::Queue
    Dead:
      Type: AWS::SQS::Queue
";
    let m = parse("serverless.yml", yaml).unwrap();
    assert_eq!(m.subscriptions.len(), 2, "{:?}", m.subscriptions);
    let q = &m.subscriptions[0];
    assert_eq!(q.origin, "resources.Resources.ToQueue");
    assert_eq!(q.topic_arn, "arn:aws:sns:us-east-1:000000000000:shop-dev-Orders");
    assert_eq!((q.protocol.as_str(), q.endpoint.as_str()), ("sqs", "arn:aws:sqs:us-east-1:000000000000:shop-dev-Jobs"));
    assert_eq!(q.attributes["RawMessageDelivery"], "true");
    assert_eq!(q.attributes["FilterPolicyScope"], "MessageBody");
    let filter: serde_json::Value = serde_json::from_str(&q.attributes["FilterPolicy"]).unwrap();
    assert_eq!(filter, serde_json::json!({ "kind": ["order"], "total": [{ "numeric": [">", 100] }] }));
    let redrive: serde_json::Value = serde_json::from_str(&q.attributes["RedrivePolicy"]).unwrap();
    assert_eq!(
        redrive,
        serde_json::json!({ "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:shop-dev-Dead" })
    );
    let f = &m.subscriptions[1];
    assert_eq!(f.endpoint, "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-send-mail");
    assert_eq!(f.attributes["FilterPolicy"], r#"{"kind":["refund"]}"#);
    assert!(f.attributes["DeliveryPolicy"].contains("numRetries"));

    let bad = |from: &str, to: &str| errors(&yaml.replace(from, to)).join("\n");
    let e = bad("        Protocol: sqs\n", "");
    assert!(e.contains("serverless.yml:14: resources.Resources.ToQueue.Properties: needs Protocol"), "{e}");
    let e =
        bad("TopicArn: arn:aws:sns:us-east-1:000000000000:elsewhere", "TopicArn: arn:aws:sqs:us-east-1:000000000000:q");
    assert!(
        e.contains("ToFunction.Properties.TopicArn: arn:aws:sqs:us-east-1:000000000000:q is not an SNS topic ARN"),
        "{e}"
    );
    let e = bad("RawMessageDelivery: true", "ReplayPolicy: {}");
    assert!(
        e.contains("serverless.yml:18: resources.Resources.ToQueue.Properties.ReplayPolicy: is not supported yet"),
        "{e}"
    );
    let e = bad("FilterPolicyScope: MessageBody", "FilterPolicyScope: Everything");
    assert!(e.contains("FilterPolicyScope: must be MessageAttributes or MessageBody"), "{e}");
    let e = bad("FilterPolicy: '{", "RawMessageDelivery: 'true'\n        FilterPolicy: '{");
    assert!(e.contains("ToFunction.Properties.RawMessageDelivery: lambda subscriptions do not support raw"), "{e}");
    let e = bad("Endpoint: !GetAtt SendDashmailLambdaFunction.Arn", "Endpoint: !GetAtt SendMailLambdaFunction.Arn");
    assert!(e.contains("refers to SendMailLambdaFunction, which is not a resource of this service"), "{e}");
}

#[test]
fn sns_events_subscribe_the_function() {
    let yaml = "\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    name: shop-worker
    handler: h.main
    events:
      - sns: orders
      - sns: arn:aws:sns:us-east-1:000000000000:external
      - sns:
          arn: !Ref Declared
          topicName: shop-dev-Declared
          filterPolicy:
            kind: [order]
          filterPolicyScope: MessageAttributes
          redrivePolicy:
            deadLetterTargetRef: Dead
      - sns:
          topicName: alerts
          displayName: Alerts
          redrivePolicy:
            deadLetterTargetArn: !GetAtt Dead.Arn
      - sns:
          arn:
            Fn::GetAtt: [Other, TopicArn]
  g:
    handler: g.main
    events:
      - sns: orders
      - sns:
          topicName: shop-dev-Declared
resources:
  Resources:
    Declared:
      Type: AWS::SNS::Topic
    Other:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: other
    Dead:
      Type: AWS::SQS::Queue
";
    let m = parse("serverless.yml", yaml).unwrap();
    assert!(m.functions.iter().all(|f| f.config.event_sources.is_empty()), "sns events are not mappings");
    let topics: Vec<(&str, &str)> = m.topics.iter().map(|t| (t.logical_id.as_str(), t.name.as_str())).collect();
    assert_eq!(topics, [("Declared", "shop-dev-Declared"), ("Other", "other"), ("", "orders"), ("", "alerts")]);
    assert_eq!(m.topics[3].attributes["DisplayName"], "Alerts");
    assert!(m.topics[2].attributes.is_empty());

    let worker = "arn:aws:lambda:us-east-1:000000000000:function:shop-worker";
    let g = "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-g";
    let arn = |t: &str| format!("arn:aws:sns:us-east-1:000000000000:{t}");
    let subs: Vec<(String, &str, &str)> =
        m.subscriptions.iter().map(|s| (s.topic_arn.clone(), s.protocol.as_str(), s.endpoint.as_str())).collect();
    assert_eq!(
        subs,
        [
            (arn("orders"), "lambda", worker),
            (arn("external"), "lambda", worker),
            (arn("shop-dev-Declared"), "lambda", worker),
            (arn("alerts"), "lambda", worker),
            (arn("other"), "lambda", worker),
            (arn("orders"), "lambda", g),
            (arn("shop-dev-Declared"), "lambda", g),
        ]
    );
    assert_eq!(m.subscriptions[0].origin, "functions.f.events[0].sns");
    let declared = &m.subscriptions[2].attributes;
    assert_eq!(declared["FilterPolicy"], r#"{"kind":["order"]}"#);
    assert_eq!(declared["FilterPolicyScope"], "MessageAttributes");
    let dead = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:shop-dev-Dead"}"#;
    assert_eq!(declared["RedrivePolicy"], dead);
    assert_eq!(m.subscriptions[3].attributes["RedrivePolicy"], dead);
    assert!(m.subscriptions[0].attributes.is_empty());

    let bad = |from: &str, to: &str| errors(&yaml.replace(from, to)).join("\n");
    let e = bad("          topicName: alerts\n", "");
    assert!(e.contains("serverless.yml:20: functions.f.events[3].sns: needs an arn or a topicName"), "{e}");
    let e = bad("      - sns: arn:aws:sns:", "      - sns: arn:aws:sqs:");
    assert!(
        e.contains(
            "serverless.yml:11: functions.f.events[1].sns: arn:aws:sqs:us-east-1:000000000000:external is not an SNS topic ARN"
        ),
        "{e}"
    );
    let e = bad("arn: !Ref Declared", "arn: !GetAtt Declared.TopicName");
    assert!(e.contains("functions.f.events[2].sns.arn: shop-dev-Declared is not an SNS topic ARN"), "{e}");
    let e = bad("topicName: shop-dev-Declared\n          filterPolicy", "topicName: nope\n          filterPolicy");
    assert!(e.contains("serverless.yml:14: functions.f.events[2].sns.topicName: nope is not the name"), "{e}");
    let e = bad("deadLetterTargetRef: Dead", "deadLetterTargetRef: Declared");
    assert!(e.contains("redrivePolicy.deadLetterTargetRef: Declared is not an AWS::SQS::Queue of this service"), "{e}");
    let e = bad("filterPolicyScope: MessageAttributes", "batchSize: 3");
    assert!(e.contains("functions.f.events[2].sns.batchSize: sns setting batchSize is not supported yet"), "{e}");
    let e = bad("      - sns: orders\n      - sns:\n", "      - sns: orders\n      - sns: orders\n      - sns:\n");
    assert!(e.contains("functions.g.events[1].sns: subscribes"), "{e}");
    assert!(e.contains("again (functions.g.events[0].sns does already)"), "{e}");
    let e = bad("topicName: alerts", "topicName: alerts.fifo");
    assert!(e.contains("sns.topicName: FIFO topics are not supported yet"), "{e}");
}

#[test]
fn sns_event_display_names_apply_to_created_topics() {
    let yaml = "\
service: shop
provider: {name: aws, runtime: python3.12}
functions:
  f:
    handler: h.main
    events:
      - sns: {topicName: news, displayName: News}
      - sns: {arn: !Ref Declared, displayName: Ignored}
  g:
    handler: g.main
    events:
      - sns: {topicName: news, displayName: Other}
resources:
  Resources:
    Declared:
      Type: AWS::SNS::Topic
";
    let e = errors(yaml).join("\n");
    assert!(
        e.contains("functions.g.events[0].sns.displayName: \"Other\" differs from the displayName \"News\""),
        "{e}"
    );
    let m = parse("serverless.yml", &yaml.replace("displayName: Other", "displayName: News")).unwrap();
    assert_eq!(m.topics[1].attributes["DisplayName"], "News");
    assert!(m.warnings.iter().any(|w| w.contains("displayName: has no effect with an arn")), "{:?}", m.warnings);
}

#[test]
fn asynchronous_settings_and_destinations_are_read() {
    let yaml = "\
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  work:
    handler: h.work
    maximumRetryAttempts: 1
    maximumEventAge: 3600
    onError: !Ref Alarms
    destinations:
      onSuccess: audit
      onFailure:
        type: sqs
        arn: !GetAtt Failed.Arn
  audit:
    name: audit-log
    handler: h.audit
    destinations:
      onFailure: arn:aws:sns:us-east-1:000000000000:ops
resources:
  Resources:
    Failed:
      Type: AWS::SQS::Queue
    Alarms:
      Type: AWS::SNS::Topic
";
    let m = parse("serverless.yml", yaml).unwrap();
    let work = &m.functions[0].config.async_invoke;
    assert_eq!(work.maximum_retry_attempts, Some(1));
    assert_eq!(work.maximum_event_age_s, Some(3600));
    assert_eq!(work.dead_letter.as_deref(), Some("arn:aws:sns:us-east-1:000000000000:jobs-dev-Alarms"));
    assert_eq!(work.on_success.as_deref(), Some("arn:aws:lambda:us-east-1:000000000000:function:audit-log"));
    assert_eq!(work.on_failure.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:jobs-dev-Failed"));
    let audit = &m.functions[1].config.async_invoke;
    assert_eq!(audit.on_failure.as_deref(), Some("arn:aws:sns:us-east-1:000000000000:ops"));

    let bad = yaml
        .replace("maximumRetryAttempts: 1", "maximumRetryAttempts: 3")
        .replace("onSuccess: audit", "onSuccess: nobody")
        .replace("arn: !GetAtt Failed.Arn", "arn: !Ref Failed")
        .replace(
            "onFailure: arn:aws:sns:us-east-1:000000000000:ops",
            "onFailure: arn:aws:events:us-east-1:000000000000:rule/b",
        );
    let errs = errors(&bad).join("\n");
    assert!(errs.contains("functions.work: maximumRetryAttempts 3 is outside 0..=2"), "{errs}");
    assert!(errs.contains("functions.work.destinations.onSuccess: nobody is neither an ARN nor a function"), "{errs}");
    assert!(errs.contains("functions.work.destinations.onFailure.arn: resolves to"), "{errs}");
    assert!(errs.contains("arn:aws:events:us-east-1:000000000000:rule/b is not the ARN of an event bus"), "{errs}");
}

#[test]
fn provider_keys_about_deploying_to_aws_are_warned_about() {
    let yaml = "service: a
provider:
  name: aws
  runtime: wasm
  profile: prod-admin
  stackName: a-prod
  deploymentBucket: {name: my-artifacts}
  lambdaHashingVersion: 20201221
";
    let m = parse("serverless.yml", yaml).unwrap();
    for key in ["profile", "stackName", "deploymentBucket", "lambdaHashingVersion"] {
        assert!(
            m.warnings.iter().any(|w| w.contains(&format!("provider.{key}: is about deploying to AWS"))),
            "{key}: {:?}",
            m.warnings
        );
    }
}

#[test]
fn settings_without_meaning_on_one_machine_are_warned_about_by_name() {
    let yaml = "\
service: a
provider:
  name: aws
  runtime: python3.12
  tags: {team: x}
  tracing: {lambda: true}
  logs: {restApi: true}
  vpc: {securityGroupIds: [sg-1], subnetIds: [subnet-1]}
functions:
  f:
    handler: h.f
    tags: {a: b}
    architecture: arm64
    ephemeralStorageSize: 1024
";
    let m = parse("serverless.yml", yaml).unwrap();
    for key in ["provider.tracing", "provider.logs", "provider.vpc", "functions.f.architecture"] {
        assert!(m.warnings.iter().any(|w| w.contains(key)), "{key}: {:?}", m.warnings);
    }
    assert_eq!(m.functions[0].config.ephemeral_storage_mb, Some(1024), "ephemeralStorageSize sizes /tmp");
    let refused = errors(
        "service: a\nprovider:\n  name: aws\n  runtime: python3.12\n  kmsKeyArn: arn:aws:kms:us-east-1:1:key/x\n",
    );
    assert!(
        refused[0].contains("provider.kmsKeyArn: encrypting environment variables with a KMS key is not supported"),
        "{refused:?}"
    );
}

#[test]
fn tags_merge_and_functions_are_versioned_unless_told_not_to() {
    let yaml = "\
service: a
provider:
  name: aws
  runtime: python3.12
  tags: {team: shop, tier: web}
functions:
  f:
    handler: h.f
    tags: {tier: api}
  g:
    handler: h.g
    versionFunction: false
";
    let m = parse("serverless.yml", yaml).unwrap();
    let f = m.functions.iter().find(|f| f.key == "f").unwrap();
    let g = m.functions.iter().find(|f| f.key == "g").unwrap();
    assert_eq!(f.config.tags.get("team").map(String::as_str), Some("shop"));
    assert_eq!(f.config.tags.get("tier").map(String::as_str), Some("api"), "the function's own tag wins");
    assert_eq!(g.config.tags.get("tier").map(String::as_str), Some("web"));
    assert!(f.publish && !g.publish, "versionFunctions defaults to true; versionFunction: false turns it off");
    let off = parse(
        "serverless.yml",
        "service: a\nprovider:\n  name: aws\n  runtime: python3.12\n  versionFunctions: false\nfunctions:\n  f:\n    handler: h.f\n",
    )
    .unwrap();
    assert!(!off.functions[0].publish);
    let bad = errors("service: a\nprovider:\n  name: aws\n  runtime: python3.12\n  versionFunctions: maybe\n");
    assert!(bad[0].contains("provider.versionFunctions: must be true or false"), "{bad:?}");
}

#[test]
fn function_urls_are_open_with_a_permission_or_iam_and_streaming_is_refused() {
    let yaml = "\
service: a
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: h.f
    url:
      cors:
        allowedOrigins: [https://app.example]
  plain:
    handler: h.g
    url: true
  none:
    handler: h.h
";
    let m = parse("serverless.yml", yaml).unwrap();
    let by_key = |k: &str| m.functions.iter().find(|f| f.key == k).unwrap();
    let cors = by_key("api").url.as_ref().and_then(|u| u.cors.as_ref()).unwrap();
    assert_eq!(cors.allowed_origins, ["https://app.example"]);
    assert_eq!(by_key("plain").url, Some(squall_types::DeclaredUrl { cors: None, iam: false, streaming: false }));
    assert!(by_key("none").url.is_none());
    let permission = m.resource_policies.iter().find(|p| p.logical_id == "ApiLambdaPermissionFnUrl").unwrap();
    assert!(permission.document.contains("lambda:InvokeFunctionUrl") && permission.document.contains("\"NONE\""));
    assert_eq!(m.resource_policies.iter().filter(|p| p.logical_id.ends_with("FnUrl")).count(), 2);
    let iam = parse(
        "serverless.yml",
        "service: a\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: h.f\n    url:\n      authorizer: aws_iam\n",
    )
    .unwrap();
    assert!(iam.functions[0].url.as_ref().is_some_and(|u| u.iam));
    assert!(iam.resource_policies.is_empty(), "an IAM URL is not opened to everyone");
    let stream = parse(
        "serverless.yml",
        "service: a\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: h.f\n    url:\n      invokeMode: RESPONSE_STREAM\n",
    )
    .unwrap();
    assert!(stream.functions[0].url.as_ref().is_some_and(|u| u.streaming), "invokeMode: RESPONSE_STREAM");
}

#[test]
fn layers_are_defined_and_referenced_by_ref_or_arn() {
    let yaml = "\
service: a
provider:
  name: aws
  runtime: python3.12
  layers:
    - {Ref: CommonLambdaLayer}
layers:
  common:
    path: layers/common
    description: shared
    compatibleRuntimes: [python3.12]
    allowedAccounts: [123456789012, '*']
    package:
      patterns: ['!**/*.pyc']
  my-tools:
    name: tools
    package:
      artifact: tools.zip
    retain: true
functions:
  f:
    handler: h.f
  g:
    handler: h.g
    layers:
      - {Ref: MyDashtoolsLambdaLayer}
      - arn:aws:lambda:us-east-1:000000000000:layer:x:3
";
    let m = parse("serverless.yml", yaml).unwrap();
    let [common, tools] = m.layers.as_slice() else { panic!("{:?}", m.layers) };
    assert_eq!((common.name.as_str(), common.logical_id.as_str()), ("common", "CommonLambdaLayer"));
    assert_eq!(common.path.as_deref(), Some("layers/common"));
    assert_eq!(common.allowed_accounts, ["123456789012", "*"]);
    assert_eq!(common.package.patterns, ["!**/*.pyc"]);
    assert_eq!(common.output_name(), "CommonLambdaLayerQualifiedArn");
    assert_eq!(
        (tools.name.as_str(), tools.logical_id.as_str(), tools.retain),
        ("tools", "MyDashtoolsLambdaLayer", true)
    );
    let f = m.functions.iter().find(|f| f.key == "f").unwrap();
    let g = m.functions.iter().find(|f| f.key == "g").unwrap();
    assert_eq!(f.layers, [crate::LayerRef::Service("common".into())], "provider.layers are every function's");
    assert_eq!(
        g.layers,
        [
            crate::LayerRef::Service("my-tools".into()),
            crate::LayerRef::Arn("arn:aws:lambda:us-east-1:000000000000:layer:x:3".into())
        ],
        "a function's own layers replace the provider's"
    );

    let bad = errors(
        "service: a\nprovider:\n  name: aws\n  runtime: python3.12\nlayers:\n  common:\n    description: x\n    bogus: 1\nfunctions:\n  f:\n    handler: h.f\n    layers:\n      - {Ref: OtherLambdaLayer}\n      - arn:aws:lambda:us-east-1:000000000000:layer:x\n",
    );
    let joined = bad.join("\n");
    for want in [
        "layers.common.bogus: layer setting bogus is not supported",
        "layers.common: a layer needs path (a directory to zip) or package.artifact (a zip)",
        "functions.f.layers[0]: Ref OtherLambdaLayer names no layer of this service (its layers: CommonLambdaLayer)",
        "functions.f.layers[1]: \"arn:aws:lambda:us-east-1:000000000000:layer:x\" is not a layer version's ARN",
    ] {
        assert!(joined.contains(want), "missing {want:?} in\n{joined}");
    }
}

#[test]
fn provider_logs_lambda_is_every_functions_logging_config() {
    let yaml = "\
service: logs
provider:
  name: aws
  runtime: python3.12
  logs:
    httpApi: true
    lambda:
      logFormat: JSON
      applicationLogLevel: DEBUG
      systemLogLevel: WARN
functions:
  one:
    handler: app.handler
";
    let m = parse("serverless.yml", yaml).unwrap();
    let logging = &m.functions[0].config.logging;
    assert!(logging.json);
    assert_eq!(logging.application, Some(squall_types::LogLevel::Debug));
    assert_eq!(logging.system, Some(squall_types::LogLevel::Warn));
    assert!(m.warnings.iter().any(|w| w.contains("provider.logs.httpApi")), "{:?}", m.warnings);

    let bad =
        |lambda: &str| {
            errors(&yaml.replace(
                "      logFormat: JSON\n      applicationLogLevel: DEBUG\n      systemLogLevel: WARN\n",
                lambda,
            ))
        };
    assert!(bad("      logFormat: Text\n      applicationLogLevel: INFO\n")[0].contains("LogFormat JSON"));
    assert!(bad("      logFormat: JSON\n      systemLogLevel: ERROR\n")[0].contains("systemLogLevel"));
    assert!(bad("      logGroup: /custom\n")[0].contains("log group"));
}
