//! The `x-amz-*` request headers each S3 operation honours. Any other `x-amz-*` header
//! botocore's model defines (or none does) is refused with `NotImplemented` naming it, so
//! no header is accepted without its effect: a directory bucket's append offset, a
//! website redirect, a checksum algorithm Squall does not compute.

use super::S3Request;
use super::error::S3Error;
use squall_objects::checksum::Algorithm;

/// Honoured on every request: the signature's and the body's framing; the bucket owner
/// a caller expects (checked by [`check`]); `x-amz-request-payer`, which S3 too ignores
/// for buckets that are not requester-pays (none is here); the SDKs' name of the checksum
/// they sent, which the body is checked by.
const EVERY: [&str; 9] = [
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
    "x-amz-decoded-content-length",
    "x-amz-trailer",
    "x-amz-user-agent",
    "x-amz-expected-bucket-owner",
    "x-amz-request-payer",
    "x-amz-sdk-checksum-algorithm",
];

const SSE: &str = "x-amz-server-side-encryption";
/// SSE's other headers: `-customer-*`, `-aws-kms-key-id`, `-context`, `-bucket-key-enabled`.
const SSE_MORE: &str = "x-amz-server-side-encryption-";
const SSE_C: &str = "x-amz-server-side-encryption-customer-";

/// What a write of an object takes: its metadata, ACL, class, tags, encryption and lock.
const WRITE: [&str; 8] = [
    "x-amz-meta-",
    "x-amz-acl",
    "x-amz-grant-",
    "x-amz-storage-class",
    "x-amz-tagging",
    SSE,
    SSE_MORE,
    "x-amz-object-lock-",
];

/// What `op` takes besides [`EVERY`]: names, or prefixes ending in `-`, in two lists.
fn takes(op: &str) -> [&'static [&'static str]; 2] {
    let only = |list: &'static [&'static str]| [list, &[][..]];
    match op {
        "PutObject" => only(&WRITE),
        "CopyObject" => [
            &WRITE,
            &[
                "x-amz-copy-source",
                "x-amz-copy-source-",
                "x-amz-metadata-directive",
                "x-amz-tagging-directive",
                "x-amz-checksum-algorithm",
                "x-amz-source-expected-bucket-owner",
            ],
        ],
        "CreateMultipartUpload" => [&WRITE, &["x-amz-checksum-algorithm", "x-amz-checksum-type"]],
        "UploadPart" => only(&[SSE_C]),
        "UploadPartCopy" => {
            only(&["x-amz-copy-source", "x-amz-copy-source-", SSE_C, "x-amz-source-expected-bucket-owner"])
        }
        "CompleteMultipartUpload" => only(&["x-amz-checksum-type", "x-amz-mp-object-size", SSE_C]),
        "GetObject" | "HeadObject" => only(&[SSE_C, "x-amz-checksum-mode"]),
        "GetObjectAttributes" => {
            only(&["x-amz-object-attributes", "x-amz-max-parts", "x-amz-part-number-marker", SSE_C])
        }
        "DeleteObject" | "DeleteObjects" | "PutObjectRetention" => only(&["x-amz-bypass-governance-retention"]),
        "CreateBucket" => {
            only(&["x-amz-acl", "x-amz-grant-", "x-amz-bucket-object-lock-enabled", "x-amz-object-ownership"])
        }
        "PutBucketAcl" | "PutObjectAcl" => only(&["x-amz-acl", "x-amz-grant-"]),
        // RestoreStatus: listings add it for restored copies.
        "ListObjects" | "ListObjectsV2" | "ListObjectVersions" => only(&["x-amz-optional-object-attributes"]),
        "PutBucketLifecycleConfiguration" => only(&["x-amz-transition-default-minimum-object-size"]),
        // The root may always change a bucket's policy here: the confirmation is moot.
        "PutBucketPolicy" => only(&["x-amz-confirm-remove-self-bucket-access"]),
        _ => only(&[]),
    }
}

/// Whether `op` takes header `name`.
fn taken(op: &str, name: &str) -> bool {
    takes(op).iter().any(|list| listed(list, name))
}

fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|t| if t.ends_with('-') { name.starts_with(t) } else { name == *t })
}

/// Whether `op` reads a checksum of its body from `x-amz-checksum-<algorithm>` (the
/// object writes, and the operations whose XML documents `S3Request::read_small` checks).
fn checks_body_checksum(op: &str) -> bool {
    !matches!(
        op,
        "GetObject"
            | "HeadObject"
            | "HeadBucket"
            | "ListBuckets"
            | "ListObjects"
            | "ListObjectsV2"
            | "ListObjectVersions"
            | "ListParts"
            | "ListMultipartUploads"
            | "DeleteObject"
            | "DeleteBucket"
            | "CopyObject"
            | "UploadPartCopy"
            | "CreateMultipartUpload"
            | "AbortMultipartUpload"
            | "GetObjectAttributes"
    ) && !op.starts_with("Get")
}

/// Refuses the `x-amz-*` headers `op` does not honour, and a request whose expected
/// bucket owner (or copy source's) is not this installation's account.
pub(crate) fn check(req: &S3Request, op: &str) -> Result<(), S3Error> {
    for name in req.parts.headers.keys().map(http::HeaderName::as_str).filter(|n| n.starts_with("x-amz-")) {
        if let Some(algorithm) = name.strip_prefix("x-amz-checksum-")
            && !matches!(algorithm, "mode" | "type" | "algorithm")
        {
            match Algorithm::ALL.iter().any(|a| a.header() == name) {
                true if checks_body_checksum(op) => continue,
                true => {}
                false => {
                    return Err(S3Error::not_implemented(&format!(
                        "the {name} checksum (Squall computes CRC32, CRC32C, CRC64NVME, SHA1 and SHA256)"
                    )));
                }
            }
        }
        if !listed(&EVERY, name) && !taken(op, name) {
            return Err(S3Error::not_implemented(&format!("the {name} header on {op}")));
        }
    }
    for header in ["x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"] {
        if req.header(header).is_some_and(|owner| owner.trim() != squall_types::ACCOUNT_ID) {
            return Err(S3Error::new(
                http::StatusCode::FORBIDDEN,
                "AccessDenied",
                format!("Access Denied: {header} is not the account that owns the bucket"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_names_match_as_meant() {
        assert!(taken("PutObject", "x-amz-meta-color"));
        assert!(taken("PutObject", "x-amz-server-side-encryption-customer-key"));
        assert!(taken("PutObject", "x-amz-server-side-encryption"));
        assert!(!taken("PutObject", "x-amz-website-redirect-location"));
        assert!(!taken("PutObject", "x-amz-write-offset-bytes"));
        assert!(taken("CopyObject", "x-amz-copy-source-if-match") && taken("CopyObject", "x-amz-meta-a"));
        assert!(!taken("GetObject", "x-amz-storage-class"));
        assert!(!taken("PutObject", "x-amz-tagging-directive"));
        assert!(!listed(&EVERY, "x-amz-date-extra"));
        assert!(checks_body_checksum("PutBucketTagging") && checks_body_checksum("DeleteObjects"));
        assert!(!checks_body_checksum("GetBucketTagging") && !checks_body_checksum("GetObject"));
    }
}
