//! `eventBridge` events as the framework's documentation writes them, and their refusals.

use crate::parse;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

const ORDERS: &str = "\
service: orders
provider:
  name: aws
  runtime: nodejs20.x
functions:
  ship:
    handler: h.ship
    events:
      - httpApi: POST /ship
      - eventBridge:
          pattern:
            source:
              - orders.checkout
            detail-type:
              - OrderPlaced
            detail:
              total:
                - numeric: ['>', 100]
          inputPath: $.detail
      - eventBridge:
          eventBus: orders-bus
          name: audit-everything
          pattern:
            source:
              - prefix: orders.
          deadLetterQueueArn: arn:aws:sqs:us-east-1:000000000000:orders-dlq
          retryPolicy:
            maximumRetryAttempts: 3
      - eventBridge:
          schedule: rate(10 minutes)
          enabled: false
          input:
            sweep: true
  external:
    handler: h.external
    events:
      - eventBridge:
          eventBus: arn:aws:events:us-east-1:000000000000:event-bus/shared
          pattern:
            source: [billing]
";

#[test]
fn each_event_is_a_rule_named_as_the_framework_names_it() {
    let m = parse("serverless.yml", ORDERS).unwrap();
    let rules: Vec<(&str, Option<&str>, bool)> =
        m.rules.iter().map(|r| (r.name.as_str(), r.bus.as_deref(), r.enabled)).collect();
    assert_eq!(
        rules,
        [
            ("orders-dev-ship-rule-2", None, true),
            ("audit-everything", Some("orders-bus"), true),
            ("orders-dev-ship-rule-4", None, false),
            ("orders-dev-external-rule-1", Some("shared"), true),
        ]
    );
    assert_eq!(m.rules[0].targets[0].id, "orders-dev-ship-rule-2-target");
    assert_eq!(m.rules[0].targets[0].input_path.as_deref(), Some("$.detail"));
    assert!(m.rules[0].pattern.as_deref().is_some_and(|p| p.contains(r#""numeric":[">",100]"#)), "{:?}", m.rules[0]);
    assert_eq!(m.rules[1].targets[0].dead_letter_arn.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:orders-dlq"));
    assert_eq!(m.rules[1].targets[0].retry, Some((3, 86_400)));
    assert_eq!(m.rules[2].schedule.as_deref(), Some("rate(10 minutes)"));
    assert_eq!(m.rules[2].targets[0].input.as_deref(), Some(r#"{"sweep":true}"#));
    // A bus named by name is the service's; one named by ARN exists already.
    assert_eq!(m.event_buses, ["orders-bus"]);
    // Each rule may invoke its function, its bus in the source ARN.
    let permission =
        m.resource_policies.iter().find(|p| p.logical_id == "ShipEventBridgeRule3LambdaPermission").unwrap();
    assert!(permission.document.contains("rule/orders-bus/audit-everything"), "{}", permission.document);
}

#[test]
fn long_names_are_hashed_as_the_framework_hashes_them() {
    let yaml = ORDERS.replace("service: orders", "service: a-service-with-a-rather-long-name-indeed-and-more");
    let m = parse("serverless.yml", &yaml).unwrap();
    let name = &m.rules[0].name;
    assert_eq!(name.len(), 31 - "rule-2".len() + 32 + 1 + "rule-2".len(), "{name}");
    assert!(name.ends_with("-rule-2"), "{name}");
    assert!(m.rules.iter().all(|r| r.targets[0].id.len() <= 64), "{:?}", m.rules);
}

#[test]
fn refusals_name_the_key() {
    let bad = |from: &str, to: &str| errors(&ORDERS.replace(from, to));
    let e = bad("          inputPath: $.detail\n", "          inputPath: $.detail\n          input: {a: 1}\n");
    assert!(e.contains("input, inputPath and inputTransformer are exclusive"), "{e}");
    let e = bad("              - OrderPlaced\n", "              - numeric: ['>']\n");
    assert!(e.contains("is not an event pattern EventBridge accepts"), "{e}");
    let e = bad(
        "          schedule: rate(10 minutes)\n",
        "          schedule: rate(10 minutes)\n          eventBus: other\n",
    );
    assert!(e.contains("a schedule is only for the default bus"), "{e}");
    let e = bad(
        "          enabled: false\n",
        "          enabled: false\n          retryPolicy:\n            maximumRetryAttempts: 300\n",
    );
    assert!(e.contains("retryPolicy.maximumRetryAttempts: must be a whole number from 0 to 185"), "{e}");
    let e = bad(
        "          deadLetterQueueArn: arn:aws:sqs:us-east-1:000000000000:orders-dlq\n",
        "          deadLetterQueueArn: arn:aws:sns:us-east-1:000000000000:t\n",
    );
    assert!(e.contains("is not an SQS queue ARN"), "{e}");
    let e = bad("          name: audit-everything\n", "          name: audit everything\n");
    assert!(e.contains("a rule name is 1 to 64"), "{e}");
    let e = bad("          enabled: false\n", "          batchSize: 3\n");
    assert!(e.contains("eventBridge setting batchSize is not supported"), "{e}");
    let e = bad("          inputPath: $.detail\n", "");
    assert!(e.is_empty(), "{e}");
    let e = bad(
        "          schedule: rate(10 minutes)\n          enabled: false\n          input:\n            sweep: true\n",
        "          enabled: false\n",
    );
    assert!(e.contains("needs a pattern or a schedule"), "{e}");
}
