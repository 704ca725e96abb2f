//! ACLs, object ownership and the public access block, as S3 runs them since 2023: a new
//! bucket has `BucketOwnerEnforced` ownership (ACLs disabled), and with one account per
//! installation its owner owns every object, with FULL_CONTROL. An ACL that says that
//! (`private`, `bucket-owner-full-control`, the owner's own grant) is what every bucket
//! and object has; any other is refused, with S3's `AccessControlListNotSupported` where
//! ACLs are disabled, else by name, since Squall grants access by bucket policy and IAM
//! only. The public access block's settings are honoured: a public policy is refused
//! (`BlockPublicPolicy`) or not applied to anonymous requests (`RestrictPublicBuckets`);
//! public ACLs never take effect.

use super::error::S3Error;
use super::{S3Request, owner_id, xml, xml_response};
use http::StatusCode;
use squall_objects::Objects;
use squall_objects::public::{Ownership, PublicAccessBlock, is_public};
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

const GRANTS: [&str; 5] = [
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
];

/// Canned ACLs that grant no one but the owner (who owns every bucket and object here).
const OWNER_ONLY: [&str; 3] = ["private", "bucket-owner-full-control", "bucket-owner-read"];

/// Canned ACLs that would open a bucket or object to others.
const PUBLIC: [&str; 3] = ["public-read", "public-read-write", "authenticated-read"];

/// The owner's own full-control grant, as `x-amz-grant-full-control` names it.
fn is_owner_grant(value: &str) -> bool {
    let owner = owner_id();
    value
        .split(',')
        .map(str::trim)
        .all(|g| g.trim_matches('"') == format!("id={owner}") || g == format!("id=\"{owner}\""))
}

/// What an ACL asks for beyond the owner's full control, if anything.
fn beyond_owner(req: &S3Request) -> Option<String> {
    if let Some(acl) = req.header("x-amz-acl").filter(|a| !OWNER_ONLY.contains(a)) {
        return Some(format!("the canned ACL {acl}"));
    }
    GRANTS.iter().find_map(|g| {
        let v = req.header(g)?;
        (*g != "x-amz-grant-full-control" || !is_owner_grant(v)).then(|| format!("the {g} header"))
    })
}

/// Refuses an ACL a write or CreateBucket asks for, unless it grants no more than every
/// object here has: `ownership` is the bucket's (for CreateBucket, the one it will have).
pub(crate) fn check_request(
    req: &S3Request,
    ownership: Option<Ownership>,
    block: Option<PublicAccessBlock>,
    creating: bool,
) -> Result<(), S3Error> {
    let Some(what) = beyond_owner(req) else { return Ok(()) };
    refuse(&what, req.header("x-amz-acl"), ownership, block, creating)
}

fn refuse(
    what: &str,
    canned: Option<&str>,
    ownership: Option<Ownership>,
    block: Option<PublicAccessBlock>,
    creating: bool,
) -> Result<(), S3Error> {
    match ownership {
        Some(Ownership::BucketOwnerEnforced) if creating => Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketAclWithObjectOwnership",
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )),
        Some(Ownership::BucketOwnerEnforced) => Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "AccessControlListNotSupported",
            "The bucket does not allow ACLs",
        )),
        _ if block.is_some_and(|b| b.block_public_acls) && canned.is_some_and(|c| PUBLIC.contains(&c)) => {
            Err(S3Error::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Access Denied: public ACLs are blocked by the BlockPublicAcls block public access setting",
            ))
        }
        _ => Err(S3Error::not_implemented(&format!("{what} (Squall grants access by bucket policy and IAM only)"))),
    }
}

/// The ACL every bucket and object has: its owner, with full control.
pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.bucket(bucket)?;
    let owner = owner_id();
    Ok(xml_response("AccessControlPolicy", |x| {
        x.nest("Owner", |x| {
            x.elem("ID", &owner).elem("DisplayName", "squall");
        });
        x.nest("AccessControlList", |x| {
            x.nest("Grant", |x| {
                // The grantee's type is an attribute, which `nest` does not write.
                x.0.push_str(
                    "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">",
                );
                x.elem("ID", &owner).elem("DisplayName", "squall");
                x.0.push_str("</Grantee>");
                x.elem("Permission", "FULL_CONTROL");
            });
        });
    }))
}

