//! Errors on the api port, in the REST-JSON shape Lambda uses (and the control plane too):
//! status, `x-amzn-ErrorType: <code>`, body `{"Type":"User","message":"…"}`; or in the
//! JSON 1.0 shape of DynamoDB: `{"__type":"<namespace>#<code>","message":"…"}`.

use crate::body::json_response;
use http::{HeaderValue, StatusCode};
use squall_runtime::Body;

/// An error as the client will see it.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// AWS error code.
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// More members of the error document (JSON 1.0 only, e.g. DynamoDB's `Item`).
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    /// A client error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), extra: None }
    }

    /// 400 InvalidParameterValueException.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameterValueException", message)
    }

    /// 400 InvalidRequestContentException (the body does not parse).
    pub fn bad_content(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequestContentException", message)
    }

    /// Renders the error in the JSON 1.0 shape, its code in `namespace`.
    pub fn into_json10_response(self, namespace: &str) -> http::Response<Body> {
        let mut doc = self.extra.unwrap_or_default();
        doc.insert("__type".into(), format!("{namespace}#{}", self.code).into());
        doc.insert("message".into(), self.message.into());
        let mut r = json_response(self.status, &serde_json::Value::Object(doc));
        r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
        r
    }

    /// Renders the error.
    pub fn into_response(self) -> http::Response<Body> {
        let kind = if self.status.is_server_error() { "Service" } else { "User" };
        let mut r = json_response(self.status, &serde_json::json!({ "Type": kind, "message": self.message }));
        r.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static(self.code));
        r
    }
}

impl From<squall_functions::Error> for ApiError {
    fn from(e: squall_functions::Error) -> Self {
        use squall_functions::Error as E;
        match e {
            E::NotFound { kind: "Function", name } => ApiError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                format!("Function not found: {}", squall_types::function_arn(squall_types::DEFAULT_REGION, &name)),
            ),
            E::NotFound { kind, name } => {
                ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", format!("{kind} not found: {name}"))
            }
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "ResourceConflictException", m),
            E::PreconditionFailed(m) => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, "PreconditionFailedException", m)
            }
            E::InvalidRequest(m) | E::InvalidCode(m) => ApiError::invalid(m),
            e @ E::MissingArtifacts(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "MissingArtifactsException", e.to_string())
            }
            other => {
                // Details go to the server log, not to the client.
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "ServiceException",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl From<squall_auth::AuthError> for ApiError {
    fn from(e: squall_auth::AuthError) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, e.code, e.message)
    }
}
