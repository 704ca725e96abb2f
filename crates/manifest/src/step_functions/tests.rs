//! State machines as the serverless-step-functions plugin's documentation and
//! CloudFormation templates write them, and their refusals.

use super::execution_policy;
use crate::{Manifest, parse};
use serde_json::json;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

fn manifest(yaml: &str) -> Manifest {
    match parse("serverless.yml", yaml) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function";

const SHOP: &str = "\
service: shop
plugins:
  - serverless-step-functions
provider:
  name: aws
  runtime: python3.12
  tags:
    team: orders
custom:
  region: us-east-1
functions:
  hello:
    handler: h.hello
    environment:
      MACHINE: !Ref Checkout
  send-mail:
    handler: h.mail
  wait:
    handler: h.wait
stepFunctions:
  validate: true
  stateMachines:
    checkout:
      id: Checkout
      type: EXPRESS
      tracingConfig:
        enabled: true
      dependsOn: [OrdersTable]
      tags:
        flow: checkout
      definition:
        Comment: the whole chain
        StartAt: Hello
        States:
          Hello:
            Type: Task
            Resource:
              Fn::GetAtt: [hello, Arn]
            Next: Mail
          Mail:
            Type: Task
            Resource: !GetAtt SendDashmailLambdaFunction.Arn
            Next: Invoke
          Invoke:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !Ref wait
              Payload.$: $
            Next: Pause
          Pause:
            Type: Wait
            Seconds: !Select [1, [5, 30]]
            Next: Pseudo
          Pseudo:
            Type: Task
            Resource: 'arn:aws:lambda:#{AWS::Region}:#{AWS::AccountId}:function:shop-dev-hello'
            Next: Variables
          Variables:
            Type: Task
            Resource: arn:aws:lambda:${self:custom.region}:000000000000:function:shop-dev-wait:live
            End: true
    plain:
      name: shop-plain
      inheritGlobalTags: false
      definition:
        StartAt: Done
        States:
          Done:
            Type: Pass
            Result: ${ literal }
            End: true
";

#[test]
fn definitions_name_functions_by_key_logical_id_reference_and_pseudo_parameter() {
    let m = manifest(SHOP);
    assert_eq!(m.state_machines.len(), 2);
    let c = &m.state_machines[0];
    assert_eq!(c.origin, "stepFunctions.stateMachines.checkout");
    assert_eq!(c.logical_id, "Checkout");
    assert_eq!(c.name, "shop-dev-checkout", "unnamed: <service>-<stage>-<key>");
    assert_eq!(c.arn, "arn:aws:states:us-east-1:000000000000:stateMachine:shop-dev-checkout");
    let states = &c.definition["States"];
    assert_eq!(states["Hello"]["Resource"], format!("{ARN}:shop-dev-hello"), "a function's key");
    assert_eq!(states["Mail"]["Resource"], format!("{ARN}:shop-dev-send-mail"), "its logical id");
    assert_eq!(states["Invoke"]["Parameters"]["FunctionName"], "shop-dev-wait", "Ref is the name");
    assert_eq!(states["Invoke"]["Parameters"]["Payload.$"], "$");
    assert_eq!(states["Pause"]["Seconds"], json!(30), "a Wait's Seconds from a reference is a number");
    assert_eq!(states["Pseudo"]["Resource"], format!("{ARN}:shop-dev-hello"), "#{{AWS::Region}}");
    assert_eq!(states["Variables"]["Resource"], format!("{ARN}:shop-dev-wait:live"));
    assert_eq!(c.definition["Comment"], "the whole chain");
    assert!(c.express);
    assert_eq!(c.tracing, Some(true));
    let tags: Vec<(&str, &str)> = c.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(tags, [("flow", "checkout"), ("team", "orders")], "the provider's tags, then its own");

    // Other parts of the manifest refer to it under its logical id.
    let hello = &m.functions[0].config;
    assert_eq!(hello.environment["MACHINE"], c.arn);
    let outputs: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
    assert_eq!(
        outputs,
        [
            ("CheckoutArn", c.arn.as_str()),
            ("ShopDashplainArn", "arn:aws:states:us-east-1:000000000000:stateMachine:shop-plain")
        ]
    );

    let p = &m.state_machines[1];
    assert_eq!((p.name.as_str(), p.logical_id.as_str()), ("shop-plain", "ShopDashplain"), "named: the name's id");
    assert!(p.tags.is_empty(), "inheritGlobalTags: false");
    assert!(!p.express);
    assert_eq!(p.definition["States"]["Done"]["Result"], "${ literal }", "no intrinsic: strings stay as written");
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn the_role_squall_makes_allows_what_the_tasks_call() {
    let m = manifest(SHOP);
    let c = &m.state_machines[0];
    let role = c.role.as_ref().expect("a role is made");
    assert_eq!(role.name, "shop-dev-checkout-role");
    assert_eq!(c.role_arn, "arn:aws:iam::000000000000:role/shop-dev-checkout-role");
    assert_eq!(role.arn, c.role_arn);
    assert_eq!(role.trusted, ["states.amazonaws.com"]);
    assert_eq!(role.trust_policy()["Statement"][0]["Principal"]["Service"], json!(["states.amazonaws.com"]));
    let f = |name: &str| format!("{ARN}:{name}");
    assert_eq!(
        role.policy,
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": [
                    f("shop-dev-hello"), f("shop-dev-hello:*"),
                    f("shop-dev-wait"), f("shop-dev-wait:*"),
                    f("shop-dev-send-mail"), f("shop-dev-send-mail:*"),
                ],
            }],
        })
    );
    assert!(c.events_role.is_none(), "no events");
    // A machine calling nothing is denied everything, as the plugin's role is.
    let plain = m.state_machines[1].role.as_ref().unwrap();
    assert_eq!(plain.policy["Statement"], json!([{ "Effect": "Deny", "Action": "*", "Resource": "*" }]));
}

