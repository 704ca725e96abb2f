//! The functions service: the control plane of functions and services (create, update,
//! delete, deploy a whole service atomically), the route tables of deployed services,
//! invocation through a runtime, and function logs.
//!
//! - [`crud`]: single functions (what Lambda's API does).
//! - [`deploy`]: reconciling a service to a [`DeploymentPlan`].
//! - [`routes`]: HTTP API route matching.
//! - [`logs`]: the log pipeline from runtimes to the store and to followers.
//! - [`async_invoke`]: asynchronous invocation: a durable queue, retries with backoff.
//!
//! Records are read from storage once at start and kept in memory, so the request path
//! never touches storage. Deliberately absent: HTTP, wire formats, SigV4.

pub mod async_invoke;
mod crud;
mod deploy;
pub mod destinations;
mod error;
mod event_invoke;
mod layers;
pub mod logs;
mod mappings;
mod provisioned;
pub mod replay;
pub mod routes;
mod urls;
mod versions;

pub use async_invoke::AsyncPolicy;
pub use crud::ConfigPatch;
pub use deploy::{Action, Change, DeployReport, DeploymentPlan, PlannedApiKey, PlannedFunction};
pub use destinations::DestinationSink;
pub use error::{Error, Result};
pub use event_invoke::EventOutcome;
pub use layers::{NewLayerVersion, PolicyChange};
pub use logs::LogPipe;
pub use mappings::MappingOf;
pub use provisioned::ProvisionedState;
pub use routes::{RouteMatch, RouteTable};
pub use urls::UrlPatch;
pub use versions::{AliasPatch, Qualifier};

use async_trait::async_trait;
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_runtime::{CodeSource, Invocation, Outcome, SharedRuntime};
use squall_storage::{ArtifactStore, InvocationQueue, LogStore, MetaStore, TableStore};
use squall_types::{FunctionRecord, LogLine, ServiceRecord};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A deployed service as the request path sees it.
#[derive(Debug)]
pub struct ServiceRoutes {
    /// The stored record (routes, CORS).
    pub record: ServiceRecord,
    /// Its routes, compiled.
    pub table: RouteTable,
}

#[derive(Default)]
struct State {
    functions: HashMap<String, Arc<FunctionRecord>>,
    services: HashMap<String, Arc<ServiceRoutes>>,
}

/// Where a request for a service lands.
pub enum Routed {
    /// No service by that name.
    NoService,
    /// The service exists; here is how its routes matched.
    Service {
        /// The service.
        service: Arc<ServiceRoutes>,
        /// The match.
        matched: RouteMatch,
        /// The request's path after the service's base path (`/items/7`).
        rest: String,
    },
}

/// The stores the functions service keeps its state in.
pub struct Stores {
    /// Function and service records.
    pub meta: Arc<dyn MetaStore>,
    /// Code packages.
    pub artifacts: Arc<dyn ArtifactStore>,
    /// Invocation logs.
    pub logs: Arc<dyn LogStore>,
    /// Asynchronous invocations.
    pub queue: Arc<dyn InvocationQueue>,
    /// Layer versions.
    pub layers: Arc<dyn TableStore>,
}

/// How many times a version ran on this server, and how many of those failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct VersionStats {
    /// Invocations that ran.
    pub invocations: u64,
    /// Those that failed.
    pub errors: u64,
}

/// A version's record as made from the `$LATEST` record with this (revision, modified) stamp.
type MadeVersion = ((u64, u64), Arc<FunctionRecord>);

