//! PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule,
//! ListRuleNamesByTarget; PutTargets, RemoveTargets, ListTargetsByRule.

use crate::model::{Rule, RuleState, Tag, Target};
use crate::names::{DEFAULT_BUS, check_name, rule_arn};
use crate::{Error, EventBuses, Result};
use squall_patterns::Pattern;
use squall_schedules::{self as schedule, Schedule};

/// Most targets a rule may have.
pub const MAX_TARGETS: usize = 5;
/// Most rules on one bus (EventBridge's default quota is 300; Squall allows more).
pub const MAX_RULES_PER_BUS: usize = 10_000;

/// PutRule's input.
#[derive(Debug, Clone, Default)]
pub struct PutRule {
    /// `Name`.
    pub name: String,
    /// `EventBusName` (a name or ARN; `None`: the default bus).
    pub bus: Option<String>,
    /// `EventPattern`.
    pub pattern: Option<String>,
    /// `ScheduleExpression`.
    pub schedule: Option<String>,
    /// `State` (`None`: ENABLED).
    pub state: Option<RuleState>,
    /// `Description`.
    pub description: Option<String>,
    /// `Tags` (applied when the rule is created).
    pub tags: Vec<Tag>,
}

/// A page of rules.
pub struct RulePage {
    /// The rules.
    pub rules: Vec<Rule>,
    /// The name to list after for the next page.
    pub next: Option<String>,
}

fn no_rule(name: &str, bus: &str) -> Error {
    Error::NotFound(format!("Rule {name} does not exist on EventBus {bus}."))
}

/// Checks a pattern as PutRule does.
pub fn check_pattern(pattern: &str) -> Result<()> {
    Pattern::parse(pattern).map(drop).map_err(|e| Error::InvalidPattern(e.message()))
}

impl EventBuses {
    /// PutRule: creates the rule or replaces its definition (targets and tags stay).
    pub async fn put_rule(&self, input: PutRule) -> Result<Rule> {
        check_name("name", &input.name)?;
        let bus = crate::names::bus_of(input.bus.as_deref())?;
        if input.pattern.is_none() && input.schedule.is_none() {
            return Err(Error::Validation("Parameter(s) EventPattern or ScheduleExpression must be specified.".into()));
        }
        if let Some(p) = &input.pattern {
            check_pattern(p)?;
        }
        if let Some(s) = &input.schedule {
            if bus != DEFAULT_BUS {
                return Err(Error::Validation("ScheduleExpression is supported only on the default event bus.".into()));
            }
            Schedule::parse(s).map_err(|why| {
                tracing::debug!("refusing schedule expression {s:?}: {why}");
                Error::Validation(schedule::INVALID.into())
            })?;
        }
        if input.description.as_ref().is_some_and(|d| d.chars().count() > 512) {
            return Err(Error::Validation("Description is longer than 512 characters.".into()));
        }
        crate::tags::check(&input.tags)?;
        self.change(|d| {
            if !d.buses.contains_key(&bus) {
                return Err(Error::NotFound(format!("Event bus {bus} does not exist.")));
            }
            let key = (bus.clone(), input.name.clone());
            let previous = d.rules.get(&key).cloned();
            if previous.is_none() && d.rules.keys().filter(|(b, _)| *b == bus).count() >= MAX_RULES_PER_BUS {
                return Err(Error::LimitExceeded("The requested resource exceeds the maximum number allowed.".into()));
            }
            let rule = Rule {
                arn: rule_arn(&self.region, &bus, &input.name),
                bus: bus.clone(),
                name: input.name.clone(),
                pattern: input.pattern,
                schedule: input.schedule,
                state: input.state.unwrap_or(RuleState::Enabled),
                description: input.description,
                created_ms: previous.as_ref().map_or(d.now_ms, |p| p.created_ms),
                tags: match &previous {
                    Some(p) => p.tags.clone(),
                    None => input.tags,
                },
                targets: previous.as_ref().map(|p| p.targets.clone()).unwrap_or_default(),
            };
            d.put_rule(rule.clone(), previous.as_ref());
            Ok(rule)
        })
        .await
    }

