//! The secrets service's errors as Secrets Manager's codes (botocore's `secretsmanager`
//! model names them).

use http::StatusCode;
use squall_api::ApiError;
use squall_params::Error as E;

/// 400 InvalidParameterException.
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameterException", message)
}

/// 400 InvalidRequestException.
pub(crate) fn invalid_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequestException", message)
}

/// `e` as Secrets Manager answers it; platform failures are logged and answered 500
/// without detail.
pub(crate) fn error(e: E) -> ApiError {
    let code = match &e {
        E::NotFound(_) | E::VersionNotFound(_) => "ResourceNotFoundException",
        E::AlreadyExists(_) => "ResourceExistsException",
        E::InvalidRequest(_) => "InvalidRequestException",
        E::LimitExceeded(_) | E::TooManyTags(_) | E::LabelLimitExceeded(_) => "LimitExceededException",
        E::InvalidNextToken => "InvalidNextTokenException",
        E::Validation(_)
        | E::InvalidFilterKey(_)
        | E::InvalidFilterOption(_)
        | E::InvalidFilterValue(_)
        | E::InvalidResourceId(_)
        | E::InvalidResourceType(_) => "InvalidParameterException",
        // Secrets Manager has no code for it: a 500, which the SDKs retry.
        E::Busy(m) => {
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServiceError", m.clone());
        }
        other => {
            tracing::error!(error = %other, "secrets: internal error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServiceError",
                "internal error; see the server log",
            );
        }
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
}
