//! The JSON protocols' answers and decoding errors.

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

/// 400 SerializationException: the body is not the JSON document the operation takes.
pub fn serialization(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "SerializationException", message)
}
