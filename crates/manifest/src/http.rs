//! HTTP routes: `httpApi` events (an HTTP API, payload 2.0 or 1.0) and `http` events (a
//! REST API with the Lambda proxy integration), and the provider settings of both APIs
//! (`provider.httpApi`, `provider.apiGateway`).

use crate::ApiKeySpec;
use crate::parse::{Cx, Path};
use serde_norway::Value;
use squall_types::{Cors, PayloadVersion, RequiredParameters, RestCors, RestRoute, RouteApi, RouteKey, RouteSpec};

/// `provider.httpApi`.
#[derive(Default, Clone)]
pub(crate) struct HttpApiSettings {
    pub(crate) cors: Option<Cors>,
    pub(crate) payload: Option<PayloadVersion>,
}

/// `provider.apiGateway`.
#[derive(Default, Clone)]
pub(crate) struct RestApiSettings {
    pub(crate) api_keys: Vec<ApiKeySpec>,
    pub(crate) binary_media_types: Vec<String>,
}

impl Cx<'_> {
    pub(crate) fn http_api(&mut self, v: &Value) -> HttpApiSettings {
        let mut s = HttpApiSettings::default();
        for (key, v) in self.entries(&["provider", "httpApi"], v) {
            let path = ["provider", "httpApi", key];
            match key {
                "cors" => s.cors = self.cors(&path, v),
                "payload" => match self.scalar(&path, v).as_deref() {
                    Some("2.0") => s.payload = Some(PayloadVersion::V2),
                    Some("1.0") => s.payload = Some(PayloadVersion::V1),
                    _ => self.error(&path, "must be '2.0' or '1.0'"),
                },
                "name" | "shouldStartNameWithService" | "disableDefaultEndpoint" | "metrics" => {
                    self.warn(&path, "is about the API on AWS; ignored by squall")
                }
                "authorizers" => self.error(&path, "authorizers are not supported yet"),
                other => self.error(&["provider", "httpApi", other], "is not supported yet"),
            }
        }
        s
    }

    pub(crate) fn cors(&mut self, path: &Path, v: &Value) -> Option<Cors> {
        if let Value::Bool(b) = v {
            return b.then(Cors::permissive);
        }
        let mut c = Cors::permissive();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "allowedOrigins" => c.allowed_origins = self.strings(&p, val),
                "allowedHeaders" => c.allowed_headers = self.strings(&p, val),
                "allowedMethods" => c.allowed_methods = self.strings(&p, val),
                "exposedResponseHeaders" => c.exposed_response_headers = self.strings(&p, val),
                "allowCredentials" => match val {
                    Value::Bool(b) => c.allow_credentials = *b,
                    _ => self.error(&p, "must be true or false"),
                },
                "maxAge" => c.max_age = self.number(&p, val),
                other => self.error(&[path, &[other]].concat(), "unknown key"),
            }
        }
        Some(c)
    }

    /// `provider.apiGateway`: the REST API's settings.
    pub(crate) fn api_gateway(&mut self, v: &Value) -> RestApiSettings {
        let mut s = RestApiSettings::default();
        let mut plans = None;
        for (key, v) in self.entries(&["provider", "apiGateway"], v) {
            let path = ["provider", "apiGateway", key];
            match key {
                "apiKeys" => s.api_keys = self.api_keys(&path, v),
                "binaryMediaTypes" => s.binary_media_types = self.strings(&path, v),
                "apiKeySourceType" => match v.as_str() {
                    Some("HEADER") => {}
                    _ => self.error(&path, "only HEADER is supported (authorizers are not supported yet)"),
                },
                "shouldStartNameWithService" | "description" | "metrics" | "disableDefaultEndpoint" => {
                    self.warn(&path, "is about the API on AWS; ignored by squall")
                }
                "minimumCompressionSize" => self.warn(&path, "ignored: squall does not compress responses"),
                "usagePlan" => plans = Some((path, v)),
                "resourcePolicy" => self.error(
                    &path,
                    "resource policies are not enforced yet; squall would let every caller in, so remove it to deploy",
                ),
                "restApiId" | "restApiRootResourceId" | "restApiResources" | "websocketApiId" => {
                    self.error(&path, "sharing an API Gateway API between services is not supported yet")
                }
                "request" => self.error(&path, "request schemas are not supported yet"),
                "timeoutInMillis" => self.error(&path, "is not supported yet (the integration timeout is 29 s)"),
                other => self.error(&["provider", "apiGateway", other], "is not supported yet"),
            }
        }
        if let Some((path, v)) = plans {
            self.usage_plans(&path, v, &mut s.api_keys);
        }
        s
    }

    /// `usagePlan`: `{throttle, quota}` for every key, or a list of named plans whose keys
    /// are the `apiKeys` group of the same name. Throttles are enforced; quotas are refused.
    pub(crate) fn usage_plans(&mut self, path: &Path, v: &Value, keys: &mut [ApiKeySpec]) {
        match v {
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    let idx = i.to_string();
                    let p = [path, &[idx.as_str()]].concat();
                    for (name, plan) in self.entries(&p, item) {
                        let pp = [p.as_slice(), &[name]].concat();
                        let throttle = self.usage_plan(&pp, plan);
                        let grouped: Vec<&mut ApiKeySpec> =
                            keys.iter_mut().filter(|k| k.group.as_deref() == Some(name)).collect();
                        if grouped.is_empty() {
                            self.error(&pp, format!("no apiKeys group {name} lists the keys of this plan"));
                        }
                        for k in grouped {
                            k.throttle = throttle;
                        }
                    }
                }
            }
            _ => {
                let throttle = self.usage_plan(path, v);
                for k in keys.iter_mut() {
                    k.throttle = throttle;
                }
            }
        }
    }

    fn usage_plan(&mut self, path: &Path, v: &Value) -> Option<squall_types::Throttle> {
        let mut throttle = None;
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "throttle" => {
                    let (mut rate, mut burst) = (None, None);
                    for (k, x) in self.entries(&p, val) {
                        let kp = [p.as_slice(), &[k]].concat();
                        match k {
                            "rateLimit" => match x.as_f64().filter(|r| *r > 0.0) {
                                Some(r) => rate = Some((r * 1000.0).round() as u64),
                                None => self.error(&kp, "must be a positive number of requests per second"),
                            },
                            "burstLimit" => burst = self.number(&kp, x),
                            other => self.error(&kp, format!("throttle setting {other} is not supported")),
                        }
                    }
                    match (rate, burst) {
                        (Some(rate_milli), Some(burst)) => {
                            throttle = Some(squall_types::Throttle { rate_milli, burst })
                        }
                        _ => self.error(&p, "needs rateLimit and burstLimit"),
                    }
                }
                "quota" => self.error(
                    &p,
                    "usage plan quotas are not enforced yet; remove the quota to deploy (throttles are enforced)",
                ),
                "description" | "name" => {}
                other => self.error(&p, format!("usage plan setting {other} is not supported yet")),
            }
        }
        throttle
    }

    /// `apiKeys`: names, `{name, value, description, customerId, enabled}`, or usage plan
    /// groups (`- free: [names...]`).
    pub(crate) fn api_keys(&mut self, path: &Path, v: &Value) -> Vec<ApiKeySpec> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list");
            return vec![];
        };
        let mut keys: Vec<ApiKeySpec> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let idx = i.to_string();
            let p = [path, &[idx.as_str()]].concat();
            match item {
                Value::Mapping(m) if !m.contains_key("name") && m.len() == 1 => {
                    // A usage plan's group of keys.
                    for (group, listed) in self.entries(&p, item) {
                        let gp = [p.as_slice(), &[group]].concat();
                        for mut k in self.api_keys(&gp, listed) {
                            k.group = Some(group.to_string());
                            keys.push(k);
                        }
                    }
                }
                _ => keys.extend(self.api_key(&p, item)),
            }
        }
        let mut seen = std::collections::HashSet::new();
        for k in &keys {
            if !seen.insert(k.name.clone()) {
                self.error(path, format!("the API key {} is listed twice", k.name));
            }
        }
        keys
    }

    fn api_key(&mut self, path: &Path, v: &Value) -> Option<ApiKeySpec> {
        if !matches!(v, Value::Mapping(_)) {
            let name = self.string(path, v)?;
            return Some(ApiKeySpec { name, value: None, throttle: None, group: None });
        }
        let (mut name, mut value) = (None, None);
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            match k {
                "name" => name = self.string(&p, val),
                "value" => {
                    value = self.string(&p, val);
                    if value.as_ref().is_some_and(|v| !(20..=128).contains(&v.len())) {
                        self.error(&p, "an API key's value must have 20 to 128 characters");
                    }
                }
                "description" | "customerId" => {}
                "enabled" => match val {
                    Value::Bool(true) => {}
                    _ => self.error(&p, "disabled API keys are not supported yet; remove the key"),
                },
                other => self.error(&p, format!("API key setting {other} is not supported yet")),
            }
        }
        let Some(name) = name else {
            self.error(path, "needs a name");
            return None;
        };
        Some(ApiKeySpec { name, value, throttle: None, group: None })
    }

    /// An `httpApi` event: `'METHOD /path'`, `'*'` or `{method, path}`.
    pub(crate) fn http_api_event(&mut self, path: &Path, v: &Value, payload: PayloadVersion) -> Option<RouteSpec> {
        let key = match v {
            Value::String(_) => self.string(path, v)?,
            Value::Mapping(_) => {
                let (mut method, mut route) = (None, None);
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    match k {
                        "method" => method = self.string(&p, val),
                        "path" => route = self.string(&p, val),
                        "authorizer" => self.error(&p, "authorizers are not supported yet"),
                        other => self.error(&p, format!("httpApi setting {other} is not supported yet")),
                    }
                }
                match (method, route) {
                    (_, Some(p)) if p.trim() == "*" => "*".to_string(),
                    (Some(m), Some(p)) => format!("{m} {p}"),
                    _ => {
                        self.error(path, "needs both method and path");
                        return None;
                    }
                }
            }
            _ => {
                self.error(path, "must be 'METHOD /path', '*' or {method, path}");
                return None;
            }
        };
        let key = self.route_key(path, &key)?;
        Some(RouteSpec { key, function: String::new(), api: RouteApi::HttpApi { payload } })
    }

    /// An `http` event: `'METHOD path'` or `{path, method, cors, private, request, ...}`
    /// with the Lambda proxy integration.
    pub(crate) fn http_event(&mut self, path: &Path, v: &Value) -> Option<RouteSpec> {
        let errors_before = self.errors.len();
        let mut route = RestRoute::default();
        let (method, route_path) = match v {
            Value::String(_) => {
                let s = self.string(path, v)?;
                match s.trim().split_once(char::is_whitespace) {
                    Some((m, p)) => (m.to_string(), p.trim().to_string()),
                    None => {
                        self.error(path, "must be 'METHOD path' or {path, method}");
                        return None;
                    }
                }
            }
            Value::Mapping(_) => {
                let (mut method, mut route_path) = (None, None);
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    if self.route_setting(&p, k, val, &mut route, &mut method, &mut route_path) {
                        continue;
                    }
                    match k {
                        "integration" => match val.as_str() {
                            Some("lambda-proxy" | "aws_proxy" | "aws-proxy") => {}
                            // What `async: true` needs; its default templates are Squall's.
                            Some("lambda" | "aws") if v.get("async") == Some(&Value::Bool(true)) => {}
                            Some("lambda" | "aws") => self.error(
                                &p,
                                "the lambda integration (mapping templates) is not supported yet; use the default lambda-proxy",
                            ),
                            _ => self.error(&p, "only lambda-proxy is supported"),
                        },
                        "request" => route.required = self.rest_request(&p, val),
                        "async" => match val {
                            Value::Bool(b) => route.asynchronous = *b,
                            _ => self.error(&p, "must be true or false"),
                        },
                        "authorizer" => self.error(&p, "authorizers are not supported yet"),
                        // They name the operation in the API's description, nothing more.
                        "operationId" | "summary" | "description" => {}
                        "documentation" => self.warn(&p, "ignored: squall keeps no API documentation"),
                        "response" => self.error(&p, "responses are only for the lambda integration, which is not supported yet"),
                        "connectionType" | "connectionId" => self.error(&p, "VPC links are not supported"),
                        other => self.error(&p, format!("http setting {other} is not supported yet")),
                    }
                }
                match (method, route_path) {
                    (Some(m), Some(p)) => (m, p),
                    _ => {
                        self.error(path, "needs both method and path");
                        return None;
                    }
                }
            }
            _ => {
                self.error(path, "must be 'METHOD path' or {path, method}");
                return None;
            }
        };
        if self.errors.len() != errors_before {
            return None;
        }
        self.rest_route_spec(path, &method, &route_path, route)
    }

    /// A REST route's spec under its `METHOD /path` key (the framework takes paths with or
    /// without their leading slash).
    fn rest_route_spec(&mut self, path: &Path, method: &str, route_path: &str, route: RestRoute) -> Option<RouteSpec> {
        let trimmed = route_path.trim().trim_matches('/');
        let key = self.route_key(path, &format!("{method} /{trimmed}"))?;
        Some(RouteSpec { key, function: String::new(), api: RouteApi::Rest(route) })
    }

    /// A state machine's `http` event (the serverless-step-functions plugin's): a REST route
    /// that starts an execution of `machine_arn` with the request's body as its input and
    /// answers StartExecution's (or, with `action: StartSyncExecution`, the finished
    /// execution's) document.
    pub(crate) fn machine_http_event(&mut self, path: &Path, v: &Value, machine_arn: &str) -> Option<RouteSpec> {
        let errors_before = self.errors.len();
        let mut route = RestRoute {
            start_execution: Some(squall_types::StartExecutionRoute {
                state_machine_arn: machine_arn.to_string(),
                sync: false,
            }),
            ..Default::default()
        };
        let (mut method, mut route_path) = (None, None);
        for (k, val) in self.entries(path, v) {
            let p = [path, &[k]].concat();
            if self.route_setting(&p, k, val, &mut route, &mut method, &mut route_path) {
                continue;
            }
            match k {
                "action" => match val.as_str() {
                    Some("StartExecution") => {}
                    Some("StartSyncExecution") => {
                        if let Some(s) = route.start_execution.as_mut() {
                            s.sync = true;
                        }
                    }
                    _ => self.error(&p, "must be StartExecution or StartSyncExecution"),
                },
                "request" => match val.get("template") {
                    Some(_) => self.error(&p, "request templates are not supported yet: the request's body is the execution's input"),
                    None => route.required = self.rest_request(&p, val),
                },
                "response" => self.error(&p, "response templates are not supported yet: the answer is StartExecution's"),
                "authorizer" => self.error(&p, "authorizers are not supported yet"),
                "integration" => self.error(&p, "a state machine's http event is an AWS integration with Step Functions; it takes no integration setting"),
                other => self.error(&p, format!("http setting {other} is not supported yet")),
            }
        }
        let (Some(method), Some(route_path)) = (method, route_path) else {
            self.error(path, "needs both method and path");
            return None;
        };
        if self.errors.len() != errors_before {
            return None;
        }
        self.rest_route_spec(path, &method, &route_path, route)
    }

    /// The settings every REST route of an `http` event takes (`path`, `method`, `cors`,
    /// `private`); whether `key` was one.
    fn route_setting(
        &mut self,
        p: &Path,
        key: &str,
        val: &Value,
        route: &mut RestRoute,
        method: &mut Option<String>,
        route_path: &mut Option<String>,
    ) -> bool {
        match key {
            "path" => *route_path = self.scalar(p, val),
            "method" => *method = self.string(p, val),
            "cors" => route.cors = self.rest_cors(p, val),
            "private" => match val {
                Value::Bool(b) => route.private = *b,
                _ => self.error(p, "must be true or false"),
            },
            _ => return false,
        }
        true
    }

    fn route_key(&mut self, path: &Path, key: &str) -> Option<RouteKey> {
        match RouteKey::parse(key) {
            Ok(r) => Some(r),
            Err(e) => {
                self.error(path, e);
                None
            }
        }
    }

    /// An `http` event's `cors`: `true` or `{origin | origins, headers, allowCredentials,
    /// maxAge, cacheControl}`.
    fn rest_cors(&mut self, path: &Path, v: &Value) -> Option<RestCors> {
        if let Value::Bool(b) = v {
            return b.then(RestCors::framework_default);
        }
        let mut c = RestCors::framework_default();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "origin" => c.origins = self.string(&p, val).into_iter().collect(),
                "origins" => c.origins = self.strings(&p, val),
                "headers" => c.headers = self.strings(&p, val),
                "allowCredentials" => match val {
                    Value::Bool(b) => c.allow_credentials = *b,
                    _ => self.error(&p, "must be true or false"),
                },
                "maxAge" => c.max_age = self.number(&p, val),
                "cacheControl" => c.cache_control = self.string(&p, val),
                "methods" => self.warn(&p, "ignored: the framework lists the methods of the path"),
                other => self.error(&p, format!("cors setting {other} is not supported")),
            }
        }
        if c.origins.is_empty() {
            self.error(path, "needs at least one origin");
        }
        Some(c)
    }

    /// An `http` event's `request`: only `parameters` (required ones are checked).
    fn rest_request(&mut self, path: &Path, v: &Value) -> RequiredParameters {
        let mut required = RequiredParameters::default();
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "parameters" => {
                    for (kind, names) in self.entries(&p, val) {
                        let kp = [p.as_slice(), &[kind]].concat();
                        let listed = self.required_names(&kp, names);
                        match kind {
                            "querystrings" => required.querystrings = listed,
                            "headers" => required.headers = listed,
                            // A route's path parameters are always there when it matches.
                            "paths" => {}
                            other => self.error(&kp, format!("request parameters of kind {other} are not supported")),
                        }
                    }
                }
                "schemas" | "schema" => self.error(&p, "request body validation is not supported yet"),
                "template" | "passThrough" | "contentHandling" | "uri" | "method" => {
                    self.error(&p, "is only for integrations other than lambda-proxy, which are not supported yet")
                }
                other => self.error(&p, format!("request setting {other} is not supported yet")),
            }
        }
        required
    }

    /// `{name: true | false | {required: bool, mappedValue}}`: the names marked required.
    fn required_names(&mut self, path: &Path, v: &Value) -> Vec<String> {
        let mut out = Vec::new();
        for (name, val) in self.entries(path, v) {
            let p = [path, &[name]].concat();
            let required = match val {
                Value::Bool(b) => *b,
                Value::Mapping(m) => match m.get("required") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => {
                        self.error(&p, "required must be true or false");
                        false
                    }
                },
                _ => {
                    self.error(&p, "must be true, false or {required}");
                    false
                }
            };
            if required {
                out.push(name.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
