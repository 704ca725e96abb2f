//! A streamed response as an HTTP response (a function URL, a route): when the function
//! wrote Lambda's HTTP integration prelude (`awslambda.HttpResponseStream.from`: the
//! status, headers and cookies as JSON, then eight zero bytes), the prelude makes the
//! response's head and what follows streams as its body; else the bytes stream as they are.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use squall_runtime::Body;

/// The content type of a stream that starts with the HTTP prelude.
pub(crate) const HTTP_INTEGRATION: &str = "application/vnd.awslambda.http-integration-response";

/// The delimiter after the prelude.
const DELIMITER: [u8; 8] = [0; 8];

/// The longest prelude read before giving up on finding its end.
const MAX_PRELUDE: usize = 64 << 10;

/// The HTTP response a streamed result makes; `Err` when a prelude is announced but has no
/// end, or is not the JSON object it should be.
pub(crate) async fn http_response(
    content_type: Option<String>,
    mut body: Body,
) -> Result<http::Response<Body>, String> {
    if content_type.as_deref() != Some(HTTP_INTEGRATION) {
        let mut r = http::Response::new(body);
        let ct = content_type.unwrap_or_else(|| "application/octet-stream".into());
        if let Ok(v) = http::HeaderValue::from_str(&ct) {
            r.headers_mut().insert(http::header::CONTENT_TYPE, v);
        }
        return Ok(r);
    }
    let mut head = BytesMut::new();
    let at = loop {
        if let Some(at) = head.windows(DELIMITER.len()).position(|w| w == DELIMITER) {
            break at;
        }
        if head.len() > MAX_PRELUDE {
            return Err(format!("the streamed response's HTTP prelude has no end within {MAX_PRELUDE} bytes"));
        }
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    head.extend_from_slice(&data);
                }
            }
            Some(Err(e)) => return Err(format!("the response stream broke: {e}")),
            None => return Err("the streamed response ended inside its HTTP prelude".into()),
        }
    };
    let prelude: serde_json::Value = serde_json::from_slice(&head[..at])
        .map_err(|e| format!("the streamed response's HTTP prelude is not JSON: {e}"))?;
    let rest = head.split_off(at + DELIMITER.len()).freeze();
    let mut r = http::Response::new(prepend(rest, body));
    if let Some(status) = prelude.get("statusCode") {
        let code = status.as_u64().and_then(|s| http::StatusCode::from_u16(s as u16).ok());
        *r.status_mut() = code.ok_or_else(|| format!("statusCode {status} is not an HTTP status"))?;
    }
    let h = r.headers_mut();
    for (k, v) in prelude.get("headers").and_then(|h| h.as_object()).into_iter().flatten() {
        let value = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(k.as_bytes()), http::HeaderValue::from_str(&value))
        {
            h.append(name, value);
        }
    }
    for cookie in prelude.get("cookies").and_then(|c| c.as_array()).into_iter().flatten().filter_map(|c| c.as_str()) {
        if let Ok(v) = http::HeaderValue::from_str(cookie) {
            h.append(http::header::SET_COOKIE, v);
        }
    }
    if !h.contains_key(http::header::CONTENT_TYPE) {
        h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/octet-stream"));
    }
    Ok(r)
}

/// `body` with `first` before it.
fn prepend(first: Bytes, mut body: Body) -> Body {
    let (tx, out) = squall_runtime::channel_body(16);
    tokio::spawn(async move {
        if !first.is_empty() && tx.send(Ok(hyper::body::Frame::data(first))).await.is_err() {
            return;
        }
        while let Some(frame) = body.frame().await {
            if tx.send(frame).await.is_err() {
                return;
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(parts: &[&[u8]]) -> Body {
        let (tx, body) = squall_runtime::channel_body(16);
        let parts: Vec<Bytes> = parts.iter().map(|p| Bytes::copy_from_slice(p)).collect();
        tokio::spawn(async move {
            for p in parts {
                let _ = tx.send(Ok(hyper::body::Frame::data(p))).await;
            }
        });
        body
    }

    #[tokio::test]
    async fn a_prelude_makes_the_head_and_the_rest_streams_as_the_body() {
        let prelude = br#"{"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["c=1"]}"#;
        let body = stream_of(&[&prelude[..20], &prelude[20..], &[0, 0, 0, 0], &[0, 0, 0, 0, b'h', b'i'], b" there"]);
        let r = http_response(Some(HTTP_INTEGRATION.into()), body).await.unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(
            (&r.headers()["x-a"], &r.headers()["set-cookie"]),
            (&http::HeaderValue::from_static("1"), &http::HeaderValue::from_static("c=1"))
        );
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"hi there");
        let plain = http_response(Some("text/plain".into()), stream_of(&[b"raw"])).await.unwrap();
        assert_eq!(plain.headers()["content-type"], "text/plain");
        let cut = http_response(Some(HTTP_INTEGRATION.into()), stream_of(&[b"{\"statusCode\": 200}"])).await;
        assert!(cut.unwrap_err().contains("ended inside its HTTP prelude"));
    }
}
