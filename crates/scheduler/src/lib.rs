//! EventBridge Scheduler's schedules, with no HTTP and no wire format (the adapter
//! `squall-api-scheduler` speaks rest-json for it).
//!
//! - [`Scheduler`] (`service`): every schedule group and schedule in memory, written through
//!   to a store of their own (`scheduler.db`) before an operation answers; changes go
//!   through a `squall_lifecycle::Ledger`, so servers sharing a store change them one at a
//!   time.
//! - `groups`, `schedules`: the definitions' operations, checked as EventBridge Scheduler
//!   checks them.
//! - `firing`: the once-per-cluster worker that fires what is due on the platform clock,
//!   hands each firing to the [`FiringSink`] the composition root provides (which acts as
//!   the schedule's execution role), retries what failed by the schedule's `RetryPolicy`
//!   and sends what it gives up on to the dead-letter queue.

pub mod model;
pub mod names;

mod firing;
mod groups;
mod lifecycle;
mod retries;
mod schedules;
mod service;
#[cfg(test)]
mod tests;

pub use firing::{Failure, Firing, FiringSink};
pub use schedules::{NewSchedule, SchedulePage};
pub use service::Scheduler;

/// What the scheduler tells its callers; the adapter maps each to the service's code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `ConflictException`: it exists already, or another server changed the definitions
    /// at the same moment (nothing was written).
    #[error("{0}")]
    Conflict(String),
    /// `ServiceQuotaExceededException`.
    #[error("{0}")]
    Quota(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(squall_storage::Error),
}

impl From<squall_storage::Error> for Error {
    fn from(e: squall_storage::Error) -> Error {
        match e {
            squall_storage::Error::Conflict(_) => {
                Error::Conflict("Another request changed schedules at the same moment; try again.".into())
            }
            e => Error::Storage(e),
        }
    }
}

/// Results of the scheduler.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name changes of schedules are announced under to the other servers.
pub(crate) const DOMAIN: &str = "scheduler";

fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}
