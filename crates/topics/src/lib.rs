//! The topics service: SNS's data model and operations over a `TableStore`, with no HTTP
//! and no wire format (the gateway's SNS adapter speaks SNS's query protocol for it).
//!
//! - [`names`]: topic names and the ARNs of topics, subscriptions, queues and functions.
//! - [`filter`]: subscription filter policies, on message attributes or the JSON body.
//! - [`message`]: what Publish carries, its checks, and the documents subscribers get
//!   (the notification envelope, Lambda's SNS event record).
//! - [`service`]: [`Topics`], the operations: topic and subscription lifecycle, attributes,
//!   tags, Publish and PublishBatch.
//! - [`deliver`]: fan-out to subscribers: queues and functions before Publish answers,
//!   HTTP endpoints through a durable outbox with retries.
//! - [`destinations`]: where asynchronous invocations' records and dead letters go (queues,
//!   topics, functions by ARN), for the functions service.
//!
//! Topics and subscriptions live in memory and are written through to the store (their own
//! file, `topics.db`) before an operation answers. A Publish answers once every delivery
//! is durable: written to the subscribed queue, enqueued as an asynchronous invocation of
//! the subscribed function, or stored in the HTTP outbox. So an acknowledged Publish
//! survives `kill -9`, and delivery is at least once.

pub mod deliver;
pub mod destinations;
pub mod filter;
pub mod message;
pub mod names;
pub mod service;

pub use destinations::Destinations;
pub use service::Topics;

mod lifecycle;
mod reset;
#[cfg(test)]
mod tests;

/// What the topics service tells its callers; the adapter maps each to SNS's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `NotFound` (404): no such topic or subscription.
    #[error("{0}")]
    NotFound(String),
    /// `InvalidParameter`: a malformed, missing or out-of-range parameter.
    #[error("Invalid parameter: {0}")]
    InvalidParameter(String),
    /// `ParameterValueInvalid` (`InvalidParameterValue` on the wire): bad message attributes.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `TooManyEntriesInBatchRequest`.
    #[error("The batch request contains more entries than permissible.")]
    TooManyEntriesInBatchRequest,
    /// `EmptyBatchRequest`.
    #[error("The batch request doesn't contain any entries.")]
    EmptyBatchRequest,
    /// `BatchEntryIdsNotDistinct`.
    #[error("Two or more batch entries in the request have the same Id.")]
    BatchEntryIdsNotDistinct,
    /// `InvalidBatchEntryId`.
    #[error("The Id of a batch entry in a batch request doesn't abide by the specification.")]
    InvalidBatchEntryId,
    /// `BatchRequestTooLong`.
    #[error("The length of all the messages put together is more than the limit.")]
    BatchRequestTooLong,
    /// `TagLimitExceeded`.
    #[error("Could not complete request: tag quota of per resource exceeded")]
    TagLimitExceeded,
    /// A delivery could not be made durable (the platform failed, not the caller).
    #[error("{0}")]
    Delivery(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] squall_storage::Error),
}

/// Results of the topics service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidParameter(message.into())
}
