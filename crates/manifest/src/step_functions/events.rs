//! A state machine's `schedule` and `eventBridge` events: event rules (or schedules) whose
//! target starts the machine as a role trusting EventBridge.

use super::*;

impl Cx<'_> {
    /// A machine's `events`; which services its events role must trust.
    pub(super) fn machine_events(&mut self, path: &Path, v: &Value, target: &MachineTarget<'_>) -> Trust {
        let mut trust = Trust::default();
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return trust;
        };
        let (mut schedules, mut rules) = (0, 0);
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let ipath = [path, &[idx.as_str()]].concat();
            let entries = self.entries(&ipath, item);
            if entries.len() != 1 {
                self.error(&ipath, "an event has exactly one type, such as schedule");
                continue;
            }
            let (kind, spec) = entries[0];
            let epath = [ipath.as_slice(), &[kind]].concat();
            match kind {
                "http" => {
                    if let Some(route) = self.machine_http_event(&epath, spec, target.arn) {
                        self.state_machine_routes.push(route);
                    }
                }
                "schedule" => {
                    schedules += 1;
                    match self.machine_schedule(&epath, spec, target, schedules) {
                        Some("scheduler") => trust.scheduler = true,
                        Some(_) => trust.events = true,
                        None => {}
                    }
                }
                "eventBridge" | "cloudwatchEvent" => {
                    rules += 1;
                    if self.machine_rule(&epath, spec, target, rules) {
                        trust.events = true;
                    }
                }
                other => self.error(
                    &epath,
                    format!("{other} events of state machines are not supported (schedule and eventBridge are)"),
                ),
            }
        }
        trust
    }

    /// A `schedule` event: an event rule on the default bus (or with `method: scheduler` an
    /// EventBridge Scheduler schedule) starting the machine. The service whose trust the
    /// deploy's events role needs (`events`, `scheduler`), `None` when the event names its
    /// own role or is refused.
    fn machine_schedule(
        &mut self,
        path: &Path,
        v: &Value,
        target: &MachineTarget<'_>,
        number: usize,
    ) -> Option<&'static str> {
        let errors_before = self.errors.len();
        let mut rate = None;
        let mut enabled = true;
        let mut name = None;
        let mut description = None;
        let mut input = None;
        let mut input_path = None;
        let mut input_transformer = None;
        let mut role = None;
        let mut scheduler = false;
        let mut timezone = None;
        match v {
            Value::String(s) => rate = Some((path.to_vec(), s.clone())),
            Value::Mapping(_) => {
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    match k {
                        "rate" => rate = self.string(&p, val).map(|s| (p.clone(), s)),
                        "enabled" => enabled = self.flag(&p, val).unwrap_or(true),
                        "name" => name = self.string(&p, val).map(|n| (p.clone(), n)),
                        "description" => description = self.string(&p, val),
                        "input" => input = self.json_input(&p, val),
                        "inputPath" => input_path = self.string(&p, val),
                        "inputTransformer" => input_transformer = self.input_transformer(&p, val),
                        "role" => role = self.events_role_arn(&p, val),
                        "method" => match val.as_str() {
                            Some("eventBus") => {}
                            Some("scheduler") => scheduler = true,
                            _ => self.error(&p, "must be eventBus or scheduler"),
                        },
                        "timezone" => timezone = self.string(&p, val).map(|tz| (p.clone(), tz)),
                        other => self.error(&p, format!("schedule setting {other} is not supported")),
                    }
                }
            }
            _ => self.error(path, "must be a rate or cron expression, or a mapping with rate"),
        }
        if rate.is_none() && self.errors.len() == errors_before {
            self.error(path, "needs a rate: rate(...) or cron(...)");
        }
        if let Some((p, expr)) = &rate
            && let Err(why) = squall_schedules::Schedule::parse(expr)
        {
            self.error(p, format!("{expr} is not a schedule expression EventBridge accepts: {why}"));
        }
        self.schedule_time_zone(timezone.as_ref(), scheduler);
        if scheduler && input_path.is_some() {
            self.error(path, "inputPath is not supported with method: scheduler (as in the plugin)");
        }
        if scheduler && input_transformer.is_some() {
            self.error(path, "inputTransformer is not supported with method: scheduler (as in the plugin)");
        }
        if [input.is_some(), input_path.is_some(), input_transformer.is_some()].iter().filter(|g| **g).count() > 1 {
            self.error(path, "input, inputPath and inputTransformer are exclusive: set one");
        }
        if let Some((p, n)) = &name
            && !rule_name_ok(n)
        {
            self.error(p, "a rule or schedule name is 1 to 64 letters, digits, '.', '-' and '_'");
        }
        if self.errors.len() != errors_before {
            return None;
        }
        let (_, expression) = rate?;
        let kind = if scheduler { "StepFunctionsSchedulerSchedule" } else { "StepFunctionsEventsRuleSchedule" };
        let logical_id = format!("{}{kind}{number}", function_logical_name(target.key));
        let name = name.map_or_else(|| rule_name(target.stack, &logical_id), |(_, n)| n);
        let made = role.is_none();
        let role_arn = role.unwrap_or_else(|| target.events_role.to_string());
        let origin = dotted(path);
        if scheduler {
            self.schedules.push(ScheduleResource {
                origin,
                name,
                logical_id,
                description,
                expression,
                timezone: timezone.map(|(_, tz)| tz),
                enabled,
                target: ScheduleTarget {
                    arn: target.arn.to_string(),
                    role_arn: Some(role_arn),
                    input,
                    ..ScheduleTarget::default()
                },
                ..ScheduleResource::default()
            });
        } else {
            self.rules.push(RuleResource {
                origin,
                name,
                logical_id,
                description,
                bus: None,
                pattern: None,
                schedule: Some(expression),
                enabled,
                targets: vec![RuleTarget {
                    id: target_id(&format!("{}StepFunctionsSchedule", target.key)),
                    arn: target.arn.to_string(),
                    input,
                    input_path,
                    input_transformer,
                    role_arn: Some(role_arn),
                    ..RuleTarget::default()
                }],
                // The rule is wholly the machine's, as the plugin's CloudFormation rule is.
                owned: true,
            });
        }
        made.then_some(if scheduler { "scheduler" } else { "events" })
    }

    /// An `eventBridge` (or `cloudwatchEvent`) event: `{event, eventBusName, enabled, input
    /// | inputPath | inputTransformer, name, description, iamRole, deadLetterConfig,
    /// retryPolicy}`, a rule starting the machine. Whether the deploy's events role is its.
    fn machine_rule(&mut self, path: &Path, v: &Value, target: &MachineTarget<'_>, number: usize) -> bool {
        let errors_before = self.errors.len();
        let mut pattern = None;
        let mut bus = None;
        let mut enabled = true;
        let mut input = None;
        let mut input_path = None;
        let mut input_transformer = None;
        let mut name = None;
        let mut description = None;
        let mut role = None;
        let mut dead_letter_arn = None;
        let mut retry = None;
        if !matches!(v, Value::Mapping(_)) {
            self.error(path, "must be a mapping with an event pattern (event)");
            return false;
        }
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "event" => pattern = self.pattern_mapping(&p, val),
                "eventBusName" => bus = self.resolved_text(&p, val).map(|b| (p.clone(), b)),
                "enabled" => enabled = self.flag(&p, val).unwrap_or(true),
                "input" => input = self.json_input(&p, val),
                "inputPath" => input_path = self.string(&p, val),
                "inputTransformer" => input_transformer = self.input_transformer(&p, val),
                "name" => name = self.string(&p, val).map(|n| (p.clone(), n)),
                "description" => description = self.string(&p, val),
                "iamRole" => role = self.events_role_arn(&p, val),
                "deadLetterConfig" => {
                    dead_letter_arn = self.resolved_text(&p, val);
                    if let Some(arn) = dead_letter_arn.as_deref().filter(|a| !a.starts_with("arn:aws:sqs:")) {
                        self.error(&p, format!("{arn} is not an SQS queue ARN (use !GetAtt Queue.Arn)"));
                    }
                }
                "retryPolicy" => retry = self.machine_retry(&p, val),
                "pattern" => self.error(&p, "a state machine's eventBridge event takes its pattern as event"),
                other => self.error(&p, format!("eventBridge setting {other} is not supported")),
            }
        }
        if pattern.is_none() && self.errors.len() == errors_before {
            self.error(path, "needs an event pattern (event)");
        }
        if [input.is_some(), input_path.is_some(), input_transformer.is_some()].iter().filter(|g| **g).count() > 1 {
            self.error(path, "input, inputPath and inputTransformer are exclusive: set one");
        }
        if let Some((p, n)) = &name
            && !rule_name_ok(n)
        {
            self.error(p, "a rule name is 1 to 64 letters, digits, '.', '-' and '_'");
        }
        // A bus the rule is put on must exist: one of the service's resources, or made
        // elsewhere (the plugin makes none).
        let bus = match bus {
            None => None,
            Some((p, b)) => match b.strip_prefix("arn:aws:events:") {
                Some(rest) => match rest.split_once(":event-bus/") {
                    Some((_, n)) => Some(n.to_string()),
                    None => {
                        self.error(&p, format!("{b} is neither a bus name nor an event bus ARN"));
                        None
                    }
                },
                None => Some(b),
            },
        }
        .filter(|b| b != "default");
        if self.errors.len() != errors_before {
            return false;
        }
        let logical_id = format!("{}EventsRuleCloudWatchEvent{number}", function_logical_name(target.key));
        let name = name.map_or_else(|| rule_name(target.stack, &logical_id), |(_, n)| n);
        let made = role.is_none();
        self.rules.push(RuleResource {
            origin: dotted(path),
            name,
            logical_id,
            description,
            bus,
            pattern,
            schedule: None,
            enabled,
            targets: vec![RuleTarget {
                id: target_id(&format!("{}CloudWatchEvent", target.key)),
                arn: target.arn.to_string(),
                input,
                input_path,
                input_transformer,
                dead_letter_arn,
                retry,
                message_group_id: None,
                role_arn: Some(role.unwrap_or_else(|| target.events_role.to_string())),
            }],
            owned: true,
        });
        made
    }

    /// The role an event starts the machine as, when the event names one.
    fn events_role_arn(&mut self, path: &Path, v: &Value) -> Option<String> {
        let arn = self.resolved_text(path, v)?;
        if arn.starts_with("arn:aws:iam::") && arn.contains(":role/") {
            return Some(arn);
        }
        self.error(path, format!("{arn} is not an IAM role ARN (a role trusting events.amazonaws.com)"));
        None
    }

    /// `retryPolicy: {maximumEventAgeInSeconds, maximumRetryAttempts}` (the plugin's
    /// spelling of the functions' `maximumEventAge`).
    fn machine_retry(&mut self, path: &Path, v: &Value) -> Option<(u32, u32)> {
        self.retry_policy_as(path, v, "maximumEventAgeInSeconds")
    }
}
