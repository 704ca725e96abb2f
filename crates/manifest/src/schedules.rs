//! `schedule` events: each rate or cron expression becomes an EventBridge rule on the
//! default bus with the function as its target, as the framework compiles them; with
//! `method: scheduler`, an EventBridge Scheduler schedule (which may have a `timezone`).

use crate::buckets::EventFunction;
use crate::parse::{Cx, Path, dotted};
use crate::resource_policies::logical;
use crate::scheduler_resources::{ScheduleResource, ScheduleTarget};
use serde_norway::Value;

/// An event rule: one a function's `schedule` or `eventBridge` event makes, with the
/// function as its one target, or an `AWS::Events::Rule` resource with its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResource {
    /// Where it was declared (`functions.f.events[0].schedule`).
    pub origin: String,
    /// The rule's name: `name`, else `<service>-<stage>-<LogicalId>` (at most 64
    /// characters), as stable across deploys as CloudFormation's.
    pub name: String,
    /// The framework's logical id (`HelloEventsRuleSchedule1`), or the resource's.
    pub logical_id: String,
    /// `description`.
    pub description: Option<String>,
    /// The bus it is on (`None`: the default bus).
    pub bus: Option<String>,
    /// Its event pattern (JSON text).
    pub pattern: Option<String>,
    /// `rate(...)` or `cron(...)`.
    pub schedule: Option<String>,
    /// `enabled: false` makes it DISABLED.
    pub enabled: bool,
    /// Its targets.
    pub targets: Vec<RuleTarget>,
    /// Whether the rule is wholly the service's (a resource): a deploy removes any target
    /// it does not list. A function's event's rule keeps the targets others gave it.
    pub owned: bool,
}

/// A target of a [`RuleResource`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleTarget {
    /// `Id`.
    pub id: String,
    /// `Arn`: a function, queue, topic or bus.
    pub arn: String,
    /// `input` (JSON text).
    pub input: Option<String>,
    /// `inputPath`.
    pub input_path: Option<String>,
    /// `inputTransformer`: (`inputPathsMap`, `inputTemplate`).
    pub input_transformer: Option<(Vec<(String, String)>, String)>,
    /// `deadLetterQueueArn`: where an event the target cannot take goes.
    pub dead_letter_arn: Option<String>,
    /// `retryPolicy`: (`maximumRetryAttempts`, `maximumEventAge` in seconds).
    pub retry: Option<(u32, u32)>,
    /// `SqsParameters.MessageGroupId`, for a FIFO queue.
    pub message_group_id: Option<String>,
    /// `RoleArn`: the role EventBridge acts as to start a state machine target.
    pub role_arn: Option<String>,
}

impl RuleResource {
    /// The rule's ARN in `region`.
    pub fn arn(&self, region: &str) -> String {
        let account = squall_types::ACCOUNT_ID;
        match &self.bus {
            Some(bus) => format!("arn:aws:events:{region}:{account}:rule/{bus}/{}", self.name),
            None => format!("arn:aws:events:{region}:{account}:rule/{}", self.name),
        }
    }
}

/// `<deployment>-<logical id>`, shortened to a rule name's 64 characters by cutting the
/// deployment's part, marked with a hash of the whole so two stages stay apart, and
/// keeping the logical id whole.
pub fn rule_name(deployment: &str, logical_id: &str) -> String {
    let full = format!("{deployment}-{logical_id}");
    if full.len() <= 64 {
        return full;
    }
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash =
        deployment.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mark = format!("{:06x}", hash & 0xff_ffff);
    let keep = 64usize.saturating_sub(logical_id.len() + mark.len() + 2);
    let head: String = deployment.chars().take(keep).collect();
    format!("{head}-{mark}-{logical_id}").chars().take(64).collect()
}

