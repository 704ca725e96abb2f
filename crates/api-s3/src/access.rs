//! What each S3 operation is authorized on: the bucket (`arn:aws:s3:::<bucket>`) or the
//! object (`arn:aws:s3:::<bucket>/<key>`), a copy's source read as GetObject, and the
//! condition keys S3 adds ([`keys`]: `s3:prefix` on listings, the request's headers, the
//! tags it sets).

use crate::S3Request;
use crate::error::S3Error;
use squall_api::ApiError;
use squall_api::ApiState;
use squall_api::actions::Resource;
use squall_api::authorize::{Caller, ResourcePolicy, authorize_each_under};
use squall_iam::Context;
use squall_objects::acl::Permission;
use squall_objects::public::Ownership;

fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

fn denied(e: ApiError) -> S3Error {
    S3Error::new(e.status, e.code, e.message)
}

/// The ACL permission an operation takes, and whether the object's ACL grants it (else
/// the bucket's), as S3 maps them: a bucket's READ lists it, its WRITE writes and deletes
/// its objects, READ_ACP and WRITE_ACP read and change an ACL, an object's READ reads it.
fn acl_permission(op: &str) -> Option<(bool, Permission)> {
    Some(match op {
        "ListObjects" | "ListObjectsV2" | "ListObjectVersions" | "ListMultipartUploads" | "HeadBucket" => {
            (false, Permission::Read)
        }
        "PutObject"
        | "DeleteObject"
        | "CreateMultipartUpload"
        | "UploadPart"
        | "CompleteMultipartUpload"
        | "AbortMultipartUpload" => (false, Permission::Write),
        "GetBucketAcl" => (false, Permission::ReadAcp),
        "PutBucketAcl" => (false, Permission::WriteAcp),
        "GetObject" | "HeadObject" => (true, Permission::Read),
        "GetObjectAcl" => (true, Permission::ReadAcp),
        "PutObjectAcl" => (true, Permission::WriteAcp),
        _ => return None,
    })
}

/// After the caller's policies and the bucket's did not allow `op` (`denied`): whether the
/// bucket's or object's ACL grants it, as S3 reads ACLs beside policies. Nothing is granted
/// where ACLs are disabled (BucketOwnerEnforced) or public ACLs ignored, nor past an
/// explicit Deny.
pub(crate) async fn granted_by_acl(
    state: &ApiState,
    req: &S3Request,
    op: &str,
    denied: S3Error,
) -> Result<(), S3Error> {
    let Some((on_object, permission)) = acl_permission(op) else { return Err(denied) };
    if denied.message.contains("explicit deny") {
        return Err(denied);
    }
    let bucket = req.bucket.as_deref().unwrap_or_default();
    let settings = state.objects.with_bucket(bucket, |b| {
        let ignored = b.public_access_block.is_some_and(|p| p.ignore_public_acls);
        (b.ownership == Some(Ownership::BucketOwnerEnforced) || ignored, b.acl.clone(), b.policy.clone())
    });
    let Ok((disabled, bucket_acl, policy)) = settings else { return Err(denied) };
    if disabled {
        return Err(denied);
    }
    let arn = bucket_arn(bucket);
    let resource = match (on_object || permission == Permission::Write, &req.key) {
        (true, Some(key)) => object_arn(bucket, key),
        _ => arn.clone(),
    };
    let action = squall_api::actions::find("s3", op).map_or("s3:*", |row| row.action);
    if let Some(document) = policy.as_deref() {
        let keys = keys(req, op, None);
        let policy = ResourcePolicy { arn: &arn, document };
        if squall_api::authorize::denied_explicitly(state, caller(req, &keys), policy, action, &resource) {
            return Err(denied);
        }
    }
    let acl = match (on_object, &req.key) {
        (true, Some(key)) => state.objects.record(bucket, key, req.param("versionId")).await.ok().and_then(|r| r.acl),
        _ => bucket_acl,
    };
    match acl {
        Some(acl) if acl.allows(req.anonymous, permission) => Ok(()),
        _ => Err(denied),
    }
}

