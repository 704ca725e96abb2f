//! DynamoDB's JSON 1.0 protocol over the tables service (legacy parameters rewritten into
//! expressions), and DynamoDB Streams'.

mod access;
mod dynamodb;
mod dynamodb_legacy;
mod dynamodb_streams;

pub use dynamodb::SERVICE as DYNAMODB;
pub use dynamodb_streams::SERVICE as STREAMS;
#[allow(unused_imports)]
pub(crate) use squall_api::{ApiError, ApiRequest, ApiState, body, json, protocol, query};
