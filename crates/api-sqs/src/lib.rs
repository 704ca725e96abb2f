//! SQS's JSON protocol and, as a translation over it, its query protocol.

mod sqs;
mod sqs_query;

pub use sqs::SERVICE as JSON;
pub use sqs_query::SERVICE as QUERY;
#[allow(unused_imports)]
pub(crate) use squall_api::{ApiError, ApiRequest, ApiState, body, json, protocol, query};
