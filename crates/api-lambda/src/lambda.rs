//! Lambda's REST API (`/2015-03-31/functions…`): parse, call the functions service, render.
//!
//! WebAssembly functions are HTTP handlers, so `Invoke` hands them a `POST /` whose body is
//! the payload and returns the response body as the result; a function that fails
//! (trap, timeout, out of memory) gives `X-Amz-Function-Error: Unhandled` and Lambda's
//! error payload.

use super::code::CodeInput;
use super::protocol::{Handler, Protocol, Recognition, Service, never};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, full, json_response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_functions::ConfigPatch;
use squall_runtime::{Body, Invocation, Outcome, Trigger};
use squall_types::{FunctionConfig, FunctionName, FunctionRecord, Runtime, default_role, format_iso8601_millis};
use std::collections::BTreeMap;
use std::io::Read;

/// Lambda's REST API: functions, their asynchronous invocation settings and concurrency.
pub static SERVICE: Service = Service {
    name: "lambda",
    signing_name: Some("lambda"),
    protocol: Protocol::RestJson,
    recognition: Recognition::Paths(&[
        FUNCTIONS,
        super::lambda_async::FUNCTIONS,
        CONCURRENCY,
        CONCURRENCY_GET,
        super::tags::TAGS,
        super::urls::URLS,
        super::layers::LAYERS,
        super::mappings::MAPPINGS,
        super::streaming::STREAMING,
        INVOKE_ASYNC,
        super::settings::ACCOUNT,
        super::settings::RUNTIME,
        super::settings::RECURSION,
        super::unserved::PREFIXES[0],
        super::unserved::PREFIXES[1],
        super::unserved::PREFIXES[2],
        super::unserved::PREFIXES[3],
    ]),
    namespace: "",
    query_code: None,
    unsigned: never,
    // Zipped packages of 50 MB, base64-encoded in a JSON body.
    max_body: 100 << 20,
    handler: Handler::Buffered(|state, req, _| Box::pin(serve(state, req))),
};

const FUNCTIONS: &str = "/2015-03-31/functions";
/// InvokeAsync, Lambda's first asynchronous invocation (deprecated, still answered).
const INVOKE_ASYNC: &str = "/2014-11-13/functions";
const CONCURRENCY: &str = "/2017-10-31/functions";
/// GetFunctionConcurrency came later, under its own version.
const CONCURRENCY_GET: &str = "/2019-09-30/functions";