/// The functions service. One per process; shared by the gateway's handlers.
pub struct Functions {
    meta: Arc<dyn MetaStore>,
    artifacts: Arc<dyn ArtifactStore>,
    /// Layer versions ([`layers`]).
    layers: Arc<dyn TableStore>,
    logs: Arc<dyn LogStore>,
    log_pipe: Arc<LogPipe>,
    runtime: SharedRuntime,
    /// Asynchronous invocations waiting to run.
    queue: Arc<dyn InvocationQueue>,
    /// Wakes the asynchronous dispatcher: something was enqueued or finished.
    async_wake: tokio::sync::Notify,
    /// The in-memory copy of every function and service record.
    state: RwLock<State>,
    /// Serializes control-plane writes on this node, so read-check-write sequences hold.
    writes: tokio::sync::Mutex<()>,
    /// Where asynchronous invocations' outcomes go, once the composition root sets it, and
    /// the region of the function ARNs in their records.
    destinations: std::sync::OnceLock<(Arc<dyn DestinationSink>, String)>,
    /// How the asynchronous dispatcher retries (the default unless set before start).
    async_policy: std::sync::OnceLock<AsyncPolicy>,
    /// Published versions' records as invocations run them, by function and number, each
    /// with the stamp of the `$LATEST` record it was made from: made once, not per call.
    version_records: std::sync::Mutex<HashMap<String, HashMap<u32, MadeVersion>>>,
    /// Invocations and errors of each function version on this server since it started, by
    /// function and version (`None`: `$LATEST`), what a canary deployment watches.
    stats: std::sync::Mutex<HashMap<String, HashMap<Option<u32>, VersionStats>>>,
    /// Slots for failures being kept ([`replay::KEEPING_AT_ONCE`]).
    keeping: Arc<tokio::sync::Semaphore>,
    /// How each event source mapping's last batch on this server went, by its id.
    mapping_results: std::sync::Mutex<HashMap<String, String>>,
    /// What records' times, asynchronous invocations' due times and event ages read.
    clock: Clock,
    /// The servers sharing the store, if any: told of every change of records.
    pub(crate) cluster: Cluster,
}

/// The name under which changes of function and service records are versioned.
pub(crate) const DOMAIN: &str = "functions";

impl Functions {
    /// Loads every record from `meta` and serves them; times are `clock`'s.
    pub async fn open(
        stores: Stores,
        log_pipe: Arc<LogPipe>,
        runtime: SharedRuntime,
        clock: Clock,
        cluster: Cluster,
    ) -> Result<Self> {
        let Stores { meta, artifacts, logs, queue, layers } = stores;
        let f = Functions {
            meta,
            artifacts,
            layers,
            logs,
            log_pipe,
            runtime,
            queue,
            async_wake: tokio::sync::Notify::new(),
            state: RwLock::new(State::default()),
            writes: tokio::sync::Mutex::new(()),
            destinations: std::sync::OnceLock::new(),
            async_policy: std::sync::OnceLock::new(),
            version_records: std::sync::Mutex::new(HashMap::new()),
            mapping_results: std::sync::Mutex::new(HashMap::new()),
            stats: std::sync::Mutex::new(HashMap::new()),
            keeping: Arc::new(tokio::sync::Semaphore::new(replay::KEEPING_AT_ONCE)),
            clock,
            cluster,
        };
        f.load().await?;
        Ok(f)
    }

    /// Reads every record from the store and serves them: functions another server
    /// created, changed or deleted are served (or not) here too, their code compiled again
    /// from the store when first invoked.
    async fn load(&self) -> Result<()> {
        let functions = self.meta.list_functions().await?;
        let services = self.meta.list_services().await?;
        let (changed, gone) = {
            let mut st = self.state_mut();
            let before = std::mem::take(&mut st.functions);
            let mut changed = Vec::new();
            for mut rec in functions {
                let name = rec.config.name.to_string();
                // Mappings deployed before mappings had ids get the ids a deploy gives them.
                let mut seen: HashMap<squall_types::EventSource, usize> = HashMap::new();
                for m in &mut rec.config.event_sources {
                    let nth = seen.entry(m.source.clone()).or_default();
                    if m.uuid.is_empty() {
                        m.uuid = squall_types::EventSourceMapping::declared_uuid(&name, &m.source, *nth);
                    }
                    *nth += 1;
                }
                let rec = match before.get(&name) {
                    Some(old) if **old == rec => old.clone(),
                    old => {
                        let runs_anew = old.is_none_or(|o| o.runtime_stamp() != rec.runtime_stamp());
                        let rec = Arc::new(rec);
                        changed.push((rec.clone(), runs_anew));
                        rec
                    }
                };
                st.functions.insert(name, rec);
            }
            let gone: Vec<String> = before
                .into_iter()
                .filter(|(n, _)| !st.functions.contains_key(n))
                .flat_map(|(_, rec)| rec.instance_keys())
                .collect();
            st.services = services.into_iter().map(|r| (r.name.to_string(), Arc::new(service_routes(r)))).collect();
            (changed, gone)
        };
        for name in &gone {
            self.runtime.evict(name);
        }
        for (rec, runs_anew) in &changed {
            if *runs_anew {
                self.runtime.evict(rec.config.name.as_str());
            }
            self.runtime.activate(rec);
            self.activate_versions(rec);
        }
        Ok(())
    }

