//! ListObjectVersions (`GET /bucket?versions`): every version and delete marker, by key and
//! then newest first; in a bucket that never had versioning, each object is its one `null`
//! version.

use super::buckets::Listing;
use super::error::S3Error;
use super::{S3Request, owner_id, xml_response};
use http::Response;
use squall_objects::versions::{check_version_id, version_label};
use squall_objects::{ListRequest, Objects};
use squall_runtime::Body;
use squall_types::format_iso8601_millis_z;
use std::sync::Arc;

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
        (Some(v), Some(_)) => check_version_id(v)?,
        _ => {}
    }
    let request =
        ListRequest { prefix: prefix.clone(), delimiter: delimiter.clone(), after: key_marker.clone(), max_keys };
    let page = objects.list_versions(bucket, &request, version_marker).await?;
    let owner = owner_id();
    let restore_status = crate::restore::wants_status(req);
    Ok(xml_response("ListVersionsResult", |x| {
        x.elem("Name", bucket).elem("Prefix", &enc(prefix));
        x.elem("KeyMarker", &enc(key_marker.as_deref().unwrap_or("")));
        x.elem("VersionIdMarker", version_marker.unwrap_or(""));
        if let Some((key, version)) = &page.next {
            x.elem("NextKeyMarker", &enc(key));
            if let Some(v) = version {
                x.elem("NextVersionIdMarker", v);
            }
        }
        x.elem("MaxKeys", &max_keys.to_string());
        if let Some(d) = &delimiter {
            x.elem("Delimiter", &enc(d));
        }
        if url {
            x.elem("EncodingType", "url");
        }
        x.elem("IsTruncated", if page.truncated { "true" } else { "false" });
        for v in &page.versions {
            let r = &v.record;
            let element = if r.delete_marker { "DeleteMarker" } else { "Version" };
            x.nest(element, |x| {
                x.elem("Key", &enc(&v.key))
                    .elem("VersionId", version_label(r))
                    .elem("IsLatest", if v.latest { "true" } else { "false" })
                    .elem("LastModified", &format_iso8601_millis_z(r.modified_ms as u64));
                if !r.delete_marker {
                    x.elem("ETag", &format!("\"{}\"", r.etag));
                    if let Some(c) = &r.checksum {
                        x.elem("ChecksumAlgorithm", c.algorithm.name());
                    }
                    x.elem("Size", &r.size.to_string()).elem("StorageClass", r.storage_class.as_str());
                    if restore_status {
                        crate::restore::status(objects, r, x);
                    }
                }
                x.nest("Owner", |x| {
                    x.elem("ID", &owner).elem("DisplayName", "squall");
                });
            });
        }
        listing.common_prefixes(x, &page.common_prefixes);
    }))
}
