//! Request documents, read with ValidationException for a missing member.

use squall_api::ApiError;
pub(crate) use squall_api::json_input::Input;

/// The request body's members.
pub(crate) fn parse(body: &[u8]) -> Result<Input, ApiError> {
    Input::parse(body, "ValidationException")
}
