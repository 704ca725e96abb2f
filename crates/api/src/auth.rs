//! SigV4 authentication of api-port requests.

use crate::{ApiError, ApiRequest};
use http::StatusCode;
use sha2::{Digest, Sha256};
use squall_auth::{Authorization, Credentials, PathEncoding, Presigned, SignableRequest, verify};
use squall_identity::{Identities, Principal, SessionError};
use std::collections::HashMap;
use std::sync::Arc;

/// A request's signature, as the precheck read it: in the `Authorization` header, or in
/// SigV4 query parameters (presigned-style).
pub enum Signature {
    /// `Authorization: AWS4-HMAC-SHA256 …`.
    Header(Authorization),
    /// `X-Amz-Credential=…&X-Amz-Signature=…`.
    Query(Presigned),
}

impl Signature {
    /// What the signature covers, whichever way it came.
    fn auth(&self) -> &Authorization {
        match self {
            Signature::Header(a) => a,
            Signature::Query(p) => &p.auth,
        }
    }
}

/// Who a verified signature speaks for.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The access key that signed.
    pub access_key_id: String,
    /// The principal's ARN.
    pub arn: String,
    /// Its unique id (the account id, for the account's root).
    pub user_id: String,
    /// Its account.
    pub account: String,
    /// The user and its policies; `None` for the account's root, which may do anything.
    pub principal: Option<Arc<Principal>>,
}

/// The access keys allowed to sign requests: the account root's (made at first start), IAM
/// users' active keys, and roles' sessions (with their session token).
pub struct AccessKeys {
    root: HashMap<String, String>,
    identities: Option<Arc<Identities>>,
}

/// Why a key does not sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such key, or an inactive one, or a session's without its token.
    Unknown,
    /// A session token that does not open, is not this key's, or whose role is gone.
    InvalidToken,
    /// A session that has ended.
    Expired,
}

impl Refusal {
    /// The refusal as the JSON and query services report it.
    pub fn error(self) -> ApiError {
        match self {
            Refusal::Expired => ApiError::new(
                StatusCode::FORBIDDEN,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            ),
            _ => ApiError::new(
                StatusCode::FORBIDDEN,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        }
    }
}

/// The session token a request carries (`X-Amz-Security-Token`, as a header or, presigned,
/// in the query string in any case).
pub fn session_token<'r>(headers: &'r http::HeaderMap, query: &'r str) -> Option<std::borrow::Cow<'r, str>> {
    if let Some(v) = headers.get("x-amz-security-token").and_then(|v| v.to_str().ok()) {
        return Some(v.into());
    }
    // SigV2 presigned URLs carry it as botocore moved the header there: in lower case.
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-security-token"))
        .map(|(_, v)| v)
}

impl AccessKeys {
    /// The root's keys from credential pairs, and the users' and sessions' from `identities`.
    pub fn new(keys: impl IntoIterator<Item = Credentials>, identities: Option<Arc<Identities>>) -> Self {
        AccessKeys { root: keys.into_iter().map(|c| (c.access_key_id, c.secret_access_key)).collect(), identities }
    }

    /// One of the root's keys (id and secret), for URLs the server presigns as the account
    /// (a function's or a layer's code, as Lambda presigns its S3 locations).
    pub fn root_key(&self) -> Option<(&str, &str)> {
        self.root.iter().next().map(|(id, secret)| (id.as_str(), secret.as_str()))
    }

    /// Whom `access_key_id` (with the request's session `token`, if any) belongs to: the
    /// root, a user's active key, or a live session.
    pub fn identity(&self, access_key_id: &str, token: Option<&str>) -> Result<Identity, Refusal> {
        if self.root.contains_key(access_key_id) {
            if token.is_some() {
                return Err(Refusal::InvalidToken);
            }
            return Ok(Identity {
                access_key_id: access_key_id.to_string(),
                arn: format!("arn:aws:iam::{}:root", squall_types::ACCOUNT_ID),
                user_id: squall_types::ACCOUNT_ID.to_string(),
                account: squall_types::ACCOUNT_ID.to_string(),
                principal: None,
            });
        }
        let identities = self.identities.as_ref().ok_or(Refusal::Unknown)?;
        let principal = match token {
            Some(token) if access_key_id.starts_with("ASIA") => {
                identities.session(access_key_id, token).map_err(|e| match e {
                    SessionError::Expired => Refusal::Expired,
                    SessionError::Invalid => Refusal::InvalidToken,
                })?
            }
            Some(_) => return Err(Refusal::InvalidToken),
            None => identities.principal(access_key_id).ok_or(Refusal::Unknown)?,
        };
        principal.active_secret(access_key_id).ok_or(Refusal::Unknown)?;
        Ok(Identity {
            access_key_id: access_key_id.to_string(),
            arn: principal.arn.clone(),
            user_id: principal.id.clone(),
            account: squall_types::ACCOUNT_ID.to_string(),
            principal: Some(principal),
        })
    }