    /// Whether the store answers, within two seconds (a readiness probe).
    pub async fn probe_store(&self) -> Result<()> {
        match tokio::time::timeout(Duration::from_secs(2), self.meta.get_setting("access_key_id")).await {
            Ok(r) => r.map(|_| ()).map_err(Error::from),
            Err(_) => Err(Error::Storage(squall_storage::Error::Backend("the store did not answer within 2 s".into()))),
        }
    }

    /// [`Functions::load`] under the lock that orders this server's own changes.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _w = self.writes.lock().await;
        self.load().await
    }

    /// How the asynchronous dispatcher retries, for the run that [`squall_lifecycle::Service::start`]
    /// begins (set once, before start; later calls are ignored).
    pub fn set_async_policy(&self, policy: AsyncPolicy) {
        let _ = self.async_policy.set(policy);
    }

    /// Where asynchronous invocations' records and dead letters go from now on (set once;
    /// later calls are ignored), and the region of the ARNs in those records.
    pub fn set_destinations(&self, sink: Arc<dyn DestinationSink>, region: &str) {
        let _ = self.destinations.set((sink, region.to_string()));
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn state_mut(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The function named `name`.
    pub fn function(&self, name: &str) -> Option<Arc<FunctionRecord>> {
        self.state().functions.get(name).cloned()
    }

    /// Matches a request for `path` on the http port: `/<service>/<stage>/...` reaches a
    /// service deployed to that stage, `/<service>/...` one deployed without a stage.
    pub fn route(&self, method: &str, path: &str) -> Routed {
        let segment = |p: &str| -> (String, String) {
            match p.split_once('/') {
                Some((first, rest)) => (first.to_string(), format!("/{rest}")),
                None => (p.to_string(), "/".to_string()),
            }
        };
        let (first, after_first) = segment(path.trim_start_matches('/'));
        let (second, after_second) = segment(&after_first[1..]);
        let found = {
            let st = self.state();
            let staged = st
                .services
                .get(&format!("{first}-{second}"))
                .filter(|s| s.record.stage.as_deref() == Some(second.as_str()))
                .map(|s| (s.clone(), after_second));
            staged.or_else(|| {
                st.services.get(&first).filter(|s| s.record.stage.is_none()).map(|s| (s.clone(), after_first))
            })
        };
        let Some((svc, rest)) = found else { return Routed::NoService };
        let matched = svc.table.resolve(method, &rest);
        Routed::Service { service: svc, matched, rest }
    }

    /// Every deployed service, by name.
    pub fn list_services(&self) -> Vec<ServiceRecord> {
        let mut v: Vec<ServiceRecord> = self.state().services.values().map(|s| s.record.clone()).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// Runs one invocation of `function`.
    pub async fn invoke(&self, function: &FunctionRecord, mut invocation: Invocation) -> Result<Outcome> {
        let c = &function.config;
        if let Some(stopped) = self.count_hop(function, &mut invocation) {
            return Ok(Outcome::Failed(stopped));
        }
        if c.runtime_updates.held_to.is_some()
            && let Some(why) = c.runtime_updates.refuses(self.runtime.runtime_version(c.runtime).as_deref())
        {
            let payload = serde_json::json!({ "errorType": "Runtime.InvalidRuntimeVersion", "errorMessage": why });
            let mut failure = squall_runtime::Failure::new(squall_runtime::FailureKind::InitError, why);
            failure.payload = Some(payload.to_string().into());
            return Ok(Outcome::Failed(failure));
        }
        // Held until the outcome is known: a failure is kept for `squall replay`.
        let capture = match replay::Capture::take(&mut invocation).await {
            Ok(capture) => capture,
            Err(why) => {
                tracing::debug!(function = %c.name, "the request's body could not be read: {why}");
                let mut bad = http::Response::new(squall_runtime::full_body(bytes::Bytes::from_static(b"Bad Request")));
                *bad.status_mut() = http::StatusCode::BAD_REQUEST;
                return Ok(Outcome::Response(bad));
            }
        };
        let outcome = self.runtime.invoke(function, invocation, &self.code_source()).await?;
        self.count(function, &outcome);
        if let (Outcome::Failed(f), Some(capture)) = (&outcome, capture)
            && replay::keeps(&f.kind)
        {
            self.keep_failure(function, capture, f);
        }
        Ok(outcome)
    }

    /// Counts an invocation's outcome for its version: a failure the function's (not a
    /// throttle or a stopped loop), or a server error it answered (a WebAssembly function's
    /// way of failing, as [`Functions::invoke_event`] reads it too), is an error.
    fn count(&self, function: &FunctionRecord, outcome: &Outcome) {
        let error = match outcome {
            Outcome::Failed(f) if !replay::keeps(&f.kind) => return,
            Outcome::Failed(_) => true,
            Outcome::Response(r) => r.status().is_server_error(),
        };
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let name = function.config.name.as_str();
        // The function's entry is looked up by `&str`: no allocation once it exists.
        let versions = match stats.get_mut(name) {
            Some(v) => v,
            None => stats.entry(name.to_string()).or_default(),
        };
        let s = versions.entry(function.version).or_default();
        s.invocations += 1;
        s.errors += u64::from(error);
    }

    /// Invocations and errors of `function`'s versions on this server since it started, by
    /// version (`$LATEST` or a number).
    pub fn version_stats(&self, function: &str) -> std::collections::BTreeMap<String, VersionStats> {
        let stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        let label = |v: &Option<u32>| v.map_or_else(|| squall_types::LATEST.to_string(), |n| n.to_string());
        stats.get(function).into_iter().flatten().map(|(v, s)| (label(v), *s)).collect()
    }

    /// Drops a deleted function's counts.
    pub(crate) fn forget_stats(&self, function: &str) {
        self.stats.lock().unwrap_or_else(|p| p.into_inner()).remove(function);
    }

    /// The record a route or a deployment's event source mapping of `name` runs: through
    /// the alias the function is served through, if it has one by that name (its weights
    /// choosing with `draw`), else `$LATEST`.
    pub fn serving(&self, name: &str, draw: f64) -> Option<Arc<FunctionRecord>> {
        let latest = self.function(name)?;
        match latest.config.serve_through.as_deref() {
            Some(alias) if latest.versions.aliases.contains_key(alias) => self.resolve(name, Some(alias), draw).ok(),
            _ => Some(latest),
        }
    }

    /// Counts this invocation in its chain of requests (the `Lineage` of its trace header,
    /// which the runtime hands on to the function): a chain that has invoked the function
    /// [`squall_types::RECURSION_LIMIT`] times already is stopped unless the function
    /// allows recursive loops.
    fn count_hop(&self, function: &FunctionRecord, invocation: &mut Invocation) -> Option<squall_runtime::Failure> {
        let headers = invocation.request.headers_mut();
        let incoming = headers.get(squall_runtime::TRACE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if matches!(invocation.trigger, squall_runtime::Trigger::Http { .. }) {
            // A request from outside (an HTTP route or URL, anyone's) is no hop of a chain: a
            // count it carried could stop what its function goes on to trigger, so it is
            // dropped (and nothing is written on the common path, a request without one).
            if incoming.contains("Lineage=") {
                let kept = squall_types::Lineage::without_lineage(incoming);
                match http::HeaderValue::from_str(&kept) {
                    Ok(v) if !kept.is_empty() => headers.insert(squall_runtime::TRACE_HEADER, v),
                    _ => headers.remove(squall_runtime::TRACE_HEADER),
                };
            }
            return None;
        }
        let lineage = squall_types::Lineage::from_trace_header(incoming);
        let name = function.config.name.as_str();
        let count = lineage.count(name);
        if lineage.stops(name, function.config.recursive_loop_allowed) {
            let why = format!(
                "Lambda stopped {name}: this chain of requests has invoked it {count} times (a recursive loop through a queue, topic or Invoke); PutFunctionRecursionConfig with RecursiveLoop Allow lets it go on"
            );
            self.platform_line(name, &invocation.request_id, &invocation.trace, why.clone());
            let payload = serde_json::json!({ "errorType": "RecursiveInvocationException", "errorMessage": why });
            let mut failure = squall_runtime::Failure::new(squall_runtime::FailureKind::RecursiveLoop, why);
            failure.payload = Some(payload.to_string().into());
            return Some(failure);
        }
        let next = lineage.hop(name).in_header(incoming);
        if let Ok(v) = http::HeaderValue::from_str(&next) {
            headers.insert(squall_runtime::TRACE_HEADER, v);
        }
        None
    }

    /// The runtime version that runs `runtime` on this server (`Python 3.11.7`).
    pub fn runtime_version(&self, runtime: squall_types::Runtime) -> Option<String> {
        self.runtime.runtime_version(runtime)
    }

    /// Where runtimes read stored code from (functions' and layers').
    pub(crate) fn code_source(&self) -> impl CodeSource + use<> {
        Artifacts(self.artifacts.clone())
    }

    /// Log lines of `function` after position `after`. With `wait`, blocks up to that long
    /// for new lines when there are none yet.
    pub async fn read_logs(
        &self,
        function: &str,
        after: u64,
        limit: usize,
        wait: Option<Duration>,
    ) -> Result<Vec<LogLine>> {
        // What was emitted before this call is readable by it (the writer batches).
        self.log_pipe.flush().await;
        let notified = self.log_pipe.written.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let lines = self.logs.read(function, after, limit).await?;
        let Some(wait) = wait.filter(|_| lines.is_empty()) else { return Ok(lines) };
        let _ = tokio::time::timeout(wait, notified).await;
        Ok(self.logs.read(function, after, limit).await?)
    }

    /// The newest `limit` log lines of `function`.
    pub async fn tail_logs(&self, function: &str, limit: usize) -> Result<Vec<LogLine>> {
        self.log_pipe.flush().await;
        Ok(self.logs.tail(function, limit).await?)
    }

    /// The last `most` log lines of one invocation, after `settle` for the runtime to forward
    /// what the function wrote.
    pub async fn invocation_log(&self, function: &str, request_id: &str, settle: Duration, most: usize) -> Vec<String> {
        logs::invocation_lines(self.logs.as_ref(), &self.log_pipe, function, request_id, settle, most).await
    }

    /// Waits until every log line emitted so far is stored (for shutdown).
    pub async fn flush_logs(&self) {
        self.log_pipe.flush().await;
    }
}

fn service_routes(record: ServiceRecord) -> ServiceRoutes {
    let table = RouteTable::new(&record.routes);
    ServiceRoutes { record, table }
}

/// Runtimes fetch code from the artifact store through this.
struct Artifacts(Arc<dyn ArtifactStore>);

#[async_trait]
impl CodeSource for Artifacts {
    async fn fetch(&self, sha256: &str) -> squall_runtime::Result<Vec<u8>> {
        match self.0.get(sha256).await {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(squall_runtime::Error::Internal(format!("artifact {sha256} is missing"))),
            Err(e) => Err(squall_runtime::Error::Internal(e.to_string())),
        }
    }
}

mod lifecycle;
mod reset;
#[cfg(test)]
mod tests;
