//! PutBucketWebsite, GetBucketWebsite, DeleteBucketWebsite: index and error documents
//! (redirects and routing rules are refused as not supported yet).

use super::error::S3Error;
use super::{S3Request, xml, xml_response};
use crate::body::empty;
use squall_objects::Objects;
use squall_objects::website::WebsiteConfig;
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(64 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "WebsiteConfiguration").ok_or_else(S3Error::malformed_xml)?;
    if doc.child("RedirectAllRequestsTo").is_some() || doc.child("RoutingRules").is_some() {
        return Err(S3Error::not_implemented("website redirects and routing rules"));
    }
    let index_suffix = doc
        .child("IndexDocument")
        .and_then(|i| i.text_of("Suffix"))
        .ok_or_else(|| S3Error::invalid_argument("A value for IndexDocument Suffix must be provided"))?
        .to_string();
    let error_key = doc.child("ErrorDocument").and_then(|e| e.text_of("Key")).map(str::to_string);
    objects.set_website(bucket, Some(WebsiteConfig { index_suffix, error_key })).await?;
    Ok(http::Response::new(empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let config = objects
        .bucket(bucket)?
        .website
        .ok_or_else(|| S3Error::from(squall_objects::Error::NoSuchWebsiteConfiguration(bucket.into())))?;
    Ok(xml_response("WebsiteConfiguration", |x| {
        x.nest("IndexDocument", |x| {
            x.elem("Suffix", &config.index_suffix);
        });
        if let Some(k) = &config.error_key {
            x.nest("ErrorDocument", |x| {
                x.elem("Key", k);
            });
        }
    }))
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_website(bucket, None).await?;
    Ok(super::no_content())
}
