//! [`WasmRuntime`]: prepare (compile, check, cache) and invoke components.

use crate::cache::CompiledCache;
use crate::capture::Capture;
use crate::engine::{EngineOptions, EpochTicker, build_engine};
use crate::host::{Host, MemoryLimit};
use async_trait::async_trait;
use futures::future::{AbortHandle, Abortable, Aborted};
use http_body_util::BodyExt;
use squall_clock::wall_ms;
use squall_runtime::{
    BoxError, CodeSource, ConcurrencyLimit, Error, Failure, FailureKind, FunctionRuntime, Invocation, LogSink, Outcome,
    Reservations, Result, Servers, Trigger,
};
use squall_types::{FunctionRecord, LogLine, LogStream, RequestId, TraceContext, form_encode};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

/// How many epoch ticks a busy guest runs before it yields its worker thread (and its
/// deadline is checked).
const YIELD_TICKS: u64 = 4;

/// A function version ready to instantiate.
struct Loaded {
    revision: u64,
    /// The code's digest: functions deployed with the same code share one `ProxyPre`.
    sha256: String,
    pre: ProxyPre<Host>,
    /// The function's `reservedConcurrency` (this server's share of it); `None`: only the
    /// engine's limit.
    permits: Option<Arc<ConcurrencyLimit>>,
}

/// Runs WebAssembly components: one engine, compiled code cached on disk, a pre-instantiated
/// component per function version, a fresh instance per request.
pub struct WasmRuntime {
    engine: Engine,
    linker: Linker<Host>,
    cache: Arc<CompiledCache>,
    /// Function name -> its pre-instantiated current version. Filled lazily on first
    /// invocation (cold start) or by `prepare`.
    loaded: Mutex<HashMap<String, Arc<Loaded>>>,
    logs: Arc<dyn LogSink>,
    region: String,
    /// See [`EngineOptions::enforce_timeouts`].
    enforce_timeouts: bool,
    ticker: EpochTicker,
    /// The servers functions' reserved concurrency is shared among.
    servers: Servers,
    /// Functions' reservations, shared by their versions.
    reservations: Reservations,
    /// What functions call the platform with, and where they may reach.
    platform: crate::platform::PlatformState,
}

