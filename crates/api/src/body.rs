//! Body helpers shared by both ports.

pub use squall_runtime::full_body as full;

use http_body_util::{BodyExt, Empty};
use squall_runtime::Body;

/// No body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A JSON response body with its content type.
pub fn json_response(status: http::StatusCode, value: &serde_json::Value) -> http::Response<Body> {
    let mut r = http::Response::new(full(serde_json::to_vec(value).expect("JSON values serialize")));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    r
}
