//! Object lock: the bucket's configuration (Get/PutObjectLockConfiguration), a version's
//! retention and legal hold (Get/PutObjectRetention, Get/PutObjectLegalHold), the
//! `x-amz-object-lock-*` headers of writes and of GET/HEAD answers, and
//! `x-amz-bypass-governance-retention`, honoured only for a caller allowed
//! `s3:BypassGovernanceRetention`.

use super::error::S3Error;
use super::objects::set;
use super::{S3Request, xml, xml_response};
use http::{HeaderMap, StatusCode};
use squall_api::ApiState;
use squall_objects::Objects;
use squall_objects::lock::{DefaultRetention, LockConfig, LockMode, Retention, VersionLock};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

const MODE: &str = "x-amz-object-lock-mode";
const UNTIL: &str = "x-amz-object-lock-retain-until-date";
const HOLD: &str = "x-amz-object-lock-legal-hold";
const BYPASS: &str = "x-amz-bypass-governance-retention";

fn date(s: &str) -> Result<i64, S3Error> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| S3Error::invalid_argument(format!("The retain until date is not a valid ISO 8601 date: {s}")))
}

fn mode(s: &str) -> Result<LockMode, S3Error> {
    LockMode::parse(s.trim()).ok_or_else(|| S3Error::invalid_argument(format!("Unknown object lock mode: {s}")))
}

/// The lock a write (PutObject, CopyObject, CreateMultipartUpload) asks for.
pub(crate) fn asked(req: &S3Request) -> Result<Option<VersionLock>, S3Error> {
    let retention = match (req.header(MODE), req.header(UNTIL)) {
        (None, None) => None,
        (Some(m), Some(d)) => Some(Retention { mode: mode(m)?, until_ms: date(d)? }),
        _ => {
            return Err(S3Error::invalid_argument(
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
            ));
        }
    };
    let legal_hold = match req.header(HOLD) {
        None | Some("OFF") => false,
        Some("ON") => true,
        Some(other) => return Err(S3Error::invalid_argument(format!("Unknown legal hold status: {other}"))),
    };
    Ok((retention.is_some() || req.header(HOLD).is_some()).then_some(VersionLock { retention, legal_hold }))
}

/// The lock headers of a GET or HEAD answer.
pub(crate) fn report(lock: Option<&VersionLock>, headers: &mut HeaderMap) {
    let Some(lock) = lock else { return };
    if let Some(r) = lock.retention {
        set(headers, MODE, r.mode.name());
        set(headers, UNTIL, &format_iso8601_millis_z(r.until_ms as u64));
    }
    set(headers, HOLD, if lock.legal_hold { "ON" } else { "OFF" });
}

/// Refuses object-lock headers on operations that do not take them.
pub(crate) fn check_allowed(req: &S3Request, op: &str) -> Result<(), S3Error> {
    for name in req.parts.headers.keys().map(http::HeaderName::as_str) {
        let allowed = if name.starts_with("x-amz-object-lock-") {
            matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload")
        } else if name == "x-amz-bucket-object-lock-enabled" {
            op == "CreateBucket"
        } else if name == "x-amz-bucket-object-lock-token" {
            // The token of S3's old way of enabling object lock on a bucket, through
            // support: Squall has no tokens to check it against.
            false
        } else if name == BYPASS {
            matches!(op, "DeleteObject" | "DeleteObjects" | "PutObjectRetention")
        } else {
            continue;
        };
        if !allowed {
            return Err(S3Error::invalid_argument(format!("The {name} header is not accepted by {op}")));
        }
    }
    Ok(())
}

/// Whether the request asks to bypass governance retention, and may: asking without
/// `s3:BypassGovernanceRetention` on the object is refused.
pub(crate) fn bypass(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Result<bool, S3Error> {
    if !req.header(BYPASS).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(false);
    }
    crate::access::may_bypass_governance(state, req, bucket, key)?;
    Ok(true)
}

pub(super) async fn put_config(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "ObjectLockConfiguration").ok_or_else(S3Error::malformed_xml)?;
    if doc.text_of("ObjectLockEnabled").map(str::trim) != Some("Enabled") {
        return Err(S3Error::malformed_xml());
    }
    let default = match doc.child("Rule") {
        None => None,
        Some(rule) => {
            let d = rule.child("DefaultRetention").ok_or_else(S3Error::malformed_xml)?;
            let mode = mode(d.text_of("Mode").ok_or_else(S3Error::malformed_xml)?)?;
            let number = |n: &str| n.trim().parse::<u32>().ok().filter(|n| *n > 0);
            let positive = || S3Error::invalid_argument("Default retention period must be a positive integer value");
            match (d.text_of("Days"), d.text_of("Years")) {
                (Some(days), None) => {
                    Some(DefaultRetention { mode, days: number(days).ok_or_else(positive)?, in_years: false })
                }
                (None, Some(years)) => {
                    let years = number(years).ok_or_else(positive)?;
                    Some(DefaultRetention { mode, days: years.saturating_mul(365), in_years: true })
                }
                _ => return Err(S3Error::malformed_xml()),
            }
        }
    };
    objects.set_lock_config(bucket, LockConfig { default }).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get_config(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(config) = objects.bucket(bucket)?.object_lock else {
        return Err(S3Error::unset(
            "ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket",
            bucket,
        ));
    };
    Ok(xml_response("ObjectLockConfiguration", |x| {
        x.elem("ObjectLockEnabled", "Enabled");
        if let Some(d) = config.default {
            x.nest("Rule", |x| {
                x.nest("DefaultRetention", |x| {
                    x.elem("Mode", d.mode.name());
                    match d.in_years {
                        true => x.elem("Years", &(d.days / 365).to_string()),
                        false => x.elem("Days", &d.days.to_string()),
                    };
                });
            });
        }
    }))
}

fn no_lock() -> S3Error {
    S3Error::new(
        StatusCode::NOT_FOUND,
        "NoSuchObjectLockConfiguration",
        "The specified object does not have a ObjectLock configuration",
    )
}

pub(super) async fn put_retention(state: &ApiState, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let bypass = bypass(state, req, bucket, key)?;
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "Retention").ok_or_else(S3Error::malformed_xml)?;
    let retention = match (doc.text_of("Mode"), doc.text_of("RetainUntilDate")) {
        (None, None) => None,
        (Some(m), Some(d)) => Some(Retention { mode: mode(m)?, until_ms: date(d)? }),
        _ => return Err(S3Error::malformed_xml()),
    };
    state.objects.set_retention(bucket, key, req.param("versionId"), retention, bypass).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) async fn get_retention(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let record = objects.lock_of(bucket, key, req.param("versionId")).await?;
    let r = record.lock.and_then(|l| l.retention).ok_or_else(no_lock)?;
    Ok(xml_response("Retention", |x| {
        x.elem("Mode", r.mode.name()).elem("RetainUntilDate", &format_iso8601_millis_z(r.until_ms as u64));
    }))
}

pub(super) async fn put_legal_hold(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "LegalHold").ok_or_else(S3Error::malformed_xml)?;
    let on = match doc.text_of("Status").map(str::trim) {
        Some("ON") => true,
        Some("OFF") => false,
        _ => return Err(S3Error::malformed_xml()),
    };
    objects.set_legal_hold(bucket, key, req.param("versionId"), on).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) async fn get_legal_hold(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let record = objects.lock_of(bucket, key, req.param("versionId")).await?;
    let lock = record.lock.ok_or_else(no_lock)?;
    Ok(xml_response("LegalHold", |x| {
        x.elem("Status", if lock.legal_hold { "ON" } else { "OFF" });
    }))
}
