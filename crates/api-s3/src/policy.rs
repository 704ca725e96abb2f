//! PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy: the bucket's own access policy, a
//! JSON document (checked as IAM checks resource policies; enforced by `access`).

use super::S3Request;
use super::error::S3Error;
use crate::body::full;
use http::HeaderValue;
use squall_objects::Objects;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(20 << 10).await?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| S3Error::from(squall_objects::Error::MalformedPolicy("Policies must be UTF-8 JSON".into())))?;
    objects.set_policy(bucket, Some(text)).await?;
    Ok(super::no_content())
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let policy = objects
        .bucket(bucket)?
        .policy
        .ok_or_else(|| S3Error::from(squall_objects::Error::NoSuchBucketPolicy(bucket.into())))?;
    let mut r = http::Response::new(full(policy));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(r)
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_policy(bucket, None).await?;
    Ok(super::no_content())
}
