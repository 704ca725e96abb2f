//! `AWS::IAM::Role` resources: read with their documents' intrinsics resolved, referred to
//! by what runs as them, and refused by name where Squall cannot make them.

use crate::parse;
use serde_json::json;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

const FLOWS: &str = "\
service: flows
provider:
  name: aws
  runtime: python3.12
functions:
  hello:
    handler: h.hello
  own:
    handler: h.hello
    role: LambdaRole
  pointed:
    handler: h.hello
    role: !GetAtt LambdaRole.Arn
resources:
  Resources:
    StatesRole:
      Type: AWS::IAM::Role
      Properties:
        Path: /service-role/
        Description: runs the greeter
        MaxSessionDuration: 7200
        AssumeRolePolicyDocument:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal:
                Service: !Sub states.${AWS::Region}.amazonaws.com
              Action: sts:AssumeRole
              Condition:
                StringEquals:
                  aws:SourceAccount: !Ref AWS::AccountId
        Policies:
          - PolicyName: invoke
            PolicyDocument:
              Version: '2012-10-17'
              Statement:
                - Sid: Call
                  Effect: Allow
                  Action: lambda:InvokeFunction
                  Resource:
                    - !GetAtt HelloLambdaFunction.Arn
                    - !Sub '${HelloLambdaFunction.Arn}:*'
          - PolicyName: read
            PolicyDocument: '{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"dynamodb:GetItem\", \"Resource\": \"*\"}}'
        ManagedPolicyArns:
          - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
          - !Sub arn:aws:iam::${AWS::AccountId}:policy/mine
        PermissionsBoundary: arn:aws:iam::000000000000:policy/cap
        Tags:
          - Key: team
            Value: !Ref AWS::StackName
    EventsRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: flows-start
        AssumeRolePolicyDocument:
          Statement:
            Effect: Allow
            Principal: {Service: [events.amazonaws.com, scheduler.amazonaws.com]}
            Action: sts:AssumeRole
        Policies:
          - PolicyName: start
            PolicyDocument:
              Statement:
                - Effect: Allow
                  Action: states:StartExecution
                  Resource: !Ref Greeter
    LambdaRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Statement:
            - Effect: Allow
              Principal: {Service: lambda.amazonaws.com}
              Action: sts:AssumeRole
    Greeter:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        RoleArn: !GetAtt StatesRole.Arn
        Definition:
          StartAt: Hello
          States:
            Hello:
              Type: Task
              Resource: !GetAtt HelloLambdaFunction.Arn
              End: true
    OnGreet:
      Type: AWS::Events::Rule
      Properties:
        EventPattern:
          source: [flows.test]
        Targets:
          - Id: greeter
            Arn: !Ref Greeter
            RoleArn: !GetAtt EventsRole.Arn
    Nightly:
      Type: AWS::Scheduler::Schedule
      Properties:
        ScheduleExpression: rate(1 day)
        FlexibleTimeWindow: {Mode: 'OFF'}
        Target:
          Arn: !GetAtt Greeter.Arn
          RoleArn: !GetAtt EventsRole.Arn
  Outputs:
    StatesRoleName:
      Value: !Ref StatesRole
    StatesRoleArn:
      Value: !GetAtt StatesRole.Arn
";

