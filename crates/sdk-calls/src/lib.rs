//! The AWS SDK's calls of Squall's services whose protocol is not JSON (S3's rest-xml,
//! Lambda's and EventBridge Scheduler's rest-json, IAM's, STS's and SNS's query), as Step
//! Functions' `aws-sdk:<service>:<action>` Tasks make them: the input members, named as
//! the SDKs name them, made into the operation's wire request, and its answer read back
//! into the output members. Both directions follow botocore's models of the operations
//! Squall serves (`models/`, written by `scripts/sdk_models.py`), as the SDKs' own
//! serializers and parsers do.
//!
//! In the answers, timestamps are ISO 8601 text and a streamed body (S3's GetObject) is
//! its text, as Step Functions gives them.

mod answer;
mod model;
mod read;
mod request;
mod s3;
mod scalars;
mod write_json;
mod write_xml;

pub use answer::answer;
pub use request::request;

/// An operation's request as it goes on the wire.
#[derive(Debug)]
pub struct WireRequest {
    pub method: http::Method,
    /// Path and query.
    pub uri: String,
    pub headers: http::HeaderMap,
    pub body: bytes::Bytes,
}

/// A service's error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// The services with a model here, as Step Functions names them (`s3`, `iam`, …).
pub fn services() -> Vec<&'static str> {
    model::services().collect()
}

/// Whether `operation` (botocore's name: `GetObject`) of `service` is one Squall serves
/// that can be called this way (not one answering an event stream, as Step Functions'
/// integration cannot either).
pub fn knows(service: &str, operation: &str) -> bool {
    model::model(service).is_some_and(|m| m.operations.contains_key(operation) && !m.streams_events(operation))
}

/// Whether the model of `service` has `operation`, callable or not.
pub fn modelled(service: &str, operation: &str) -> bool {
    model::model(service).is_some_and(|m| m.operations.contains_key(operation))
}

#[cfg(test)]
mod tests;
