//! API destinations' calls, and connections' secrets in Secrets Manager. A rule's API
//! destination target is called as its `RoleArn` (a session EventBridge takes when the role
//! trusts `events.amazonaws.com`, allowed `events:InvokeApiDestination` on the destination)
//! with the connection's authorization (an API key header, Basic, or an OAuth token, see
//! `oauth_tokens`) and parameters, the target's `HttpParameters`, within the destination's
//! rate; a 429, a 5xx or no answer in 5 s may pass and is retried (a 401 or 407 too, with a
//! new token, when the connection uses OAuth), any other failure is not.

use crate::oauth_tokens::{Tokens, parameter_value};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use squall_events::model::{ApiDestination, Authorization, Connection};
use squall_events::{ConnectionSecrets, Delivery, Refusal};
use squall_identity::Identities;
use squall_params::Params;
use squall_params::secrets::{Create, NewValue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const EVENTS: &str = "events.amazonaws.com";
/// How long EventBridge waits for an API destination's answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Connections' secrets as Secrets Manager secrets.
pub(crate) struct SecretsManager(pub(crate) Arc<Params>);

impl SecretsManager {
    async fn create(&self, name: &str, value: String) -> Result<String, String> {
        let c = Create {
            name: name.to_string(),
            token: None,
            description: Some("The secrets of an EventBridge connection".into()),
            kms_key_id: None,
            value: Some(NewValue::String(value)),
            tags: Vec::new(),
        };
        self.0.secrets.create(c).await.map(|w| w.arn).map_err(|e| e.to_string())
    }

    async fn update(&self, arn: &str, value: String) -> Result<(), String> {
        self.0
            .secrets
            .put_value(arn, None, Some(NewValue::String(value)), None)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn read(&self, arn: &str) -> Result<String, String> {
        match self.0.secrets.get_value(arn, None, None).await.map_err(|e| e.to_string())?.value {
            NewValue::String(s) => Ok(s),
            NewValue::Binary(_) => Err("a connection's secret is text".into()),
        }
    }

    async fn delete(&self, arn: &str) -> Result<(), String> {
        self.0.secrets.delete(arn, None, true).await.map(drop).map_err(|e| e.to_string())
    }
}

/// Connections' secrets, and their OAuth tokens asked for by the caller that uses them.
#[async_trait::async_trait]
impl ConnectionSecrets for ApiCaller {
    async fn create(&self, name: &str, value: String) -> Result<String, String> {
        self.secrets.create(name, value).await
    }

    async fn update(&self, arn: &str, value: String) -> Result<(), String> {
        self.secrets.update(arn, value).await
    }

    async fn read(&self, arn: &str) -> Result<String, String> {
        self.secrets.read(arn).await
    }

    async fn delete(&self, arn: &str) -> Result<(), String> {
        self.secrets.delete(arn).await
    }

    async fn authorize(&self, connection: &Connection) -> Result<(), String> {
        let secret = self.secrets.read(&connection.secret_arn).await?;
        let secret: serde_json::Value = serde_json::from_str(&secret).map_err(|e| e.to_string())?;
        self.tokens.header(&self.http, connection, &secret, self.clock.now_ms()).await.map(drop).map_err(|r| r.message)
    }
}

/// Calls API destinations.
pub(crate) struct ApiCaller {
    http: reqwest::Client,
    identities: Arc<Identities>,
    secrets: SecretsManager,
    clock: squall_clock::Clock,
    /// Per destination, the second and the calls made in it.
    rates: Mutex<HashMap<String, (u64, u32)>>,
    /// OAuth connections' tokens.
    tokens: Tokens,
}

fn refused(code: &'static str, message: String, retryable: bool) -> Refusal {
    Refusal { code, message, retryable }
}

impl ApiCaller {
    pub(crate) fn new(identities: Arc<Identities>, params: Arc<Params>, clock: squall_clock::Clock) -> ApiCaller {
        // No redirects: a redirect would carry the connection's key header to another host.
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with a timeout and TLS builds");
        ApiCaller {
            http,
            identities,
            secrets: SecretsManager(params),
            clock,
            rates: Mutex::new(HashMap::new()),
            tokens: Tokens::default(),
        }
    }

    /// Whether the target's role may invoke the destination.
    fn permitted(&self, d: &Delivery<'_>, destination: &ApiDestination) -> Result<(), Refusal> {
        let role = d.target.role_arn.as_deref().unwrap_or_default();
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        context.set("aws:SourceArn", d.rule_arn).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let creds = self
            .identities
            .service_session(EVENTS, role, "api-destination", &context)
            .map_err(|e| refused("NO_PERMISSIONS", format!("EventBridge cannot assume {role}: {e}"), false))?;
        let allowed = crate::roles::session_allows(
            &self.identities,
            &creds,
            "events:InvokeApiDestination",
            &destination.arn,
            None,
            context,
        )
        .map_err(|e| refused("NO_PERMISSIONS", e, false))?;
        if allowed {
            Ok(())
        } else {
            Err(refused(
                "NO_PERMISSIONS",
                format!(
                    "{role} is not authorized to perform: events:InvokeApiDestination on resource: {}",
                    destination.arn
                ),
                false,
            ))
        }
    }

    /// Counts a call against the destination's rate; `Err` when the second's calls are
    /// spent (retried later).
    fn within_rate(&self, destination: &ApiDestination) -> Result<(), Refusal> {
        let Some(limit) = destination.rate_per_second else { return Ok(()) };
        let second = self.clock.now_ms() / 1000;
        let mut rates = self.rates.lock().unwrap_or_else(|p| p.into_inner());
        let entry = rates.entry(destination.arn.clone()).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        if entry.1 >= limit {
            return Err(refused(
                squall_events::THROTTLED,
                format!("{} takes {limit} calls a second", destination.name),
                true,
            ));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Calls the API destination of `d`.
    pub(crate) async fn call(&self, d: &Delivery<'_>) -> Result<(), Refusal> {
        let Some((destination, connection)) = &d.api else {
            return Err(refused("RESOURCE_NOT_FOUND", "no such API destination".into(), false));
        };
        self.permitted(d, destination)?;
        if !connection.authorized {
            return Err(refused("NO_PERMISSIONS", format!("connection {} is deauthorized", connection.name), false));
        }
        self.within_rate(destination)?;
        let secret =
            self.secrets.read(&connection.secret_arn).await.map_err(|e| refused("SDK_CLIENT_ERROR", e, true))?;
        let secret: serde_json::Value =
            serde_json::from_str(&secret).map_err(|e| refused("SDK_CLIENT_ERROR", e.to_string(), false))?;
        let bearer = match connection.authorization {
            Authorization::OAuthClientCredentials => {
                Some(self.tokens.header(&self.http, connection, &secret, self.clock.now_ms()).await?)
            }
            Authorization::ApiKey | Authorization::Basic => None,
        };
        let request = self.request(d, destination, connection, &secret, bearer.as_deref())?;
        match self.http.execute(request).await {
            Ok(r) if r.status().is_success() => Ok(()),
            // The token was refused: the retry asks for another, as EventBridge does.
            Ok(r) if bearer.is_some() && matches!(r.status().as_u16(), 401 | 407) => {
                self.tokens.forget(&connection.arn);
                Err(refused("SDK_CLIENT_ERROR", format!("{} answered {}", destination.name, r.status()), true))
            }
            Ok(r) => {
                let status = r.status();
                let passing = status.as_u16() == 429 || status.is_server_error();
                Err(refused("SDK_CLIENT_ERROR", format!("{} answered {status}", destination.name), passing))
            }
            // Without the URL: it carries the connection's secret query parameters.
            Err(e) => {
                Err(refused("SDK_CLIENT_ERROR", format!("calling {}: {}", destination.name, e.without_url()), true))
            }
        }
    }

    /// The HTTP request of a call.
    fn request(
        &self,
        d: &Delivery<'_>,
        destination: &ApiDestination,
        connection: &Connection,
        secret: &serde_json::Value,
        bearer: Option<&str>,
    ) -> Result<reqwest::Request, Refusal> {
        let value = |kind: &str, p| parameter_value(secret, kind, p);
        let http = d.target.http.clone().unwrap_or_default();
        // Each `*` of the endpoint takes a path parameter, in order.
        let stars = destination.endpoint.matches('*').count();
        if stars != http.path_values.len() {
            return Err(refused(
                "SDK_CLIENT_ERROR",
                format!(
                    "{} has {stars} path parameters; the target gives {}",
                    destination.name,
                    http.path_values.len()
                ),
                false,
            ));
        }
        let mut values = http.path_values.iter();
        let mut url = String::new();
        for (i, part) in destination.endpoint.split('*').enumerate() {
            if i > 0 {
                let v = values.next().map(String::as_str).unwrap_or_default();
                url.push_str(&percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string());
            }
            url.push_str(part);
        }
        let mut url = reqwest::Url::parse(&url)
            .map_err(|e| refused("SDK_CLIENT_ERROR", format!("{}'s endpoint: {e}", destination.name), false))?;
        // The target's parameters merged with the connection's, the connection's winning.
        let mut query: Vec<(String, String)> = http.query.clone();
        for p in &connection.query {
            query.retain(|(k, _)| *k != p.key);
            query.push((p.key.clone(), value("query", p)));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let method = reqwest::Method::from_bytes(destination.method.as_bytes())
            .map_err(|e| refused("SDK_CLIENT_ERROR", e.to_string(), false))?;
        let sends_body = matches!(destination.method.as_str(), "POST" | "PUT" | "PATCH");
        let mut headers = reqwest::header::HeaderMap::new();
        let mut set = |k: &str, v: &str| -> Result<(), Refusal> {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| refused("SDK_CLIENT_ERROR", format!("{k} is not a header name"), false))?;
            let value = reqwest::header::HeaderValue::from_str(v).map_err(|_| {
                refused("SDK_CLIENT_ERROR", format!("header {k} has a value headers cannot carry"), false)
            })?;
            headers.insert(name, value);
            Ok(())
        };
        set("content-type", "application/json; charset=utf-8")?;
        for (k, v) in &http.headers {
            set(k, v)?;
        }
        for p in &connection.headers {
            set(&p.key, &value("header", p))?;
        }
        let credential = secret["credential"].as_str().unwrap_or_default();
        match connection.authorization {
            Authorization::ApiKey => set(&connection.principal, credential)?,
            Authorization::Basic => {
                let token = B64.encode(format!("{}:{credential}", connection.principal));
                set("authorization", &format!("Basic {token}"))?;
            }
            Authorization::OAuthClientCredentials => set("authorization", bearer.unwrap_or_default())?,
        }
        let mut req = self.http.request(method, url).headers(headers);
        if sends_body {
            let mut body = d.body.clone();
            // Body parameters join a JSON object body, as EventBridge adds them.
            if !connection.body.is_empty()
                && let Ok(serde_json::Value::Object(mut m)) = serde_json::from_str::<serde_json::Value>(&body)
            {
                for p in &connection.body {
                    m.insert(p.key.clone(), serde_json::Value::String(value("body", p)));
                }
                body = serde_json::Value::Object(m).to_string();
            }
            req = req.body(body);
        }
        req.build().map_err(|e| refused("SDK_CLIENT_ERROR", e.to_string(), false))
    }
}
