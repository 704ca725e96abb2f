//! The S3 REST adapter: buckets and objects by path (`/bucket/key`) or by virtual host
//! (`bucket.localhost`, or `bucket.<domain>` with `--s3-domain`), XML documents, S3's error codes. Bodies are never read whole:
//! the signature is checked from the headers, and object bodies stream into the objects
//! service, which checks their hash, MD5 and checksums before keeping them.

mod access;
mod access_log;
mod acl;
mod attributes;
mod auth;
mod buckets;
mod cors;
mod dates;
mod encryption;
mod error;
mod headers;
mod lifecycle_rules;
mod lock;
mod logging;
mod multipart;
mod notifications;
pub(crate) mod objects;
mod policy;
mod post_object;
mod post_policy;
mod restore;
mod source;
mod sse;
mod unconfigured;
mod versioning;
mod versions;
mod website;
pub mod website_endpoint;
use squall_xml as xml;

pub(crate) use dates::parse_date as parse_http_date;
#[allow(unused_imports)]
pub(crate) use squall_api::{ApiError, body};

use crate::body::full;
use auth::Payload;
use error::S3Error;
use http::{HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use source::{ChunkedSource, PlainSource};
use squall_api::ApiState;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::query::Xml;
use squall_objects::ByteSource;
use squall_runtime::Body;

/// S3's XML namespace.
const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// S3: signed or presigned for `s3`, and whatever no other service claims (so S3 answers
/// an anonymous request, if only with AccessDenied). Bodies stream; it authenticates and
/// renders its errors itself.
pub static SERVICE: Service = Service {
    name: "s3",
    signing_name: Some("s3"),
    protocol: Protocol::RestXml,
    recognition: Recognition::Signature,
    namespace: NS,
    query_code: None,
    unsigned: never,
    // Bodies stream into the objects service, which bounds each PUT and part.
    max_body: 0,
    handler: Handler::Streaming(|state, req, request_id| Box::pin(handle(state, req, request_id))),
};

/// An authenticated S3 request.
pub(crate) struct S3Request {
    pub(crate) parts: http::request::Parts,
    pub(crate) bucket: Option<String>,
    pub(crate) key: Option<String>,
    query: Vec<(String, String)>,
    payload: Payload,
    /// Who sent it, for object events.
    pub(crate) requester: squall_objects::events::Requester,
    /// Who signed it.
    pub(crate) caller: Option<squall_api::auth::Identity>,
    /// Whether it carries no signature (allowed only what the bucket policy grants everyone).
    pub(crate) anonymous: bool,
    /// Whether it is signed with SigV4 (SSE-KMS takes nothing less).
    pub(crate) signed_v4: bool,
    /// The body, which sources borrow, so what a refused request did not read can still
    /// be drained afterwards.
    body: RequestBody,
}

/// Where a request's body comes from.
pub(crate) enum RequestBody {
    /// The connection.
    Http(Incoming),
    /// A browser form's file (POST object).
    Form(Box<post_object::FormFile>),
    /// A request made inside the server ([`handle_as`]): its body whole, until read.
    Whole(Option<bytes::Bytes>),
}

/// A whole body as a source: one chunk.
struct WholeSource(Option<bytes::Bytes>);

#[async_trait::async_trait]
impl ByteSource for WholeSource {
    async fn next_chunk(&mut self) -> squall_objects::Result<Option<bytes::Bytes>> {
        Ok(self.0.take().filter(|b| !b.is_empty()))
    }
}

/// A borrowed source, for [`S3Request::source`].
struct Borrowed<'a>(&'a mut (dyn ByteSource + Send));

#[async_trait::async_trait]
impl ByteSource for Borrowed<'_> {
    async fn next_chunk(&mut self) -> squall_objects::Result<Option<bytes::Bytes>> {
        self.0.next_chunk().await
    }
}

