//! A run: one thread of an execution (the machine itself, a Parallel branch, a Map
//! iteration), where it is and what it waits for; stored as a row so an execution resumes
//! where it was.

use crate::Failure;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The root run's id; a child's is its parent's, `/`, and its index.
pub const ROOT: &str = "r";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    /// The states it runs in: each step a Parallel or Map state's name and the branch.
    pub scope: Vec<(String, u32)>,
    /// The current state.
    pub state: String,
    /// The current state's raw input.
    pub input: Value,
    pub phase: Phase,
    /// The current state's retriers' counts.
    pub retries: Vec<u32>,
    /// How many times the current state has been retried (`$$.State.RetryCount`).
    pub attempt: u32,
    /// The event that entered the current state.
    pub entered_event: u64,
    /// The last event of this run (what its next event follows).
    pub last_event: u64,
    pub entered_ms: u64,
    /// A Map iteration's index, or a Parallel branch's.
    pub index: usize,
    /// The variables this thread sees (`Assign`): its own and those it started with.
    #[serde(default)]
    pub vars: serde_json::Map<String, Value>,
}

/// What a run is doing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Phase {
    /// The state is to be run (again, after a retrier's delay, if `attempt` > 0).
    Enter,
    /// A Wait state, until `due_ms`, then on with `output`.
    Wait { due_ms: u64, output: Value },
    /// A retrier's delay, until `due_ms`.
    Retry { due_ms: u64 },
    /// A Task was started (`nonce` tells its answer from a late one of an earlier attempt).
    Task {
        nonce: u64,
        deadline_ms: Option<u64>,
        heartbeat_ms: Option<u64>,
        heartbeat_due_ms: Option<u64>,
        token: bool,
        invoked: bool,
        /// The secret its token carries (empty without a token).
        #[serde(default)]
        secret: String,
    },
    /// A Parallel or Map state's branches or iterations run as child runs.
    Children(Children),
    /// A child run that finished, for its parent to collect.
    Done { output: Value },
    /// A child run that failed.
    Failed { failure: Failure },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Children {
    pub map: bool,
    pub total: usize,
    pub started: usize,
    pub finished: usize,
    pub failed: usize,
    /// At most this many at once (0: all).
    pub concurrency: usize,
    /// How many may fail before the Map fails (`None`: none may).
    pub tolerated: Option<usize>,
    /// Each child's input, until it starts.
    pub inputs: Vec<Value>,
    /// The first failure, which fails a Parallel state (or a Map without tolerance).
    pub first_failure: Option<Failure>,
}
