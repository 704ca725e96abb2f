//! STS's query protocol: `GetCallerIdentity` answers who signed the request; `AssumeRole`
//! gives a role's temporary credentials (`squall_identity::sessions`). The other actions are
//! refused by name.

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

async fn serve(state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
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
        "AssumeRole" => assume_role(state, req, &p),
        // Known to STS, not served yet: said so by name rather than answered wrongly.
        "AssumeRoleWithWebIdentity"
        | "AssumeRoleWithSAML"
        | "GetSessionToken"
        | "GetFederationToken"
        | "GetAccessKeyInfo"
        | "DecodeAuthorizationMessage"
        | "AssumeRoot" => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("The action {action} is not supported by Squall yet: AssumeRole is the one way to a session"),
        )),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
    }
}

/// AssumeRole's parameters Squall does not honour, refused by name.
const UNSUPPORTED: [&str; 5] =
    ["SerialNumber", "TokenCode", "SourceIdentity", "TransitiveTagKeys.member.1", "ProvidedContexts.member.1"];

fn bad(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// AssumeRole: the caller's policies and the role's trust policy decide; the credentials
/// carry the session in their token.
fn assume_role(state: &ApiState, req: &ApiRequest, p: &Params) -> Result<http::Response<Body>, ApiError> {
    if let Some(name) = UNSUPPORTED.iter().find(|n| p.get(n).is_some()) {
        return Err(bad(
            "InvalidParameterValue",
            format!("{name} is not supported by Squall (no MFA, source identities or transitive tags)"),
        ));
    }
    let who = req.caller.as_ref().ok_or_else(|| {
        ApiError::new(StatusCode::FORBIDDEN, "MissingAuthenticationToken", "Request is missing Authentication Token")
    })?;
    let Some(principal) = who.principal.as_deref() else {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "AccessDenied", "Roles may not be assumed by root accounts."));
    };
    let duration_s = match p.get("DurationSeconds") {
        None => None,
        Some(d) => {
            Some(d.parse().map_err(|_| bad("ValidationError", format!("DurationSeconds {d:?} is not a number")))?)
        }
    };
    let tags = p
        .members("Tags")
        .iter()
        .filter_map(|m| {
            Some(squall_identity::model::Tag {
                key: p.get(&format!("{m}.Key"))?.to_string(),
                value: p.get(&format!("{m}.Value")).unwrap_or("").to_string(),
            })
        })
        .collect();
    let ask = squall_identity::AssumeRole {
        role_arn: p.required("RoleArn", "ValidationError")?.to_string(),
        session_name: p.required("RoleSessionName", "ValidationError")?.to_string(),
        duration_s,
        policy: p.get("Policy").map(str::to_string),
        policy_arns: p
            .members("PolicyArns")
            .iter()
            .filter_map(|m| p.get(&format!("{m}.arn")).map(str::to_string))
            .collect(),
        tags,
        external_id: p.get("ExternalId").map(str::to_string),
    };
    let context = squall_api::authorize::context(state, principal, req.peer);
    let creds = state.identities.assume_role(principal, &context, ask).map_err(|e| {
        use squall_identity::Error as E;
        let (status, code) = match &e {
            E::AccessDenied(_) => (StatusCode::FORBIDDEN, "AccessDenied"),
            E::MalformedPolicy(_) => (StatusCode::BAD_REQUEST, "MalformedPolicyDocument"),
            E::PackedPolicyTooLarge(_) => (StatusCode::BAD_REQUEST, "PackedPolicyTooLarge"),
            E::Validation(_) | E::InvalidInput(_) => (StatusCode::BAD_REQUEST, "ValidationError"),
            E::NoSuchEntity(_) => (StatusCode::NOT_FOUND, "NoSuchEntity"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
        };
        ApiError::new(status, code, e.to_string())
    })?;
    Ok(response(NAMESPACE, "AssumeRole", req.request_id.as_str(), |x| {
        x.nest("Credentials", |c| {
            c.elem("AccessKeyId", &creds.access_key_id)
                .elem("SecretAccessKey", &creds.secret_access_key)
                .elem("SessionToken", &creds.session_token)
                .elem("Expiration", &squall_types::format_iso8601_millis_z(creds.expires_ms));
        });
        x.nest("AssumedRoleUser", |u| {
            u.elem("AssumedRoleId", &creds.assumed_role_id).elem("Arn", &creds.arn);
        });
        x.elem("PackedPolicySize", &creds.packed_policy_size.to_string());
    }))
}