/// The request's caller, without condition keys of its own.
pub(crate) fn caller_of(req: &S3Request) -> Caller<'_> {
    let peer = req.parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip());
    Caller { identity: req.caller.as_ref(), peer, anonymous: req.anonymous, keys: None }
}

fn caller<'a>(req: &'a S3Request, keys: &'a Context) -> Caller<'a> {
    let peer = req.parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip());
    Caller { identity: req.caller.as_ref(), peer, anonymous: req.anonymous, keys: Some(keys) }
}

/// Headers whose values S3 offers as condition keys (`s3:<header>`).
const HEADER_KEYS: &[&str] = &[
    "x-amz-acl",
    "x-amz-server-side-encryption",
    "x-amz-content-sha256",
    "x-amz-copy-source",
    "x-amz-metadata-directive",
];

/// The condition keys S3 adds for operation `op` of `req`; `tags` are those a
/// PutObjectTagging sets (an upload's come from its `x-amz-tagging` header).
fn keys(req: &S3Request, op: &str, tags: Option<&[(String, String)]>) -> Context {
    let mut keys = Context::default();
    if matches!(op, "ListObjects" | "ListObjectsV2" | "ListObjectVersions") {
        // A listing without a prefix tests as the empty prefix, as on S3.
        keys.set("s3:prefix", req.param("prefix").unwrap_or_default());
        if let Some(d) = req.param("delimiter") {
            keys.set("s3:delimiter", d);
        }
        if let Some(m) = req.param("max-keys") {
            keys.set("s3:max-keys", m);
        }
    }
    if let Some(v) = req.param("versionId") {
        keys.set("s3:versionid", v);
    }
    for h in HEADER_KEYS {
        if let Some(v) = req.header(h) {
            keys.set(&format!("s3:{h}"), v);
        }
    }
    if !req.anonymous {
        let presigned = req.param("X-Amz-Signature").is_some();
        keys.set("s3:authType", if presigned { "REST-QUERY-STRING" } else { "REST-HEADER" })
            .set("s3:signatureversion", "AWS4-HMAC-SHA256");
    }
    let header_tags;
    let tags = match tags {
        Some(t) => Some(t),
        None if matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload") => {
            header_tags = req.header("x-amz-tagging").map(crate::objects::tags_of_query);
            header_tags.as_deref()
        }
        None => None,
    };
    if let Some(tags) = tags {
        for (k, v) in tags {
            keys.set(&format!("s3:RequestObjectTag/{k}"), v.clone());
        }
        keys.set_all("s3:RequestObjectTagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
    }
    keys
}

/// Authorizes operation `op` (botocore's name) of `req` for its caller, under the bucket's
/// policy if it has one. DeleteObjects is authorized key by key as it deletes
/// ([`may_delete`]), as S3 does, each denied key an error in its result.
pub(crate) fn authorize(state: &ApiState, req: &S3Request, op: &str) -> Result<(), S3Error> {
    // Each key of a DeleteObjects, and the tags of a PutObjectTagging in its body, are
    // authorized once read ([`may_delete`], [`may_tag`]).
    if matches!(op, "DeleteObjects" | "PutObjectTagging") {
        return Ok(());
    }
    let bucket = req.bucket.as_deref().unwrap_or_default();
    let checks = || {
        let Some(row) = squall_api::actions::find("s3", op) else { return Vec::new() };
        let action = match req.param("versionId") {
            Some(_) => version_action(op).unwrap_or(row.action),
            None => row.action,
        };
        let mut checks = match (row.resource, &req.key) {
            (Resource::Any, _) => vec![(action, "*".to_string())],
            (Resource::Object, Some(key)) => vec![(action, object_arn(bucket, key))],
            _ => vec![(action, bucket_arn(bucket))],
        };
        if matches!(op, "CopyObject" | "UploadPartCopy")
            && let Ok(source) = crate::objects::copy_source(req)
        {
            let read = if source.version.is_some() { "s3:GetObjectVersion" } else { "s3:GetObject" };
            checks.push((read, object_arn(&source.bucket, &source.key)));
        }
        checks
    };
    under_policy(state, req, bucket, op, &keys(req, op, None), checks)
}

