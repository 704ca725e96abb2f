//! Put/Get/DeleteBucketLifecycleConfiguration: the rules' XML, checked as S3 checks it
//! and handed to the objects service, whose worker applies them. Transitions change a
//! version's storage class; those to the archive classes are refused by name, as the
//! classes are.

use super::error::S3Error;
use super::xml::{self, Element};
use super::{S3Request, no_content};
use http::HeaderValue;
use squall_objects::Objects;
use squall_objects::expiry::{Lifecycle, LifecycleRule, NoncurrentTransition, RuleFilter, Transition};
use squall_objects::storage_class::StorageClass;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

/// S3's limit on rules per configuration.
const MAX_RULES: usize = 1000;

fn positive(el: &Element, name: &str, what: &str) -> Result<Option<u32>, S3Error> {
    match el.text_of(name) {
        None => Ok(None),
        Some(v) => {
            v.trim().parse::<u32>().ok().filter(|n| *n > 0).map(Some).ok_or_else(|| {
                S3Error::invalid_argument(format!("'{name}' for {what} action must be a positive integer"))
            })
        }
    }
}

fn size(el: &Element, name: &str) -> Result<Option<u64>, S3Error> {
    el.text_of(name).map(|v| v.trim().parse::<u64>().map_err(|_| S3Error::malformed_xml())).transpose()
}

fn tag(el: &Element) -> Result<(String, String), S3Error> {
    let key = el.text_of("Key").ok_or_else(S3Error::malformed_xml)?;
    Ok((key.to_string(), el.text_of("Value").unwrap_or("").to_string()))
}

/// A rule's filter: `Filter` (a prefix, a tag, sizes, or `And` of them) or the older
/// top-level `Prefix`.
fn filter(rule: &Element) -> Result<RuleFilter, S3Error> {
    let Some(f) = rule.child("Filter") else {
        return Ok(RuleFilter { prefix: rule.text_of("Prefix").unwrap_or("").to_string(), ..Default::default() });
    };
    if rule.child("Prefix").is_some() {
        return Err(S3Error::malformed_xml());
    }
    // One condition, or several under `And` with nothing beside it (S3 refuses the rest).
    let conditions = f.children.iter().filter(|c| c.name != "And").count();
    let and = f.child("And");
    if (and.is_some() && !f.children.iter().all(|c| c.name == "And")) || (and.is_none() && conditions > 1) {
        return Err(S3Error::malformed_xml());
    }
    let within = and.unwrap_or(f);
    Ok(RuleFilter {
        prefix: within.text_of("Prefix").unwrap_or("").to_string(),
        tags: within.all("Tag").map(tag).collect::<Result<_, _>>()?,
        size_greater: size(within, "ObjectSizeGreaterThan")?,
        size_less: size(within, "ObjectSizeLessThan")?,
    })
}

/// A transition's `Days` or `NoncurrentDays`: zero or more.
fn days(el: &Element, name: &str, what: &str) -> Result<Option<u32>, S3Error> {
    el.text_of(name)
        .map(|v| {
            v.trim().parse::<u32>().map_err(|_| {
                S3Error::invalid_argument(format!("'{name}' for {what} action must be a non-negative integer"))
            })
        })
        .transpose()
}

/// A transition's `StorageClass`, and its least number of days.
fn transition_class(el: &Element, what: &str, days: Option<u32>) -> Result<StorageClass, S3Error> {
    let class = StorageClass::parse(el.text_of("StorageClass").ok_or_else(S3Error::malformed_xml)?.trim())?;
    if class.is_standard() {
        return Err(S3Error::invalid_argument(format!("{what} to STANDARD is not allowed")));
    }
    let least = class.min_transition_days();
    if days.is_some_and(|d| d < least) {
        return Err(S3Error::invalid_argument(format!(
            "'Days' in {what} action must be greater than or equal to {least} for storageClass '{}'",
            class.as_str()
        )));
    }
    Ok(class)
}

fn transitions(r: &Element) -> Result<(Vec<Transition>, Vec<NoncurrentTransition>), S3Error> {
    let mut current = Vec::new();
    for t in r.all("Transition") {
        let days = days(t, "Days", "Transition")?;
        let date_ms = t.text_of("Date").map(midnight).transpose()?;
        if days.is_some() == date_ms.is_some() {
            return Err(S3Error::malformed_xml());
        }
        current.push(Transition { days, date_ms, class: transition_class(t, "Transition", days)? });
    }
    let mut noncurrent = Vec::new();
    for t in r.all("NoncurrentVersionTransition") {
        let days = days(t, "NoncurrentDays", "NoncurrentVersionTransition")?.ok_or_else(S3Error::malformed_xml)?;
        let newer = positive(t, "NewerNoncurrentVersions", "NoncurrentVersionTransition")?;
        let class = transition_class(t, "NoncurrentVersionTransition", Some(days))?;
        noncurrent.push(NoncurrentTransition { days, newer, class });
    }
    let classes: Vec<StorageClass> = current.iter().map(|t| t.class).collect();
    if classes.iter().enumerate().any(|(i, c)| classes[..i].contains(c)) {
        return Err(S3Error::invalid_argument(
            "'StorageClass' must be different for 'Transition' actions in the same rule",
        ));
    }
    Ok((current, noncurrent))
}

