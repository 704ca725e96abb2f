//! Browser form uploads (S3's POST object): the form signs its base64 policy document
//! rather than a request. SigV4 forms carry `x-amz-credential` (`<key id>/<date>/<region>/
//! <service>/aws4_request`) and `x-amz-signature`, the hex HMAC-SHA256 of the policy under
//! the day's signing key; SigV2 forms carry `AWSAccessKeyId` and `signature`, the base64
//! HMAC-SHA1 of the policy under the secret.

use crate::AuthError;
use crate::sigv4::{constant_time_eq, signing_key};
use base64::Engine;
use hmac::{Hmac, Mac};

/// A SigV4 form's `x-amz-credential`.
#[derive(Debug, PartialEq, Eq)]
pub struct PostCredential {
    /// The access key id.
    pub access_key_id: String,
    /// The scope's day, `YYYYMMDD`.
    pub date: String,
    /// The scope's region.
    pub region: String,
    /// The scope's service (`s3`).
    pub service: String,
}

impl PostCredential {
    /// Reads `<key id>/<date>/<region>/<service>/aws4_request`.
    pub fn parse(credential: &str) -> Result<PostCredential, AuthError> {
        let malformed = || {
            AuthError::new(
                "InvalidArgument",
                format!("x-amz-credential is not <key id>/<date>/<region>/<service>/aws4_request: {credential:?}"),
            )
        };
        let parts: Vec<&str> = credential.split('/').collect();
        let [key, date, region, service, "aws4_request"] = parts[..] else { return Err(malformed()) };
        if key.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) || region.is_empty() {
            return Err(malformed());
        }
        Ok(PostCredential {
            access_key_id: key.into(),
            date: date.into(),
            region: region.into(),
            service: service.into(),
        })
    }
}

fn mismatch() -> AuthError {
    AuthError::new(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
}

/// Checks a SigV4 form's `x-amz-signature` over its base64 `policy`.
pub fn verify_post_v4(
    policy: &str,
    credential: &PostCredential,
    signature: &str,
    secret: &str,
) -> Result<(), AuthError> {
    let key = signing_key(secret, &credential.date, &credential.region, &credential.service);
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(policy.as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    match constant_time_eq(expected.as_bytes(), signature.to_ascii_lowercase().as_bytes()) {
        true => Ok(()),
        false => Err(mismatch()),
    }
}

/// Checks a SigV2 form's `signature` over its base64 `policy`.
pub fn verify_post_v2(policy: &str, signature: &str, secret: &str) -> Result<(), AuthError> {
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(policy.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    match constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        true => Ok(()),
        false => Err(mismatch()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// A form botocore's `generate_presigned_post` signed with SigV4 (AWS's example key).
    #[test]
    fn a_botocore_v4_form_verifies() {
        let policy = "eyJleHBpcmF0aW9uIjogIjIwMjYtMTItMDdUMDU6NTA6MzNaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIFsic3RhcnRzLXdpdGgiLCAiJGtleSIsICJ1c2VyL3VzZXIxLyJdLCB7IngtYW16LWFsZ29yaXRobSI6ICJBV1M0LUhNQUMtU0hBMjU2In0sIHsieC1hbXotY3JlZGVudGlhbCI6ICJBS0lBSU9TRk9ETk43RVhBTVBMRS8yMDI2MTIwNy91cy1lYXN0LTEvczMvYXdzNF9yZXF1ZXN0In0sIHsieC1hbXotZGF0ZSI6ICIyMDI2MTIwN1QwNDUwMzNaIn1dfQ==";
        let credential = PostCredential::parse("AKIAIOSFODNN7EXAMPLE/20261207/us-east-1/s3/aws4_request").unwrap();
        let signature = "41e5bcdb654e1fda85c3edc3c00c6a80c7983539a54d6806a76b5a546051bede";
        verify_post_v4(policy, &credential, signature, SECRET).unwrap();
        let other = PostCredential { region: "eu-west-1".into(), ..credential };
        assert_eq!(verify_post_v4(policy, &other, signature, SECRET).unwrap_err().code, "SignatureDoesNotMatch");
    }

    /// A form botocore signed with SigV2 (its default for presigned posts in us-east-1).
    #[test]
    fn a_botocore_v2_form_verifies() {
        let policy = "eyJleHBpcmF0aW9uIjogIjIwMjYtMTItMDdUMDU6NTA6MzBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIFsic3RhcnRzLXdpdGgiLCAiJGtleSIsICJ1c2VyL3VzZXIxLyJdXX0=";
        verify_post_v2(policy, "x11+FQuGc7anAZkmZrjM0P+ny7c=", SECRET).unwrap();
        assert!(verify_post_v2(policy, "x11+FQuGc7anAZkmZrjM0P+ny7c=", "other").is_err());
    }

    #[test]
    fn credentials_must_have_five_parts() {
        assert!(PostCredential::parse("AKID/20240101/us-east-1/s3/aws4_request").is_ok());
        for bad in ["AKID/20240101/us-east-1/s3", "AKID/2024/us-east-1/s3/aws4_request", "/20240101/r/s3/aws4_request"]
        {
            assert_eq!(PostCredential::parse(bad).unwrap_err().code, "InvalidArgument", "{bad}");
        }
    }
}
