//! Connections and API destinations: CreateConnection, DescribeConnection,
//! UpdateConnection, DeauthorizeConnection, DeleteConnection, ListConnections;
//! CreateApiDestination, DescribeApiDestination, UpdateApiDestination,
//! DeleteApiDestination, ListApiDestinations. A connection's secrets (the API key's value or
//! the password, and secret parameters) are kept in a Secrets Manager secret of its own
//! (`events/connection/<name>/<id>`; AWS names it `events!connection/…`, a name only its
//! services may take), as on AWS; only their names are in the definitions.

use crate::model::{ApiDestination, Authorization, Connection, OAuth, Parameter};
use crate::{Error, EventBuses, Result};
use serde_json::{Map, Value, json};
use squall_types::ACCOUNT_ID;

/// One of CreateConnection's `InvocationHttpParameters`: key, value, whether it is secret.
pub type NewParameter = (String, String, bool);

/// CreateConnection's and UpdateConnection's input (its `Debug` leaves the secrets out).
#[derive(Clone)]
pub struct NewConnection {
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `AuthorizationType`.
    pub authorization: Authorization,
    /// `ApiKeyName`, `Username` or OAuth's `ClientID`.
    pub principal: String,
    /// `ApiKeyValue`, `Password` or OAuth's `ClientSecret`.
    pub credential: String,
    /// OAuth's token request, for `OAUTH_CLIENT_CREDENTIALS`.
    pub oauth: Option<NewOAuth>,
    /// `InvocationHttpParameters.HeaderParameters`.
    pub headers: Vec<NewParameter>,
    /// `QueryStringParameters`.
    pub query: Vec<NewParameter>,
    /// `BodyParameters`.
    pub body: Vec<NewParameter>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConnection")
            .field("name", &self.name)
            .field("authorization", &self.authorization)
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

/// `OAuthParameters` but the client's.
#[derive(Debug, Clone)]
pub struct NewOAuth {
    /// `AuthorizationEndpoint`.
    pub endpoint: String,
    /// `HttpMethod`.
    pub method: String,
    /// `OAuthHttpParameters`.
    pub headers: Vec<NewParameter>,
    pub query: Vec<NewParameter>,
    pub body: Vec<NewParameter>,
}

/// CreateApiDestination's and UpdateApiDestination's input.
#[derive(Debug, Clone)]
pub struct NewApiDestination {
    /// `Name`.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `ConnectionArn`.
    pub connection_arn: String,
    /// `InvocationEndpoint`.
    pub endpoint: String,
    /// `HttpMethod`.
    pub method: String,
    /// `InvocationRateLimitPerSecond`.
    pub rate_per_second: Option<u32>,
}

/// What a connection's secret holds: the credential and the secret parameters' values.
pub fn secret_value(credential: &str, secret_params: &Map<String, Value>) -> String {
    json!({ "credential": credential, "parameters": secret_params }).to_string()
}

fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        return Ok(());
    }
    Err(Error::Validation(format!(
        "1 validation error detected: Value '{name}' at '{what}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
    )))
}

/// The public parameters and, by `<kind>:<key>`, the secret ones' values.
fn split(kind: &str, params: &[NewParameter], secrets: &mut Map<String, Value>) -> Vec<Parameter> {
    params
        .iter()
        .map(|(key, value, secret)| {
            if *secret {
                secrets.insert(format!("{kind}:{key}"), json!(value));
                Parameter { key: key.clone(), value: None }
            } else {
                Parameter { key: key.clone(), value: Some(value.clone()) }
            }
        })
        .collect()
}

fn no_connection(name: &str) -> Error {
    Error::NotFound(format!("Connection '{name}' does not exist."))
}

/// A header name (an HTTP token): what an API key's name and header parameters must be.
pub(crate) fn check_header_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if ok { Ok(()) } else { Err(Error::Validation(format!("{what} {name:?} is not a valid HTTP header name."))) }
}

/// The default `InvocationRateLimitPerSecond`, as EventBridge's.
pub const DEFAULT_RATE: u32 = 300;

