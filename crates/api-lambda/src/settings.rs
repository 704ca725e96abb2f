//! A function's settings beyond its configuration, each under its own API version:
//! GetAccountSettings, Get/PutRuntimeManagementConfig, Get/PutFunctionRecursionConfig; and
//! `LoggingConfig` as Create/UpdateFunctionConfiguration read and answer it.

use super::lambda::{function_name, lookup, parse_json, qualified_name};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::json_response;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_functions::ConfigPatch;
use squall_runtime::Body;
use squall_types::{FunctionRecord, LogLevel, LoggingConfig, RuntimeUpdates, UpdateRuntimeOn};
use std::collections::BTreeSet;

/// GetAccountSettings.
pub(super) const ACCOUNT: &str = "/2016-08-19/account-settings";
/// Get/PutRuntimeManagementConfig.
pub(super) const RUNTIME: &str = "/2021-07-20/functions";
/// Get/PutFunctionRecursionConfig.
pub(super) const RECURSION: &str = "/2024-08-31/functions";

/// The largest package Squall unpacks (a function's with its layers), as Lambda's.
const CODE_SIZE_UNZIPPED: u64 = 262_144_000;
/// The largest zip taken in a request (`ZipFile`), as Lambda's.
const CODE_SIZE_ZIPPED: u64 = 52_428_800;
/// Lambda's default quotas for all code stored and for executions at once, reported as
/// such: Squall stores what its disk holds and limits concurrency per function.
const TOTAL_CODE_SIZE: u64 = 80_530_636_800;
const CONCURRENT_EXECUTIONS: u64 = 1000;

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation")
}

/// `GET /2016-08-19/account-settings`: the limits, and what the functions and layers here
/// use (each stored package counted once, as the store keeps it).
pub(super) async fn account(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    if req.method != Method::GET || !rest.trim_matches('/').is_empty() {
        return Err(not_found());
    }
    let functions = state.functions.list_functions();
    let mut packages: BTreeSet<(&str, u64)> = BTreeSet::new();
    let mut reserved = 0u64;
    for f in &functions {
        packages.insert((&f.code_sha256, f.code_size));
        packages.extend(f.versions.published.values().map(|v| (v.code_sha256.as_str(), v.code_size)));
        reserved += u64::from(f.config.reserved_concurrency.unwrap_or(0));
    }
    let layers = state.functions.all_layers().await?;
    packages.extend(layers.values().flatten().map(|l| (l.code_sha256.as_str(), l.code_size)));
    let total: u64 = packages.iter().map(|(_, size)| size).sum();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                "CodeSizeZipped": CODE_SIZE_ZIPPED,
                "ConcurrentExecutions": CONCURRENT_EXECUTIONS,
                "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS.saturating_sub(reserved),
            },
            "AccountUsage": { "TotalCodeSize": total, "FunctionCount": functions.len() },
        }),
    ))
}

/// The function name in `/{name}/<what>`, if the path is that.
fn named<'a>(rest: &'a str, what: &str) -> Option<&'a str> {
    rest.trim_start_matches('/').strip_suffix(what)?.strip_suffix('/').filter(|n| !n.is_empty() && !n.contains('/'))
}

/// A runtime version's ARN: `arn:aws:lambda:<region>::runtime:` and a digest of its name.
fn runtime_version_arn(region: &str, version: &str) -> String {
    use sha2::Digest as _;
    format!("arn:aws:lambda:{region}::runtime:{}", hex::encode(sha2::Sha256::digest(version.as_bytes())))
}

/// The runtime version a function runs on now (`RuntimeVersionConfig`), if the runtime
/// names one.
pub(super) fn runtime_version_config(state: &ApiState, f: &FunctionRecord) -> Option<Value> {
    let version = state.functions.runtime_version(f.config.runtime)?;
    Some(json!({ "RuntimeVersionArn": runtime_version_arn(&state.region, &version) }))
}

/// `/2021-07-20/functions/{name}/runtime-management-config`.
pub(super) async fn runtime(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let raw = named(rest, "runtime-management-config").ok_or_else(not_found)?;
    match req.method {
        Method::GET => {
            let (name, qualifier) = qualified_name(req, raw)?;
            let f = state.functions.resolve(&name, qualifier.as_deref(), 1.0)?;
            Ok(json_response(StatusCode::OK, &runtime_doc(state, &f)))
        }
        Method::PUT => {
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase", deny_unknown_fields)]
            struct Input {
                update_runtime_on: String,
                runtime_version_arn: Option<String>,
            }
            let name = function_name(req, raw).map_err(|_| {
                ApiError::invalid(
                    "Squall sets runtime management on $LATEST; a published version keeps the setting it was published with",
                )
            })?;
            let input: Input = parse_json(&req.body)?;
            let on = UpdateRuntimeOn::parse(&input.update_runtime_on).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "ValidationException",
                    format!(
                        "1 validation error detected: Value '{}' at 'updateRuntimeOn' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Manual, FunctionUpdate]",
                        input.update_runtime_on
                    ),
                )
            })?;
            let f = state.functions.get_function(&name)?;
            let installed = state.functions.runtime_version(f.config.runtime);
            let held_to = match (on, input.runtime_version_arn) {
                (UpdateRuntimeOn::Manual, None) => {
                    return Err(ApiError::invalid("RuntimeVersionArn is required when UpdateRuntimeOn is Manual"));
                }
                (UpdateRuntimeOn::Manual, Some(arn)) => {
                    let here = installed.as_deref().map(|v| (runtime_version_arn(&state.region, v), v));
                    match here {
                        Some((known, v)) if known == arn => Some(v.to_string()),
                        _ => {
                            return Err(ApiError::invalid(format!(
                                "Runtime version {arn} is not installed on this server: {} runs on {} ({})",
                                f.config.runtime,
                                installed.as_deref().unwrap_or("no named runtime version"),
                                here.map_or_else(String::new, |(a, _)| a)
                            )));
                        }
                    }
                }
                (_, Some(_)) => {
                    return Err(ApiError::invalid("RuntimeVersionArn is only allowed when UpdateRuntimeOn is Manual"));
                }
                // FunctionUpdate is held to what is installed when the update is written.
                (_, None) => None,
            };
            let patch = ConfigPatch { runtime_updates: Some(RuntimeUpdates { on, held_to }), ..Default::default() };
            let f = state.functions.update_config(&name, patch).await?;
            let mut doc = runtime_doc(state, &f);
            doc["FunctionArn"] = json!(squall_types::function_arn(&state.region, f.config.name.as_str()));
            Ok(json_response(StatusCode::OK, &doc))
        }
        _ => Err(not_found()),
    }
}

