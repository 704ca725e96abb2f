//! `eventBridge` events: a rule (an event pattern or a schedule) on the default bus or a
//! named one, with the function as its target, named as the framework names it
//! (`<function>-rule-<n>`); a bus named by name (not ARN) is the service's, made on deploy.

use crate::buckets::EventFunction;
use crate::parse::{Cx, Path, dotted};
use crate::resource_policies::logical;
use crate::{RuleResource, RuleTarget};
use md5::{Digest, Md5};
use serde_norway::Value;

/// `name` if it fits in 64 characters, else its head, its MD5 and `suffix`, as the
/// framework shortens rule names and target ids.
fn hashed(name: String, suffix: &str) -> String {
    if name.len() <= 64 {
        return name;
    }
    let head: String = name.chars().take(31usize.saturating_sub(suffix.len())).collect();
    format!("{head}{}-{suffix}", hex::encode(Md5::digest(name.as_bytes())))
}

impl Cx<'_> {
    /// An `eventBridge` event's pattern: a mapping, as JSON text, checked.
    pub(crate) fn pattern_mapping(&mut self, path: &Path, v: &Value) -> Option<String> {
        let Ok(j @ serde_json::Value::Object(_)) = serde_json::to_value(v) else {
            self.error(path, "must be a mapping (an event pattern)");
            return None;
        };
        let text = j.to_string();
        match squall_patterns::Pattern::parse(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                self.error(path, format!("is not an event pattern EventBridge accepts: {}", e.message()));
                None
            }
        }
    }

    /// An `eventBridge` event, the `index`th event of its function (from 1): `{eventBus,
    /// pattern | schedule, name, description, enabled, input | inputPath |
    /// inputTransformer, deadLetterQueueArn}`.
    pub(crate) fn event_bridge_event(&mut self, path: &Path, v: &Value, function: &EventFunction, index: usize) {
        let errors_before = self.errors.len();
        let mut bus = None;
        let mut pattern = None;
        let mut schedule = None;
        let mut name = None;
        let mut description = None;
        let mut enabled = true;
        let mut input = None;
        let mut input_path = None;
        let mut input_transformer = None;
        let mut dead_letter_arn = None;
        let mut retry = None;
        if !matches!(v, Value::Mapping(_)) {
            self.error(path, "must be a mapping with a pattern or a schedule");
            return;
        }
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "eventBus" => bus = self.resolved_text(&p, val).map(|b| (p.clone(), b)),
                "pattern" => pattern = self.pattern_mapping(&p, val),
                "schedule" => {
                    if let Some(s) = self.string(&p, val) {
                        match squall_schedules::Schedule::parse(&s) {
                            Ok(_) => schedule = Some(s),
                            Err(why) => {
                                self.error(&p, format!("{s} is not a schedule expression EventBridge accepts: {why}"))
                            }
                        }
                    }
                }
                "name" => name = self.string(&p, val).map(|n| (p.clone(), n)),
                "description" => description = self.string(&p, val),
                "enabled" => match val {
                    Value::Bool(b) => enabled = *b,
                    _ => self.error(&p, "must be true or false"),
                },
                "input" => input = self.json_input(&p, val),
                "inputPath" => input_path = self.string(&p, val),
                "inputTransformer" => input_transformer = self.input_transformer(&p, val),
                "deadLetterQueueArn" => {
                    dead_letter_arn = self.resolved_text(&p, val);
                    if let Some(arn) = dead_letter_arn.as_deref().filter(|a| !a.starts_with("arn:aws:sqs:")) {
                        self.error(&p, format!("{arn} is not an SQS queue ARN (use !GetAtt Queue.Arn)"));
                    }
                }
                "retryPolicy" => retry = self.retry_policy(&p, val),
                other => self.error(&p, format!("eventBridge setting {other} is not supported")),
            }
        }
        if pattern.is_none() && schedule.is_none() && self.errors.len() == errors_before {
            self.error(path, "needs a pattern or a schedule");
        }
        if [input.is_some(), input_path.is_some(), input_transformer.is_some()].iter().filter(|g| **g).count() > 1 {
            self.error(path, "input, inputPath and inputTransformer are exclusive: set one");
        }
        // A name is the bus's own; an ARN names a bus that exists.
        let bus = match bus {
            None => None,
            Some((p, b)) => {
                let name = match b.strip_prefix("arn:aws:events:") {
                    Some(rest) => rest.split_once(":event-bus/").map(|(_, n)| n.to_string()),
                    None => {
                        if b != "default" && !self.event_buses.contains(&b) {
                            self.event_buses.push(b.clone());
                        }
                        Some(b.clone())
                    }
                };
                match name {
                    Some(n) if n == "default" => None,
                    Some(n) => Some(n),
                    None => {
                        self.error(&p, format!("{b} is neither a bus name nor an event bus ARN"));
                        None
                    }
                }
            }
        };
        if bus.is_some() && schedule.is_some() {
            self.error(path, "a schedule is only for the default bus (EventBridge runs schedules there only)");
        }
        if self.errors.len() != errors_before {
            return;
        }
        let rule_name = match name {
            Some((p, n)) => {
                let ok = (1..=64).contains(&n.len())
                    && n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
                if !ok {
                    self.error(&p, "a rule name is 1 to 64 letters, digits, '.', '-' and '_'");
                    return;
                }
                n
            }
            None => hashed(format!("{}-rule-{index}", function.name), &format!("rule-{index}")),
        };
        self.rules.push(RuleResource {
            origin: dotted(path),
            logical_id: format!("{}EventBridgeRule{index}", logical(function.key)),
            targets: vec![RuleTarget {
                id: hashed(format!("{rule_name}-target"), "target"),
                arn: function.arn.to_string(),
                input,
                input_path,
                input_transformer,
                dead_letter_arn,
                retry,
                message_group_id: None,
                role_arn: None,
            }],
            name: rule_name,
            description,
            bus,
            pattern,
            schedule,
            enabled,
            owned: false,
        });
    }

    /// `retryPolicy: {maximumEventAge, maximumRetryAttempts}`: (attempts, age in seconds),
    /// EventBridge's defaults (185, a day) for what it leaves out.
    fn retry_policy(&mut self, path: &Path, v: &Value) -> Option<(u32, u32)> {
        self.retry_policy_as(path, v, "maximumEventAge")
    }

    /// A retry policy whose event age is spelled `age_key`.
    pub(crate) fn retry_policy_as(&mut self, path: &Path, v: &Value, age_key: &str) -> Option<(u32, u32)> {
        let (mut attempts, mut age) = (185, 86_400);
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            let n = val.as_u64().and_then(|n| u32::try_from(n).ok());
            match (k, n) {
                ("maximumRetryAttempts", Some(n)) if n <= 185 => attempts = n,
                ("maximumRetryAttempts", _) => self.error(&p, "must be a whole number from 0 to 185"),
                (k, Some(n)) if k == age_key && (60..=86_400).contains(&n) => age = n,
                (k, _) if k == age_key => self.error(&p, "must be a number of seconds from 60 to 86400"),
                (other, _) => self.error(&p, format!("retryPolicy setting {other} is not supported")),
            }
        }
        Some((attempts, age))
    }
}

#[cfg(test)]
mod tests;