#[test]
fn service_integrations_are_granted_as_the_plugin_grants_them() {
    let definition = json!({
        "StartAt": "P",
        "States": {
            "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "Get", "States": {
                    "Get": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                             "Parameters": { "TableName": "orders" }, "Next": "Put" },
                    "Put": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                             "Parameters": { "TableName.$": "$.table" }, "End": true }
                }},
                { "StartAt": "Send", "States": {
                    "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                              "Parameters": { "QueueUrl": "http://127.0.0.1:4566/000000000000/jobs" }, "Next": "Tell" },
                    "Tell": { "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                              "Parameters": { "TopicArn": "arn:aws:sns:us-east-1:000000000000:news" }, "Next": "Put2" },
                    "Put2": { "Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                              "Parameters": { "Entries": [{ "Source": "s" }, { "EventBusName": "orders" }] }, "End": true }
                }}
            ]},
            "M": { "Type": "Map", "End": true, "ItemProcessor": { "StartAt": "Child", "States": {
                "Child": { "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                           "Parameters": { "StateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:child" },
                           "Next": "Sdk" },
                "Sdk": { "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines", "Next": "Bus" },
                "Bus": { "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:eventbridge:listRules", "Next": "Db" },
                "Db": { "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query.waitForTaskToken", "End": true }
            }}},
            "I": { "Type": "Map", "End": true, "Iterator": { "StartAt": "Old", "States": {
                "Old": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": { "FunctionName": "000000000000:function:old" }, "End": true }
            }}}
        }
    });
    let extra = json!({ "Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": "*" });
    let policy = execution_policy(&definition, "us-east-1", std::slice::from_ref(&extra));
    let statements = policy["Statement"].as_array().unwrap();
    let sorted = |actions: &serde_json::Value| {
        let mut a: Vec<&str> = actions.as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
        a.sort_unstable();
        json!(a).to_string()
    };
    let got: Vec<(String, serde_json::Value)> =
        statements.iter().map(|s| (sorted(&s["Action"]), s["Resource"].clone())).collect();
    let want: Vec<(String, serde_json::Value)> = vec![
        (json!(["dynamodb:GetItem"]).to_string(), json!(["arn:aws:dynamodb:us-east-1:000000000000:table/orders"])),
        (
            json!([
                "dynamodb:PutItem",
                "dynamodb:Query",
                "events:ListRules",
                "states:DescribeExecution",
                "states:ListStateMachines",
                "states:StopExecution"
            ])
            .to_string(),
            json!("*"),
        ),
        (json!(["sqs:SendMessage"]).to_string(), json!(["arn:aws:sqs:us-east-1:000000000000:jobs"])),
        (json!(["sns:Publish"]).to_string(), json!(["arn:aws:sns:us-east-1:000000000000:news"])),
        (
            json!(["events:PutEvents"]).to_string(),
            json!([
                "arn:aws:events:us-east-1:000000000000:event-bus/default",
                "arn:aws:events:us-east-1:000000000000:event-bus/orders"
            ]),
        ),
        (
            json!(["states:StartExecution"]).to_string(),
            json!(["arn:aws:states:us-east-1:000000000000:stateMachine:child"]),
        ),
        (
            json!(["lambda:InvokeFunction"]).to_string(),
            json!([
                "arn:aws:lambda:us-east-1:000000000000:function:old",
                "arn:aws:lambda:us-east-1:000000000000:function:old:*"
            ]),
        ),
        (json!(["ssm:GetParameter"]).to_string(), json!("*")),
    ];
    // Map and Parallel states are walked in the definition's order; compare as sets.
    for w in &want {
        assert!(got.contains(w), "{w:?} missing from {got:#?}");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

const EVENTS: &str = "\
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  work:
    handler: h.work
resources:
  Resources:
    Failed:
      Type: AWS::SQS::Queue
stepFunctions:
  stateMachines:
    nightly:
      role: arn:aws:iam::000000000000:role/mine
      definition:
        StartAt: Work
        States:
          Work:
            Type: Task
            Resource: !GetAtt work.Arn
            End: true
      events:
        - schedule: rate(1 hour)
        - schedule:
            rate: cron(0 3 * * ? *)
            enabled: false
            name: nightly-run
            description: at three
            input:
              job: all
        - schedule:
            method: scheduler
            rate: cron(0 9 * * ? *)
            timezone: Europe/Paris
            input: '{\"job\": \"morning\"}'
        - schedule:
            rate: rate(2 hours)
            role: arn:aws:iam::000000000000:role/starter
            inputPath: $.detail
        - eventBridge:
            eventBusName: orders
            event:
              source: [shop]
              detail-type: [OrderPlaced]
            inputTransformer:
              inputPathsMap:
                id: $.detail.id
              inputTemplate: '{\"order\": <id>}'
            deadLetterConfig: !GetAtt Failed.Arn
            retryPolicy:
              maximumRetryAttempts: 3
              maximumEventAgeInSeconds: 600
        - cloudwatchEvent:
            event:
              source: [aws.s3]
            iamRole: arn:aws:iam::000000000000:role/starter
            enabled: false
";

#[test]
fn schedule_and_event_bridge_events_start_the_machine_as_a_role() {
    let m = manifest(EVENTS);
    let machine = &m.state_machines[0];
    assert_eq!(machine.role_arn, "arn:aws:iam::000000000000:role/mine");
    assert!(machine.role.is_none(), "a role given is used as it is");
    let events_role = machine.events_role.as_ref().expect("events without a role get one");
    assert_eq!(events_role.name, "jobs-dev-nightly-events");
    assert_eq!(events_role.trusted, ["events.amazonaws.com", "scheduler.amazonaws.com"]);
    assert_eq!(
        events_role.policy["Statement"],
        json!([{ "Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [machine.arn] }])
    );
    let made = Some(events_role.arn.clone());
    let starter = Some("arn:aws:iam::000000000000:role/starter".to_string());

    let names: Vec<&str> = m.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "jobs-dev-NightlyStepFunctionsEventsRuleSchedule1",
            "nightly-run",
            "jobs-dev-NightlyStepFunctionsEventsRuleSchedule4",
            "jobs-dev-NightlyEventsRuleCloudWatchEvent1",
            "jobs-dev-NightlyEventsRuleCloudWatchEvent2",
        ]
    );
    assert!(m.rules.iter().all(|r| r.owned), "the rules are wholly the service's");
    assert!(m.rules.iter().all(|r| r.targets.len() == 1 && r.targets[0].arn == machine.arn));
    assert!(m.resource_policies.is_empty(), "a machine needs no function permission");
    let first = &m.rules[0];
    assert_eq!(first.schedule.as_deref(), Some("rate(1 hour)"));
    assert_eq!(first.targets[0].id, "nightlyStepFunctionsSchedule");
    assert_eq!(first.targets[0].role_arn, made);
    let second = &m.rules[1];
    assert!(!second.enabled);
    assert_eq!(second.description.as_deref(), Some("at three"));
    assert_eq!(second.targets[0].input.as_deref(), Some(r#"{"job":"all"}"#));
    let fourth = &m.rules[2];
    assert_eq!(fourth.targets[0].role_arn, starter);
    assert_eq!(fourth.targets[0].input_path.as_deref(), Some("$.detail"));
    let bridge = &m.rules[3];
    assert_eq!(bridge.bus.as_deref(), Some("orders"));
    assert_eq!(bridge.pattern.as_deref(), Some(r#"{"detail-type":["OrderPlaced"],"source":["shop"]}"#));
    let t = &bridge.targets[0];
    assert_eq!(t.id, "nightlyCloudWatchEvent");
    assert_eq!(t.input_transformer, Some((vec![("id".into(), "$.detail.id".into())], r#"{"order": <id>}"#.into())));
    assert_eq!(t.dead_letter_arn.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:jobs-dev-Failed"));
    assert_eq!(t.retry, Some((3, 600)));
    assert_eq!(t.role_arn, made);
    let watch = &m.rules[4];
    assert_eq!((watch.bus.as_deref(), watch.enabled), (None, false));
    assert_eq!(watch.targets[0].role_arn, starter);
    assert!(m.event_buses.is_empty(), "the bus must exist: the plugin makes none");

    let s = &m.schedules[0];
    assert_eq!(s.name, "jobs-dev-NightlyStepFunctionsSchedulerSchedule3");
    assert_eq!(s.timezone.as_deref(), Some("Europe/Paris"));
    assert_eq!(s.group, None, "the deployment's own group");
    assert_eq!(s.target.arn, machine.arn);
    assert_eq!(s.target.role_arn, made);
    assert_eq!(s.target.input.as_deref(), Some(r#"{"job": "morning"}"#));
}

#[test]
fn refusals_name_the_key_and_its_line() {
    let base = "service: s\nprovider:\n  name: aws\nstepFunctions:\n  stateMachines:\n    m:\n      definition:\n        StartAt: A\n        States:\n          A:\n            Type: Pass\n            End: true\n";
    let with = |extra: &str| errors(&format!("{base}{extra}"));
    let err = with(
        "      events:\n        - http:\n            path: go\n            method: post\n            request:\n              template:\n                application/json: x\n",
    );
    assert!(
        err.contains("stepFunctions.stateMachines.m.events[0].http.request: request templates are not supported yet"),
        "{err}"
    );
    let err = with("      notifications:\n        FAILED:\n          - sns: arn:aws:sns:us-east-1:000000000000:t\n");
    assert!(err.starts_with("serverless.yml:13: stepFunctions.stateMachines.m.notifications: notifications"), "{err}");
    let err = with("      useExactVersion: true\n");
    assert!(err.contains("stepFunctions.stateMachines.m.useExactVersion: useExactVersion"), "{err}");
    let err = with("      encryptionConfig:\n        Type: CUSTOMER_MANAGED_KMS_KEY\n");
    assert!(err.contains("m.encryptionConfig: encryption with a KMS key is not supported"), "{err}");
    let err = with("      type: LONG\n");
    assert!(
        err.contains("serverless.yml:13: stepFunctions.stateMachines.m.type: must be STANDARD or EXPRESS"),
        "{err}"
    );
    let err = with("      flavour: mint\n");
    assert!(err.contains("m.flavour: flavour is not a state machine setting"), "{err}");
    let err = with(
        "      role: arn:aws:iam::000000000000:role/r\n      iamRoleStatements:\n        - Effect: Allow\n          Action: s3:GetObject\n          Resource: '*'\n",
    );
    assert!(err.contains("stepFunctions.stateMachines.m: iamRoleStatements add to the role squall makes"), "{err}");
    let err = with("      role: not-an-arn\n");
    assert!(err.contains("m.role: not-an-arn is not an IAM role ARN"), "{err}");
    let err = with("      events:\n        - schedule:\n            rate: rate(1 hour)\n            timezone: UTC\n");
    assert!(err.contains("events[0].schedule.timezone: timezone is only supported with method: scheduler"), "{err}");
    let err = with("      events:\n        - schedule: every day\n");
    assert!(err.contains("events[0].schedule: every day is not a schedule expression"), "{err}");
    let err = with("      events:\n        - eventBridge:\n            pattern:\n              source: [a]\n");
    assert!(
        err.contains("eventBridge.pattern: a state machine's eventBridge event takes its pattern as event"),
        "{err}"
    );
    let err = with(
        "      events:\n        - eventBridge:\n            event:\n              source: [a]\n            input: {}\n            inputPath: $.x\n",
    );
    assert!(err.contains("input, inputPath and inputTransformer are exclusive"), "{err}");
    let err = with("      events:\n        - sqs: arn:aws:sqs:us-east-1:000000000000:q\n");
    assert!(err.contains("events[0].sqs: sqs events of state machines are not supported"), "{err}");
    let err = with(
        "      events:\n        - schedule:\n            rate: rate(1 hour)\n            method: scheduler\n            inputPath: $.x\n",
    );
    assert!(err.contains("inputPath is not supported with method: scheduler"), "{err}");

    let err = errors("service: s\nprovider:\n  name: aws\nstepFunctions:\n  stateMachines:\n    m:\n      name: m\n");
    assert!(err.contains("serverless.yml:6: stepFunctions.stateMachines.m: needs a definition"), "{err}");
    let err = errors(&format!("{base}  activities:\n    - work\n"));
    assert!(err.contains("stepFunctions.activities: activities are not supported by Squall yet"), "{err}");
    let err = errors(&format!("{base}  machines: {{}}\n"));
    assert!(err.contains("stepFunctions.machines: is not a stepFunctions setting"), "{err}");
    let err = errors(&format!(
        "{base}    n:\n      name: s-dev-m\n      definition: '{{\"StartAt\": \"A\", \"States\": {{\"A\": {{\"Type\": \"Succeed\"}}}}}}'\n"
    ));
    assert!(err.contains("stepFunctions.stateMachines.n: the state machine name s-dev-m is also used by stepFunctions.stateMachines.m"), "{err}");
    let err = errors(&format!("{base}    n:\n      definition: 'StartAt: A'\n"));
    assert!(err.contains("stepFunctions.stateMachines.n.definition: is not JSON"), "{err}");
}

#[test]
fn a_reference_to_an_unknown_resource_is_located_in_the_definition() {
    let yaml = "service: s\nprovider:\n  name: aws\nstepFunctions:\n  stateMachines:\n    m:\n      definition:\n        StartAt: A\n        States:\n          A:\n            Type: Task\n            Resource: !GetAtt nothing.Arn\n            End: true\n";
    assert_eq!(
        errors(yaml),
        "serverless.yml:12: stepFunctions.stateMachines.m.definition.States.A.Resource: refers to nothing, which is not a resource of this service"
    );
}

#[test]
fn warned_and_ignored_settings() {
    let yaml = "service: s\nprovider:\n  name: aws\nstepFunctions:\n  noOutput: true\n  stateMachines:\n    m:\n      retain: true\n      alarms:\n        topics:\n          alarm: arn:aws:sns:us-east-1:000000000000:t\n        metrics: [executionsFailed]\n      loggingConfig:\n        level: ERROR\n        includeExecutionData: true\n        destinations:\n          - arn:aws:logs:us-east-1:000000000000:log-group:g\n      definition:\n        StartAt: A\n        States:\n          A:\n            Type: Succeed\n";
    let m = manifest(yaml);
    assert!(m.outputs.is_empty(), "noOutput");
    let warnings = m.warnings.join("\n");
    assert!(warnings.contains("serverless.yml:8: stepFunctions.stateMachines.m.retain: ignored"), "{warnings}");
    assert!(warnings.contains("m.alarms: ignored: squall has no CloudWatch"), "{warnings}");
    assert!(
        warnings.contains("serverless.yml:13: stepFunctions.stateMachines.m.loggingConfig: accepted, but no logs are delivered: squall has no CloudWatch Logs; every STANDARD execution's history is kept"),
        "{warnings}"
    );
    assert_eq!(m.warnings.len(), 3, "{warnings}");
}

const TEMPLATE: &str = "\
service: flows
provider:
  name: aws
  runtime: python3.12
functions:
  hello:
    handler: h.hello
resources:
  Resources:
    Flow:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        StateMachineName: flows-main
        RoleArn: !Sub arn:aws:iam::${AWS::AccountId}:role/flows
        StateMachineType: STANDARD
        TracingConfiguration:
          Enabled: false
        LoggingConfiguration:
          Level: 'OFF'
        Tags:
          - Key: owner
            Value: me
        DefinitionSubstitutions:
          HelloArn: !GetAtt HelloLambdaFunction.Arn
          Pause: 5
          Next: Flow2
        Definition:
          StartAt: Hello
          States:
            Hello:
              Type: Task
              Resource: ${HelloArn}
              Next: Wait
            Wait:
              Type: Wait
              Seconds: ${Pause}
              Next: Child
            Child:
              Type: Task
              Resource: arn:aws:states:::states:startExecution
              Parameters:
                StateMachineArn: arn:aws:states:us-east-1:000000000000:stateMachine:${Next}
                Input.$: $
              End: true
    Flow2:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        RoleArn: arn:aws:iam::000000000000:role/flows
        DefinitionSubstitutions:
          Hello: !Ref HelloLambdaFunction
        DefinitionString: !Sub |
          {\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Task\",
           \"Resource\": \"${HelloLambdaFunction.Arn}\", \"Comment\": \"${!Hello}\", \"End\": true}}}
  Outputs:
    FlowArn:
      Value: !Ref Flow
    FlowName:
      Value: !GetAtt Flow.Name
    Flow2Arn:
      Value: !GetAtt Flow2.Arn
";

#[test]
fn cloudformation_state_machines_with_definition_substitutions() {
    let m = manifest(TEMPLATE);
    let [flow, flow2] = &m.state_machines[..] else { panic!("{:?}", m.state_machines) };
    assert_eq!(flow.origin, "resources.Resources.Flow");
    assert_eq!((flow.name.as_str(), flow.logical_id.as_str()), ("flows-main", "Flow"));
    assert_eq!(flow.role_arn, "arn:aws:iam::000000000000:role/flows");
    assert!(flow.role.is_none() && flow.events_role.is_none(), "CloudFormation's machines name their role");
    assert_eq!(flow.tracing, Some(false));
    assert_eq!(flow.tags.get("owner").map(String::as_str), Some("me"));
    let states = &flow.definition["States"];
    assert_eq!(states["Hello"]["Resource"], format!("{ARN}:flows-dev-hello"));
    assert_eq!(states["Wait"]["Seconds"], json!(5), "a number substituted whole stays a number");
    assert_eq!(
        states["Child"]["Parameters"]["StateMachineArn"], "arn:aws:states:us-east-1:000000000000:stateMachine:Flow2",
        "within a string: as text"
    );

    assert_eq!(flow2.name, "flows-dev-Flow2", "unnamed: <service>-<stage>-<logical id>");
    assert_eq!(flow2.definition["States"]["A"]["Resource"], format!("{ARN}:flows-dev-hello"));
    assert_eq!(flow2.definition["States"]["A"]["Comment"], "flows-dev-hello", "Fn::Sub, then the substitutions");

    let outputs: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
    assert_eq!(
        outputs,
        [
            ("FlowArn", "arn:aws:states:us-east-1:000000000000:stateMachine:flows-main"),
            ("FlowName", "flows-main"),
            ("Flow2Arn", "arn:aws:states:us-east-1:000000000000:stateMachine:flows-dev-Flow2"),
        ]
    );
    assert_eq!(m.warnings.len(), 1, "LoggingConfiguration: {:?}", m.warnings);
}

#[test]
fn cloudformation_refusals() {
    let base = "service: s\nprovider:\n  name: aws\nresources:\n  Resources:\n    Flow:\n      Type: AWS::StepFunctions::StateMachine\n      Properties:\n";
    let with = |extra: &str| errors(&format!("{base}{extra}"));
    let err = with(
        "        RoleArn: arn:aws:iam::000000000000:role/r\n        DefinitionS3Location:\n          Bucket: b\n          Key: k\n",
    );
    assert!(
        err.contains("serverless.yml:10: resources.Resources.Flow.Properties.DefinitionS3Location: DefinitionS3Location is not supported by Squall yet"),
        "{err}"
    );
    let err = with(
        "        Definition:\n          StartAt: A\n          States:\n            A:\n              Type: Succeed\n",
    );
    assert!(err.contains("resources.Resources.Flow.Properties: needs RoleArn"), "{err}");
    let err = with("        RoleArn: arn:aws:iam::000000000000:role/r\n");
    assert!(err.contains("resources.Resources.Flow.Properties: needs Definition or DefinitionString"), "{err}");
    let err = with(
        "        RoleArn: arn:aws:iam::000000000000:role/r\n        DefinitionString: '{}'\n        Definition:\n          StartAt: A\n",
    );
    assert!(err.contains("give Definition or DefinitionString, not both"), "{err}");
    let err =
        with("        RoleArn: arn:aws:iam::000000000000:role/r\n        DefinitionString: '{}'\n        Color: red\n");
    assert!(err.contains("Properties.Color: Color is not a property of a state machine"), "{err}");
    let err = with(
        "        RoleArn: arn:aws:iam::000000000000:role/r\n        StateMachineName: 'has space'\n        DefinitionString: '{}'\n",
    );
    assert!(err.contains("resources.Resources.Flow: the state machine name \"has space\" may not hold ' '"), "{err}");
}
