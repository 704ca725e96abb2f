//! An error on the api port as its adapters report it: status, AWS code, message. Each
//! service renders it in its protocol's shape (`protocol::Service::error_response`).

use http::StatusCode;

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
            E::NotFound { kind: "Alias", name } => ApiError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                format!("Alias not found: {}", squall_types::function_arn(squall_types::DEFAULT_REGION, &name)),
            ),
            E::NotFound { kind: "FunctionUrlConfig", .. } => ApiError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
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