async fn serve(state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
    super::access::authorize(state, req)?;
    let path = req.uri.path();
    if let Some(rest) = path.strip_prefix(FUNCTIONS) {
        dispatch(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::lambda_async::FUNCTIONS) {
        super::lambda_async::dispatch(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(CONCURRENCY) {
        concurrency(state, req, rest).await
    } else if let Some(name) = path
        .strip_prefix(CONCURRENCY_GET)
        .and_then(|rest| rest.strip_suffix("/provisioned-concurrency"))
        .map(|n| n.trim_start_matches('/'))
    {
        super::provisioned::serve(state, req, name).await
    } else if let Some(rest) = path.strip_prefix(CONCURRENCY_GET).filter(|_| req.method == Method::GET) {
        concurrency(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::tags::TAGS) {
        super::tags::serve(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::urls::URLS) {
        super::urls::serve(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(INVOKE_ASYNC) {
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let (&Method::POST, [name, "invoke-async"]) = (&req.method, segments.as_slice()) else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"));
        };
        let f = resolve(state, req, name, 1.0)?;
        invoke_async(state, req, &f).await?;
        Ok(json_response(StatusCode::ACCEPTED, &json!({ "Status": 202 })))
    } else if let Some(rest) = path.strip_prefix(super::streaming::STREAMING) {
        super::streaming::serve(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::mappings::MAPPINGS) {
        super::mappings::serve(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::layers::LAYERS) {
        super::layers::serve(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::settings::ACCOUNT) {
        super::settings::account(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::settings::RUNTIME) {
        super::settings::runtime(state, req, rest).await
    } else if let Some(rest) = path.strip_prefix(super::settings::RECURSION) {
        super::settings::recursion(state, req, rest).await
    } else if super::unserved::PREFIXES.iter().any(|p| path.starts_with(p)) {
        Err(super::unserved::refuse(req))
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"))
    }
}

/// Lambda's synchronous payload limit, for requests and responses.
const MAX_RESPONSE: usize = 6 << 20;

/// `/2017-10-31/functions/{name}/concurrency`: Put and DeleteFunctionConcurrency (and Get,
/// which SDKs send to `/2019-09-30/…`).
async fn concurrency(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let [name, "concurrency"] = segments.as_slice() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"));
    };
    let f = lookup(state, req, name)?;
    let set = |value: Option<u32>| ConfigPatch { reserved_concurrency: Some(value), ..ConfigPatch::default() };
    match req.method {
        Method::GET => {
            let body = match f.config.reserved_concurrency {
                Some(n) => json!({ "ReservedConcurrentExecutions": n }),
                None => json!({}),
            };
            Ok(json_response(StatusCode::OK, &body))
        }
        Method::PUT => {
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase", deny_unknown_fields)]
            struct Input {
                reserved_concurrent_executions: u32,
            }
            let input: Input = parse_json(&req.body)?;
            let n = input.reserved_concurrent_executions;
            state.functions.update_config(f.config.name.as_str(), set(Some(n))).await?;
            Ok(json_response(StatusCode::OK, &json!({ "ReservedConcurrentExecutions": n })))
        }
        Method::DELETE => {
            state.functions.update_config(f.config.name.as_str(), set(None)).await?;
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            Ok(r)
        }
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation")),
    }
}

async fn dispatch(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match (&req.method, segments.as_slice()) {
        (&Method::POST, []) => create(state, req).await,
        (&Method::GET, []) => list(state, req),
        (&Method::GET, [name]) => get(state, req, name).await,
        (&Method::GET, [name, "configuration"]) => {
            let f = resolve(state, req, name, 1.0)?;
            Ok(json_response(StatusCode::OK, &configuration(state, &f)))
        }
        (&Method::DELETE, [name]) => {
            let decoded = percent_encoding::percent_decode_str(name).decode_utf8_lossy().into_owned();
            let latest = squall_types::LATEST;
            if req.query("Qualifier").as_deref() == Some(latest) || decoded.ends_with(&format!(":{latest}")) {
                return Err(ApiError::invalid("$LATEST version cannot be deleted without deleting the function."));
            }
            match qualified_name(req, name)? {
                (name, None) => state.functions.delete_function(&name).await?,
                (name, Some(q)) => super::versions::delete_version(state, &name, &q).await?,
            }
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            Ok(r)
        }
        (&Method::POST, [name, "versions"]) => super::versions::publish(state, req, name).await,
        (&Method::GET, [name, "versions"]) => super::versions::list(state, req, name),
        (&Method::POST, [name, "aliases"]) => super::versions::create_alias(state, req, name).await,
        (&Method::GET, [name, "aliases"]) => super::versions::list_aliases(state, req, name),
        (&Method::GET, [name, "aliases", alias]) => super::versions::get_alias(state, req, name, alias),
        (&Method::PUT, [name, "aliases", alias]) => super::versions::update_alias(state, req, name, alias).await,
        (&Method::DELETE, [name, "aliases", alias]) => super::versions::delete_alias(state, req, name, alias).await,
        (&Method::PUT, [name, "code"]) => update_code(state, req, name).await,
        (&Method::PUT, [name, "configuration"]) => update_configuration(state, req, name).await,
        (&Method::POST, [name, "invocations"]) => invoke(state, req, name).await,
        (&Method::POST, [name, "policy"]) => super::permissions::add(state, req, name).await,
        (&Method::GET, [name, "policy"]) => super::permissions::get(state, req, name),
        (&Method::DELETE, [name, "policy", sid]) => super::permissions::remove(state, req, name, sid).await,
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Lambda operation {} {} is not supported", req.method, req.uri.path()),
        )),
    }
}

/// Reads a name, a full ARN or a partial ARN (`name:qualifier`, `123456789012:function:name`),
/// with the qualifier it carries or the `Qualifier` parameter (`$LATEST` is no qualifier).
pub(super) fn qualified_name(req: &ApiRequest, raw: &str) -> Result<(String, Option<String>), ApiError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
    let after = decoded.find("function:").map_or(decoded.as_str(), |i| &decoded[i + "function:".len()..]);
    let (name, in_name) = match after.split_once(':') {
        Some((n, q)) => (n.to_string(), Some(q.to_string())),
        None => (after.to_string(), None),
    };
    let qualifier = match (in_name, req.query("Qualifier")) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (a, b) => a.or(b),
    };
    if let Some(q) = &qualifier {
        let ok = (1..=128).contains(&q.len())
            && (q == squall_types::LATEST || q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        if !ok {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
            )));
        }
    }
    let name = FunctionName::new(name).map(|n| n.to_string()).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok((name, qualifier.filter(|q| q != squall_types::LATEST)))
}

/// A function's name for operations on the whole function: a qualifier other than
/// `$LATEST` is refused by name.
pub(super) fn function_name(req: &ApiRequest, raw: &str) -> Result<String, ApiError> {
    match qualified_name(req, raw)? {
        (name, None) => Ok(name),
        (name, Some(q)) => Err(ApiError::invalid(format!(
            "{} {name}:{q}: this operation takes the function itself, not a version or alias",
            req.method
        ))),
    }
}

/// The record a qualified name runs as; an alias's weights choose with `draw` (0..1; 1.0
/// gives its primary version).
pub(super) fn resolve(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
    draw: f64,
) -> Result<std::sync::Arc<FunctionRecord>, ApiError> {
    let (name, qualifier) = qualified_name(req, raw)?;
    Ok(state.functions.resolve(&name, qualifier.as_deref(), draw)?)
}

pub(super) fn lookup(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
) -> Result<std::sync::Arc<FunctionRecord>, ApiError> {
    let name = function_name(req, raw)?;
    Ok(state.functions.get_function(&name)?)
}

/// Lambda's `FunctionConfiguration`.
pub(super) fn configuration(state: &ApiState, f: &FunctionRecord) -> Value {
    let c = &f.config;
    let sha = hex::decode(&f.code_sha256).map(|b| B64.encode(b)).unwrap_or_default();
    let mut doc = json!({
        "FunctionName": c.name.as_str(),
        "FunctionArn": squall_types::function_arn(&state.region, &qualified(f)),
        "Runtime": c.runtime.to_string(),
        "Role": c.role,
        "Handler": c.handler,
        "CodeSize": f.code_size,
        "Description": c.description,
        "Timeout": c.timeout_s,
        "MemorySize": c.memory_mb,
        "LastModified": format_iso8601_millis(f.last_modified_ms),
        "CodeSha256": sha,
        "Version": f.version_label(),
        "Environment": { "Variables": c.environment },
        "TracingConfig": { "Mode": if c.tracing_active { "Active" } else { "PassThrough" } },
        "RevisionId": revision_id(f),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [host_architecture()],
        "EphemeralStorage": { "Size": c.tmp_mb() },
        "LoggingConfig": super::settings::logging_doc(f),
    });
    if let Some(v) = super::settings::runtime_version_config(state, f) {
        doc["RuntimeVersionConfig"] = v;
    }
    if let Some(arn) = &c.async_invoke.dead_letter {
        doc["DeadLetterConfig"] = json!({ "TargetArn": arn });
    }
    if !c.layers.is_empty() {
        let layers: Vec<Value> = c.layers.iter().map(|l| json!({ "Arn": l.arn, "CodeSize": l.code_size })).collect();
        doc["Layers"] = json!(layers);
    }
    doc
}

/// A URL of the control plane giving stored code, presigned as the account for ten
/// minutes, as Lambda presigns its S3 locations (the host the caller reached).
pub(super) fn code_location(state: &ApiState, req: &ApiRequest, path: &str, query: &str) -> String {
    let host = req.header("host").unwrap_or("127.0.0.1:4566");
    let Some((key, secret)) = state.keys.root_key() else {
        return format!("http://{host}{path}{}{query}", if query.is_empty() { "" } else { "?" });
    };
    // Real time: the URL is checked against real time, as clients' signatures are.
    let amz_date = squall_auth::format_amz_date((squall_clock::wall_ms() / 1000) as i64);
    let presign = squall_auth::PresignRequest { method: "GET", host, path, query, amz_date: &amz_date, expires: 600 };
    format!("http://{host}{path}?{}", squall_auth::presign(&presign, key, secret, &state.region, "lambda"))
}

/// The function's name, with `:n` for a published version.
fn qualified(f: &FunctionRecord) -> String {
    f.instance_key()
}

/// A UUID-shaped id that changes whenever the function does.
pub(super) fn revision_id(f: &FunctionRecord) -> String {
    let h = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        format!("{}:{}:{}", f.instance_key(), f.revision, f.last_modified_ms),
    ));
    let x = hex::encode(&h[..16]);
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

pub(super) fn parse_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_content(format!("Could not parse request body into json: {e}")))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentInput {
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct CreateInput {
    function_name: String,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    code: CodeInput,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<EnvironmentInput>,
    publish: Option<bool>,
    package_type: Option<String>,
    architectures: Option<Vec<String>>,
    tracing_config: Option<Value>,
    dead_letter_config: Option<DeadLetterInput>,
    tags: Option<BTreeMap<String, String>>,
    layers: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralInput>,
    logging_config: Option<super::settings::LoggingInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct EphemeralInput {
    size: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct DeadLetterInput {
    /// An empty or absent target removes the dead-letter queue.
    target_arn: Option<String>,
}

impl DeadLetterInput {
    fn target(self) -> Option<String> {
        self.target_arn.filter(|t| !t.is_empty())
    }
}

/// The host's architecture, as Lambda names it: what Squall's processes run on.
fn host_architecture() -> &'static str {
    if std::env::consts::ARCH == "aarch64" { "arm64" } else { "x86_64" }
}

/// `Architectures`: one, and for a Lambda runtime the host's (its processes run natively).
fn check_architectures(given: Option<&[String]>, runtime: Runtime) -> Result<(), ApiError> {
    let Some(given) = given else { return Ok(()) };
    match given {
        [a] if a == "x86_64" || a == "arm64" => {
            if runtime.is_process() && a != host_architecture() {
                return Err(ApiError::invalid(format!(
                    "Architectures [{a}] cannot run here: this server is {} and runs functions natively (a wasm function runs anywhere)",
                    host_architecture()
                )));
            }
            Ok(())
        }
        [_] => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{given:?}' at 'architectures' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]"
            ),
        )),
        _ => Err(ApiError::invalid("Architectures takes exactly one architecture")),
    }
}