/// The action S3 checks for `op` acting on a version named by id.
fn version_action(op: &str) -> Option<&'static str> {
    Some(match op {
        "GetObject" | "HeadObject" => "s3:GetObjectVersion",
        "DeleteObject" => "s3:DeleteObjectVersion",
        "GetObjectTagging" => "s3:GetObjectVersionTagging",
        "PutObjectTagging" => "s3:PutObjectVersionTagging",
        "DeleteObjectTagging" => "s3:DeleteObjectVersionTagging",
        "GetObjectAttributes" => "s3:GetObjectVersionAttributes",
        "GetObjectAcl" => "s3:GetObjectVersionAcl",
        "PutObjectAcl" => "s3:PutObjectVersionAcl",
        _ => return None,
    })
}

/// Whether `req`'s caller may delete `key` of `bucket` (one key of a DeleteObjects; one
/// version of it if `version`).
pub(crate) fn may_delete(
    state: &ApiState,
    req: &S3Request,
    bucket: &str,
    key: &str,
    version: bool,
) -> Result<(), S3Error> {
    let keys = keys(req, "DeleteObject", None);
    let action = if version { "s3:DeleteObjectVersion" } else { "s3:DeleteObject" };
    under_policy(state, req, bucket, "DeleteObject", &keys, || vec![(action, object_arn(bucket, key))])
}

/// Whether `req`'s caller may bypass the governance retention of `key` in `bucket`
/// (`x-amz-bypass-governance-retention`).
pub(crate) fn may_bypass_governance(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Result<(), S3Error> {
    let keys = keys(req, "BypassGovernanceRetention", None);
    let document = state.objects.policy(bucket);
    let arn = bucket_arn(bucket);
    let policy = document.as_deref().map(|document| ResourcePolicy { arn: &arn, document });
    let (action, object) = ("s3:BypassGovernanceRetention", object_arn(bucket, key));
    squall_api::authorize::authorize_action_under(state, caller(req, &keys), "s3", action, object, policy)
        .map_err(denied)
}

/// Whether `req`'s caller may set `tags` on `key` of `bucket` (PutObjectTagging).
pub(crate) fn may_tag(
    state: &ApiState,
    req: &S3Request,
    bucket: &str,
    key: &str,
    tags: &[(String, String)],
) -> Result<(), S3Error> {
    let op = "PutObjectTagging";
    let keys = keys(req, op, Some(tags));
    let action = if req.param("versionId").is_some() { "s3:PutObjectVersionTagging" } else { "s3:PutObjectTagging" };
    under_policy(state, req, bucket, op, &keys, || vec![(action, object_arn(bucket, key))])
}

/// The checks of `op`, under `bucket`'s policy if it has one (the root may always manage
/// the policy itself, so a policy cannot lock the account out, as on S3).
fn under_policy(
    state: &ApiState,
    req: &S3Request,
    bucket: &str,
    op: &str,
    keys: &Context,
    checks: impl FnOnce() -> Vec<(&'static str, String)>,
) -> Result<(), S3Error> {
    let managing_policy = matches!(op, "PutBucketPolicy" | "GetBucketPolicy" | "DeleteBucketPolicy");
    // RestrictPublicBuckets: a public policy grants anonymous requests nothing.
    let restricted = req.anonymous && state.objects.restricts_public_policy(bucket);
    let document =
        (!bucket.is_empty() && !managing_policy && !restricted).then(|| state.objects.policy(bucket)).flatten();
    let arn = bucket_arn(bucket);
    let policy = document.as_deref().map(|document| ResourcePolicy { arn: &arn, document });
    authorize_each_under(state, caller(req, keys), "s3", op, policy, checks).map_err(denied)
}
