//! Buckets served as static websites on the http port: a request whose host is
//! `<bucket>.s3-website.localhost` (or `.s3-website.<domain>`, any port) reads that bucket's objects without
//! signing, as S3's website endpoint does for a public bucket; the bucket's website
//! configuration is what makes it public.

use crate::body::{empty, full};
use crate::objects::{stored_headers, stream_body};
use http::{HeaderValue, Method, StatusCode};
use squall_objects::conditions::{ByteRange, Conditions};
use squall_objects::website::WebsitePage;
use squall_objects::{Error, ObjectRead, Objects};
use squall_runtime::Body;

/// The bucket a request's host names as a website (`<bucket>.s3-website.localhost`, or
/// `<bucket>.s3-website.<domain>` with `--s3-domain`), if it names one.
pub fn bucket_of(req: &http::Request<hyper::body::Incoming>, domain: Option<&str>) -> Option<String> {
    squall_api::host::bucket_in_host(squall_api::host::host_name(req.headers()), ".s3-website", domain)
        .map(str::to_string)
}

fn page(status: StatusCode, code: &str, message: &str, key: Option<&str>) -> http::Response<Body> {
    let key = key.map(|k| format!("<li>Key: {}</li>", squall_api::query::escape(k))).unwrap_or_default();
    let reason = status.canonical_reason().unwrap_or("");
    let html = format!(
        "<html><head><title>{} {reason}</title></head><body><h1>{} {reason}</h1><ul><li>Code: {code}</li><li>Message: {message}</li>{key}</ul></body></html>\n",
        status.as_u16(),
        status.as_u16()
    );
    let mut r = http::Response::new(full(html));
    *r.status_mut() = status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

fn object(read: ObjectRead, status: StatusCode, head: bool) -> http::Response<Body> {
    let length = match read.range {
        Some((first, last)) => last - first + 1,
        None => read.record.size,
    };
    let mut r = http::Response::new(if head { empty() } else { stream_body(read.body) });
    stored_headers(&read.record, r.headers_mut());
    if let Some((first, last)) = read.range {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{}", read.record.size)) {
            r.headers_mut().insert(http::header::CONTENT_RANGE, v);
        }
    } else {
        *r.status_mut() = status;
    }
    r.headers_mut().insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
    r
}

/// Serves one website request.
pub async fn serve(objects: &Objects, bucket: &str, req: http::Request<hyper::body::Incoming>) -> http::Response<Body> {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return page(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            None,
        );
    }
    // The website endpoint answers everyone: a bucket whose public access block restricts
    // public access serves no one here.
    let restricted =
        objects.bucket(bucket).is_ok_and(|b| b.public_access_block.is_some_and(|p| p.restrict_public_buckets));
    if restricted {
        return page(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied", None);
    }
    let path = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8_lossy().into_owned();
    let path = path.strip_prefix('/').unwrap_or(&path).to_string();
    let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok());
    let conditions = Conditions {
        if_match: header("if-match").map(str::to_string),
        if_none_match: header("if-none-match").map(str::to_string),
        if_modified_since: header("if-modified-since").and_then(crate::parse_http_date),
        if_unmodified_since: header("if-unmodified-since").and_then(crate::parse_http_date),
    };
    let range = header("range").and_then(ByteRange::parse);
    // Its requests are anonymous: an SSE-KMS object, which S3 serves only to SigV4
    // requests allowed to decrypt, is not served.
    let kms = |read: &squall_objects::ObjectRead| {
        matches!(read.record.encryption.as_ref().map(|e| &e.kind), Some(squall_objects::sse::SseKind::Kms { .. }))
    };
    let kms_refused = || page(StatusCode::FORBIDDEN, "AccessDenied", "The object is encrypted with SSE-KMS", None);
    match objects.website_page(bucket, &path, &conditions, range).await {
        Ok(WebsitePage::Object(read) | WebsitePage::NotFound { error_document: Some(read), .. }) if kms(&read) => {
            kms_refused()
        }
        Ok(WebsitePage::Object(read)) => object(read, StatusCode::OK, head),
        Ok(WebsitePage::Redirect(location)) => {
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::FOUND;
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(http::header::LOCATION, v);
            }
            r
        }
        Ok(WebsitePage::NotFound { error_document: Some(read), .. }) => object(read, StatusCode::NOT_FOUND, head),
        Ok(WebsitePage::NotFound { key, error_document: None }) => {
            page(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist.", Some(&key))
        }
        Err(Error::NotModified { etag, .. }) => {
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
                r.headers_mut().insert(http::header::ETAG, v);
            }
            r
        }
        Err(Error::PreconditionFailed) => page(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
            None,
        ),
        Err(Error::InvalidRange { .. }) => {
            page(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange", "The requested range is not satisfiable", None)
        }
        Err(e @ Error::InvalidObjectState { .. }) => {
            page(StatusCode::FORBIDDEN, "InvalidObjectState", &e.to_string(), None)
        }
        // The website endpoint takes no customer keys: an SSE-C object is not served.
        Err(e @ (Error::SseCustomerKeyRequired | Error::SseCustomerKeyMismatch)) => {
            page(StatusCode::FORBIDDEN, "AccessDenied", &e.to_string(), None)
        }
        Err(e @ (Error::NoSuchBucket(_) | Error::NoSuchWebsiteConfiguration(_))) => {
            let code = if matches!(e, Error::NoSuchBucket(_)) { "NoSuchBucket" } else { "NoSuchWebsiteConfiguration" };
            page(StatusCode::NOT_FOUND, code, &e.to_string(), None)
        }
        Err(e) => {
            tracing::error!(error = %e, "website request failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "internal error; see the server log", None)
        }
    }
}
