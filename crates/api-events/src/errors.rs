//! The event buses' errors as EventBridge's codes (botocore's `events` model names them).

use http::StatusCode;
use squall_api::ApiError;
use squall_events::Error as E;

/// 400 ValidationException.
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// `e` as EventBridge answers it; platform failures are logged and answered 500 without
/// detail.
pub(crate) fn error(e: E) -> ApiError {
    let code = match &e {
        E::Validation(_) => "ValidationException",
        E::NotFound(_) => "ResourceNotFoundException",
        E::AlreadyExists(_) => "ResourceAlreadyExistsException",
        E::InvalidPattern(_) => "InvalidEventPatternException",
        E::LimitExceeded(_) => "LimitExceededException",
        E::Busy(_) => "ConcurrentModificationException",
        E::IllegalStatus(_) => "IllegalStatusException",
        other => {
            tracing::error!(error = %other, "event buses: internal error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalException",
                "internal error; see the server log",
            );
        }
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
}
