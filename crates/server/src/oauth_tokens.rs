//! OAuth client-credentials tokens for connections of type `OAUTH_CLIENT_CREDENTIALS`.
//!
//! The token request follows RFC 6749 §4.4: the client authenticates with HTTP Basic (§2.3.1,
//! which every authorization server must accept), the body is form-encoded with
//! `grant_type=client_credentials` unless the connection's `OAuthHttpParameters` set it, and
//! the connection's OAuth headers and query parameters go with it (with `HttpMethod: GET` the
//! body parameters go in the query string). The answer's `access_token` is used as
//! `Authorization: Bearer …` until `expires_in` is less than 60 s away, as EventBridge refreshes
//! it, or until an endpoint answers 401 or 407 (the call is then retried with a new token, as
//! EventBridge does). Tokens live in memory only: a restart asks again.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use squall_events::Refusal;
use squall_events::model::{Connection, OAuth, Parameter};
use std::collections::HashMap;
use std::sync::Mutex;

/// A token this close to its expiry is asked for again.
const REFRESH_BEFORE_MS: u64 = 60_000;

/// A token and what it was issued for.
#[derive(Clone)]
struct Token {
    /// The `Authorization` header's value.
    header: String,
    /// When it expires, when the endpoint said.
    expires_ms: Option<u64>,
    /// The connection's `modified_ms` when it was issued: an update asks again.
    version: u64,
}

/// The tokens of the connections, by connection ARN.
#[derive(Default)]
pub(crate) struct Tokens {
    by_connection: Mutex<HashMap<String, Token>>,
}

fn refused(message: String, retryable: bool) -> Refusal {
    Refusal { code: "SDK_CLIENT_ERROR", message, retryable }
}

/// A parameter's value: its own, or the secret's (`<kind>:<key>` in the connection's secret).
pub(crate) fn parameter_value(secret: &serde_json::Value, kind: &str, p: &Parameter) -> String {
    p.value
        .clone()
        .unwrap_or_else(|| secret["parameters"][format!("{kind}:{}", p.key)].as_str().unwrap_or_default().to_string())
}

impl Tokens {
    /// The `Authorization` header for a call through `connection`: the cached token while
    /// it is good, else a new one from the authorization endpoint.
    pub(crate) async fn header(
        &self,
        http: &reqwest::Client,
        connection: &Connection,
        secret: &serde_json::Value,
        now_ms: u64,
    ) -> Result<String, Refusal> {
        let cached = self.lock().get(&connection.arn).cloned();
        if let Some(t) = cached
            && t.version == connection.modified_ms
            && t.expires_ms.is_none_or(|e| e > now_ms + REFRESH_BEFORE_MS)
        {
            return Ok(t.header);
        }
        let oauth = connection
            .oauth
            .as_ref()
            .ok_or_else(|| refused(format!("connection {} has no OAuth parameters", connection.name), false))?;
        let token = request_token(http, connection, oauth, secret, now_ms).await?;
        self.lock().insert(connection.arn.clone(), token.clone());
        Ok(token.header)
    }

    /// Forgets the connection's token (its endpoint refused it).
    pub(crate) fn forget(&self, connection_arn: &str) {
        self.lock().remove(connection_arn);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Token>> {
        self.by_connection.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Asks the authorization endpoint for a token.
async fn request_token(
    http: &reqwest::Client,
    connection: &Connection,
    oauth: &OAuth,
    secret: &serde_json::Value,
    now_ms: u64,
) -> Result<Token, Refusal> {
    let client_secret = secret["credential"].as_str().unwrap_or_default();
    let mut form: Vec<(String, String)> =
        oauth.body.iter().map(|p| (p.key.clone(), parameter_value(secret, "oauth-body", p))).collect();
    if !form.iter().any(|(k, _)| k == "grant_type") {
        form.push(("grant_type".into(), "client_credentials".into()));
    }
    let mut url = reqwest::Url::parse(&oauth.endpoint)
        .map_err(|e| refused(format!("{}'s authorization endpoint: {e}", connection.name), false))?;
    let mut query: Vec<(String, String)> =
        oauth.query.iter().map(|p| (p.key.clone(), parameter_value(secret, "oauth-query", p))).collect();
    let in_body = oauth.method != "GET";
    if !in_body {
        query.append(&mut form);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    let method = reqwest::Method::from_bytes(oauth.method.as_bytes()).map_err(|e| refused(e.to_string(), false))?;
    let basic = B64.encode(format!("{}:{client_secret}", connection.principal));
    let mut request = http.request(method, url).header("authorization", format!("Basic {basic}"));
    for p in &oauth.headers {
        request = request.header(p.key.as_str(), parameter_value(secret, "oauth-header", p));
    }
    if in_body {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&form).finish();
        request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
    }
    let name = &connection.name;
    // Errors without the URL: it may carry secret query parameters.
    let answer = request.send().await.map_err(|e| {
        refused(format!("asking {name}'s authorization endpoint for a token: {}", e.without_url()), true)
    })?;
    let status = answer.status();
    if !status.is_success() {
        let passing = status.as_u16() == 429 || status.is_server_error();
        return Err(refused(format!("{name}'s authorization endpoint answered {status}"), passing));
    }
    let bytes =
        answer.bytes().await.map_err(|e| refused(format!("reading {name}'s token: {}", e.without_url()), true))?;
    let body: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| refused(format!("{name}'s authorization endpoint answered no JSON"), false))?;
    let access = body["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| refused(format!("{name}'s authorization endpoint answered no access_token"), false))?;
    let kind = match body["token_type"].as_str() {
        None => "Bearer",
        Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer",
        Some(t) => t,
    };
    let expires_in = match &body["expires_in"] {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    };
    Ok(Token {
        header: format!("{kind} {access}"),
        expires_ms: expires_in.map(|s| now_ms.saturating_add(s.saturating_mul(1000))),
        version: connection.modified_ms,
    })
}
