//! A SigV4-signing client for the server's api port.

use crate::ClientArgs;
use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use squall_auth::{Credentials, PathEncoding, SignableRequest, format_amz_date, sign};

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

    /// Sends a signed request; `path_and_query` must already be percent-encoded.
    pub(crate) async fn send(
        &self,
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
        let service = if uri.path().starts_with("/squall/") {
            "squall"
        } else if headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-amz-target")) {
            "dynamodb"
        } else {
            "lambda"
        };
        let authorization = sign(
            &signable,
            &self.creds.access_key_id,
            &self.creds.secret_access_key,
            &self.region,
            service,
            PathEncoding::Double,
        )
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

    async fn json10(&self, target: &str, input: &serde_json::Value) -> anyhow::Result<Response> {
        let headers = [("x-amz-target", target), ("content-type", "application/x-amz-json-1.0")];
        self.send(http::Method::POST, "/", &headers, input.to_string().into_bytes()).await
    }
}

/// The server's error as one line: `Code: message`.
pub(crate) fn server_error(resp: &Response) -> anyhow::Error {
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
