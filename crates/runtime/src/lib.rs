//! The function runtime contract: how the platform hands an invocation to a runtime
//! (WebAssembly today, native processes next) and what comes back.
//!
//! A failing function is an [`Outcome`], not an error: `Err` from a runtime means the
//! platform itself failed. Runtimes never touch storage; they receive code bytes and emit
//! log lines through a [`LogSink`].
#![deny(missing_docs)]

mod credentials;
mod limit;
pub mod platform_log;
mod stream;

pub use credentials::{CredentialSource, FunctionCredentials};
pub use http_body::Frame;
pub use limit::{ConcurrencyLimit, LimitPermit, Reservations, Servers};
pub use stream::{FrameSender, STREAM_ERROR_BODY, STREAM_ERROR_TYPE, channel_body, error_trailers, stream_error};

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use squall_types::{FunctionRecord, LogLine, RequestId, TraceContext};
use std::sync::Arc;

/// Errors crossing a body stream.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A streamed HTTP body, in either direction.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// A complete body.
pub fn full_body(bytes: impl Into<Bytes>) -> Body {
    use http_body_util::BodyExt;
    http_body_util::Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// Reads a whole body, failing past `max` bytes. (`http_body_util::Limited` cannot wrap a
/// boxed-error body inside a `Send` future: its `Into<BoxError>` bound is higher-ranked.)
pub async fn collect_body(mut body: Body, max: usize) -> std::result::Result<Bytes, BoxError> {
    use http_body_util::BodyExt;
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if out.len() + data.len() > max {
                return Err(format!("the body is larger than {max} bytes").into());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out.freeze())
}

/// [`collect_body`], also giving the body's trailers (a streamed response's error).
pub async fn collect_with_trailers(
    mut body: Body,
    max: usize,
) -> std::result::Result<(Bytes, Option<http::HeaderMap>), BoxError> {
    use http_body_util::BodyExt;
    let mut out = bytes::BytesMut::new();
    let mut trailers = None;
    while let Some(frame) = body.frame().await {
        match frame?.into_data() {
            Ok(data) => {
                if out.len() + data.len() > max {
                    return Err(format!("the body is larger than {max} bytes").into());
                }
                out.extend_from_slice(&data);
            }
            Err(frame) => trailers = frame.into_trailers().ok(),
        }
    }
    Ok((out.freeze(), trailers))
}

/// On an `Invoke` trigger's request: the qualifier the caller named (an alias), for the
/// function's `invokedFunctionArn`, as Lambda gives an alias's ARN to what runs through it.
pub const INVOKED_QUALIFIER: &str = "squall-invoked-qualifier";

/// On an invocation's request: the X-Ray trace header of what caused it (a message's
/// `AWSTraceHeader`, an SDK call's `X-Amzn-Trace-Id`), whose `Lineage` counts the chain of
/// requests for recursive loop detection ([`squall_types::Lineage`]). The functions
/// service replaces it with the invocation's own before a runtime sees it.
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

/// What started an invocation (kept with a failed one, for replay).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Trigger {
    /// A deployed HTTP route matched; the request is the caller's, its path relative to
    /// the service.
    Http {
        /// The matched route key (`GET /greet/{name}`, `$default`).
        route_key: String,
        /// The route's path parameters, decoded.
        path_params: Vec<(String, String)>,
        /// The caller's address.
        source_ip: String,
        /// How the route's API shapes a Lambda event.
        format: EventFormat,
    },
    /// A direct invoke (Lambda's `Invoke`): the request is `POST /` and its body is the
    /// event payload.
    Invoke,
}

/// The Lambda event format of an HTTP route.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EventFormat {
    /// HTTP API payload 2.0.
    V2,
    /// Payload 1.0: REST APIs, and HTTP APIs with `payload: '1.0'`.
    V1(V1Context),
}

/// What a payload 1.0 event says about the API besides the request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct V1Context {
    /// A REST API's route (else an HTTP API's): REST's response mapping is strict.
    pub rest: bool,
    /// The route's path template (`/items/{id}`).
    pub resource: String,
    /// The stage (`dev`; `$default` for an HTTP API).
    pub stage: String,
    /// The request's path as the caller addressed the API (`/dev/items/7` for REST).
    pub request_path: String,
    /// The API key the caller sent, on a `private` route.
    pub api_key: Option<String>,
    /// `binaryMediaTypes`: request bodies of these types are base64-encoded; a response's
    /// base64 body is decoded when its type or the request's `Accept` is one of them.
    pub binary_media_types: Vec<String>,
}

/// One invocation: an HTTP request for the function plus its identity. Each runtime maps
/// it to its own calling convention (wasi:http request, Lambda event).
pub struct Invocation {
    /// The request.
    pub request: http::Request<Body>,
    /// What started it.
    pub trigger: Trigger,
    /// The invocation's request id.
    pub request_id: RequestId,
    /// The invocation's trace context; the runtime passes `traceparent` on.
    pub trace: TraceContext,
}

/// How an invocation ended.
pub enum Outcome {
    /// The function answered; the body may still be streaming.
    Response(http::Response<Body>),
    /// The function failed; nothing was sent.
    Failed(Failure),
}