/// `TracingConfig.Mode`: `Some(true)` for `Active`, `Some(false)` for `PassThrough`.
fn tracing_mode(given: Option<&Value>) -> Result<Option<bool>, ApiError> {
    let Some(given) = given else { return Ok(None) };
    match given.get("Mode").and_then(Value::as_str) {
        Some("Active") => Ok(Some(true)),
        Some("PassThrough") => Ok(Some(false)),
        None if given.as_object().is_some_and(|o| o.is_empty()) => Ok(None),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{}' at 'tracingConfig.mode' failed to satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]",
                other.unwrap_or("null")
            ),
        )),
    }
}

fn runtime(s: &str) -> Result<Runtime, ApiError> {
    s.parse()
        .map_err(|e: String| ApiError::invalid(format!("Value {s} at 'runtime' failed to satisfy constraint: {e}")))
}

/// The code to store for a deployment package: for process runtimes the zip itself (the
/// runtime unpacks and checks it); for `wasm`, the component: the bytes themselves if they
/// are WebAssembly, else the `handler` entry of the zip.
#[cfg(test)]
fn package_code(zip_b64: &str, runtime: Runtime, handler: &str) -> Result<Vec<u8>, ApiError> {
    let bytes = B64.decode(zip_b64.trim()).map_err(|e| ApiError::invalid(format!("ZipFile is not base64: {e}")))?;
    package_bytes(bytes, runtime, handler)
}

