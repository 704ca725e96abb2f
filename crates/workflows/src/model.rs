//! The records the workflows service keeps: state machines and executions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most bytes of JSON an execution's input, a state's output or a Task's result may
/// hold (Step Functions' payload quota); more is `States.DataLimitExceeded`.
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// STANDARD (durable, with history) or EXPRESS (in memory, at most five minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MachineType {
    #[serde(rename = "STANDARD")]
    Standard,
    #[serde(rename = "EXPRESS")]
    Express,
}

impl MachineType {
    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Standard => "STANDARD",
            MachineType::Express => "EXPRESS",
        }
    }
}

/// A state machine as CreateStateMachine made it and UpdateStateMachine changed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateMachine {
    pub name: String,
    pub arn: String,
    pub definition: String,
    pub role_arn: String,
    #[serde(rename = "type")]
    pub kind: MachineType,
    pub created_ms: u64,
    pub updated_ms: Option<u64>,
    /// Changes with each update (DescribeStateMachine's `revisionId`).
    pub revision_id: String,
    pub description: String,
    /// The logging configuration as given (`level`, `includeExecutionData`, `destinations`).
    pub logging: serde_json::Value,
    pub tracing: bool,
    pub tags: BTreeMap<String, String>,
    /// The number of the last version published (versions are never numbered twice).
    #[serde(default)]
    pub last_version: u64,
}

/// Where an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Running, Status::Succeeded, Status::Failed, Status::TimedOut, Status::Aborted]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// One execution of a state machine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub arn: String,
    pub name: String,
    pub machine_arn: String,
    pub machine_name: String,
    /// The definition it runs: the machine's when it started.
    pub definition: String,
    pub role_arn: String,
    #[serde(rename = "type")]
    pub kind: MachineType,
    pub status: Status,
    /// JSON text, as given.
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub start_ms: u64,
    pub stop_ms: Option<u64>,
    /// The X-Ray trace header of what started it.
    pub trace: Option<String>,
    /// The version it runs, when started through a version or an alias.
    #[serde(default)]
    pub version_arn: Option<String>,
    /// The alias it was started through.
    #[serde(default)]
    pub alias_arn: Option<String>,
    /// How many times it was redriven.
    #[serde(default)]
    pub redrive_count: u32,
    #[serde(default)]
    pub redrive_ms: Option<u64>,
    /// The `clientToken` of the last redrive: the same request again answers it again.
    #[serde(default)]
    pub redrive_token: Option<String>,
    /// Where a redrive goes on from: the state the machine's own thread was in when it
    /// failed, and that state's input.
    #[serde(default)]
    pub redrive_from: Option<(String, serde_json::Value)>,
    /// The variables the machine's own thread had then.
    #[serde(default)]
    pub redrive_vars: serde_json::Map<String, serde_json::Value>,
}

/// A published version of a state machine: its definition and role as they were.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub machine: String,
    pub number: u64,
    pub arn: String,
    pub definition: String,
    pub role_arn: String,
    pub description: String,
    pub created_ms: u64,
    /// The machine's revision it was published from.
    pub revision_id: String,
}

/// An alias: one or two versions with the share of executions each gets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alias {
    pub machine: String,
    pub name: String,
    pub arn: String,
    pub description: String,
    /// (version ARN, weight in percent), weights summing to 100.
    pub routing: Vec<(String, u32)>,
    pub created_ms: u64,
    pub updated_ms: Option<u64>,
}
