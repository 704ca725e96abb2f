//! `AWS::Scheduler::Schedule` and `AWS::Scheduler::ScheduleGroup` resources as templates
//! write them.

use crate::parse;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

const REPORTS: &str = "\
service: reports
provider:
  name: aws
  runtime: python3.12
functions:
  build:
    handler: h.build
resources:
  Resources:
    Jobs:
      Type: AWS::Scheduler::ScheduleGroup
      Properties:
        Name: reports-jobs
    Inbox:
      Type: AWS::SQS::Queue
    Weekly:
      Type: AWS::Scheduler::Schedule
      Properties:
        GroupName: !Ref Jobs
        ScheduleExpression: cron(0 9 ? * MON *)
        ScheduleExpressionTimezone: Europe/Paris
        StartDate: '2027-01-01T00:00:00Z'
        FlexibleTimeWindow:
          Mode: FLEXIBLE
          MaximumWindowInMinutes: 15
        Target:
          Arn: !GetAtt BuildLambdaFunction.Arn
          RoleArn: arn:aws:iam::000000000000:role/scheduler
          Input: '{\"kind\": \"weekly\"}'
          RetryPolicy:
            MaximumRetryAttempts: 3
    Nudge:
      Type: AWS::Scheduler::Schedule
      Properties:
        Name: nudge
        ScheduleExpression: at(2027-06-01T08:00:00)
        State: DISABLED
        FlexibleTimeWindow:
          Mode: 'OFF'
        Target:
          Arn: !GetAtt Inbox.Arn
          RoleArn: arn:aws:iam::000000000000:role/scheduler
          DeadLetterConfig:
            Arn: arn:aws:sqs:us-east-1:000000000000:dead
  Outputs:
    WeeklyArn:
      Value: !GetAtt Weekly.Arn
";

#[test]
fn schedules_and_groups_become_the_services_own() {
    let m = parse("serverless.yml", REPORTS).unwrap();
    assert_eq!(m.schedule_groups, ["reports-jobs"]);
    assert_eq!(m.schedules.len(), 2);
    let weekly = &m.schedules[0];
    assert_eq!(weekly.name, "reports-dev-Weekly");
    assert_eq!(weekly.group.as_deref(), Some("reports-jobs"));
    assert_eq!(weekly.timezone.as_deref(), Some("Europe/Paris"));
    assert_eq!(weekly.start_ms, Some(1_798_761_600_000));
    assert_eq!(weekly.window_minutes, Some(15));
    assert_eq!(weekly.target.arn, "arn:aws:lambda:us-east-1:000000000000:function:reports-dev-build");
    assert_eq!(weekly.target.retry, Some((3, 86_400)));
    let nudge = &m.schedules[1];
    assert_eq!((nudge.name.as_str(), nudge.enabled, nudge.group.as_deref()), ("nudge", false, None));
    assert_eq!(nudge.target.dead_letter_arn.as_deref(), Some("arn:aws:sqs:us-east-1:000000000000:dead"));
    assert_eq!(m.outputs[0].value, "arn:aws:scheduler:us-east-1:000000000000:schedule/reports-jobs/reports-dev-Weekly");
}

#[test]
fn refusals_name_the_key() {
    let bad = |from: &str, to: &str| {
        assert!(REPORTS.contains(from), "{from}");
        errors(&REPORTS.replace(from, to))
    };
    let e = bad("        GroupName: !Ref Jobs\n", "        GroupName: elsewhere\n");
    assert!(e.contains("a schedule must be in a group the service declares"), "{e}");
    let e = bad("          RoleArn: arn:aws:iam::000000000000:role/scheduler\n          Input", "          Input");
    assert!(e.contains("Target needs a RoleArn"), "{e}");
    let e = bad(
        "        State: DISABLED\n",
        "        State: DISABLED\n        KmsKeyArn: arn:aws:kms:us-east-1:000000000000:key/k\n",
    );
    assert!(e.contains("KmsKeyArn: is not supported"), "{e}");
    let e = bad("          Mode: 'OFF'\n", "          Mode: FLEXIBLE\n");
    assert!(e.contains("is Mode: OFF, or Mode: FLEXIBLE with MaximumWindowInMinutes"), "{e}");
    let e = bad("        StartDate: '2027-01-01T00:00:00Z'\n", "        StartDate: next monday\n");
    assert!(e.contains("next monday is not an ISO 8601 date"), "{e}");
    let e =
        bad("        ScheduleExpressionTimezone: Europe/Paris\n", "        ScheduleExpressionTimezone: Mars/Base\n");
    assert!(e.contains("Mars/Base is not an IANA time zone"), "{e}");
    let e = bad(
        "          RoleArn: arn:aws:iam::000000000000:role/scheduler\n          Input",
        "          RoleArn: arn:aws:iam::000000000000:role/scheduler\n          EcsParameters: {}\n          Input",
    );
    assert!(e.contains("EcsParameters: is not supported"), "{e}");
}
