//! The tables service: DynamoDB's data model and operations over a `TableStore`, with no
//! HTTP and no wire format (the gateway's DynamoDB adapter speaks JSON 1.0 for it).
//!
//! - [`number`]: DynamoDB's exact decimal, with an order-preserving key encoding.
//! - [`value`]: attribute values and items, and their DynamoDB JSON form.
//! - [`expr`]: condition, filter, key condition, projection and update expressions.
//! - [`schema`]: table definitions, key checks and the stored key encoding.
//! - `index`: secondary index entries (keys, projections, maintenance on every write).
//! - [`service`]: [`Tables`], the operations.
//! - [`transact`]: TransactWriteItems and TransactGetItems.
//! - [`ttl`]: time to live: the setting and the sweeper that deletes expired items.
//! - `tags`: table tags.
//! - [`stream`]: table streams: a record of every change, written with it, read in order.
//!

mod change;
pub mod expr;
mod index;
mod lifecycle;
pub mod number;
mod reset;
pub mod schema;
pub mod service;
mod stored;
pub mod stream;
mod tags;
pub mod transact;
pub mod ttl;
pub mod value;

pub use number::Number;
pub use service::Tables;
pub use value::{AttributeValue, Item};

/// What the tables service tells its callers; the adapter maps each to DynamoDB's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ValidationException`: the request is malformed or breaks a limit.
    #[error("{0}")]
    Validation(String),
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `ResourceInUseException`: the table exists already.
    #[error("{0}")]
    ResourceInUse(String),
    /// `ConditionalCheckFailedException`, with the item when the caller asked for it.
    #[error("The conditional request failed")]
    ConditionalCheckFailed {
        /// The item as it was (`ReturnValuesOnConditionCheckFailure: ALL_OLD`).
        item: Option<Item>,
    },
    /// `TransactionCanceledException`: one reason per action, in order.
    #[error("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", .reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", "))]
    TransactionCanceled {
        /// Why each action did not apply (`None` for those that would have).
        reasons: Vec<transact::CancelReason>,
    },
    /// `IdempotentParameterMismatchException`: a token reused for another request.
    #[error("{0}")]
    IdempotentParameterMismatch(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] squall_storage::Error),
}

/// Results of the tables service.
pub type Result<T, E = Error> = std::result::Result<T, E>;
