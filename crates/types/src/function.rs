//! Function and service records: what the control plane stores and the runtimes run.

use crate::{FunctionName, RouteSpec, ServiceName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How a function's code runs. Spelled as in manifests and the Lambda API
/// (`wasm`, `provided.al2023`, `python3.12`, `nodejs20.x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Runtime {
    /// A WebAssembly component exporting `wasi:http/incoming-handler`.
    Wasm,
    /// The package's own `bootstrap` executable, over the Lambda Runtime API
    /// (`provided.al2023`, or `provided.al2` when `al2` is true).
    Provided {
        /// `provided.al2` rather than `provided.al2023`.
        al2: bool,
    },
    /// A Python handler (`python3.N`), run by Squall's runtime interface loop.
    Python {
        /// The minor version N.
        minor: u8,
    },
    /// A Node.js handler (`nodejsN.x`), run by Squall's runtime interface loop.
    Node {
        /// The major version N.
        major: u8,
    },
    /// A Ruby handler (`ruby3.N`), run by Squall's runtime interface loop.
    Ruby {
        /// The minor version N.
        minor: u8,
    },
    /// `go1.x`, which AWS retired: the handler names an executable in the package that
    /// speaks the Runtime API (aws-lambda-go does), run as `provided.al2` runs `bootstrap`.
    Go,
}

impl Runtime {
    /// Every runtime this build supports, by its manifest name.
    pub const SUPPORTED: &'static [&'static str] = &[
        "wasm",
        "provided.al2023",
        "provided.al2",
        "python3.9",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
        "python3.14",
        "nodejs18.x",
        "nodejs20.x",
        "nodejs22.x",
        "nodejs24.x",
        "ruby3.2",
        "ruby3.3",
        "ruby3.4",
        "go1.x",
    ];

    /// Whether the code is Python.
    pub fn is_python(self) -> bool {
        matches!(self, Runtime::Python { .. })
    }

    /// Whether the code runs as native processes over the Lambda Runtime API.
    pub fn is_process(self) -> bool {
        !matches!(self, Runtime::Wasm)
    }
}

impl FromStr for Runtime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let unknown = || format!("unknown runtime {s:?} (supported: {})", Runtime::SUPPORTED.join(", "));
        if !Runtime::SUPPORTED.contains(&s) {
            return Err(unsupported_reason(s).unwrap_or_else(unknown));
        }
        Ok(match s {
            "wasm" => Runtime::Wasm,
            "provided.al2023" => Runtime::Provided { al2: false },
            "provided.al2" => Runtime::Provided { al2: true },
            "go1.x" => Runtime::Go,
            _ => {
                if let Some(minor) = s.strip_prefix("python3.") {
                    Runtime::Python { minor: minor.parse().map_err(|_| unknown())? }
                } else if let Some(major) = s.strip_prefix("nodejs").and_then(|r| r.strip_suffix(".x")) {
                    Runtime::Node { major: major.parse().map_err(|_| unknown())? }
                } else if let Some(minor) = s.strip_prefix("ruby3.") {
                    Runtime::Ruby { minor: minor.parse().map_err(|_| unknown())? }
                } else {
                    return Err(unknown());
                }
            }
        })
    }
}

/// Why a runtime AWS has (or had) is not one Squall runs, with what to use instead.
fn unsupported_reason(s: &str) -> Option<String> {
    let supported = Runtime::SUPPORTED.join(", ");
    let retired = ["python2.7", "python3.6", "python3.7", "python3.8", "nodejs", "nodejs4.3", "nodejs6.10"];
    let old_node = s.strip_prefix("nodejs").and_then(|r| r.strip_suffix(".x")).and_then(|m| m.parse::<u8>().ok());
    let old_ruby = ["ruby2.5", "ruby2.7", "ruby3.0", "ruby3.1"];
    if retired.contains(&s) || old_node.is_some_and(|m| m < 18) || old_ruby.contains(&s) || s.starts_with("dotnetcore")
    {
        return Some(format!("runtime {s:?} is retired by AWS; move to a current one (supported here: {supported})"));
    }
    if s.starts_with("java") || s.starts_with("dotnet") {
        return Some(format!(
            "runtime {s:?} is not supported by Squall (supported: {supported}; a native handler runs as provided.al2023 with a bootstrap)"
        ));
    }
    None
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::Wasm => f.write_str("wasm"),
            Runtime::Provided { al2: false } => f.write_str("provided.al2023"),
            Runtime::Provided { al2: true } => f.write_str("provided.al2"),
            Runtime::Python { minor } => write!(f, "python3.{minor}"),
            Runtime::Node { major } => write!(f, "nodejs{major}.x"),
            Runtime::Ruby { minor } => write!(f, "ruby3.{minor}"),
            Runtime::Go => f.write_str("go1.x"),
        }
    }
}