/// An endpoint Squall calls (`what` names it): `https://`, or `http://` to this machine only
/// (for local tests; AWS takes only https).
fn check_endpoint(what: &str, endpoint: &str) -> Result<()> {
    if let Some(rest) = endpoint.strip_prefix("https://") {
        return if rest.is_empty() {
            Err(Error::Validation(format!("{what} {endpoint} has no host.")))
        } else {
            Ok(())
        };
    }
    let host = endpoint.strip_prefix("http://").map(|r| r.split(['/', '?']).next().unwrap_or_default());
    let loopback = host.is_some_and(|h| {
        let name =
            h.rsplit_once(':').map_or(h, |(n, port)| if port.bytes().all(|b| b.is_ascii_digit()) { n } else { h });
        name == "localhost" || name == "[::1]" || name.starts_with("127.")
    });
    if loopback {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "{what} {endpoint} must be an https URL (http only to this machine: localhost, 127.0.0.1)."
        )))
    }
}

fn no_destination(name: &str) -> Error {
    Error::NotFound(format!("An api-destination '{name}' does not exist."))
}

fn check_connection(c: &NewConnection) -> Result<()> {
    check_name("name", &c.name)?;
    if c.authorization == Authorization::ApiKey {
        check_header_name("ApiKeyName", &c.principal)?;
    }
    for (k, _, _) in &c.headers {
        check_header_name("HeaderParameters key", k)?;
    }
    match (&c.oauth, c.authorization) {
        (Some(o), Authorization::OAuthClientCredentials) => {
            check_endpoint("AuthorizationEndpoint", &o.endpoint)?;
            if !matches!(o.method.as_str(), "GET" | "POST" | "PUT") {
                return Err(Error::Validation(format!("HttpMethod {} is not GET, POST or PUT.", o.method)));
            }
            for (k, _, _) in &o.headers {
                check_header_name("OAuthHttpParameters HeaderParameters key", k)?;
            }
            Ok(())
        }
        (None, Authorization::OAuthClientCredentials) => {
            Err(Error::Validation("OAuthParameters is required for OAUTH_CLIENT_CREDENTIALS.".into()))
        }
        (Some(_), _) => Err(Error::Validation("OAuthParameters are for OAUTH_CLIENT_CREDENTIALS.".into())),
        (None, _) => Ok(()),
    }
}

/// The connection's OAuth token request, its secret parameters put in `secrets`.
fn oauth(c: &NewConnection, secrets: &mut Map<String, Value>) -> Option<OAuth> {
    c.oauth.as_ref().map(|o| OAuth {
        endpoint: o.endpoint.clone(),
        method: o.method.clone(),
        headers: split("oauth-header", &o.headers, secrets),
        query: split("oauth-query", &o.query, secrets),
        body: split("oauth-body", &o.body, secrets),
    })
}

impl EventBuses {
    fn secrets(&self) -> Result<&dyn crate::ConnectionSecrets> {
        self.secrets
            .get()
            .map(|s| s.as_ref())
            .ok_or_else(|| Error::Validation("Connections are not served by this server.".into()))
    }

