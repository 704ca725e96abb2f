//! What the api port knows of each AWS service it speaks: how a request is recognised as
//! the service's, which protocol family it speaks, how its errors look and how big its
//! requests may be. Each adapter declares one [`Service`]; `api::SERVICES` lists them.

use super::{ApiError, ApiRequest, ApiState};
use crate::body::{full, json_response};
use futures::future::BoxFuture;
use http::{HeaderValue, StatusCode};
use hyper::body::Incoming;
use squall_runtime::Body;
use std::fmt::Write as _;

/// An adapter's answer to one request.
pub(crate) type Reply = Result<http::Response<Body>, ApiError>;

/// The AWS protocol families. The family decides how errors are rendered; operations are
/// named by `X-Amz-Target` (JSON), an `Action` parameter (query) or method and path (REST).
/// (awsJson1.1, which differs from 1.0 in its content type, comes with its first service.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `X-Amz-Target: <prefix>.<Op>`, JSON in and out, errors `{"__type": "<ns>#<Code>"}`.
    AwsJson10,
    /// `Action=<Op>` form parameters in, XML out, `<ErrorResponse>` errors.
    Query,
    /// Method and path, JSON bodies, the error's code in `x-amzn-ErrorType`.
    RestJson,
    /// Method and path, XML bodies, `<Error>` documents (S3, which renders its own).
    RestXml,
}

/// How a request is recognised as a service's, besides its signature's service.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Recognition {
    /// `X-Amz-Target: <prefix>.<Op>`: the prefix, without its dot.
    Target(&'static str),
    /// Paths under one of these prefixes.
    Paths(&'static [&'static str]),
    /// Only by the service its request is signed for (query protocols, S3).
    Signature,
}

/// How a service's adapter takes a request.
pub(crate) enum Handler {
    /// The body is read whole (at most `max_body`) and the SigV4 signature checked by the
    /// gateway; the adapter gets the operation named by `X-Amz-Target` ("" otherwise).
    Buffered(for<'a> fn(&'a ApiState, &'a ApiRequest, &'a str) -> BoxFuture<'a, Reply>),
    /// The adapter gets the request as it arrives and authenticates it itself (S3:
    /// streamed bodies, presigned URLs, chunk signatures); it renders its own errors.
    Streaming(for<'a> fn(&'a ApiState, http::Request<Incoming>, &'a str) -> BoxFuture<'a, http::Response<Body>>),
}

