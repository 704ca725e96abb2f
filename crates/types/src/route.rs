//! HTTP API route keys (`GET /greet/{name}`, `ANY /{proxy+}`, `$default`) and their parsing.
//!
//! Matching lives in the functions service; this module only says what a valid route is.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A route's method; `Any` matches every method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum HttpMethod {
    Any,
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl HttpMethod {
    /// The upper-case name; `ANY` for `Any`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Any => "ANY",
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }

    /// Whether a route with this method serves a request with method `m`.
    pub fn serves(self, m: &str) -> bool {
        self == HttpMethod::Any || self.as_str().eq_ignore_ascii_case(m)
    }
}

impl FromStr for HttpMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "ANY" | "*" => HttpMethod::Any,
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            _ => return Err(format!("unknown HTTP method {s:?}")),
        })
    }
}

/// One segment of a route path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RouteSegment {
    /// Matches exactly this text.
    Literal(String),
    /// `{name}`: matches one non-empty segment.
    Param(String),
    /// `{name+}`: matches the rest of the path (one or more segments); last only.
    Greedy(String),
}

/// A route path: `/`-separated segments, or `$default` (the `'*'` catch-all).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RoutePath {
    /// The catch-all route: any method, any path, chosen only when nothing else matches.
    Default,
    /// A path template.
    Segments(Vec<RouteSegment>),
}

impl RoutePath {
    /// Parses a path template such as `/greet/{name}` or `/{proxy+}`.
    pub fn parse(path: &str) -> Result<Self, String> {
        let Some(rest) = path.strip_prefix('/') else {
            return Err(format!("route path {path:?} must start with '/'"));
        };
        let mut segments = Vec::new();
        let mut names = Vec::new();
        let parts: Vec<&str> = if rest.is_empty() { vec![] } else { rest.split('/').collect() };
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return Err(format!("route path {path:?} has an empty segment"));
            }
            let seg = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                    return Err(format!("route path {path:?} has an invalid parameter {part:?}"));
                }
                if names.contains(&name) {
                    return Err(format!("route path {path:?} repeats the parameter {name:?}"));
                }
                names.push(name);
                if greedy {
                    if i + 1 != parts.len() {
                        return Err(format!("route path {path:?}: a greedy parameter must be the last segment"));
                    }
                    RouteSegment::Greedy(name.to_string())
                } else {
                    RouteSegment::Param(name.to_string())
                }
            } else if part.contains(['{', '}']) {
                return Err(format!("route path {path:?}: parameters must fill a whole segment"));
            } else {
                RouteSegment::Literal(part.to_string())
            };
            segments.push(seg);
        }
        Ok(RoutePath::Segments(segments))
    }

    /// The shape used to detect collisions: parameter names do not matter.
    pub fn shape(&self) -> String {
        match self {
            RoutePath::Default => "$default".into(),
            RoutePath::Segments(segs) => {
                let mut s = String::new();
                for seg in segs {
                    s.push('/');
                    match seg {
                        RouteSegment::Literal(l) => s.push_str(l),
                        RouteSegment::Param(_) => s.push_str("{}"),
                        RouteSegment::Greedy(_) => s.push_str("{+}"),
                    }
                }
                if s.is_empty() {
                    s.push('/');
                }
                s
            }
        }
    }
}

impl fmt::Display for RoutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoutePath::Default => f.write_str("$default"),
            RoutePath::Segments(segs) if segs.is_empty() => f.write_str("/"),
            RoutePath::Segments(segs) => {
                for seg in segs {
                    match seg {
                        RouteSegment::Literal(l) => write!(f, "/{l}")?,
                        RouteSegment::Param(p) => write!(f, "/{{{p}}}")?,
                        RouteSegment::Greedy(p) => write!(f, "/{{{p}+}}")?,
                    }
                }
                Ok(())
            }
        }
    }
}

/// A route key: method and path, e.g. `GET /greet/{name}`; `$default` for the catch-all.
/// Stored and sent as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RouteKey {
    /// The method (`Any` for `$default`).
    pub method: HttpMethod,
    /// The path template.
    pub path: RoutePath,
}

impl RouteKey {
    /// Parses `'*'`, `'GET /path'` or `'ANY /path'`.
    pub fn parse(key: &str) -> Result<Self, String> {
        let key = key.trim();
        if key == "*" || key == "$default" {
            return Ok(RouteKey { method: HttpMethod::Any, path: RoutePath::Default });
        }
        let Some((method, path)) = key.split_once(' ') else {
            return Err(format!("route {key:?} must be '*' or 'METHOD /path'"));
        };
        Ok(RouteKey { method: method.parse()?, path: RoutePath::parse(path.trim())? })
    }
}

impl TryFrom<String> for RouteKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        RouteKey::parse(&s)
    }
}

impl From<RouteKey> for String {
    fn from(k: RouteKey) -> String {
        k.to_string()
    }
}

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path {
            RoutePath::Default => f.write_str("$default"),
            _ => write!(f, "{} {}", self.method.as_str(), self.path),
        }
    }
}

/// A route bound to the function that serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSpec {
    /// Method and path.
    pub key: RouteKey,
    /// The function (full name) that serves it.
    pub function: String,
    /// Which kind of API Gateway API the route belongs to, and its settings.
    #[serde(default)]
    pub api: RouteApi,
}

/// The two kinds of API Gateway API a serverless.yml declares routes of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum RouteApi {
    /// An HTTP API route (`httpApi` events).
    HttpApi {
        /// The Lambda event's format.
        payload: PayloadVersion,
    },
    /// A REST API route (`http` events, Lambda proxy integration).
    Rest(RestRoute),
}

