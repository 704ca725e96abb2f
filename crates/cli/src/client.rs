//! A SigV4-signing client for the server's api port.

use crate::ClientArgs;
use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use sha2::{Digest, Sha256};
use squall_auth::{Credentials, PathEncoding, SignableRequest, format_amz_date, sign};
use squall_types::form_encode;

/// A response, read whole.
pub(crate) struct Response {
    pub(crate) status: http::StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Response {
    /// The body as JSON.
    pub(crate) fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).context("the server's answer is not JSON")
    }
}

/// The client: endpoint, key, region.
pub(crate) struct Client {
    endpoint: http::Uri,
    creds: Credentials,
    region: String,
    http: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Client {
    /// Builds a client from the flags and the environment.
    pub(crate) fn new(args: &ClientArgs) -> anyhow::Result<Self> {
        let endpoint: http::Uri =
            args.endpoint.parse().with_context(|| format!("SQUALL_ENDPOINT {:?} is not a URL", args.endpoint))?;
        if endpoint.scheme_str() != Some("http") || endpoint.authority().is_none() {
            bail!("SQUALL_ENDPOINT {:?} must be an http:// URL with a host", args.endpoint);
        }
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|_| squall_types::DEFAULT_REGION.to_string());
        Ok(Client {
            endpoint,
            creds: credentials(args)?,
            region,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// Sends a signed request; `path_and_query` must already be percent-encoded. The
    /// signature's service follows from the request: `squall` for the control plane,
    /// `sqs` or `dynamodb` for JSON 1.0 targets by their prefix, else `lambda`.
    pub(crate) async fn send(
        &self,
        method: http::Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<Response> {
        self.send_for(None, method, path_and_query, headers, body).await
    }

    /// [`Client::send`], signed for `service` when it is given (the server tells SNS's
    /// query protocol and S3 apart by the signature's service).
    async fn send_for(
        &self,
        service: Option<&str>,
        method: http::Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> anyhow::Result<Response> {
        let authority = self.endpoint.authority().expect("checked in new").to_string();
        let uri: http::Uri =
            format!("http://{authority}{path_and_query}").parse().context("building the request URL")?;
        let amz_date = format_amz_date(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0),
        );
        let payload_hash = hex::encode(Sha256::digest(&body));
        let mut all: Vec<(&str, &str)> =
            vec![("host", &authority), ("x-amz-date", &amz_date), ("x-amz-content-sha256", &payload_hash)];
        all.extend_from_slice(headers);
        let signable = SignableRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers: &all,
            payload_hash: &payload_hash,
        };
        let service = if let Some(s) = service {
            s
        } else if uri.path().starts_with("/squall/") {
            "squall"
        } else if let Some((_, target)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target")) {
            // The server refuses a request signed for another service than its target's.
            if target.starts_with("AmazonSQS.") { "sqs" } else { "dynamodb" }
        } else {
            "lambda"
        };
        // S3 signs the path as sent; every other service a normalized, doubly encoded one.
        let encoding = if service == "s3" { PathEncoding::AsSent } else { PathEncoding::Double };
        let authorization =
            sign(&signable, &self.creds.access_key_id, &self.creds.secret_access_key, &self.region, service, encoding)
                .map_err(|e| anyhow!("signing: {e}"))?;
        let mut req = http::Request::builder().method(method).uri(uri);
        for (k, v) in &all {
            req = req.header(*k, *v);
        }
        let req = req.header("authorization", authorization).body(Full::new(Bytes::from(body)))?;
        let resp = self.http.request(req).await.map_err(|e| {
            anyhow!(
                "cannot reach the squall server at {} ({}); is `squall server` running?",
                self.endpoint,
                root_cause(&e)
            )
        })?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.context("reading the server's answer")?.to_bytes();
        Ok(Response { status: parts.status, headers: parts.headers, body })
    }

    /// Like `send`, but turns an error status into an error carrying the server's message.
    pub(crate) async fn call(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Response> {
        let resp = self.send(method, path_and_query, &[], body).await?;
        if resp.status.is_success()
            || resp.status == http::StatusCode::NOT_FOUND && path_and_query.starts_with("/squall/v1/artifacts/")
        {
            return Ok(resp);
        }
        Err(server_error(&resp))
    }
}

impl Client {
    /// Calls DynamoDB operation `op` with its JSON document; the server's answer, whatever
    /// its status (callers look at error codes such as ResourceNotFoundException).
    pub(crate) async fn dynamodb(&self, op: &str, input: &serde_json::Value) -> anyhow::Result<Response> {
        self.json10(&format!("DynamoDB_20120810.{op}"), input).await
    }

    /// Calls SQS operation `op` (JSON protocol), like [`Client::dynamodb`].
    pub(crate) async fn sqs(&self, op: &str, input: &serde_json::Value) -> anyhow::Result<Response> {
        self.json10(&format!("AmazonSQS.{op}"), input).await
    }

    /// Calls operation `op` of SSM (Parameter Store) or Secrets Manager, whose signing names
    /// are their target prefixes' services: awsJson1.1.
    pub(crate) async fn json11(
        &self,
        service: &str,
        target: &str,
        input: &serde_json::Value,
    ) -> anyhow::Result<Response> {
        let headers = [("x-amz-target", target), ("content-type", "application/x-amz-json-1.1")];
        self.send_for(Some(service), http::Method::POST, "/", &headers, input.to_string().into_bytes()).await
    }

    /// Calls Step Functions operation `op` (awsJson1.0, signed for `states`).
    pub(crate) async fn states(&self, op: &str, input: &serde_json::Value) -> anyhow::Result<Response> {
        let target = format!("AWSStepFunctions.{op}");
        let headers = [("x-amz-target", target.as_str()), ("content-type", "application/x-amz-json-1.0")];
        self.send_for(Some("states"), http::Method::POST, "/", &headers, input.to_string().into_bytes()).await
    }

    async fn json10(&self, target: &str, input: &serde_json::Value) -> anyhow::Result<Response> {
        let headers = [("x-amz-target", target), ("content-type", "application/x-amz-json-1.0")];
        self.send(http::Method::POST, "/", &headers, input.to_string().into_bytes()).await
    }

    /// Calls SNS action `action` (the query protocol: form-encoded parameters, lists as
    /// `Name.member.N`, maps as `Name.entry.N.key` / `.value`; the answer is XML, read with
    /// [`xml_text`] and [`xml_elements`]), like [`Client::dynamodb`].
    pub(crate) async fn sns(&self, action: &str, params: &[(&str, String)]) -> anyhow::Result<Response> {
        self.query("sns", "2010-03-31", action, params).await
    }

    /// Calls IAM action `action` (the query protocol, as [`Client::sns`]).
    pub(crate) async fn iam(&self, action: &str, params: &[(&str, String)]) -> anyhow::Result<Response> {
        self.query("iam", "2010-05-08", action, params).await
    }

    async fn query(
        &self,
        service: &str,
        version: &str,
        action: &str,
        params: &[(&str, String)],
    ) -> anyhow::Result<Response> {
        let mut body = format!("Action={}&Version={version}", form_encode(action));
        for (k, v) in params {
            body.push_str(&format!("&{}={}", form_encode(k), form_encode(v)));
        }
        let headers = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")];
        self.send_for(Some(service), http::Method::POST, "/", &headers, body.into_bytes()).await
    }

    /// An EventBridge Scheduler request (rest-json: `/schedules/<name>`,
    /// `/schedule-groups/<name>`; the path already percent-encoded), signed for
    /// `scheduler`; the answer whatever its status.
    pub(crate) async fn scheduler(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<Response> {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &[("content-type", "application/json")] };
        self.send_for(Some("scheduler"), method, path_and_query, headers, body).await
    }

    /// An S3 request (path-style: `/<bucket>`, `/<bucket>?cors`; the path must already be
    /// percent-encoded), signed for `s3` with the payload's SHA-256 in
    /// `x-amz-content-sha256`; the answer whatever its status (S3's errors are XML
    /// `<Error>` documents, which [`server_error`] reads).
    pub(crate) async fn s3(
        &self,
        method: http::Method,
        path_and_query: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Response> {
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &[("content-type", "application/xml")] };
        self.send_for(Some("s3"), method, path_and_query, headers, body).await
    }
}

/// The raw contents of every `<name>` element of `xml` (nested ones inside the outer one's
/// contents), escapes left as they are; `<name/>` is empty. Read with quick-xml, leniently:
/// a fragment may hold several elements, and reading stops at the first malformed markup.
pub(crate) fn xml_elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    // Where the outermost open `<name>`'s contents start, and how many `<name>`s are open.
    let mut open: Option<(usize, usize)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let Ok(event) = reader.read_event() else { return out };
        match event {
            Event::Start(e) if e.name().as_ref() == name.as_bytes() => match open.as_mut() {
                Some((_, depth)) => *depth += 1,
                None => open = Some((reader.buffer_position() as usize, 1)),
            },
            Event::Empty(e) if e.name().as_ref() == name.as_bytes() && open.is_none() => out.push(""),
            Event::End(e) if e.name().as_ref() == name.as_bytes() => {
                if let Some((start, depth)) = open.as_mut() {
                    *depth -= 1;
                    if *depth == 0 {
                        out.push(&xml[*start..before]);
                        open = None;
                    }
                }
            }
            Event::Eof => return out,
            _ => {}
        }
    }
}

/// The text of the first `<name>` element of `xml`, unescaped (as written, if it holds a
/// reference XML does not define).
pub(crate) fn xml_text(xml: &str, name: &str) -> Option<String> {
    xml_elements(xml, name).first().map(|t| xml_unescape(t))
}

/// `text` with XML's references replaced (as written, if it holds one XML does not define).
pub(crate) fn xml_unescape(text: &str) -> String {
    quick_xml::escape::unescape(text).map_or_else(|_| text.to_string(), |u| u.into_owned())
}

/// The server's error as one line: `Code: message`.
pub(crate) fn server_error(resp: &Response) -> anyhow::Error {
    // The query protocol (SNS): `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`.
    let text = String::from_utf8_lossy(&resp.body);
    if text.trim_start().starts_with('<')
        && let Some(error) = xml_elements(&text, "Error").first()
    {
        let code = xml_text(error, "Code").unwrap_or_default();
        let message = xml_text(error, "Message").unwrap_or_default();
        if !code.is_empty() {
            return anyhow!("{code}: {message}");
        }
    }
    let doc = serde_json::from_slice::<serde_json::Value>(&resp.body).ok();
    // REST-JSON names the code in a header; JSON 1.0 in `__type` after the namespace.
    let json10 = doc.as_ref().and_then(|d| d["__type"].as_str()).map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
    let code = resp.headers.get("x-amzn-errortype").and_then(|v| v.to_str().ok()).map(String::from).or(json10);
    let code = code.unwrap_or_default();
    let message = doc
        .as_ref()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
        .unwrap_or_else(|| String::from_utf8_lossy(&resp.body).into_owned());
    if code.is_empty() { anyhow!("{} {message}", resp.status) } else { anyhow!("{code}: {message}") }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// The key: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else `<data-dir>/credentials`.
fn credentials(args: &ClientArgs) -> anyhow::Result<Credentials> {
    if let (Ok(id), Ok(secret)) = (std::env::var("AWS_ACCESS_KEY_ID"), std::env::var("AWS_SECRET_ACCESS_KEY")) {
        return Ok(Credentials { access_key_id: id, secret_access_key: secret });
    }
    let path = args.data_dir.join("credentials");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow!(
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or point --data-dir (SQUALL_DATA_DIR) at the server's data directory ({}: {e})",
            path.display()
        )
    })?;
    Credentials::from_ini(&text, "squall")
        .ok_or_else(|| anyhow!("{} has no [squall] profile with a key", path.display()))
}

/// Percent-encodes one path segment.
pub(crate) fn segment(s: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"<?xml version="1.0"?>
<ListSubscriptionsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListSubscriptionsResult>
    <Subscriptions>
      <member>
        <SubscriptionArn>arn:aws:sns:us-east-1:000000000000:orders:1</SubscriptionArn>
        <Protocol>lambda</Protocol>
        <Endpoint>arn:aws:lambda:us-east-1:000000000000:function:shop-f</Endpoint>
        <TopicArn>arn:aws:sns:us-east-1:000000000000:orders</TopicArn>
      </member>
      <member>
        <SubscriptionArn>PendingConfirmation</SubscriptionArn>
        <Protocol>http</Protocol>
        <Endpoint>http://h/a?x=1&amp;y=&lt;2&gt; &quot;&apos; &#233;&#xE9; AT&amp;T</Endpoint>
        <Owner/>
      </member>
    </Subscriptions>
    <NextToken>t&amp;2</NextToken>
  </ListSubscriptionsResult>
</ListSubscriptionsResponse>"#;

    #[test]
    fn xml_texts_are_found_and_unescaped() {
        let members = xml_elements(LIST, "member");
        assert_eq!(members.len(), 2);
        assert_eq!(xml_text(members[0], "Protocol").as_deref(), Some("lambda"));
        assert_eq!(xml_text(members[1], "Endpoint").as_deref(), Some("http://h/a?x=1&y=<2> \"' éé AT&T"));
        assert_eq!(xml_text("<a>x &bogus; &#xZZ;</a>", "a").as_deref(), Some("x &bogus; &#xZZ;"));
        assert_eq!(xml_text(members[1], "Owner").as_deref(), Some(""));
        let protocols: Vec<String> = members.iter().filter_map(|m| xml_text(m, "Protocol")).collect();
        assert_eq!(protocols, ["lambda", "http"]);
        assert_eq!(xml_text(LIST, "NextToken").as_deref(), Some("t&2"));
        assert_eq!(xml_text(LIST, "Missing"), None);
        // Elements of the same name nest; `<Error>` is not `<ErrorResponse>`.
        let nested = "<a><b><b>in</b></b><b x=\"1\">two</b></a>";
        assert_eq!(xml_elements(nested, "b"), ["<b>in</b>", "two"]);
        assert_eq!(xml_elements("<ErrorResponse><Error>e</Error></ErrorResponse>", "Error"), ["e"]);
    }

    #[test]
    fn query_protocol_errors_read_as_code_and_message() {
        let body = r#"<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist &amp; never did</Message></Error><RequestId>r</RequestId></ErrorResponse>"#;
        let resp =
            Response { status: http::StatusCode::NOT_FOUND, headers: http::HeaderMap::new(), body: Bytes::from(body) };
        assert_eq!(server_error(&resp).to_string(), "NotFound: Topic does not exist & never did");
        let json = Response {
            status: http::StatusCode::BAD_REQUEST,
            headers: http::HeaderMap::new(),
            body: Bytes::from(
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no"}"#,
            ),
        };
        assert_eq!(server_error(&json).to_string(), "ResourceNotFoundException: no");
    }
}
