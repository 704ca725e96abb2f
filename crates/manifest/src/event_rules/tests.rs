//! `AWS::Events::Rule` and `AWS::Events::EventBus` resources as templates write them.

use crate::parse;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

const SHOP: &str = "\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  fulfil:
    handler: h.fulfil
resources:
  Resources:
    OrdersBus:
      Type: AWS::Events::EventBus
      Properties:
        Name: shop-orders
    Orders:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: shop-orders
    Failed:
      Type: AWS::SQS::Queue
    BigOrders:
      Type: AWS::Events::Rule
      Properties:
        EventBusName: !Ref OrdersBus
        Description: orders over 100
        EventPattern:
          source: [shop.checkout]
          detail:
            total: [{numeric: ['>', 100]}]
        Targets:
          - Id: fulfil
            Arn: !GetAtt FulfilLambdaFunction.Arn
            InputPath: $.detail
          - Id: queue
            Arn: !GetAtt Orders.Arn
            DeadLetterConfig:
              Arn: !GetAtt Failed.Arn
            RetryPolicy:
              MaximumRetryAttempts: 2
    Nightly:
      Type: AWS::Events::Rule
      Properties:
        Name: shop-nightly
        ScheduleExpression: cron(0 3 * * ? *)
        State: DISABLED
        Targets:
          - Id: fulfil
            Arn: !GetAtt FulfilLambdaFunction.Arn
            Input: '{\"sweep\": true}'
    FulfilFromRules:
      Type: AWS::Lambda::Permission
      Properties:
        Action: lambda:InvokeFunction
        FunctionName: !Ref FulfilLambdaFunction
        Principal: events.amazonaws.com
        SourceArn: !GetAtt BigOrders.Arn
  Outputs:
    RuleRef:
      Value: !Ref BigOrders
";

#[test]
fn rules_and_buses_become_the_services_own() {
    let m = parse("serverless.yml", SHOP).unwrap();
    assert_eq!(m.event_buses, ["shop-orders"]);
    assert_eq!(m.rules.len(), 2);
    let big = &m.rules[0];
    assert_eq!(big.name, "shop-dev-BigOrders");
    assert_eq!(big.bus.as_deref(), Some("shop-orders"));
    assert!(big.owned);
    assert_eq!(big.targets.len(), 2);
    assert_eq!(big.targets[0].arn, "arn:aws:lambda:us-east-1:000000000000:function:shop-dev-fulfil");
    assert_eq!(big.targets[0].input_path.as_deref(), Some("$.detail"));
    assert_eq!(big.targets[1].arn, "arn:aws:sqs:us-east-1:000000000000:shop-orders");
    assert_eq!(big.targets[1].dead_letter_arn.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:shop-dev-Failed"));
    assert_eq!(big.targets[1].retry, Some((2, 86_400)));
    let nightly = &m.rules[1];
    assert_eq!((nightly.name.as_str(), nightly.enabled), ("shop-nightly", false));
    assert_eq!(nightly.targets[0].input.as_deref(), Some(r#"{"sweep": true}"#));
    // No permission is made for a resource's rule: the template's own grants it.
    assert!(!m.resource_policies.iter().any(|p| p.logical_id.ends_with("LambdaPermission")));
    let permission = m.resource_policies.iter().find(|p| p.logical_id == "FulfilFromRules").unwrap();
    assert!(permission.document.contains("rule/shop-orders/shop-dev-BigOrders"), "{}", permission.document);
    assert_eq!(m.outputs[0].value, "shop-orders|shop-dev-BigOrders");
}

#[test]
fn refusals_name_the_key() {
    let bad = |from: &str, to: &str| {
        assert!(SHOP.contains(from), "{from}");
        errors(&SHOP.replace(from, to))
    };
    let e = bad(
        "        State: DISABLED\n",
        "        State: DISABLED\n        RoleArn: arn:aws:iam::000000000000:role/r\n",
    );
    assert!(e.contains("Nightly.Properties.RoleArn: is not supported"), "{e}");
    let e = bad("            InputPath: $.detail\n", "            HttpParameters: {}\n");
    assert!(e.contains("HttpParameters: is not supported"), "{e}");
    let e = bad("        State: DISABLED\n", "        State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS\n");
    assert!(e.contains("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is not supported"), "{e}");
    let e = bad("            total: [{numeric: ['>', 100]}]\n", "            total: [{numeric: ['>']}]\n");
    assert!(e.contains("is not an event pattern EventBridge accepts"), "{e}");
    let e = bad("        ScheduleExpression: cron(0 3 * * ? *)\n", "");
    assert!(e.contains("needs an EventPattern or a ScheduleExpression"), "{e}");
    let e = bad("        Name: shop-orders\n    Orders:", "        Name: default\n    Orders:");
    assert!(e.contains("default is not a valid event bus name"), "{e}");
}

#[test]
fn a_state_machine_target_is_started_as_its_role_and_no_other_target_takes_one() {
    let machine = r"    Flow:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        RoleArn: arn:aws:iam::000000000000:role/runs-flow
        Definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
    Starter:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Statement:
            - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: 'sts:AssumeRole'}
    Nightly:";
    let with = |target: &str| {
        SHOP.replace("    Nightly:", machine).replace(
            "          - Id: fulfil\n            Arn: !GetAtt FulfilLambdaFunction.Arn\n            Input:",
            &format!("{target}            Input:"),
        )
    };
    let flow = "arn:aws:states:us-east-1:000000000000:stateMachine:shop-dev-Flow";
    for arn in ["!Ref Flow", "!GetAtt Flow.Arn", flow] {
        let yaml =
            with(&format!("          - Id: flow\n            Arn: {arn}\n            RoleArn: !GetAtt Starter.Arn\n"));
        let m = parse("serverless.yml", &yaml).unwrap_or_else(|e| panic!("{e}"));
        let nightly = m.rules.iter().find(|r| r.name == "shop-nightly").unwrap();
        assert_eq!(nightly.targets[0].arn, flow);
        assert_eq!(nightly.targets[0].role_arn.as_deref(), Some("arn:aws:iam::000000000000:role/shop-dev-Starter"));
    }
    let e = errors(&with("          - Id: flow\n            Arn: !Ref Flow\n"));
    assert!(
        e.contains("resources.Resources.Nightly.Properties.Targets[0]: a state machine target needs a RoleArn"),
        "{e}"
    );
    let e = errors(&with("          - Id: flow\n            Arn: !Ref Flow\n            RoleArn: runs-flow\n"));
    assert!(e.contains("Nightly.Properties.Targets[0].RoleArn: runs-flow is not an IAM role ARN"), "{e}");
    // Other targets are decided by their own policy.
    let e = errors(&with(
        "          - Id: fulfil\n            Arn: !GetAtt FulfilLambdaFunction.Arn\n            RoleArn: !GetAtt Starter.Arn\n",
    ));
    assert!(
        e.contains("serverless.yml:59: resources.Resources.Nightly.Properties.Targets[0].RoleArn: is only for state machine targets"),
        "{e}"
    );
}
