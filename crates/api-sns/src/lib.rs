//! SNS's query protocol over the topics service.

mod sns;

pub use sns::SERVICE;
#[allow(unused_imports)]
pub(crate) use squall_api::{ApiError, ApiRequest, ApiState, body, json, protocol, query};
