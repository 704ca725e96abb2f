//! A bucket's default encryption: Put/Get/DeleteBucketEncryption. SSE-S3 (`AES256`) or
//! SSE-KMS (`aws:kms`, with `KMSMasterKeyID` or S3's AWS-managed key, and
//! `BucketKeyEnabled`) is applied to every object written without encryption headers.

use super::error::S3Error;
use super::{S3Request, no_content, xml, xml_response};
use squall_api::ApiState;
use squall_objects::{DefaultEncryption, KmsDefault, Objects};
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(state: &ApiState, req: &mut S3Request, bucket: &str) -> Reply {
    let objects = &state.objects;
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body)
        .filter(|d| d.name == "ServerSideEncryptionConfiguration")
        .ok_or_else(S3Error::malformed_xml)?;
    let rules: Vec<_> = doc.all("Rule").collect();
    let [rule] = rules.as_slice() else { return Err(S3Error::malformed_xml()) };
    let default = rule.child("ApplyServerSideEncryptionByDefault").ok_or_else(S3Error::malformed_xml)?;
    let key_id = default.text_of("KMSMasterKeyID").map(str::trim).filter(|k| !k.is_empty());
    let bucket_key = match rule.text_of("BucketKeyEnabled").map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(S3Error::malformed_xml()),
    };
    let kms = match default.text_of("SSEAlgorithm").map(str::trim) {
        Some("AES256") if key_id.is_some() => {
            return Err(S3Error::invalid_argument(
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms",
            ));
        }
        // S3 takes and reports BucketKeyEnabled for SSE-S3 too, where it changes nothing.
        Some("AES256") => None,
        Some("aws:kms") => {
            if let Some(k) = key_id {
                // The key must exist now; S3 checks it when objects are written.
                objects.resolve_kms_key(k)?;
            }
            Some(KmsDefault { key_id: key_id.map(str::to_string), bucket_key })
        }
        Some("aws:kms:dsse") => return Err(S3Error::not_implemented("dual-layer SSE-KMS (SSEAlgorithm aws:kms:dsse)")),
        _ => return Err(S3Error::malformed_xml()),
    };
    if kms.is_none() && bucket_key {
        return Err(S3Error::not_implemented("BucketKeyEnabled with SSE-S3 (S3 Bucket Keys are an SSE-KMS setting)"));
    }
    objects.set_default_encryption(bucket, Some(DefaultEncryption { kms })).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(DefaultEncryption { kms }) = objects.bucket(bucket)?.encryption else {
        return Err(S3Error::unset(
            "ServerSideEncryptionConfigurationNotFoundError",
            "The server side encryption configuration was not found",
            bucket,
        ));
    };
    Ok(xml_response("ServerSideEncryptionConfiguration", |x| {
        x.nest("Rule", |x| {
            x.nest("ApplyServerSideEncryptionByDefault", |x| match &kms {
                None => {
                    x.elem("SSEAlgorithm", "AES256");
                }
                Some(k) => {
                    x.elem("SSEAlgorithm", "aws:kms");
                    if let Some(id) = &k.key_id {
                        x.elem("KMSMasterKeyID", id);
                    }
                }
            });
            let bucket_key = kms.as_ref().is_some_and(|k| k.bucket_key);
            x.elem("BucketKeyEnabled", if bucket_key { "true" } else { "false" });
        });
    }))
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_default_encryption(bucket, None).await?;
    Ok(no_content())
}
