//! Payload 1.0 events (REST APIs' Lambda proxy integration, and HTTP APIs with
//! `payload: '1.0'`) from HTTP requests, and the responses that come back.

use crate::event::{RouteContext, clf_time, is_text};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use squall_clock::wall_ms;
use squall_runtime::{Body, V1Context, full_body};
use squall_types::{ACCOUNT_ID, query_pairs, title_case_header};

/// Whether `content_type` is one of `types` (`image/png`, `image/*`, `*/*`).
fn is_binary(types: &[String], content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct.is_empty() {
        return false;
    }
    types.iter().any(|t| {
        let t = t.trim().to_ascii_lowercase();
        t == ct || t == "*/*" || t.strip_suffix("/*").is_some_and(|major| ct.split('/').next() == Some(major))
    })
}

/// A map of single values (the last one, as REST APIs keep) and one of every value, or
/// `null`s when there are none.
fn single_and_multi(pairs: Vec<(String, String)>) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in pairs {
        single.insert(k.clone(), Value::from(v.clone()));
        match multi.get_mut(&k) {
            Some(Value::Array(values)) => values.push(Value::from(v)),
            _ => {
                multi.insert(k, Value::Array(vec![Value::from(v)]));
            }
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// The 1.0 event for `parts` + `body`; `parts.uri`'s path is relative to the stage.
pub(crate) fn http_event_v1(parts: &http::request::Parts, body: &[u8], cx: &RouteContext<'_>, v1: &V1Context) -> Bytes {
    let name = |n: &http::HeaderName| if v1.rest { title_case_header(n.as_str()) } else { n.as_str().to_string() };
    let headers: Vec<(String, String)> =
        parts.headers.iter().map(|(n, v)| (name(n), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let (headers, multi_headers) = single_and_multi(headers);
    let (query, multi_query) = single_and_multi(query_pairs(parts.uri.query().unwrap_or("")));
    let header = |n: &str| parts.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let host = header("host");
    let path_params = if cx.path_params.is_empty() {
        Value::Null
    } else {
        Value::Object(cx.path_params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect())
    };
    let content_type = header("content-type");
    let (body, base64) = if body.is_empty() {
        (Value::Null, false)
    } else if v1.rest && !is_binary(&v1.binary_media_types, content_type) {
        // Without a binary media type, a REST API passes the body as text.
        (Value::from(String::from_utf8_lossy(body).into_owned()), false)
    } else if !v1.rest && is_text(content_type) && std::str::from_utf8(body).is_ok() {
        (Value::from(String::from_utf8_lossy(body).into_owned()), false)
    } else {
        (Value::from(B64.encode(body)), true)
    };
    // Real time: the function compares it with its own clock.
    let now = wall_ms();
    let mut event = json!({
        "resource": v1.resource,
        "path": parts.uri.path(),
        "httpMethod": parts.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": Value::Null,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "squall",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(host),
            "extendedRequestId": cx.request_id,
            "httpMethod": parts.method.as_str(),
            "identity": {
                "accessKey": Value::Null,
                "accountId": Value::Null,
                "apiKey": v1.api_key,
                "apiKeyId": v1.api_key.as_ref().map(|_| "squall"),
                "caller": Value::Null,
                "cognitoAuthenticationProvider": Value::Null,
                "cognitoAuthenticationType": Value::Null,
                "cognitoIdentityId": Value::Null,
                "cognitoIdentityPoolId": Value::Null,
                "principalOrgId": Value::Null,
                "sourceIp": cx.source_ip,
                "user": Value::Null,
                "userAgent": header("user-agent"),
                "userArn": Value::Null,
            },
            "path": v1.request_path,
            "protocol": "HTTP/1.1",
            "requestId": cx.request_id,
            "requestTime": clf_time(now),
            "requestTimeEpoch": now,
            "resourceId": "squall",
            "resourcePath": v1.resource,
            "stage": v1.stage,
        },
        "body": body,
        "isBase64Encoded": base64,
    });
    if !v1.rest {
        event["version"] = Value::from("1.0");
        event["requestContext"]["routeKey"] = Value::from(cx.route_key);
    }
    Bytes::from(event.to_string())
}

/// A header value as API Gateway takes it from a response: strings as they are, numbers
/// and booleans as their JSON text.
fn header_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    }
}

/// The HTTP response for a function's 1.0 result, or why API Gateway would call it a
/// malformed Lambda proxy response. `accept` is the request's `Accept` header.
pub(crate) fn http_response_v1(payload: &[u8], v1: &V1Context, accept: &str) -> Result<http::Response<Body>, String> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| format!("the function's result is not JSON: {e}"))?;
    let obj = value.as_object().ok_or("the function's result is not a JSON object")?;
    let status = match obj.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => return Err("the function's result has no statusCode".into()),
    }
    .and_then(|s| u16::try_from(s).ok())
    .and_then(|s| http::StatusCode::from_u16(s).ok())
    .ok_or("statusCode is not a valid HTTP status")?;
    let mut r = http::Response::new(full_body(Vec::new()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    let mut add = |k: &str, v: String| -> Result<(), String> {
        let name = http::HeaderName::try_from(k).map_err(|_| format!("{k:?} is not a header name"))?;
        let value = http::HeaderValue::try_from(v).map_err(|_| format!("the value of header {k} is not valid"))?;
        // Framing and hop-by-hop headers are the server's to set.
        if !crate::event::HOP_BY_HOP.contains(&name.as_str()) {
            h.append(name, value);
        }
        Ok(())
    };
    match obj.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (k, v) in headers {
                let v = header_text(v).ok_or_else(|| format!("headers.{k} is not a string"))?;
                add(k, v)?;
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    match obj.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (k, values) in headers {
                let Value::Array(values) = values else {
                    return Err(format!("multiValueHeaders.{k} is not a list"));
                };
                for v in values {
                    let v = header_text(v).ok_or_else(|| format!("multiValueHeaders.{k} holds a non-string"))?;
                    add(k, v)?;
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    let base64 = match obj.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match obj.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => {
            let content_type = r.headers().get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            // A REST API turns base64 back into bytes only for a binary media type.
            let decode = base64
                && (!v1.rest
                    || is_binary(&v1.binary_media_types, content_type)
                    || accept.split(',').any(|a| is_binary(&v1.binary_media_types, a)));
            if decode { B64.decode(s).map_err(|e| format!("body is not base64: {e}"))? } else { s.clone().into_bytes() }
        }
        Some(_) => return Err("body is not a string".into()),
    };
    *r.body_mut() = full_body(body);
    Ok(r)
}

#[cfg(test)]
mod tests;
