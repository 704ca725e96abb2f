//! Signing and verifying with AWS Signature Version 4 (header-based authorization).

use crate::canonical::{PathEncoding, canonical_header_value, canonical_query, canonical_uri};
use crate::time::parse_amz_date;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's time may be from ours (AWS's rule).
const MAX_SKEW_SECS: i64 = 15 * 60;

/// A request, as far as SigV4 cares.
#[derive(Debug, Clone)]
pub struct SignableRequest<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// The path as received, still percent-encoded.
    pub path: &'a str,
    /// The query string as received, without `?`.
    pub query: &'a str,
    /// Every header, in any case, repeats allowed.
    pub headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, or the literal the client sent in `x-amz-content-sha256`
    /// (`UNSIGNED-PAYLOAD`, `STREAMING-…`).
    pub payload_hash: &'a str,
}

impl<'a> SignableRequest<'a> {
    fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

/// A parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id.
    pub access_key_id: String,
    /// `yyyymmdd` of the credential scope.
    pub date: String,
    /// The region the client signed for.
    pub region: String,
    /// The service the client signed for (`lambda`, `s3`, …).
    pub service: String,
    /// Lower-case names of the signed headers, as listed.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Why a request is not authenticated. `code` is the AWS error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AuthError {
    /// AWS's error code for it.
    pub code: &'static str,
    /// AWS's message for it.
    pub message: String,
}

impl AuthError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        AuthError { code, message: message.into() }
    }
}

impl Authorization {
    /// Parses `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
    /// SignedHeaders=host;x-amz-date, Signature=…`.
    pub fn parse(header: &str) -> Result<Self, AuthError> {
        let incomplete = |what: &str| {
            AuthError::new(
                "IncompleteSignatureException",
                format!("Authorization header requires '{what}' parameter. Authorization={header}"),
            )
        };
        let rest = header.strip_prefix(ALGORITHM).filter(|r| r.starts_with(' ')).ok_or_else(|| {
            AuthError::new("IncompleteSignatureException", format!("Unsupported authorization scheme: {header}"))
        })?;
        let (mut cred, mut signed, mut sig) = (None, None, None);
        for part in rest.split(',') {
            let Some((k, v)) = part.trim().split_once('=') else { continue };
            match k {
                "Credential" => cred = Some(v),
                "SignedHeaders" => signed = Some(v),
                "Signature" => sig = Some(v),
                _ => {}
            }
        }
        let cred = cred.ok_or_else(|| incomplete("Credential"))?;
        let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
        let sig = sig.ok_or_else(|| incomplete("Signature"))?;
        let scope: Vec<&str> = cred.split('/').collect();
        if scope.len() != 5 || scope[4] != "aws4_request" || scope[1].len() != 8 {
            return Err(AuthError::new(
                "IncompleteSignatureException",
                format!("Credential should be scoped to a valid region and service: {cred}"),
            ));
        }
        Ok(Authorization {
            access_key_id: scope[0].to_string(),
            date: scope[1].to_string(),
            region: scope[2].to_string(),
            service: scope[3].to_string(),
            signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
            signature: sig.to_ascii_lowercase(),
        })
    }
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn signature(
    req: &SignableRequest<'_>,
    encoding: PathEncoding,
    signed_headers: &[String],
    amz_date: &str,
    scope: (&str, &str, &str),
    secret: &str,
) -> String {
    let (date, region, service) = scope;
    // A presigned URL's query carries the signature, which it cannot sign.
    let skip = Some("X-Amz-Signature");
    let mut canonical =
        format!("{}\n{}\n{}\n", req.method, canonical_uri(req.path, encoding), canonical_query(req.query, skip));
    for h in signed_headers {
        canonical.push_str(&format!("{h}:{}\n", canonical_header_value(req.header_values(h))));
    }
    canonical.push_str(&format!("\n{}\n{}", signed_headers.join(";"), req.payload_hash));
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    hex::encode(hmac(&signing_key(secret, date, region, service), &string_to_sign))
}

/// The key SigV4 derives from a secret for one day, region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, service);
    hmac(&k, "aws4_request")
}

/// The signature of one piece of a streamed (`aws-chunked`) payload, chained to the
/// previous one (the first chains to the request's own signature): `kind` is
/// `AWS4-HMAC-SHA256-PAYLOAD` for a chunk, whose second hash is of the empty string,
/// or `AWS4-HMAC-SHA256-TRAILER` for the trailing headers, which has no second hash.
pub fn chained_signature(
    key: &[u8],
    kind: &str,
    amz_date: &str,
    scope: &str,
    previous: &str,
    hash_hex: &str,
) -> String {
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let string_to_sign = if kind == "AWS4-HMAC-SHA256-TRAILER" {
        format!("{kind}\n{amz_date}\n{scope}\n{previous}\n{hash_hex}")
    } else {
        format!("{kind}\n{amz_date}\n{scope}\n{previous}\n{EMPTY}\n{hash_hex}")
    };
    hex::encode(hmac(key, &string_to_sign))
}

