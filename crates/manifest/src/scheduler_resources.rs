//! EventBridge Scheduler schedules of a service: from `schedule` events with `method:
//! scheduler` (in `schedules.rs`) and from `AWS::Scheduler::Schedule` resources, and the
//! service's own groups (`AWS::Scheduler::ScheduleGroup`). Squall finds a service's schedules
//! by their group, so every schedule is in the deployment's group or one the service
//! declares.

use crate::parse::{Cx, Path};
use crate::schedules::rule_name;
use serde_norway::Value;

/// An EventBridge Scheduler schedule of the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleResource {
    /// Where it was declared.
    pub origin: String,
    /// Its name: `name`/`Name`, else `<service>-<stage>-<LogicalId>` (at most 64
    /// characters).
    pub name: String,
    /// The framework's logical id (`HelloSchedulerSchedule1`), or the resource's.
    pub logical_id: String,
    /// `description`.
    pub description: Option<String>,
    /// `at(...)`, `rate(...)` or `cron(...)`.
    pub expression: String,
    /// The IANA zone the expression is read in (UTC when absent).
    pub timezone: Option<String>,
    /// `false`: DISABLED.
    pub enabled: bool,
    /// Its group: one of the service's `AWS::Scheduler::ScheduleGroup`s, or `None` for the
    /// deployment's own group ([`deployment_group`]).
    pub group: Option<String>,
    /// `StartDate` (epoch milliseconds).
    pub start_ms: Option<u64>,
    /// `EndDate`.
    pub end_ms: Option<u64>,
    /// `FlexibleTimeWindow`: `None` for `OFF`.
    pub window_minutes: Option<u32>,
    /// The target.
    pub target: ScheduleTarget,
}

/// A schedule's target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleTarget {
    /// A function's, queue's, topic's or bus's ARN.
    pub arn: String,
    /// The role it acts as (`None` for a function's event: the function's own IAM role, or
    /// one the deployment makes).
    pub role_arn: Option<String>,
    /// `Input`.
    pub input: Option<String>,
    /// `RetryPolicy`: (`MaximumRetryAttempts`, `MaximumEventAgeInSeconds`).
    pub retry: Option<(u32, u32)>,
    /// `DeadLetterConfig.Arn`.
    pub dead_letter_arn: Option<String>,
    /// `SqsParameters.MessageGroupId`.
    pub message_group_id: Option<String>,
    /// `EventBridgeParameters`: (`DetailType`, `Source`).
    pub event: Option<(String, String)>,
}

/// The schedule group a deployment's schedules without a group of their own are in: its
/// name, cut and marked with a hash past 64 characters.
pub fn deployment_group(deployment: &str) -> String {
    if deployment.len() <= 64 { deployment.to_string() } else { rule_name(deployment, "schedules") }
}

/// Target settings for services Squall does not serve, refused by name.
const FOREIGN_TARGET_SETTINGS: &[&str] = &["EcsParameters", "KinesisParameters", "SageMakerPipelineParameters"];

