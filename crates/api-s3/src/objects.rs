//! Object operations: PutObject, GetObject/HeadObject, DeleteObject, DeleteObjects,
//! CopyObject and object tagging.

use super::dates::{http_date, parse_date};
use super::error::S3Error;
use super::versioning::{version_header, written_version_header};
use super::{S3Request, no_content, xml, xml_response};
use crate::body::empty;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::TryStreamExt;
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use squall_api::ApiState;
use squall_objects::checksum::Algorithm;
use squall_objects::conditions::{ByteRange, Conditions};
use squall_objects::record::{ObjectMeta, ObjectRecord, STORED_HEADERS};
use squall_objects::storage_class::StorageClass;
use squall_objects::{CopyObject, Deleted, Expected, Objects, PutObject};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

/// The largest object a single PUT may write (S3's limit).
const MAX_PUT: u64 = 5 << 30;

pub(super) fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
        headers.insert(n, v);
    }
}

/// Content type, stored headers and `x-amz-meta-*` of a write.
pub(super) fn meta_of(req: &S3Request) -> ObjectMeta {
    let mut meta = ObjectMeta { content_type: req.header("content-type").map(str::to_string), ..Default::default() };
    for name in STORED_HEADERS {
        if let Some(v) = req.header(name) {
            // `aws-chunked` describes the request's framing, not the object.
            let v = if name == "content-encoding" {
                v.split(',')
                    .map(str::trim)
                    .filter(|e| !e.eq_ignore_ascii_case("aws-chunked"))
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                v.to_string()
            };
            if !v.is_empty() {
                meta.headers.insert(name.to_string(), v);
            }
        }
    }
    for (name, value) in &req.parts.headers {
        if let Some(user) = name.as_str().strip_prefix("x-amz-meta-") {
            meta.user.insert(user.to_string(), crate::auth::header_text(value).into_owned());
        }
    }
    meta
}

/// Tags from `x-amz-tagging` (a query string) or a Tagging document's pairs.
pub(super) fn tags_of_query(s: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(s.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The checksum a write asks for and the value it sent up front, from
/// `x-amz-checksum-<alg>`, `x-amz-trailer` or `x-amz-sdk-checksum-algorithm`.
pub(super) fn checksum_of(req: &S3Request) -> Result<(Option<Algorithm>, Option<String>), S3Error> {
    for a in Algorithm::ALL {
        if let Some(v) = req.header(&a.header()) {
            return Ok((Some(a), Some(v.to_string())));
        }
    }
    if let Some(trailer) = req.header("x-amz-trailer") {
        let a = Algorithm::ALL.into_iter().find(|a| a.header() == trailer.trim().to_ascii_lowercase());
        return match a {
            Some(a) => Ok((Some(a), None)),
            None => Err(S3Error::invalid_request(format!(
                "The value specified in the x-amz-trailer header is not supported: {trailer}"
            ))),
        };
    }
    match req.header("x-amz-sdk-checksum-algorithm").or(req.header("x-amz-checksum-algorithm")) {
        None => Ok((None, None)),
        Some(name) => Algorithm::from_name(name)
            .map(|a| (Some(a), None))
            .ok_or_else(|| S3Error::invalid_request(format!("Checksum algorithm {name} is not supported"))),
    }
}

/// The storage class a write asks for (`x-amz-storage-class`), STANDARD by default.
pub(super) fn storage_class_of(req: &S3Request) -> Result<StorageClass, S3Error> {
    Ok(req.header("x-amz-storage-class").map(StorageClass::parse).transpose()?.unwrap_or_default())
}

fn checksum_header(headers: &mut HeaderMap, record: &ObjectRecord) {
    if let Some(c) = &record.checksum {
        set(headers, &c.algorithm.header(), &c.value);
        set(headers, "x-amz-checksum-type", c.kind().name());
    }
}

pub(super) async fn put_object(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let declared =
        req.header("x-amz-decoded-content-length").or(req.header("content-length")).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_PUT) {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        )
        .with("MaxSizeAllowed", MAX_PUT.to_string()));
    }
    let (checksum, checksum_value) = checksum_of(req)?;
    let put = PutObject {
        meta: meta_of(req),
        tags: req.header("x-amz-tagging").map(tags_of_query).unwrap_or_default(),
        expected: Expected { content_md5: req.header("content-md5").map(str::to_string), checksum, checksum_value },
        if_none_match: req.header("if-none-match").map(str::to_string),
        if_match: req.header("if-match").map(str::to_string),
        sse: crate::sse::requested(req)?,
        lock: crate::lock::asked(req)?,
        storage_class: storage_class_of(req)?,
        acl: crate::acl::requested(req)?.filter(squall_objects::acl::Acl::beyond_owner),
        requester: req.requester.clone(),
    };
    let mut source = req.source();
    let record = objects.put_object(bucket, key, put, source.as_mut()).await?;
    let mut r = http::Response::new(empty());
    set(r.headers_mut(), "etag", &format!("\"{}\"", record.etag));
    checksum_header(r.headers_mut(), &record);
    written_version_header(&record, r.headers_mut());
    crate::sse::report(record.encryption.as_ref(), r.headers_mut());
    Ok(r)
}