fn rule(r: &Element) -> Result<LifecycleRule, S3Error> {
    let enabled = match r.text_of("Status").map(str::trim) {
        Some("Enabled") => true,
        Some("Disabled") => false,
        _ => return Err(S3Error::malformed_xml()),
    };
    let (transitions, noncurrent_transitions) = transitions(r)?;
    let mut out = LifecycleRule {
        id: r.text_of("ID").map(str::to_string),
        enabled,
        filter: filter(r)?,
        transitions,
        noncurrent_transitions,
        ..Default::default()
    };
    if let Some(e) = r.child("Expiration") {
        out.expire_days = positive(e, "Days", "Expiration")?;
        out.expire_date_ms = e.text_of("Date").map(midnight).transpose()?;
        out.expired_delete_marker = e.text_of("ExpiredObjectDeleteMarker").is_some_and(|v| v.trim() == "true");
        let given = [out.expire_days.is_some(), out.expire_date_ms.is_some(), out.expired_delete_marker];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(S3Error::malformed_xml());
        }
        if out.expired_delete_marker && !out.filter.tags.is_empty() {
            return Err(S3Error::invalid_argument("ExpiredObjectDeleteMarker cannot be specified with object tags"));
        }
    }
    if let Some(n) = r.child("NoncurrentVersionExpiration") {
        out.noncurrent_days = positive(n, "NoncurrentDays", "NoncurrentVersionExpiration")?;
        out.newer_noncurrent = positive(n, "NewerNoncurrentVersions", "NoncurrentVersionExpiration")?;
        if out.noncurrent_days.is_none() {
            return Err(S3Error::malformed_xml());
        }
    }
    if let Some(a) = r.child("AbortIncompleteMultipartUpload") {
        out.abort_upload_days = positive(a, "DaysAfterInitiation", "AbortIncompleteMultipartUpload")?;
        if out.abort_upload_days.is_none() {
            return Err(S3Error::malformed_xml());
        }
        // An upload has no tags or size yet: such a filter could not apply to it.
        if !out.filter.tags.is_empty() || out.filter.size_greater.is_some() || out.filter.size_less.is_some() {
            return Err(S3Error::invalid_argument(
                "AbortIncompleteMultipartUpload cannot be specified with object tags or object sizes",
            ));
        }
    }
    // S3's order: a rule expires objects after it moves them.
    if let Some(days) = out.expire_days
        && out.transitions.iter().any(|t| t.days.is_some_and(|t| t >= days))
    {
        return Err(S3Error::invalid_argument(
            "'Days' in the Expiration action must be greater than 'Days' in the Transition action",
        ));
    }
    let acts = out.expire_days.is_some()
        || out.expire_date_ms.is_some()
        || out.expired_delete_marker
        || out.noncurrent_days.is_some()
        || out.abort_upload_days.is_some()
        || !out.transitions.is_empty()
        || !out.noncurrent_transitions.is_empty();
    if !acts {
        return Err(S3Error::invalid_request("At least one action needs to be specified in a rule"));
    }
    Ok(out)
}

const MIN_SIZE: &str = "x-amz-transition-default-minimum-object-size";

/// Which objects too small transitions skip: S3's two settings, which for the classes
/// served here mean the same (objects under 128 KiB stay unless a rule filters by size).
fn min_transition_size(req: &S3Request) -> Result<Option<String>, S3Error> {
    match req.header(MIN_SIZE) {
        None => Ok(None),
        Some(v @ ("all_storage_classes_128K" | "varies_by_storage_class")) => Ok(Some(v.to_string())),
        Some(other) => Err(S3Error::invalid_argument(format!("Invalid {MIN_SIZE} value: {other}"))),
    }
}

/// The setting in force, as S3 reports it on Put and Get.
fn report_min_size(given: Option<&str>, r: &mut http::Response<Body>) {
    let v = given.unwrap_or("all_storage_classes_128K");
    r.headers_mut().insert(MIN_SIZE, HeaderValue::from_str(v).expect("a header value"));
}

/// An expiration date, which S3 takes only at midnight UTC; Unix milliseconds.
fn midnight(s: &str) -> Result<i64, S3Error> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| S3Error::invalid_argument(format!("'Date' is not a valid ISO 8601 date: {s}")))?;
    let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64;
    if ms % 86_400_000 != 0 {
        return Err(S3Error::invalid_argument("'Date' must be at midnight GMT"));
    }
    Ok(ms)
}

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(512 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "LifecycleConfiguration").ok_or_else(S3Error::malformed_xml)?;
    let rules = doc.all("Rule").map(rule).collect::<Result<Vec<_>, _>>()?;
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(S3Error::malformed_xml());
    }
    let ids: Vec<&str> = rules.iter().filter_map(|r| r.id.as_deref()).collect();
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        return Err(S3Error::invalid_argument("Rule ID must be unique. Found same ID for more than one rule"));
    }
    let document = String::from_utf8_lossy(&body).into_owned();
    let min_transition_size = min_transition_size(req)?;
    let mut r = http::Response::new(crate::body::empty());
    report_min_size(min_transition_size.as_deref(), &mut r);
    objects.set_lifecycle(bucket, Some(Lifecycle { document, rules, min_transition_size })).await?;
    Ok(r)
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let Some(lifecycle) = objects.bucket(bucket)?.lifecycle else {
        return Err(S3Error::unset(
            "NoSuchLifecycleConfiguration",
            "The lifecycle configuration does not exist",
            bucket,
        ));
    };
    // The document as it was given: S3 answers its rules as they were set.
    let mut r = http::Response::new(crate::body::full(lifecycle.document));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    report_min_size(lifecycle.min_transition_size.as_deref(), &mut r);
    Ok(r)
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_lifecycle(bucket, None).await?;
    Ok(no_content())
}
