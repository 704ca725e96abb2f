//! Buses, rules and targets as stored and handed to the adapter.

use serde::{Deserialize, Serialize};

/// A tag.
pub type Tag = (String, String);

/// An event bus.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bus {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was made (epoch milliseconds; 0 for the default bus).
    pub created_ms: u64,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// Whether a rule acts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum RuleState {
    /// `ENABLED`.
    Enabled,
    /// `DISABLED`.
    Disabled,
}

impl RuleState {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleState::Enabled => "ENABLED",
            RuleState::Disabled => "DISABLED",
        }
    }
}

/// A rule: an event pattern or a schedule, and where what it matches goes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Rule {
    /// Its bus.
    pub bus: String,
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `EventPattern`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `ScheduleExpression`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// `State`.
    pub state: RuleState,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was first put (rates count from here).
    pub created_ms: u64,
    /// Its tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Its targets, in the order they were first put.
    #[serde(default)]
    pub targets: Vec<Target>,
}

/// Where a rule sends what it matches, and in what shape.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Target {
    /// `Id`, unique within the rule.
    pub id: String,
    /// `Arn`: a function, queue, topic or bus.
    pub arn: String,
    /// `Input`: JSON sent instead of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// `InputPath`: the part of the event sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_path: Option<String>,
    /// `InputTransformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_transformer: Option<InputTransformer>,
    /// `SqsParameters.MessageGroupId`, for a FIFO queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_group_id: Option<String>,
    /// `RetryPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// `DeadLetterConfig.Arn`: the queue an event goes to when it cannot be delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_arn: Option<String>,
    /// `HttpParameters`, for an API destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpParameters>,
    /// `RoleArn`: the role an API destination is invoked as (only API destination targets
    /// take one: the others are decided by their own policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// `HttpParameters` of an API destination target.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct HttpParameters {
    /// `PathParameterValues`: each fills one `*` of the endpoint, in order.
    #[serde(default)]
    pub path_values: Vec<String>,
    /// `HeaderParameters`.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// `QueryStringParameters`.
    #[serde(default)]
    pub query: Vec<(String, String)>,
}

/// `InputTransformer`: values picked from the event, put into a template.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputTransformer {
    /// `InputPathsMap`: variable → JSON path, in the order given.
    #[serde(default)]
    pub paths: Vec<(String, String)>,
    /// `InputTemplate`.
    pub template: String,
}

/// `RetryPolicy`, as EventBridge Scheduler shares it.
pub use squall_schedules::RetryPolicy;

/// An archive: the events of a bus (those its pattern matches) kept for replays.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Archive {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The bus whose events it keeps.
    pub bus: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `EventPattern`: only the events it matches (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `RetentionDays` (0: kept for ever).
    pub retention_days: u32,
    /// When it was made.
    pub created_ms: u64,
}

/// Where a replay is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ReplayState {
    /// `STARTING`: made, not yet picked up.
    Starting,
    /// `RUNNING`.
    Running,
    /// `CANCELLING`: asked to stop.
    Cancelling,
    /// `COMPLETED`.
    Completed,
    /// `CANCELLED`.
    Cancelled,
    /// `FAILED`.
    Failed,
}

impl ReplayState {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplayState::Starting => "STARTING",
            ReplayState::Running => "RUNNING",
            ReplayState::Cancelling => "CANCELLING",
            ReplayState::Completed => "COMPLETED",
            ReplayState::Cancelled => "CANCELLED",
            ReplayState::Failed => "FAILED",
        }
    }

    /// Whether the replay is over.
    pub fn is_final(self) -> bool {
        matches!(self, ReplayState::Completed | ReplayState::Cancelled | ReplayState::Failed)
    }
}

/// A replay: an archive's events of a time window sent again to its bus.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Replay {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The archive's ARN (`EventSourceArn`).
    pub archive_arn: String,
    /// The archive's name.
    pub archive: String,
    /// `Destination.Arn`: the archive's bus.
    pub destination_arn: String,
    /// `Destination.FilterArns`: only these rules get the events (all when empty).
    #[serde(default)]
    pub filter_arns: Vec<String>,
    /// `EventStartTime` (epoch milliseconds, inclusive).
    pub start_ms: u64,
    /// `EventEndTime` (exclusive).
    pub end_ms: u64,
    /// `State`.
    pub state: ReplayState,
    /// `StateReason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// `ReplayStartTime`.
    pub started_ms: u64,
    /// `ReplayEndTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_ms: Option<u64>,
    /// `EventLastReplayedTime`: the time of the last event replayed (a restart goes on
    /// from there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_replayed_ms: Option<u64>,
}

/// How a connection authorizes its calls.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Authorization {
    /// `API_KEY`: a header of the key's name with its value.
    ApiKey,
    /// `BASIC`: `Authorization: Basic …`.
    Basic,
    /// `OAUTH_CLIENT_CREDENTIALS`: `Authorization: Bearer …` with a token the client
    /// credentials are exchanged for.
    OAuthClientCredentials,
}

impl Authorization {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Authorization::ApiKey => "API_KEY",
            Authorization::Basic => "BASIC",
            Authorization::OAuthClientCredentials => "OAUTH_CLIENT_CREDENTIALS",
        }
    }
}

/// One of a connection's `InvocationHttpParameters`; a secret one's value is in the
/// connection's secret only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Parameter {
    /// `Key`.
    pub key: String,
    /// `Value` (`None` when `IsValueSecret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A connection: how API destinations' calls are authorized. Its secrets (the key's value,
/// the password, secret parameters) live in a Secrets Manager secret of its own, as on
/// AWS.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Connection {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `AuthorizationType`.
    pub authorization: Authorization,
    /// `ApiKeyName`, `Username` or OAuth's `ClientID`.
    pub principal: String,
    /// An OAuth connection's token request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuth>,
    /// `InvocationHttpParameters`: headers, query string and body parameters.
    #[serde(default)]
    pub headers: Vec<Parameter>,
    #[serde(default)]
    pub query: Vec<Parameter>,
    #[serde(default)]
    pub body: Vec<Parameter>,
    /// `SecretArn`.
    pub secret_arn: String,
    /// `AUTHORIZED` (`true`) or `DEAUTHORIZED`.
    pub authorized: bool,
    /// `LastAuthorizedTime`: when it was last authorized (made, updated, or given a token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_ms: Option<u64>,
    /// `StateReason`: why an OAuth connection could not be authorized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// When it was made.
    pub created_ms: u64,
    /// When it last changed.
    pub modified_ms: u64,
}

/// `OAuthParameters` but the client's: where and how a token is asked for, with
/// `OAuthHttpParameters` (secret ones' values in the connection's secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuth {
    /// `AuthorizationEndpoint`.
    pub endpoint: String,
    /// `HttpMethod`: GET, POST or PUT.
    pub method: String,
    #[serde(default)]
    pub headers: Vec<Parameter>,
    #[serde(default)]
    pub query: Vec<Parameter>,
    #[serde(default)]
    pub body: Vec<Parameter>,
}

/// An API destination: an HTTP endpoint rules' targets call through a connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiDestination {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `ConnectionArn`.
    pub connection_arn: String,
    /// `InvocationEndpoint` (`*` marks path parameters).
    pub endpoint: String,
    /// `HttpMethod`.
    pub method: String,
    /// `InvocationRateLimitPerSecond`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_second: Option<u32>,
    /// When it was made.
    pub created_ms: u64,
    /// When it last changed.
    pub modified_ms: u64,
}
