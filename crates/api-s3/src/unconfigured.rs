//! Bucket settings Squall has only in their default state, answered as S3 answers a
//! bucket that never set them: transfer acceleration off, the owner paying for requests,
//! no replication. Setting one to anything else is refused by name, since Squall would
//! not do it.

use super::error::S3Error;
use super::{S3Request, xml, xml_response};
use squall_objects::Objects;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) fn get_accelerate(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.bucket(bucket)?;
    Ok(xml_response("AccelerateConfiguration", |_| {}))
}

pub(super) fn get_request_payment(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.bucket(bucket)?;
    Ok(xml_response("RequestPaymentConfiguration", |x| {
        x.elem("Payer", "BucketOwner");
    }))
}

/// PutBucketRequestPayment: `BucketOwner` is what every bucket here is; `Requester` would
/// need billing Squall does not have.
pub(super) async fn put_request_payment(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(16 << 10).await?;
    let doc =
        xml::parse(&body).filter(|d| d.name == "RequestPaymentConfiguration").ok_or_else(S3Error::malformed_xml)?;
    match doc.text_of("Payer").map(str::trim) {
        Some("BucketOwner") => {
            objects.bucket(bucket)?;
            Ok(http::Response::new(crate::body::empty()))
        }
        Some("Requester") => Err(S3Error::not_implemented("Requester Pays (Payer Requester)")),
        _ => Err(S3Error::malformed_xml()),
    }
}

pub(super) fn get_replication(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.bucket(bucket)?;
    Err(S3Error::unset("ReplicationConfigurationNotFoundError", "The replication configuration was not found", bucket))
}
