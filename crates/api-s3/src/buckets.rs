//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
//! GetBucketLocation, ListObjects and ListObjectsV2 (ListObjectVersions is `versions`,
//! the versioning settings `versioning`).

use super::error::S3Error;
use super::{S3Request, owner_id, xml, xml_response};
use crate::body::empty;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use squall_api::query::Xml;
use squall_objects::{ListRequest, Objects};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

/// The name a continuation token (of ListBuckets or ListObjectsV2) says a page ended at.
fn token_position(token: &str) -> Result<String, S3Error> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| S3Error::invalid_argument("The continuation token provided is incorrect"))
}

/// ListBuckets: by name, `prefix` and `bucket-region` filtering, `max-buckets` (1 to
/// 10,000, S3's default page) per page, a continuation token naming the page's last bucket.
pub(super) fn list_buckets(objects: &Arc<Objects>, req: &S3Request) -> Reply {
    let max = match req.param("max-buckets") {
        None => 10_000,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| S3Error::invalid_argument("max-buckets must be an integer between 1 and 10000"))?,
    };
    let after = req.param("continuation-token").map(token_position).transpose()?;
    let prefix = req.param("prefix").unwrap_or("");
    let region = req.param("bucket-region");
    let mut buckets: Vec<_> = objects
        .list_buckets()
        .into_iter()
        .filter(|b| b.name.starts_with(prefix) && region.is_none_or(|r| b.region == r))
        .filter(|b| after.as_ref().is_none_or(|a| b.name.as_str() > a.as_str()))
        .collect();
    let more = buckets.len() > max;
    buckets.truncate(max);
    Ok(xml_response("ListAllMyBucketsResult", |x| {
        x.nest("Owner", |x| {
            x.elem("ID", &owner_id()).elem("DisplayName", "squall");
        });
        x.nest("Buckets", |x| {
            for b in &buckets {
                x.nest("Bucket", |x| {
                    x.elem("Name", &b.name)
                        .elem("CreationDate", &format_iso8601_millis_z(b.created_ms as u64))
                        .elem("BucketRegion", &b.region);
                });
            }
        });
        if more && let Some(last) = buckets.last() {
            x.elem("ContinuationToken", &URL_SAFE_NO_PAD.encode(&last.name));
        }
        if req.param("prefix").is_some() {
            x.elem("Prefix", prefix);
        }
    }))
}

pub(super) async fn create_bucket(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let ownership = match req.header("x-amz-object-ownership") {
        None => squall_objects::public::Ownership::BucketOwnerEnforced,
        Some(o) => squall_objects::public::Ownership::parse(o.trim())
            .ok_or_else(|| S3Error::invalid_argument(format!("Invalid x-amz-object-ownership header: {o}")))?,
    };
    let acl = crate::acl::check_request(req, Some(ownership), None, true)?;
    let body = req.read_small(64 << 10).await?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let doc = xml::parse(&body).ok_or_else(S3Error::malformed_xml)?;
        if let Some(region) = doc.text_of("LocationConstraint").filter(|r| !r.is_empty()) {
            if region == "us-east-1" {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                ));
            }
            if region != objects.region() {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "IllegalLocationConstraintException",
                    format!(
                        "The {region} location constraint is incompatible for the region specific endpoint this request was sent to ({}).",
                        objects.region()
                    ),
                ));
            }
        }
    }
    let object_lock = match req.header("x-amz-bucket-object-lock-enabled").map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(S3Error::invalid_argument(format!(
                "x-amz-bucket-object-lock-enabled must be true or false, not {other}"
            )));
        }
    };
    match objects.create_bucket_with(bucket, object_lock).await {
        // us-east-1 answers a bucket its owner creates again as created (S3's legacy rule).
        Err(squall_objects::Error::BucketAlreadyOwnedByYou(_)) if objects.region() == "us-east-1" => {}
        other => {
            other?;
            if ownership != squall_objects::public::Ownership::BucketOwnerEnforced {
                objects.set_ownership(bucket, Some(ownership)).await?;
            }
            if acl.is_some() {
                objects.set_bucket_acl(bucket, acl).await?;
            }
        }
    }
    let mut r = http::Response::new(empty());
    if let Ok(v) = HeaderValue::from_str(&format!("/{bucket}")) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    Ok(r)
}

pub(super) fn head_bucket(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let b = objects.bucket(bucket)?;
    let mut r = http::Response::new(empty());
    if let Ok(v) = HeaderValue::from_str(&b.region) {
        r.headers_mut().insert("x-amz-bucket-region", v);
    }
    Ok(r)
}

pub(super) async fn delete_bucket(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.delete_bucket(bucket).await?;
    Ok(super::no_content())
}

