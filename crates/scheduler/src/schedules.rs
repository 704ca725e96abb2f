//! Schedules: Create, Update, Get, List, Delete, checked as EventBridge Scheduler checks
//! them.

use crate::groups::page;
use crate::model::{Schedule, ScheduleState, Target};
use crate::names::{check_name, group_of, schedule_arn};
use crate::{Error, Result, Scheduler};
use squall_schedules::{Schedule as Expression, time_zone};

/// Most schedules an account has (far beyond any one server's use; a guard, not a quota
/// AWS is known for).
pub const MAX_SCHEDULES: usize = 1_000_000;

/// What CreateSchedule and UpdateSchedule give (UpdateSchedule replaces every field, as on
/// AWS: what it leaves out goes back to its default).
#[derive(Debug, Clone)]
pub struct NewSchedule {
    /// `GroupName` (the default group when absent).
    pub group: Option<String>,
    /// `Name`.
    pub name: String,
    /// `ScheduleExpression`.
    pub expression: String,
    /// `ScheduleExpressionTimezone`.
    pub timezone: Option<String>,
    /// `StartDate` (epoch milliseconds).
    pub start_ms: Option<u64>,
    /// `EndDate`.
    pub end_ms: Option<u64>,
    /// `Description`.
    pub description: Option<String>,
    /// `State` (ENABLED when absent).
    pub state: ScheduleState,
    /// `FlexibleTimeWindow`: `None` for `OFF`.
    pub window_minutes: Option<u32>,
    /// `ActionAfterCompletion: DELETE`.
    pub delete_after_completion: bool,
    /// `Target`.
    pub target: Target,
    /// `ClientToken`.
    pub client_token: Option<String>,
}

/// A page of ListSchedules.
pub struct SchedulePage {
    /// The schedules, by group and name.
    pub schedules: Vec<Schedule>,
    /// The `NextToken` of the next page.
    pub next: Option<String>,
}

fn no_schedule(name: &str) -> Error {
    Error::NotFound(format!("Schedule {name} does not exist."))
}

fn invalid(message: String) -> Error {
    Error::Validation(message)
}

/// The kinds of target a schedule may have.
enum Kind {
    Function,
    Queue { fifo: bool },
    Topic,
    Bus,
    StateMachine,
}

