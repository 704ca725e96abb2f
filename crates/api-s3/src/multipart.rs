//! Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.

use super::error::S3Error;
use super::objects::{checksum_of, conditions, copy_source, meta_of, set, storage_class_of, tags_of_query};
use super::{S3Request, owner_id, xml, xml_response};
use crate::body::empty;
use squall_objects::checksum::{Algorithm, ChecksumType};
use squall_objects::{CompletedPart, Completion, Expected, Objects};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

fn upload_id(req: &S3Request) -> Result<String, S3Error> {
    req.param("uploadId").map(str::to_string).ok_or_else(|| S3Error::invalid_argument("uploadId is required"))
}

/// The checksum an upload asks for: its algorithm and what it covers (`FULL_OBJECT`, the
/// only kind CRC64NVME has, or `COMPOSITE`, the only kind the SHAs have).
fn upload_checksum(req: &S3Request) -> Result<Option<(Algorithm, ChecksumType)>, S3Error> {
    let kind = req
        .header("x-amz-checksum-type")
        .map(|t| {
            ChecksumType::from_name(t)
                .ok_or_else(|| S3Error::invalid_request("Value for x-amz-checksum-type header is invalid."))
        })
        .transpose()?;
    let Some(name) = req.header("x-amz-checksum-algorithm") else {
        return match kind {
            Some(_) => Err(S3Error::invalid_request(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
            )),
            None => Ok(None),
        };
    };
    let a = Algorithm::from_name(name)
        .ok_or_else(|| S3Error::invalid_request(format!("Checksum algorithm {name} is not supported")))?;
    let default = if a == Algorithm::Crc64Nvme { ChecksumType::FullObject } else { ChecksumType::Composite };
    let kind = kind.unwrap_or(default);
    let fits = match kind {
        ChecksumType::FullObject => a.is_crc(),
        ChecksumType::Composite => a != Algorithm::Crc64Nvme,
    };
    if !fits {
        return Err(S3Error::invalid_request(format!(
            "The {} checksum type cannot be used with the {} checksum algorithm.",
            kind.name(),
            a.name().to_ascii_lowercase()
        )));
    }
    Ok(Some((a, kind)))
}

pub(super) async fn create(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let checksum = upload_checksum(req)?;
    let tags = req.header("x-amz-tagging").map(tags_of_query).unwrap_or_default();
    let sse = crate::sse::requested(req)?;
    let spec = squall_objects::NewUpload {
        meta: meta_of(req),
        tags,
        lock: crate::lock::asked(req)?,
        storage_class: storage_class_of(req)?,
        acl: crate::acl::requested(req)?.filter(squall_objects::acl::Acl::beyond_owner),
    };
    let (id, encryption) = objects.create_upload(bucket, key, spec, checksum, sse.as_ref()).await?;
    let mut r = xml_response("InitiateMultipartUploadResult", |x| {
        x.elem("Bucket", bucket).elem("Key", key).elem("UploadId", &id);
    });
    crate::sse::report(encryption.as_ref(), r.headers_mut());
    if let Some((a, kind)) = checksum {
        set(r.headers_mut(), "x-amz-checksum-algorithm", a.name());
        set(r.headers_mut(), "x-amz-checksum-type", kind.name());
    }
    Ok(r)
}

fn part_number(req: &S3Request) -> Result<u32, S3Error> {
    req.param("partNumber")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| S3Error::invalid_argument("Part number must be an integer between 1 and 10000, inclusive"))
}

pub(super) async fn upload_part(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let (id, number) = (upload_id(req)?, part_number(req)?);
    if req.header("x-amz-copy-source").is_some() {
        return upload_part_copy(objects, req, bucket, key, &id, number).await;
    }
    let (checksum, checksum_value) = checksum_of(req)?;
    let expected = Expected { content_md5: req.header("content-md5").map(str::to_string), checksum, checksum_value };
    let customer_key = crate::sse::customer_key(req, crate::sse::CUSTOMER)?;
    let mut source = req.source();
    let at = (number, customer_key.as_ref());
    let (part, algorithm, encryption) = objects.upload_part(bucket, key, &id, at, expected, source.as_mut()).await?;
    let mut r = http::Response::new(empty());
    crate::sse::report(encryption.as_ref(), r.headers_mut());
    set(r.headers_mut(), "etag", &format!("\"{}\"", part.etag));
    if let (Some(value), Some(a)) = (&part.checksum, algorithm) {
        set(r.headers_mut(), &a.header(), value);
    }
    Ok(r)
}

