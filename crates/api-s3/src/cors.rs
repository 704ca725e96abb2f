//! Bucket CORS: PutBucketCors, GetBucketCors, DeleteBucketCors, preflight `OPTIONS`
//! requests (unsigned, as browsers send them), and the CORS headers of requests that
//! carry an `Origin`.

use super::error::S3Error;
use super::objects::set;
use super::{S3Request, xml, xml_response};
use crate::body::empty;
use http::StatusCode;
use squall_objects::Objects;
use squall_objects::cors::{CorsMatch, CorsRule, find_match};
use squall_runtime::Body;
use std::sync::Arc;

type Reply = Result<http::Response<Body>, S3Error>;

pub(super) async fn put(objects: &Arc<Objects>, req: &mut S3Request, bucket: &str) -> Reply {
    let body = req.read_small(64 << 10).await?;
    let doc = xml::parse(&body).filter(|d| d.name == "CORSConfiguration").ok_or_else(S3Error::malformed_xml)?;
    let texts = |r: &xml::Element, name: &str| r.all(name).map(|e| e.text.trim().to_string()).collect::<Vec<_>>();
    let mut rules = Vec::new();
    for r in doc.all("CORSRule") {
        let max_age = match r.text_of("MaxAgeSeconds") {
            None => None,
            Some(m) => Some(m.trim().parse().map_err(|_| S3Error::malformed_xml())?),
        };
        rules.push(CorsRule {
            id: r.text_of("ID").map(str::to_string),
            allowed_origins: texts(r, "AllowedOrigin"),
            allowed_methods: texts(r, "AllowedMethod"),
            allowed_headers: texts(r, "AllowedHeader"),
            expose_headers: texts(r, "ExposeHeader"),
            max_age_seconds: max_age,
        });
    }
    objects.set_cors(bucket, Some(rules)).await?;
    Ok(http::Response::new(empty()))
}

pub(super) fn get(objects: &Arc<Objects>, bucket: &str) -> Reply {
    let rules = objects.bucket(bucket)?.cors.ok_or_else(|| {
        S3Error::new(StatusCode::NOT_FOUND, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
            .with("BucketName", bucket)
    })?;
    Ok(xml_response("CORSConfiguration", |x| {
        for r in &rules {
            x.nest("CORSRule", |x| {
                if let Some(id) = &r.id {
                    x.elem("ID", id);
                }
                for (name, values) in [
                    ("AllowedHeader", &r.allowed_headers),
                    ("AllowedMethod", &r.allowed_methods),
                    ("AllowedOrigin", &r.allowed_origins),
                    ("ExposeHeader", &r.expose_headers),
                ] {
                    for v in values {
                        x.elem(name, v);
                    }
                }
                if let Some(m) = r.max_age_seconds {
                    x.elem("MaxAgeSeconds", &m.to_string());
                }
            });
        }
    }))
}

pub(super) async fn delete(objects: &Arc<Objects>, bucket: &str) -> Reply {
    objects.set_cors(bucket, None).await?;
    Ok(super::no_content())
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn decorate(resp: &mut http::Response<Body>, m: &CorsMatch) {
    let h = resp.headers_mut();
    set(h, "access-control-allow-origin", &m.allow_origin);
    set(h, "access-control-allow-methods", &m.allow_methods.join(", "));
    if !m.expose_headers.is_empty() {
        set(h, "access-control-expose-headers", &m.expose_headers.join(", "));
    }
    if let Some(age) = m.max_age_seconds {
        set(h, "access-control-max-age", &age.to_string());
    }
    if m.allow_origin != "*" {
        set(h, "vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    }
}

/// Answers a preflight for `bucket`.
pub(super) fn preflight(objects: &Arc<Objects>, headers: &http::HeaderMap, bucket: Option<&str>) -> Reply {
    let (Some(origin), Some(method)) = (header(headers, "origin"), header(headers, "access-control-request-method"))
    else {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Insufficient information. Origin request header and Access-Control-Request-Method are needed.",
        ));
    };
    let bucket =
        bucket.ok_or_else(|| S3Error::new(StatusCode::BAD_REQUEST, "BadRequest", "A preflight names a bucket"))?;
    let requested: Vec<String> = header(headers, "access-control-request-headers")
        .map(|h| h.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let rules = objects.bucket(bucket)?.cors.unwrap_or_default();
    let m = find_match(&rules, origin, method, &requested).ok_or_else(|| {
        S3Error::new(
            StatusCode::FORBIDDEN,
            "AccessForbidden",
            "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not allowed by the resource's CORS spec.",
        )
        .with("Method", method)
        .with("ResourceType", "OBJECT")
    })?;
    let mut r = http::Response::new(empty());
    decorate(&mut r, &m);
    if !requested.is_empty() {
        set(r.headers_mut(), "access-control-allow-headers", &requested.join(", "));
    }
    Ok(r)
}

/// Adds CORS headers to the response of a request with an `Origin` a rule allows.
pub(super) fn add_headers(
    objects: &Arc<Objects>,
    headers: &http::HeaderMap,
    method: &http::Method,
    bucket: Option<&str>,
    resp: &mut http::Response<Body>,
) {
    let (Some(origin), Some(bucket)) = (header(headers, "origin"), bucket) else { return };
    let Some(rules) = objects.with_bucket(bucket, |b| b.cors.clone()).ok().flatten() else { return };
    if let Some(m) = find_match(&rules, origin, method.as_str(), &[]) {
        decorate(resp, &m);
    }
}
