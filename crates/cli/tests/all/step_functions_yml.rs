//! State machines from serverless.yml: `stepFunctions.stateMachines` (the
//! serverless-step-functions plugin's shape) and `AWS::StepFunctions::StateMachine` resources,
//! deployed with the roles squall makes for them, run through Step Functions' API, updated
//! by a second deploy, started by a `schedule` event when a dev server's clock moves, and
//! deleted by `squall remove`.

use crate::harness::*;
use std::time::{Duration, Instant};

const HANDLERS: &str = "\
def add(event, context):
    return {'n': event['n'] + 1}

def double(event, context):
    return {'n': event['n'] * 2}
";

const ACCOUNT: &str = "000000000000";

fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{name}")
}

/// Starts an execution of `machine` with `input` and waits (bounded) for it to end: its
/// description.
fn run(server: &Server, machine: &str, input: &str) -> Result<serde_json::Value> {
    let arn = machine_arn(machine);
    let started =
        ok(&server.aws(&["stepfunctions", "start-execution", "--state-machine-arn", &arn, "--input", input]))?;
    let started: serde_json::Value = serde_json::from_str(&started)?;
    let execution = started["executionArn"].as_str().unwrap_or_default().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let described = ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", &execution]))?;
        let described: serde_json::Value = serde_json::from_str(&described)?;
        if described["status"] != "RUNNING" {
            return Ok(described);
        }
        anyhow::ensure!(Instant::now() < deadline, "{execution} still runs: {described}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn output(described: &serde_json::Value) -> Result<serde_json::Value> {
    anyhow::ensure!(described["status"] == "SUCCEEDED", "{described}");
    Ok(serde_json::from_str(described["output"].as_str().unwrap_or("null"))?)
}

fn machines(server: &Server) -> Result<Vec<String>> {
    let listed = ok(&server.aws(&["stepfunctions", "list-state-machines"]))?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    let mut names: Vec<String> = listed["stateMachines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str().map(String::from))
        .collect();
    names.sort();
    Ok(names)
}

const FLOWS: &str = "\
service: flows
plugins:
  - serverless-step-functions
provider:
  name: aws
  runtime: python3.12
functions:
  add:
    handler: handler.add
  double:
    handler: handler.double
stepFunctions:
  stateMachines:
    math:
      definition:
        StartAt: Add
        States:
          Add:
            Type: Task
            Resource:
              Fn::GetAtt: [add, Arn]
            Next: Double
          Double:
            Type: Task
            Resource: !GetAtt DoubleLambdaFunction.Arn
            End: true
resources:
  Resources:
    Counter:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        StateMachineName: flows-counter
        RoleArn: arn:aws:iam::000000000000:role/flows-counter
        DefinitionSubstitutions:
          AddArn: !GetAtt AddLambdaFunction.Arn
        Definition:
          StartAt: Add
          States:
            Add:
              Type: Task
              Resource: ${AddArn}
              End: true
  Outputs:
    Counter:
      Value: !Ref Counter
";

#[test]
fn state_machines_deploy_run_update_and_go_with_the_service() -> Result {
    let server = Server::start()?;
    // The resource's role is the template's to give, as in CloudFormation.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(&server.aws(&["iam", "create-role", "--role-name", "flows-counter", "--assume-role-policy-document", trust]))?;
    let grant =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"*"}]}"#;
    ok(&server.aws(&[
        "iam",
        "put-role-policy",
        "--role-name",
        "flows-counter",
        "--policy-name",
        "invoke",
        "--policy-document",
        grant,
    ]))?;
    let dir = service_dir(FLOWS)?;
    std::fs::write(dir.path().join("handler.py"), HANDLERS)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("state machine flows-counter (STANDARD): created"), "{out}");
    assert!(out.contains("state machine flows-dev-math (STANDARD): created"), "{out}");
    assert!(out.contains(&format!("MathStepFunctionsStateMachineArn: {}", machine_arn("flows-dev-math"))), "{out}");
    assert!(out.contains(&format!("Counter: {}", machine_arn("flows-counter"))), "{out}");
    assert_eq!(machines(&server)?, ["flows-counter", "flows-dev-math"]);

    // The plugin's machine runs as the role squall made: (4 + 1) * 2.
    let done = run(&server, "flows-dev-math", r#"{"n": 4}"#)?;
    assert_eq!(output(&done)?, serde_json::json!({"n": 10}));
    let described = ok(&server.aws(&[
        "stepfunctions",
        "describe-state-machine",
        "--state-machine-arn",
        &machine_arn("flows-dev-math"),
    ]))?;
    let described: serde_json::Value = serde_json::from_str(&described)?;
    assert_eq!(described["roleArn"], format!("arn:aws:iam::{ACCOUNT}:role/flows-dev-math-role"));
    let definition: serde_json::Value = serde_json::from_str(described["definition"].as_str().unwrap_or("{}"))?;
    assert_eq!(
        definition["States"]["Add"]["Resource"],
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:flows-dev-add")
    );
    let policy = ok(&server.aws(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "flows-dev-math-role",
        "--policy-name",
        "state-machine",
    ]))?;
    assert!(policy.contains("lambda:InvokeFunction") && policy.contains("flows-dev-double:*"), "{policy}");
    let tags = ok(&server.aws(&[
        "stepfunctions",
        "list-tags-for-resource",
        "--resource-arn",
        &machine_arn("flows-dev-math"),
    ]))?;
    assert!(tags.contains("squall:deployment") && tags.contains("flows-dev"), "{tags}");

    // The resource's definition got its substitution: 4 + 1.
    let done = run(&server, "flows-counter", r#"{"n": 4}"#)?;
    assert_eq!(output(&done)?, serde_json::json!({"n": 5}));

    // Deploying again changes nothing and makes no second machine.
    let out = server.deploy(dir.path())?;
    assert!(out.contains("state machine flows-dev-math (STANDARD): unchanged"), "{out}");
    assert!(out.contains("state machine flows-counter (STANDARD): unchanged"), "{out}");
    assert_eq!(machines(&server)?, ["flows-counter", "flows-dev-math"]);

    // A changed definition updates the machine in place: 4 * 2 + 1.
    let swapped = FLOWS
        .replace("StartAt: Add\n        States:", "StartAt: Double\n        States:")
        .replace("            Next: Double\n", "            End: true\n")
        .replace(
            "            Resource: !GetAtt DoubleLambdaFunction.Arn\n            End: true\n",
            "            Resource: !GetAtt DoubleLambdaFunction.Arn\n            Next: Add\n",
        );
    std::fs::write(dir.path().join("serverless.yml"), swapped)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("state machine flows-dev-math (STANDARD): updated"), "{out}");
    assert_eq!(machines(&server)?, ["flows-counter", "flows-dev-math"]);
    let done = run(&server, "flows-dev-math", r#"{"n": 4}"#)?;
    assert_eq!(output(&done)?, serde_json::json!({"n": 9}));

    // `remove` deletes the machines and the role squall made; the template's role stays.
    let out = ok(&server.squall(&["remove", "flows"]))?;
    assert!(out.contains("state machine flows-dev-math: removed"), "{out}");
    assert!(out.contains("role flows-dev-math-role: removed"), "{out}");
    assert!(machines(&server)?.is_empty());
    let err = fails(&server.aws(&["iam", "get-role", "--role-name", "flows-dev-math-role"]))?;
    assert!(err.contains("NoSuchEntity"), "{err}");
    ok(&server.aws(&["iam", "get-role", "--role-name", "flows-counter"]))?;
    Ok(())
}