/// Why a function failed to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The guest trapped (panic, unreachable, bad memory access...).
    Trap,
    /// The guest ran past its timeout.
    Timeout,
    /// The guest asked for more memory than its limit.
    OutOfMemory,
    /// The guest returned without answering.
    NoResponse,
    /// The guest answered with an error code, or reported an error (Lambda's error
    /// response).
    GuestError,
    /// The function is at its concurrency limit; the invocation did not start.
    Throttled,
    /// The function's code could not start (init error, missing interpreter).
    InitError,
    /// Not run: the chain of requests that caused it has invoked the function
    /// [`squall_types::RECURSION_LIMIT`] times already (Lambda's recursive loop detection).
    RecursiveLoop,
}

/// A failed invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The class of failure.
    pub kind: FailureKind,
    /// What to log; never sent to the HTTP caller.
    pub message: String,
    /// The function's own error document (Lambda's `{"errorMessage","errorType",…}`), when
    /// it reported one; `Invoke` returns it as the payload.
    pub payload: Option<Bytes>,
}

impl Failure {
    /// A failure without an error document.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into(), payload: None }
    }
}

/// The platform's own failure while running a function.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The code is not runnable by this runtime (not a component, missing export...).
    #[error("invalid code: {0}")]
    InvalidCode(String),
    /// Anything else; the message is for logs.
    #[error("runtime failure: {0}")]
    Internal(String),
}

/// Runtime results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where runtimes send the lines a function writes.
pub trait LogSink: Send + Sync + 'static {
    /// Takes lines of one invocation; must not block.
    fn emit(&self, lines: Vec<LogLine>);
}

/// Fetches a function's code when a runtime needs it (cold start).
#[async_trait]
pub trait CodeSource: Send + Sync + 'static {
    /// The bytes of the artifact `sha256`.
    async fn fetch(&self, sha256: &str) -> Result<Vec<u8>>;
}

/// A runtime: prepares code and runs invocations.
#[async_trait]
pub trait FunctionRuntime: Send + Sync + 'static {
    /// Checks and prepares the code of a function version before it becomes visible
    /// (compile, cache). Called on create and update; an `Err(InvalidCode)` refuses the
    /// deploy and leaves the previous version serving. The code of the layers it uses
    /// comes from `layers`.
    async fn prepare(&self, function: &FunctionRecord, code: &[u8], layers: &dyn CodeSource) -> Result<()>;

    /// Runs one invocation of `function`, loading its code through `code` if it is not in
    /// memory.
    async fn invoke(&self, function: &FunctionRecord, invocation: Invocation, code: &dyn CodeSource)
    -> Result<Outcome>;

    /// Drops what is held in memory for `function` (it was updated or deleted).
    fn evict(&self, function: &str);

    /// Called when `function`'s version becomes the live one (after a deploy or update
    /// commits, and for every function at start): a runtime may warm it up here, e.g. start
    /// its provisioned instances. Must not block.
    fn activate(&self, function: &FunctionRecord) {
        let _ = function;
    }

    /// How many initialized instances of `function` (this record's version) are alive here,
    /// idle or busy, if the runtime keeps such; what provisioned concurrency reports.
    fn ready(&self, function: &FunctionRecord) -> Option<u32> {
        let _ = function;
        None
    }

    /// What a deploy should tell the user about how `runtime` runs here (`python3.12 runs
    /// on the installed Python 3.11.7`), if anything.
    fn note(&self, runtime: squall_types::Runtime) -> Option<String> {
        let _ = runtime;
        None
    }

    /// The runtime version that runs `runtime` here (`Python 3.11.7`), what Lambda's
    /// runtime management controls hold a function to.
    fn runtime_version(&self, runtime: squall_types::Runtime) -> Option<String> {
        let _ = runtime;
        None
    }
}

/// A shared runtime handle.
pub type SharedRuntime = Arc<dyn FunctionRuntime>;

/// Sends each function to the runtime for its kind: WebAssembly, or native processes.
pub struct ByKind {
    /// Runs `wasm` functions.
    pub wasm: SharedRuntime,
    /// Runs `provided.*`, `python3.*` and `nodejs*` functions.
    pub process: SharedRuntime,
}

impl ByKind {
    fn pick(&self, f: &FunctionRecord) -> &SharedRuntime {
        if f.config.runtime.is_process() { &self.process } else { &self.wasm }
    }
}

#[async_trait]
impl FunctionRuntime for ByKind {
    async fn prepare(&self, function: &FunctionRecord, code: &[u8], layers: &dyn CodeSource) -> Result<()> {
        self.pick(function).prepare(function, code, layers).await
    }

    async fn invoke(
        &self,
        function: &FunctionRecord,
        invocation: Invocation,
        code: &dyn CodeSource,
    ) -> Result<Outcome> {
        self.pick(function).invoke(function, invocation, code).await
    }

    fn evict(&self, function: &str) {
        self.wasm.evict(function);
        self.process.evict(function);
    }

    fn activate(&self, function: &FunctionRecord) {
        self.pick(function).activate(function);
    }

    fn note(&self, runtime: squall_types::Runtime) -> Option<String> {
        if runtime.is_process() { self.process.note(runtime) } else { self.wasm.note(runtime) }
    }

    fn runtime_version(&self, runtime: squall_types::Runtime) -> Option<String> {
        if runtime.is_process() { self.process.runtime_version(runtime) } else { self.wasm.runtime_version(runtime) }
    }

    fn ready(&self, function: &FunctionRecord) -> Option<u32> {
        self.pick(function).ready(function)
    }
}