impl TryFrom<String> for Runtime {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Runtime> for String {
    fn from(r: Runtime) -> String {
        r.to_string()
    }
}

/// What a user sets on a function (Lambda's CreateFunction / serverless.yml `functions.<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionConfig {
    /// The function's name, unique in the installation.
    pub name: FunctionName,
    /// The service that deployed it, if it came from a manifest.
    pub service: Option<ServiceName>,
    /// How the code runs.
    pub runtime: Runtime,
    /// Runtime-specific entry point; for `wasm`, the path of the component in the package.
    pub handler: String,
    /// Memory limit in MiB (128 to 10240).
    pub memory_mb: u32,
    /// Wall-clock limit of one invocation, in seconds (1 to 900).
    pub timeout_s: u32,
    /// Environment variables the code sees.
    pub environment: BTreeMap<String, String>,
    /// Free text.
    pub description: String,
    /// The execution role's ARN: an IAM role's, or the role its deployment grants.
    #[serde(default = "default_role")]
    pub role: String,
    /// What serverless.yml grants the role (`provider.iam.role.statements`...); `None` with
    /// a `role` naming an IAM role, whose own policies apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_policy: Option<RolePolicy>,
    /// Most instances that may run at once (`reservedConcurrency`; 0 disables the function);
    /// `None` leaves the server-wide limit.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// Initialized instances kept ready at all times (`provisionedConcurrency`).
    #[serde(default)]
    pub provisioned_concurrency: u32,
    /// Sources it is invoked with batches of records from (serverless.yml `stream` events).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_sources: Vec<crate::EventSourceMapping>,
    /// How its asynchronous invocations are retried and where their outcomes go.
    #[serde(default, skip_serializing_if = "crate::AsyncInvokeConfig::is_default")]
    pub async_invoke: crate::AsyncInvokeConfig,
    /// Its resource policy's statements, by statement id (each a JSON object): those added
    /// with Lambda's AddPermission, kept across deploys, and its deployment's
    /// `AWS::Lambda::Permission`s.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub permissions: BTreeMap<String, String>,
    /// What its code may reach besides the platform (`custom.squall.egress`): `None`,
    /// anywhere; else only the hosts these grant ([`crate::egress_allows`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<String>>,
    /// Its tags (serverless.yml `provider.tags` and `tags`, Lambda's TagResource).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The layer versions its code runs with, in order (later ones over earlier ones under
    /// `/opt`); the functions service fills in each one's code from its ARN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<crate::FunctionLayer>,
    /// Lambda's `TracingConfig.Mode` `Active`, as set (recorded and answered: Squall traces
    /// every invocation with W3C trace context whatever it says; X-Ray is not emulated).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tracing_active: bool,
    /// `EphemeralStorage.Size`: the private `/tmp`'s size in MB (512 to 10240); `None`:
    /// Lambda's 512.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_mb: Option<u32>,
    /// Lambda's `LoggingConfig`: JSON platform lines and level filtering.
    #[serde(default, skip_serializing_if = "crate::LoggingConfig::is_default")]
    pub logging: crate::LoggingConfig,
    /// Lambda's recursive loop detection set to `Allow`: a chain of invocations through
    /// queues and topics that keeps coming back to this function is not stopped (the
    /// default, `Terminate`, stops it after 16 invocations).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recursive_loop_allowed: bool,
    /// Lambda's runtime management setting (`UpdateRuntimeOn`).
    #[serde(default, skip_serializing_if = "crate::RuntimeUpdates::is_default")]
    pub runtime_updates: crate::RuntimeUpdates,
    /// The alias its HTTP routes and its deployment's event source mappings invoke (a
    /// canary deployment's, `squall deploy --canary`), once it exists; `None`: `$LATEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve_through: Option<String>,
}