impl WasmRuntime {
    /// Builds the engine and linker; compiled code is cached under `cache_dir`.
    pub fn new(
        cache_dir: &Path,
        opts: EngineOptions,
        region: &str,
        logs: Arc<dyn LogSink>,
        servers: Servers,
    ) -> Result<Self> {
        let internal = |what: &str, e: &dyn std::fmt::Display| Error::Internal(format!("{what}: {e}"));
        let engine = build_engine(&opts).map_err(|e| internal("configuring wasmtime", &e))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| internal("linking WASI", &e))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| internal("linking wasi:http", &e))?;
        let cache =
            Arc::new(CompiledCache::open(cache_dir, &engine).map_err(|e| internal("opening the code cache", &e))?);
        let ticker = EpochTicker::start(engine.clone(), opts.epoch_tick);
        Ok(WasmRuntime {
            engine,
            linker,
            cache,
            loaded: Mutex::new(HashMap::new()),
            logs,
            region: region.to_string(),
            enforce_timeouts: opts.enforce_timeouts,
            ticker,
            servers,
            reservations: Reservations::default(),
            platform: Default::default(),
        })
    }

    /// This runtime with the platform its functions call ([`crate::platform`]).
    pub fn with_platform(mut self, platform: crate::platform::Platform) -> Self {
        self.platform = crate::platform::PlatformState::new(platform);
        self
    }

    fn pre_instantiate(&self, component: &Component) -> Result<ProxyPre<Host>> {
        let pre = self
            .linker
            .instantiate_pre(component)
            .map_err(|e| Error::InvalidCode(format!("the component cannot run here: {e:#}")))?;
        ProxyPre::new(pre).map_err(|e| {
            Error::InvalidCode(format!("the component does not export wasi:http/incoming-handler@0.2 ({e:#})"))
        })
    }

    fn cached(&self, function: &FunctionRecord) -> Option<Arc<Loaded>> {
        let map = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        // The code too: a function made again after a delete starts again at revision 1.
        map.get(&function.instance_key())
            .filter(|l| l.revision == function.runtime_stamp().1 && l.sha256 == function.code_sha256)
            .cloned()
    }

    /// A loaded function's `ProxyPre` for the same code, if any (the cold path only).
    fn shared(&self, sha256: &str) -> Option<ProxyPre<Host>> {
        let map = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        map.values().find(|l| l.sha256 == sha256).map(|l| l.pre.clone())
    }

    fn remember(&self, function: &FunctionRecord, pre: ProxyPre<Host>) -> Arc<Loaded> {
        let name = function.config.name.as_str();
        let permits =
            function.config.reserved_concurrency.map(|n| self.reservations.limit(name, n as usize, &self.servers));
        let loaded = Arc::new(Loaded {
            revision: function.runtime_stamp().1,
            sha256: function.code_sha256.clone(),
            pre,
            permits,
        });
        let mut map = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        // A request still holding an older record must not replace a newer version.
        let key = function.instance_key();
        if map.get(&key).is_none_or(|l| l.revision <= function.runtime_stamp().1) {
            map.insert(key, loaded.clone());
        }
        loaded
    }

    /// The function's pre-instantiated version: from memory, else from the compiled-code
    /// cache, else compiled from its artifact.
    async fn load(&self, function: &FunctionRecord, code: &dyn CodeSource) -> Result<Arc<Loaded>> {
        if let Some(l) = self.cached(function) {
            return Ok(l);
        }
        let sha = &function.code_sha256;
        if let Some(pre) = self.shared(sha) {
            return Ok(self.remember(function, pre));
        }
        let component = match self.cache.load(&self.engine, sha) {
            Some(c) => c,
            None => {
                let bytes = code.fetch(sha).await?;
                self.compile(sha, bytes).await?
            }
        };
        let pre = self.pre_instantiate(&component)?;
        Ok(self.remember(function, pre))
    }

    async fn compile(&self, sha: &str, bytes: Vec<u8>) -> Result<Component> {
        check_is_component(&bytes)?;
        let engine = self.engine.clone();
        let cache_sha = sha.to_string();
        // Compilation is CPU-bound and may take seconds: keep it off the async workers.
        let cache = self.cache.clone();
        tracing::info!(sha256 = %sha, bytes = bytes.len(), "compiling function code");
        let compiled = tokio::task::spawn_blocking(move || cache.compile_and_store(&engine, &cache_sha, &bytes))
            .await
            .map_err(|e| Error::Internal(format!("the compile task failed: {e}")))?;
        compiled.map_err(|e| Error::InvalidCode(format!("the component does not compile: {e:#}")))
    }

    fn new_store(
        &self,
        function: &FunctionRecord,
        stdout: &Capture,
        stderr: &Capture,
        oom: Arc<AtomicBool>,
    ) -> Store<Host> {
        let cfg = &function.config;
        let mut wasi = WasiCtx::builder();
        wasi.stdout(stdout.clone()).stderr(stderr.clone());
        wasi.env("AWS_LAMBDA_FUNCTION_NAME", cfg.name.as_str())
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", cfg.memory_mb.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", function.version_label())
            .env("AWS_REGION", &self.region);
        for (k, v) in self.platform.environment(function) {
            wasi.env(k, v);
        }
        for (k, v) in &cfg.environment {
            wasi.env(k, v);
        }
        let host = Host {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            limits: MemoryLimit { max_bytes: (cfg.memory_mb as usize) << 20, exceeded: oom },
            egress: self.platform.egress(function),
        };
        let mut store = Store::new(&self.engine, host);
        store.limiter(|h| &mut h.limits);
        if !self.enforce_timeouts {
            // Relative to the current epoch, so not u64::MAX (it would wrap).
            store.set_epoch_deadline(u64::MAX / 2);
            return store;
        }
        let deadline = Instant::now() + Duration::from_secs(u64::from(cfg.timeout_s));
        // Every few ticks, give other tasks a turn; past the deadline, stop the guest.
        store.set_epoch_deadline(YIELD_TICKS);
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= deadline { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(YIELD_TICKS) })
        });
        store
    }
}