    /// DescribeRule.
    pub fn describe_rule(&self, name: &str, bus: Option<&str>) -> Result<Rule> {
        let bus = self.bus_name(bus)?;
        self.snapshot().rule(&bus, name).cloned().ok_or_else(|| no_rule(name, &bus))
    }

    /// ListRules: the bus's rules whose names start with `prefix`, in name order.
    pub fn list_rules(
        &self,
        bus: Option<&str>,
        prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<RulePage> {
        let bus = self.bus_name(bus)?;
        let state = self.snapshot();
        let mut matching = state
            .rules
            .range((bus.clone(), String::new())..)
            .take_while(|((b, _), _)| *b == bus)
            .map(|(_, r)| r)
            .filter(|r| prefix.is_none_or(|p| r.name.starts_with(p)))
            .filter(|r| after.is_none_or(|a| r.name.as_str() > a));
        let rules: Vec<Rule> = matching.by_ref().take(limit).cloned().collect();
        let next = matching.next().and(rules.last().map(|r| r.name.clone()));
        Ok(RulePage { rules, next })
    }

    /// DeleteRule: refused while the rule has targets; a rule that does not exist is no
    /// error.
    pub async fn delete_rule(&self, name: &str, bus: Option<&str>) -> Result<()> {
        let bus = self.bus_name(bus)?;
        self.change(|d| {
            let Some(rule) = d.rules.get(&(bus.clone(), name.to_string())) else { return Ok(()) };
            if !rule.targets.is_empty() {
                return Err(Error::Validation("Rule can't be deleted since it has targets.".into()));
            }
            d.delete_rule(&bus, name);
            Ok(())
        })
        .await
    }

    /// EnableRule and DisableRule.
    pub async fn set_rule_state(&self, name: &str, bus: Option<&str>, state: RuleState) -> Result<()> {
        let bus = self.bus_name(bus)?;
        self.change(|d| {
            let previous = d.rules.get(&(bus.clone(), name.to_string())).cloned().ok_or_else(|| no_rule(name, &bus))?;
            if previous.state == state {
                return Ok(());
            }
            let mut rule = previous.clone();
            rule.state = state;
            d.put_rule(rule, Some(&previous));
            Ok(())
        })
        .await
    }

    /// ListRuleNamesByTarget: the names of the bus's rules with a target of ARN `arn`.
    pub fn rules_by_target(&self, arn: &str, bus: Option<&str>) -> Result<Vec<String>> {
        let bus = self.bus_name(bus)?;
        let state = self.snapshot();
        Ok(state
            .rules
            .values()
            .filter(|r| r.bus == bus && r.targets.iter().any(|t| t.arn == arn))
            .map(|r| r.name.clone())
            .collect())
    }

    /// PutTargets: adds targets or replaces those with the same ids; every target is
    /// checked first, and one that does not hold refuses the request.
    pub async fn put_targets(&self, rule: &str, bus: Option<&str>, targets: Vec<Target>) -> Result<()> {
        let bus = self.bus_name(bus)?;
        for t in &targets {
            check_name("targets.member.id", &t.id)?;
            check_target(t, &self.region, &bus).map_err(Error::Validation)?;
        }
        self.change(|d| {
            let previous = d.rules.get(&(bus.clone(), rule.to_string())).cloned().ok_or_else(|| no_rule(rule, &bus))?;
            let mut r = previous.clone();
            for t in targets {
                match r.targets.iter_mut().find(|old| old.id == t.id) {
                    Some(old) => *old = t,
                    None => r.targets.push(t),
                }
            }
            if r.targets.len() > MAX_TARGETS {
                return Err(Error::LimitExceeded("The requested resource exceeds the maximum number allowed.".into()));
            }
            d.put_rule(r, Some(&previous));
            Ok(())
        })
        .await
    }

    /// RemoveTargets: ids the rule does not have are no error.
    pub async fn remove_targets(&self, rule: &str, bus: Option<&str>, ids: &[String]) -> Result<()> {
        let bus = self.bus_name(bus)?;
        self.change(|d| {
            let previous = d.rules.get(&(bus.clone(), rule.to_string())).cloned().ok_or_else(|| no_rule(rule, &bus))?;
            let mut r = previous.clone();
            r.targets.retain(|t| !ids.contains(&t.id));
            if r.targets.len() != previous.targets.len() {
                d.put_rule(r, Some(&previous));
            }
            Ok(())
        })
        .await
    }

    /// ListTargetsByRule.
    pub fn targets_of(&self, rule: &str, bus: Option<&str>) -> Result<Vec<Target>> {
        Ok(self.describe_rule(rule, bus)?.targets)
    }
}

/// A target's ARN names something Squall delivers to, and its input settings hold.
fn check_target(t: &Target, region: &str, bus: &str) -> Result<(), String> {
    if let Some((_, target_bus)) = t.arn.split_once(":event-bus/") {
        // The event goes on as it is: the other bus's rules shape it for their targets.
        if t.input.is_some() || t.input_path.is_some() || t.input_transformer.is_some() || t.dead_letter_arn.is_some() {
            return Err(format!(
                "Target {}: an event bus target takes the event as it is (Input, InputPath, InputTransformer and DeadLetterConfig are not supported on it by Squall).",
                t.id
            ));
        }
        if t.arn != crate::names::bus_arn(region, target_bus) {
            return Err(format!("Target {}: {} is not a bus of this account and region.", t.id, t.arn));
        }
        if target_bus == bus {
            return Err(format!("Target {}: a rule cannot send events back to its own bus.", t.id));
        }
    }
    let service = t.arn.strip_prefix("arn:aws:").and_then(|r| r.split(':').next()).unwrap_or("");
    let api_destination = service == "events" && t.arn.contains(":api-destination/");
    let resource_ok = match service {
        "sqs" | "sns" => t.arn.split(':').count() == 6,
        "lambda" => t.arn.contains(":function:"),
        "events" => t.arn.contains(":event-bus/") || api_destination,
        "states" => t.arn.contains(":stateMachine:"),
        _ => false,
    };
    if !resource_ok {
        return Err(format!(
            "Target {}: Squall delivers to functions, queues, topics, event buses, API destinations and state machines; {} is none of them.",
            t.id, t.arn
        ));
    }
    // An API destination is called and a state machine started as a role
    // (events:InvokeApiDestination, states:StartExecution), as on AWS; the other targets are
    // decided by their own policy.
    let as_role = api_destination || service == "states";
    match (as_role, &t.role_arn) {
        (true, None) => {
            return Err(format!("Target {}: an API destination or state machine target needs a RoleArn.", t.id));
        }
        (false, Some(_)) => {
            return Err(format!(
                "Target {}: RoleArn is only for API destination and state machine targets in Squall: the others are decided by their own policy.",
                t.id
            ));
        }
        _ => {}
    }
    if t.http.is_some() && !api_destination {
        return Err(format!("Target {}: HttpParameters are only for API destination targets.", t.id));
    }
    for (k, _) in t.http.iter().flat_map(|h| &h.headers) {
        crate::connections::check_header_name("HeaderParameters key", k)
            .map_err(|e| format!("Target {}: {e}", t.id))?;
    }
    if t.message_group_id.is_some() && !(service == "sqs" && t.arn.ends_with(".fifo")) {
        return Err(format!("Target {}: SqsParameters.MessageGroupId is only for a FIFO queue.", t.id));
    }
    if service == "sqs" && t.arn.ends_with(".fifo") && t.message_group_id.is_none() {
        return Err(format!("Target {}: a FIFO queue target needs SqsParameters.MessageGroupId.", t.id));
    }
    if let Some(r) = t.retry {
        if r.max_attempts > 185 {
            return Err(format!("Target {}: RetryPolicy.MaximumRetryAttempts is at most 185.", t.id));
        }
        if !(60..=86_400).contains(&r.max_age_s) {
            return Err(format!("Target {}: RetryPolicy.MaximumEventAgeInSeconds is from 60 to 86400.", t.id));
        }
    }
    if let Some(dlq) = &t.dead_letter_arn
        && !dlq.starts_with("arn:aws:sqs:")
    {
        return Err(format!("Target {}: DeadLetterConfig.Arn {dlq} is not a queue's ARN.", t.id));
    }
    crate::transform::check(t)
}
