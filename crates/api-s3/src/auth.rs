//! Authenticating S3 requests before their bodies are read: SigV4 in the `Authorization`
//! header (the payload hash named by `x-amz-content-sha256` is checked as the body
//! streams; the time in `x-amz-date` or `Date`) or in a presigned URL's query string, and
//! SigV2 in either place for legacy clients. Errors use S3's codes.

use super::error::S3Error;
use super::source::ChunkSigning;
use http::StatusCode;
use squall_api::AccessKeys;
use squall_api::auth::{Identity, Refusal, session_token};
use squall_auth::{AuthError, Authorization, PathEncoding, Presigned, SignableRequest};

/// How the request's payload is signed.
pub(crate) enum Payload {
    /// The hex SHA-256 of the whole body, checked once it is read.
    Hashed(String),
    /// Not signed (`UNSIGNED-PAYLOAD`, presigned URLs).
    Unsigned,
    /// `aws-chunked`, each chunk signed (`signing`) or not.
    Chunked { signing: Option<ChunkSigning> },
}

fn now() -> i64 {
    (squall_clock::wall_ms() / 1000) as i64
}

fn access_denied(message: &str) -> S3Error {
    S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", message)
}

/// S3's code for an authentication failure.
fn s3_auth_error(e: AuthError) -> S3Error {
    match e.code {
        "IncompleteSignatureException" => {
            S3Error::new(StatusCode::BAD_REQUEST, "AuthorizationHeaderMalformed", e.message)
        }
        "AuthorizationQueryParametersError" => S3Error::new(StatusCode::BAD_REQUEST, e.code, e.message),
        "AccessDenied" => S3Error::new(StatusCode::FORBIDDEN, "AccessDenied", e.message),
        "InvalidArgument" => S3Error::new(StatusCode::BAD_REQUEST, "InvalidArgument", e.message),
        "RequestTimeTooSkewed" => S3Error::new(StatusCode::FORBIDDEN, "RequestTimeTooSkewed", e.message),
        _ if e.message.starts_with("Signature expired") => {
            S3Error::new(StatusCode::FORBIDDEN, "RequestTimeTooSkewed", e.message)
        }
        _ => S3Error::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", e.message),
    }
}

/// Checks `parts`' signature; what the body's framing and hash must be, and who signed
/// (`None` for an anonymous request, which carries no signature).
/// `virtual_bucket` is the bucket a virtual-host-style request's host named.
pub(crate) fn authenticate(
    keys: &AccessKeys,
    parts: &http::request::Parts,
    virtual_bucket: Option<&str>,
) -> Result<(Payload, Option<Identity>), S3Error> {
    let texts: Vec<(&str, std::borrow::Cow<str>)> =
        parts.headers.iter().map(|(k, v)| (k.as_str(), header_text(v))).collect();
    let headers: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    if let Some(header) = parts.headers.get("authorization") {
        let header = header.to_str().map_err(|_| access_denied("The Authorization header is not text"))?;
        if let Some(v2) = squall_auth::HeaderV2::parse(header) {
            let v2 = v2.map_err(s3_auth_error)?;
            refuse_v2_unsigned(query)?;
            let (secret, identity) = secret(keys, parts, &v2.access_key_id)?;
            let (resource, moved) = v2_inputs(parts, virtual_bucket);
            let amz = amz_v2(&headers, &moved);
            let fields = (header_of(parts, "content-md5"), header_of(parts, "content-type"), header_of(parts, "date"));
            squall_auth::verify_header_v2((parts.method.as_str(), &resource), fields, &amz, &v2, &secret, now())
                .map_err(s3_auth_error)?;
            // SigV2 signs no payload: the body is taken as sent (Content-MD5 still checks it).
            return Ok((Payload::Unsigned, Some(identity)));
        }
        let auth = Authorization::parse(header).map_err(s3_auth_error)?;
        let (secret, identity) = secret(keys, parts, &auth.access_key_id)?;
        all_amz_signed(&headers, &auth.signed_headers)?;
        let content_sha256 =
            parts.headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()).ok_or_else(|| {
                S3Error::invalid_request("Missing required header for this request: x-amz-content-sha256")
            })?;
        let signable = SignableRequest {
            method: parts.method.as_str(),
            path,
            query,
            headers: &headers,
            payload_hash: content_sha256,
        };
        squall_auth::verify(&signable, &auth, &secret, PathEncoding::AsSent, now()).map_err(s3_auth_error)?;
        let signing = || {
            let amz_date = squall_auth::request_time(&signable).unwrap_or_default();
            ChunkSigning {
                key: squall_auth::signing_key(&secret, &auth.date, &auth.region, &auth.service),
                amz_date,
                scope: format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service),
                seed: auth.signature.clone(),
            }
        };
        let payload = match content_sha256 {
            "UNSIGNED-PAYLOAD" => Ok(Payload::Unsigned),
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" | "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => {
                Ok(Payload::Chunked { signing: Some(signing()) })
            }
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Ok(Payload::Chunked { signing: None }),
            h if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(Payload::Hashed(h.to_ascii_lowercase()))
            }
            other => Err(S3Error::invalid_argument(format!(
                "x-amz-content-sha256 must be a SHA-256 or one of the streaming values, not {other:?}"
            ))),
        };
        return Ok((payload?, Some(identity)));
    }
    if let Some(presigned) = Presigned::parse(query) {
        let presigned = presigned.map_err(s3_auth_error)?;
        let (secret, identity) = secret(keys, parts, &presigned.auth.access_key_id)?;
        // Handlers act on x-amz-* headers (a copy source, metadata): a URL's holder may not add them.
        all_amz_signed(&headers, &presigned.auth.signed_headers)?;
        let signable = SignableRequest {
            method: parts.method.as_str(),
            path,
            query,
            headers: &headers,
            payload_hash: "UNSIGNED-PAYLOAD",
        };
        squall_auth::verify_presigned(&signable, &presigned, &secret, PathEncoding::AsSent, now())
            .map_err(s3_auth_error)?;
        return Ok((Payload::Unsigned, Some(identity)));
    }
    if let Some(presigned) = squall_auth::PresignedV2::parse(query) {
        let presigned = presigned.map_err(s3_auth_error)?;
        refuse_v2_unsigned(query)?;
        let (secret, identity) = secret(keys, parts, &presigned.access_key_id)?;
        let (resource, moved) = v2_inputs(parts, virtual_bucket);
        let amz = amz_v2(&headers, &moved);
        squall_auth::verify_presigned_v2(
            parts.method.as_str(),
            &resource,
            (header_of(parts, "content-md5"), header_of(parts, "content-type")),
            &amz,
            &presigned,
            &secret,
            now(),
        )
        .map_err(s3_auth_error)?;
        return Ok((Payload::Unsigned, Some(identity)));
    }
    // Anonymous: what the bucket's policy grants everyone, decided by `access`.
    Ok((Payload::Unsigned, None))
}