/// The wasm calling convention: what the gateway matched reaches the guest as headers.
/// - `x-squall-path-params`: the path parameters, form-encoded (`name=ada&id=7`);
/// - `x-squall-route-key`: the matched route key;
/// - `x-squall-request-id`: the request id;
/// - `traceparent`: this hop's trace context, for the guest's own outgoing calls.
fn add_context_headers(h: &mut http::HeaderMap, trigger: &Trigger, request_id: &RequestId, trace: &TraceContext) {
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    if let Trigger::Http { route_key, path_params, .. } = trigger {
        let mut params = String::new();
        for (i, (k, v)) in path_params.iter().enumerate() {
            if i > 0 {
                params.push('&');
            }
            params.push_str(&form_encode(k));
            params.push('=');
            params.push_str(&form_encode(v));
        }
        set("x-squall-path-params", &params);
        set("x-squall-route-key", route_key);
    }
    set("x-squall-request-id", request_id.as_str());
    set("traceparent", &trace.traceparent());
    if !h.contains_key(http::header::HOST) {
        h.insert(http::header::HOST, http::HeaderValue::from_static("localhost"));
    }
}

/// Tells a core module or garbage from a component before wasmtime gives a vaguer error.
fn check_is_component(bytes: &[u8]) -> Result<()> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(Error::InvalidCode("the code is not a WebAssembly binary".into()));
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(Error::InvalidCode(
            "the code is a core WebAssembly module, not a component (build for wasm32-wasip2)".into(),
        ));
    }
    Ok(())
}

fn log_lines(function: &str, inv: (&str, &str), stream: LogStream, lines: Vec<String>) -> Vec<LogLine> {
    // Real time: runtimes stamp what functions observe beside their own (real) clocks.
    let ts = wall_ms();
    lines
        .into_iter()
        .map(|message| LogLine {
            seq: 0,
            function: function.to_string(),
            ts_ms: ts,
            request_id: inv.0.to_string(),
            trace_id: inv.1.to_string(),
            stream,
            message,
        })
        .collect()
}

#[async_trait]
impl FunctionRuntime for WasmRuntime {
    async fn prepare(&self, function: &FunctionRecord, code: &[u8], _layers: &dyn CodeSource) -> Result<()> {
        // Compile (caching the result on disk) and check the imports and exports; the
        // version is loaded into memory on its first invocation.
        let component = match self.cache.load(&self.engine, &function.code_sha256) {
            Some(c) => c,
            None => self.compile(&function.code_sha256, code.to_vec()).await?,
        };
        self.pre_instantiate(&component)?;
        Ok(())
    }

    async fn invoke(&self, function: &FunctionRecord, inv: Invocation, code: &dyn CodeSource) -> Result<Outcome> {
        let loaded = self.load(function, code).await?;
        // Past its reserved concurrency a request is throttled at once: a wasm instance
        // starts in microseconds, so waiting for a slot would only add latency.
        let permit = match &loaded.permits {
            Some(p) => match p.try_acquire() {
                Some(permit) => Some(permit),
                None => return Ok(Outcome::Failed(Failure::new(FailureKind::Throttled, "Rate Exceeded."))),
            },
            None => None,
        };
        let (stdout, stderr) = (Capture::default(), Capture::default());
        let oom = Arc::new(AtomicBool::new(false));
        let mut store = self.new_store(function, &stdout, &stderr, oom.clone());
        let internal = |e: wasmtime::Error| Error::Internal(format!("{e:#}"));

        let (mut parts, body) = inv.request.into_parts();
        add_context_headers(&mut parts.headers, &inv.trigger, &inv.request_id, &inv.trace);
        let body = body.map_err(|e| wasmtime_wasi_http::Error::InternalError(Some(e.to_string())));
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, hyper::Request::from_parts(parts, body))
            .map_err(internal)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let out = store.data_mut().http().new_response_outparam(tx).map_err(internal)?;