impl Default for RouteApi {
    fn default() -> Self {
        RouteApi::HttpApi { payload: PayloadVersion::V2 }
    }
}

impl RouteApi {
    /// Whether the route belongs to a REST API.
    pub fn is_rest(&self) -> bool {
        matches!(self, RouteApi::Rest(_))
    }
}

/// The format of the event a Lambda proxy integration sends (and of the response it reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayloadVersion {
    /// `1.0`: REST APIs' format (`httpMethod`, `multiValueHeaders`...).
    #[serde(rename = "1.0")]
    V1,
    /// `2.0`: HTTP APIs' default (`routeKey`, `rawPath`, `cookies`...).
    #[serde(rename = "2.0")]
    V2,
}

/// A REST API route's settings (a serverless.yml `http` event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestRoute {
    /// `private: true`: callers must send one of the deployment's API keys in `x-api-key`.
    #[serde(default)]
    pub private: bool,
    /// `cors`: the `OPTIONS` answer API Gateway's mock integration gives for this path.
    #[serde(default)]
    pub cors: Option<RestCors>,
    /// `request.parameters` marked required, checked before the function runs.
    #[serde(default)]
    pub required: RequiredParameters,
    /// `async: true`: the function is invoked as an event with the framework's lambda
    /// integration event, and the caller gets 202 at once.
    #[serde(default)]
    pub asynchronous: bool,
    /// A state machine's `http` event: the route starts an execution of it (with the
    /// request's body as its input) instead of invoking a function.
    #[serde(default)]
    pub start_execution: Option<StartExecutionRoute>,
}

/// What a state machine's route starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartExecutionRoute {
    /// The machine started.
    pub state_machine_arn: String,
    /// `action: StartSyncExecution` (an EXPRESS machine): the answer is the finished execution.
    #[serde(default)]
    pub sync: bool,
}

/// Request parameters a REST route requires (API Gateway's request validation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredParameters {
    /// Query string parameter names.
    #[serde(default)]
    pub querystrings: Vec<String>,
    /// Header names (matched case-insensitively).
    #[serde(default)]
    pub headers: Vec<String>,
}

impl RequiredParameters {
    /// Whether nothing is required.
    pub fn is_empty(&self) -> bool {
        self.querystrings.is_empty() && self.headers.is_empty()
    }
}

/// The headers of a REST path's CORS preflight answer, as the Serverless Framework
/// configures them (`cors: true` or its object form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestCors {
    /// `Access-Control-Allow-Origin` candidates; the request's origin is echoed when it is
    /// one of several, else the first is sent.
    pub origins: Vec<String>,
    /// `Access-Control-Allow-Headers`.
    pub headers: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`.
    #[serde(default)]
    pub allow_credentials: bool,
    /// `Access-Control-Max-Age`.
    #[serde(default)]
    pub max_age: Option<u32>,
    /// `Cache-Control` on the preflight answer.
    #[serde(default)]
    pub cache_control: Option<String>,
}

impl RestCors {
    /// The framework's `cors: true`.
    pub fn framework_default() -> Self {
        RestCors {
            origins: vec!["*".into()],
            headers: [
                "Content-Type",
                "X-Amz-Date",
                "Authorization",
                "X-Api-Key",
                "X-Amz-Security-Token",
                "X-Amz-User-Agent",
            ]
            .map(String::from)
            .to_vec(),
            allow_credentials: false,
            max_age: None,
            cache_control: None,
        }
    }
}

/// A REST API's answer for an error API Gateway itself gives (an
/// `AWS::ApiGateway::GatewayResponse` resource): headers, status and body template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    /// `DEFAULT_4XX`, `DEFAULT_5XX`, `MISSING_AUTHENTICATION_TOKEN`, `INVALID_API_KEY`,
    /// `BAD_REQUEST_PARAMETERS`, `INTEGRATION_TIMEOUT`, `INTEGRATION_FAILURE`.
    pub response_type: String,
    /// A status other than the error's own.
    #[serde(default)]
    pub status: Option<u16>,
    /// Headers added: a static value, or (`from_request`) the request header it names.
    #[serde(default)]
    pub headers: Vec<GatewayHeader>,
    /// The `application/json` body template (`$context.error.messageString`...).
    #[serde(default)]
    pub template: Option<String>,
}

/// A header of a [`GatewayResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayHeader {
    /// The header's name.
    pub name: String,
    /// A static value, or the name of the request header whose value is echoed.
    pub value: String,
    /// Whether `value` names a request header.
    #[serde(default)]
    pub from_request: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_route_keys() {
        for k in ["GET /greet/{name}", "ANY /{proxy+}", "POST /", "$default"] {
            assert_eq!(RouteKey::parse(k).unwrap().to_string(), k);
        }
        assert_eq!(RouteKey::parse("*").unwrap().to_string(), "$default");
        assert_eq!(RouteKey::parse("get /a").unwrap().to_string(), "GET /a");
    }

    #[test]
    fn refuses_bad_paths() {
        for k in ["GET greet", "GET /a//b", "GET /{a+}/b", "GET /{a}/{a}", "GET /a{b}", "FETCH /a", "GET"] {
            assert!(RouteKey::parse(k).is_err(), "{k} should be refused");
        }
    }

    #[test]
    fn shape_ignores_parameter_names() {
        let a = RoutePath::parse("/a/{x}").unwrap();
        let b = RoutePath::parse("/a/{y}").unwrap();
        assert_eq!(a.shape(), b.shape());
        assert_ne!(a.shape(), RoutePath::parse("/a/{x+}").unwrap().shape());
    }
}
