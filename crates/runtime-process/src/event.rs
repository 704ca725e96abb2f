//! API Gateway HTTP API (payload 2.0) events from HTTP requests, and the responses that
//! come back, as Lambda integrations define them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use squall_clock::wall_ms;
use squall_runtime::{Body, full_body};
use squall_types::{ACCOUNT_ID, query_pairs};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Content types sent as text; everything else is base64.
pub(crate) fn is_text(content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct.starts_with("text/")
        || ["application/json", "application/xml", "application/javascript", "application/x-www-form-urlencoded"]
            .contains(&ct.as_str())
        || ct.ends_with("+json")
        || ct.ends_with("+xml")
}

/// `21/Apr/2020:15:08:21 +0000`, the Common Log Format time API Gateway puts in `requestContext.time`.
const CLF_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");

/// Epoch milliseconds in [`CLF_TIME`]; instants after the year 9999 print as its last second.
pub(crate) fn clf_time(ms: u64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or_else(|_| PrimitiveDateTime::MAX.assume_utc())
        .format(CLF_TIME)
        .expect("a UTC date-time has every component the description names")
}

/// What a route invocation needs besides the request.
pub(crate) struct RouteContext<'a> {
    pub(crate) route_key: &'a str,
    pub(crate) path_params: &'a [(String, String)],
    pub(crate) source_ip: &'a str,
    pub(crate) request_id: &'a str,
}

/// The v2 event for `parts` + `body`.
pub(crate) fn http_event(parts: &http::request::Parts, body: &[u8], cx: &RouteContext<'_>) -> Bytes {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(v.split(';').map(|c| Value::from(c.trim())));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                headers.insert(name.as_str().to_string(), Value::from(v));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query = Map::new();
    for (k, v) in query_pairs(raw_query) {
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::from(v));
            }
        }
    }
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let host = header("host");
    // Real time: the function compares it with its own clock.
    let now = wall_ms();
    let mut event = json!({
        "version": "2.0",
        "routeKey": cx.route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "squall",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(host),
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": cx.source_ip,
                "userAgent": header("user-agent"),
            },
            "requestId": cx.request_id,
            "routeKey": cx.route_key,
            "stage": "$default",
            "time": clf_time(now),
            "timeEpoch": now,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::from(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::from(query);
    }
    if !cx.path_params.is_empty() {
        let params: Map<String, Value> =
            cx.path_params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        event["pathParameters"] = Value::from(params);
    }
    if !body.is_empty() {
        if is_text(header("content-type")) && std::str::from_utf8(body).is_ok() {
            event["body"] = Value::from(String::from_utf8_lossy(body).into_owned());
        } else {
            event["body"] = Value::from(B64.encode(body));
            event["isBase64Encoded"] = Value::from(true);
        }
    }
    Bytes::from(event.to_string())
}

/// Headers a function's response may not set.
pub(crate) const HOP_BY_HOP: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