/// [`package_code`] of bytes already decoded (or read from S3).
fn package_bytes(bytes: Vec<u8>, runtime: Runtime, handler: &str) -> Result<Vec<u8>, ApiError> {
    if runtime.is_process() {
        return Ok(bytes);
    }
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        ApiError::invalid(format!(
            "Could not unzip uploaded file. Please check your file, then try to upload again. ({e})"
        ))
    })?;
    let name = handler.trim_start_matches("./");
    let mut entry = zip.by_name(name).map_err(|_| {
        ApiError::invalid(format!(
            "the package has no file {name:?} (the handler of a wasm function is the component's path in the package)"
        ))
    })?;
    let mut out = Vec::new();
    entry.read_to_end(&mut out).map_err(|e| ApiError::invalid(format!("reading {name} from the package: {e}")))?;
    Ok(out)
}

async fn create(state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
    let input: CreateInput = parse_json(&req.body)?;
    let publish = input.publish == Some(true);
    if input.package_type.as_deref().is_some_and(|p| p != "Zip") {
        return Err(ApiError::invalid("only PackageType Zip is supported"));
    }
    let runtime = runtime(input.runtime.as_deref().ok_or_else(|| ApiError::invalid("Runtime is required"))?)?;
    check_architectures(input.architectures.as_deref(), runtime)?;
    let tracing_active = tracing_mode(input.tracing_config.as_ref())?.unwrap_or(false);
    let handler = input.handler.ok_or_else(|| ApiError::invalid("Handler is required"))?;
    let code = package_bytes(input.code.bytes(state, req.who()).await?, runtime, &handler)?;
    if let Some(tags) = &input.tags {
        super::tags::check_tags(tags)?;
    }
    let layers = super::layers::function_layers(state, req, input.layers.as_deref().unwrap_or_default()).await?;
    let name = FunctionName::new(input.function_name).map_err(|e| ApiError::invalid(e.to_string()))?;
    let logging = match input.logging_config {
        Some(l) => l.apply(name.as_str(), &Default::default())?,
        None => Default::default(),
    };
    let config = FunctionConfig {
        name,
        service: None,
        runtime,
        handler,
        memory_mb: input.memory_size.unwrap_or(128),
        timeout_s: input.timeout.unwrap_or(3),
        environment: input.environment.unwrap_or_default().variables,
        description: input.description.unwrap_or_default(),
        role: input.role.unwrap_or_else(default_role),
        role_policy: None,
        reserved_concurrency: None,
        provisioned_concurrency: 0,
        event_sources: Vec::new(),
        async_invoke: squall_types::AsyncInvokeConfig {
            dead_letter: input.dead_letter_config.and_then(DeadLetterInput::target),
            ..Default::default()
        },
        permissions: Default::default(),
        egress: None,
        tags: input.tags.unwrap_or_default(),
        layers,
        tracing_active,
        ephemeral_storage_mb: input.ephemeral_storage.map(|e| e.size),
        logging,
        recursive_loop_allowed: false,
        runtime_updates: Default::default(),
        serve_through: None,
    };
    let mut f = state.functions.create_function(config, code).await?;
    if publish {
        f = std::sync::Arc::new(state.functions.publish_version(f.config.name.as_str(), None, None, None).await?);
    }
    Ok(json_response(StatusCode::CREATED, &configuration(state, &f)))
}