impl S3Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether query parameter `name` is present (subresources have no value).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    /// Query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A page size parameter (`max-keys`, `max-parts`, `max-uploads`): 1000 when absent,
    /// at most 1000, `InvalidArgument` when not a non-negative integer.
    pub(crate) fn page_size(&self, name: &str) -> Result<usize, S3Error> {
        match self.param(name) {
            None => Ok(1000),
            Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(|n| n.min(1000) as usize).ok_or_else(|| {
                S3Error::invalid_argument(format!("Provided {name} not an integer or within integer range"))
            }),
        }
    }

    /// The body as the objects service reads it.
    pub(crate) fn source(&mut self) -> Box<dyn ByteSource + '_> {
        let body = match &mut self.body {
            RequestBody::Http(body) => body,
            RequestBody::Form(file) => return Box::new(Borrowed(file.as_mut())),
            RequestBody::Whole(body) => return Box::new(WholeSource(body.take())),
        };
        match &self.payload {
            Payload::Hashed(h) => Box::new(PlainSource::new(body, Some(h.clone()))),
            Payload::Unsigned => Box::new(PlainSource::new(body, None)),
            Payload::Chunked { signing } => {
                let declared =
                    self.parts.headers.get("x-amz-decoded-content-length").and_then(|v| v.to_str().ok()?.parse().ok());
                Box::new(ChunkedSource::new(body, signing.clone(), declared))
            }
        }
    }

    /// A small body (an XML document), at most `max` bytes, checked like any other: its
    /// signed hash, `Content-MD5` and `x-amz-checksum-*` (sent first or as a trailer).
    pub(crate) async fn read_small(&mut self, max: usize) -> Result<Vec<u8>, S3Error> {
        self.read_document(max, true).await
    }

    /// [`S3Request::read_small`]; with `checksum_is_body` false the `x-amz-checksum-*`
    /// header is not the body's (CompleteMultipartUpload's is the object's).
    pub(crate) async fn read_document(&mut self, max: usize, checksum_is_body: bool) -> Result<Vec<u8>, S3Error> {
        let (checksum, checksum_value) = if checksum_is_body { objects::checksum_of(self)? } else { (None, None) };
        let content_md5 = self.header("content-md5").map(str::to_string);
        let expected = squall_objects::Expected { content_md5, checksum, checksum_value };
        let mut source = self.source();
        let mut out = Vec::new();
        while let Some(chunk) = source.next_chunk().await? {
            if out.len() + chunk.len() > max {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "MaxMessageLengthExceeded",
                    format!("Your request was too big (at most {max} bytes)."),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        squall_objects::check_digests(&expected, &out, &source.trailing_checksums())?;
        Ok(out)
    }
}

/// The bucket and key a request addresses: `<bucket>.localhost` (or `<bucket>.<domain>`
/// with `--s3-domain`) hosts name the bucket (virtual-host style), otherwise the path's
/// first segment does.
fn address(parts: &http::request::Parts, domain: Option<&str>) -> (Option<String>, Option<String>, bool) {
    let host = squall_api::host::host_name(&parts.headers);
    let path = percent_encoding::percent_decode_str(parts.uri.path()).decode_utf8_lossy().into_owned();
    let path = path.strip_prefix('/').unwrap_or(&path);
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    if let Some(bucket) = squall_api::host::bucket_in_host(host, "", domain) {
        return (Some(bucket.to_string()), some(path), true);
    }
    match path.split_once('/') {
        Some((bucket, key)) => (some(bucket), some(key), false),
        None => (some(path), None, false),
    }
}

/// Serves one S3 request; errors are rendered in S3's shape.
pub async fn handle(state: &ApiState, req: http::Request<Incoming>, request_id: &str) -> http::Response<Body> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let head = parts.method == Method::HEAD;
    let resource = parts.uri.path().to_string();
    let (bucket, key, virtual_host) = address(&parts, state.s3_domain.as_deref());
    let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if parts.method == Method::OPTIONS {
        return cors::preflight(&state.objects, &parts.headers, bucket.as_deref())
            .unwrap_or_else(|e| e.into_response(&resource, request_id, false));
    }
    let logged = bucket.as_deref().is_some_and(|b| state.objects.logs_access(b));
    let seen = logged.then(|| access_log::Seen::of(&parts, started));
    if post_object::is_form_upload(&parts, bucket.as_deref(), key.as_deref()) {
        let bucket = bucket.unwrap_or_default();
        let resp = post_object::serve(state, parts, body, (bucket.clone(), virtual_host), request_id).await;
        if let Some(seen) = &seen {
            access_log::record(&state.objects, seen, (&bucket, None, &[]), None, request_id, &resp, None);
        }
        return resp;
    }
    let virtual_bucket = bucket.as_deref().filter(|_| virtual_host);
    let (payload, caller) = match auth::authenticate(&state.keys, &parts, virtual_bucket) {
        Ok(p) => p,
        Err(e) => return e.into_response(&resource, request_id, head),
    };
    let requester = requester(&parts, caller.as_ref(), request_id);
    let anonymous = caller.is_none();
    let signed_v4 = !anonymous && !auth::is_v2(&parts);
    let declared = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let body = RequestBody::Http(body);
    let req = S3Request { parts, bucket, key, query, payload, requester, caller, anonymous, signed_v4, body };
    let (mut resp, body) = serve(state, req, seen.as_ref(), request_id).await;
    if let RequestBody::Http(body) = body
        && !http_body::Body::is_end_stream(&body)
    {
        finish_unread(body, declared, &mut resp).await;
    }
    resp
}

