//! What each S3 operation is authorized on: the bucket (`arn:aws:s3:::<bucket>`) or the
//! object (`arn:aws:s3:::<bucket>/<key>`), a copy's source read as GetObject, and the
//! condition keys S3 adds (`s3:prefix` on listings).

use crate::S3Request;
use crate::error::S3Error;
use squall_api::ApiError;
use squall_api::ApiState;
use squall_api::actions::Resource;
use squall_api::authorize::{Caller, ResourcePolicy, authorize_each_under};

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
    Caller { identity: req.caller.as_ref(), peer, anonymous: req.anonymous }
}

/// Authorizes operation `op` (botocore's name) of `req` for its caller, under the bucket's
/// policy if it has one. DeleteObjects is authorized key by key as it deletes
/// ([`may_delete`]), as S3 does, each denied key an error in its result.
pub(crate) fn authorize(state: &ApiState, req: &S3Request, op: &str) -> Result<(), S3Error> {
    if op == "DeleteObjects" {
        return Ok(());
    }
    let bucket = req.bucket.as_deref().unwrap_or_default();
    let checks = || {
        let Some(row) = squall_api::actions::find("s3", op) else { return Vec::new() };
        let mut checks = match (row.resource, &req.key) {
            (Resource::Any, _) => vec![(row.action, "*".to_string())],
            (Resource::Object, Some(key)) => vec![(row.action, object_arn(bucket, key))],
            _ => vec![(row.action, bucket_arn(bucket))],
        };
        if matches!(op, "CopyObject" | "UploadPartCopy")
            && let Ok((b, k)) = crate::objects::copy_source(req)
        {
            checks.push(("s3:GetObject", object_arn(&b, &k)));
        }
        checks
    };
    under_policy(state, req, bucket, op, checks)
}

/// Whether `req`'s caller may delete `key` of `bucket` (one key of a DeleteObjects).
pub(crate) fn may_delete(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Result<(), S3Error> {
    under_policy(state, req, bucket, "DeleteObject", || vec![("s3:DeleteObject", object_arn(bucket, key))])
}

/// The checks of `op`, under `bucket`'s policy if it has one (the root may always manage
/// the policy itself, so a policy cannot lock the account out, as on S3).
fn under_policy(
    state: &ApiState,
    req: &S3Request,
    bucket: &str,
    op: &str,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), S3Error> {
    let managing_policy = matches!(op, "PutBucketPolicy" | "GetBucketPolicy" | "DeleteBucketPolicy");
    let document = (!bucket.is_empty() && !managing_policy).then(|| state.objects.policy(bucket)).flatten();
    let arn = bucket_arn(bucket);
    let policy = document.as_deref().map(|document| ResourcePolicy { arn: &arn, document });
    authorize_each_under(state, caller(req), "s3", op, policy, checks).map_err(denied)
}