/// A header's value as text: UTF-8 when its bytes are, else each byte a character
/// (ISO-8859-1, what HTTP allowed and what Python's clients send and sign a non-ASCII
/// value as).
pub(crate) fn header_text(v: &http::HeaderValue) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(v.as_bytes()) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(v.as_bytes().iter().map(|b| char::from(*b)).collect()),
    }
}

/// Subresources this adapter serves that SigV2 does not sign (botocore's list leaves them
/// out): a SigV2 signature would not cover what such a request asks, so it is refused.
const V2_UNSIGNED: [&str; 7] =
    ["encryption", "ownershipControls", "publicAccessBlock", "policyStatus", "attributes", "retention", "legal-hold"];

fn refuse_v2_unsigned(query: &str) -> Result<(), S3Error> {
    match form_urlencoded::parse(query.as_bytes()).find(|(k, _)| V2_UNSIGNED.contains(&k.as_ref())) {
        Some((k, _)) => Err(access_denied(&format!(
            "Signature Version 2 does not sign the ?{k} subresource: sign this request with Signature Version 4"
        ))),
        None => Ok(()),
    }
}

fn header_of<'a>(parts: &'a http::request::Parts, name: &str) -> &'a str {
    parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// What SigV2 signs besides the headers: the canonical resource (the bucket named by a
/// virtual host goes in front of the path), and `x-amz-*` values moved into the query
/// string (botocore presigns a session's token so).
fn v2_inputs(parts: &http::request::Parts, virtual_bucket: Option<&str>) -> (String, Vec<(String, String)>) {
    let (path, query) = (parts.uri.path(), parts.uri.query().unwrap_or(""));
    let mut bucket_path = match virtual_bucket {
        Some(b) => format!("/{b}{path}"),
        None => path.to_string(),
    };
    // A request for the bucket itself signs `/bucket/`.
    if bucket_path.len() > 1 && !bucket_path[1..].contains('/') {
        bucket_path.push('/');
    }
    let moved = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-amz-"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect();
    (squall_auth::canonical_resource_v2(&bucket_path, query), moved)
}

/// The `x-amz-*` headers SigV2 signs: the request's and those moved into its query.
fn amz_v2<'a>(headers: &[(&'a str, &'a str)], moved: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-amz-"))
        .copied()
        .chain(moved.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect()
}