async fn upload_part_copy(
    objects: &Arc<Objects>,
    req: &S3Request,
    bucket: &str,
    key: &str,
    id: &str,
    number: u32,
) -> Reply {
    let source = copy_source(req)?;
    let range = match req.header("x-amz-copy-source-range") {
        None => None,
        Some(r) => {
            let parsed = r
                .trim()
                .strip_prefix("bytes=")
                .and_then(|s| s.split_once('-'))
                .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)));
            Some(parsed.ok_or_else(|| {
                S3Error::invalid_argument("The x-amz-copy-source-range value must be of the form bytes=first-last")
            })?)
        }
    };
    let conditions = conditions(req, "x-amz-copy-source-")?;
    let source_key = crate::sse::customer_key(req, crate::sse::COPY_CUSTOMER)?;
    let customer_key = crate::sse::customer_key(req, crate::sse::CUSTOMER)?;
    let from = (source.bucket.as_str(), source.key.as_str(), source.version.as_deref(), source_key.as_ref());
    let at = (number, customer_key.as_ref());
    let (part, read, encryption) = objects.upload_part_copy(bucket, key, id, at, from, &conditions, range).await?;
    let mut r = xml_response("CopyPartResult", |x| {
        x.elem("LastModified", &format_iso8601_millis_z(part.modified_ms as u64))
            .elem("ETag", &format!("\"{}\"", part.etag));
    });
    super::objects::source_version_header(objects, &source, &read, r.headers_mut());
    crate::sse::report(encryption.as_ref(), r.headers_mut());
    Ok(r)
}

pub(super) async fn complete(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str, key: &str) -> Reply {
    let id = upload_id(req)?;
    let if_none_match = req.header("if-none-match").map(str::to_string);
    let if_match = req.header("if-match").map(str::to_string);
    let checksum = Algorithm::ALL.iter().find_map(|a| req.header(&a.header()).map(str::to_string));
    let checksum_type = req
        .header("x-amz-checksum-type")
        .map(|t| {
            ChecksumType::from_name(t)
                .ok_or_else(|| S3Error::invalid_request("Value for x-amz-checksum-type header is invalid."))
        })
        .transpose()?;
    let object_size = req
        .header("x-amz-mp-object-size")
        .map(|n| {
            n.trim().parse::<u64>().map_err(|_| S3Error::invalid_argument("x-amz-mp-object-size must be a number"))
        })
        .transpose()?;
    let host = req.header("host").unwrap_or("localhost").to_string();
    let body = req.read_document(4 << 20, false).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "CompleteMultipartUpload").ok_or_else(S3Error::malformed_xml)?;
    let mut parts = Vec::new();
    for p in doc.all("Part") {
        let number = p.text_of("PartNumber").and_then(|n| n.trim().parse().ok()).ok_or_else(S3Error::malformed_xml)?;
        let etag = p.text_of("ETag").ok_or_else(S3Error::malformed_xml)?.to_string();
        let checksum =
            Algorithm::ALL.iter().find_map(|a| p.text_of(&format!("Checksum{}", a.name())).map(str::to_string));
        parts.push(CompletedPart { number, etag, checksum });
    }
    if parts.is_empty() {
        return Err(S3Error::malformed_xml());
    }
    let customer_key = crate::sse::customer_key(req, crate::sse::CUSTOMER)?;
    let requester = req.requester.clone();
    let completion =
        Completion { parts, if_none_match, if_match, checksum, checksum_type, object_size, customer_key, requester };
    let record = objects.complete_upload(bucket, key, &id, completion).await?;
    let mut r = xml_response("CompleteMultipartUploadResult", |x| {
        x.elem("Location", &format!("http://{host}/{bucket}/{key}"))
            .elem("Bucket", bucket)
            .elem("Key", key)
            .elem("ETag", &format!("\"{}\"", record.etag));
        if let Some(c) = &record.checksum {
            x.elem(&format!("Checksum{}", c.algorithm.name()), &c.value).elem("ChecksumType", c.kind().name());
        }
    });
    set(r.headers_mut(), "etag", &format!("\"{}\"", record.etag));
    super::versioning::written_version_header(&record, r.headers_mut());
    crate::sse::report(record.encryption.as_ref(), r.headers_mut());
    Ok(r)
}

