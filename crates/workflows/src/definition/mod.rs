//! A state machine's definition as the interpreter reads it, parsed once from its
//! Amazon States Language text (`parse`), which also says what is wrong with one
//! (`Diagnostic`, as ValidateStateMachineDefinition reports them).

mod parse;
mod resource;

pub use parse::{Diagnostic, parse, validate};

pub use resource::{Integration, Mode, Resource};

use crate::choice::Rule;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A state machine, a Parallel branch or a Map's item processor: states and where to start.
#[derive(Debug)]
pub struct Machine {
    pub start_at: String,
    pub states: HashMap<String, Arc<State>>,
    /// `TimeoutSeconds` of the whole machine (top level only).
    pub timeout_seconds: Option<u64>,
}

impl Machine {
    pub fn state(&self, name: &str) -> Option<&Arc<State>> {
        self.states.get(name)
    }
}

/// One state.
#[derive(Debug)]
pub struct State {
    pub name: String,
    pub kind: Kind,
    /// Where to go after it; `None` for a state that ends its machine (or a Choice).
    pub next: Option<String>,
    /// `None`: `InputPath: null` (the state gets `{}`).
    pub input_path: Option<String>,
    pub output_path: Option<String>,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    /// `None`: `ResultPath: null` (the result is dropped, the input passes on).
    pub result_path: Option<String>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// `QueryLanguage: JSONata`: the fields below replace the JSONPath ones.
    pub jsonata: bool,
    /// JSONata `Arguments` (Task, Parallel): what the task gets (default: the input).
    pub arguments: Option<Value>,
    /// JSONata `Output`: the state's output (default: the result, or the input).
    pub output: Option<Value>,
    /// `Assign`: variables set when the state ends (JSONata templates).
    pub assign: Option<Value>,
}

/// A Choice rule's or a catcher's own JSONata `Output` and `Assign`.
#[derive(Debug, Clone, Default)]
pub struct Io {
    pub output: Option<Value>,
    pub assign: Option<Value>,
}

/// What kind of state, with what only it has.
#[derive(Debug)]
pub enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task(Task),
    /// `io`: each choice's JSONata Output and Assign, in the order of `choices`.
    Choice {
        choices: Vec<(Rule, String)>,
        default: Option<String>,
        io: Vec<Io>,
    },
    Wait(Wait),
    Succeed,
    Fail {
        error: Option<Text>,
        cause: Option<Text>,
    },
    Parallel {
        branches: Vec<Arc<Machine>>,
    },
    Map(Box<MapState>),
}

impl Kind {
    /// The name its history events start with (`PassStateEntered`…).
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice { .. } => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
            Kind::Parallel { .. } => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

/// A literal or a path to read it from (`Error`/`ErrorPath`, `TimeoutSeconds`/`…Path`).
#[derive(Debug, Clone)]
pub enum Text {
    Literal(String),
    Path(String),
    /// A JSONata expression.
    Expr(String),
}

/// A number given literally or by a path.
#[derive(Debug, Clone)]
pub enum Number {
    Literal(f64),
    Path(String),
    /// A JSONata expression.
    Expr(String),
}

#[derive(Debug)]
pub struct Task {
    pub resource: Resource,
    pub timeout: Option<Number>,
    pub heartbeat: Option<Number>,
}

#[derive(Debug)]
pub enum Wait {
    Seconds(u64),
    SecondsPath(String),
    Timestamp(String),
    TimestampPath(String),
    /// JSONata expressions giving seconds, or a timestamp.
    SecondsExpr(String),
    TimestampExpr(String),
}

#[derive(Debug)]
pub struct MapState {
    pub items_path: String,
    /// JSONata `Items`: an array or an expression giving one (default: the input).
    pub items: Option<Value>,
    pub item_selector: Option<Value>,
    pub processor: Arc<Machine>,
    pub max_concurrency: Option<Number>,
    pub tolerated_count: Option<Number>,
    pub tolerated_percentage: Option<Number>,
    pub batcher: Option<Batcher>,
    /// `ProcessorConfig.Mode: DISTRIBUTED`: iterations still run inside the execution (no
    /// Map Run, no child executions), with ItemBatcher and tolerated failures.
    pub distributed: bool,
}

#[derive(Debug)]
pub struct Batcher {
    pub max_items: Option<Number>,
    pub max_bytes: Option<Number>,
    pub batch_input: Option<Value>,
}

/// One `Retry` entry.
#[derive(Debug, Clone)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub full_jitter: bool,
}

/// One `Catch` entry.
#[derive(Debug, Clone)]
pub struct Catcher {
    pub errors: Vec<String>,
    pub next: String,
    pub result_path: Option<String>,
    /// JSONata `Output` and `Assign` (over `$states.errorOutput`).
    pub io: Io,
}

/// What an EXPRESS machine may not do: wait for a job (`.sync`) or a task token, as Step
/// Functions refuses them there.
pub fn express_problems(machine: &Machine) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    express_walk(machine, "", &mut out);
    out
}

fn express_walk(machine: &Machine, at: &str, out: &mut Vec<Diagnostic>) {
    let mut names: Vec<&String> = machine.states.keys().collect();
    names.sort();
    for name in names {
        let state = &machine.states[name];
        let loc = format!("{at}/States/{name}");
        match &state.kind {
            Kind::Task(t) if t.resource.mode != Mode::Call => out.push(Diagnostic {
                code: "SCHEMA_VALIDATION_FAILED",
                message: format!(
                    "EXPRESS state machines do not support the resource {} (.sync and .waitForTaskToken)",
                    t.resource
                ),
                location: format!("{loc}/Resource"),
            }),
            Kind::Parallel { branches } => {
                for (i, b) in branches.iter().enumerate() {
                    express_walk(b, &format!("{loc}/Branches/{i}"), out);
                }
            }
            Kind::Map(m) => express_walk(&m.processor, &format!("{loc}/ItemProcessor"), out),
            _ => {}
        }
    }
}

/// Whether an `ErrorEquals` list matches `failure`.
pub fn matches(errors: &[String], failure: &crate::Failure) -> bool {
    use crate::failure::names;
    errors.iter().any(|e| {
        e == &failure.error
            // A heartbeat timeout is a timeout too.
            || (e == names::TIMEOUT && failure.error == names::HEARTBEAT_TIMEOUT)
            || (e == names::ALL && failure.catchable())
            || (e == names::TASK_FAILED
                && failure.catchable()
                && failure.error != names::TIMEOUT
                && failure.error != names::HEARTBEAT_TIMEOUT)
    })
}