fn kind(arn: &str) -> Result<Kind> {
    if arn.starts_with("arn:aws:scheduler:::aws-sdk:") {
        return Err(invalid(format!(
            "Universal targets ({arn}) are not supported by Squall: a target is a function, queue, topic or event bus (templated targets)."
        )));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts.as_slice() else {
        return Err(invalid(format!("Invalid target ARN {arn}.")));
    };
    match *service {
        "lambda" if resource.starts_with("function:") => Ok(Kind::Function),
        "sqs" => Ok(Kind::Queue { fifo: resource.ends_with(".fifo") }),
        "sns" => Ok(Kind::Topic),
        "events" if resource.starts_with("event-bus/") => Ok(Kind::Bus),
        "states" if resource.starts_with("stateMachine:") => Ok(Kind::StateMachine),
        _ => Err(invalid(format!(
            "Target {arn} is not supported by Squall: a target is a function, queue, topic, event bus or state machine."
        ))),
    }
}

/// How far in the past a recurring schedule's `StartDate` may be.
const START_DATE_SLACK_MS: u64 = 5 * 60_000;

/// Checks what a schedule would be at `now`, as EventBridge Scheduler does before storing
/// it.
fn check(new: &NewSchedule, now: u64) -> Result<()> {
    check_name("name", &new.name)?;
    crate::names::check_client_token(new.client_token.as_deref())?;
    let expression = Expression::parse_with_at(&new.expression)
        .map_err(|why| invalid(format!("Invalid Schedule Expression {}: {why}", new.expression)))?;
    let recurring = !matches!(expression, Expression::At(_));
    if recurring && new.start_ms.is_some_and(|s| s.saturating_add(START_DATE_SLACK_MS) < now) {
        return Err(invalid("The StartDate you specify cannot be earlier than 5 minutes ago.".into()));
    }
    let zone = match &new.timezone {
        Some(tz) => time_zone(tz).ok_or_else(|| {
            invalid(format!(
                "Invalid time zone {tz}: ScheduleExpressionTimezone is an IANA time zone (America/New_York, UTC)."
            ))
        })?,
        None => squall_schedules::Tz::UTC,
    };
    if !recurring && expression.next_after_in(zone, 0, 0).is_none() {
        return Err(invalid(format!(
            "Invalid Schedule Expression {}: the clocks of {} skip that time (a daylight-saving change).",
            new.expression,
            new.timezone.as_deref().unwrap_or("UTC")
        )));
    }
    if let (true, Some(start), Some(end)) = (recurring, new.start_ms, new.end_ms)
        && end <= start
    {
        return Err(invalid("The EndDate must be later than the StartDate.".into()));
    }
    if new.description.as_ref().is_some_and(|d| d.chars().count() > 512) {
        return Err(invalid("Description is at most 512 characters.".into()));
    }
    if let Some(m) = new.window_minutes
        && !(1..=1440).contains(&m)
    {
        return Err(invalid(format!("MaximumWindowInMinutes {m} is not between 1 and 1440.")));
    }
    check_target(&new.target)
}

fn check_target(t: &Target) -> Result<()> {
    let kind = kind(&t.arn)?;
    let role = t.role_arn.strip_prefix("arn:aws:iam::").and_then(|r| r.split_once(":role/"));
    if !role.is_some_and(|(account, name)| {
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
    }) {
        return Err(invalid(format!("Invalid RoleArn {}: it is the ARN of an IAM role.", t.role_arn)));
    }
    if t.input.as_deref() == Some("") {
        return Err(invalid("Input must not be empty.".into()));
    }
    let json_input = matches!(kind, Kind::Function | Kind::Bus | Kind::StateMachine);
    if json_input
        && let Some(input) = &t.input
        && serde_json::from_str::<serde_json::Value>(input).is_err()
    {
        return Err(invalid(format!("Input for target {} must be well-formed JSON.", t.arn)));
    }
    if t.message_group_id.as_ref().is_some_and(|g| g.is_empty() || g.chars().count() > 128) {
        return Err(invalid("SqsParameters.MessageGroupId is 1 to 128 characters.".into()));
    }
    match (&kind, &t.message_group_id) {
        (Kind::Queue { fifo: true }, None) => {
            return Err(invalid("SqsParameters.MessageGroupId is required for a FIFO queue target.".into()));
        }
        (Kind::Queue { fifo: false }, Some(_))
        | (Kind::Function | Kind::Topic | Kind::Bus | Kind::StateMachine, Some(_)) => {
            return Err(invalid("SqsParameters are only for a FIFO queue target.".into()));
        }
        _ => {}
    }
    match (&kind, &t.event) {
        (Kind::Bus, None) => {
            return Err(invalid(
                "EventBridgeParameters (DetailType and Source) are required for an event bus target.".into(),
            ));
        }
        (Kind::Bus, Some(e)) => {
            if e.detail_type.is_empty() || e.detail_type.len() > 128 {
                return Err(invalid("EventBridgeParameters.DetailType is 1 to 128 characters.".into()));
            }
            if e.source.is_empty() || e.source.len() > 256 || e.source.starts_with("aws.") {
                return Err(invalid("EventBridgeParameters.Source is 1 to 256 characters, not under aws.".into()));
            }
        }
        (_, Some(_)) => return Err(invalid("EventBridgeParameters are only for an event bus target.".into())),
        (_, None) => {}
    }
    if t.retry.max_attempts > 185 {
        return Err(invalid("RetryPolicy.MaximumRetryAttempts is between 0 and 185.".into()));
    }
    if !(60..=86_400).contains(&t.retry.max_age_s) {
        return Err(invalid("RetryPolicy.MaximumEventAgeInSeconds is between 60 and 86400.".into()));
    }
    if let Some(dlq) = &t.dead_letter_arn {
        let queue = dlq.strip_prefix("arn:aws:sqs:").and_then(|r| r.splitn(3, ':').nth(2));
        if !queue
            .is_some_and(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(invalid(format!(
                "DeadLetterConfig.Arn {dlq} is not the ARN of a standard SQS queue (a FIFO queue cannot be a dead-letter queue)."
            )));
        }
    }
    Ok(())
}

impl Scheduler {
    /// CreateSchedule; a repeated request with the same `ClientToken` answers as the first.
    pub async fn create_schedule(&self, new: NewSchedule) -> Result<Schedule> {
        let group = group_of(new.group.as_deref())?;
        check(&new, self.clock.now_ms())?;
        self.change(|d| {
            if !d.groups.contains_key(&group) {
                return Err(Error::NotFound(format!("Schedule group {group} does not exist.")));
            }
            if let Some(existing) = d.schedules.get(&(group.clone(), new.name.clone())) {
                if new.client_token.is_some() && existing.client_token == new.client_token {
                    return Ok(existing.clone());
                }
                return Err(Error::Conflict(format!("Schedule {} already exists.", new.name)));
            }
            if d.schedules.len() >= MAX_SCHEDULES {
                return Err(Error::Quota(format!("An account has at most {MAX_SCHEDULES} schedules.")));
            }
            let schedule = built(&self.region, &group, new, d.now_ms, d.now_ms);
            d.put_schedule(schedule.clone(), None);
            Ok(schedule)
        })
        .await
    }

    /// UpdateSchedule: every field replaced; its next firing counted again from now.
    pub async fn update_schedule(&self, new: NewSchedule) -> Result<Schedule> {
        let group = group_of(new.group.as_deref())?;
        check(&new, self.clock.now_ms())?;
        let key = (group.clone(), new.name.clone());
        let current = self.due_of(&key);
        self.change(|d| {
            let existing = d.schedules.get(&key).ok_or_else(|| no_schedule(&new.name))?.clone();
            let mut schedule = built(&self.region, &group, new, existing.created_ms, d.now_ms);
            schedule.client_token = existing.client_token.clone();
            // What decides its firings unchanged: its next act (a rate's phase, a one-time
            // schedule's being done) stays.
            let same_timing = existing.expression == schedule.expression
                && existing.timezone == schedule.timezone
                && existing.start_ms == schedule.start_ms
                && existing.end_ms == schedule.end_ms
                && existing.state == schedule.state
                && existing.window_minutes == schedule.window_minutes;
            if same_timing {
                schedule.timing_ms = existing.timing_ms;
            }
            d.put_schedule(schedule.clone(), current.filter(|_| same_timing));
            Ok(schedule)
        })
        .await
    }

    /// GetSchedule.
    pub fn schedule(&self, group: Option<&str>, name: &str) -> Result<Schedule> {
        let group = group_of(group)?;
        check_name("name", name)?;
        let state = self.snapshot();
        if !state.groups.contains_key(&group) {
            return Err(Error::NotFound(format!("Schedule group {group} does not exist.")));
        }
        state.schedules.get(&(group, name.to_string())).cloned().ok_or_else(|| no_schedule(name))
    }

    /// ListSchedules: of one group or all, by group and name.
    pub fn list_schedules(
        &self,
        group: Option<&str>,
        prefix: Option<&str>,
        state: Option<ScheduleState>,
        max: usize,
        token: Option<&str>,
    ) -> Result<SchedulePage> {
        crate::names::check_prefix(prefix)?;
        if let Some(g) = group {
            check_name("groupName", g)?;
        }
        let snapshot = self.snapshot();
        if let Some(g) = group
            && !snapshot.groups.contains_key(g)
        {
            return Err(Error::NotFound(format!("Schedule group {g} does not exist.")));
        }
        let after = token
            .map(|t| t.split_once(' ').map(|(g, n)| (g.to_string(), n.to_string())))
            .map(|k| k.ok_or_else(|| invalid(format!("Invalid NextToken {}.", token.unwrap_or_default()))))
            .transpose()?;
        let items = snapshot
            .schedules
            .iter()
            .filter(|((g, n), s)| {
                group.is_none_or(|want| want == g)
                    && prefix.is_none_or(|p| n.starts_with(p))
                    && state.is_none_or(|want| want == s.state)
            })
            .map(|(k, s)| (k.clone(), s.clone()));
        let (schedules, next) = page(items, max, after.as_ref());
        Ok(SchedulePage { schedules, next: next.map(|(g, n)| format!("{g} {n}")) })
    }

    /// DeleteSchedule.
    pub async fn delete_schedule(&self, group: Option<&str>, name: &str) -> Result<()> {
        let group = group_of(group)?;
        check_name("name", name)?;
        self.change(|d| {
            if !d.schedules.contains_key(&(group.clone(), name.to_string())) {
                return Err(no_schedule(name));
            }
            d.delete_schedule(&group, name);
            Ok(())
        })
        .await
    }
}

fn built(region: &str, group: &str, new: NewSchedule, created_ms: u64, now_ms: u64) -> Schedule {
    Schedule {
        arn: schedule_arn(region, group, &new.name),
        group: group.to_string(),
        name: new.name,
        expression: new.expression.trim().to_string(),
        timezone: new.timezone,
        start_ms: new.start_ms,
        end_ms: new.end_ms,
        description: new.description,
        state: new.state,
        window_minutes: new.window_minutes,
        delete_after_completion: new.delete_after_completion,
        target: new.target,
        created_ms,
        modified_ms: now_ms,
        timing_ms: now_ms,
        client_token: new.client_token,
    }
}