#[test]
fn roles_are_read_with_their_documents_resolved_and_referred_to() {
    let m = parse("serverless.yml", FLOWS).unwrap();
    assert_eq!(m.roles.len(), 3);
    let states = &m.roles[0];
    assert_eq!((states.logical_id.as_str(), states.name.as_str()), ("StatesRole", "flows-dev-StatesRole"));
    assert_eq!(states.path, "/service-role/");
    assert_eq!(states.arn, "arn:aws:iam::000000000000:role/service-role/flows-dev-StatesRole");
    assert_eq!(states.origin, "resources.Resources.StatesRole");
    assert_eq!(states.trust["Statement"][0]["Principal"]["Service"], json!(["states.us-east-1.amazonaws.com"]));
    assert_eq!(states.trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"], json!(["000000000000"]));
    let hello = "arn:aws:lambda:us-east-1:000000000000:function:flows-dev-hello";
    assert_eq!(states.policies["invoke"]["Statement"][0]["Resource"], json!([hello, format!("{hello}:*")]));
    assert_eq!(states.policies["invoke"]["Statement"][0]["Sid"], "Call");
    // A document given as JSON text, with one statement rather than a list.
    assert_eq!(states.policies["read"]["Statement"][0]["Action"], json!(["dynamodb:GetItem"]));
    assert_eq!(
        states.managed_policies,
        ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::000000000000:policy/mine"]
    );
    assert_eq!(states.permissions_boundary.as_deref(), Some("arn:aws:iam::000000000000:policy/cap"));
    assert_eq!((states.description.as_deref(), states.max_session_s), (Some("runs the greeter"), Some(7200)));
    assert_eq!(states.tags["team"], "flows-dev");

    let events = &m.roles[1];
    assert_eq!(events.name, "flows-start");
    assert_eq!(events.arn, "arn:aws:iam::000000000000:role/flows-start");
    assert_eq!(
        events.trust["Statement"][0]["Principal"]["Service"],
        json!(["events.amazonaws.com", "scheduler.amazonaws.com"])
    );
    assert!(events.trust.get("Version").is_none(), "kept as given");
    let greeter = "arn:aws:states:us-east-1:000000000000:stateMachine:flows-dev-Greeter";
    assert_eq!(events.policies["start"]["Statement"][0]["Resource"], json!([greeter]));

    // What runs as them names them.
    assert_eq!(m.state_machines[0].role_arn, states.arn);
    assert_eq!(m.rules[0].targets[0].arn, greeter);
    assert_eq!(m.rules[0].targets[0].role_arn.as_deref(), Some(events.arn.as_str()));
    assert_eq!(m.schedules[0].target.role_arn.as_deref(), Some(events.arn.as_str()));
    let lambda_role = "arn:aws:iam::000000000000:role/flows-dev-LambdaRole";
    assert_eq!(m.functions[1].config.role, lambda_role, "a logical id, as the framework takes it");
    assert!(m.functions[1].config.role_policy.is_none());
    assert_eq!(m.functions[2].config.role, lambda_role);
    let outputs: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
    assert_eq!(outputs, [("StatesRoleName", "flows-dev-StatesRole"), ("StatesRoleArn", states.arn.as_str())]);
}

#[test]
fn a_default_name_is_cut_to_iams_64_characters() {
    let yaml = "service: a-rather-long-service-name-for-a-role\nprovider:\n  name: aws\nresources:\n  Resources:\n    TheExecutionRoleOfTheStateMachine:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument:\n          Statement:\n            - {Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}\n";
    let m = parse("serverless.yml", yaml).unwrap();
    let name = &m.roles[0].name;
    assert_eq!(name.len(), 64, "{name}");
    assert!(name.starts_with("a-rather-long") && name.ends_with("-TheExecutionRoleOfTheStateMachine"), "{name}");
    let again = parse("serverless.yml", yaml).unwrap();
    assert_eq!(&again.roles[0].name, name, "every deploy finds the same role");
}

#[test]
fn refusals_name_the_key_and_its_line() {
    let bad = |from: &str, to: &str| {
        assert!(FLOWS.contains(from), "{from}");
        errors(&FLOWS.replace(from, to))
    };
    let e = bad("      Value: !GetAtt StatesRole.Arn\n", "      Value: !GetAtt StatesRole.RoleId\n");
    assert!(
        e.contains("serverless.yml:108: resources.Outputs.StatesRoleArn.Value: RoleId of StatesRole is not supported"),
        "{e}"
    );
    let e = bad(
        "              Action: sts:AssumeRole\n              Condition:",
        "              Action: sts:AssumeRole\n              Resource: '*'\n              Condition:",
    );
    assert!(
        e.contains("serverless.yml:25: resources.Resources.StatesRole.Properties.AssumeRolePolicyDocument.Statement[0]: a trust policy names who may assume the role, not resources"),
        "{e}"
    );
    let e = bad(
        "                  Action: states:StartExecution\n",
        "                  Action: states:StartExecution\n                  Principal: '*'\n",
    );
    assert!(
        e.contains("resources.Resources.EventsRole.Properties.Policies[0].PolicyDocument.Statement[0].Principal: belongs in resource policies"),
        "{e}"
    );
    let e = bad("        RoleName: flows-start\n", "");
    assert!(e.is_empty(), "a name is optional: {e}");
    let e = bad(
        "        RoleName: flows-start\n        AssumeRolePolicyDocument:\n          Statement:\n            Effect: Allow\n            Principal: {Service: [events.amazonaws.com, scheduler.amazonaws.com]}\n            Action: sts:AssumeRole\n",
        "        RoleName: flows-start\n",
    );
    assert!(
        e.contains("serverless.yml:54: resources.Resources.EventsRole.Properties: needs AssumeRolePolicyDocument"),
        "{e}"
    );
    let e = bad("        RoleName: flows-start\n", "        RoleName: flows start\n");
    assert!(e.contains("EventsRole.Properties.RoleName: flows start is not an IAM role name"), "{e}");
    let e = bad("        Path: /service-role/\n", "        Path: service-role\n");
    assert!(e.contains("StatesRole.Properties.Path: \"service-role\" is not an IAM path"), "{e}");
    let e = bad("        MaxSessionDuration: 7200\n", "        MaxSessionDuration: 60\n");
    assert!(
        e.contains("StatesRole.Properties.MaxSessionDuration: must be a number of seconds from 3600 to 43200"),
        "{e}"
    );
    let e = bad(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::123456789012:policy/theirs",
    );
    assert!(
        e.contains("serverless.yml:46: resources.Resources.StatesRole.Properties.ManagedPolicyArns[0]: arn:aws:iam::123456789012:policy/theirs is not the ARN of a managed policy of this account or of AWS's own"),
        "{e}"
    );
    let e = bad(
        "        PermissionsBoundary: arn:aws:iam::000000000000:policy/cap\n",
        "        PermissionsBoundary: cap\n",
    );
    assert!(e.contains("StatesRole.Properties.PermissionsBoundary: cap is not the ARN of a managed policy"), "{e}");
    let e = bad("          - Key: team\n", "          - Key: squall:deployment\n");
    assert!(e.contains("StatesRole.Properties.Tags[0]: the tag key squall:deployment is squall's own"), "{e}");
    let e = bad("          - PolicyName: read\n", "          - PolicyName: invoke\n");
    assert!(e.contains("StatesRole.Properties.Policies[1]: the policy name invoke is given twice"), "{e}");
    let e = bad(
        "                  Action: lambda:InvokeFunction\n",
        "                  Action: lambda:InvokeFunction\n                  Condition: {StringEquals: {dynamodb:Attributes: id}}\n",
    );
    assert!(e.contains("Squall does not evaluate the condition key dynamodb:Attributes"), "{e}");
    let e = bad("                - Sid: Call\n", "                - Sid: Call\n                  Principals: x\n");
    assert!(e.contains("Statement[0].Principals: Principals is not a key of a policy statement"), "{e}");
    let e =
        bad("        Description: runs the greeter\n", "        Description: runs the greeter\n        RoleId: x\n");
    assert!(e.contains("StatesRole.Properties.RoleId: RoleId is not a property of an IAM role"), "{e}");
    let e = bad(
        "            Version: '2012-10-17'\n              Statement:\n                - Sid: Call",
        "            Version: '2012-10-17'\n              Statement:\n                - Sid: Call\n                  Effect: Allow\n                  Action: lambda:GetFunction\n                  Resource: '*'\n                - Sid: Call",
    );
    assert!(e.contains("Policies[0].PolicyDocument: IAM refuses this policy: Statement IDs (SID) in a single policy must be unique."), "{e}");
    let e = bad("        RoleName: flows-start\n", "        RoleName: flows-dev-LambdaRole\n");
    assert!(e.contains("the role name flows-dev-LambdaRole is also used by resources.Resources.EventsRole"), "{e}");
    let e = bad("    role: LambdaRole\n", "    role: NoSuchRole\n");
    assert!(
        e.contains("functions.own.role: NoSuchRole is not a role ARN, nor the logical id of an AWS::IAM::Role"),
        "{e}"
    );
}