impl Cx<'_> {
    /// An `AWS::Scheduler::ScheduleGroup`: the service's own.
    pub(crate) fn schedule_group_resource(&mut self, service: &str, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall deletes a service's groups with it");
        let path = [&base[..], &["Properties"]].concat();
        let mut name = rule_name(service, id);
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "Name" => name = self.resolved_text(&p, v).unwrap_or_default(),
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        let ok = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !ok || name == "default" {
            self.error(&path, format!("{name} is not a schedule group name of the service's own"));
        } else if !self.schedule_groups.contains(&name) {
            self.schedule_groups.push(name);
        }
    }

    /// An `AWS::Scheduler::Schedule`, added to `self.schedules`.
    pub(crate) fn schedule_resource(&mut self, service: &str, id: &str, v: &Value) {
        let base = ["resources", "Resources", id];
        let props = self.resource_properties(&base, v, "ignored: squall deletes a service's schedules with it");
        let path = [&base[..], &["Properties"]].concat();
        let errors_before = self.errors.len();
        let mut s = ScheduleResource {
            origin: crate::parse::dotted(&base),
            name: rule_name(service, id),
            logical_id: id.to_string(),
            enabled: true,
            ..ScheduleResource::default()
        };
        let mut window = None;
        for (key, v) in props.map(|p| self.entries(&path, p)).unwrap_or_default() {
            let p = [&path[..], &[key]].concat();
            match key {
                "Name" => s.name = self.resolved_text(&p, v).unwrap_or_default(),
                "Description" => s.description = self.resolved_text(&p, v),
                "GroupName" => s.group = self.resolved_text(&p, v),
                "ScheduleExpression" => s.expression = self.resolved_text(&p, v).unwrap_or_default(),
                "ScheduleExpressionTimezone" => s.timezone = self.resolved_text(&p, v),
                "StartDate" => s.start_ms = self.instant(&p, v),
                "EndDate" => s.end_ms = self.instant(&p, v),
                "State" => match self.resolved_text(&p, v).as_deref() {
                    Some("ENABLED") => s.enabled = true,
                    Some("DISABLED") => s.enabled = false,
                    Some(other) => self.error(&p, format!("{other} is not ENABLED or DISABLED")),
                    None => {}
                },
                "FlexibleTimeWindow" => window = Some(self.flexible_window(&p, v)),
                "Target" => s.target = self.schedule_target(&p, v),
                "KmsKeyArn" => self.error(&p, "is not supported: Squall keeps schedules without KMS"),
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        match window {
            Some(w) => s.window_minutes = w,
            None => self.error(&path, "needs a FlexibleTimeWindow"),
        }
        if let Err(why) = squall_schedules::Schedule::parse_with_at(&s.expression) {
            self.error(
                &path,
                format!("ScheduleExpression {} is not one EventBridge Scheduler accepts: {why}", s.expression),
            );
        }
        if let Some(tz) = s.timezone.as_deref().filter(|tz| squall_schedules::time_zone(tz).is_none()) {
            self.error(&path, format!("{tz} is not an IANA time zone"));
        }
        if let Some(g) = s.group.as_deref()
            && (g == "default" || !self.schedule_groups.iter().any(|d| d == g) && !self.declares_group(g))
        {
            self.error(
                &path,
                format!("GroupName {g}: a schedule must be in a group the service declares (AWS::Scheduler::ScheduleGroup), or leave GroupName out for the deployment's own group; Squall finds a service's schedules by their group"),
            );
        }
        if s.target.role_arn.is_none() && self.errors.len() == errors_before {
            self.error(&path, "Target needs a RoleArn");
        }
        if self.errors.len() == errors_before {
            self.schedules.push(s);
        }
    }

    /// Whether the template declares an `AWS::Scheduler::ScheduleGroup` named `name`.
    fn declares_group(&self, name: &str) -> bool {
        self.refs.values().any(|t| t.kind == "AWS::Scheduler::ScheduleGroup" && t.reference == name)
    }

    fn instant(&mut self, path: &Path, v: &Value) -> Option<u64> {
        let text = self.resolved_text(path, v)?;
        let ms = squall_schedules::parse_instant(&text);
        if ms.is_none() {
            self.error(path, format!("{text} is not an ISO 8601 date and time with its offset"));
        }
        ms
    }

    /// `FlexibleTimeWindow: {Mode, MaximumWindowInMinutes}`: the window, `None` for OFF.
    fn flexible_window(&mut self, path: &Path, v: &Value) -> Option<u32> {
        let mut mode = None;
        let mut minutes = None;
        for (k, v) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "Mode" => mode = self.resolved_text(&p, v),
                "MaximumWindowInMinutes" => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) if (1..=1440).contains(&n) => minutes = Some(n),
                    _ => self.error(&p, "must be from 1 to 1440"),
                },
                other => self.error(&p, format!("{other} is not a FlexibleTimeWindow setting")),
            }
        }
        match (mode.as_deref(), minutes) {
            (Some("OFF"), None) => None,
            (Some("FLEXIBLE"), Some(m)) => Some(m),
            _ => {
                self.error(path, "is Mode: OFF, or Mode: FLEXIBLE with MaximumWindowInMinutes");
                None
            }
        }
    }

    fn schedule_target(&mut self, path: &Path, v: &Value) -> ScheduleTarget {
        let mut t = ScheduleTarget::default();
        for (k, v) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "Arn" => t.arn = self.resolved_text(&p, v).unwrap_or_default(),
                "RoleArn" => t.role_arn = self.resolved_text(&p, v),
                "Input" => t.input = self.resolved_text(&p, v),
                "RetryPolicy" => {
                    let (mut attempts, mut age) = (185, 86_400);
                    for (rk, rv) in self.entries(&p, v) {
                        let rp = [p.as_slice(), &[rk]].concat();
                        let n = rv.as_u64().and_then(|n| u32::try_from(n).ok());
                        match (rk, n) {
                            ("MaximumRetryAttempts", Some(n)) if n <= 185 => attempts = n,
                            ("MaximumEventAgeInSeconds", Some(n)) if (60..=86_400).contains(&n) => age = n,
                            ("MaximumRetryAttempts", _) => self.error(&rp, "must be from 0 to 185"),
                            ("MaximumEventAgeInSeconds", _) => self.error(&rp, "must be from 60 to 86400"),
                            (other, _) => self.error(&rp, format!("{other} is not a RetryPolicy setting")),
                        }
                    }
                    t.retry = Some((attempts, age));
                }
                "DeadLetterConfig" => {
                    for (dk, dv) in self.entries(&p, v) {
                        let dp = [p.as_slice(), &[dk]].concat();
                        match dk {
                            "Arn" => t.dead_letter_arn = self.resolved_text(&dp, dv),
                            other => self.error(&dp, format!("{other} is not a DeadLetterConfig setting")),
                        }
                    }
                }
                "SqsParameters" => {
                    for (sk, sv) in self.entries(&p, v) {
                        let sp = [p.as_slice(), &[sk]].concat();
                        match sk {
                            "MessageGroupId" => t.message_group_id = self.resolved_text(&sp, sv),
                            other => self.error(&sp, format!("{other} is not an SqsParameters setting")),
                        }
                    }
                }
                "EventBridgeParameters" => {
                    let (mut detail_type, mut source) = (None, None);
                    for (ek, ev) in self.entries(&p, v) {
                        let ep = [p.as_slice(), &[ek]].concat();
                        match ek {
                            "DetailType" => detail_type = self.resolved_text(&ep, ev),
                            "Source" => source = self.resolved_text(&ep, ev),
                            other => self.error(&ep, format!("{other} is not an EventBridgeParameters setting")),
                        }
                    }
                    match (detail_type, source) {
                        (Some(d), Some(s)) => t.event = Some((d, s)),
                        _ => self.error(&p, "needs DetailType and Source"),
                    }
                }
                k if FOREIGN_TARGET_SETTINGS.contains(&k) => {
                    self.error(&p, "is not supported: Squall's targets are functions, queues, topics and buses")
                }
                other => self.error(&p, format!("{other} is not a target setting")),
            }
        }
        if t.arn.is_empty() {
            self.error(path, "needs an Arn");
        }
        t
    }
}

#[cfg(test)]
mod tests;