/// Serves a request made inside the server as `caller`, an identity the platform holds (a
/// state machine's role session, for Step Functions' AWS SDK integration): not signed,
/// path-style, its body whole; authorized as `caller` like any other request.
pub async fn handle_as(
    state: &ApiState,
    req: http::Request<bytes::Bytes>,
    caller: squall_api::auth::Identity,
    request_id: &str,
) -> http::Response<Body> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let (bucket, key, _) = address(&parts, None);
    let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let logged = bucket.as_deref().is_some_and(|b| state.objects.logs_access(b));
    let seen = logged.then(|| access_log::Seen::of(&parts, started));
    let requester = requester(&parts, Some(&caller), request_id);
    let body = RequestBody::Whole(Some(body));
    let (payload, caller, anonymous, signed_v4) = (Payload::Unsigned, Some(caller), false, true);
    let req = S3Request { parts, bucket, key, query, payload, requester, caller, anonymous, signed_v4, body };
    serve(state, req, seen.as_ref(), request_id).await.0
}

/// Serves an authenticated request: routes it, renders its error, logs its access and adds
/// its CORS headers; the body, as far as it was read, comes back.
async fn serve(
    state: &ApiState,
    mut req: S3Request,
    seen: Option<&access_log::Seen>,
    request_id: &str,
) -> (http::Response<Body>, RequestBody) {
    let resource = req.parts.uri.path().to_string();
    let head = req.parts.method == Method::HEAD;
    let mut error_code = None;
    let mut resp = match route(state, &mut req).await {
        Ok(r) => r,
        Err(e) => {
            squall_api::refusals::record("s3", e.code, &e.message);
            error_code = Some(e.code);
            e.into_response(&resource, request_id, head)
        }
    };
    if let (Some(seen), Some(bucket)) = (seen, &req.bucket) {
        let at = (bucket.as_str(), req.key.as_deref(), req.query.as_slice());
        access_log::record(&state.objects, seen, at, req.caller.as_ref(), request_id, &resp, error_code);
    }
    cors::add_headers(&state.objects, &req.parts.headers, &req.parts.method, req.bucket.as_deref(), &mut resp);
    (resp, req.body)
}

/// Who sent a request, for object events.
pub(crate) fn requester(
    parts: &http::request::Parts,
    caller: Option<&squall_api::auth::Identity>,
    request_id: &str,
) -> squall_objects::events::Requester {
    squall_objects::events::Requester {
        request_id: request_id.to_string(),
        source_ip: parts
            .extensions
            .get::<squall_api::host::PeerAddr>()
            .map(|p| p.0.ip().to_string())
            .unwrap_or_default(),
        principal: caller.map_or_else(String::new, |c| c.access_key_id.clone()),
        lifecycle: false,
    }
}

/// A body the request was refused without reading: a small one is read and dropped, so
/// the connection can carry the next request; for a larger one the connection closes
/// (and says so), rather than make the server read what it will not keep.
async fn finish_unread(body: Incoming, declared: Option<u64>, resp: &mut http::Response<Body>) {
    const DRAIN_MAX: u64 = 1 << 20;
    if declared.is_some_and(|n| n <= DRAIN_MAX) {
        let drained = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            http_body_util::Limited::new(body, DRAIN_MAX as usize).collect().await.is_ok()
        });
        if drained.await.unwrap_or(false) {
            return;
        }
    }
    resp.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
}