#[test]
fn a_definition_that_does_not_validate_stops_the_deploy_before_anything_changes() -> Result {
    let server = Server::start()?;
    let yaml = "service: broken\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  add:\n    handler: handler.add\nstepFunctions:\n  stateMachines:\n    m:\n      definition:\n        StartAt: Missing\n        States:\n          A:\n            Type: Pass\n            End: true\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("handler.py"), HANDLERS)?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(err.contains("serverless.yml:11: stepFunctions.stateMachines.m: the definition of state machine broken-dev-m does not validate"), "{err}");
    assert!(err.contains("MISSING_TRANSITION_TARGET"), "{err}");
    let listed = ok(&server.squall(&["ls"]))?;
    assert!(!listed.contains("broken"), "nothing was deployed:\n{listed}");
    Ok(())
}

#[test]
fn a_schedule_event_starts_the_machine_when_the_clock_moves() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let yaml = "\
service: ticks
provider:
  name: aws
  runtime: python3.12
stepFunctions:
  stateMachines:
    tick:
      events:
        - schedule:
            rate: rate(5 minutes)
            input:
              job: tick
        - schedule:
            method: scheduler
            rate: rate(10 minutes)
            input:
              job: scheduled
      definition:
        StartAt: Done
        States:
          Done:
            Type: Pass
            End: true