/// One AWS service on the api port.
pub(crate) struct Service {
    /// Its name in logs.
    pub(crate) name: &'static str,
    /// The service SigV4 signatures are scoped to (`None`: any, for Squall's own control
    /// plane); a request recognised by its target or path but signed for another service
    /// is refused, as AWS refuses it.
    pub(crate) signing_name: Option<&'static str>,
    pub(crate) protocol: Protocol,
    pub(crate) recognition: Recognition,
    /// JSON: the namespace of error types; query: the XML namespace of documents.
    pub(crate) namespace: &'static str,
    /// For services that also speak (or once spoke) the query protocol: an error's query
    /// code, sent in `x-amzn-query-error` on JSON (`awsQueryCompatible`) and as the code on
    /// query.
    pub(crate) query_code: Option<fn(&'static str) -> &'static str>,
    /// Requests it serves without a signature (SNS's confirmation and unsubscribe links).
    pub(crate) unsigned: fn(&http::Method, &http::Uri) -> bool,
    /// The largest body a buffered request may have.
    pub(crate) max_body: usize,
    pub(crate) handler: Handler,
}

/// [`Service::unsigned`] for services that serve nothing unsigned.
pub(crate) fn never(_: &http::Method, _: &http::Uri) -> bool {
    false
}

impl Service {
    /// The operation `X-Amz-Target` names for this service, if it is recognised that way.
    pub(crate) fn target_operation<'h>(&self, target: &'h str) -> Option<&'h str> {
        let Recognition::Target(prefix) = self.recognition else { return None };
        target.strip_prefix(prefix)?.strip_prefix('.')
    }

    /// Renders `e` in this service's protocol.
    pub(crate) fn error_response(&self, e: ApiError, request_id: &str) -> http::Response<Body> {
        match self.protocol {
            Protocol::AwsJson10 => {
                let query = self.query_code.map(|f| format!("{};{}", f(e.code), fault(e.status)));
                let mut r = json_error(self.namespace, e);
                if let Some(v) = query.and_then(|q| HeaderValue::from_str(&q).ok()) {
                    r.headers_mut().insert("x-amzn-query-error", v);
                }
                r
            }
            Protocol::Query => {
                let code = match e.code {
                    // The query protocol's common codes for authentication failures.
                    "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
                    "UnrecognizedClientException" => "InvalidClientTokenId",
                    "InvalidSignatureException" => "SignatureDoesNotMatch",
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
pub(crate) fn json_error(namespace: &str, e: ApiError) -> http::Response<Body> {
    let mut doc = e.extra.unwrap_or_default();
    let kind = if namespace.is_empty() { e.code.to_string() } else { format!("{namespace}#{}", e.code) };
    doc.insert("__type".into(), kind.into());
    doc.insert("message".into(), e.message.into());
    let mut r = json_response(e.status, &serde_json::Value::Object(doc));
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
    r
}

/// Lambda's shape: `x-amzn-ErrorType: <code>`, body `{"Type": "User", "message": …}`.
pub(crate) fn rest_json_error(e: ApiError) -> http::Response<Body> {
    let kind = if e.status.is_server_error() { "Service" } else { "User" };
    let mut r = json_response(e.status, &serde_json::json!({ "Type": kind, "message": e.message }));
    r.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static(e.code));
    r
}

/// The query protocol's `<ErrorResponse>`.
pub(crate) fn query_error(namespace: &str, e: ApiError, request_id: &str) -> http::Response<Body> {
    let mut x = super::query::Xml::default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn text(r: http::Response<Body>) -> String {
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    }

    fn refused(code: &'static str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, "no <good>")
    }

    #[tokio::test]
    async fn json_errors_carry_the_namespace_and_the_query_code_when_compatible() {
        let r = super::super::sqs::SERVICE.error_response(refused("QueueDoesNotExist"), "rid");
        assert_eq!(r.headers()["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender");
        assert_eq!(r.headers()["content-type"], "application/x-amz-json-1.0");
        let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
        assert_eq!(doc["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(doc["message"], "no <good>");
        // SQS's JSON names carry an `Exception` suffix its query codes do not.
        let r = super::super::sqs::SERVICE.error_response(refused("InvalidParameterValueException"), "rid");
        assert_eq!(r.headers()["x-amzn-query-error"], "InvalidParameterValue;Sender");
        let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
        assert_eq!(doc["__type"], "com.amazonaws.sqs#InvalidParameterValueException");
        let r = super::super::sqs_query::SERVICE.error_response(refused("MissingRequiredParameterException"), "rid");
        assert!(text(r).await.contains("<Code>MissingParameter</Code>"));
        let r = super::super::dynamodb::SERVICE.error_response(refused("ValidationException"), "rid");
        assert!(!r.headers().contains_key("x-amzn-query-error"));
    }

    #[tokio::test]
    async fn query_errors_use_the_query_protocols_authentication_codes() {
        let e = ApiError::new(StatusCode::FORBIDDEN, "InvalidSignatureException", "bad");
        let r = super::super::sns::SERVICE.error_response(e, "rid-1");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let body = text(r).await;
        assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{body}");
        assert!(body.contains("<Type>Sender</Type>") && body.contains("<RequestId>rid-1</RequestId>"), "{body}");
        let r = super::super::sqs_query::SERVICE.error_response(refused("QueueDoesNotExist"), "rid");
        assert!(text(r).await.contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"));
        let r = super::super::sns::SERVICE.error_response(refused("InvalidParameter"), "rid");
        assert!(text(r).await.contains("<Message>no &lt;good&gt;</Message>"));
    }

    #[tokio::test]
    async fn rest_json_errors_name_their_code_in_a_header() {
        let r = super::super::lambda::SERVICE.error_response(refused("ResourceNotFoundException"), "rid");
        assert_eq!(r.headers()["x-amzn-errortype"], "ResourceNotFoundException");
        let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
        assert_eq!((doc["Type"].as_str(), doc["message"].as_str()), (Some("User"), Some("no <good>")));
    }
}
