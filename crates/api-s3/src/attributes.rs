//! GetObjectAttributes (`GET /bucket/key?attributes`): what HeadObject and ListParts would
//! say of an object, the attributes named by `x-amz-object-attributes`.

use super::dates::http_date;
use super::error::S3Error;
use super::objects::set;
use super::versioning::version_header;
use super::{S3Request, xml_response};
use squall_objects::Objects;
use squall_objects::conditions::Conditions;
use squall_runtime::Body;
use std::sync::Arc;

/// The attributes a request may name.
const ATTRIBUTES: [&str; 5] = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"];

pub(super) async fn get(
    objects: &Arc<Objects>,
    req: &S3Request,
    bucket: &str,
    key: &str,
) -> Result<http::Response<Body>, S3Error> {
    let wanted: Vec<&str> = req
        .header("x-amz-object-attributes")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(S3Error::invalid_argument(
            "x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
        ));
    }
    if let Some(bad) = wanted.iter().find(|a| !ATTRIBUTES.contains(a)) {
        return Err(S3Error::invalid_argument(format!("Invalid attribute name specified: {bad}")));
    }
    let number = |name: &str| -> Result<Option<usize>, S3Error> {
        req.header(name)
            .map(|v| {
                v.trim().parse::<usize>().map_err(|_| S3Error::invalid_argument(format!("Invalid {name} value: {v}")))
            })
            .transpose()
    };
    let max_parts = number("x-amz-max-parts")?.unwrap_or(1000).min(1000);
    let marker = number("x-amz-part-number-marker")?.unwrap_or(0);
    let customer_key = crate::sse::customer_key(req, crate::sse::CUSTOMER)?;
    let version = (req.param("versionId"), customer_key.as_ref());
    let (record, _) = objects.head_object(bucket, key, version, &Conditions::default(), None).await?;
    let has = |a: &str| wanted.contains(&a);
    let mut r = xml_response("GetObjectAttributesResponse", |x| {
        if has("ETag") {
            x.elem("ETag", &record.etag);
        }
        if has("Checksum")
            && let Some(c) = &record.checksum
        {
            x.nest("Checksum", |x| {
                x.elem(&format!("Checksum{}", c.algorithm.name()), &c.value);
                x.elem("ChecksumType", c.kind().name());
            });
        }
        if has("ObjectParts") && !record.part_sizes.is_empty() {
            let parts: Vec<(usize, u64)> =
                record.part_sizes.iter().enumerate().map(|(i, s)| (i + 1, *s)).filter(|(n, _)| *n > marker).collect();
            let truncated = parts.len() > max_parts;
            let shown = &parts[..parts.len().min(max_parts)];
            x.nest("ObjectParts", |x| {
                x.elem("PartsCount", &record.part_sizes.len().to_string())
                    .elem("PartNumberMarker", &marker.to_string())
                    .elem("MaxParts", &max_parts.to_string())
                    .elem("IsTruncated", if truncated { "true" } else { "false" });
                if let Some((last, _)) = shown.last().filter(|_| truncated) {
                    x.elem("NextPartNumberMarker", &last.to_string());
                }
                for (n, size) in shown {
                    x.nest("Part", |x| {
                        x.elem("PartNumber", &n.to_string()).elem("Size", &size.to_string());
                    });
                }
            });
        }
        if has("StorageClass") {
            x.elem("StorageClass", record.storage_class.as_str());
        }
        if has("ObjectSize") {
            x.elem("ObjectSize", &record.size.to_string());
        }
    });
    set(r.headers_mut(), "last-modified", &http_date(record.modified_ms));
    version_header(objects, bucket, &record, r.headers_mut());
    Ok(r)
}