/// Signs `req`, which must already carry `host` and `x-amz-date` headers; returns the
/// `Authorization` header value. Every header given is signed.
pub fn sign(
    req: &SignableRequest<'_>,
    access_key_id: &str,
    secret: &str,
    region: &str,
    service: &str,
    encoding: PathEncoding,
) -> Result<String, AuthError> {
    let amz_date = req
        .header("x-amz-date")
        .ok_or_else(|| AuthError::new("MissingAuthenticationTokenException", "x-amz-date is required"))?;
    let date = &amz_date[..8.min(amz_date.len())];
    let mut names: Vec<String> = req.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let sig = signature(req, encoding, &names, amz_date, (date, region, service), secret);
    Ok(format!(
        "{ALGORITHM} Credential={access_key_id}/{date}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={sig}",
        names.join(";")
    ))
}

/// What to presign: a request with no body to `host`, `path?query`, valid for `expires`
/// seconds from `amz_date`.
#[derive(Debug, Clone)]
pub struct PresignRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// The `Host` the URL names.
    pub host: &'a str,
    /// The path, as it will be sent.
    pub path: &'a str,
    /// The query it has before the signing parameters (may be empty).
    pub query: &'a str,
    /// `X-Amz-Date`.
    pub amz_date: &'a str,
    /// `X-Amz-Expires`.
    pub expires: u32,
}

/// Presigns `req` with a key for `service` in `region` (signing only `host`, the payload
/// the empty body's digest): the query string to send, the signing parameters and
/// `X-Amz-Signature` after the request's own.
pub fn presign(req: &PresignRequest<'_>, access_key_id: &str, secret: &str, region: &str, service: &str) -> String {
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let date = &req.amz_date[..8.min(req.amz_date.len())];
    let credential: String = url_encode(&format!("{access_key_id}/{date}/{region}/{service}/aws4_request"));
    let mut query = req.query.to_string();
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(&format!(
        "X-Amz-Algorithm={ALGORITHM}&X-Amz-Credential={credential}&X-Amz-Date={}&X-Amz-Expires={}&X-Amz-SignedHeaders=host",
        req.amz_date, req.expires
    ));
    let headers = [("host", req.host)];
    let signable = SignableRequest {
        method: req.method,
        path: req.path,
        query: &query,
        headers: &headers,
        payload_hash: EMPTY_SHA256,
    };
    let sig = signature(
        &signable,
        PathEncoding::Double,
        &["host".to_string()],
        req.amz_date,
        (date, region, service),
        secret,
    );
    format!("{query}&X-Amz-Signature={sig}")
}

/// Percent-encodes all but RFC 3986's unreserved characters, as SigV4 does.
fn url_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// The time a header-signed request was signed at, as SigV4 signs it (`YYYYMMDDTHHMMSSZ`):
/// its `x-amz-date`, or else its `Date` header (an HTTP date), which AWS accepts too.
pub fn request_time(req: &SignableRequest<'_>) -> Option<String> {
    match req.header("x-amz-date") {
        Some(d) => Some(d.to_string()),
        None => req.header("date").and_then(crate::time::parse_http_date).map(crate::time::format_amz_date),
    }
}

/// Verifies a header-signed request with the secret of `auth.access_key_id`, at time
/// `now` (Unix seconds).
pub fn verify(
    req: &SignableRequest<'_>,
    auth: &Authorization,
    secret: &str,
    encoding: PathEncoding,
    now: i64,
) -> Result<(), AuthError> {
    let amz_date = request_time(req).ok_or_else(|| {
        AuthError::new("IncompleteSignatureException", "Authorization requires an x-amz-date or a Date header")
    })?;
    let amz_date = amz_date.as_str();
    let when = parse_amz_date(amz_date).ok_or_else(|| {
        AuthError::new("IncompleteSignatureException", format!("x-amz-date {amz_date:?} is not a valid date"))
    })?;
    if !amz_date.starts_with(&auth.date) {
        return Err(AuthError::new(
            "InvalidSignatureException",
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}'",
                auth.date,
                &amz_date[..8]
            ),
        ));
    }
    if (now - when).abs() > MAX_SKEW_SECS {
        return Err(AuthError::new(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier than {} or later than {} (the request's time must be within 15 minutes of the server's)",
                crate::time::format_amz_date(now - MAX_SKEW_SECS),
                crate::time::format_amz_date(now + MAX_SKEW_SECS)
            ),
        ));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(AuthError::new("InvalidSignatureException", "'Host' must be a signed header"));
    }
    for h in &auth.signed_headers {
        if req.header(h).is_none() {
            return Err(AuthError::new(
                "InvalidSignatureException",
                format!("signed header {h:?} is missing from the request"),
            ));
        }
    }
    let expected =
        signature(req, encoding, &auth.signed_headers, amz_date, (&auth.date, &auth.region, &auth.service), secret);
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::new(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        ))
    }
}

