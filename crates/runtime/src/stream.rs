//! Streamed responses: a body fed through a channel as a function writes it, whose end may
//! carry the function's error in trailers (it failed after the first byte went out).

use crate::{Body, BoxError};
use bytes::Bytes;
use http_body::Frame;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// The trailer naming the error of a response that failed while it streamed.
pub const STREAM_ERROR_TYPE: &str = "lambda-runtime-function-error-type";
/// The trailer holding that error's document, base64.
pub const STREAM_ERROR_BODY: &str = "lambda-runtime-function-error-body";

/// The sending end of a [`channel_body`].
pub type FrameSender = mpsc::Sender<Result<Frame<Bytes>, BoxError>>;

struct ChannelBody(mpsc::Receiver<Result<Frame<Bytes>, BoxError>>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.0.poll_recv(cx)
    }
}

/// A body that yields what is sent through the returned sender, and ends when every
/// sender is dropped.
pub fn channel_body(capacity: usize) -> (FrameSender, Body) {
    use http_body_util::BodyExt;
    let (tx, rx) = mpsc::channel(capacity);
    (tx, ChannelBody(rx).boxed_unsync())
}

/// The trailers that end a stream with the error `kind` and its document.
pub fn error_trailers(kind: &str, document: &[u8]) -> http::HeaderMap {
    use base64::Engine as _;
    let mut t = http::HeaderMap::new();
    if let Ok(v) = http::HeaderValue::from_str(kind) {
        t.insert(STREAM_ERROR_TYPE, v);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(document);
    if let Ok(v) = http::HeaderValue::from_str(&encoded) {
        t.insert(STREAM_ERROR_BODY, v);
    }
    t
}

/// The error a stream's trailers carry, if any: its type and its document.
pub fn stream_error(trailers: &http::HeaderMap) -> Option<(String, Bytes)> {
    use base64::Engine as _;
    let kind = trailers.get(STREAM_ERROR_TYPE)?.to_str().ok()?.to_string();
    let document = trailers
        .get(STREAM_ERROR_BODY)
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v.as_bytes()).ok())
        .unwrap_or_default();
    Some((kind, Bytes::from(document)))
}
