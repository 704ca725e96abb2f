//! The queues service: SQS's data model and operations over a `TableStore`, with no HTTP
//! and no wire format (the gateway's SQS adapter speaks SQS's JSON protocol for it).
//!
//! - [`attributes`]: queue attributes, their bounds, and the redrive policy.
//! - [`message`]: messages, message attributes, and SQS's MD5 digests of both.
//! - [`service`]: [`Queues`], the operations: queue lifecycle, send, receive with long
//!   polling and visibility timeouts, delete, change visibility, redrive to a dead-letter
//!   queue, retention.
//! - [`redrive`]: message move tasks, from a dead-letter queue back to the source queues.
//!
//! - `send`, `receive`: the message operations; `retention`: the sweep of old messages;
//!   `legacy`: carrying queues over from the layout before messages had a store of their own.
//!
//! Messages live in a [`squall_storage::MessageStore`], which hands them out: every
//! operation is one store transaction, finished before it answers, so an acknowledged
//! send, receive or delete survives `kill -9`, memory does not grow with a backlog, and
//! several servers on one store share a queue. Only definitions are held in memory.

pub mod attributes;
mod legacy;
pub mod message;
mod receipt;
mod receive;
pub mod redrive;
mod retention;
mod send;
pub mod service;

pub use service::Queues;

mod lifecycle;
mod reset;
#[cfg(test)]
mod tests;

/// What the queues service tells its callers; the adapter maps each to SQS's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `QueueDoesNotExist` (`AWS.SimpleQueueService.NonExistentQueue`).
    #[error("The specified queue does not exist.")]
    QueueDoesNotExist,
    /// `QueueNameExists` (`QueueAlreadyExists`): the name is taken with other attributes.
    #[error("{0}")]
    QueueNameExists(String),
    /// `InvalidParameterValue`: a malformed or out-of-range parameter.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `MissingParameter`.
    #[error("{0}")]
    MissingParameter(String),
    /// `InvalidAttributeName`.
    #[error("{0}")]
    InvalidAttributeName(String),
    /// `InvalidAttributeValue`.
    #[error("{0}")]
    InvalidAttributeValue(String),
    /// `InvalidMessageContents`: characters SQS does not allow.
    #[error("{0}")]
    InvalidMessageContents(String),
    /// `ReceiptHandleIsInvalid`.
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    /// `MessageNotInflight`.
    #[error("Message does not exist or is not available for visibility timeout change.")]
    MessageNotInflight,
    /// `TooManyEntriesInBatchRequest`.
    #[error("Maximum number of entries per request are 10. You have sent {0}.")]
    TooManyEntriesInBatchRequest(usize),
    /// `EmptyBatchRequest`.
    #[error("There should be at least one entry in the request.")]
    EmptyBatchRequest,
    /// `BatchEntryIdsNotDistinct`.
    #[error("Id {0} repeated.")]
    BatchEntryIdsNotDistinct(String),
    /// `InvalidBatchEntryId`.
    #[error(
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."
    )]
    InvalidBatchEntryId,
    /// `BatchRequestTooLong`.
    #[error("Batch requests cannot be longer than {0} bytes.")]
    BatchRequestTooLong(usize),
    /// `ResourceNotFoundException`: no such message move task.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `UnsupportedOperation`.
    #[error("{0}")]
    UnsupportedOperation(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] squall_storage::Error),
}

/// Most messages (and deduplication records) a retention sweep deletes per queue.
pub(crate) const SWEEP_PAGE: usize = 1000;

/// Results of the queues service.
pub type Result<T, E = Error> = std::result::Result<T, E>;