/// Every `x-amz-*` header must be among the signed ones.
fn all_amz_signed(headers: &[(&str, &str)], signed: &[String]) -> Result<(), S3Error> {
    match headers.iter().find(|(name, _)| name.starts_with("x-amz-") && !signed.iter().any(|h| h == name)) {
        Some((name, _)) => Err(access_denied("There were headers present in the request which were not signed")
            .with("HeadersNotSigned", *name)),
        None => Ok(()),
    }
}

fn secret(keys: &AccessKeys, parts: &http::request::Parts, access_key_id: &str) -> Result<(String, Identity), S3Error> {
    let token = session_token(&parts.headers, parts.uri.query().unwrap_or(""));
    secret_for(keys, access_key_id, token.as_deref())
}

/// The secret of `access_key_id` (a session's with its `token`), and who it is.
fn secret_for(keys: &AccessKeys, access_key_id: &str, token: Option<&str>) -> Result<(String, Identity), S3Error> {
    let resolved = keys.identity(access_key_id, token).and_then(|i| Ok((keys.secret_of(&i)?, i)));
    resolved.map_err(|refusal| match refusal {
        Refusal::Unknown => S3Error::new(
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        Refusal::Expired => S3Error::new(StatusCode::BAD_REQUEST, "ExpiredToken", "The provided token has expired."),
        Refusal::InvalidToken => S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidToken",
            "The provided token is malformed or otherwise invalid.",
        ),
    })
}

/// Whether `parts` is signed with SigV2 (an `AWS key:signature` header, or a presigned
/// URL with `AWSAccessKeyId`).
pub(crate) fn is_v2(parts: &http::request::Parts) -> bool {
    let header = parts.headers.get("authorization").and_then(|v| v.to_str().ok());
    match header {
        Some(h) => h.starts_with("AWS "),
        None => form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).any(|(k, _)| k == "AWSAccessKeyId"),
    }
}

/// A form field S3 needs and did not get.
fn missing_field(name: &'static str) -> S3Error {
    S3Error::invalid_argument(format!(
        "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
    ))
    .with("ArgumentName", name)
}

/// Authenticates a browser form (POST object) by its signature over its `policy`: SigV4
/// (`x-amz-signature`, `x-amz-credential`) or SigV2 (`AWSAccessKeyId`, `signature`);
/// `field` reads a field by lower-case name. `None` for a form with no signature, which
/// may do what the bucket grants everyone.
pub(crate) fn authenticate_form<'f>(
    keys: &AccessKeys,
    field: impl Fn(&str) -> Option<&'f str>,
) -> Result<Option<Identity>, S3Error> {
    let token = field("x-amz-security-token");
    if let Some(signature) = field("x-amz-signature") {
        match field("x-amz-algorithm") {
            Some("AWS4-HMAC-SHA256") => {}
            Some(other) => {
                return Err(S3Error::invalid_argument(format!(
                    "x-amz-algorithm {other:?} is not supported: use AWS4-HMAC-SHA256"
                ))
                .with("ArgumentName", "x-amz-algorithm"));
            }
            None => return Err(missing_field("x-amz-algorithm")),
        }
        let credential = field("x-amz-credential").ok_or_else(|| missing_field("x-amz-credential"))?;
        let credential = squall_auth::PostCredential::parse(credential).map_err(s3_auth_error)?;
        let date = field("x-amz-date").ok_or_else(|| missing_field("x-amz-date"))?;
        if squall_auth::parse_amz_date(date).is_none() {
            return Err(S3Error::invalid_argument(format!("x-amz-date is not a date: {date:?}"))
                .with("ArgumentName", "x-amz-date"));
        }
        // The credential's scope is S3's, on the day the form says it was signed.
        if credential.service != "s3" || !date.starts_with(&credential.date) {
            return Err(S3Error::invalid_argument(format!(
                "x-amz-credential's scope ({}/{}/{}) must be S3's on the day of x-amz-date ({date})",
                credential.date, credential.region, credential.service
            ))
            .with("ArgumentName", "x-amz-credential"));
        }
        let policy = field("policy").ok_or_else(|| missing_field("policy"))?;
        let (secret, identity) = secret_for(keys, &credential.access_key_id, token)?;
        squall_auth::verify_post_v4(policy, &credential, signature, &secret).map_err(s3_auth_error)?;
        return Ok(Some(identity));
    }
    if let Some(access_key_id) = field("awsaccesskeyid") {
        let signature = field("signature").ok_or_else(|| missing_field("Signature"))?;
        let policy = field("policy").ok_or_else(|| missing_field("policy"))?;
        let (secret, identity) = secret_for(keys, access_key_id, token)?;
        squall_auth::verify_post_v2(policy, signature, &secret).map_err(s3_auth_error)?;
        return Ok(Some(identity));
    }
    if field("policy").is_some() || field("signature").is_some() {
        return Err(missing_field("AWSAccessKeyId"));
    }
    Ok(None)
}
