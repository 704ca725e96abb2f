//! Step Functions' state machines, with no HTTP and no wire format (the adapter
//! `squall-api-stepfunctions` speaks awsJson1.0 for it).
//!
//! - `definition`: Amazon States Language text parsed into a [`definition::Machine`], or the
//!   diagnostics that refuse it; `choice`, `paths`, `template` and `intrinsics` are the
//!   language's pieces (Choice rules, JSONPath reads and ResultPath writes, payload
//!   templates, the `States.*` functions).
//! - [`Workflows`] (`service`): state machines in memory, written through to the store
//!   (`workflows.db`) under a `squall_lifecycle::Ledger`; executions started, described,
//!   listed, stopped; their history; task tokens.
//! - `engine`: executions running, each batch of transitions durable before what it leads
//!   to starts (see its module documentation).

pub mod definition;
pub mod model;
pub mod names;

mod choice;
mod engine;
mod failure;
mod history;
mod intrinsics;
mod jsonata;
mod lifecycle;
mod paths;
mod service;
mod template;
mod test_state;
#[cfg(test)]
mod tests;
mod versions;

pub use engine::{Invoked, TaskCaller, Tasks};
pub use failure::Failure;
pub use model::MAX_PAYLOAD;
pub use service::{HistoryPage, NewMachine, Started, Workflows, not_redrivable};
pub use test_state::{Inspection, TestOutcome};

/// What the workflows service tells its callers: Step Functions' error code and message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One of Step Functions' errors, by its code (`StateMachineDoesNotExist`…).
    #[error("{code}: {message}")]
    Refused { code: &'static str, message: String },
    /// Storage failed.
    #[error(transparent)]
    Storage(squall_storage::Error),
}

impl Error {
    pub(crate) fn refused(code: &'static str, message: impl Into<String>) -> Error {
        Error::Refused { code, message: message.into() }
    }
}

impl From<squall_storage::Error> for Error {
    fn from(e: squall_storage::Error) -> Error {
        match e {
            squall_storage::Error::Conflict(_) => Error::refused(
                "ConflictException",
                "Another request changed state machines at the same moment; try again.",
            ),
            e => Error::Storage(e),
        }
    }
}

/// Results of the workflows service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name changes of state machines are announced under to the other servers.
pub(crate) const DOMAIN: &str = "workflows";

fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}