/// The HTTP response for a function's result, or why the result is unusable.
pub(crate) fn http_response(payload: &[u8]) -> Result<http::Response<Body>, String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the function's result is not JSON: {e}"))?;
    let Some(obj) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        // Any other JSON: 200, and the JSON is the body.
        let mut r = http::Response::new(full_body(payload.to_vec()));
        r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        return Ok(r);
    };
    let status = obj["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| http::StatusCode::from_u16(s).ok())
        .ok_or("statusCode is not a valid HTTP status")?;
    let body = match obj.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if obj.get("isBase64Encoded") == Some(&Value::Bool(true)) => {
            B64.decode(s).map_err(|e| format!("body is not base64: {e}"))?
        }
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    };
    let mut r = http::Response::new(full_body(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    if let Some(Value::Object(headers)) = obj.get("headers") {
        for (k, v) in headers {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(name), Ok(value)) = (http::HeaderName::try_from(k.as_str()), http::HeaderValue::try_from(v)) {
                // Framing and hop-by-hop headers are the server's to set: a function's
                // content-length that disagrees with its body would corrupt the connection.
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    h.insert(name, value);
                }
            }
        }
    }
    if let Some(Value::Array(cookies)) = obj.get("cookies") {
        for c in cookies.iter().filter_map(Value::as_str) {
            if let Ok(v) = http::HeaderValue::try_from(c) {
                h.append(http::header::SET_COOKIE, v);
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn builds_v2_events() {
        let req = http::Request::post("/items/7?a=1&a=2&b=x+y")
            .header("host", "127.0.0.1:8080")
            .header("content-type", "application/json")
            .header("cookie", "s=1; t=2")
            .header("x-multi", "a")
            .header("x-multi", "b")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let params = vec![("id".to_string(), "7".to_string())];
        let cx = RouteContext {
            route_key: "POST /items/{id}",
            path_params: &params,
            source_ip: "127.0.0.1",
            request_id: "r1",
        };
        let e: Value = serde_json::from_slice(&http_event(&parts, br#"{"k":1}"#, &cx)).unwrap();
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "POST /items/{id}");
        assert_eq!(e["rawPath"], "/items/7");
        assert_eq!(e["rawQueryString"], "a=1&a=2&b=x+y");
        assert_eq!(e["queryStringParameters"]["a"], "1,2");
        assert_eq!(e["queryStringParameters"]["b"], "x y");
        assert_eq!(e["pathParameters"]["id"], "7");
        assert_eq!(e["cookies"], json!(["s=1", "t=2"]));
        assert_eq!(e["headers"]["x-multi"], "a,b");
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["requestContext"]["http"]["method"], "POST");
        assert_eq!(e["body"], r#"{"k":1}"#);
        assert_eq!(e["isBase64Encoded"], false);
        assert!(e.get("httpMethod").is_none(), "never the v1 shape");

        let (parts, ()) = http::Request::get("/").header("content-type", "image/png").body(()).unwrap().into_parts();
        let e: Value = serde_json::from_slice(&http_event(&parts, &[0xff, 0], &cx)).unwrap();
        assert_eq!((e["body"].as_str(), e["isBase64Encoded"].as_bool()), (Some("/wA="), Some(true)));
    }

    #[test]
    fn formats_clf_times() {
        let cases = [
            (0, "01/Jan/1970:00:00:00 +0000"),
            (999, "01/Jan/1970:00:00:00 +0000"),
            (1_587_481_701_000, "21/Apr/2020:15:08:21 +0000"),
            (1_706_704_496_789, "31/Jan/2024:12:34:56 +0000"),
            (1_709_164_800_000, "29/Feb/2024:00:00:00 +0000"),
            (1_709_251_199_999, "29/Feb/2024:23:59:59 +0000"),
            (1_709_251_200_000, "01/Mar/2024:00:00:00 +0000"),
            (1_704_067_199_999, "31/Dec/2023:23:59:59 +0000"),
            (1_704_067_200_000, "01/Jan/2024:00:00:00 +0000"),
            (4_107_456_000_000, "28/Feb/2100:00:00:00 +0000"),
            (4_107_542_400_000, "01/Mar/2100:00:00:00 +0000"),
            (253_402_300_799_999, "31/Dec/9999:23:59:59 +0000"),
            (u64::MAX, "31/Dec/9999:23:59:59 +0000"),
        ];
        for (ms, s) in cases {
            assert_eq!(clf_time(ms), s, "{ms}");
        }
    }

    async fn body(r: http::Response<Body>) -> Vec<u8> {
        r.into_body().collect().await.unwrap().to_bytes().to_vec()
    }

    #[tokio::test]
    async fn maps_responses() {
        let r = http_response(br#"{"statusCode":201,"headers":{"x-a":"1"},"cookies":["a=1","b=2"],"body":"made"}"#)
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-a"], "1");
        assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
        assert_eq!(body(r).await, b"made");
        let r = http_response(br#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#).unwrap();
        assert_eq!(body(r).await, b"hi");
        let r = http_response(br#"{"hello":"world"}"#).unwrap();
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(body(r).await, br#"{"hello":"world"}"#);
        assert!(http_response(b"not json").is_err());
        assert!(http_response(br#"{"statusCode":"x"}"#).is_err());
        assert!(http_response(br#"{"statusCode":65736}"#).is_err(), "no wrapping into 200");
        let r = http_response(
            br#"{"statusCode":200,"headers":{"content-length":"999","transfer-encoding":"chunked"},"body":"x"}"#,
        )
        .unwrap();
        assert!(r.headers().get("content-length").is_none() && r.headers().get("transfer-encoding").is_none());
    }
}
