//! STS's query protocol: `GetCallerIdentity` answers who signed the request. The other
//! actions (AssumeRole and the temporary credentials it gives) are refused by name until
//! roles exist.

use http::StatusCode;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::query::{Params, response};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_runtime::Body;

/// The XML namespace of STS's documents.
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// STS: the query protocol, signed for `sts`.
pub static STS: Service = Service {
    name: "sts",
    signing_name: Some("sts"),
    protocol: Protocol::Query,
    recognition: Recognition::Signature,
    namespace: NAMESPACE,
    query_code: None,
    unsigned: never,
    max_body: 64 << 10,
    handler: Handler::Buffered(|state, req, _| Box::pin(serve(state, req))),
};

async fn serve(_state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
    let p = Params::parse(req.uri.query(), &req.body);
    let action = p.required("Action", "MissingAction")?;
    match action {
        "GetCallerIdentity" => {
            let who = req.caller.as_ref().ok_or_else(|| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "MissingAuthenticationToken",
                    "Request is missing Authentication Token",
                )
            })?;
            Ok(response(NAMESPACE, action, req.request_id.as_str(), |x| {
                x.elem("UserId", &who.user_id);
                x.elem("Account", &who.account);
                x.elem("Arn", &who.arn);
            }))
        }
        // Known to STS, not served yet: said so by name rather than answered wrongly.
        "AssumeRole"
        | "AssumeRoleWithWebIdentity"
        | "AssumeRoleWithSAML"
        | "GetSessionToken"
        | "GetFederationToken"
        | "GetAccessKeyInfo"
        | "DecodeAuthorizationMessage"
        | "AssumeRoot" => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!(
                "The action {action} is not supported by Squall yet: roles and temporary credentials are not implemented"
            ),
        )),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
    }
}
