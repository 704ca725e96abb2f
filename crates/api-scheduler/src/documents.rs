//! Request and response documents: schedules and groups as EventBridge Scheduler writes
//! them, and the members Squall does not honour refused by name.

use crate::errors::validation;
use serde_json::{Value, json};
use squall_api::ApiError;
use squall_api::json_input::Input;
use squall_scheduler::NewSchedule;
use squall_scheduler::model::{EventParameters, Group, RetryPolicy, Schedule, ScheduleState, Target};

/// Refuses any member of `input` not in `known`, naming it.
pub(crate) fn only(input: &Input, what: &str, known: &[&str]) -> Result<(), ApiError> {
    match input.members().keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(validation(format!("{what}: {k} is not supported by Squall."))),
        None => Ok(()),
    }
}

/// A timestamp member: epoch seconds, as the SDKs send them.
fn timestamp(input: &Input, name: &str) -> Result<Option<u64>, ApiError> {
    match input.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            // Up to the end of the year 9999, as AWS's dates go.
            let s = n
                .as_f64()
                .filter(|s| (0.0..=253_402_300_799.0).contains(s))
                .ok_or_else(|| validation(format!("{name} is not a date between 1970 and 9999")))?;
            Ok(Some((s * 1000.0).round() as u64))
        }
        Some(_) => Err(validation(format!("{name} must be a timestamp (epoch seconds)"))),
    }
}

fn seconds(ms: u64) -> Value {
    json!(ms as f64 / 1000.0)
}

pub(crate) fn state(value: Option<&str>) -> Result<Option<ScheduleState>, ApiError> {
    match value {
        None => Ok(None),
        Some("ENABLED") => Ok(Some(ScheduleState::Enabled)),
        Some("DISABLED") => Ok(Some(ScheduleState::Disabled)),
        Some(other) => Err(validation(format!(
            "1 validation error detected: Value '{other}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
        ))),
    }
}

/// CreateSchedule's and UpdateSchedule's body.
pub(crate) fn new_schedule(name: &str, input: &Input) -> Result<NewSchedule, ApiError> {
    only(
        input,
        "Schedule",
        &[
            "ActionAfterCompletion",
            "ClientToken",
            "Description",
            "EndDate",
            "FlexibleTimeWindow",
            "GroupName",
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "StartDate",
            "State",
            "Target",
        ],
    )?;
    let window = input.object("FlexibleTimeWindow")?.ok_or_else(|| validation("FlexibleTimeWindow is required."))?;
    only(&window, "FlexibleTimeWindow", &["Mode", "MaximumWindowInMinutes"])?;
    let minutes = window.int("MaximumWindowInMinutes")?;
    let window_minutes = match (window.required("Mode")?, minutes) {
        ("OFF", None) => None,
        ("OFF", Some(_)) => {
            return Err(validation("MaximumWindowInMinutes is only for a FLEXIBLE FlexibleTimeWindow."));
        }
        ("FLEXIBLE", Some(m)) => {
            Some(u32::try_from(m).map_err(|_| validation("MaximumWindowInMinutes is between 1 and 1440."))?)
        }
        ("FLEXIBLE", None) => {
            return Err(validation("MaximumWindowInMinutes is required for a FLEXIBLE FlexibleTimeWindow."));
        }
        (other, _) => return Err(validation(format!("FlexibleTimeWindow.Mode {other} is not OFF or FLEXIBLE."))),
    };
    let delete_after_completion = match input.str("ActionAfterCompletion")? {
        None | Some("NONE") => false,
        Some("DELETE") => true,
        Some(other) => return Err(validation(format!("ActionAfterCompletion {other} is not NONE or DELETE."))),
    };
    let target = input.object("Target")?.ok_or_else(|| validation("Target is required."))?;
    Ok(NewSchedule {
        group: input.str("GroupName")?.map(str::to_string),
        name: name.to_string(),
        expression: input.required("ScheduleExpression")?.to_string(),
        timezone: input.str("ScheduleExpressionTimezone")?.map(str::to_string),
        start_ms: timestamp(input, "StartDate")?,
        end_ms: timestamp(input, "EndDate")?,
        description: input.str("Description")?.map(str::to_string),
        state: state(input.str("State")?)?.unwrap_or(ScheduleState::Enabled),
        window_minutes,
        delete_after_completion,
        target: self::target(&target)?,
        client_token: input.str("ClientToken")?.map(str::to_string),
    })
}

