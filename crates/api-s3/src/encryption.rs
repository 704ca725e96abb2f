//! A bucket's default encryption: Put/Get/DeleteBucketEncryption. SSE-S3 (`AES256`) is
//! applied to every object written without encryption headers; SSE-KMS is refused by name.

use super::error::S3Error;
use super::{S3Request, no_content, xml, xml_response};
use squall_objects::{DefaultEncryption, Objects};
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body)
        .filter(|d| d.name == "ServerSideEncryptionConfiguration")
        .ok_or_else(S3Error::malformed_xml)?;
    let rules: Vec<_> = doc.all("Rule").collect();
    let [rule] = rules.as_slice() else { return Err(S3Error::malformed_xml()) };
    let default = rule.child("ApplyServerSideEncryptionByDefault").ok_or_else(S3Error::malformed_xml)?;
    if default.text_of("KMSMasterKeyID").is_some() {
        return Err(S3Error::not_implemented("SSE-KMS (KMSMasterKeyID; Squall has no KMS)"));
    }
    match default.text_of("SSEAlgorithm").map(str::trim) {
        Some("AES256") => {}
        Some(a @ ("aws:kms" | "aws:kms:dsse")) => {
            return Err(S3Error::not_implemented(&format!("SSE-KMS (SSEAlgorithm {a}; Squall has no KMS)")));
        }
        _ => return Err(S3Error::malformed_xml()),
    }
    // S3 Bucket Keys are an SSE-KMS setting: with no KMS there is nothing for one to do.
    match rule.text_of("BucketKeyEnabled").map(str::trim) {
        None | Some("false") => {}
        Some("true") => return Err(S3Error::not_implemented("S3 Bucket Keys (BucketKeyEnabled, an SSE-KMS setting)")),
        Some(_) => return Err(S3Error::malformed_xml()),
    }
    objects.set_default_encryption(bucket, Some(DefaultEncryption {})).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(DefaultEncryption {}) = objects.bucket(bucket)?.encryption else {
        return Err(S3Error::unset(
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
            bucket,
        ));
    };
    Ok(xml_response("ServerSideEncryptionConfiguration", |x| {
        x.nest("Rule", |x| {
            x.nest("ApplyServerSideEncryptionByDefault", |x| {
                x.elem("SSEAlgorithm", "AES256");
            });
            x.elem("BucketKeyEnabled", "false");
        });
    }))
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_default_encryption(bucket, None).await?;
    Ok(no_content())
}
