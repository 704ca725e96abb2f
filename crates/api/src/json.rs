//! The JSON protocols' answers (awsJson1.0 and 1.1) and decoding errors.

use crate::ApiError;
use crate::body::json_response;
use http::{HeaderValue, StatusCode};
use serde_json::Value;
use squall_runtime::Body;

/// A JSON 1.0 answer.
pub fn json10(out: &Value) -> http::Response<Body> {
    let mut r = json_response(StatusCode::OK, out);
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    r
}

/// The content type of awsJson1.1 answers.
pub const CONTENT_TYPE_11: &str = "application/x-amz-json-1.1";

/// A JSON 1.1 answer.
pub fn json11(out: &Value) -> http::Response<Body> {
    let mut r = json_response(StatusCode::OK, out);
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_11));
    r
}

/// 400 SerializationException: the body is not the JSON document the operation takes.
pub fn serialization(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "SerializationException", message)
}