fn runtime_doc(state: &ApiState, f: &FunctionRecord) -> Value {
    let u = &f.config.runtime_updates;
    // As Lambda answers: the ARN only for a function held by hand.
    let arn = match (u.on, &u.held_to) {
        (UpdateRuntimeOn::Manual, Some(v)) => json!(runtime_version_arn(&state.region, v)),
        _ => Value::Null,
    };
    json!({
        "UpdateRuntimeOn": u.on.as_str(),
        "RuntimeVersionArn": arn,
        "FunctionArn": squall_types::function_arn(&state.region, &f.instance_key()),
    })
}

/// `/2024-08-31/functions/{name}/recursion-config`.
pub(super) async fn recursion(
    state: &ApiState,
    req: &ApiRequest,
    rest: &str,
) -> Result<http::Response<Body>, ApiError> {
    let raw = named(rest, "recursion-config").ok_or_else(not_found)?;
    let answer = |allowed: bool| json!({ "RecursiveLoop": if allowed { "Allow" } else { "Terminate" } });
    match req.method {
        Method::GET => {
            let f = lookup(state, req, raw)?;
            Ok(json_response(StatusCode::OK, &answer(f.config.recursive_loop_allowed)))
        }
        Method::PUT => {
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase", deny_unknown_fields)]
            struct Input {
                recursive_loop: String,
            }
            let name = function_name(req, raw)?;
            let input: Input = parse_json(&req.body)?;
            let allowed = match input.recursive_loop.as_str() {
                "Allow" => true,
                "Terminate" => false,
                other => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "ValidationException",
                        format!(
                            "1 validation error detected: Value '{other}' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]"
                        ),
                    ));
                }
            };
            let patch = ConfigPatch { recursive_loop_allowed: Some(allowed), ..Default::default() };
            let f = state.functions.update_config(&name, patch).await?;
            Ok(json_response(StatusCode::OK, &answer(f.config.recursive_loop_allowed)))
        }
        _ => Err(not_found()),
    }
}

/// `LoggingConfig` as Create and UpdateFunctionConfiguration take it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct LoggingInput {
    log_format: Option<String>,
    application_log_level: Option<String>,
    system_log_level: Option<String>,
    log_group: Option<String>,
}

impl LoggingInput {
    /// The setting this makes of `current` (what is not given stays, except that the text
    /// format drops levels).
    pub(super) fn apply(self, name: &str, current: &LoggingConfig) -> Result<LoggingConfig, ApiError> {
        if let Some(group) = self.log_group.filter(|g| *g != default_log_group(name)) {
            return Err(ApiError::invalid(format!(
                "LoggingConfig.LogGroup {group:?} is not supported: Squall keeps a function's log lines with the function (squall logs), under {}",
                default_log_group(name)
            )));
        }
        let json = match self.log_format.as_deref() {
            None => current.json,
            Some("JSON") => true,
            Some("Text") => false,
            Some(other) => return Err(enum_error("logFormat", other, "[JSON, Text]")),
        };
        let level = |given: Option<String>, member: &str, allowed: &[LogLevel]| -> Result<Option<LogLevel>, ApiError> {
            given
                .map(|g| LogLevel::named(&g, allowed).map_err(|set| enum_error(member, &g, &format!("[{set}]"))))
                .transpose()
        };
        let application = level(self.application_log_level, "applicationLogLevel", &LogLevel::APPLICATION)?;
        let system = level(self.system_log_level, "systemLogLevel", &LogLevel::SYSTEM)?;
        let config = LoggingConfig {
            json,
            application: application.or(if json { current.application } else { None }),
            system: system.or(if json { current.system } else { None }),
        };
        if let Some(problem) = config.problem() {
            return Err(ApiError::invalid(problem));
        }
        Ok(config)
    }
}

fn enum_error(member: &str, value: &str, set: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        format!(
            "1 validation error detected: Value '{value}' at 'loggingConfig.{member}' failed to satisfy constraint: Member must satisfy enum value set: {set}"
        ),
    )
}

fn default_log_group(name: &str) -> String {
    format!("/aws/lambda/{name}")
}

/// `LoggingConfig` as GetFunctionConfiguration answers it.
pub(super) fn logging_doc(f: &FunctionRecord) -> Value {
    let l = &f.config.logging;
    let mut doc = json!({
        "LogFormat": if l.json { "JSON" } else { "Text" },
        "LogGroup": default_log_group(f.config.name.as_str()),
    });
    if let (Some(app), Some(sys)) = (l.application_level(), l.system_level()) {
        doc["ApplicationLogLevel"] = json!(app.as_str());
        doc["SystemLogLevel"] = json!(sys.as_str());
    }
    doc
}
