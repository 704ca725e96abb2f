//! Browser form uploads (S3's POST object): `POST /<bucket>` with a multipart/form-data
//! body whose fields come first and whose `file` field, last, is the object. The form is
//! authenticated by its signed policy (`auth::authenticate_form`), the policy checked
//! (`post_policy`), and the fields turned into the headers of a PutObject, which then
//! runs as any other: the same checks, authorization, encryption and streaming, the
//! file's bytes read from the form as they arrive.

use super::error::S3Error;
use super::objects::set;
use super::post_policy::PostPolicy;
use super::{RequestBody, S3Request};
use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use squall_api::ApiState;
use squall_objects::{ByteSource, Error, Result as ObjectsResult};
use squall_runtime::Body;

/// How large the fields before the file may be in all (S3's limit).
const MAX_FIELDS: usize = 20 << 10;

/// How long the form may send nothing before it is given up.
const IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// Fields that sign the form, read by `auth::authenticate_form`, not written anywhere.
const SIGNING: [&str; 8] = [
    "policy",
    "awsaccesskeyid",
    "signature",
    "x-amz-signature",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-security-token",
];

/// Fields that shape the answer.
const ANSWER: [&str; 3] = ["success_action_status", "success_action_redirect", "redirect"];

/// Whether a request is a form upload: a POST to a bucket itself, no subresource, with a
/// multipart/form-data body.
pub(crate) fn is_form_upload(parts: &http::request::Parts, bucket: Option<&str>, key: Option<&str>) -> bool {
    parts.method == Method::POST
        && bucket.is_some()
        && key.is_none()
        && parts.uri.query().is_none_or(str::is_empty)
        && parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn malformed() -> S3Error {
    S3Error::new(
        StatusCode::BAD_REQUEST,
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )
}

fn timed_out() -> S3Error {
    S3Error::new(
        StatusCode::BAD_REQUEST,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the timeout period.",
    )
}

/// What reading the form failed with, in S3's terms.
fn form_error(e: multer::Error) -> S3Error {
    match e {
        multer::Error::StreamReadFailed(inner) if inner.to_string() == "idle" => timed_out(),
        _ => malformed(),
    }
}

/// The connection's body as the chunks multer reads, given up after [`IDLE`] of silence.
fn chunks(body: Incoming) -> impl futures::Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static {
    futures::stream::unfold(Some(body), |body| async move {
        let mut body = body?;
        loop {
            match tokio::time::timeout(IDLE, body.frame()).await {
                Err(_) => return Some((Err(std::io::Error::other("idle")), None)),
                Ok(None) => return None,
                Ok(Some(Err(e))) => return Some((Err(std::io::Error::other(e)), None)),
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        return Some((Ok(data), Some(body)));
                    }
                }
            }
        }
    })
}

/// The form's file, read as the object's body; its size must fall in the policy's
/// `content-length-range`.
pub(crate) struct FormFile {
    field: multer::Field<'static>,
    read: u64,
    range: (u64, u64),
}

fn body_error(code: &'static str, message: &str) -> Error {
    Error::Body { code, message: message.into() }
}

