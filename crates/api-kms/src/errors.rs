//! The keys service's errors as KMS's codes (botocore's `kms` model names them).

use http::StatusCode;
use squall_api::ApiError;
use squall_params::Error as E;

/// 400 ValidationException.
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// 400 UnsupportedOperationException: a feature or operation Squall does not have.
pub(crate) fn unsupported(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "UnsupportedOperationException", message)
}

/// 400 AccessDeniedException, worded as AWS words a denial by a key's own policy.
pub(crate) fn denied_by_key_policy(principal: &str, action: &str, key_arn: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "AccessDeniedException",
        format!(
            "User: {principal} is not authorized to perform: {action} on resource: {key_arn} because no resource-based policy allows the {action} action (an AWS managed key is used only through its service)"
        ),
    )
}

/// `e` as KMS answers it; platform failures are logged and answered 500 without detail.
pub(crate) fn error(e: E) -> ApiError {
    let code = match &e {
        E::NotFound(_) => "NotFoundException",
        E::Validation(_) => "ValidationException",
        E::AlreadyExists(_) => "AlreadyExistsException",
        E::Disabled(_) => "DisabledException",
        E::InvalidState(_) => "KMSInvalidStateException",
        E::InvalidCiphertext(_) => "InvalidCiphertextException",
        E::IncorrectKey(_) => "IncorrectKeyException",
        E::Unsupported(_) => "UnsupportedOperationException",
        E::NotAuthorized(_) => "NotAuthorizedException",
        E::AccessDenied(_) => "AccessDeniedException",
        E::Tag(_) => "TagException",
        E::LimitExceeded(_) | E::TooManyTags(_) => "LimitExceededException",
        E::InvalidNextToken => {
            return ApiError::new(StatusCode::BAD_REQUEST, "InvalidMarkerException", "The marker is not valid.");
        }
        // KMS has no code for it: a 500, which the SDKs retry.
        E::Busy(m) => return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "KMSInternalException", m.clone()),
        other => {
            tracing::error!(error = %other, "kms: internal error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "KMSInternalException",
                "internal error; see the server log",
            );
        }
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
}