pub(super) fn conditions(req: &S3Request, prefix: &str) -> Result<Conditions, S3Error> {
    let date = |name: &str| -> Result<Option<i64>, S3Error> {
        // S3 ignores a date it cannot read, as HTTP says to.
        Ok(req.header(&format!("{prefix}{name}")).and_then(parse_date))
    };
    Ok(Conditions {
        if_match: req.header(&format!("{prefix}if-match")).map(str::to_string),
        if_none_match: req.header(&format!("{prefix}if-none-match")).map(str::to_string),
        if_modified_since: date("if-modified-since")?,
        if_unmodified_since: date("if-unmodified-since")?,
    })
}

/// The headers GET and HEAD return for `record` (the website endpoint's too).
pub(crate) fn stored_headers(record: &ObjectRecord, headers: &mut HeaderMap) {
    set(headers, "etag", &format!("\"{}\"", record.etag));
    set(headers, "last-modified", &http_date(record.modified_ms));
    set(headers, "accept-ranges", "bytes");
    set(headers, "content-type", record.meta.content_type.as_deref().unwrap_or("binary/octet-stream"));
    for (name, value) in &record.meta.headers {
        set(headers, name, value);
    }
    for (name, value) in &record.meta.user {
        set(headers, &format!("x-amz-meta-{name}"), &metadata_value(value));
    }
    if !record.tags.is_empty() {
        set(headers, "x-amz-tagging-count", &record.tags.len().to_string());
    }
    // S3 names the class on GET and HEAD unless it is STANDARD.
    if !record.storage_class.is_standard() {
        set(headers, "x-amz-storage-class", record.storage_class.as_str());
    }
}

/// A user metadata value as S3 returns it: as stored when it is ASCII, else its UTF-8
/// bytes in RFC 2047's encoded-word form (`=?UTF-8?B?…?=`).
fn metadata_value(value: &str) -> std::borrow::Cow<'_, str> {
    if value.bytes().all(|b| b.is_ascii() && !b.is_ascii_control()) {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(format!("=?UTF-8?B?{}?=", STANDARD.encode(value.as_bytes())))
    }
}

/// [`stored_headers`], then the `response-*` overrides of a GET.
fn object_headers(req: &S3Request, record: &ObjectRecord, headers: &mut HeaderMap) {
    stored_headers(record, headers);
    // response-* parameters override what a GET returns.
    for (param, header) in [
        ("response-content-type", "content-type"),
        ("response-content-language", "content-language"),
        ("response-expires", "expires"),
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
    ] {
        if let Some(v) = req.param(param) {
            set(headers, header, v);
        }
    }
}

/// An object's bytes as a response body.
pub(crate) fn stream_body(bytes: futures::stream::BoxStream<'static, squall_objects::Result<bytes::Bytes>>) -> Body {
    let frames = bytes.map_ok(hyper::body::Frame::data).map_err(|e| -> squall_runtime::BoxError { Box::new(e) });
    http_body_util::StreamBody::new(frames).boxed_unsync()
}

