//! Event buses as EventBridge has them, with no HTTP and no wire format (the adapter
//! `squall-api-events` speaks awsJson1.1 for it).
//!
//! - [`EventBuses`] (`service`): every bus and rule in memory, written through to one store
//!   of their own (`events.db`) before an operation answers; changes go through a
//!   `squall_lifecycle::Ledger`, so servers sharing a store change them one at a time.
//! - `buses`, `rules`, `tags`: the definitions' operations.
//! - `routing`: PutEvents: each entry checked and made an event, matched against the
//!   enabled rules of its bus through a `squall_patterns::PatternIndex` (not rule by rule),
//!   and handed to each matching rule's targets through the [`TargetSink`] the composition
//!   root provides; a bus target routes again on that bus.
//! - `scheduler`: the once-per-cluster worker that fires scheduled rules on the platform clock, each firing's next due time
//!   kept in the store.
//! - `retries`: deliveries that failed for a passing reason, kept in the store and tried
//!   again by the target's `RetryPolicy` by a once-per-cluster worker.
//! - `connections`: connections (their secrets in Secrets Manager, through the
//!   [`ConnectionSecrets`] the composition root provides) and API destinations; an API
//!   destination target's events go through the retries' outbox, so PutEvents never waits
//!   on a remote endpoint.
//! - `archives`, `replays`: archives keeping a bus's events (in a pseudo-table each), their
//!   retention, and replays of a time window back onto the bus by a once-per-cluster
//!   worker.
//! - [`transform`]: `Input`, `InputPath` and `InputTransformer`.

pub mod model;
pub mod names;
pub mod transform;

mod archives;
mod buses;
mod connections;
mod lifecycle;
mod replays;
mod retries;
mod routing;
mod rules;
mod scheduler;
mod service;
mod tags;
#[cfg(test)]
mod tests;

pub use archives::{ArchiveStats, archive_arn};
pub use connections::{NewApiDestination, NewConnection, NewOAuth, NewParameter, secret_value};
pub use replays::{StartReplay, replay_arn};
pub use routing::{Entry, EntryResult};
pub use rules::{PutRule, RulePage};
pub use service::{ConnectionSecrets, Delivery, EventBuses, Refusal, TargetSink};

/// What the event buses tell their callers; the adapter maps each to EventBridge's code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `ResourceAlreadyExistsException`.
    #[error("{0}")]
    AlreadyExists(String),
    /// `InvalidEventPatternException`.
    #[error("{0}")]
    InvalidPattern(String),
    /// `LimitExceededException`.
    #[error("{0}")]
    LimitExceeded(String),
    /// `IllegalStatusException`: a replay that cannot be cancelled now.
    #[error("{0}")]
    IllegalStatus(String),
    /// `ConcurrentModificationException`: another server changed the definitions at the
    /// same moment; nothing was written.
    #[error("{0}")]
    Busy(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(squall_storage::Error),
}

impl From<squall_storage::Error> for Error {
    fn from(e: squall_storage::Error) -> Error {
        match e {
            squall_storage::Error::Conflict(_) => {
                Error::Busy("Another request changed event buses or rules at the same moment; try again.".into())
            }
            e => Error::Storage(e),
        }
    }
}

/// The [`Refusal`] code of a call held back by an API destination's rate: tried again a
/// second later, without counting an attempt.
pub const THROTTLED: &str = "THROTTLING";

/// Results of the event buses.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name changes of buses and rules are announced under to the other servers.
pub(crate) const DOMAIN: &str = "events";

fn corrupt(what: String, e: impl std::fmt::Display) -> Error {
    Error::Storage(squall_storage::Error::Corrupt { what, detail: e.to_string() })
}
