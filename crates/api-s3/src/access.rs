//! What each S3 operation is authorized on: the bucket (`arn:aws:s3:::<bucket>`) or the
//! object (`arn:aws:s3:::<bucket>/<key>`), a copy's source read as GetObject, and the
//! condition keys S3 adds (`s3:prefix` on listings).

use crate::S3Request;
use crate::error::S3Error;
use squall_api::ApiError;
use squall_api::ApiState;
use squall_api::authorize::{Caller, authorize_each};

fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

fn denied(e: ApiError) -> S3Error {
    S3Error::new(e.status, e.code, e.message)
}

fn caller(req: &S3Request) -> Caller<'_> {
    let peer = req.parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip());
    Caller { identity: req.caller.as_ref(), peer }
}

/// Authorizes operation `op` (botocore's name) of `req` for its caller. DeleteObjects is
/// authorized key by key as it deletes ([`may_delete`]), as S3 does, each denied key an
/// error in its result.
pub(crate) fn authorize(state: &ApiState, req: &S3Request, op: &str) -> Result<(), S3Error> {
    if op == "DeleteObjects" {
        return Ok(());
    }
    let row = squall_api::actions::find("s3", op);
    authorize_each(state, caller(req), "s3", op, || {
        let Some(row) = row else { return Vec::new() };
        let bucket = req.bucket.as_deref().unwrap_or_default();
        let mut checks = match (row.resource, &req.key) {
            (squall_api::actions::Resource::Any, _) => vec![(row.action, "*".to_string())],
            (squall_api::actions::Resource::Object, Some(key)) => vec![(row.action, object_arn(bucket, key))],
            _ => vec![(row.action, bucket_arn(bucket))],
        };
        if matches!(op, "CopyObject" | "UploadPartCopy")
            && let Ok((b, k)) = crate::objects::copy_source(req)
        {
            checks.push(("s3:GetObject", object_arn(&b, &k)));
        }
        checks
    })
    .map_err(denied)
}

/// Whether `req`'s caller may delete `key` of `bucket` (one key of a DeleteObjects).
pub(crate) fn may_delete(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Result<(), S3Error> {
    authorize_each(state, caller(req), "s3", "DeleteObject", || vec![("s3:DeleteObject", object_arn(bucket, key))])
        .map_err(denied)
}
