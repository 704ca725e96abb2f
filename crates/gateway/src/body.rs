//! Body helpers shared by both ports.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use squall_runtime::Body;

/// A complete body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// No body.
pub(crate) fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A JSON response body with its content type.
pub(crate) fn json_response(status: http::StatusCode, value: &serde_json::Value) -> http::Response<Body> {
    let mut r = http::Response::new(full(serde_json::to_vec(value).expect("JSON values serialize")));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    r
}

/// Reads a whole body, failing past `max` bytes. (`http_body_util::Limited` cannot wrap our
/// boxed-error bodies inside a `Send` future: its `Into<BoxError>` bound is higher-ranked.)
pub(crate) async fn collect_limited(mut body: Body, max: usize) -> Result<bytes::Bytes, String> {
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > max {
                return Err(format!("the body is larger than {max} bytes"));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out.freeze())
}