#[async_trait]
impl ByteSource for FormFile {
    async fn next_chunk(&mut self) -> ObjectsResult<Option<Bytes>> {
        match self.field.chunk().await {
            Ok(Some(chunk)) => {
                self.read += chunk.len() as u64;
                if self.read > self.range.1 {
                    return Err(body_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"));
                }
                Ok(Some(chunk))
            }
            Ok(None) if self.read < self.range.0 => {
                Err(body_error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                let e = form_error(e);
                Err(Error::Body { code: e.code, message: e.message })
            }
        }
    }
}

/// The form's fields before the file (names lowercased, values as sent), and the file.
async fn read_form(
    parts: &http::request::Parts,
    body: Incoming,
) -> Result<(Vec<(String, String)>, FileField), S3Error> {
    let content_type = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(content_type).map_err(|_| malformed())?;
    let mut form = multer::Multipart::new(chunks(body), boundary);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut size = 0;
    loop {
        let Some(mut field) = form.next_field().await.map_err(form_error)? else {
            return Err(S3Error::invalid_argument("POST requires exactly one file upload per request.")
                .with("ArgumentName", "file"));
        };
        let name = field.name().unwrap_or("").to_ascii_lowercase();
        if name == "file" {
            let filename = field.file_name().unwrap_or("").to_string();
            // The fields after the file are not read: S3 ignores them.
            return Ok((fields, FileField { field, filename }));
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            size += chunk.len();
            if size + name.len() > MAX_FIELDS {
                return Err(S3Error::new(
                    StatusCode::BAD_REQUEST,
                    "MaxPostPreDataLengthExceeded",
                    "Your POST request fields preceding the upload file were too large.",
                ));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value)
            .map_err(|_| S3Error::invalid_argument(format!("The form field {name} is not UTF-8 text")))?;
        if fields.iter().any(|(k, _)| *k == name) {
            return Err(S3Error::invalid_argument(format!("The form field {name} is given more than once"))
                .with("ArgumentName", name));
        }
        fields.push((name, value));
    }
}

/// The form's file field and the name of the file it carries.
struct FileField {
    field: multer::Field<'static>,
    filename: String,
}

/// The headers of the PutObject a form's fields describe; a field Squall does not honour
/// is refused by name.
fn headers_of(fields: &[(String, String)]) -> Result<HeaderMap, S3Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in fields {
        let header = match name.as_str() {
            n if SIGNING.contains(&n) || ANSWER.contains(&n) || n == "key" || n.starts_with("x-ignore-") => continue,
            // A form uploads its file: it copies nothing.
            n if n.starts_with("x-amz-copy-source") => {
                return Err(S3Error::invalid_argument(format!("The form field {n} does not apply to POST uploads"))
                    .with("ArgumentName", n));
            }
            "acl" => "x-amz-acl".to_string(),
            "tagging" => {
                let tags = crate::objects::parse_tagging(value.as_bytes())?;
                let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(tags).finish();
                set(&mut headers, "x-amz-tagging", &query);
                continue;
            }
            n if n.starts_with("x-amz-")
                || n == "content-type"
                || n == "content-md5"
                || squall_objects::record::STORED_HEADERS.contains(&n) =>
            {
                n.to_string()
            }
            other => {
                return Err(S3Error::invalid_argument(format!(
                    "The form field {other} is not one S3 POST uploads take; Squall does not honour it"
                ))
                .with("ArgumentName", other));
            }
        };
        let name = http::HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| S3Error::invalid_argument(format!("The form field {header} cannot be a header")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            S3Error::invalid_argument(format!("The form field {header} has a value no header can carry"))
        })?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// Serves a form upload; errors come back in S3's shape, with CORS applied either way.
pub(crate) async fn serve(
    state: &ApiState,
    parts: http::request::Parts,
    body: Incoming,
    (bucket, virtual_host): (String, bool),
    request_id: &str,
) -> http::Response<Body> {
    let resource = parts.uri.path().to_string();
    let (origin_headers, method) = (parts.headers.clone(), parts.method.clone());
    let mut resp = match upload(state, parts, body, &bucket, virtual_host, request_id).await {
        Ok(r) => r,
        Err(mut e) => {
            if matches!(e.code, "EntityTooLarge" | "EntityTooSmall") {
                // S3 answers a file outside the policy's range with 400, not 413.
                e.status = StatusCode::BAD_REQUEST;
            }
            squall_api::refusals::record("s3", e.code, &e.message);
            let mut r = e.into_response(&resource, request_id, false);
            // What the form had not sent yet is not read: the connection closes.
            r.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
    };
    super::cors::add_headers(&state.objects, &origin_headers, &method, Some(&bucket), &mut resp);
    resp
}

async fn upload(
    state: &ApiState,
    mut parts: http::request::Parts,
    body: Incoming,
    bucket: &str,
    virtual_host: bool,
    request_id: &str,
) -> Result<http::Response<Body>, S3Error> {
    let (mut fields, file) = read_form(&parts, body).await?;
    // The key names the file where it says `${filename}`; the policy is checked against
    // the key so made, as S3 checks it.
    let key = fields.iter_mut().find(|(k, _)| k == "key").ok_or_else(|| {
        S3Error::invalid_argument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
        )
        .with("ArgumentName", "key")
    })?;
    key.1 = key.1.replace("${filename}", &file.filename);
    let key = key.1.clone();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let caller = super::auth::authenticate_form(&state.keys, field)?;
    let range = match field("policy") {
        Some(policy) if caller.is_some() => {
            let now = (squall_clock::wall_ms() / 1000) as i64;
            PostPolicy::parse(policy)?.check(now, bucket, &fields)?
        }
        _ => (0, u64::MAX),
    };
    if key.is_empty() {
        return Err(S3Error::invalid_argument("The form's key is empty").with("ArgumentName", "key"));
    }
    // The request becomes the PutObject the form describes.
    let host = parts.headers.get(http::header::HOST).cloned();
    parts.headers = headers_of(&fields)?;
    if let Some(host) = host {
        parts.headers.insert(http::header::HOST, host);
    }
    parts.method = Method::PUT;
    let requester = super::requester(&parts, caller.as_ref(), request_id);
    let anonymous = caller.is_none();
    let signed_v4 = !anonymous && field("x-amz-signature").is_some();
    let source = FormFile { field: file.field, read: 0, range };
    let mut req = S3Request {
        parts,
        bucket: Some(bucket.to_string()),
        key: Some(key.clone()),
        query: Vec::new(),
        payload: super::auth::Payload::Unsigned,
        requester,
        caller,
        anonymous,
        signed_v4,
        body: RequestBody::Form(Box::new(source)),
    };
    // The PutObject's own checks, authorization and write.
    let put = super::route(state, &mut req).await?;
    Ok(answer(&req, put, bucket, &key, &fields, virtual_host))
}

/// The answer S3 gives a form: a redirect to `success_action_redirect` with the object's
/// bucket, key and ETag; or `success_action_status` 200 (empty), 201 (a `PostResponse`
/// document) or, by default, 204.
fn answer(
    req: &S3Request,
    put: http::Response<Body>,
    bucket: &str,
    key: &str,
    fields: &[(String, String)],
    virtual_host: bool,
) -> http::Response<Body> {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let etag = put.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let host = req.header("host").unwrap_or("localhost");
    let encoded = percent_encoding::utf8_percent_encode(key, crate::buckets::URL_KEY);
    let location = match virtual_host {
        true => format!("http://{host}/{encoded}"),
        false => format!("http://{host}/{bucket}/{encoded}"),
    };
    let redirect = field("success_action_redirect").or(field("redirect")).filter(|u| u.parse::<http::Uri>().is_ok());
    let (status, mut resp) = match (redirect, field("success_action_status")) {
        (Some(url), _) => {
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("bucket", bucket)
                .append_pair("key", key)
                .append_pair("etag", &etag)
                .finish();
            let sep = if url.contains('?') { '&' } else { '?' };
            let mut r = http::Response::new(crate::body::empty());
            set(r.headers_mut(), "location", &format!("{url}{sep}{query}"));
            (StatusCode::SEE_OTHER, r)
        }
        (None, Some("201")) => {
            let r = super::xml_response("PostResponse", |x| {
                x.elem("Location", &location).elem("Bucket", bucket).elem("Key", key).elem("ETag", &etag);
            });
            (StatusCode::CREATED, r)
        }
        (None, Some("200")) => (StatusCode::OK, http::Response::new(crate::body::empty())),
        _ => (StatusCode::NO_CONTENT, http::Response::new(crate::body::empty())),
    };
    *resp.status_mut() = status;
    for (name, value) in put.headers() {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
    if status != StatusCode::SEE_OTHER {
        set(resp.headers_mut(), "location", &location);
    }
    resp
}
