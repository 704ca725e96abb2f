//! Server-side encryption headers: what a write asks for (`x-amz-server-side-encryption:
//! AES256`, `aws:kms` with its key id, context and bucket key, SSE-C's customer key), the
//! key a read or a copy's source brings, the headers a response reports, and which
//! operations take which: any other use is refused naming the header. The caller's right
//! to use a KMS key is checked here too ([`authorize_kms`]); S3's AWS-managed key needs
//! none, as on AWS.

use super::S3Request;
use super::error::S3Error;
use super::objects::set;
use base64::Engine;
use http::HeaderMap;
use squall_api::ApiState;
use squall_objects::sse::{Context, CustomerKey, Encryption, SseKind, SseRequest};

const SSE: &str = "x-amz-server-side-encryption";
pub(crate) const CUSTOMER: &str = "x-amz-server-side-encryption-customer-";
pub(crate) const COPY_CUSTOMER: &str = "x-amz-copy-source-server-side-encryption-customer-";

/// The encryption a write (PutObject, CopyObject, CreateMultipartUpload) asks for.
pub(crate) fn requested(req: &S3Request) -> Result<Option<SseRequest>, S3Error> {
    let customer = customer_key(req, CUSTOMER)?;
    let kms_only = [KMS_KEY, KMS_CONTEXT, BUCKET_KEY];
    if req.header(SSE) != Some("aws:kms")
        && let Some(name) = kms_only.into_iter().find(|h| req.header(h).is_some())
    {
        return Err(
            S3Error::invalid_argument(format!("The {name} header requires {SSE}: aws:kms")).with("ArgumentName", name)
        );
    }
    match (req.header(SSE), customer) {
        (None, None) => Ok(None),
        (None, Some(c)) => Ok(Some(SseRequest::Customer(c))),
        (Some(_), Some(_)) => Err(S3Error::invalid_argument(
            "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
        )),
        (Some("AES256"), None) => Ok(Some(SseRequest::S3)),
        (Some("aws:kms"), None) => Ok(Some(SseRequest::Kms {
            key_id: req.header(KMS_KEY).map(|k| k.trim().to_string()).filter(|k| !k.is_empty()),
            context: context_of(req.header(KMS_CONTEXT))?,
            bucket_key: match req.header(BUCKET_KEY).map(str::trim) {
                None => false,
                Some(v) => v.parse::<bool>().map_err(|_| {
                    S3Error::invalid_argument(format!("{BUCKET_KEY} must be true or false"))
                        .with("ArgumentName", BUCKET_KEY)
                })?,
            },
        })),
        (Some("aws:kms:dsse"), None) => {
            Err(S3Error::not_implemented(&format!("dual-layer SSE-KMS ({SSE}: aws:kms:dsse)")))
        }
        (Some(v), None) => Err(S3Error::invalid_argument("The encryption method specified is not supported")
            .with("ArgumentName", SSE)
            .with("ArgumentValue", v)),
    }
}

const KMS_KEY: &str = "x-amz-server-side-encryption-aws-kms-key-id";
const KMS_CONTEXT: &str = "x-amz-server-side-encryption-context";
const BUCKET_KEY: &str = "x-amz-server-side-encryption-bucket-key-enabled";

/// `x-amz-server-side-encryption-context`: base64 of a JSON object of strings.
fn context_of(header: Option<&str>) -> Result<Context, S3Error> {
    let Some(v) = header else { return Ok(Context::new()) };
    let invalid = || {
        S3Error::invalid_argument(format!("{KMS_CONTEXT} must be base64-encoded UTF-8 JSON of string pairs"))
            .with("ArgumentName", KMS_CONTEXT)
    };
    let json = base64::engine::general_purpose::STANDARD.decode(v.trim()).map_err(|_| invalid())?;
    serde_json::from_slice(&json).map_err(|_| invalid())
}

/// Checks that the caller may use the KMS key the object `(bucket, key)` is (or is to
/// be) encrypted under: `kms:GenerateDataKey` to write (`kms:Decrypt` too for multipart
/// uploads, whose parts open the key), `kms:Decrypt` to read (`squall_api::kms_use`). As
/// on S3, such requests must be signed with SigV4, whichever the key.
pub(crate) fn authorize_kms(
    state: &ApiState,
    req: &S3Request,
    key: &KmsUse<'_>,
    (bucket, object): (&str, &str),
    actions: &[&'static str],
) -> Result<(), S3Error> {
    if req.anonymous || !req.signed_v4 {
        return Err(S3Error::invalid_argument(
            "Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.",
        )
        .with("ArgumentName", "Authorization"));
    }
    let key_ref = match key {
        KmsUse::Asked(None) => return Ok(()),
        KmsUse::Asked(Some(key_ref)) => key_ref,
        KmsUse::Stored(arn) => arn,
    };
    let object_arn = format!("arn:aws:s3:::{bucket}/{object}");
    squall_api::kms_use::may_use_key(state, crate::access::caller_of(req), key_ref, &object_arn, actions).map_err(
        |refusal| match refusal {
            squall_api::kms_use::KeyRefusal::Key(e) => S3Error::from(e),
            // S3 answers a denial by KMS as its own AccessDenied.
            squall_api::kms_use::KeyRefusal::Denied(e) => {
                S3Error::new(http::StatusCode::FORBIDDEN, "AccessDenied", e.message)
            }
        },
    )
}

/// A KMS key a request uses: one it names (`None`: the AWS-managed key), or the one an
/// object was written under.
pub(crate) enum KmsUse<'a> {
    Asked(Option<&'a str>),
    Stored(&'a str),
}

/// The KMS key the write `request` (or, without one, the bucket's default) uses.
pub(crate) fn kms_key_of<'a>(
    request: Option<&'a SseRequest>,
    default: Option<&'a squall_objects::DefaultEncryption>,
) -> Option<KmsUse<'a>> {
    match request {
        Some(SseRequest::Kms { key_id, .. }) => Some(KmsUse::Asked(key_id.as_deref())),
        Some(_) => None,
        None => default.and_then(|d| d.kms.as_ref()).map(|k| KmsUse::Asked(k.key_id.as_deref())),
    }
}

/// The KMS key a stored object's bytes are sealed under, if any.
pub(crate) fn stored_kms_key(enc: Option<&Encryption>) -> Option<KmsUse<'_>> {
    match enc.map(|e| &e.kind) {
        Some(SseKind::Kms { key_arn, .. }) => Some(KmsUse::Stored(key_arn)),
        _ => None,
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
        Some(SseKind::Kms { key_arn, bucket_key, .. }) => {
            set(headers, SSE, "aws:kms");
            set(headers, KMS_KEY, key_arn);
            if *bucket_key {
                set(headers, BUCKET_KEY, "true");
            }
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
