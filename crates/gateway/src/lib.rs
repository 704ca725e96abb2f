//! The HTTP edges of Squall.
//!
//! - [`serve`]: the accept loop (HTTP/1.1, keep-alive, graceful shutdown that lets
//!   in-flight requests finish), one tracing span per request with its request id and
//!   trace id.
//! - [`routes`]: the `--http` port: deployed services' routes with API Gateway's semantics
//!   (`/<service>/<stage>/<route path>`; HTTP APIs and REST APIs), CORS, streaming bodies
//!   both ways; `rest_errors`: a REST API's own errors and its gateway responses;
//!   `function_urls`: Lambda function URLs (`/lambda-url/<id>/…`).
//! - [`api`]: the `--api` port: each request classified once into a service, authenticated,
//!   and handed to its adapter (the `squall-api-<service>` crates), or to Squall's control
//!   plane (`/squall/v1/…`).
//!
//! Handlers decode, call one service function, encode. Logic beyond that belongs in the
//! services. Deliberately absent: storage, wasmtime.

pub mod api;
mod function_urls;
mod lambda_integration;
mod rest_errors;
pub mod routes;
mod serve;
mod start_execution;
mod throttle;

pub use api::{AccessKeys, ApiState};
pub use routes::RoutesState;
pub use serve::serve;
pub use squall_api::host::PeerAddr;
pub use throttle::Throttles;
