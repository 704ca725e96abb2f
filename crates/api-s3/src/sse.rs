//! Server-side encryption headers: what a write asks for (`x-amz-server-side-encryption:
//! AES256`, SSE-C's customer key), the key a read or a copy's source brings, the headers
//! a response reports, and which operations take which: any other use is refused naming
//! the header. SSE-KMS is refused by name (Squall has no KMS yet).

use super::S3Request;
use super::error::S3Error;
use super::objects::set;
use http::HeaderMap;
use squall_objects::sse::{CustomerKey, Encryption, SseKind, SseRequest};

const SSE: &str = "x-amz-server-side-encryption";
pub(crate) const CUSTOMER: &str = "x-amz-server-side-encryption-customer-";
pub(crate) const COPY_CUSTOMER: &str = "x-amz-copy-source-server-side-encryption-customer-";

/// The encryption a write (PutObject, CopyObject, CreateMultipartUpload) asks for.
pub(crate) fn requested(req: &S3Request) -> Result<Option<SseRequest>, S3Error> {
    let customer = customer_key(req, CUSTOMER)?;
    for name in ["x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context"] {
        if req.header(name).is_some() {
            return Err(S3Error::not_implemented(&format!("SSE-KMS (the {name} header; Squall has no KMS)")));
        }
    }
    if req.header("x-amz-server-side-encryption-bucket-key-enabled").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(S3Error::not_implemented(
            "S3 Bucket Keys (x-amz-server-side-encryption-bucket-key-enabled, an SSE-KMS setting)",
        ));
    }
    match (req.header(SSE), customer) {
        (None, None) => Ok(None),
        (None, Some(c)) => Ok(Some(SseRequest::Customer(c))),
        (Some(_), Some(_)) => Err(S3Error::invalid_argument(
            "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
        )),
        (Some("AES256"), None) => Ok(Some(SseRequest::S3)),
        (Some(v @ ("aws:kms" | "aws:kms:dsse")), None) => {
            Err(S3Error::not_implemented(&format!("SSE-KMS ({SSE}: {v}; Squall has no KMS)")))
        }
        (Some(v), None) => Err(S3Error::invalid_argument("The encryption method specified is not supported")
            .with("ArgumentName", SSE)
            .with("ArgumentValue", v)),
    }
}

/// The customer key a request brings under `prefix` ([`CUSTOMER`], or [`COPY_CUSTOMER`]
/// for a copy's source): algorithm, key and key MD5 together.
pub(crate) fn customer_key(req: &S3Request, prefix: &str) -> Result<Option<CustomerKey>, S3Error> {
    let h = |suffix: &str| req.header(&format!("{prefix}{suffix}"));
    let missing = |what: &str| {
        S3Error::invalid_argument(format!(
            "Requests specifying Server Side Encryption with Customer provided keys must provide {what}."
        ))
    };
    match (h("algorithm"), h("key"), h("key-md5")) {
        (None, None, None) => Ok(None),
        (Some(a), Some(k), Some(m)) => Ok(Some(CustomerKey::parse(a, k, m)?)),
        (None, _, _) => Err(missing("a valid encryption algorithm")),
        (_, None, _) => Err(missing("an appropriate secret key")),
        (_, _, None) => Err(missing("the client calculated MD5 of the secret key")),
    }
}

/// The encryption headers of a response about an object (or upload) encrypted as `enc`.
pub(crate) fn report(enc: Option<&Encryption>, headers: &mut HeaderMap) {
    match enc.map(|e| &e.kind) {
        Some(SseKind::S3) => set(headers, SSE, "AES256"),
        Some(SseKind::Customer { key_md5 }) => {
            set(headers, &format!("{CUSTOMER}algorithm"), "AES256");
            set(headers, &format!("{CUSTOMER}key-MD5"), key_md5);
        }
        None => {}
    }
}

/// Refuses encryption headers on an operation that does not take them: S3's encryption
/// settings go with writes, a customer key also with reads of an object and parts, a
/// copy source's key with copies.
pub(crate) fn check_allowed(req: &S3Request, op: &str) -> Result<(), S3Error> {
    let writes = matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload");
    let reads = matches!(
        op,
        "UploadPart"
            | "UploadPartCopy"
            | "GetObject"
            | "HeadObject"
            | "GetObjectAttributes"
            | "CompleteMultipartUpload"
    );
    let copies = matches!(op, "CopyObject" | "UploadPartCopy");
    for name in req.parts.headers.keys().map(http::HeaderName::as_str) {
        let allowed = if name.starts_with(COPY_CUSTOMER) {
            copies
        } else if name.starts_with(CUSTOMER) {
            writes || reads
        } else if name.starts_with(SSE) {
            writes
        } else {
            continue;
        };
        if !allowed {
            return Err(S3Error::invalid_argument(format!("The {name} header is not accepted by {op}")));
        }
    }
    Ok(())
}