    /// CreateConnection: its secret first, then the connection naming it.
    pub async fn create_connection(&self, c: NewConnection) -> Result<Connection> {
        check_connection(&c)?;
        if self.snapshot().connections.contains_key(&c.name) {
            return Err(Error::AlreadyExists(format!("Connection {} already exists.", c.name)));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut secret_params = Map::new();
        let headers = split("header", &c.headers, &mut secret_params);
        let query = split("query", &c.query, &mut secret_params);
        let body = split("body", &c.body, &mut secret_params);
        let oauth = oauth(&c, &mut secret_params);
        let secret_name = format!("events/connection/{}/{id}", c.name);
        let secret_arn = self
            .secrets()?
            .create(&secret_name, secret_value(&c.credential, &secret_params))
            .await
            .map_err(|e| Error::Validation(format!("The connection's secret could not be kept: {e}")))?;
        let made = self
            .change(|d| {
                if d.connections.contains_key(&c.name) {
                    return Err(Error::AlreadyExists(format!("Connection {} already exists.", c.name)));
                }
                let connection = Connection {
                    arn: format!("arn:aws:events:{}:{ACCOUNT_ID}:connection/{}/{id}", self.region, c.name),
                    name: c.name.clone(),
                    description: c.description.clone(),
                    authorization: c.authorization,
                    principal: c.principal.clone(),
                    oauth,
                    headers,
                    query,
                    body,
                    secret_arn: secret_arn.clone(),
                    // An OAuth connection is authorized once it has a token (below).
                    authorized: c.authorization != Authorization::OAuthClientCredentials,
                    authorized_ms: (c.authorization != Authorization::OAuthClientCredentials).then_some(d.now_ms),
                    state_reason: None,
                    created_ms: d.now_ms,
                    modified_ms: d.now_ms,
                };
                d.put_connection(connection.clone());
                Ok(connection)
            })
            .await;
        if made.is_err() {
            let _ = self.secrets()?.delete(&secret_arn).await;
        }
        self.authorize(made?).await
    }

    /// Asks for an OAuth connection's first token and records the outcome: AUTHORIZED, or
    /// DEAUTHORIZED with the reason (as EventBridge leaves AUTHORIZING). Others pass as they are.
    async fn authorize(&self, connection: Connection) -> Result<Connection> {
        if connection.authorization != Authorization::OAuthClientCredentials {
            return Ok(connection);
        }
        let outcome = self.secrets()?.authorize(&connection).await;
        let name = connection.name.clone();
        self.change(|d| {
            let mut c = d.connections.get(&name).cloned().ok_or_else(|| no_connection(&name))?;
            c.authorized = outcome.is_ok();
            c.state_reason = outcome.as_ref().err().cloned();
            if outcome.is_ok() {
                c.authorized_ms = Some(d.now_ms);
            }
            d.put_connection(c.clone());
            Ok(c)
        })
        .await
    }

    /// UpdateConnection: what is given replaces what the connection had (its secret too).
    pub async fn update_connection(&self, c: NewConnection) -> Result<Connection> {
        check_connection(&c)?;
        let existing = self.snapshot().connections.get(&c.name).cloned().ok_or_else(|| no_connection(&c.name))?;
        let mut secret_params = Map::new();
        let headers = split("header", &c.headers, &mut secret_params);
        let query = split("query", &c.query, &mut secret_params);
        let body = split("body", &c.body, &mut secret_params);
        let oauth = oauth(&c, &mut secret_params);
        self.secrets()?
            .update(&existing.secret_arn, secret_value(&c.credential, &secret_params))
            .await
            .map_err(|e| Error::Validation(format!("The connection's secret could not be kept: {e}")))?;
        let updated = self
            .change(|d| {
                let mut connection = d.connections.get(&c.name).cloned().ok_or_else(|| no_connection(&c.name))?;
                connection.description = c.description.clone().or(connection.description);
                connection.authorization = c.authorization;
                connection.principal = c.principal.clone();
                connection.oauth = oauth.clone();
                (connection.headers, connection.query, connection.body) = (headers, query, body);
                let oauth = c.authorization == Authorization::OAuthClientCredentials;
                connection.authorized = !oauth;
                connection.state_reason = None;
                if !oauth {
                    connection.authorized_ms = Some(d.now_ms);
                }
                connection.modified_ms = d.now_ms;
                d.put_connection(connection.clone());
                Ok(connection)
            })
            .await?;
        self.authorize(updated).await
    }

    /// DeauthorizeConnection: its destinations' calls are refused until it is updated.
    pub async fn deauthorize_connection(&self, name: &str) -> Result<Connection> {
        check_name("name", name)?;
        self.change(|d| {
            let mut connection = d.connections.get(name).cloned().ok_or_else(|| no_connection(name))?;
            connection.authorized = false;
            connection.modified_ms = d.now_ms;
            d.put_connection(connection.clone());
            Ok(connection)
        })
        .await
    }

    /// UpdateConnection of its description only.
    pub async fn set_connection_description(&self, name: &str, description: Option<String>) -> Result<Connection> {
        check_name("name", name)?;
        self.change(|d| {
            let mut connection = d.connections.get(name).cloned().ok_or_else(|| no_connection(name))?;
            if description.is_some() {
                connection.description = description;
            }
            connection.modified_ms = d.now_ms;
            d.put_connection(connection.clone());
            Ok(connection)
        })
        .await
    }

    /// DeleteConnection, with its secret (its API destinations' calls then fail, as on
    /// AWS).
    pub async fn delete_connection(&self, name: &str) -> Result<Connection> {
        check_name("name", name)?;
        let gone = self
            .change(|d| {
                let connection = d.connections.get(name).cloned().ok_or_else(|| no_connection(name))?;
                d.delete_connection(name);
                Ok(connection)
            })
            .await?;
        if let Err(e) = self.secrets()?.delete(&gone.secret_arn).await {
            tracing::warn!(connection = name, "the deleted connection's secret stays: {e}");
        }
        Ok(gone)
    }

    /// DescribeConnection.
    pub fn describe_connection(&self, name: &str) -> Result<Connection> {
        check_name("name", name)?;
        self.snapshot().connections.get(name).cloned().ok_or_else(|| {
            Error::NotFound(format!("Failed to describe the connection(s). Connection '{name}' does not exist."))
        })
    }

    /// ListConnections: by name, of one state (authorized or not) when given.
    pub fn list_connections(
        &self,
        prefix: Option<&str>,
        authorized: Option<bool>,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<Connection>, Option<String>) {
        let state = self.snapshot();
        let mut matching = state
            .connections
            .values()
            .filter(|c| prefix.is_none_or(|p| c.name.starts_with(p)))
            .filter(|c| authorized.is_none_or(|a| c.authorized == a))
            .filter(|c| after.is_none_or(|a| c.name.as_str() > a));
        let page: Vec<Connection> = matching.by_ref().take(limit).cloned().collect();
        let next = matching.next().and(page.last().map(|c| c.name.clone()));
        (page, next)
    }

    /// CreateApiDestination (`update`: UpdateApiDestination).
    pub async fn put_api_destination(&self, a: NewApiDestination, update: bool) -> Result<ApiDestination> {
        check_name("name", &a.name)?;
        check_endpoint("InvocationEndpoint", &a.endpoint)?;
        if a.rate_per_second == Some(0) {
            return Err(Error::Validation("InvocationRateLimitPerSecond is at least 1.".into()));
        }
        self.change(|d| {
            if !d.connections.values().any(|c| c.arn == a.connection_arn) {
                return Err(Error::NotFound(format!("Connection {} does not exist.", a.connection_arn)));
            }
            let existing = d.api_destinations.get(&a.name).cloned();
            let (arn, created_ms) = match (&existing, update) {
                (Some(_), false) => {
                    return Err(Error::AlreadyExists(format!("An api-destination '{}' already exists.", a.name)));
                }
                (None, true) => return Err(no_destination(&a.name)),
                (Some(e), true) => (e.arn.clone(), e.created_ms),
                (None, false) => {
                    let id = uuid::Uuid::new_v4();
                    (format!("arn:aws:events:{}:{ACCOUNT_ID}:api-destination/{}/{id}", self.region, a.name), d.now_ms)
                }
            };
            let destination = ApiDestination {
                name: a.name.clone(),
                arn,
                description: a.description.clone(),
                connection_arn: a.connection_arn.clone(),
                endpoint: a.endpoint.clone(),
                method: a.method.clone(),
                rate_per_second: Some(a.rate_per_second.unwrap_or(DEFAULT_RATE)),
                created_ms,
                modified_ms: d.now_ms,
            };
            d.put_api_destination(destination.clone());
            Ok(destination)
        })
        .await
    }

    /// DeleteApiDestination.
    pub async fn delete_api_destination(&self, name: &str) -> Result<()> {
        check_name("name", name)?;
        self.change(|d| {
            if !d.api_destinations.contains_key(name) {
                return Err(no_destination(name));
            }
            d.delete_api_destination(name);
            Ok(())
        })
        .await
    }

    /// DescribeApiDestination.
    pub fn describe_api_destination(&self, name: &str) -> Result<ApiDestination> {
        check_name("name", name)?;
        self.snapshot().api_destinations.get(name).cloned().ok_or_else(|| {
            Error::NotFound(format!(
                "Failed to describe the api-destination(s). An api-destination '{name}' does not exist."
            ))
        })
    }

    /// ListApiDestinations: by name, those of one connection when given.
    pub fn list_api_destinations(
        &self,
        prefix: Option<&str>,
        connection_arn: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<ApiDestination>, Option<String>) {
        let state = self.snapshot();
        let mut matching = state
            .api_destinations
            .values()
            .filter(|a| prefix.is_none_or(|p| a.name.starts_with(p)))
            .filter(|a| connection_arn.is_none_or(|c| a.connection_arn == c))
            .filter(|a| after.is_none_or(|t| a.name.as_str() > t));
        let page: Vec<ApiDestination> = matching.by_ref().take(limit).cloned().collect();
        let next = matching.next().and(page.last().map(|a| a.name.clone()));
        (page, next)
    }

    /// The API destination `arn` names, with its connection.
    pub(crate) fn api_call(&self, arn: &str) -> Option<(ApiDestination, Connection)> {
        let state = self.snapshot();
        let destination = state.api_destinations.values().find(|a| a.arn == arn)?.clone();
        let connection = state.connections.values().find(|c| c.arn == destination.connection_arn)?.clone();
        Some((destination, connection))
    }
}