/// PutBucketAcl and PutObjectAcl: a canned ACL, grant headers or an AccessControlPolicy,
/// accepted when it is what the bucket or object has.
pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let b = objects.bucket(bucket)?;
    let body = req.read_small(64 << 10).await?;
    let what = match beyond_owner(req) {
        Some(what) => Some(what),
        None if body.iter().all(u8::is_ascii_whitespace) => None,
        None => {
            let doc =
                xml::parse(&body).filter(|d| d.name == "AccessControlPolicy").ok_or_else(S3Error::malformed_xml)?;
            let list = doc.child("AccessControlList").ok_or_else(S3Error::malformed_xml)?;
            let owner = owner_id();
            let grants: Vec<(Option<&str>, Option<&str>)> = list
                .all("Grant")
                .map(|g| (g.child("Grantee").and_then(|e| e.text_of("ID")), g.text_of("Permission")))
                .collect();
            let only_owner = grants.iter().all(|(id, p)| *id == Some(owner.as_str()) && *p == Some("FULL_CONTROL"));
            (!only_owner || grants.is_empty()).then(|| "an AccessControlPolicy granting others".to_string())
        }
    };
    if let Some(what) = what {
        refuse(&what, req.header("x-amz-acl"), b.ownership, b.public_access_block, false)?;
    }
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get_ownership(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(ownership) = objects.bucket(bucket)?.ownership else {
        return Err(S3Error::unset(
            "OwnershipControlsNotFoundError",
            "The bucket ownership controls were not found",
            bucket,
        ));
    };
    Ok(xml_response("OwnershipControls", |x| {
        x.nest("Rule", |x| {
            x.elem("ObjectOwnership", ownership.name());
        });
    }))
}

pub(super) async fn put_ownership(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "OwnershipControls").ok_or_else(S3Error::malformed_xml)?;
    let rules: Vec<_> = doc.all("Rule").collect();
    let [rule] = rules.as_slice() else { return Err(S3Error::malformed_xml()) };
    let ownership =
        rule.text_of("ObjectOwnership").and_then(|o| Ownership::parse(o.trim())).ok_or_else(S3Error::malformed_xml)?;
    objects.set_ownership(bucket, Some(ownership)).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) async fn delete_ownership(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_ownership(bucket, None).await?;
    Ok(super::no_content())
}

pub(super) fn get_public_access_block(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(p) = objects.bucket(bucket)?.public_access_block else {
        return Err(S3Error::unset(
            "NoSuchPublicAccessBlockConfiguration",
            "The public access block configuration was not found",
            bucket,
        ));
    };
    let flag = |b: bool| if b { "true" } else { "false" };
    Ok(xml_response("PublicAccessBlockConfiguration", |x| {
        x.elem("BlockPublicAcls", flag(p.block_public_acls))
            .elem("IgnorePublicAcls", flag(p.ignore_public_acls))
            .elem("BlockPublicPolicy", flag(p.block_public_policy))
            .elem("RestrictPublicBuckets", flag(p.restrict_public_buckets));
    }))
}

pub(super) async fn put_public_access_block(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc =
        xml::parse(&body).filter(|d| d.name == "PublicAccessBlockConfiguration").ok_or_else(S3Error::malformed_xml)?;
    let flag = |name: &str| match doc.text_of(name).map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(S3Error::malformed_xml()),
    };
    let block = PublicAccessBlock {
        block_public_acls: flag("BlockPublicAcls")?,
        ignore_public_acls: flag("IgnorePublicAcls")?,
        block_public_policy: flag("BlockPublicPolicy")?,
        restrict_public_buckets: flag("RestrictPublicBuckets")?,
    };
    objects.set_public_access_block(bucket, Some(block)).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) async fn delete_public_access_block(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_public_access_block(bucket, None).await?;
    Ok(super::no_content())
}

/// GetBucketPolicyStatus: whether the bucket's policy is public.
pub(super) fn policy_status(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let policy = objects
        .bucket(bucket)?
        .policy
        .ok_or_else(|| S3Error::from(squall_objects::Error::NoSuchBucketPolicy(bucket.into())))?;
    Ok(xml_response("PolicyStatus", |x| {
        x.elem("IsPublic", if is_public(&policy) { "true" } else { "false" });
    }))
}

/// Refuses ACL and ownership headers on operations that do not take them.
pub(crate) fn check_allowed(req: &S3Request, op: &str) -> Result<(), S3Error> {
    let takes_acl = matches!(
        op,
        "CreateBucket" | "PutObject" | "CopyObject" | "CreateMultipartUpload" | "PutBucketAcl" | "PutObjectAcl"
    );
    for name in req.parts.headers.keys().map(http::HeaderName::as_str) {
        let allowed = match name {
            "x-amz-acl" => takes_acl,
            n if GRANTS.contains(&n) => takes_acl,
            "x-amz-object-ownership" => op == "CreateBucket",
            _ => continue,
        };
        if !allowed {
            return Err(S3Error::invalid_argument(format!("The {name} header is not accepted by {op}")));
        }
    }
    Ok(())
}