/// Subresources Squall does not serve yet: refused rather than mistaken for a plain
/// read or write.
const UNSUPPORTED: [&str; 6] = ["analytics", "inventory", "metrics", "intelligent-tiering", "torrent", "select"];

/// S3's limits on a request's headers: 8 KiB in all, and 2 KiB of user metadata (the UTF-8
/// bytes of each `x-amz-meta-*` key, without its prefix, and value).
fn check_header_sizes(headers: &http::HeaderMap) -> Result<(), S3Error> {
    const MAX_HEADERS: usize = 8 << 10;
    const MAX_METADATA: usize = 2 << 10;
    let total: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if total > MAX_HEADERS {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "RequestHeaderSectionTooLarge",
            "Your request header section exceeds the maximum allowed size.",
        ));
    }
    let metadata: usize =
        headers.iter().filter_map(|(k, v)| k.as_str().strip_prefix("x-amz-meta-").map(|key| key.len() + v.len())).sum();
    if metadata > MAX_METADATA {
        return Err(S3Error::new(
            StatusCode::BAD_REQUEST,
            "MetadataTooLarge",
            format!(
                "Your metadata headers exceed the maximum allowed metadata size ({metadata} bytes; at most {MAX_METADATA})."
            ),
        ));
    }
    Ok(())
}

/// The query parameters of bucket reads (listings, uploads, location, versioning) and of
/// DeleteObjects.
const BUCKET_PARAMS: [&str; 21] = [
    "max-buckets",
    "bucket-region",
    "list-type",
    "prefix",
    "delimiter",
    "max-keys",
    "marker",
    "continuation-token",
    "start-after",
    "fetch-owner",
    "encoding-type",
    "location",
    "uploads",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
    "delete",
    "x-id",
    "optional-object-attributes",
    "versions",
    "version-id-marker",
];

/// Query parameters that carry a presigned URL's signature.
fn is_auth_param(name: &str) -> bool {
    name.starts_with("X-Amz-") || matches!(name, "AWSAccessKeyId" | "Signature" | "Expires" | "x-id")
}