pub(super) async fn get_object(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let objects = &state.objects;
    let conditions = conditions(req, "")?;
    let part =
        match req.param("partNumber") {
            None => None,
            Some(n) => Some(n.parse::<u32>().map_err(|_| {
                S3Error::invalid_argument("Part number must be an integer between 1 and 10000, inclusive")
            })?),
        };
    if part.is_some() && req.header("range").is_some() {
        return Err(S3Error::invalid_request("Cannot specify both Range header and partNumber query parameter"));
    }
    let mut range = req.header("range").and_then(ByteRange::parse);
    let customer_key = crate::sse::customer_key(req, crate::sse::CUSTOMER)?;
    let version = (req.param("versionId"), customer_key.as_ref());
    if let Some(n) = part {
        let (record, _) = objects.head_object(bucket, key, version, &conditions, None).await?;
        let (first, last) = Objects::part_range(&record, n)?;
        range = Some(ByteRange::From(first, Some(last)));
    }
    let head = req.parts.method == http::Method::HEAD;
    let (record, range, body) = if head {
        let (record, range) = objects.head_object(bucket, key, version, &conditions, range).await?;
        (record, range, empty())
    } else {
        let read = match objects.get_object(bucket, key, version, &conditions, range).await {
            Ok(read) => read,
            // A key that will not open says nothing of its state to a caller without a grant.
            Err(e @ squall_objects::Error::Kms { .. }) => {
                let record = objects.record(bucket, key, req.param("versionId")).await?;
                if let Some(kms) = crate::sse::stored_kms_key(record.encryption.as_ref()) {
                    crate::sse::authorize_kms(state, req, &kms, (bucket, key), &["kms:Decrypt"])?;
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        // Reading an SSE-KMS object's bytes takes the right to decrypt with its key (the
        // body has not been sent yet).
        if let Some(kms) = crate::sse::stored_kms_key(read.record.encryption.as_ref()) {
            crate::sse::authorize_kms(state, req, &kms, (bucket, key), &["kms:Decrypt"])?;
        }
        let stream =
            read.body.map_ok(hyper::body::Frame::data).map_err(|e| -> squall_runtime::BoxError { Box::new(e) });
        (read.record, read.range, http_body_util::StreamBody::new(stream).boxed_unsync())
    };
    let mut r = http::Response::new(body);
    let headers = r.headers_mut();
    object_headers(req, &record, headers);
    version_header(objects, bucket, &record, headers);
    crate::sse::report(record.encryption.as_ref(), headers);
    crate::lock::report(record.lock.as_ref(), headers);
    crate::restore::report(objects, &record, headers);
    if part.is_some() && !record.part_sizes.is_empty() {
        set(r.headers_mut(), "x-amz-mp-parts-count", &record.part_sizes.len().to_string());
    }
    match range {
        Some((first, last)) => {
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            set(r.headers_mut(), "content-range", &format!("bytes {first}-{last}/{}", record.size));
            set(r.headers_mut(), "content-length", &(last - first + 1).to_string());
        }
        None => {
            if req.header("x-amz-checksum-mode").is_some_and(|m| m.eq_ignore_ascii_case("enabled")) {
                checksum_header(r.headers_mut(), &record);
            }
            set(r.headers_mut(), "content-length", &record.size.to_string());
        }
    }
    Ok(r)
}

pub(super) async fn delete_object(state: &ApiState, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let bypass = crate::lock::bypass(state, req, bucket, key)?;
    let deleted = delete_one(&state.objects, req, bucket, key, (req.param("versionId"), bypass)).await?;
    let mut r = no_content();
    if let Some(v) = &deleted.version_id {
        set(r.headers_mut(), "x-amz-version-id", v);
    }
    if deleted.delete_marker {
        set(r.headers_mut(), "x-amz-delete-marker", "true");
    }
    Ok(r)
}

/// Deletes `key` (a delete marker in a bucket with versioning), or removes one version
/// (through a governance retention if `bypass`).
async fn delete_one(
    objects: &Objects,
    req: &S3Request,
    bucket: &str,
    key: &str,
    (version, bypass): (Option<&str>, bool),
) -> Result<Deleted, S3Error> {
    Ok(match version {
        Some(v) => objects.delete_version(bucket, key, v, &req.requester, bypass).await?,
        None => objects.delete_object(bucket, key, &req.requester).await?,
    })
}

/// At most this many keys per DeleteObjects.
const MAX_DELETE: usize = 1000;

pub(super) async fn delete_objects(state: &ApiState, req: &mut S3Request, bucket: &str) -> Reply {
    let objects = &state.objects;
    let md5 = req.header("content-md5").map(str::to_string);
    let body = req.read_small(2 << 20).await?;
    if let Some(md5) = md5
        && STANDARD.encode(Md5::digest(&body)) != md5.trim()
    {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    let doc = xml::parse(&body).filter(|d| d.name == "Delete").ok_or_else(S3Error::malformed_xml)?;
    let quiet = doc.text_of("Quiet").is_some_and(|q| q.trim() == "true");
    let keys: Vec<(String, Option<String>)> = doc
        .all("Object")
        .map(|o| Some((o.text_of("Key")?.to_string(), o.text_of("VersionId").map(str::to_string))))
        .collect::<Option<_>>()
        .ok_or_else(S3Error::malformed_xml)?;
    if keys.is_empty() || keys.len() > MAX_DELETE {
        return Err(S3Error::malformed_xml());
    }
    // Each key is authorized on its own; a caller who may delete none learns nothing of the
    // bucket.
    let allowed: Vec<Result<(), S3Error>> = keys
        .iter()
        .map(|(key, version)| crate::access::may_delete(state, req, bucket, key, version.is_some()))
        .collect();
    if allowed.iter().any(Result::is_ok) {
        objects.bucket(bucket)?;
    }
    let mut results = Vec::with_capacity(keys.len());
    for ((key, version), allowed) in keys.into_iter().zip(allowed) {
        let outcome = match allowed {
            Ok(()) => match crate::lock::bypass(state, req, bucket, &key) {
                Ok(bypass) => delete_one(objects, req, bucket, &key, (version.as_deref(), bypass)).await,
                Err(denied) => Err(denied),
            },
            Err(denied) => Err(denied),
        };
        results.push((key, version, outcome));
    }
    Ok(xml_response("DeleteResult", |x| {
        for (key, version, outcome) in &results {
            match outcome {
                Ok(_) if quiet => {}
                Ok(deleted) => {
                    x.nest("Deleted", |x| {
                        x.elem("Key", key);
                        if let Some(v) = version {
                            x.elem("VersionId", v);
                        }
                        if deleted.delete_marker {
                            x.elem("DeleteMarker", "true");
                            if let Some(v) = &deleted.version_id {
                                x.elem("DeleteMarkerVersionId", v);
                            }
                        }
                    });
                }
                Err(e) => {
                    x.nest("Error", |x| {
                        x.elem("Key", key);
                        if let Some(v) = version {
                            x.elem("VersionId", v);
                        }
                        x.elem("Code", e.code).elem("Message", &e.message);
                    });
                }
            }
        }
    }))
}

/// What `x-amz-copy-source` names: `/bucket/key` or `bucket/key`, URL-encoded,
/// optionally `?versionId=<id>`.
pub(super) struct CopySource {
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) version: Option<String>,
}

pub(super) fn copy_source(req: &S3Request) -> Result<CopySource, S3Error> {
    let raw = req.header("x-amz-copy-source").unwrap_or_default();
    let (path, query) = raw.split_once('?').map_or((raw, None), |(p, q)| (p, Some(q)));
    let version = match query {
        None => None,
        Some(q) => match q.strip_prefix("versionId=") {
            Some(v) if !v.contains('&') => {
                squall_objects::versions::check_version_id(v)?;
                Some(v.to_string())
            }
            _ => return Err(S3Error::invalid_argument(format!("Unsupported copy source parameter: {q}"))),
        },
    };
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    decoded
        .trim_start_matches('/')
        .split_once('/')
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .map(|(b, k)| CopySource { bucket: b.to_string(), key: k.to_string(), version })
        .ok_or_else(|| {
            S3Error::invalid_argument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
        })
}

/// `x-amz-copy-source-version-id`: the version a copy read, where versions are kept.
pub(super) fn source_version_header(objects: &Objects, source: &CopySource, record: &ObjectRecord, h: &mut HeaderMap) {
    let versioned = objects.versioning(&source.bucket).ok().flatten().is_some();
    if versioned || record.version_id.is_some() {
        set(h, "x-amz-copy-source-version-id", squall_objects::versions::version_label(record));
    }
}

pub(super) async fn copy_object(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let source = copy_source(req)?;
    let directive = |name: &str| match req.header(name) {
        None | Some("COPY") => Ok(false),
        Some("REPLACE") => Ok(true),
        Some(other) => Err(S3Error::invalid_argument(format!("Unknown {name} value: {other}"))),
    };
    let replace_meta = directive("x-amz-metadata-directive")?.then(|| meta_of(req));
    let replace_tags = directive("x-amz-tagging-directive")?
        .then(|| req.header("x-amz-tagging").map(tags_of_query).unwrap_or_default());
    let checksum = req
        .header("x-amz-checksum-algorithm")
        .map(|n| {
            Algorithm::from_name(n)
                .ok_or_else(|| S3Error::invalid_request(format!("Checksum algorithm {n} is not supported")))
        })
        .transpose()?;
    let copy = CopyObject {
        source_bucket: source.bucket.clone(),
        source_key: source.key.clone(),
        source_version: source.version.clone(),
        source_customer_key: crate::sse::customer_key(req, crate::sse::COPY_CUSTOMER)?,
        sse: crate::sse::requested(req)?,
        lock: crate::lock::asked(req)?,
        storage_class: storage_class_of(req)?,
        acl: crate::acl::requested(req)?.filter(squall_objects::acl::Acl::beyond_owner),
        source_conditions: conditions(req, "x-amz-copy-source-")?,
        replace_meta,
        replace_tags,
        checksum,
        requester: req.requester.clone(),
    };
    let (record, read) = objects.copy_object(bucket, key, copy).await?;
    let mut r = xml_response("CopyObjectResult", |x| {
        x.elem("LastModified", &format_iso8601_millis_z(record.modified_ms as u64))
            .elem("ETag", &format!("\"{}\"", record.etag));
        if let Some(c) = &record.checksum {
            x.elem(&format!("Checksum{}", c.algorithm.name()), &c.value);
        }
    });
    written_version_header(&record, r.headers_mut());
    source_version_header(objects, &source, &read, r.headers_mut());
    crate::sse::report(record.encryption.as_ref(), r.headers_mut());
    Ok(r)
}

/// The pairs of a `<Tagging><TagSet><Tag>…` document.
async fn read_tagging(req: &mut S3Request) -> Result<Vec<(String, String)>, S3Error> {
    parse_tagging(&req.read_small(64 << 10).await?)
}

/// The pairs of a `<Tagging>` document (a request's body, or a form's `tagging` field).
pub(crate) fn parse_tagging(body: &[u8]) -> Result<Vec<(String, String)>, S3Error> {
    let doc = xml::parse(body).filter(|d| d.name == "Tagging").ok_or_else(S3Error::malformed_xml)?;
    let set_el = doc.child("TagSet").ok_or_else(S3Error::malformed_xml)?;
    set_el
        .all("Tag")
        .map(|t| Some((t.text_of("Key")?.to_string(), t.text_of("Value").unwrap_or("").to_string())))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(S3Error::malformed_xml)
}

fn tagging_response(tags: &[(String, String)]) -> http::Response<Body> {
    xml_response("Tagging", |x| {
        x.nest("TagSet", |x| {
            for (k, v) in tags {
                x.nest("Tag", |x| {
                    x.elem("Key", k).elem("Value", v);
                });
            }
        });
    })
}

pub(super) async fn put_tagging(state: &ApiState, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let tags = read_tagging(req).await?;
    crate::access::may_tag(state, req, bucket, key, &tags)?;
    let record = state.objects.put_tags(bucket, key, req.param("versionId"), tags).await?;
    let mut r = http::Response::new(empty());
    version_header(&state.objects, bucket, &record, r.headers_mut());
    Ok(r)
}

pub(super) async fn get_tagging(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let record = objects.record(bucket, key, req.param("versionId")).await?;
    let mut r = tagging_response(&record.tags);
    version_header(objects, bucket, &record, r.headers_mut());
    Ok(r)
}

pub(super) async fn put_bucket_tagging(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let tags = read_tagging(req).await?;
    objects.set_bucket_tags(bucket, tags).await?;
    Ok(no_content())
}

pub(super) fn get_bucket_tagging(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let tags = objects.bucket(bucket)?.tags;
    if tags.is_empty() {
        return Err(
            S3Error::new(StatusCode::NOT_FOUND, "NoSuchTagSet", "The TagSet does not exist").with("BucketName", bucket)
        );
    }
    Ok(tagging_response(&tags))
}

pub(super) async fn delete_bucket_tagging(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_bucket_tags(bucket, Vec::new()).await?;
    Ok(no_content())
}

pub(super) async fn delete_tagging(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let record = objects.put_tags(bucket, key, req.param("versionId"), Vec::new()).await?;
    let mut r = no_content();
    version_header(objects, bucket, &record, r.headers_mut());
    Ok(r)
}
