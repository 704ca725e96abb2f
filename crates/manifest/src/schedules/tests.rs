//! `schedule` events as the framework's documentation writes them, and their refusals.

use crate::parse;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
    }
}

const JOBS: &str = "\
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  nightly:
    handler: h.main
    events:
      - schedule: cron(0 3 * * ? *)
      - schedule:
          rate:
            - rate(10 minutes)
            - cron(0/15 8-17 ? * MON-FRI *)
          enabled: false
          description: work hours
          input:
            key1: value1
            stageParams:
              stage: dev
  report:
    handler: h.report
    events:
      - schedule:
          name: weekly-report
          rate: cron(0 9 ? * 2 *)
          inputTransformer:
            inputPathsMap:
              when: $.time
            inputTemplate: '{\"at\": <when>}'
";

#[test]
fn each_expression_is_a_rule_targeting_its_function() {
    let m = parse("serverless.yml", JOBS).unwrap();
    let rules: Vec<(&str, &str, bool)> =
        m.rules.iter().map(|r| (r.name.as_str(), r.schedule.as_deref().unwrap_or_default(), r.enabled)).collect();
    assert_eq!(
        rules,
        [
            ("jobs-dev-NightlyEventsRuleSchedule1", "cron(0 3 * * ? *)", true),
            ("jobs-dev-NightlyEventsRuleSchedule2", "rate(10 minutes)", false),
            ("jobs-dev-NightlyEventsRuleSchedule3", "cron(0/15 8-17 ? * MON-FRI *)", false),
            ("weekly-report", "cron(0 9 ? * 2 *)", true),
        ]
    );
    assert_eq!(m.rules[0].targets[0].arn, "arn:aws:lambda:us-east-1:000000000000:function:jobs-dev-nightly");
    assert_eq!(m.rules[0].targets[0].id, "NightlySchedule");
    assert_eq!(m.rules[1].targets[0].input.as_deref(), Some(r#"{"key1":"value1","stageParams":{"stage":"dev"}}"#));
    assert_eq!(m.rules[2].description.as_deref(), Some("work hours"));
    assert_eq!(
        m.rules[3].targets[0].input_transformer,
        Some((vec![("when".into(), "$.time".into())], r#"{"at": <when>}"#.into()))
    );
    // Each rule may invoke its function, as the framework's permissions allow.
    let permission =
        m.resource_policies.iter().find(|p| p.logical_id == "NightlyEventsRuleSchedule1LambdaPermission").unwrap();
    assert!(permission.document.contains("events.amazonaws.com"), "{}", permission.document);
    assert!(permission.document.contains("rule/jobs-dev-NightlyEventsRuleSchedule1"), "{}", permission.document);
}

#[test]
fn long_names_are_cut_to_64_characters_keeping_the_logical_id() {
    let yaml = JOBS.replace("service: jobs", "service: a-service-with-a-rather-long-name-indeed");
    let m = parse("serverless.yml", &yaml).unwrap();
    assert!(m.rules.iter().all(|r| r.name.len() <= 64), "{:?}", m.rules);
    assert!(m.rules[0].name.ends_with("-NightlyEventsRuleSchedule1"), "{}", m.rules[0].name);
    let prod = parse("serverless.yml", &yaml.replace("  runtime: python3.12", "  runtime: python3.12\n  stage: prod"))
        .unwrap();
    assert_ne!(prod.rules[0].name, m.rules[0].name, "two stages, two rules");
}

#[test]
fn refusals_name_the_key() {
    let bad = |from: &str, to: &str| errors(&JOBS.replace(from, to));
    let e = bad("schedule: cron(0 3 * * ? *)", "schedule: cron(0 3 * * * *)");
    assert!(e.contains("functions.nightly.events[0].schedule: cron(0 3 * * * *) is not a schedule expression"), "{e}");
    let e = bad("schedule: cron(0 3 * * ? *)", "schedule: rate(1 minutes)");
    assert!(e.contains("is not a schedule expression EventBridge accepts"), "{e}");
    let e = bad("          enabled: false\n", "          timezone: Europe/Paris\n");
    assert!(e.contains("timezone is only supported with method: scheduler"), "{e}");
    let e = bad("          enabled: false\n", "          method: scheduler\n          timezone: Mars/Base\n");
    assert!(e.contains("Mars/Base is not an IANA time zone"), "{e}");
    let e = bad("          name: weekly-report\n", "          name: weekly-report\n          method: scheduler\n");
    assert!(e.contains("inputTransformer is not supported with method: scheduler"), "{e}");
    let e = bad("          enabled: false\n", "          enabled: false\n          inputPath: $.detail\n");
    assert!(e.contains("input, inputPath and inputTransformer are exclusive"), "{e}");
    let e = bad("          description: work hours\n", "          name: two-rates\n");
    assert!(e.contains("one name cannot be given to several rates"), "{e}");
    let e = bad("          enabled: false\n", "          batchSize: 3\n");
    assert!(e.contains("schedule setting batchSize is not supported"), "{e}");
}

#[test]
fn method_scheduler_makes_schedules_in_their_time_zone() {
    let yaml = JOBS.replace(
        "          enabled: false\n",
        "          enabled: false\n          method: scheduler\n          timezone: Europe/Paris\n",
    );
    let m = parse("serverless.yml", &yaml).unwrap();
    let schedules: Vec<(&str, &str, Option<&str>, bool)> = m
        .schedules
        .iter()
        .map(|s| (s.name.as_str(), s.expression.as_str(), s.timezone.as_deref(), s.enabled))
        .collect();
    assert_eq!(
        schedules,
        [
            ("jobs-dev-NightlySchedulerSchedule2", "rate(10 minutes)", Some("Europe/Paris"), false),
            ("jobs-dev-NightlySchedulerSchedule3", "cron(0/15 8-17 ? * MON-FRI *)", Some("Europe/Paris"), false),
        ]
    );
    assert_eq!(m.schedules[0].target.input.as_deref(), Some(r#"{"key1":"value1","stageParams":{"stage":"dev"}}"#));
    assert_eq!(m.schedules[0].target.arn, "arn:aws:lambda:us-east-1:000000000000:function:jobs-dev-nightly");
    assert_eq!(m.schedules[0].target.role_arn, None);
    let with_role = yaml.replace(
        "          timezone: Europe/Paris\n",
        "          timezone: Europe/Paris\n          roleArn: arn:aws:iam::000000000000:role/sched\n",
    );
    let m = parse("serverless.yml", &with_role).unwrap();
    assert_eq!(m.schedules[0].target.role_arn.as_deref(), Some("arn:aws:iam::000000000000:role/sched"));
    let e =
        errors(&JOBS.replace("          enabled: false\n", "          roleArn: arn:aws:iam::000000000000:role/r\n"));
    assert!(e.contains("roleArn is only for method: scheduler"), "{e}");
    // The other events stay rules, numbered on from the same count.
    let rules: Vec<&str> = m.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rules, ["jobs-dev-NightlyEventsRuleSchedule1", "weekly-report"]);
}
