//! ACLs, object ownership and the public access block, as S3 runs them since 2023: a new
//! bucket has `BucketOwnerEnforced` ownership (ACLs disabled: only the owner's full
//! control, `AccessControlListNotSupported` for anything more). With `ObjectWriter` or
//! `BucketOwnerPreferred`, canned ACLs, `x-amz-grant-*` headers and AccessControlPolicy
//! documents set buckets' and objects' ACLs (`squall_objects::acl`), which grant what the
//! caller's policies do not ([`crate::access`]). The public access block's settings are
//! honoured: a public policy is refused (`BlockPublicPolicy`) or not applied to anonymous
//! requests (`RestrictPublicBuckets`); a public ACL is refused (`BlockPublicAcls`) or not
//! applied (`IgnorePublicAcls`).

use super::error::S3Error;
use super::{S3Request, owner_id, xml, xml_response};
use http::StatusCode;
use squall_objects::Objects;
use squall_objects::acl::{Acl, Grantee, Permission};
use squall_objects::public::{Ownership, PublicAccessBlock, is_public};
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

const GRANTS: [(&str, Permission); 5] = [
    ("x-amz-grant-read", Permission::Read),
    ("x-amz-grant-write", Permission::Write),
    ("x-amz-grant-read-acp", Permission::ReadAcp),
    ("x-amz-grant-write-acp", Permission::WriteAcp),
    ("x-amz-grant-full-control", Permission::FullControl),
];

/// The ACL a request's headers ask for: a canned ACL (`x-amz-acl`) or `x-amz-grant-*`
/// headers, not both; `None` when they name none.
pub(crate) fn requested(req: &S3Request) -> Result<Option<Acl>, S3Error> {
    let grants: Vec<(Permission, &str)> = GRANTS.iter().filter_map(|(h, p)| Some((*p, req.header(h)?))).collect();
    match (req.header("x-amz-acl"), grants.is_empty()) {
        (Some(_), false) => {
            Err(S3Error::invalid_request("Specifying both Canned ACLs and Header Grants is not allowed"))
        }
        (Some(canned), true) => Ok(Some(Acl::canned(canned.trim())?)),
        (None, false) => Ok(Some(Acl::of_grant_headers(&grants)?)),
        (None, true) => Ok(None),
    }
}

/// Refuses an ACL that the bucket's ownership (for CreateBucket, the one it will have)
/// or public access block does not let it have.
fn check(
    acl: Option<&Acl>,
    ownership: Option<Ownership>,
    block: Option<PublicAccessBlock>,
    creating: bool,
) -> Result<(), S3Error> {
    let Some(acl) = acl.filter(|a| a.beyond_owner()) else { return Ok(()) };
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
        _ if block.is_some_and(|b| b.block_public_acls) && acl.is_public() => Err(S3Error::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Access Denied: public ACLs are blocked by the BlockPublicAcls block public access setting",
        )),
        _ => Ok(()),
    }
}

/// The ACL a write or CreateBucket asks for, checked against the bucket's ownership and
/// public access block; `None` when it grants no more than the owner's full control.
pub(crate) fn check_request(
    req: &S3Request,
    ownership: Option<Ownership>,
    block: Option<PublicAccessBlock>,
    creating: bool,
) -> Result<Option<Acl>, S3Error> {
    let acl = requested(req)?;
    check(acl.as_ref(), ownership, block, creating)?;
    Ok(acl.filter(Acl::beyond_owner))
}

/// GetBucketAcl and GetObjectAcl: the owner, and the grants (the owner's full control when
/// none were set).
pub(super) fn get(acl: Option<Acl>) -> Reply {
    let owner = owner_id();
    let acl = acl.unwrap_or_else(Acl::owner_only);
    Ok(xml_response("AccessControlPolicy", |x| {
        x.nest("Owner", |x| {
            x.elem("ID", &owner).elem("DisplayName", "squall");
        });
        x.nest("AccessControlList", |x| {
            for g in &acl.grants {
                x.nest("Grant", |x| {
                    // The grantee's type is an attribute, which `nest` does not write.
                    let kind = if g.grantee.uri().is_some() { "Group" } else { "CanonicalUser" };
                    x.0.push_str(&format!(
                        "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"{kind}\">"
                    ));
                    match g.grantee.uri() {
                        Some(uri) => {
                            x.elem("URI", uri);
                        }
                        None => {
                            x.elem("ID", &owner).elem("DisplayName", "squall");
                        }
                    }
                    x.0.push_str("</Grantee>");
                    x.elem("Permission", g.permission.name());
                });
            }
        });
    }))
}

/// An AccessControlPolicy document's grants.
fn of_document(body: &[u8]) -> Result<Acl, S3Error> {
    let doc = xml::parse(body).filter(|d| d.name == "AccessControlPolicy").ok_or_else(S3Error::malformed_xml)?;
    let list = doc.child("AccessControlList").ok_or_else(S3Error::malformed_xml)?;
    let mut grants = Vec::new();
    for g in list.all("Grant") {
        let grantee = g.child("Grantee").ok_or_else(S3Error::malformed_xml)?;
        let permission =
            g.text_of("Permission").and_then(|p| Permission::parse(p.trim())).ok_or_else(S3Error::malformed_xml)?;
        let grantee = match (grantee.text_of("ID"), grantee.text_of("URI"), grantee.text_of("EmailAddress")) {
            (Some(id), None, None) => Grantee::of_id(id.trim())?,
            (None, Some(uri), None) => Grantee::of_uri(uri.trim())?,
            (None, None, Some(email)) => return Err(squall_objects::acl::unresolvable(email).into()),
            _ => return Err(S3Error::malformed_xml()),
        };
        grants.push(squall_objects::acl::Grant { grantee, permission });
    }
    Ok(Acl { grants })
}

/// PutBucketAcl and PutObjectAcl (`key`): a canned ACL, grant headers or an
/// AccessControlPolicy document, checked against the bucket's ownership and public access
/// block, then set.
pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: Option<&str>) -> Reply {
    let b = objects.bucket(bucket)?;
    let body = req.read_small(64 << 10).await?;
    let from_headers = requested(req)?;
    let acl = match (from_headers, body.iter().all(u8::is_ascii_whitespace)) {
        (Some(_), false) => {
            return Err(S3Error::new(
                StatusCode::BAD_REQUEST,
                "UnexpectedContent",
                "This request does not support content with ACL headers",
            ));
        }
        (Some(acl), true) => acl,
        (None, false) => of_document(&body)?,
        (None, true) => return Err(S3Error::malformed_xml()),
    };
    check(Some(&acl), b.ownership, b.public_access_block, false)?;
    match key {
        None => objects.set_bucket_acl(bucket, Some(acl)).await?,
        Some(key) => objects.set_object_acl(bucket, key, req.param("versionId"), Some(acl)).await?,
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
            n if GRANTS.iter().any(|(h, _)| *h == n) => takes_acl,
            "x-amz-object-ownership" => op == "CreateBucket",
            _ => continue,
        };
        if !allowed {
            return Err(S3Error::invalid_argument(format!("The {name} header is not accepted by {op}")));
        }
    }
    Ok(())
}
