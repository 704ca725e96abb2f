//! Calls into the api port's services from inside the server, as an identity the platform
//! already holds (a state machine's role session): the request is built as a client would
//! send it, but not signed or read from a socket, and goes to the service's adapter, which
//! authorizes it as that identity like any other.

use super::SERVICES;
use bytes::Bytes;
use http::HeaderValue;
use http_body_util::BodyExt;
use protocol::{Handler, Protocol, Recognition};
use squall_api::auth::Identity;
use squall_api::protocol::Service;
use squall_api::{ApiError, ApiRequest, ApiState, protocol};
use squall_types::{RequestId, TraceContext};

/// The largest answer read back (a Step Functions task result is at most 256 KiB; a
/// service's answer may be larger before a ResultSelector picks from it).
const MAX_ANSWER: usize = 16 << 20;

/// Calls `operation` of the JSON service named `service` (`dynamodb`, `sqs`, `events`,
/// `states`, `ssm`, `secretsmanager`, `kms`) with `body` (its JSON document), as `caller`.
/// The answer's body, or the service's error.
pub async fn call_as(
    state: &ApiState,
    service: &str,
    operation: &str,
    body: Bytes,
    caller: Identity,
    trace: TraceContext,
) -> Result<Bytes, ApiError> {
    let unknown = || ApiError::invalid(format!("no service {service} takes {operation} from inside the server"));
    let s = SERVICES.iter().find(|s| s.name == service && matches!(s.recognition, Recognition::Target(_)));
    let s = s.ok_or_else(unknown)?;
    let Recognition::Target(prefix) = s.recognition else { return Err(unknown()) };
    let mut req = http::Request::post("/").body(body).map_err(|_| unknown())?;
    let target = HeaderValue::from_str(&format!("{prefix}.{operation}")).map_err(|_| unknown())?;
    req.headers_mut().insert("x-amz-target", target);
    let kind = match s.protocol {
        Protocol::AwsJson10 => "application/x-amz-json-1.0",
        _ => "application/x-amz-json-1.1",
    };
    req.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(kind));
    Ok(send(state, s, operation, req, caller, trace).await?.into_body())
}

/// Sends `req` (a request as a client would, unsigned) to the service named `service` (any
/// of the api port's, S3 included) as `caller`. Its answer, or (from a service whose adapter
/// leaves rendering to the gateway) its error.
pub async fn send_as(
    state: &ApiState,
    service: &str,
    req: http::Request<Bytes>,
    caller: Identity,
    trace: TraceContext,
) -> Result<http::Response<Bytes>, ApiError> {
    let s = SERVICES.iter().find(|s| s.name == service && !matches!(s.recognition, Recognition::Target(_)));
    let s =
        s.ok_or_else(|| ApiError::invalid(format!("no service {service} takes requests from inside the server")))?;
    send(state, s, "", req, caller, trace).await
}

async fn send(
    state: &ApiState,
    service: &Service,
    operation: &str,
    req: http::Request<Bytes>,
    caller: Identity,
    trace: TraceContext,
) -> Result<http::Response<Bytes>, ApiError> {
    let request_id = RequestId::new();
    let resp = match &service.handler {
        Handler::Buffered(call) => {
            let (parts, body) = req.into_parts();
            let req = ApiRequest {
                method: parts.method,
                uri: parts.uri,
                headers: parts.headers,
                body,
                request_id,
                trace,
                peer: None,
                caller: Some(caller),
            };
            call(state, &req, operation).await?
        }
        Handler::Streaming(_) => squall_api_s3::handle_as(state, req, caller, request_id.as_str()).await,
    };
    let (parts, mut body) = resp.into_parts();
    // Read up to the limit only: an S3 object's body streams, and may be far larger.
    let mut read = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::invalid(format!("reading the answer: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        if read.len() + data.len() > MAX_ANSWER {
            let why = format!("the answer is over the {MAX_ANSWER} bytes a Task may read");
            return Err(ApiError::new(http::StatusCode::PAYLOAD_TOO_LARGE, "States.DataLimitExceeded", why));
        }
        read.extend_from_slice(&data);
    }
    Ok(http::Response::from_parts(parts, read.freeze()))
}
