//! ListObjectVersions (`GET /bucket?versions`). Buckets keep no versions yet, so every
//! object is its one `null` version, the latest — what S3 answers for a bucket that never
//! had versioning enabled, and what cleanup tools and SDK helpers ask even of such buckets.

use super::buckets::Listing;
use super::error::S3Error;
use super::{S3Request, owner_id, xml_response};
use http::Response;
use squall_objects::{ListRequest, Objects};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

/// The only version id of an unversioned bucket's objects.
const NULL: &str = "null";

pub(super) async fn list(objects: &Arc<Objects>, req: &S3Request, bucket: &str) -> Result<Response<Body>, S3Error> {
    let listing = Listing::read(req)?;
    let Listing { max_keys, url, ref prefix, ref delimiter } = listing;
    let enc = |s: &str| listing.enc(s);
    let key_marker = req.param("key-marker").filter(|k| !k.is_empty()).map(str::to_string);
    let version_marker = req.param("version-id-marker").filter(|v| !v.is_empty());
    match (version_marker, &key_marker) {
        (Some(_), None) => {
            return Err(S3Error::invalid_argument("A version-id marker cannot be specified without a key marker."));
        }
        (Some(v), Some(_)) if v != NULL => return Err(S3Error::invalid_argument("Invalid version id specified")),
        _ => {}
    }
    // A key has one version here, so the listing goes on after the marker's key.
    let request =
        ListRequest { prefix: prefix.clone(), delimiter: delimiter.clone(), after: key_marker.clone(), max_keys };
    let page = objects.list_objects(bucket, &request).await?;
    let owner = owner_id();
    Ok(xml_response("ListVersionsResult", |x| {
        x.elem("Name", bucket).elem("Prefix", &enc(prefix));
        x.elem("KeyMarker", &enc(key_marker.as_deref().unwrap_or("")));
        x.elem("VersionIdMarker", version_marker.unwrap_or(""));
        if page.truncated
            && let Some(last) = &page.last
        {
            x.elem("NextKeyMarker", &enc(last)).elem("NextVersionIdMarker", NULL);
        }
        x.elem("MaxKeys", &max_keys.to_string());
        if let Some(d) = &delimiter {
            x.elem("Delimiter", &enc(d));
        }
        if url {
            x.elem("EncodingType", "url");
        }
        x.elem("IsTruncated", if page.truncated { "true" } else { "false" });
        for (key, record) in &page.objects {
            x.nest("Version", |x| {
                x.elem("Key", &enc(key))
                    .elem("VersionId", NULL)
                    .elem("IsLatest", "true")
                    .elem("LastModified", &format_iso8601_millis_z(record.modified_ms as u64))
                    .elem("ETag", &format!("\"{}\"", record.etag));
                if let Some(c) = &record.checksum {
                    x.elem("ChecksumAlgorithm", c.algorithm.name());
                }
                x.elem("Size", &record.size.to_string()).elem("StorageClass", "STANDARD");
                x.nest("Owner", |x| {
                    x.elem("ID", &owner).elem("DisplayName", "squall");
                });
            });
        }
        listing.common_prefixes(x, &page.common_prefixes);
    }))
}
