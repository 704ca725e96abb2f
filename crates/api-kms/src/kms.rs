//! The service and its dispatch: refuse what is not served, authorize, call.

use crate::errors::unsupported;
use crate::input::parse;
use http::StatusCode;
use squall_api::json::json11;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_runtime::Body;

/// AWS KMS: awsJson1.1, `X-Amz-Target: TrentService.<Op>`.
pub static SERVICE: Service = Service {
    name: "kms",
    signing_name: Some("kms"),
    protocol: Protocol::AwsJson11,
    recognition: Recognition::Target("TrentService"),
    // KMS's errors carry the bare code in `__type`.
    namespace: "",
    query_code: None,
    unsigned: never,
    // A 6 KiB ciphertext or 4 KiB plaintext in base64, with its encryption context.
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, op| Box::pin(dispatch(state, req, op))),
};

async fn dispatch(state: &ApiState, req: &ApiRequest, op: &str) -> Result<http::Response<Body>, ApiError> {
    if let Some(why) = crate::unserved::reason(op) {
        return Err(unsupported(format!("{op} is not supported by Squall: {why}.")));
    }
    let input = parse(&req.body)?;
    crate::access::authorize_request(state, req, op, &input)?;
    let out = match crate::manage::call(state, op, &input).await? {
        Some(out) => out,
        None => match crate::crypto::call(state, req, op, &input)? {
            Some(out) => out,
            None => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "UnknownOperationException",
                    format!("{op} is not an operation of KMS"),
                ));
            }
        },
    };
    Ok(json11(&out))
}