fn list(state: &ApiState, req: &ApiRequest) -> Result<http::Response<Body>, ApiError> {
    let all = state.functions.list_functions();
    let max = match req.query("MaxItems") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=10_000).contains(m))
            .ok_or_else(|| ApiError::invalid("MaxItems must be 1 to 10000"))?,
        None => 50,
    };
    let start = match req.query("Marker") {
        Some(marker) => all.iter().position(|f| f.config.name.as_str() > marker.as_str()).unwrap_or(all.len()),
        None => 0,
    };
    let page: Vec<Value> = all.iter().skip(start).take(max).map(|f| configuration(state, f)).collect();
    let mut body = json!({ "Functions": page });
    if start + max < all.len() {
        body["NextMarker"] = json!(all[start + max - 1].config.name.as_str());
    }
    Ok(json_response(StatusCode::OK, &body))
}

async fn get(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let f = resolve(state, req, raw, 1.0)?;
    let path = format!("/squall/v1/functions/{}/code", f.config.name);
    let query = f.version.map(|n| format!("version={n}")).unwrap_or_default();
    let mut body = json!({
        "Configuration": configuration(state, &f),
        "Code": {
            "RepositoryType": "S3",
            // A plain GET of this URL returns the code (a version's own) for ten minutes.
            "Location": code_location(state, req, &path, &query),
        },
    });
    if let Some(n) = f.config.reserved_concurrency {
        body["Concurrency"] = json!({ "ReservedConcurrentExecutions": n });
    }
    if !f.config.tags.is_empty() {
        body["Tags"] = json!(f.config.tags);
    }
    Ok(json_response(StatusCode::OK, &body))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateCodeInput {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    s3_object_version: Option<String>,
    image_uri: Option<String>,
    publish: Option<bool>,
    dry_run: Option<bool>,
    revision_id: Option<String>,
    architectures: Option<Vec<String>>,
}

async fn update_code(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let current = lookup(state, req, raw)?;
    let input: UpdateCodeInput = parse_json(&req.body)?;
    let if_revision = expected_revision(&current, input.revision_id.as_deref())?;
    check_architectures(input.architectures.as_deref(), current.config.runtime)?;
    let source = CodeInput {
        zip_file: input.zip_file,
        s3_bucket: input.s3_bucket,
        s3_key: input.s3_key,
        s3_object_version: input.s3_object_version,
        image_uri: input.image_uri,
    };
    let code = package_bytes(source.bytes(state, req.who()).await?, current.config.runtime, &current.config.handler)?;
    if input.dry_run == Some(true) {
        return Ok(json_response(StatusCode::OK, &configuration(state, &current)));
    }
    let mut f = state.functions.update_code(current.config.name.as_str(), code, if_revision).await?;
    if input.publish == Some(true) {
        f = std::sync::Arc::new(state.functions.publish_version(f.config.name.as_str(), None, None, None).await?);
    }
    Ok(json_response(StatusCode::OK, &configuration(state, &f)))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateConfigInput {
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<EnvironmentInput>,
    revision_id: Option<String>,
    tracing_config: Option<Value>,
    dead_letter_config: Option<DeadLetterInput>,
    layers: Option<Vec<String>>,
    ephemeral_storage: Option<EphemeralInput>,
    logging_config: Option<super::settings::LoggingInput>,
}

/// The revision a `RevisionId` names: the current one if it matches (the service checks it
/// again under its write lock), else the update fails.
pub(super) fn expected_revision(f: &FunctionRecord, given: Option<&str>) -> Result<Option<u64>, ApiError> {
    match given {
        Some(r) if r != revision_id(f) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        Some(_) => Ok(Some(f.revision)),
        None => Ok(None),
    }
}

async fn update_configuration(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let current = lookup(state, req, raw)?;
    let input: UpdateConfigInput = parse_json(&req.body)?;
    let if_revision = expected_revision(&current, input.revision_id.as_deref())?;
    if input.role.is_some() {
        return Err(ApiError::invalid("changing Role is not supported yet"));
    }
    let tracing_active = tracing_mode(input.tracing_config.as_ref())?;
    let layers = match &input.layers {
        Some(arns) => Some(super::layers::function_layers(state, req, arns).await?),
        None => None,
    };
    let patch = ConfigPatch {
        runtime: input.runtime.as_deref().map(runtime).transpose()?,
        handler: input.handler,
        memory_mb: input.memory_size,
        timeout_s: input.timeout,
        environment: input.environment.map(|e| e.variables),
        description: input.description,
        reserved_concurrency: None,
        async_invoke: input.dead_letter_config.map(|d| squall_types::AsyncInvokeConfig {
            dead_letter: d.target(),
            ..current.config.async_invoke.clone()
        }),
        permissions: None,
        tags: None,
        layers,
        event_sources: None,
        tracing_active,
        ephemeral_storage_mb: input.ephemeral_storage.map(|e| e.size),
        logging: input
            .logging_config
            .map(|l| l.apply(current.config.name.as_str(), &current.config.logging))
            .transpose()?,
        recursive_loop_allowed: None,
        runtime_updates: None,
        if_revision,
    };
    let f = state.functions.update_config(current.config.name.as_str(), patch).await?;
    Ok(json_response(StatusCode::OK, &configuration(state, &f)))
}

async fn invoke(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    // An alias's weights pick the version: a uniform draw in 0..1.
    let draw = squall_types::random_draw();
    let f = resolve(state, req, raw, draw)?;
    match req.header("x-amz-invocation-type").unwrap_or("RequestResponse") {
        "RequestResponse" => {}
        "DryRun" => {
            let mut r = http::Response::new(empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            return Ok(r);
        }
        "Event" => return invoke_async(state, req, &f).await,
        other => {
            return Err(ApiError::invalid(format!(
                "InvocationType {other:?} is not one of RequestResponse, Event, DryRun"
            )));
        }
    }
    if req.body.len() > MAX_RESPONSE {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {MAX_RESPONSE} bytes for the InvokeFunction operation"),
        ));
    }
    let tail = match req.header("x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => return Err(ApiError::invalid(format!("LogType {other:?} is not one of None, Tail"))),
    };
    let request = http::Request::builder()
        .method(Method::POST)
        .uri("/")
        .header(http::header::HOST, "lambda.invoke")
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(squall_runtime::INVOKED_QUALIFIER, invoked_qualifier(req, raw))
        .header(squall_runtime::TRACE_HEADER, caller_lineage(req).header())
        .body(full(req.body.clone()))
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let invocation =
        Invocation { request, trigger: Trigger::Invoke, request_id: req.request_id.clone(), trace: req.trace };
    let (payload, function_error) = match state.functions.invoke(&f, invocation).await? {
        Outcome::Response(resp) => match squall_runtime::collect_with_trailers(resp.into_body(), MAX_RESPONSE).await {
            // A streamed response that failed part way: its error, as Lambda answers it.
            Ok((_, Some(trailers))) if squall_runtime::stream_error(&trailers).is_some() => {
                let (_, doc) = squall_runtime::stream_error(&trailers).expect("checked");
                (doc, Some("Unhandled"))
            }
            Ok((b, _)) => (b, None),
            Err(e) => {
                (error_payload(&req.request_id.to_string(), "Runtime.ResponseError", &e.to_string()), Some("Unhandled"))
            }
        },
        Outcome::Failed(failure) => {
            use squall_runtime::FailureKind as K;
            if failure.kind == K::Throttled {
                return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException", "Rate Exceeded."));
            }
            if failure.kind == K::RecursiveLoop {
                return Err(recursive_loop());
            }
            let error_type = match failure.kind {
                K::Timeout => "Sandbox.Timedout",
                K::OutOfMemory => "Runtime.OutOfMemory",
                K::InitError => "Runtime.InitError",
                _ => "Runtime.ExitError",
            };
            let payload = failure
                .payload
                .unwrap_or_else(|| error_payload(&req.request_id.to_string(), error_type, &failure.message));
            (payload, Some("Unhandled"))
        }
    };
    let mut r = http::Response::new(full(payload));
    if let Ok(v) = HeaderValue::from_str(&f.version_label()) {
        r.headers_mut().insert("X-Amz-Executed-Version", v);
    }
    r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(e) = function_error {
        r.headers_mut().insert("X-Amz-Function-Error", HeaderValue::from_static(e));
    }
    if tail {
        let log = log_tail(state, f.config.name.as_str(), req.request_id.as_str()).await;
        if let Ok(v) = HeaderValue::from_str(&B64.encode(log)) {
            r.headers_mut().insert("X-Amz-Log-Result", v);
        }
    }
    Ok(r)
}

/// The qualifier an invocation named (empty for none), for the function's invoked ARN.
pub(super) fn invoked_qualifier(req: &ApiRequest, raw: &str) -> String {
    qualified_name(req, raw).ok().and_then(|(_, q)| q).unwrap_or_default()
}

/// `InvocationType: Event`: stored durably, answered with 202, run later.
async fn invoke_async(
    state: &ApiState,
    req: &ApiRequest,
    f: &FunctionRecord,
) -> Result<http::Response<Body>, ApiError> {
    use squall_functions::async_invoke::MAX_ASYNC_PAYLOAD;
    if req.body.len() > MAX_ASYNC_PAYLOAD {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeFunction operation"),
        ));
    }
    state.functions.invoke_async(f, req.body.clone(), &req.request_id, &req.trace, &caller_lineage(req)).await?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::ACCEPTED;
    Ok(r)
}

