//! Lambda function URLs' API (`/2021-10-31/functions/{name}/url[s]`): Create, Get, Update,
//! Delete and ListFunctionUrlConfig(s). The URLs themselves answer on the http port (the
//! gateway's `function_urls`).

use super::lambda::{parse_json, qualified_name};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_functions::UrlPatch;
use squall_runtime::Body;
use squall_types::{Cors, FunctionUrl, LATEST, UrlAuth, format_iso8601_millis};

/// Where the function URL operations live.
pub(super) const URLS: &str = "/2021-10-31/functions";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UrlInput {
    auth_type: Option<String>,
    cors: Option<CorsInput>,
    invoke_mode: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CorsInput {
    allow_credentials: Option<bool>,
    allow_headers: Option<Vec<String>>,
    allow_methods: Option<Vec<String>>,
    allow_origins: Option<Vec<String>>,
    expose_headers: Option<Vec<String>>,
    max_age: Option<u32>,
}

impl CorsInput {
    fn into_cors(self) -> Result<Cors, ApiError> {
        if self.max_age.is_some_and(|m| m > 86_400) {
            return Err(ApiError::invalid("Cors.MaxAge is at most 86400"));
        }
        Ok(Cors {
            allowed_origins: self.allow_origins.unwrap_or_default(),
            allowed_headers: self.allow_headers.unwrap_or_default(),
            allowed_methods: self.allow_methods.unwrap_or_default(),
            allow_credentials: self.allow_credentials.unwrap_or(false),
            exposed_response_headers: self.expose_headers.unwrap_or_default(),
            max_age: self.max_age,
        })
    }
}

fn auth(s: &str) -> Result<UrlAuth, ApiError> {
    UrlAuth::parse(s).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{s}' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"
            ),
        )
    })
}

/// `InvokeMode`: `Some(true)` for `RESPONSE_STREAM`, `None` when not given.
fn check_mode(mode: Option<&str>) -> Result<Option<bool>, ApiError> {
    match mode {
        None => Ok(None),
        Some("BUFFERED") => Ok(Some(false)),
        Some("RESPONSE_STREAM") => Ok(Some(true)),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{other}' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]"
            ),
        )),
    }
}

/// The URL callers use: the http port's path form, which resolves everywhere (the host
/// form `<id>.lambda-url.<region>.localhost` answers too where `*.localhost` resolves).
pub(super) fn url_of(state: &ApiState, id: &str) -> String {
    format!("{}/lambda-url/{id}/", state.http_base.trim_end_matches('/'))
}

/// Lambda's `FunctionUrlConfig`.
fn config_json(state: &ApiState, name: &str, qualifier: &str, url: &FunctionUrl) -> Value {
    let arn_name = if qualifier == LATEST { name.to_string() } else { format!("{name}:{qualifier}") };
    let mut doc = json!({
        "FunctionUrl": url_of(state, &url.id),
        "FunctionArn": squall_types::function_arn(&state.region, &arn_name),
        "AuthType": url.auth.as_str(),
        "CreationTime": format_iso8601_millis(url.created_ms),
        "LastModifiedTime": format_iso8601_millis(url.modified_ms),
        "InvokeMode": if url.streaming { "RESPONSE_STREAM" } else { "BUFFERED" },
    });
    if let Some(c) = &url.cors {
        doc["Cors"] = json!({
            "AllowCredentials": c.allow_credentials,
            "AllowHeaders": c.allowed_headers,
            "AllowMethods": c.allowed_methods,
            "AllowOrigins": c.allowed_origins,
            "ExposeHeaders": c.exposed_response_headers,
            "MaxAge": c.max_age.unwrap_or(0),
        });
    }
    doc
}

/// `/{name}/url` and `/{name}/urls` under [`URLS`].
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (name, qualifier) = match segments.first() {
        Some(raw) => qualified_name(req, raw)?,
        None => return Err(ApiError::invalid("no function named")),
    };
    let q = qualifier.as_deref();
    match (&req.method, segments.as_slice()) {
        (&Method::POST, [_, "url"]) => {
            let input: UrlInput = parse_json(&req.body)?;
            let streaming = check_mode(input.invoke_mode.as_deref())?.unwrap_or(false);
            let a = auth(input.auth_type.as_deref().ok_or_else(|| ApiError::invalid("AuthType is required"))?)?;
            let cors = input.cors.map(CorsInput::into_cors).transpose()?;
            let (qual, url) = state.functions.create_url(&name, q, a, cors, streaming).await?;
            let mut doc = config_json(state, &name, &qual, &url);
            if let Some(m) = doc.as_object_mut() {
                m.remove("LastModifiedTime");
            }
            Ok(json_response(StatusCode::CREATED, &doc))
        }
        (&Method::GET, [_, "url"]) => {
            let (qual, url) = state.functions.get_url(&name, q)?;
            Ok(json_response(StatusCode::OK, &config_json(state, &name, &qual, &url)))
        }
        (&Method::PUT, [_, "url"]) => {
            let input: UrlInput = parse_json(&req.body)?;
            let streaming = check_mode(input.invoke_mode.as_deref())?;
            let patch = UrlPatch {
                auth: input.auth_type.as_deref().map(auth).transpose()?,
                cors: input.cors.map(|c| c.into_cors().map(Some)).transpose()?,
                streaming,
            };
            let (qual, url) = state.functions.update_url(&name, q, patch).await?;
            Ok(json_response(StatusCode::OK, &config_json(state, &name, &qual, &url)))
        }
        (&Method::DELETE, [_, "url"]) => {
            state.functions.delete_url(&name, q).await?;
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            Ok(r)
        }
        (&Method::GET, [_, "urls"]) => {
            let list: Vec<Value> = state
                .functions
                .list_urls(&name)?
                .iter()
                .map(|(qual, url)| config_json(state, &name, qual, url))
                .collect();
            Ok(json_response(StatusCode::OK, &json!({ "FunctionUrlConfigs": list })))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Lambda operation {} {} is not supported", req.method, req.uri.path()),
        )),
    }
}