/// A presigned URL's query parameters (`X-Amz-Credential`, …), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    /// What the signature covers, as an `Authorization` header would say it.
    pub auth: Authorization,
    /// `X-Amz-Date`.
    pub amz_date: String,
    /// `X-Amz-Expires`: seconds the URL is valid after `amz_date`.
    pub expires: i64,
}

impl Presigned {
    /// Reads the presigning parameters of a query string; `None` when it has none.
    pub fn parse(query: &str) -> Option<Result<Presigned, AuthError>> {
        let params: Vec<(String, String)> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (decode_component(k), decode_component(v)))
            .collect();
        let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let algorithm = get("X-Amz-Algorithm")?;
        Some((|| {
            let missing = |p: &str| {
                AuthError::new("AuthorizationQueryParametersError", format!("Query-string authentication requires {p}"))
            };
            if algorithm != ALGORITHM {
                return Err(AuthError::new(
                    "AuthorizationQueryParametersError",
                    format!("X-Amz-Algorithm only supports \"{ALGORITHM}\""),
                ));
            }
            let credential = get("X-Amz-Credential").ok_or_else(|| missing("X-Amz-Credential"))?;
            let signed = get("X-Amz-SignedHeaders").ok_or_else(|| missing("X-Amz-SignedHeaders"))?;
            let signature = get("X-Amz-Signature").ok_or_else(|| missing("X-Amz-Signature"))?;
            let amz_date = get("X-Amz-Date").ok_or_else(|| missing("X-Amz-Date"))?.to_string();
            // A URL valid for no time at all (0, or a negative lifetime some clients
            // compute) has expired: the verification says so, as S3 does (403).
            let expires: i64 = get("X-Amz-Expires")
                .ok_or_else(|| missing("X-Amz-Expires"))?
                .parse()
                .ok()
                .filter(|e| *e <= 604_800)
                .ok_or_else(|| {
                    AuthError::new(
                        "AuthorizationQueryParametersError",
                        "X-Amz-Expires must be less than a week (in seconds) that is 604800",
                    )
                })?;
            let auth = Authorization::parse(&format!(
                "{ALGORITHM} Credential={credential}, SignedHeaders={signed}, Signature={signature}"
            ))
            .map_err(|e| AuthError::new("AuthorizationQueryParametersError", e.message))?;
            Ok(Presigned { auth, amz_date, expires })
        })())
    }
}