/// Lambda's limit of tags on a function.
const MAX_TAGS: usize = 50;

/// Why a function's tags are refused, if they are: more than 50, a key of more than 128
/// characters or none, a value of more than 256, or a key starting with `aws:`.
pub fn tags_problem(tags: &BTreeMap<String, String>) -> Option<String> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Some(format!("Tag {k:?}: keys are 1 to 128 characters and values at most 256"));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Some(format!("Tag key {k:?}: the aws: prefix is reserved for AWS's use"));
        }
    }
    (tags.len() > MAX_TAGS).then(|| format!("A function has at most {MAX_TAGS} tags; these would be {}", tags.len()))
}

/// The permissions a serverless.yml gives a function's execution role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicy {
    /// The inline policy document (`{"Version": "2012-10-17", "Statement": [...]}`), JSON.
    pub document: String,
    /// ARNs of the managed policies attached to the role.
    #[serde(default)]
    pub managed_policies: Vec<String>,
}

/// The resource policy made of `statements` (by statement id, each a JSON object), if any:
/// a function's, or a layer version's.
pub(crate) fn policy_of(statements: &BTreeMap<String, String>) -> Option<String> {
    if statements.is_empty() {
        return None;
    }
    let list: Vec<serde_json::Value> = statements.values().filter_map(|s| serde_json::from_str(s).ok()).collect();
    Some(serde_json::json!({ "Version": "2012-10-17", "Id": "default", "Statement": list }).to_string())
}

/// The role functions get when none is named.
pub fn default_role() -> String {
    format!("arn:aws:iam::{}:role/squall-default", crate::ACCOUNT_ID)
}

impl FunctionConfig {
    /// Whether `other` runs as this does (the same runtime settings, whatever its tags,
    /// policy, mappings, asynchronous settings, description or tracing mode).
    pub fn runs_alike(&self, other: &FunctionConfig) -> bool {
        self.runtime == other.runtime
            && self.handler == other.handler
            && self.memory_mb == other.memory_mb
            && self.timeout_s == other.timeout_s
            && self.environment == other.environment
            && self.role == other.role
            && self.role_policy == other.role_policy
            && self.reserved_concurrency == other.reserved_concurrency
            && self.provisioned_concurrency == other.provisioned_concurrency
            && self.egress == other.egress
            && self.layers == other.layers
            && self.ephemeral_storage_mb == other.ephemeral_storage_mb
            && self.logging == other.logging
    }

    /// Lambda's bounds on `EphemeralStorage.Size`, MB.
    pub const EPHEMERAL_RANGE: (u32, u32) = (512, 10_240);

    /// The private `/tmp`'s size, MB.
    pub fn tmp_mb(&self) -> u32 {
        self.ephemeral_storage_mb.unwrap_or(Self::EPHEMERAL_RANGE.0)
    }

    /// Its resource policy document, if it has statements.
    pub fn policy_document(&self) -> Option<String> {
        policy_of(&self.permissions)
    }

    /// Lambda's memory bounds, in MiB.
    pub const MEMORY_RANGE: (u32, u32) = (128, 10_240);
    /// Lambda's timeout bounds, in seconds.
    pub const TIMEOUT_RANGE: (u32, u32) = (1, 900);