        let timeout = Duration::from_secs(u64::from(function.config.timeout_s));
        let name = function.config.name.to_string();
        let request_id = inv.request_id.to_string();
        let trace_id = inv.trace.trace_id_hex();
        let logs = self.logs.clone();
        let logging = function.config.logging.clone();
        let pre = loaded.pre.clone();
        let (abort, registration) = AbortHandle::new_pair();
        let alive = Arc::new(());
        if self.enforce_timeouts {
            self.ticker.watch(Instant::now() + timeout, abort, Arc::downgrade(&alive));
        }
        // The guest runs in its own task: it may keep streaming the body after the head is
        // sent. The watchdog also stops a guest parked in a host call, where epochs do not
        // reach it.
        let task = tokio::spawn(async move {
            let run = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await
            };
            let result = Abortable::new(run, registration).await;
            drop(alive);
            drop(permit);
            drop(store);
            let ids = (request_id.as_str(), trace_id.as_str());
            // LoggingConfig's application level: JSON lines below it are dropped.
            let kept = |lines: Vec<String>| -> Vec<String> {
                lines.into_iter().filter(|l| logging.keeps_application_line(l)).collect()
            };
            let mut lines = log_lines(&name, ids, LogStream::Stdout, kept(stdout.take_lines()));
            lines.extend(log_lines(&name, ids, LogStream::Stderr, kept(stderr.take_lines())));
            let failure = classify(result, oom.load(Ordering::Relaxed), timeout);
            // In the function's log format (a JSON record under LogFormat JSON).
            let problem = failure.as_ref().and_then(|f| {
                let platform = squall_runtime::platform_log::Platform::Problem(f.message.clone());
                platform.render(&logging, ids.0, wall_ms())
            });
            lines.extend(log_lines(&name, ids, LogStream::Platform, problem.into_iter().collect()));
            if !lines.is_empty() {
                logs.emit(lines);
            }
            failure
        });

        match rx.await {
            Ok(Ok(resp)) => {
                Ok(Outcome::Response(resp.map(|b| b.map_err(|e| BoxError::from(e.to_string())).boxed_unsync())))
            }
            Ok(Err(code)) => Ok(Outcome::Failed(Failure::new(
                FailureKind::GuestError,
                format!("the function answered with an error: {code:?}"),
            ))),
            // The guest dropped the response slot: it ended, trapped or timed out.
            Err(_) => {
                let failure = task.await.unwrap_or_else(|e| {
                    Some(Failure::new(FailureKind::Trap, format!("the invocation task failed: {e}")))
                });
                Ok(Outcome::Failed(failure.unwrap_or_else(|| {
                    Failure::new(FailureKind::NoResponse, "the function returned without sending a response")
                })))
            }
        }
    }

    fn evict(&self, function: &str) {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner()).remove(function);
    }

    /// Components run on the engine built into this Squall: its release is the version.
    fn runtime_version(&self, _: squall_types::Runtime) -> Option<String> {
        Some(format!("Squall {} WebAssembly", env!("CARGO_PKG_VERSION")))
    }
}

/// Turns how the guest's task ended into a failure, if it failed.
fn classify(
    result: std::result::Result<wasmtime::Result<()>, Aborted>,
    oom: bool,
    timeout: Duration,
) -> Option<Failure> {
    let timed_out =
        || Failure::new(FailureKind::Timeout, format!("Task timed out after {:.2} seconds", timeout.as_secs_f64()));
    match result {
        Ok(Ok(())) => None,
        Err(_) => Some(timed_out()),
        Ok(Err(e)) if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => Some(timed_out()),
        Ok(Err(e)) if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() => {
            Some(Failure::new(FailureKind::Throttled, format!("no instance slot free: {e:#}")))
        }
        Ok(Err(e)) if oom => {
            Some(Failure::new(FailureKind::OutOfMemory, format!("the function exceeded its memory limit: {e:#}")))
        }
        Ok(Err(e)) => Some(Failure::new(FailureKind::Trap, format!("the function trapped: {e:#}"))),
    }
}
