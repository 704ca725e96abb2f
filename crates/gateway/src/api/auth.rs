//! SigV4 authentication of api-port requests.

use super::{ApiError, ApiRequest};
use http::StatusCode;
use sha2::{Digest, Sha256};
use squall_auth::{Authorization, Credentials, PathEncoding, SignableRequest, verify};
use std::collections::HashMap;

/// The access keys allowed to sign requests (access key id → secret).
pub struct AccessKeys {
    secrets: HashMap<String, String>,
}

impl AccessKeys {
    /// Keys from credential pairs.
    pub fn new(keys: impl IntoIterator<Item = Credentials>) -> Self {
        AccessKeys { secrets: keys.into_iter().map(|c| (c.access_key_id, c.secret_access_key)).collect() }
    }

    /// Checks `req`'s signature; `Err` is the 403 to send.
    pub(crate) fn authenticate(&self, req: &ApiRequest) -> Result<(), ApiError> {
        let Some(header) = req.header("authorization") else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            ));
        };
        let auth = Authorization::parse(header)?;
        let Some(secret) = self.secrets.get(&auth.access_key_id) else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        };
        let body_hash;
        let payload_hash = match req.header("x-amz-content-sha256") {
            Some(h) => h,
            None => {
                body_hash = hex::encode(Sha256::digest(&req.body));
                &body_hash
            }
        };
        if payload_hash.len() == 64 && payload_hash != hex::encode(Sha256::digest(&req.body)) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        let headers: Vec<(&str, &str)> =
            req.headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v))).collect();
        let signable = SignableRequest {
            method: req.method.as_str(),
            path: req.uri.path(),
            query: req.uri.query().unwrap_or(""),
            headers: &headers,
            payload_hash,
        };
        let encoding = if auth.service == "s3" { PathEncoding::AsSent } else { PathEncoding::Double };
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        verify(&signable, &auth, secret, encoding, now)?;
        Ok(())
    }
}
