//! What the api port knows of each AWS service it speaks: how a request is recognised as
//! the service's, which protocol family it speaks, how its errors look and how big its
//! requests may be. Each adapter declares one [`Service`]; `api::SERVICES` lists them.

use crate::body::{full, json_response};
use crate::{ApiError, ApiRequest, ApiState};
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode};
use hyper::body::Incoming;
use squall_runtime::Body;
use std::fmt::Write as _;

/// An adapter's answer to one request.
pub type Reply = Result<http::Response<Body>, ApiError>;

/// The AWS protocol families. The family decides how errors are rendered; operations are
/// named by `X-Amz-Target` (JSON), an `Action` parameter (query) or method and path (REST).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `X-Amz-Target: <prefix>.<Op>`, JSON in and out, errors `{"__type": "<ns>#<Code>"}`.
    AwsJson10,
    /// awsJson1.0 with the content type `application/x-amz-json-1.1` (SSM, Secrets Manager).
    AwsJson11,
    /// `Action=<Op>` form parameters in, XML out, `<ErrorResponse>` errors.
    Query,
    /// Method and path, JSON bodies, the error's code in `x-amzn-ErrorType`.
    RestJson,
    /// Method and path, XML bodies, `<Error>` documents (S3, which renders its own).
    RestXml,
}

/// How a request is recognised as a service's, besides its signature's service.
#[derive(Debug, Clone, Copy)]
pub enum Recognition {
    /// `X-Amz-Target: <prefix>.<Op>`: the prefix, without its dot.
    Target(&'static str),
    /// Paths under one of these prefixes.
    Paths(&'static [&'static str]),
    /// Only by the service its request is signed for (query protocols, S3).
    Signature,
}

/// How a service's adapter takes a request.
pub enum Handler {
    /// The body is read whole (at most `max_body`) and the SigV4 signature checked by the
    /// gateway; the adapter gets the operation named by `X-Amz-Target` ("" otherwise).
    Buffered(for<'a> fn(&'a ApiState, &'a ApiRequest, &'a str) -> BoxFuture<'a, Reply>),
    /// The adapter gets the request as it arrives and authenticates it itself (S3:
    /// streamed bodies, presigned URLs, chunk signatures); it renders its own errors.
    Streaming(for<'a> fn(&'a ApiState, http::Request<Incoming>, &'a str) -> BoxFuture<'a, http::Response<Body>>),
}

/// One AWS service on the api port.
pub struct Service {
    /// Its name in logs.
    pub name: &'static str,
    /// The service SigV4 signatures are scoped to (`None`: any, for Squall's own control
    /// plane); a request recognised by its target or path but signed for another service
    /// is refused, as AWS refuses it.
    pub signing_name: Option<&'static str>,
    pub protocol: Protocol,
    pub recognition: Recognition,
    /// JSON: the namespace of error types; query: the XML namespace of documents.
    pub namespace: &'static str,
    /// For services that also speak (or once spoke) the query protocol: an error's query
    /// code, sent in `x-amzn-query-error` on JSON (`awsQueryCompatible`) and as the code on
    /// query.
    pub query_code: Option<fn(&'static str) -> &'static str>,
    /// Requests it serves without a signature (SNS's confirmation and unsubscribe links).
    pub unsigned: fn(&http::Method, &http::Uri) -> bool,
    /// The largest body a buffered request may have.
    pub max_body: usize,
    pub handler: Handler,
}

/// [`Service::unsigned`] for services that serve nothing unsigned.
pub fn never(_: &http::Method, _: &http::Uri) -> bool {
    false
}

impl Service {
    /// The operation `X-Amz-Target` names for this service, if it is recognised that way.
    pub fn target_operation<'h>(&self, target: &'h str) -> Option<&'h str> {
        let Recognition::Target(prefix) = self.recognition else { return None };
        target.strip_prefix(prefix)?.strip_prefix('.')
    }

    /// Renders `e` in this service's protocol.
    pub fn error_response(&self, e: ApiError, request_id: &str) -> http::Response<Body> {
        match self.protocol {
            Protocol::AwsJson10 => {
                let query = self.query_code.map(|f| format!("{};{}", f(e.code), fault(e.status)));
                let mut r = json_error(self.namespace, e);
                if let Some(v) = query.and_then(|q| HeaderValue::from_str(&q).ok()) {
                    r.headers_mut().insert("x-amzn-query-error", v);
                }
                r
            }
            Protocol::AwsJson11 => {
                let mut r = json_error(self.namespace, e);
                r.headers_mut()
                    .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(crate::json::CONTENT_TYPE_11));
                r
            }
            Protocol::Query => {
                let code = match e.code {
                    // The query protocol's common codes for authentication failures.
                    "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
                    "UnrecognizedClientException" => "InvalidClientTokenId",
                    "InvalidSignatureException" => "SignatureDoesNotMatch",
                    "ExpiredTokenException" => "ExpiredToken",
                    other => self.query_code.map_or(other, |f| f(other)),
                };
                query_error(self.namespace, ApiError { code, ..e }, request_id)
            }
            Protocol::RestJson | Protocol::RestXml => rest_json_error(e),
        }
    }
}

fn fault(status: StatusCode) -> &'static str {
    if status.is_server_error() { "Receiver" } else { "Sender" }
}

/// `{"__type": "<namespace>#<code>", "message": …}` plus the error's extra members.
pub fn json_error(namespace: &str, e: ApiError) -> http::Response<Body> {
    let mut doc = e.extra.unwrap_or_default();
    let kind = if namespace.is_empty() { e.code.to_string() } else { format!("{namespace}#{}", e.code) };
    doc.insert("__type".into(), kind.into());
    doc.insert("message".into(), e.message.into());
    let mut r = json_response(e.status, &serde_json::Value::Object(doc));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    r
}

/// Lambda's shape: `x-amzn-ErrorType: <code>`, body `{"Type": "User", "message": …}`.
pub fn rest_json_error(e: ApiError) -> http::Response<Body> {
    let kind = if e.status.is_server_error() { "Service" } else { "User" };
    let mut r = json_response(e.status, &serde_json::json!({ "Type": kind, "message": e.message }));
    r.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static(e.code));
    r
}

/// The query protocol's `<ErrorResponse>`.
pub fn query_error(namespace: &str, e: ApiError, request_id: &str) -> http::Response<Body> {
    let mut x = crate::query::Xml::default();
    let _ = write!(x.0, r#"<?xml version="1.0"?><ErrorResponse xmlns="{namespace}">"#);
    x.nest("Error", |err| {
        err.elem("Type", fault(e.status)).elem("Code", e.code).elem("Message", &e.message);
    });
    x.elem("RequestId", request_id);
    x.0.push_str("</ErrorResponse>");
    let mut r = http::Response::new(full(x.0));
    *r.status_mut() = e.status;
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}
