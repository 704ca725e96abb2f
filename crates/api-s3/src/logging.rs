//! Put/GetBucketLogging: where a bucket's access logs go (`LoggingEnabled`: the target
//! bucket, its prefix, simple or partitioned keys), or nowhere (an empty
//! `BucketLoggingStatus`). Target grants are refused by name: Squall grants access by
//! bucket policy, whose permission for `logging.s3.amazonaws.com` the objects service checks.

use super::error::S3Error;
use super::{S3Request, xml, xml_response};
use squall_objects::Objects;
use squall_objects::access_log::LoggingConfig;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    objects.bucket(bucket)?;
    let body = req.read_small(16 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "BucketLoggingStatus").ok_or_else(S3Error::malformed_xml)?;
    let logging = match doc.child("LoggingEnabled") {
        None => None,
        Some(on) => {
            let target_bucket = on.text_of("TargetBucket").map(str::trim).ok_or_else(S3Error::malformed_xml)?;
            if on.child("TargetGrants").is_some_and(|g| !g.children.is_empty()) {
                return Err(S3Error::not_implemented(
                    "TargetGrants (Squall grants access by bucket policy: let logging.s3.amazonaws.com s3:PutObject in the target's policy)",
                ));
            }
            let partition_date_source = match on.child("TargetObjectKeyFormat") {
                None => None,
                Some(f) => match (f.child("SimplePrefix"), f.child("PartitionedPrefix")) {
                    (Some(_), None) => None,
                    (None, Some(p)) => match p.text_of("PartitionDateSource").map(str::trim) {
                        None | Some("EventTime") => Some("EventTime".to_string()),
                        Some("DeliveryTime") => Some("DeliveryTime".to_string()),
                        Some(_) => return Err(S3Error::malformed_xml()),
                    },
                    _ => return Err(S3Error::malformed_xml()),
                },
            };
            Some(LoggingConfig {
                target_bucket: target_bucket.to_string(),
                target_prefix: on.text_of("TargetPrefix").unwrap_or("").to_string(),
                partition_date_source,
            })
        }
    };
    objects.set_logging(bucket, logging).await?;
    Ok(http::Response::new(crate::body::empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let logging = objects.bucket(bucket)?.logging;
    Ok(xml_response("BucketLoggingStatus", |x| {
        if let Some(l) = &logging {
            x.nest("LoggingEnabled", |x| {
                x.elem("TargetBucket", &l.target_bucket).elem("TargetPrefix", &l.target_prefix);
                x.nest("TargetObjectKeyFormat", |x| match &l.partition_date_source {
                    None => {
                        x.nest("SimplePrefix", |_| {});
                    }
                    Some(source) => {
                        x.nest("PartitionedPrefix", |x| {
                            x.elem("PartitionDateSource", source);
                        });
                    }
                });
            });
        }
    }))
}