fn target(t: &Input) -> Result<Target, ApiError> {
    let served =
        ["Arn", "RoleArn", "Input", "RetryPolicy", "DeadLetterConfig", "SqsParameters", "EventBridgeParameters"];
    if let Some(k) = t.members().keys().find(|k| !served.contains(&k.as_str())) {
        return Err(validation(format!(
            "Target: {k} is not supported by Squall: its targets are functions, queues, topics and event buses."
        )));
    }
    let retry = match t.object("RetryPolicy")? {
        None => RetryPolicy::default(),
        Some(r) => {
            only(&r, "RetryPolicy", &["MaximumRetryAttempts", "MaximumEventAgeInSeconds"])?;
            let d = RetryPolicy::default();
            let n = |v: Option<i64>, default: u32| u32::try_from(v.unwrap_or(i64::from(default))).unwrap_or(u32::MAX);
            RetryPolicy {
                max_attempts: n(r.int("MaximumRetryAttempts")?, d.max_attempts),
                max_age_s: n(r.int("MaximumEventAgeInSeconds")?, d.max_age_s),
            }
        }
    };
    let dead_letter_arn = match t.object("DeadLetterConfig")? {
        None => None,
        Some(d) => {
            only(&d, "DeadLetterConfig", &["Arn"])?;
            d.str("Arn")?.map(str::to_string)
        }
    };
    let message_group_id = match t.object("SqsParameters")? {
        None => None,
        Some(p) => {
            only(&p, "SqsParameters", &["MessageGroupId"])?;
            p.str("MessageGroupId")?.map(str::to_string)
        }
    };
    let event = match t.object("EventBridgeParameters")? {
        None => None,
        Some(p) => {
            only(&p, "EventBridgeParameters", &["DetailType", "Source"])?;
            Some(EventParameters {
                detail_type: p.required("DetailType")?.to_string(),
                source: p.required("Source")?.to_string(),
            })
        }
    };
    Ok(Target {
        arn: t.required("Arn")?.to_string(),
        role_arn: t.required("RoleArn")?.to_string(),
        input: t.str("Input")?.map(str::to_string),
        retry,
        dead_letter_arn,
        message_group_id,
        event,
    })
}

/// GetSchedule's answer.
pub(crate) fn schedule(s: &Schedule) -> Value {
    let t = &s.target;
    let mut target = json!({
        "Arn": t.arn,
        "RoleArn": t.role_arn,
        "RetryPolicy": {
            "MaximumRetryAttempts": t.retry.max_attempts,
            "MaximumEventAgeInSeconds": t.retry.max_age_s,
        },
    });
    if let Some(input) = &t.input {
        target["Input"] = json!(input);
    }
    if let Some(dlq) = &t.dead_letter_arn {
        target["DeadLetterConfig"] = json!({ "Arn": dlq });
    }
    if let Some(group) = &t.message_group_id {
        target["SqsParameters"] = json!({ "MessageGroupId": group });
    }
    if let Some(e) = &t.event {
        target["EventBridgeParameters"] = json!({ "DetailType": e.detail_type, "Source": e.source });
    }
    let window = match s.window_minutes {
        None => json!({ "Mode": "OFF" }),
        Some(m) => json!({ "Mode": "FLEXIBLE", "MaximumWindowInMinutes": m }),
    };
    let mut out = json!({
        "ActionAfterCompletion": if s.delete_after_completion { "DELETE" } else { "NONE" },
        "Arn": s.arn,
        "CreationDate": seconds(s.created_ms),
        "FlexibleTimeWindow": window,
        "GroupName": s.group,
        "LastModificationDate": seconds(s.modified_ms),
        "Name": s.name,
        "ScheduleExpression": s.expression,
        "ScheduleExpressionTimezone": s.timezone.as_deref().unwrap_or("UTC"),
        "State": s.state.as_str(),
        "Target": target,
    });
    if let Some(d) = &s.description {
        out["Description"] = json!(d);
    }
    if let Some(ms) = s.start_ms {
        out["StartDate"] = seconds(ms);
    }
    if let Some(ms) = s.end_ms {
        out["EndDate"] = seconds(ms);
    }
    out
}

/// A ListSchedules entry.
pub(crate) fn summary(s: &Schedule) -> Value {
    json!({
        "Arn": s.arn,
        "CreationDate": seconds(s.created_ms),
        "GroupName": s.group,
        "LastModificationDate": seconds(s.modified_ms),
        "Name": s.name,
        "State": s.state.as_str(),
        "Target": { "Arn": s.target.arn },
    })
}

/// GetScheduleGroup's answer and a ListScheduleGroups entry.
pub(crate) fn group(g: &Group) -> Value {
    json!({
        "Arn": g.arn,
        "CreationDate": seconds(g.created_ms),
        "LastModificationDate": seconds(g.modified_ms),
        "Name": g.name,
        "State": "ACTIVE",
    })
}

/// `[{"Key", "Value"}]`.
pub(crate) fn tags(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}