pub(super) async fn abort(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    objects.abort_upload(bucket, key, &upload_id(req)?).await?;
    Ok(super::no_content())
}

pub(super) async fn list_parts(objects: &Arc<Objects>, req: &S3Request, bucket: &str, key: &str) -> Reply {
    let id = upload_id(req)?;
    let after: u32 = match req.param("part-number-marker") {
        None => 0,
        Some(m) => m.parse().map_err(|_| S3Error::invalid_argument("Invalid part-number-marker"))?,
    };
    let max = req.page_size("max-parts")?;
    let page = objects.list_parts(bucket, key, &id, after, max).await?;
    let owner = owner_id();
    Ok(xml_response("ListPartsResult", |x| {
        x.elem("Bucket", bucket).elem("Key", key).elem("UploadId", &id);
        x.elem("PartNumberMarker", &after.to_string());
        if let Some(last) = page.parts.last() {
            x.elem("NextPartNumberMarker", &last.number.to_string());
        }
        x.elem("MaxParts", &max.to_string()).elem("IsTruncated", if page.truncated { "true" } else { "false" });
        if let Some(a) = page.upload.checksum {
            x.elem("ChecksumAlgorithm", a.name()).elem("ChecksumType", page.upload.checksum_type.name());
        }
        for p in &page.parts {
            x.nest("Part", |x| {
                x.elem("PartNumber", &p.number.to_string())
                    .elem("LastModified", &format_iso8601_millis_z(p.modified_ms as u64))
                    .elem("ETag", &format!("\"{}\"", p.etag))
                    .elem("Size", &p.size.to_string());
                if let (Some(a), Some(v)) = (page.upload.checksum, &p.checksum) {
                    x.elem(&format!("Checksum{}", a.name()), v);
                }
            });
        }
        for who in ["Initiator", "Owner"] {
            x.nest(who, |x| {
                x.elem("ID", &owner).elem("DisplayName", "squall");
            });
        }
        x.elem("StorageClass", page.upload.storage_class.as_str());
    }))
}

pub(super) async fn list_uploads(objects: &Arc<Objects>, req: &S3Request, bucket: &str) -> Reply {
    let prefix = req.param("prefix").unwrap_or("");
    let key_marker = req.param("key-marker").unwrap_or("");
    let id_marker = req.param("upload-id-marker").unwrap_or("");
    let max = req.page_size("max-uploads")?;
    let all = objects.list_uploads(bucket, prefix).await?;
    // After (key-marker, upload-id-marker) in the listing's own order; without an id
    // marker (or one no longer there), after every upload of the key.
    let start = match all.iter().position(|(id, u)| u.key == key_marker && id == id_marker) {
        Some(i) if !id_marker.is_empty() => i + 1,
        _ => all.iter().position(|(_, u)| key_marker.is_empty() || u.key.as_str() > key_marker).unwrap_or(all.len()),
    };
    let mut after = all.into_iter().skip(start);
    let page: Vec<_> = after.by_ref().take(max).collect();
    let truncated = after.next().is_some();
    let owner = owner_id();
    Ok(xml_response("ListMultipartUploadsResult", |x| {
        x.elem("Bucket", bucket).elem("KeyMarker", key_marker).elem("UploadIdMarker", id_marker);
        if truncated && let Some((id, u)) = page.last() {
            x.elem("NextKeyMarker", &u.key).elem("NextUploadIdMarker", id);
        }
        x.elem("Prefix", prefix).elem("MaxUploads", &max.to_string());
        x.elem("IsTruncated", if truncated { "true" } else { "false" });
        for (id, u) in &page {
            x.nest("Upload", |x| {
                x.elem("Key", &u.key).elem("UploadId", id);
                for who in ["Initiator", "Owner"] {
                    x.nest(who, |x| {
                        x.elem("ID", &owner).elem("DisplayName", "squall");
                    });
                }
                x.elem("StorageClass", u.storage_class.as_str())
                    .elem("Initiated", &format_iso8601_millis_z(u.created_ms as u64));
                if let Some(a) = u.checksum {
                    x.elem("ChecksumAlgorithm", a.name()).elem("ChecksumType", u.checksum_type.name());
                }
            });
        }
    }))
}
