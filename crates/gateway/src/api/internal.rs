//! Calls into the api port's services from inside the server, as an identity the platform
//! already holds (a state machine's role session): the request is built as a client would
//! send it, but not signed or read from a socket, and goes to the service's adapter, which
//! authorizes it as that identity like any other.

use super::SERVICES;
use bytes::Bytes;
use http::{HeaderValue, Method};
use http_body_util::BodyExt;
use protocol::{Handler, Protocol, Recognition};
use squall_api::auth::Identity;
use squall_api::{ApiError, ApiRequest, ApiState, protocol};
use squall_types::{RequestId, TraceContext};

/// The largest answer read back (a Step Functions task result is at most 256 KiB; a
/// service's answer may be larger before a ResultSelector picks from it).
const MAX_ANSWER: usize = 16 << 20;

/// Calls `operation` of the service named `service` (`dynamodb`, `sqs`, `sns`, `events`,
/// `states`, `ssm`, `secretsmanager`, `kms`) with `body` (a JSON protocol's document, or the
/// query protocol's form), as `caller`. The answer's body, or the service's error.
pub async fn call_as(
    state: &ApiState,
    service: &str,
    operation: &str,
    body: Bytes,
    caller: Identity,
    trace: TraceContext,
) -> Result<Bytes, ApiError> {
    let unknown = || ApiError::invalid(format!("no service {service} takes {operation} from inside the server"));
    let found = SERVICES.iter().find(|s| {
        s.name == service && matches!(s.protocol, Protocol::AwsJson10 | Protocol::AwsJson11 | Protocol::Query)
    });
    let s = found.ok_or_else(unknown)?;
    let Handler::Buffered(call) = &s.handler else { return Err(unknown()) };
    let mut headers = http::HeaderMap::new();
    match (&s.recognition, s.protocol) {
        (Recognition::Target(prefix), Protocol::AwsJson10 | Protocol::AwsJson11) => {
            let target = HeaderValue::from_str(&format!("{prefix}.{operation}")).map_err(|_| unknown())?;
            headers.insert("x-amz-target", target);
            let kind = if s.protocol == Protocol::AwsJson10 {
                "application/x-amz-json-1.0"
            } else {
                "application/x-amz-json-1.1"
            };
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(kind));
        }
        (_, Protocol::Query) => {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        }
        _ => return Err(unknown()),
    }
    let req = ApiRequest {
        method: Method::POST,
        uri: http::Uri::from_static("/"),
        headers,
        body,
        request_id: RequestId::new(),
        trace,
        peer: None,
        caller: Some(caller),
    };
    let resp = call(state, &req, operation).await?;
    let body =
        resp.into_body().collect().await.map_err(|e| ApiError::invalid(format!("reading the answer: {e}")))?.to_bytes();
    if body.len() > MAX_ANSWER {
        return Err(ApiError::invalid(format!("the answer of {operation} is over {MAX_ANSWER} bytes")));
    }
    Ok(body)
}