async fn route(state: &ApiState, req: &mut S3Request) -> Result<http::Response<Body>, S3Error> {
    if req.key.is_none()
        && let Some(sub) = BUCKET_CONFIG.into_iter().find(|s| req.has(s))
    {
        let bucket = req.bucket.clone().unwrap_or_default();
        return bucket_config(state, req, &bucket, sub).await;
    }
    // Objects have tags of their own; the rest of the bucket configuration they lack.
    let bucket_only = BUCKET_CONFIG.iter().filter(|s| !matches!(**s, "tagging" | "acl"));
    if let Some(sub) = UNSUPPORTED.iter().chain(bucket_only).find(|s| req.has(s)) {
        return Err(S3Error::not_implemented(&format!("the ?{sub} subresource")));
    }
    versioning::refuse_mfa(req)?;
    check_header_sizes(&req.parts.headers)?;
    if req.key.is_none()
        && let Some((k, _)) = req.query.iter().find(|(k, _)| {
            let listing = req.parts.method == Method::GET || (req.parts.method == Method::POST && k == "delete");
            let known = is_auth_param(k) || (listing && BUCKET_PARAMS.contains(&k.as_str()));
            !known
        })
    {
        // A bucket subresource this adapter does not know must not fall through to
        // CreateBucket or a listing.
        return Err(S3Error::not_implemented(&format!("the ?{k} subresource")));
    }
    // Object Lambda's callback (no bucket name has capitals): not served.
    if req.bucket.as_deref() == Some("WriteGetObjectResponse") && req.parts.method == Method::POST {
        return Err(S3Error::not_implemented("WriteGetObjectResponse (S3 Object Lambda)"));
    }
    let op = operation(req)?;
    if let Some(v) = req.param("versionId") {
        if !VERSIONED.contains(&op) {
            return Err(S3Error::invalid_argument(format!("{op} does not take a versionId")));
        }
        squall_objects::versions::check_version_id(v)?;
    }
    sse::check_allowed(req, op)?;
    lock::check_allowed(req, op)?;
    acl::check_allowed(req, op)?;
    headers::check(req, op)?;
    if let Err(denied) = access::authorize(state, req, op) {
        // What policies do not allow, an ACL may grant.
        access::granted_by_acl(state, req, op, denied).await?;
    }
    let objects = &state.objects;
    if matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload") {
        let bucket = req.bucket.as_deref().unwrap_or_default();
        let (ownership, block, default) =
            objects.with_bucket(bucket, |b| (b.ownership, b.public_access_block, b.encryption.clone()))?;
        acl::check_request(req, ownership, block, false)?;
        let asked = sse::requested(req)?;
        if let Some(key) = sse::kms_key_of(asked.as_ref(), default.as_ref()) {
            let actions: &[&'static str] = match op {
                "CreateMultipartUpload" => &["kms:GenerateDataKey", "kms:Decrypt"],
                _ => &["kms:GenerateDataKey"],
            };
            sse::authorize_kms(state, req, &key, (bucket, req.key.as_deref().unwrap_or_default()), actions)?;
        }
    }
    if matches!(op, "UploadPart" | "UploadPartCopy" | "CompleteMultipartUpload")
        && let (Some(bucket), Some(key), Some(id)) = (req.bucket.as_deref(), req.key.as_deref(), req.param("uploadId"))
    {
        // An upload's parts are sealed under its data key: adding to it takes the right to open it.
        let encryption = objects.upload_encryption(bucket, key, id).await.ok().flatten();
        if let Some(kms) = sse::stored_kms_key(encryption.as_ref()) {
            sse::authorize_kms(state, req, &kms, (bucket, key), &["kms:Decrypt"])?;
        }
    }
    if matches!(op, "CopyObject" | "UploadPartCopy") {
        // A copy reads its source's bytes: an SSE-KMS source takes the right to decrypt.
        let source = objects::copy_source(req)?;
        let record = objects.record(&source.bucket, &source.key, source.version.as_deref()).await;
        if let Some(kms) = record.as_ref().ok().and_then(|r| sse::stored_kms_key(r.encryption.as_ref())) {
            sse::authorize_kms(state, req, &kms, (&source.bucket, &source.key), &["kms:Decrypt"])?;
        }
    }
    let (b, k) = (req.bucket.clone().unwrap_or_default(), req.key.clone().unwrap_or_default());
    match op {
        "ListBuckets" => buckets::list_buckets(objects, req),
        "CreateBucket" => buckets::create_bucket(objects, req, &b).await,
        "HeadBucket" => buckets::head_bucket(objects, &b),
        "DeleteBucket" => buckets::delete_bucket(objects, &b).await,
        "ListMultipartUploads" => multipart::list_uploads(objects, req, &b).await,
        "ListObjects" | "ListObjectsV2" | "GetBucketLocation" => buckets::get(objects, req, &b).await,
        "ListObjectVersions" => versions::list(objects, req, &b).await,
        "CreateMultipartUpload" => multipart::create(objects, req, &b, &k).await,
        "CompleteMultipartUpload" => multipart::complete(objects, req, &b, &k).await,
        "UploadPart" | "UploadPartCopy" => multipart::upload_part(objects, req, &b, &k).await,
        "AbortMultipartUpload" => multipart::abort(objects, req, &b, &k).await,
        "ListParts" => multipart::list_parts(objects, req, &b, &k).await,
        "DeleteObjects" => objects::delete_objects(state, req, &b).await,
        "PutObjectTagging" => objects::put_tagging(state, req, &b, &k).await,
        "GetObjectTagging" => objects::get_tagging(objects, req, &b, &k).await,
        "GetObjectAttributes" => attributes::get(objects, req, &b, &k).await,
        "GetObjectAcl" => acl::get(objects.record(&b, &k, req.param("versionId")).await?.acl),
        "PutObjectAcl" => acl::put(objects, req, &b, Some(&k)).await,
        "RestoreObject" => restore::restore(objects, req, &b, &k).await,
        "PutObjectRetention" => lock::put_retention(state, req, &b, &k).await,
        "GetObjectRetention" => lock::get_retention(objects, req, &b, &k).await,
        "PutObjectLegalHold" => lock::put_legal_hold(objects, req, &b, &k).await,
        "GetObjectLegalHold" => lock::get_legal_hold(objects, req, &b, &k).await,
        "DeleteObjectTagging" => objects::delete_tagging(objects, req, &b, &k).await,
        "CopyObject" => objects::copy_object(objects, req, &b, &k).await,
        "PutObject" => objects::put_object(objects, req, &b, &k).await,
        "GetObject" | "HeadObject" => objects::get_object(state, req, &b, &k).await,
        "DeleteObject" => objects::delete_object(state, req, &b, &k).await,
        _ => Err(S3Error::method_not_allowed()),
    }
}

