//! PutBucketVersioning and GetBucketVersioning, and the version headers every object
//! response carries in a bucket with versioning.

use super::error::S3Error;
use super::objects::set;
use super::{S3Request, xml, xml_response};
use http::{HeaderMap, Response};
use squall_objects::record::ObjectRecord;
use squall_objects::versions::version_label;
use squall_objects::{Objects, Versioning};
use squall_runtime::Body;
use std::sync::Arc;

/// Refuses MFA delete: Squall has no MFA devices to check a code against, and accepting
/// the setting would leave versions deletable that the caller believes protected.
pub(super) fn refuse_mfa(req: &S3Request) -> Result<(), S3Error> {
    match req.header("x-amz-mfa") {
        Some(_) => Err(S3Error::not_implemented("MFA delete (the x-amz-mfa header)")),
        None => Ok(()),
    }
}

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Result<Response<Body>, S3Error> {
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "VersioningConfiguration").ok_or_else(S3Error::malformed_xml)?;
    if doc.text_of("MfaDelete").is_some_and(|m| m.trim() == "Enabled") {
        return Err(S3Error::not_implemented("MFA delete (MfaDelete Enabled)"));
    }
    if doc.text_of("MfaDelete").is_some_and(|m| m.trim() != "Disabled") {
        return Err(S3Error::malformed_xml());
    }
    let state = match doc.text_of("Status").map(str::trim) {
        Some("Enabled") => Versioning::Enabled,
        Some("Suspended") => Versioning::Suspended,
        _ => return Err(S3Error::malformed_xml()),
    };
    objects.set_versioning(bucket, state).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Result<Response<Body>, S3Error> {
    let state = objects.versioning(bucket)?;
    Ok(xml_response("VersioningConfiguration", |x| {
        if let Some(s) = state {
            x.elem("Status", s.name());
        }
    }))
}

/// `x-amz-version-id` for `record`: its id, or `null` in a bucket with versioning; none
/// in a bucket that never had it.
pub(crate) fn version_header(objects: &Objects, bucket: &str, record: &ObjectRecord, headers: &mut HeaderMap) {
    let versioned = objects.versioning(bucket).ok().flatten().is_some();
    if versioned || record.version_id.is_some() {
        set(headers, "x-amz-version-id", version_label(record));
    }
}

/// `x-amz-version-id` on the answer to a write: the new version's id; none for a `null`
/// version (written without versioning, or while it is suspended), as S3 answers.
pub(crate) fn written_version_header(record: &ObjectRecord, headers: &mut HeaderMap) {
    if let Some(id) = &record.version_id {
        set(headers, "x-amz-version-id", id);
    }
}
