//! RestoreObject (`POST /<bucket>/<key>?restore`): a readable copy of an archived object
//! (GLACIER, DEEP_ARCHIVE) for `Days`, at once whatever the `Tier`; 202 for a new
//! restore, 200 when a copy was there (its days start again). Restores of other kinds
//! (SELECT, an `OutputLocation`) are refused by name. GET and HEAD report a copy in force
//! as `x-amz-restore`.

use super::error::S3Error;
use super::objects::set;
use super::{S3Request, xml};
use squall_objects::Objects;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn restore(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let body = req.read_small(64 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "RestoreRequest").ok_or_else(S3Error::malformed_xml)?;
    for refused in ["Type", "SelectParameters", "OutputLocation", "Description"] {
        if doc.child(refused).is_some() {
            return Err(S3Error::not_implemented(&format!(
                "RestoreRequest's {refused} (only restores of archived objects are served)"
            )));
        }
    }
    let days = doc
        .text_of("Days")
        .and_then(|d| d.trim().parse::<u32>().ok())
        .filter(|d| *d > 0)
        .ok_or_else(S3Error::malformed_xml)?;
    let tier = doc.child("GlacierJobParameters").and_then(|g| g.text_of("Tier")).or(doc.text_of("Tier"));
    if tier.is_some_and(|t| !matches!(t.trim(), "Standard" | "Bulk" | "Expedited")) {
        return Err(S3Error::malformed_xml());
    }
    let (_, already) = objects.restore_object(bucket, key, req.param("versionId"), days, &req.requester).await?;
    let mut r = http::Response::new(crate::body::empty());
    *r.status_mut() = if already { http::StatusCode::OK } else { http::StatusCode::ACCEPTED };
    Ok(r)
}

/// Whether a listing asks for restore statuses (`x-amz-optional-object-attributes`).
pub(crate) fn wants_status(req: &S3Request) -> bool {
    req.header("x-amz-optional-object-attributes").is_some_and(|a| a.split(',').any(|a| a.trim() == "RestoreStatus"))
}

/// A listing's `RestoreStatus` of a version with a restored copy in force.
pub(crate) fn status(objects: &Objects, record: &squall_objects::record::ObjectRecord, x: &mut squall_api::query::Xml) {
    if let Some(until) = objects.restored_until(record) {
        x.nest("RestoreStatus", |x| {
            x.elem("IsRestoreInProgress", "false")
                .elem("RestoreExpiryDate", &squall_types::format_iso8601_millis_z(until as u64));
        });
    }
}

/// `x-amz-restore` for an object with a restored copy in force.
pub(crate) fn report(objects: &Objects, record: &squall_objects::record::ObjectRecord, headers: &mut http::HeaderMap) {
    if let Some(until) = objects.restored_until(record) {
        let date = super::dates::http_date(until);
        set(headers, "x-amz-restore", &format!("ongoing-request=\"false\", expiry-date=\"{date}\""));
    }
}
