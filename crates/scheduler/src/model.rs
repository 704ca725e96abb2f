//! Schedule groups and schedules as stored and handed to the adapter.

use serde::{Deserialize, Serialize};

/// A tag.
pub type Tag = (String, String);

/// A schedule group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Group {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// When it was made (epoch milliseconds; 0 for the default group).
    pub created_ms: u64,
    /// When it last changed.
    pub modified_ms: u64,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The `ClientToken` it was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// Whether a schedule fires.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ScheduleState {
    /// `ENABLED`.
    Enabled,
    /// `DISABLED`.
    Disabled,
}

impl ScheduleState {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleState::Enabled => "ENABLED",
            ScheduleState::Disabled => "DISABLED",
        }
    }
}

/// A schedule: when, and what it invokes as which role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Schedule {
    /// Its group.
    pub group: String,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `ScheduleExpression`: `at(...)`, `rate(...)` or `cron(...)`.
    pub expression: String,
    /// `ScheduleExpressionTimezone` (an IANA zone; UTC when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `StartDate` (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<u64>,
    /// `EndDate` (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `State`.
    pub state: ScheduleState,
    /// `FlexibleTimeWindow`: `None` is `OFF`, `Some(m)` is `FLEXIBLE` within `m` minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<u32>,
    /// `ActionAfterCompletion: DELETE`: the schedule goes once it will fire no more.
    #[serde(default)]
    pub delete_after_completion: bool,
    /// `Target`.
    pub target: Target,
    /// When it was created.
    pub created_ms: u64,
    /// When it last changed.
    pub modified_ms: u64,
    /// When what decides its firings (expression, zone, dates, state, window) was last set:
    /// a rate without a `StartDate` counts from here.
    #[serde(default)]
    pub timing_ms: u64,
    /// The `ClientToken` it was created with (a repeated CreateSchedule with the same token
    /// answers as the first did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// A templated target.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    /// `Arn`: a function, queue, topic or event bus.
    pub arn: String,
    /// `RoleArn`: the execution role each firing acts as.
    pub role_arn: String,
    /// `Input`, its context attributes (`<aws.scheduler.scheduled-time>`…) filled in at
    /// each firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// `RetryPolicy`.
    pub retry: RetryPolicy,
    /// `DeadLetterConfig.Arn`: the queue a firing goes to when it cannot be delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_arn: Option<String>,
    /// `SqsParameters.MessageGroupId`, for a FIFO queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_group_id: Option<String>,
    /// `EventBridgeParameters`, for an event bus: the event's `detail-type` and `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventParameters>,
}

/// `EventBridgeParameters`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct EventParameters {
    /// `DetailType`.
    pub detail_type: String,
    /// `Source`.
    pub source: String,
}

/// `RetryPolicy`, as EventBridge shares it.
pub use squall_schedules::RetryPolicy;

/// A schedule's next act, as stored: fire at `at_ms` the firing scheduled for
/// `scheduled_ms`; or, `done`, nothing more (a one-time schedule that fired).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Due {
    /// When to fire (the scheduled time, moved within a flexible window).
    pub at_ms: u64,
    /// The firing's scheduled time (`<aws.scheduler.scheduled-time>`).
    pub scheduled_ms: u64,
    /// The schedule fired its last firing.
    #[serde(default)]
    pub done: bool,
}