/// The chain of requests a caller's call belongs to: the `Lineage` of the X-Ray trace
/// header AWS's SDKs send from inside a function.
pub(super) fn caller_lineage(req: &ApiRequest) -> squall_types::Lineage {
    req.header(squall_runtime::TRACE_HEADER).map(squall_types::Lineage::from_trace_header).unwrap_or_default()
}

/// Lambda's answer to an invocation stopped by recursive loop detection.
pub(super) fn recursive_loop() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "RecursiveInvocationException",
        "Lambda has detected your function being invoked in a recursive loop with other AWS resources and stopped your function's invocation.",
    )
}

pub(super) fn error_payload(request_id: &str, error_type: &str, message: &str) -> Bytes {
    let message = if error_type == "Sandbox.Timedout" {
        format!("RequestId: {request_id} Error: {message}")
    } else {
        message.to_string()
    };
    Bytes::from(json!({ "errorType": error_type, "errorMessage": message }).to_string())
}

/// The last 4 KB of this invocation's log lines, as `X-Amz-Log-Result` carries them.
pub(super) async fn log_tail(state: &ApiState, function: &str, request_id: &str) -> Vec<u8> {
    // What the function wrote before answering is in its pipes: a moment for the tasks
    // forwarding them.
    let settle = std::time::Duration::from_millis(20);
    let lines = state.functions.invocation_log(function, request_id, settle, 200).await;
    let mut text = String::new();
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    let bytes = text.into_bytes();
    bytes[bytes.len().saturating_sub(4096)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> ApiRequest {
        ApiRequest {
            method: Method::GET,
            uri: format!("/2015-03-31/functions/x{query}").parse().unwrap(),
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
            request_id: squall_types::RequestId::new(),
            trace: squall_types::TraceContext::new_root(),
            peer: None,
            caller: None,
        }
    }

    #[test]
    fn function_names_arns_and_qualifiers() {
        let r = request("");
        assert_eq!(function_name(&r, "hello-greet").unwrap(), "hello-greet");
        let arn = "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ahello-greet";
        assert_eq!(function_name(&r, arn).unwrap(), "hello-greet");
        assert_eq!(function_name(&r, "000000000000:function:f:$LATEST").unwrap(), "f");
        assert_eq!(function_name(&r, "f:7").map_err(|e| e.code).unwrap_err(), "InvalidParameterValueException");
        assert_eq!(function_name(&request("?Qualifier=$LATEST"), "f").unwrap(), "f");
        let q = |req: &ApiRequest, raw: &str| qualified_name(req, raw).map_err(|e| e.code);
        assert_eq!(q(&r, "f:7"), Ok(("f".into(), Some("7".into()))));
        assert_eq!(q(&r, "000000000000:function:f:prod"), Ok(("f".into(), Some("prod".into()))));
        assert_eq!(q(&request("?Qualifier=prod"), "f"), Ok(("f".into(), Some("prod".into()))));
        assert_eq!(q(&request("?Qualifier=prod"), "f:prod"), Ok(("f".into(), Some("prod".into()))));
        assert_eq!(q(&request("?Qualifier=prod"), "f:7"), Err("InvalidParameterValueException"));
        assert_eq!(q(&request("?Qualifier=$LATEST"), "f"), Ok(("f".into(), None)));
        assert_eq!(q(&r, "f:bad.q"), Err("InvalidParameterValueException"));
    }

    #[test]
    fn packages_are_components_or_zips_holding_the_handler() {
        let component = b"\0asm\x0d\0\x01\0".to_vec();
        assert_eq!(package_code(&B64.encode(&component), Runtime::Wasm, "any.wasm").unwrap(), component);

        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("dist/f.wasm", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, &component).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(package_code(&B64.encode(&bytes), Runtime::Wasm, "./dist/f.wasm").unwrap(), component);
        assert!(
            package_code(&B64.encode(&bytes), Runtime::Wasm, "other.wasm").unwrap_err().message.contains("has no file")
        );
        assert!(
            package_code(&B64.encode(b"nope"), Runtime::Wasm, "f.wasm")
                .unwrap_err()
                .message
                .contains("Could not unzip")
        );
        assert!(package_code("!!", Runtime::Wasm, "f.wasm").unwrap_err().message.contains("not base64"));
    }
}
