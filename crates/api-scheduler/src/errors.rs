//! The scheduler's errors as EventBridge Scheduler's codes (botocore's `scheduler` model
//! names them).

use http::StatusCode;
use squall_api::ApiError;
use squall_scheduler::Error as E;

/// 400 ValidationException.
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// `e` as EventBridge Scheduler answers it; platform failures are logged and answered 500
/// without detail.
pub(crate) fn error(e: E) -> ApiError {
    let (status, code) = match &e {
        E::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationException"),
        E::NotFound(_) => (StatusCode::NOT_FOUND, "ResourceNotFoundException"),
        E::Conflict(_) => (StatusCode::CONFLICT, "ConflictException"),
        E::Quota(_) => (StatusCode::PAYMENT_REQUIRED, "ServiceQuotaExceededException"),
        other => {
            tracing::error!(error = %other, "scheduler: internal error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerException",
                "internal error; see the server log",
            );
        }
    };
    ApiError::new(status, code, e.to_string())
}