/// botocore's name of the object or bucket operation `req` is (its configuration
/// subresources aside).
fn operation(req: &S3Request) -> Result<&'static str, S3Error> {
    let (bucket, key) = (req.bucket.is_some(), req.key.is_some());
    Ok(match (&req.parts.method, bucket, key) {
        (&Method::GET, false, false) => "ListBuckets",
        (_, false, _) => return Err(S3Error::method_not_allowed()),
        (&Method::PUT, true, false) => "CreateBucket",
        (&Method::HEAD, true, false) => "HeadBucket",
        (&Method::DELETE, true, false) => "DeleteBucket",
        (&Method::GET, true, false) if req.has("uploads") => "ListMultipartUploads",
        (&Method::GET, true, false) if req.has("location") => "GetBucketLocation",
        (&Method::GET, true, false) if req.has("versions") => "ListObjectVersions",
        (&Method::GET, true, false) if req.param("list-type") == Some("2") => "ListObjectsV2",
        (&Method::GET, true, false) => "ListObjects",
        (&Method::POST, true, true) if req.has("uploads") => "CreateMultipartUpload",
        (&Method::POST, true, true) if req.has("restore") => "RestoreObject",
        (&Method::POST, true, true) if req.has("uploadId") => "CompleteMultipartUpload",
        (&Method::PUT, true, true) if req.has("uploadId") && req.header("x-amz-copy-source").is_some() => {
            "UploadPartCopy"
        }
        (&Method::PUT, true, true) if req.has("uploadId") => "UploadPart",
        (&Method::DELETE, true, true) if req.has("uploadId") => "AbortMultipartUpload",
        (&Method::GET, true, true) if req.has("uploadId") => "ListParts",
        (&Method::POST, true, false) if req.has("delete") => "DeleteObjects",
        (&Method::PUT, true, true) if req.has("tagging") => "PutObjectTagging",
        (&Method::GET, true, true) if req.has("tagging") => "GetObjectTagging",
        (&Method::GET, true, true) if req.has("attributes") => "GetObjectAttributes",
        (&Method::GET, true, true) if req.has("acl") => "GetObjectAcl",
        (&Method::PUT, true, true) if req.has("acl") => "PutObjectAcl",
        (&Method::PUT, true, true) if req.has("retention") => "PutObjectRetention",
        (&Method::GET, true, true) if req.has("retention") => "GetObjectRetention",
        (&Method::PUT, true, true) if req.has("legal-hold") => "PutObjectLegalHold",
        (&Method::GET, true, true) if req.has("legal-hold") => "GetObjectLegalHold",
        // An object subresource with a method it does not serve is no plain object request.
        (_, true, true) if ["acl", "retention", "legal-hold", "attributes"].iter().any(|s| req.has(s)) => {
            return Err(S3Error::method_not_allowed());
        }
        (&Method::DELETE, true, true) if req.has("tagging") => "DeleteObjectTagging",
        (&Method::PUT, true, true) if req.header("x-amz-copy-source").is_some() => "CopyObject",
        (&Method::PUT, true, true) => "PutObject",
        (&Method::GET, true, true) => "GetObject",
        (&Method::HEAD, true, true) => "HeadObject",
        (&Method::DELETE, true, true) => "DeleteObject",
        _ => return Err(S3Error::method_not_allowed()),
    })
}