    /// The secret of `access_key_id` (with the request's session `token`, if any).
    pub fn secret(&self, access_key_id: &str, token: Option<&str>) -> Result<String, Refusal> {
        if let (Some(secret), None) = (self.root.get(access_key_id), token) {
            return Ok(secret.clone());
        }
        self.secret_of(&self.identity(access_key_id, token)?)
    }

    /// The secret `identity` signs with.
    pub fn secret_of(&self, identity: &Identity) -> Result<String, Refusal> {
        let key = identity.access_key_id.as_str();
        match &identity.principal {
            None => self.root.get(key).cloned(),
            Some(principal) => principal.active_secret(key).map(str::to_string),
        }
        .ok_or(Refusal::Unknown)
    }

    /// What can be checked before the body is read, so an unauthenticated client cannot
    /// make the server buffer a large body: a well-formed signature (an `Authorization`
    /// header, or SigV4 query parameters as presigned URLs carry) from a known key, every
    /// `x-amz-*` header signed, and every signed header readable as text.
    /// The signature it returns is what [`AccessKeys::authenticate`] verifies once the body
    /// is read.
    pub fn precheck(&self, headers: &http::HeaderMap, query: &str) -> Result<Signature, ApiError> {
        let signature = match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some(header) => Signature::Header(Authorization::parse(header)?),
            None => match Presigned::parse(query) {
                Some(presigned) => Signature::Query(presigned?),
                None => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "MissingAuthenticationTokenException",
                        "Missing Authentication Token",
                    ));
                }
            },
        };
        let auth = signature.auth();
        self.secret(&auth.access_key_id, session_token(headers, query).as_deref()).map_err(Refusal::error)?;
        let refuse = |m: String| ApiError::new(StatusCode::FORBIDDEN, "InvalidSignatureException", m);
        for (name, value) in headers {
            let n = name.as_str();
            // Handlers act on x-amz-* headers; an unsigned one could be added to a replayed request.
            if n.starts_with("x-amz-") && !auth.signed_headers.iter().any(|h| h == n) {
                return Err(refuse(format!("header {n} must be signed")));
            }
            if auth.signed_headers.iter().any(|h| h == n) && value.to_str().is_err() {
                return Err(refuse(format!("signed header {n} has a value that is not plain text")));
            }
        }
        Ok(signature)
    }

    /// Checks `signature` (what [`AccessKeys::precheck`] returned for `req`'s head) against
    /// `req`, body included; `Err` is the error to send.
    pub fn authenticate(&self, req: &ApiRequest, signature: &Signature) -> Result<Identity, ApiError> {
        let query = req.uri.query().unwrap_or("");
        let auth = signature.auth();
        // Resolved once the body is read: a key deleted, made inactive or expired meanwhile
        // is refused as the precheck would have refused it.
        let token = session_token(&req.headers, query);
        let identity = self.identity(&auth.access_key_id, token.as_deref()).map_err(Refusal::error)?;
        let secret = self.secret_of(&identity).map_err(Refusal::error)?;
        let body_hash = hex::encode(Sha256::digest(&req.body));
        let payload_hash = match req.header("x-amz-content-sha256") {
            None => body_hash.as_str(),
            Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD",
            Some(h) if h == body_hash => h,
            Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ));
            }
            Some(other) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequest",
                    format!("x-amz-content-sha256 {other:?} is not supported on this endpoint"),
                ));
            }
        };
        let headers: Vec<(&str, &str)> =
            req.headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect();
        let signable = SignableRequest {
            method: req.method.as_str(),
            path: req.uri.path(),
            query,
            headers: &headers,
            payload_hash,
        };
        let encoding = if auth.service == "s3" { PathEncoding::AsSent } else { PathEncoding::Double };
        // Real time, not the platform clock: clients sign with their own real clocks.
        let now = (squall_clock::wall_ms() / 1000) as i64;
        match signature {
            Signature::Header(auth) => verify(&signable, auth, &secret, encoding, now)?,
            Signature::Query(presigned) => {
                squall_auth::verify_presigned(&signable, presigned, &secret, encoding, now).map_err(|e| {
                    // The query-string signature fails with the same code as a header's would.
                    let code = if e.code == "SignatureDoesNotMatch" { "InvalidSignatureException" } else { e.code };
                    ApiError::new(StatusCode::FORBIDDEN, code, e.message)
                })?
            }
        }
        Ok(identity)
    }
}
