//! S3's error shape: a status, and `<Error><Code>…</Code><Message>…</Message>…</Error>`
//! (no body for HEAD).

use crate::body::{empty, full};
use http::{HeaderValue, StatusCode};
use squall_api::query::Xml;
use squall_objects::Error as E;
use squall_runtime::Body;

/// An S3 error as the client will see it.
#[derive(Debug)]
pub(crate) struct S3Error {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// More elements of the error document (`Key`, `BucketName`, …).
    pub(crate) details: Vec<(&'static str, String)>,
    /// Headers a few errors carry (a 304's ETag).
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl S3Error {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        S3Error { status, code, message: message.into(), details: Vec::new(), headers: Vec::new() }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )
    }

    pub(crate) fn malformed_xml() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    }

    pub(crate) fn not_implemented(what: &str) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, "NotImplemented", format!("{what} is not supported yet by Squall"))
    }

    /// A 404 for a bucket setting that is not there (`NoSuchLifecycleConfiguration`, …).
    pub(crate) fn unset(code: &'static str, message: &str, bucket: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message).with("BucketName", bucket)
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// The response; `resource` is the request's path, `head` leaves the body out.
    pub(crate) fn into_response(self, resource: &str, request_id: &str, head: bool) -> http::Response<Body> {
        let mut x = Xml::default();
        x.nest("Error", |x| {
            x.elem("Code", self.code).elem("Message", &self.message);
            for (name, value) in &self.details {
                x.elem(name, value);
            }
            x.elem("Resource", resource).elem("RequestId", request_id);
        });
        let body = if head || self.status == StatusCode::NOT_MODIFIED {
            empty()
        } else {
            full(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", x.finish()))
        };
        let mut r = http::Response::new(body);
        *r.status_mut() = self.status;
        if !head && self.status != StatusCode::NOT_MODIFIED {
            r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
        r
    }
}

impl From<E> for S3Error {
    fn from(e: E) -> Self {
        let message = e.to_string();
        let s = |status, code| S3Error::new(status, code, message.clone());
        match e {
            E::NoSuchBucket(b) => s(StatusCode::NOT_FOUND, "NoSuchBucket").with("BucketName", b),
            E::NoSuchKey(k) => s(StatusCode::NOT_FOUND, "NoSuchKey").with("Key", k),
            E::SseCustomerKeyRequired => s(StatusCode::BAD_REQUEST, "InvalidRequest"),
            E::InvalidBucketState(_) => s(StatusCode::CONFLICT, "InvalidBucketState"),
            E::AccessDenied(_) => s(StatusCode::FORBIDDEN, "AccessDenied"),
            E::SseCustomerKeyMismatch => s(StatusCode::FORBIDDEN, "AccessDenied"),
            E::NoSuchVersion { key, version_id } => {
                s(StatusCode::NOT_FOUND, "NoSuchVersion").with("Key", key).with("VersionId", version_id)
            }
            E::DeleteMarker { key, version_id, modified_ms, by_version } => {
                let mut r = match by_version {
                    true => s(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed")
                        .with("Method", "GET")
                        .with("ResourceType", "DeleteMarker"),
                    false => s(StatusCode::NOT_FOUND, "NoSuchKey").with("Key", key),
                };
                r.headers.push(("x-amz-delete-marker", "true".into()));
                r.headers.push(("x-amz-version-id", version_id.unwrap_or_else(|| "null".into())));
                if by_version {
                    r.headers.push(("last-modified", super::dates::http_date(modified_ms)));
                }
                r
            }
            E::InvalidBucketName(b) => s(StatusCode::BAD_REQUEST, "InvalidBucketName").with("BucketName", b),
            E::BucketAlreadyOwnedByYou(b) => s(StatusCode::CONFLICT, "BucketAlreadyOwnedByYou").with("BucketName", b),
            E::BucketNotEmpty(b) => s(StatusCode::CONFLICT, "BucketNotEmpty").with("BucketName", b),
            E::KeyTooLong => s(StatusCode::BAD_REQUEST, "KeyTooLongError"),
            E::InvalidRange { size } => {
                s(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange").with("ActualObjectSize", size.to_string())
            }
            E::PreconditionFailed => s(StatusCode::PRECONDITION_FAILED, "PreconditionFailed"),
            E::NotModified { etag, modified_ms } => {
                let mut r = s(StatusCode::NOT_MODIFIED, "NotModified");
                r.headers.push(("etag", format!("\"{etag}\"")));
                r.headers.push(("last-modified", super::dates::http_date(modified_ms)));
                r
            }
            E::BadDigest(_) => s(StatusCode::BAD_REQUEST, "BadDigest"),
            E::InvalidDigest(_) => s(StatusCode::BAD_REQUEST, "InvalidDigest"),
            E::InvalidRequest(_) => s(StatusCode::BAD_REQUEST, "InvalidRequest"),
            E::InvalidArgument(_) => s(StatusCode::BAD_REQUEST, "InvalidArgument"),
            E::BadRequest(_) => s(StatusCode::BAD_REQUEST, "BadRequest"),
            E::InvalidTag(_) => s(StatusCode::BAD_REQUEST, "InvalidTag"),
            E::InvalidStorageClass(_) => s(StatusCode::BAD_REQUEST, "InvalidStorageClass"),
            E::InvalidObjectState { storage_class, .. } => {
                s(StatusCode::FORBIDDEN, "InvalidObjectState").with("StorageClass", storage_class)
            }
            E::InvalidBucketAclWithObjectOwnership(b) => {
                s(StatusCode::BAD_REQUEST, "InvalidBucketAclWithObjectOwnership").with("BucketName", b)
            }
            E::UnresolvableGrantByEmailAddress(_) => s(StatusCode::BAD_REQUEST, "UnresolvableGrantByEmailAddress"),
            E::InvalidTargetBucketForLogging(_) => s(StatusCode::BAD_REQUEST, "InvalidTargetBucketForLogging"),
            E::Kms { code, .. } => s(StatusCode::BAD_REQUEST, code),
            E::NotImplemented(_) => s(StatusCode::NOT_IMPLEMENTED, "NotImplemented"),
            E::NoSuchUpload(id) => s(StatusCode::NOT_FOUND, "NoSuchUpload").with("UploadId", id),
            E::InvalidPart(_) => s(StatusCode::BAD_REQUEST, "InvalidPart"),
            E::InvalidPartOrder => s(StatusCode::BAD_REQUEST, "InvalidPartOrder"),
            E::EntityTooSmall { size } => s(StatusCode::BAD_REQUEST, "EntityTooSmall")
                .with("ProposedSize", size.to_string())
                .with("MinSizeAllowed", squall_objects::MIN_PART_SIZE.to_string()),
            E::InvalidPartNumber => s(StatusCode::BAD_REQUEST, "InvalidPartNumber"),
            E::MalformedPolicy(_) => s(StatusCode::BAD_REQUEST, "MalformedPolicy"),
            E::NoSuchBucketPolicy(b) => s(StatusCode::NOT_FOUND, "NoSuchBucketPolicy").with("BucketName", b),
            E::NoSuchWebsiteConfiguration(b) => {
                s(StatusCode::NOT_FOUND, "NoSuchWebsiteConfiguration").with("BucketName", b)
            }
            E::EntityTooLarge => s(StatusCode::BAD_REQUEST, "EntityTooLarge")
                .with("MaxSizeAllowed", squall_objects::MAX_WRITE.to_string()),
            E::Body { code, message } => S3Error::new(body_status(code), code, message),
            E::Storage(e) => {
                tracing::error!(error = %e, "object storage failed");
                S3Error::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "internal error; see the server log")
            }
        }
    }
}

/// The status of an error a request body raised.
fn body_status(code: &str) -> StatusCode {
    match code {
        "SignatureDoesNotMatch" | "AccessDenied" => StatusCode::FORBIDDEN,
        "EntityTooLarge" => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    }
}