/// GET on a bucket: a subresource, or a listing.
pub(super) async fn get(objects: &Arc<Objects>, req: &S3Request, bucket: &str) -> Reply {
    if req.has("location") {
        let b = objects.bucket(bucket)?;
        // us-east-1 is reported as an empty constraint, as S3 does.
        let region = if b.region == "us-east-1" { String::new() } else { b.region };
        let mut x = Xml::default();
        x.elem("LocationConstraint", &region);
        let doc =
            x.finish().replacen("<LocationConstraint>", &format!("<LocationConstraint xmlns=\"{}\">", super::NS), 1);
        let mut r =
            http::Response::new(crate::body::full(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doc}")));
        r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        return Ok(r);
    }
    list(objects, req, bucket).await
}

/// S3's `encoding-type=url`: every byte but unreserved characters and `/` escaped.
pub(crate) const URL_KEY: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// What every listing of a bucket reads: page size, `encoding-type`, prefix and delimiter.
pub(super) struct Listing {
    pub(super) max_keys: usize,
    pub(super) url: bool,
    pub(super) prefix: String,
    pub(super) delimiter: Option<String>,
}

impl Listing {
    pub(super) fn read(req: &S3Request) -> Result<Listing, S3Error> {
        let url = match req.param("encoding-type") {
            None => false,
            Some("url") => true,
            Some(other) => {
                return Err(S3Error::invalid_argument(format!(
                    "Invalid Encoding Method specified in Request: {other}"
                )));
            }
        };
        Ok(Listing {
            max_keys: req.page_size("max-keys")?,
            url,
            prefix: req.param("prefix").unwrap_or("").to_string(),
            delimiter: req.param("delimiter").filter(|d| !d.is_empty()).map(str::to_string),
        })
    }

    /// A key, prefix or marker as the listing answers it (URL-encoded when asked).
    pub(super) fn enc(&self, s: &str) -> String {
        if self.url { utf8_percent_encode(s, URL_KEY).to_string() } else { s.to_string() }
    }

    /// The page's common prefixes.
    pub(super) fn common_prefixes(&self, x: &mut Xml, prefixes: &[String]) {
        for p in prefixes {
            x.nest("CommonPrefixes", |x| {
                x.elem("Prefix", &self.enc(p));
            });
        }
    }
}

async fn list(objects: &Arc<Objects>, req: &S3Request, bucket: &str) -> Reply {
    let v2 = match req.param("list-type") {
        None => false,
        Some("2") => true,
        Some(other) => return Err(S3Error::invalid_argument(format!("Invalid list-type {other:?}"))),
    };
    if req.has("version-id-marker") {
        // ListObjectVersions' parameter (with `?versions`): a plain listing would ignore it.
        return Err(S3Error::invalid_argument("version-id-marker is a parameter of ListObjectVersions (?versions)"));
    }
    let listing = Listing::read(req)?;
    let Listing { max_keys, url, ref prefix, ref delimiter } = listing;
    let enc = |s: &str| listing.enc(s);
    let token = req.param("continuation-token");
    let after = if v2 {
        match token {
            Some(t) => Some(token_position(t)?),
            None => req.param("start-after").map(str::to_string),
        }
    } else {
        req.param("marker").map(str::to_string)
    };
    let page = objects
        .list_objects(bucket, &ListRequest { prefix: prefix.clone(), delimiter: delimiter.clone(), after, max_keys })
        .await?;
    let fetch_owner = !v2 || req.param("fetch-owner") == Some("true");
    let restore_status = crate::restore::wants_status(req);
    let owner = owner_id();
    Ok(xml_response("ListBucketResult", |x| {
        // ListObjects (v1) echoes its prefix as sent, even with encoding-type=url: botocore
        // decodes v1's other fields but not Prefix, as S3 leaves it.
        x.elem("Name", bucket).elem("Prefix", &if v2 { enc(prefix) } else { prefix.clone() });
        if let Some(d) = &delimiter {
            x.elem("Delimiter", &enc(d));
        }
        x.elem("MaxKeys", &max_keys.to_string());
        if url {
            x.elem("EncodingType", "url");
        }
        x.elem("IsTruncated", if page.truncated { "true" } else { "false" });
        if v2 {
            x.elem("KeyCount", &(page.objects.len() + page.common_prefixes.len()).to_string());
            if let Some(t) = token {
                x.elem("ContinuationToken", t);
            }
            if let Some(s) = req.param("start-after") {
                x.elem("StartAfter", &enc(s));
            }
            if page.truncated
                && let Some(last) = &page.last
            {
                x.elem("NextContinuationToken", &URL_SAFE_NO_PAD.encode(last));
            }
        } else {
            x.elem("Marker", &enc(req.param("marker").unwrap_or("")));
            // S3 names the next marker only when a delimiter is given; otherwise clients
            // continue from the last key.
            if page.truncated
                && delimiter.is_some()
                && let Some(last) = &page.last
            {
                x.elem("NextMarker", &enc(last));
            }
        }
        for (key, record) in &page.objects {
            x.nest("Contents", |x| {
                x.elem("Key", &enc(key))
                    .elem("LastModified", &format_iso8601_millis_z(record.modified_ms as u64))
                    .elem("ETag", &format!("\"{}\"", record.etag));
                if let Some(c) = &record.checksum {
                    x.elem("ChecksumAlgorithm", c.algorithm.name());
                }
                x.elem("Size", &record.size.to_string());
                if fetch_owner {
                    x.nest("Owner", |x| {
                        x.elem("ID", &owner).elem("DisplayName", "squall");
                    });
                }
                x.elem("StorageClass", record.storage_class.as_str());
                if restore_status {
                    crate::restore::status(objects, record, x);
                }
            });
        }
        listing.common_prefixes(x, &page.common_prefixes);
    }))
}