fn decode_component(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Verifies a presigned request (signature in the query string, payload unsigned) at
/// time `now`: the signature, then the URL's validity period.
pub fn verify_presigned(
    req: &SignableRequest<'_>,
    presigned: &Presigned,
    secret: &str,
    encoding: PathEncoding,
    now: i64,
) -> Result<(), AuthError> {
    let auth = &presigned.auth;
    let when = parse_amz_date(&presigned.amz_date).ok_or_else(|| {
        AuthError::new("AuthorizationQueryParametersError", "X-Amz-Date must be in the ISO8601 Long Format")
    })?;
    if !presigned.amz_date.starts_with(&auth.date) {
        return Err(AuthError::new("AuthorizationQueryParametersError", "X-Amz-Date does not match the credential"));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(AuthError::new("AuthorizationQueryParametersError", "X-Amz-SignedHeaders must include host"));
    }
    let expected = signature(
        req,
        encoding,
        &auth.signed_headers,
        &presigned.amz_date,
        (&auth.date, &auth.region, &auth.service),
        secret,
    );
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(AuthError::new(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    if presigned.expires <= 0 || now > when + presigned.expires {
        return Err(AuthError::new("AccessDenied", "Request has expired"));
    }
    if when - now > MAX_SKEW_SECS {
        return Err(AuthError::new("AccessDenied", "Request is not valid yet"));
    }
    Ok(())
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ
/// (for secrets: signatures, keys).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn vanilla<'a>(headers: &'a [(&'a str, &'a str)], query: &'a str) -> SignableRequest<'a> {
        SignableRequest { method: "GET", path: "/", query, headers, payload_hash: EMPTY }
    }

    /// `get-vanilla` from AWS's SigV4 test suite.
    #[test]
    fn matches_the_aws_test_suite() {
        let headers = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")];
        let auth =
            sign(&vanilla(&headers, ""), "AKIDEXAMPLE", SECRET, "us-east-1", "service", PathEncoding::Double).unwrap();
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn verifies_what_it_signs_and_refuses_tampering() {
        let now = parse_amz_date("20150830T123600Z").unwrap();
        let headers = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")];
        let req = vanilla(&headers, "b=2&a=1");
        let header = sign(&req, "AKIDEXAMPLE", SECRET, "us-east-1", "lambda", PathEncoding::Double).unwrap();
        let auth = Authorization::parse(&header).unwrap();
        assert_eq!(auth.service, "lambda");
        verify(&req, &auth, SECRET, PathEncoding::Double, now).unwrap();

        let err = verify(&req, &auth, "wrong", PathEncoding::Double, now).unwrap_err();
        assert_eq!(err.code, "InvalidSignatureException");
        let tampered = vanilla(&headers, "b=3&a=1");
        assert!(verify(&tampered, &auth, SECRET, PathEncoding::Double, now).is_err());
        let err = verify(&req, &auth, SECRET, PathEncoding::Double, now + 16 * 60).unwrap_err();
        assert!(err.message.starts_with("Signature expired"), "{err}");
    }

    #[test]
    fn malformed_headers_are_refused() {
        for h in [
            "Basic abc",
            "AWS4-HMAC-SHA256 Credential=a/b/c, Signature=x, SignedHeaders=host",
            "AWS4-HMAC-SHA256 SignedHeaders=host",
        ] {
            assert_eq!(Authorization::parse(h).unwrap_err().code, "IncompleteSignatureException", "{h}");
        }
    }

    #[test]
    fn urls_this_side_presigns_verify() {
        let req = PresignRequest {
            method: "GET",
            host: "127.0.0.1:4566",
            path: "/squall/v1/functions/f/code",
            query: "version=3",
            amz_date: "20261206T230000Z",
            expires: 600,
        };
        let query = presign(&req, "AKID", "secret", "us-east-1", "lambda");
        let p = Presigned::parse(&query).unwrap().unwrap();
        let headers = [("host", "127.0.0.1:4566")];
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let signable =
            SignableRequest { method: "GET", path: req.path, query: &query, headers: &headers, payload_hash: empty };
        let now = parse_amz_date("20261206T230000Z").unwrap();
        verify_presigned(&signable, &p, "secret", PathEncoding::Double, now + 599).unwrap();
        assert!(verify_presigned(&signable, &p, "secret", PathEncoding::Double, now + 601).is_err());
        assert!(verify_presigned(&signable, &p, "other", PathEncoding::Double, now).is_err());
    }

    /// The presigned-URL example of S3's SigV4 documentation.
    #[test]
    fn presigned_urls_verify_and_expire() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
        let headers = [("Host", "examplebucket.s3.amazonaws.com")];
        let req = SignableRequest {
            method: "GET",
            path: "/test.txt",
            query,
            headers: &headers,
            payload_hash: "UNSIGNED-PAYLOAD",
        };
        let p = Presigned::parse(query).unwrap().unwrap();
        assert_eq!((p.auth.service.as_str(), p.expires), ("s3", 86400));
        let now = parse_amz_date("20130524T000000Z").unwrap();
        verify_presigned(&req, &p, secret, PathEncoding::AsSent, now + 60).unwrap();
        let err = verify_presigned(&req, &p, secret, PathEncoding::AsSent, now + 86401).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), ("AccessDenied", "Request has expired"));
        let other = SignableRequest { path: "/other.txt", ..req.clone() };
        assert_eq!(
            verify_presigned(&other, &p, secret, PathEncoding::AsSent, now).unwrap_err().code,
            "SignatureDoesNotMatch"
        );
        assert!(Presigned::parse("a=b").is_none());
        assert!(Presigned::parse("X-Amz-Algorithm=AWS4-HMAC-SHA256").unwrap().is_err());
    }

    /// The chunked-upload example of S3's SigV4 documentation: the first 64 KiB chunk.
    #[test]
    fn chunk_signatures_chain() {
        let key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
        let chunk = vec![b'a'; 65536];
        let sig = chained_signature(
            &key,
            "AWS4-HMAC-SHA256-PAYLOAD",
            "20130524T000000Z",
            "20130524/us-east-1/s3/aws4_request",
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
            &hex::encode(Sha256::digest(&chunk)),
        );
        assert_eq!(sig, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
    }
}
