//! `AWS::Events::Rule` and `AWS::Events::EventBus` resources: rules with their targets (any
//! function, queue, topic, bus or state machine), wholly the service's, and buses the
//! service makes. A rule's function target needs its own `AWS::Lambda::Permission`, as in
//! CloudFormation; a state machine target is started as the target's `RoleArn`, as on AWS.

use crate::parse::{Cx, Path};
use crate::schedules::rule_name;
use crate::{RuleResource, RuleTarget};
use serde_norway::Value;

/// Target settings for services Squall does not serve, refused by name.
const FOREIGN_TARGET_SETTINGS: &[&str] = &[
    "AppSyncParameters",
    "BatchParameters",
    "EcsParameters",
    "HttpParameters",
    "KinesisParameters",
    "RedshiftDataParameters",
    "RunCommandParameters",
    "SageMakerPipelineParameters",
];

/// A name CreateEventBus takes: 1–256 of letters, digits, `.`, `-` and `_`, not `default`
/// nor under `aws.`.
fn valid_bus_name(name: &str) -> bool {
    (1..=256).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && name != "default"
        && !name.starts_with("aws.")
}

impl Cx<'_> {
    /// An `AWS::Events::EventBus`: its `Name` joins the service's buses.
    pub(crate) fn event_bus_resource(&mut self, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall deletes a service's buses with it");
        let path = [&base[..], &["Properties"]].concat();
        let mut name = None;
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "Name" => name = self.resolved_text(&p, v),
                "Description" => {}
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        match name {
            Some(n) if valid_bus_name(&n) => {
                if !self.event_buses.contains(&n) {
                    self.event_buses.push(n);
                }
            }
            Some(n) => self.error(&path, format!("{n} is not a valid event bus name")),
            None => self.error(&path, "needs a Name"),
        }
    }

    /// An `AWS::Events::Rule`, added to `self.rules`.
    pub(crate) fn events_rule_resource(&mut self, service: &str, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall deletes a service's rules with it");
        let path = [&base[..], &["Properties"]].concat();
        let errors_before = self.errors.len();
        let mut rule = RuleResource {
            origin: crate::parse::dotted(&base),
            name: rule_name(service, id),
            logical_id: id.to_string(),
            description: None,
            bus: None,
            pattern: None,
            schedule: None,
            enabled: true,
            targets: Vec::new(),
            owned: true,
        };
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "Name" => rule.name = self.resolved_text(&p, v).unwrap_or_default(),
                "Description" => rule.description = self.resolved_text(&p, v),
                "EventBusName" => {
                    let bus = self.resolved_text(&p, v).unwrap_or_default();
                    let name = bus.split_once(":event-bus/").map_or(bus.as_str(), |(_, n)| n).to_string();
                    rule.bus = (name != "default").then_some(name);
                }
                "EventPattern" => rule.pattern = self.event_pattern(&p, v),
                "ScheduleExpression" => {
                    if let Some(s) = self.resolved_text(&p, v) {
                        match squall_schedules::Schedule::parse(&s) {
                            Ok(_) => rule.schedule = Some(s),
                            Err(why) => {
                                self.error(&p, format!("{s} is not a schedule expression EventBridge accepts: {why}"))
                            }
                        }
                    }
                }
                "State" => match self.resolved_text(&p, v).as_deref() {
                    Some("ENABLED") => rule.enabled = true,
                    Some("DISABLED") => rule.enabled = false,
                    Some(other) => self.error(&p, format!("{other} is not supported (ENABLED or DISABLED)")),
                    None => {}
                },
                "Targets" => {
                    let items = match v {
                        Value::Sequence(items) => items.as_slice(),
                        _ => {
                            self.error(&p, "must be a list of targets");
                            &[]
                        }
                    };
                    for (i, t) in items.iter().enumerate() {
                        let idx = i.to_string();
                        let tp = [p.as_slice(), &[idx.as_str()]].concat();
                        if let Some(t) = self.rule_target(&tp, t) {
                            rule.targets.push(t);
                        }
                    }
                }
                "RoleArn" => self.error(
                    &p,
                    "is not supported: Squall decides each delivery by the target's own policy, never by a role",
                ),
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        if rule.pattern.is_none() && rule.schedule.is_none() {
            self.error(&path, "needs an EventPattern or a ScheduleExpression");
        }
        if rule.bus.is_some() && rule.schedule.is_some() {
            self.error(&path, "a ScheduleExpression is only for the default bus");
        }
        if rule.targets.len() > 5 {
            self.error(&path, "a rule has at most five targets");
        }
        if self.errors.len() == errors_before {
            self.rules.push(rule);
        }
    }

    /// An `EventPattern`: a mapping, or a string holding one; as JSON text, checked.
    fn event_pattern(&mut self, path: &Path, v: &Value) -> Option<String> {
        let text = match v {
            Value::String(s) => s.clone(),
            other => match serde_json::to_value(other) {
                Ok(j) => j.to_string(),
                Err(e) => {
                    self.error(path, format!("cannot be read: {e}"));
                    return None;
                }
            },
        };
        match squall_patterns::Pattern::parse(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                self.error(path, format!("is not an event pattern EventBridge accepts: {}", e.message()));
                None
            }
        }
    }

    /// One of a rule's `Targets`.
    fn rule_target(&mut self, path: &Path, v: &Value) -> Option<RuleTarget> {
        let errors_before = self.errors.len();
        let mut t = RuleTarget::default();
        let mut role = None;
        for (key, v) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "Id" => t.id = self.resolved_text(&p, v).unwrap_or_default(),
                "Arn" => t.arn = self.resolved_text(&p, v).unwrap_or_default(),
                "Input" => t.input = self.json_input(&p, v),
                "InputPath" => t.input_path = self.resolved_text(&p, v),
                "InputTransformer" => t.input_transformer = self.cfn_input_transformer(&p, v),
                "DeadLetterConfig" => {
                    for (k, v) in self.entries(&p, v) {
                        let kp = [p.as_slice(), &[k]].concat();
                        match k {
                            "Arn" => t.dead_letter_arn = self.resolved_text(&kp, v),
                            other => self.error(&kp, format!("{other} is not a DeadLetterConfig setting")),
                        }
                    }
                }
                "RetryPolicy" => {
                    let (mut attempts, mut age) = (185, 86_400);
                    for (k, v) in self.entries(&p, v) {
                        let kp = [p.as_slice(), &[k]].concat();
                        let n = v.as_u64().and_then(|n| u32::try_from(n).ok());
                        match (k, n) {
                            ("MaximumRetryAttempts", Some(n)) if n <= 185 => attempts = n,
                            ("MaximumEventAgeInSeconds", Some(n)) if (60..=86_400).contains(&n) => age = n,
                            ("MaximumRetryAttempts", _) => self.error(&kp, "must be from 0 to 185"),
                            ("MaximumEventAgeInSeconds", _) => self.error(&kp, "must be from 60 to 86400"),
                            (other, _) => self.error(&kp, format!("{other} is not a RetryPolicy setting")),
                        }
                    }
                    t.retry = Some((attempts, age));
                }
                "SqsParameters" => {
                    for (k, v) in self.entries(&p, v) {
                        let kp = [p.as_slice(), &[k]].concat();
                        match k {
                            "MessageGroupId" => t.message_group_id = self.resolved_text(&kp, v),
                            other => self.error(&kp, format!("{other} is not an SqsParameters setting")),
                        }
                    }
                }
                "RoleArn" => role = Some((p.clone(), self.resolved_text(&p, v))),
                k if FOREIGN_TARGET_SETTINGS.contains(&k) => self.error(
                    &p,
                    "is not supported: Squall's targets are functions, queues, topics, buses and state machines",
                ),
                other => self.error(&p, format!("{other} is not a target setting")),
            }
        }
        if t.id.is_empty() || t.arn.is_empty() {
            self.error(path, "needs an Id and an Arn");
        }
        // A state machine is started as a role (states:StartExecution), as on AWS; every other
        // target decides by its own policy.
        let machine = t.arn.starts_with("arn:aws:states:") && t.arn.contains(":stateMachine:");
        match role {
            Some((p, Some(arn))) if machine => {
                if arn.starts_with("arn:aws:iam::") && arn.contains(":role/") {
                    t.role_arn = Some(arn);
                } else {
                    self.error(&p, format!("{arn} is not an IAM role ARN"));
                }
            }
            Some((_, None)) => {}
            Some((p, Some(_))) => self.error(
                &p,
                "is only for state machine targets: Squall decides each delivery to a function, queue, topic or bus by the target's own policy, never by a role",
            ),
            None if machine => self.error(
                path,
                "a state machine target needs a RoleArn: a role trusting events.amazonaws.com that may states:StartExecution the machine",
            ),
            None => {}
        }
        let shaped = [t.input.is_some(), t.input_path.is_some(), t.input_transformer.is_some()];
        if shaped.iter().filter(|s| **s).count() > 1 {
            self.error(path, "Input, InputPath and InputTransformer are exclusive: set one");
        }
        (self.errors.len() == errors_before).then_some(t)
    }

    /// `InputTransformer: {InputPathsMap, InputTemplate}` (CloudFormation's spelling).
    fn cfn_input_transformer(&mut self, path: &Path, v: &Value) -> Option<(Vec<(String, String)>, String)> {
        let mut paths = Vec::new();
        let mut template = None;
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "InputPathsMap" => {
                    for (name, jp) in self.entries(&p, val) {
                        let np = [p.as_slice(), &[name]].concat();
                        if let Some(jp) = self.resolved_text(&np, jp) {
                            paths.push((name.to_string(), jp));
                        }
                    }
                }
                "InputTemplate" => template = self.resolved_text(&p, val),
                other => self.error(&p, format!("{other} is not an InputTransformer setting")),
            }
        }
        match template {
            Some(t) => Some((paths, t)),
            None => {
                self.error(path, "needs an InputTemplate");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