impl Cx<'_> {
    /// A `schedule` event: `schedule: rate(...)` or `schedule: {rate: expr | [expr...],
    /// enabled, name, description, input, inputPath, inputTransformer, method}`. The
    /// `number`th schedule event of the function (from 1) numbers its logical ids.
    pub(crate) fn schedule_event(&mut self, path: &Path, v: &Value, function: &EventFunction, number: &mut usize) {
        let mut rates: Vec<(Vec<&str>, String)> = Vec::new();
        let mut enabled = true;
        let mut name = None;
        let mut description = None;
        let mut input = None;
        let mut input_path = None;
        let mut input_transformer = None;
        let mut scheduler = false;
        let mut timezone = None;
        let mut role_arn = None;
        let errors_before = self.errors.len();
        match v {
            Value::String(s) => rates.push((path.to_vec(), s.clone())),
            Value::Mapping(_) => {
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    match k {
                        "rate" => match val {
                            Value::Sequence(items) => {
                                for (i, item) in items.iter().enumerate() {
                                    let idx = i.to_string();
                                    let ip: Vec<&str> = [p.as_slice(), &[idx.as_str()]].concat();
                                    if let Some(s) = self.string(&ip, item) {
                                        // The index's text must outlive this loop: keep the key path only.
                                        rates.push((p.clone(), s));
                                    }
                                }
                            }
                            other => {
                                if let Some(s) = self.string(&p, other) {
                                    rates.push((p.clone(), s));
                                }
                            }
                        },
                        "enabled" => match val {
                            Value::Bool(b) => enabled = *b,
                            _ => self.error(&p, "must be true or false"),
                        },
                        "name" => name = self.string(&p, val).map(|n| (p.clone(), n)),
                        "description" => description = self.string(&p, val),
                        "input" => input = self.json_input(&p, val),
                        "inputPath" => input_path = self.string(&p, val),
                        "inputTransformer" => input_transformer = self.input_transformer(&p, val),
                        "method" => match val.as_str() {
                            Some("eventBus") => {}
                            Some("scheduler") => scheduler = true,
                            _ => self.error(&p, "must be eventBus or scheduler"),
                        },
                        "timezone" => {
                            timezone = self.string(&p, val).map(|tz| (p.clone(), tz));
                        }
                        "roleArn" => role_arn = self.resolved_text(&p, val).map(|r| (p.clone(), r)),
                        other => self.error(&p, format!("schedule setting {other} is not supported")),
                    }
                }
            }
            _ => self.error(path, "must be a rate or cron expression, or a mapping with rate"),
        }
        if rates.is_empty() && self.errors.len() == errors_before {
            self.error(path, "needs a rate: rate(...) or cron(...)");
        }
        self.schedule_time_zone(timezone.as_ref(), scheduler);
        if let Some((p, _)) = role_arn.as_ref().filter(|_| !scheduler) {
            self.error(p, "roleArn is only for method: scheduler");
        }
        if scheduler && input_path.is_some() {
            self.error(path, "inputPath is not supported with method: scheduler (as in the framework)");
        }
        if scheduler && input_transformer.is_some() {
            self.error(path, "inputTransformer is not supported with method: scheduler (as in the framework)");
        }
        let given = [input.is_some(), input_path.is_some(), input_transformer.is_some()];
        if given.iter().filter(|g| **g).count() > 1 {
            self.error(path, "input, inputPath and inputTransformer are exclusive: set one");
        }
        for (p, expr) in &rates {
            if let Err(why) = squall_schedules::Schedule::parse(expr) {
                self.error(p, format!("{expr} is not a schedule expression EventBridge accepts: {why}"));
            }
        }
        if self.errors.len() != errors_before {
            return;
        }
        if let Some((p, _)) = &name
            && rates.len() > 1
        {
            self.error(p, "one name cannot be given to several rates (each rate is a rule of its own)");
            return;
        }
        for (p, expr) in rates {
            let kind = if scheduler { "SchedulerSchedule" } else { "EventsRuleSchedule" };
            let logical_id = format!("{}{kind}{}", logical(function.key), number);
            *number += 1;
            let rule_name = match &name {
                Some((np, n)) => {
                    let ok = (1..=64).contains(&n.len())
                        && n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
                    if !ok {
                        self.error(np, "a rule name is 1 to 64 letters, digits, '.', '-' and '_'");
                        return;
                    }
                    n.clone()
                }
                None => rule_name(function.service, &logical_id),
            };
            if scheduler {
                self.schedules.push(ScheduleResource {
                    origin: dotted(&p),
                    name: rule_name,
                    logical_id,
                    description: description.clone(),
                    expression: expr,
                    timezone: timezone.as_ref().map(|(_, tz)| tz.clone()),
                    enabled,
                    target: ScheduleTarget {
                        arn: function.arn.to_string(),
                        role_arn: role_arn.as_ref().map(|(_, r)| r.clone()),
                        input: input.clone(),
                        ..ScheduleTarget::default()
                    },
                    ..ScheduleResource::default()
                });
                continue;
            }
            self.rules.push(RuleResource {
                origin: dotted(&p),
                name: rule_name,
                logical_id,
                description: description.clone(),
                bus: None,
                pattern: None,
                schedule: Some(expr),
                enabled,
                targets: vec![RuleTarget {
                    id: format!("{}Schedule", logical(function.key)),
                    arn: function.arn.to_string(),
                    input: input.clone(),
                    input_path: input_path.clone(),
                    input_transformer: input_transformer.clone(),
                    ..RuleTarget::default()
                }],
                owned: false,
            });
        }
    }

    /// An `input`: a mapping, or a string holding JSON; as JSON text.
    /// A schedule event's `timezone`: for `method: scheduler` only, an IANA zone.
    pub(crate) fn schedule_time_zone(&mut self, timezone: Option<&(Vec<&str>, String)>, scheduler: bool) {
        let Some((p, tz)) = timezone else { return };
        if !scheduler {
            self.error(p, "timezone is only supported with method: scheduler (event rules run on UTC)");
        } else if squall_schedules::time_zone(tz).is_none() {
            self.error(p, format!("{tz} is not an IANA time zone (America/New_York, Europe/Paris, UTC)"));
        }
    }

    pub(crate) fn json_input(&mut self, path: &Path, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(_) => Some(s.clone()),
                Err(_) => {
                    self.error(path, "must be JSON (a mapping, or a string holding JSON)");
                    None
                }
            },
            other => match serde_json::to_value(other) {
                Ok(j) => Some(j.to_string()),
                Err(e) => {
                    self.error(path, format!("cannot be read: {e}"));
                    None
                }
            },
        }
    }

    /// `inputTransformer: {inputPathsMap, inputTemplate}`.
    pub(crate) fn input_transformer(&mut self, path: &Path, v: &Value) -> Option<(Vec<(String, String)>, String)> {
        let mut paths = Vec::new();
        let mut template = None;
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "inputPathsMap" => {
                    for (name, jp) in self.entries(&p, val) {
                        let np = [p.as_slice(), &[name]].concat();
                        if let Some(jp) = self.string(&np, jp) {
                            paths.push((name.to_string(), jp));
                        }
                    }
                }
                "inputTemplate" => template = self.string(&p, val),
                other => self.error(&p, format!("inputTransformer setting {other} is not supported")),
            }
        }
        match template {
            Some(t) => Some((paths, t)),
            None => {
                self.error(path, "needs an inputTemplate");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