";
    let dir = service_dir(yaml)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("state machine ticks-dev-tick (STANDARD): created"), "{out}");
    assert!(
        out.contains("rule ticks-dev-TickStepFunctionsEventsRuleSchedule1 (rate(5 minutes)) -> ticks-dev-tick: ready"),
        "{out}"
    );
    let targets = ok(&server.aws(&[
        "events",
        "list-targets-by-rule",
        "--rule",
        "ticks-dev-TickStepFunctionsEventsRuleSchedule1",
    ]))?;
    assert!(targets.contains(&format!("arn:aws:iam::{ACCOUNT}:role/ticks-dev-tick-events")), "{targets}");

    assert!(
        out.contains(
            "schedule ticks-dev-TickStepFunctionsSchedulerSchedule2 (rate(10 minutes)) -> ticks-dev-tick: ready"
        ),
        "{out}"
    );

    // Eleven minutes hold two firings of the rule and one or two of the schedule.
    ok(&server.squall(&["clock", "advance", "11m"]))?;
    let arn = machine_arn("ticks-dev-tick");
    // The jobs of the machine's executions, once the clock's firings have all started one.
    let jobs = || -> Result<Vec<String>> {
        let listed = ok(&server.aws(&["stepfunctions", "list-executions", "--state-machine-arn", &arn]))?;
        let listed: serde_json::Value = serde_json::from_str(&listed)?;
        let mut jobs = Vec::new();
        for e in listed["executions"].as_array().into_iter().flatten() {
            let execution = e["executionArn"].as_str().unwrap_or_default();
            let described = ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", execution]))?;
            let described: serde_json::Value = serde_json::from_str(&described)?;
            let input: serde_json::Value = serde_json::from_str(described["input"].as_str().unwrap_or("null"))?;
            jobs.push(input["job"].as_str().unwrap_or_default().to_string());
        }
        Ok(jobs)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let inputs = loop {
        let inputs = jobs()?;
        let ticks = inputs.iter().filter(|j| *j == "tick").count();
        if (ticks >= 2 && inputs.len() >= 3) || Instant::now() > deadline {
            break inputs;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let count = |job: &str| inputs.iter().filter(|i| *i == job).count();
    assert_eq!(count("tick"), 2, "each event's input is its execution's: {inputs:?}");
    // A scheduler's rate also fires when the schedule is made.
    assert!((1..=2).contains(&count("scheduled")), "{inputs:?}");

    // `remove` takes the rule, the schedule, the machine and the role they started it as.
    ok(&server.squall(&["remove", "ticks"]))?;
    let err = fails(&server.aws(&["scheduler", "get-schedule-group", "--name", "ticks-dev"]))?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    let rules = ok(&server.aws(&["events", "list-rules", "--name-prefix", "ticks-dev-"]))?;
    assert!(!rules.contains("ticks-dev-Tick"), "{rules}");
    assert!(machines(&server)?.is_empty());
    let err = fails(&server.aws(&["iam", "get-role", "--role-name", "ticks-dev-tick-events"]))?;
    assert!(err.contains("NoSuchEntity"), "{err}");
    Ok(())
}

const GREETER: &str = "\
service: greeter
provider:
  name: aws
  runtime: python3.12
functions:
  hello:
    handler: handler.hello
resources:
  Resources:
    StatesExecutionRole:
      Type: AWS::IAM::Role
      Properties:
        Path: /service-role/
        Description: runs the greeter
        AssumeRolePolicyDocument:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal:
                Service: states.amazonaws.com
              Action: sts:AssumeRole
        Policies:
          - PolicyName: invoke
            PolicyDocument:
              Version: '2012-10-17'
              Statement:
                - Effect: Allow
                  Action: lambda:InvokeFunction
                  Resource:
                    - !GetAtt HelloLambdaFunction.Arn
                    - !Sub '${HelloLambdaFunction.Arn}:*'
        ManagedPolicyArns:
          - arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess
        Tags:
          - Key: team
            Value: greeters
    UngrantedRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: greeter-ungranted
        AssumeRolePolicyDocument:
          Statement:
            - Effect: Allow
              Principal: {Service: states.amazonaws.com}
              Action: 'sts:AssumeRole'
    StarterRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Statement:
            - Effect: Allow
              Principal: {Service: events.amazonaws.com}
              Action: 'sts:AssumeRole'
        Policies:
          - PolicyName: start
            PolicyDocument:
              Version: '2012-10-17'
              Statement:
                - Effect: Allow
                  Action: states:StartExecution
                  Resource: !Ref Greeter
    Greeter:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        StateMachineName: greeter-hello
        RoleArn: !GetAtt StatesExecutionRole.Arn
        Definition:
          StartAt: Hello
          States:
            Hello:
              Type: Task
              Resource: !GetAtt HelloLambdaFunction.Arn
              End: true
    Ungranted:
      Type: AWS::StepFunctions::StateMachine
      Properties:
        StateMachineName: greeter-ungranted
        RoleArn: !GetAtt UngrantedRole.Arn
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
          source: [greeter.test]
        Targets:
          - Id: greeter
            Arn: !Ref Greeter
            RoleArn: !GetAtt StarterRole.Arn
            InputPath: $.detail
";

const GREET: &str = "\
def hello(event, context):
    return {'hello': event.get('name', 'world')}
";

/// The executions of `machine`: (ARN, input).
fn executions(server: &Server, machine: &str) -> Result<Vec<(String, serde_json::Value)>> {
    let listed = ok(&server.aws(&["stepfunctions", "list-executions", "--state-machine-arn", &machine_arn(machine)]))?;
    let listed: serde_json::Value = serde_json::from_str(&listed)?;
    let mut out = Vec::new();
    for e in listed["executions"].as_array().into_iter().flatten() {
        let arn = e["executionArn"].as_str().unwrap_or_default().to_string();
        let described = ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", &arn]))?;
        let described: serde_json::Value = serde_json::from_str(&described)?;
        out.push((arn, serde_json::from_str(described["input"].as_str().unwrap_or("null"))?));
    }
    Ok(out)
}

#[test]
fn roles_the_template_declares_run_its_machines_and_go_with_the_service() -> Result {
    let server = Server::start()?;
    let dir = service_dir(GREETER)?;
    std::fs::write(dir.path().join("handler.py"), GREET)?;
    let out = server.deploy(dir.path())?;
    for made in [
        "role greeter-dev-StatesExecutionRole (StatesExecutionRole): created",
        "role greeter-ungranted (UngrantedRole): created",
        "role greeter-dev-StarterRole (StarterRole): created",
        "state machine greeter-hello (STANDARD): created",
        "rule greeter-dev-OnGreet (pattern) -> greeter-hello: ready",
    ] {
        assert!(out.contains(made), "{made}:\n{out}");
    }
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/service-role/greeter-dev-StatesExecutionRole");
    let role = ok(&server.aws(&["iam", "get-role", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    let role: serde_json::Value = serde_json::from_str(&role)?;
    assert_eq!(role["Role"]["Arn"], role_arn.as_str());
    assert_eq!(role["Role"]["Description"], "runs the greeter");
    let tags = ok(&server.aws(&["iam", "list-role-tags", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    for tag in ["squall:deployment", "greeter-dev", "squall:role", "StatesExecutionRole", "team", "greeters"] {
        assert!(tags.contains(tag), "{tag}: {tags}");
    }
    let attached =
        ok(&server.aws(&["iam", "list-attached-role-policies", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    assert!(attached.contains("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"), "{attached}");
    let policy = ok(&server.aws(&[
        "iam",
        "get-role-policy",
        "--role-name",
        "greeter-dev-StatesExecutionRole",
        "--policy-name",
        "invoke",
    ]))?;
    assert!(policy.contains(&format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:greeter-dev-hello:*")), "{policy}");
    let described = ok(&server.aws(&[
        "stepfunctions",
        "describe-state-machine",
        "--state-machine-arn",
        &machine_arn("greeter-hello"),
    ]))?;
    assert!(described.contains(&role_arn), "{described}");

    // The machine runs as the declared role, which may invoke the function.
    let done = run(&server, "greeter-hello", r#"{"name": "ada"}"#)?;
    assert_eq!(output(&done)?, serde_json::json!({"hello": "ada"}));
    // A role without the grant: the Task fails as Lambda refuses it.
    let refused = run(&server, "greeter-ungranted", r#"{"name": "ada"}"#)?;
    assert_eq!(refused["status"], "FAILED", "{refused}");
    assert_eq!(refused["error"], "Lambda.AWSLambdaException", "{refused}");

    // The rule starts the machine as its target's role.
    let entries = r#"[{"Source": "greeter.test", "DetailType": "greet", "Detail": "{\"name\": \"bo\"}"}]"#;
    let put = ok(&server.aws(&["events", "put-events", "--entries", entries]))?;
    assert!(put.contains("\"FailedEntryCount\": 0"), "{put}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let started = loop {
        let started = executions(&server, "greeter-hello")?;
        if started.iter().any(|(_, input)| input["name"] == "bo") {
            break started;
        }
        anyhow::ensure!(Instant::now() < deadline, "the rule started no execution: {started:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let (by_rule, _) = started.iter().find(|(_, input)| input["name"] == "bo").expect("found above");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let described = ok(&server.aws(&["stepfunctions", "describe-execution", "--execution-arn", by_rule]))?;
        let described: serde_json::Value = serde_json::from_str(&described)?;
        if described["status"] != "RUNNING" {
            assert_eq!(output(&described)?, serde_json::json!({"hello": "bo"}));
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "{by_rule} still runs");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Deploying again changes no role.
    let out = server.deploy(dir.path())?;
    assert!(out.contains("role greeter-dev-StatesExecutionRole (StatesExecutionRole): unchanged"), "{out}");
    assert!(out.contains("role greeter-dev-StarterRole (StarterRole): unchanged"), "{out}");

    // A renamed inline policy replaces the old one; a role the template drops is deleted.
    let changed = GREETER
        .replace("          - PolicyName: invoke\n", "          - PolicyName: call\n")
        .replace("        Description: runs the greeter\n", "        Description: greets\n")
        .replace(
            "    UngrantedRole:\n      Type: AWS::IAM::Role\n      Properties:\n        RoleName: greeter-ungranted\n        AssumeRolePolicyDocument:\n          Statement:\n            - Effect: Allow\n              Principal: {Service: states.amazonaws.com}\n              Action: 'sts:AssumeRole'\n",
            "",
        )
        .replace("        RoleArn: !GetAtt UngrantedRole.Arn\n", "        RoleArn: !GetAtt StatesExecutionRole.Arn\n");
    std::fs::write(dir.path().join("serverless.yml"), changed)?;
    let out = server.deploy(dir.path())?;
    assert!(out.contains("role greeter-dev-StatesExecutionRole (StatesExecutionRole): updated"), "{out}");
    assert!(out.contains("role greeter-ungranted: removed"), "{out}");
    let policies = ok(&server.aws(&["iam", "list-role-policies", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    assert!(policies.contains("call") && !policies.contains("invoke"), "{policies}");
    let role = ok(&server.aws(&["iam", "get-role", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    assert!(role.contains("\"Description\": \"greets\""), "{role}");
    let err = fails(&server.aws(&["iam", "get-role", "--role-name", "greeter-ungranted"]))?;
    assert!(err.contains("NoSuchEntity"), "{err}");
    let done = run(&server, "greeter-ungranted", r#"{"name": "cy"}"#)?;
    assert_eq!(output(&done)?, serde_json::json!({"hello": "cy"}), "now as the granted role");

    // `remove` deletes the roles the service declared.
    let out = ok(&server.squall(&["remove", "greeter"]))?;
    assert!(out.contains("role greeter-dev-StatesExecutionRole: removed"), "{out}");
    assert!(out.contains("role greeter-dev-StarterRole: removed"), "{out}");
    for name in ["greeter-dev-StatesExecutionRole", "greeter-dev-StarterRole"] {
        let err = fails(&server.aws(&["iam", "get-role", "--role-name", name]))?;
        assert!(err.contains("NoSuchEntity"), "{name}: {err}");
    }
    assert!(machines(&server)?.is_empty());
    Ok(())
}

#[test]
fn a_managed_policy_squall_does_not_have_stops_the_deploy_before_anything_changes() -> Result {
    let server = Server::start()?;
    let yaml =
        GREETER.replace("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    let dir = service_dir(&yaml)?;
    std::fs::write(dir.path().join("handler.py"), GREET)?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(
        err.contains("serverless.yml:33: resources.Resources.StatesExecutionRole.Properties.ManagedPolicyArns[0]: Squall's IAM has no managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"),
        "{err}"
    );
    let err = fails(&server.aws(&["iam", "get-role", "--role-name", "greeter-dev-StatesExecutionRole"]))?;
    assert!(err.contains("NoSuchEntity"), "nothing was made: {err}");
    Ok(())
}
