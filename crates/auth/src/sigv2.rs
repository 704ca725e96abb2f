//! S3's older authentication (Signature Version 2): in the query string, which the aws
//! CLI v1 still uses for `aws s3 presign` in us-east-1 (`AWSAccessKeyId`, `Expires` in
//! Unix seconds, `Signature`), or in the `Authorization: AWS <key id>:<signature>` header
//! of legacy clients; the signature is base64(HMAC-SHA1(secret, string to sign)).

use crate::AuthError;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The query parameters S3 signs into the canonical resource (botocore's list).
const SIGNED_SUBRESOURCES: [&str; 35] = [
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// A SigV2 presigned URL's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedV2 {
    /// `AWSAccessKeyId`.
    pub access_key_id: String,
    /// `Expires`: Unix seconds.
    pub expires: i64,
    /// `Signature`, base64.
    pub signature: String,
}

fn params(query: &str) -> Vec<(String, String)> {
    form_urlencoded_pairs(query)
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

impl PresignedV2 {
    /// Reads a query string's SigV2 parameters; `None` when it has none.
    pub fn parse(query: &str) -> Option<Result<PresignedV2, AuthError>> {
        let params = params(query);
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let access_key_id = get("AWSAccessKeyId")?;
        Some((|| {
            let signature = get("Signature")
                .ok_or_else(|| AuthError::new("AccessDenied", "Query-string authentication requires the Signature"))?;
            let expires = get("Expires").and_then(|e| e.parse().ok()).ok_or_else(|| {
                AuthError::new("AccessDenied", "Query-string authentication requires the Expires parameter")
            })?;
            Ok(PresignedV2 { access_key_id, expires, signature })
        })())
    }
}

/// The canonical resource: `/bucket/key` as sent (percent-encoded), then the signed
/// subresources of `query`, sorted, with decoded values.
pub fn canonical_resource_v2(bucket_path: &str, query: &str) -> String {
    let mut signed: Vec<(String, String)> =
        params(query).into_iter().filter(|(k, _)| SIGNED_SUBRESOURCES.contains(&k.as_str())).collect();
    signed.sort();
    let mut out = bucket_path.to_string();
    for (i, (k, v)) in signed.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// Checks `signature` against the string to sign: the method, `Content-MD5`,
/// `Content-Type`, `when` (the `Date` header or the URL's `Expires`), the `x-amz-*`
/// headers sorted (lower-case names, one value each) and the canonical resource.
fn check_signature(
    (method, canonical_resource): (&str, &str),
    (content_md5, content_type, when): (&str, &str, &str),
    amz_headers: &[(&str, &str)],
    signature: &str,
    secret: &str,
) -> Result<(), AuthError> {
    let mut amz: Vec<(String, &str)> = amz_headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim())).collect();
    amz.sort();
    let amz: String = amz.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let string_to_sign = format!("{method}\n{content_md5}\n{content_type}\n{when}\n{amz}{canonical_resource}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if !crate::sigv4::constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(AuthError::new(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ));
    }
    Ok(())
}

/// Verifies a SigV2 presigned request at time `now`. `amz_headers` are the request's
/// `x-amz-*` headers (lower-case names); `content_md5` and `content_type` its headers or "".
pub fn verify_presigned_v2(
    method: &str,
    canonical_resource: &str,
    (content_md5, content_type): (&str, &str),
    amz_headers: &[(&str, &str)],
    presigned: &PresignedV2,
    secret: &str,
    now: i64,
) -> Result<(), AuthError> {
    let expires = presigned.expires.to_string();
    let fields = (content_md5, content_type, expires.as_str());
    check_signature((method, canonical_resource), fields, amz_headers, &presigned.signature, secret)?;
    // `Expires` is the instant the URL stops working.
    if now >= presigned.expires {
        return Err(AuthError::new("AccessDenied", "Request has expired"));
    }
    Ok(())
}

/// The `Authorization: AWS <key id>:<signature>` header of SigV2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderV2 {
    /// The access key id.
    pub access_key_id: String,
    /// The signature, base64.
    pub signature: String,
}

impl HeaderV2 {
    /// Reads a SigV2 `Authorization` header; `None` when it is not one.
    pub fn parse(header: &str) -> Option<Result<HeaderV2, AuthError>> {
        let rest = header.strip_prefix("AWS ")?;
        Some(match rest.trim().split_once(':') {
            Some((id, sig)) if !id.is_empty() && !sig.is_empty() => {
                Ok(HeaderV2 { access_key_id: id.to_string(), signature: sig.to_string() })
            }
            _ => Err(AuthError::new(
                "InvalidArgument",
                "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            )),
        })
    }
}

/// How far a SigV2 request's time may be from the server's, in seconds (S3's 15 minutes).
const MAX_SKEW_SECS: i64 = 15 * 60;

/// Verifies a SigV2 header-signed request at time `now`. Its time is `x-amz-date` if
/// among `amz_headers`, else `date` (the `Date` header); both are HTTP dates, checked
/// before the signature. With `x-amz-date`, S3 signs an empty `Date` line; botocore signs
/// its `Date` header there anyway, so either verifies.
pub fn verify_header_v2(
    (method, canonical_resource): (&str, &str),
    (content_md5, content_type, date): (&str, &str, &str),
    amz_headers: &[(&str, &str)],
    header: &HeaderV2,
    secret: &str,
    now: i64,
) -> Result<(), AuthError> {
    let amz_date = amz_headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amz-date")).map(|(_, v)| *v);
    let invalid = || AuthError::new("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    let when = amz_date.unwrap_or(date);
    let when = crate::time::parse_http_date(when).filter(|t| *t >= 0).ok_or_else(invalid)?;
    if (now - when).abs() > MAX_SKEW_SECS {
        return Err(AuthError::new(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ));
    }
    let check = |signed_date: &str| {
        let fields = (content_md5, content_type, signed_date);
        check_signature((method, canonical_resource), fields, amz_headers, &header.signature, secret)
    };
    match amz_date {
        Some(_) => check("").or_else(|_| check(date)),
        None => check(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL botocore presigned (signature version `s3`) with the documentation's key.
    #[test]
    fn botocore_presigned_urls_verify() {
        let query = "response-content-type=text%2Fplain&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=2hzaNmeftChkdGpAriTJpEpTMHk%3D&Expires=1795453894";
        let p = PresignedV2::parse(query).unwrap().unwrap();
        let resource = canonical_resource_v2("/johnsmith/photos/puppy%20dog.jpg", query);
        assert_eq!(resource, "/johnsmith/photos/puppy%20dog.jpg?response-content-type=text/plain");
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        verify_presigned_v2("GET", &resource, ("", ""), &[], &p, secret, 1_795_453_800).unwrap();
        let err = verify_presigned_v2("GET", &resource, ("", ""), &[], &p, secret, 1_795_453_895).unwrap_err();
        assert_eq!(err.code, "AccessDenied");
        let err = verify_presigned_v2("PUT", &resource, ("", ""), &[], &p, secret, 1_795_453_800).unwrap_err();
        assert_eq!(err.code, "SignatureDoesNotMatch");
        assert!(PresignedV2::parse("a=b").is_none());
    }
}
