//! Lambda's REST API (functions, asynchronous invocation settings, concurrency) over the
//! functions service.

mod access;
mod code;
mod lambda;
mod lambda_async;
mod layers;
mod mappings;
mod permissions;
mod provisioned;
mod settings;
mod streaming;
mod tags;
mod unserved;
mod urls;
mod versions;

pub use lambda::SERVICE;
#[allow(unused_imports)]
pub(crate) use squall_api::{ApiError, ApiRequest, ApiState, body, json, protocol, query};
