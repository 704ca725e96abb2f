//! The parameters service's errors as SSM's codes (botocore's `ssm` model names them).

use http::StatusCode;
use squall_api::ApiError;
use squall_params::Error as E;

/// 400 ValidationException.
pub(crate) fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// `e` as SSM answers it; platform failures are logged and answered 500 without detail.
pub(crate) fn error(e: E) -> ApiError {
    let code = match &e {
        E::Validation(_) | E::InvalidRequest(_) => "ValidationException",
        E::NotFound(_) => "ParameterNotFound",
        E::VersionNotFound(_) => "ParameterVersionNotFound",
        E::AlreadyExists(_) => "ParameterAlreadyExists",
        E::AccessDenied(_) => "AccessDeniedException",
        E::HierarchyLevelLimitExceeded(_) => "HierarchyLevelLimitExceededException",
        E::InvalidAllowedPattern(_) => "InvalidAllowedPatternException",
        E::PatternMismatch(_) => "ParameterPatternMismatchException",
        E::MaxVersionLimitExceeded(_) => "ParameterMaxVersionLimitExceeded",
        E::LabelLimitExceeded(_) => "ParameterVersionLabelLimitExceeded",
        E::LimitExceeded(_) => "ParameterLimitExceeded",
        E::InvalidFilterKey(_) => "InvalidFilterKey",
        E::InvalidFilterOption(_) => "InvalidFilterOption",
        E::InvalidFilterValue(_) => "InvalidFilterValue",
        E::InvalidNextToken => "InvalidNextToken",
        E::InvalidResourceType(_) => "InvalidResourceType",
        E::InvalidResourceId(_) => "InvalidResourceId",
        E::TooManyTags(_) => "TooManyTagsError",
        E::Busy(_) => "TooManyUpdates",
        other => {
            tracing::error!(error = %other, "parameters: internal error");
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "internal error; see the server log",
            );
        }
    };
    ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
}