    /// Checks the numeric limits; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        let (lo, hi) = Self::MEMORY_RANGE;
        if !(lo..=hi).contains(&self.memory_mb) {
            return Err(format!("memorySize {} is outside {lo}..={hi} MiB", self.memory_mb));
        }
        let (lo, hi) = Self::TIMEOUT_RANGE;
        if !(lo..=hi).contains(&self.timeout_s) {
            return Err(format!("timeout {} is outside {lo}..={hi} seconds", self.timeout_s));
        }
        for m in &self.event_sources {
            m.validate()?;
        }
        self.async_invoke.validate()?;
        if let Some(problem) = tags_problem(&self.tags) {
            return Err(problem);
        }
        if !self.layers.is_empty() && !self.runtime.is_process() {
            return Err(format!(
                "layers are for functions of Lambda's runtimes: a {} function is a component with no /opt to hold them",
                self.runtime
            ));
        }
        if self.layers.len() > crate::MAX_FUNCTION_LAYERS {
            return Err(format!("Cannot reference more than {} layers.", crate::MAX_FUNCTION_LAYERS));
        }
        if let Some(problem) = self.logging.problem() {
            return Err(problem);
        }
        let (lo, hi) = Self::EPHEMERAL_RANGE;
        if let Some(size) = self.ephemeral_storage_mb.filter(|s| !(lo..=hi).contains(s)) {
            return Err(format!("ephemeral storage {size} MB is outside {lo}..={hi} MB"));
        }
        // Lambda's limit: the variables, as JSON, in 4 KB.
        let size = serde_json::to_string(&self.environment).map_or(0, |s| s.len());
        if size > 4096 {
            return Err(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {} bytes",
                size
            ));
        }
        for key in self.environment.keys() {
            let ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(format!("environment variable name {key:?} is invalid"));
            }
        }
        Ok(())
    }
}

/// A function as stored: its configuration, its code and its revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// What the user set.
    pub config: FunctionConfig,
    /// Hex SHA-256 of the code artifact (the key in the artifact store).
    pub code_sha256: String,
    /// Size of the code artifact in bytes.
    pub code_size: u64,
    /// Increases by one on every change of code or configuration; runtimes key caches on it.
    pub revision: u64,
    /// When the record last changed, epoch milliseconds.
    pub last_modified_ms: u64,
    /// `None` for `$LATEST`; `Some(n)` for the copy published version `n` runs as
    /// ([`FunctionRecord::at_version`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Its published versions and aliases (on `$LATEST`'s record only).
    #[serde(default, skip_serializing_if = "crate::Versions::is_empty")]
    pub versions: crate::Versions,
    /// When what runtimes run last changed (time, revision), when that was before the
    /// record's last change: a change of its tags, policy, mappings, versions or aliases
    /// leaves its warm instances running. `None`: the record's own time and revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_stamp: Option<(u64, u64)>,
}

/// CORS settings of a service's HTTP API (`provider.httpApi.cors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cors {
    /// Origins allowed; `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Request headers allowed in preflight.
    pub allowed_headers: Vec<String>,
    /// Methods allowed in preflight.
    pub allowed_methods: Vec<String>,
    /// Whether credentials may be sent.
    pub allow_credentials: bool,
    /// Response headers exposed to the browser.
    pub exposed_response_headers: Vec<String>,
    /// Preflight cache time in seconds.
    pub max_age: Option<u32>,
}

impl Cors {
    /// What `cors: true` means in the Serverless Framework.
    pub fn permissive() -> Self {
        Cors {
            allowed_origins: vec!["*".into()],
            allowed_headers: [
                "Content-Type",
                "X-Amz-Date",
                "Authorization",
                "X-Api-Key",
                "X-Amz-Security-Token",
                "X-Amz-User-Agent",
                "X-Amzn-Trace-Id",
            ]
            .map(String::from)
            .to_vec(),
            allowed_methods: ["OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].map(String::from).to_vec(),
            allow_credentials: false,
            exposed_response_headers: vec![],
            max_age: None,
        }
    }
}

/// A deployed service: its routes and settings; its functions are stored as records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// The service name, also the first path segment of its routes.
    pub name: ServiceName,
    /// Every HTTP route of the service.
    pub routes: Vec<RouteSpec>,
    /// CORS settings, if any.
    pub cors: Option<Cors>,
    /// The service's functions.
    pub functions: Vec<FunctionName>,
    /// When the last deploy landed, epoch milliseconds.
    pub deployed_at_ms: u64,
    /// The stage (`squall deploy --stage`): `name` is `<service>-<stage>` and the routes
    /// answer under `/<service>/<stage>/`. `None` for services deployed before stages,
    /// whose routes answer under `/<name>/`.
    #[serde(default)]
    pub stage: Option<String>,
    /// The REST API's keys (`provider.apiGateway.apiKeys`), which `private` routes require.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// `provider.apiGateway.binaryMediaTypes`: REST request bodies of these content types
    /// reach functions base64-encoded, and base64 responses go out decoded.
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    /// The stack's outputs (`resources.Outputs`, `ServiceEndpoint`, `HttpApiUrl`), which
    /// other services' `${cf:}` variables read.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// `AWS::ApiGateway::GatewayResponse` resources: how the REST API's own errors look.
    #[serde(default)]
    pub gateway_responses: Vec<crate::GatewayResponse>,
    /// Resource policies the service declares (`AWS::S3::BucketPolicy`,
    /// `AWS::Lambda::Permission`). Recorded; not yet enforced.
    #[serde(default)]
    pub resource_policies: Vec<ResourcePolicy>,
}