/// The operations that take a `versionId` (of the object version they act on).
const VERSIONED: [&str; 14] = [
    "RestoreObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "GetObjectTagging",
    "PutObjectTagging",
    "DeleteObjectTagging",
    "GetObjectAttributes",
    "GetObjectAcl",
    "PutObjectAcl",
    "PutObjectRetention",
    "GetObjectRetention",
    "PutObjectLegalHold",
    "GetObjectLegalHold",
];

/// A bucket's configuration subresources (on an object, all but `tagging` are refused as
/// unsupported).
const BUCKET_CONFIG: [&str; 17] = [
    "lifecycle",
    "logging",
    "acl",
    "ownershipControls",
    "publicAccessBlock",
    "policyStatus",
    "object-lock",
    "encryption",
    "cors",
    "notification",
    "website",
    "tagging",
    "policy",
    "versioning",
    "accelerate",
    "requestPayment",
    "replication",
];

/// Put, get or delete one of [`BUCKET_CONFIG`].
async fn bucket_config(
    state: &ApiState,
    req: &mut S3Request,
    bucket: &str,
    sub: &str,
) -> Result<http::Response<Body>, S3Error> {
    let o = &state.objects;
    let op = match (sub, req.parts.method.clone()) {
        ("cors", Method::PUT) => "PutBucketCors",
        ("cors", Method::GET) => "GetBucketCors",
        ("cors", Method::DELETE) => "DeleteBucketCors",
        ("notification", Method::PUT) => "PutBucketNotificationConfiguration",
        ("notification", Method::GET) => "GetBucketNotificationConfiguration",
        ("website", Method::PUT) => "PutBucketWebsite",
        ("website", Method::GET) => "GetBucketWebsite",
        ("website", Method::DELETE) => "DeleteBucketWebsite",
        ("tagging", Method::PUT) => "PutBucketTagging",
        ("tagging", Method::GET) => "GetBucketTagging",
        ("tagging", Method::DELETE) => "DeleteBucketTagging",
        ("policy", Method::PUT) => "PutBucketPolicy",
        ("policy", Method::GET) => "GetBucketPolicy",
        ("policy", Method::DELETE) => "DeleteBucketPolicy",
        ("versioning", Method::PUT) => "PutBucketVersioning",
        ("versioning", Method::GET) => "GetBucketVersioning",
        ("lifecycle", Method::PUT) => "PutBucketLifecycleConfiguration",
        ("lifecycle", Method::GET) => "GetBucketLifecycleConfiguration",
        ("lifecycle", Method::DELETE) => "DeleteBucketLifecycle",
        ("logging", Method::PUT) => "PutBucketLogging",
        ("logging", Method::GET) => "GetBucketLogging",
        ("acl", Method::GET) => "GetBucketAcl",
        ("acl", Method::PUT) => "PutBucketAcl",
        ("ownershipControls", Method::GET) => "GetBucketOwnershipControls",
        ("ownershipControls", Method::PUT) => "PutBucketOwnershipControls",
        ("ownershipControls", Method::DELETE) => "DeleteBucketOwnershipControls",
        ("publicAccessBlock", Method::GET) => "GetPublicAccessBlock",
        ("publicAccessBlock", Method::PUT) => "PutPublicAccessBlock",
        ("publicAccessBlock", Method::DELETE) => "DeletePublicAccessBlock",
        ("policyStatus", Method::GET) => "GetBucketPolicyStatus",
        ("object-lock", Method::PUT) => "PutObjectLockConfiguration",
        ("object-lock", Method::GET) => "GetObjectLockConfiguration",
        ("encryption", Method::PUT) => "PutBucketEncryption",
        ("encryption", Method::GET) => "GetBucketEncryption",
        ("encryption", Method::DELETE) => "DeleteBucketEncryption",
        ("accelerate", Method::GET) => "GetBucketAccelerateConfiguration",
        ("requestPayment", Method::GET) => "GetBucketRequestPayment",
        ("requestPayment", Method::PUT) => "PutBucketRequestPayment",
        ("replication", Method::GET) => "GetBucketReplication",
        ("accelerate" | "replication", _) => {
            return Err(S3Error::not_implemented(&format!("changing the bucket's {sub} configuration")));
        }
        _ => return Err(S3Error::method_not_allowed()),
    };
    // Settings meant for other operations are refused, not ignored.
    sse::check_allowed(req, op)?;
    lock::check_allowed(req, op)?;
    acl::check_allowed(req, op)?;
    headers::check(req, op)?;
    if let Err(denied) = access::authorize(state, req, op) {
        access::granted_by_acl(state, req, op, denied).await?;
    }
    match op {
        "PutBucketCors" => cors::put(o, req, bucket).await,
        "GetBucketCors" => cors::get(o, bucket),
        "DeleteBucketCors" => cors::delete(o, bucket).await,
        "PutBucketNotificationConfiguration" => notifications::put(state, req, bucket).await,
        "GetBucketNotificationConfiguration" => notifications::get(o, bucket),
        "PutBucketWebsite" => website::put(o, req, bucket).await,
        "GetBucketWebsite" => website::get(o, bucket),
        "DeleteBucketWebsite" => website::delete(o, bucket).await,
        "PutBucketTagging" => objects::put_bucket_tagging(o, req, bucket).await,
        "GetBucketTagging" => objects::get_bucket_tagging(o, bucket),
        "PutBucketPolicy" => policy::put(o, req, bucket).await,
        "GetBucketPolicy" => policy::get(o, bucket),
        "DeleteBucketPolicy" => policy::delete(o, bucket).await,
        "PutBucketVersioning" => versioning::put(o, req, bucket).await,
        "GetBucketVersioning" => versioning::get(o, bucket),
        "PutBucketLifecycleConfiguration" => lifecycle_rules::put(o, req, bucket).await,
        "GetBucketLifecycleConfiguration" => lifecycle_rules::get(o, bucket),
        "DeleteBucketLifecycle" => lifecycle_rules::delete(o, bucket).await,
        "PutBucketLogging" => logging::put(o, req, bucket).await,
        "GetBucketLogging" => logging::get(o, bucket),
        "GetBucketAcl" => acl::get(o.bucket(bucket)?.acl),
        "PutBucketAcl" => acl::put(o, req, bucket, None).await,
        "GetBucketOwnershipControls" => acl::get_ownership(o, bucket),
        "PutBucketOwnershipControls" => acl::put_ownership(o, req, bucket).await,
        "DeleteBucketOwnershipControls" => acl::delete_ownership(o, bucket).await,
        "GetPublicAccessBlock" => acl::get_public_access_block(o, bucket),
        "PutPublicAccessBlock" => acl::put_public_access_block(o, req, bucket).await,
        "DeletePublicAccessBlock" => acl::delete_public_access_block(o, bucket).await,
        "GetBucketPolicyStatus" => acl::policy_status(o, bucket),
        "PutObjectLockConfiguration" => lock::put_config(o, req, bucket).await,
        "GetObjectLockConfiguration" => lock::get_config(o, bucket),
        "PutBucketEncryption" => encryption::put(state, req, bucket).await,
        "GetBucketEncryption" => encryption::get(o, bucket),
        "DeleteBucketEncryption" => encryption::delete(o, bucket).await,
        "GetBucketAccelerateConfiguration" => unconfigured::get_accelerate(o, bucket),
        "GetBucketRequestPayment" => unconfigured::get_request_payment(o, bucket),
        "PutBucketRequestPayment" => unconfigured::put_request_payment(o, req, bucket).await,
        "GetBucketReplication" => unconfigured::get_replication(o, bucket),
        _ => objects::delete_bucket_tagging(o, bucket).await,
    }
}

/// An empty 204.
pub(crate) fn no_content() -> http::Response<Body> {
    let mut r = http::Response::new(crate::body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// A 200 XML response: `root` (in S3's namespace) around what `inner` writes.
pub(crate) fn xml_response(root: &str, inner: impl FnOnce(&mut Xml)) -> http::Response<Body> {
    let mut x = Xml::default();
    inner(&mut x);
    let doc = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NS}\">{}</{root}>", x.finish());
    let mut r = http::Response::new(full(doc));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
    r
}

/// The canonical user id S3 reports as every object's and bucket's owner: one account
/// per installation.
pub(crate) fn owner_id() -> String {
    squall_objects::owner_id()
}