/// A resource-based policy a service declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePolicy {
    /// The resource's logical id in serverless.yml.
    pub logical_id: String,
    /// The ARN of the bucket or function it governs.
    pub resource: String,
    /// The policy document, JSON.
    pub document: String,
}

impl ServiceRecord {
    /// The service's own name: `name` without its `-<stage>` suffix.
    pub fn service_name(&self) -> &str {
        service_name_of(self.name.as_str(), self.stage.as_deref())
    }

    /// The path prefix of its routes on the http port (`/hello/dev`).
    pub fn base_path(&self) -> String {
        base_path_of(self.name.as_str(), self.stage.as_deref())
    }
}

/// The service a deployment named `name` at `stage` belongs to (`hello-dev`, `dev` →
/// `hello`); a deployment without a stage is its service.
pub fn service_name_of<'a>(name: &'a str, stage: Option<&str>) -> &'a str {
    stage.and_then(|st| name.strip_suffix(st)).and_then(|s| s.strip_suffix('-')).unwrap_or(name)
}

/// Where a deployment's routes answer on the http port: `/<service>/<stage>`, or
/// `/<name>` for one deployed before stages.
pub fn base_path_of(name: &str, stage: Option<&str>) -> String {
    match stage {
        Some(stage) => format!("/{}/{stage}", service_name_of(name, Some(stage))),
        None => format!("/{name}"),
    }
}

/// A REST API key: its value travels in `x-api-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The name serverless.yml gives it.
    pub name: String,
    /// The key's value.
    pub value: String,
    /// Its usage plan's throttle, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<Throttle>,
}

/// A usage plan's throttle: a token bucket of `burst` requests refilled at `rate_milli`
/// thousandths of a request per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// `rateLimit` × 1000.
    pub rate_milli: u64,
    /// `burstLimit`.
    pub burst: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_round_trip_through_their_names() {
        for name in Runtime::SUPPORTED {
            assert_eq!(name.parse::<Runtime>().unwrap().to_string(), *name);
        }
        assert!("python3.7".parse::<Runtime>().is_err());
        assert_eq!("python3.14".parse::<Runtime>(), Ok(Runtime::Python { minor: 14 }));
        assert_eq!("nodejs24.x".parse::<Runtime>(), Ok(Runtime::Node { major: 24 }));
        assert!("nodejs12.x".parse::<Runtime>().unwrap_err().contains("retired by AWS"));
        assert!("python3.8".parse::<Runtime>().unwrap_err().contains("retired by AWS"));
        assert!("java21".parse::<Runtime>().unwrap_err().contains("not supported by Squall"));
        assert!("dotnet8".parse::<Runtime>().unwrap_err().contains("not supported by Squall"));
        assert_eq!("ruby3.3".parse::<Runtime>(), Ok(Runtime::Ruby { minor: 3 }));
        assert_eq!("go1.x".parse::<Runtime>(), Ok(Runtime::Go));
        assert!("ruby2.7".parse::<Runtime>().unwrap_err().contains("retired by AWS"));
        assert!("ruby3.1".parse::<Runtime>().unwrap_err().contains("retired by AWS"));
        assert!("cobol".parse::<Runtime>().unwrap_err().contains("unknown runtime"));
        assert!("java21".parse::<Runtime>().unwrap_err().contains("supported: wasm, provided.al2023"));
        assert!(!Runtime::Wasm.is_process() && Runtime::Python { minor: 12 }.is_process());
    }
}
