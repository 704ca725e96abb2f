//! A function's processes: idle ones kept warm, new ones started on demand up to the
//! concurrency limit, past which invocations wait briefly and are then throttled.

use crate::ProcessOptions;
use crate::api::Job;
use crate::event::{RouteContext, http_event, http_response};
use crate::event_v1::{http_event_v1, http_response_v1};
use crate::limits::{Cgroups, Memory};
use crate::worker::{Ran, Worker};
use bytes::Bytes;
use squall_clock::wall_ms;
use squall_runtime::platform_log::{Platform, Status};
use squall_runtime::{
    Body, ConcurrencyLimit, EventFormat, Failure, FailureKind, Invocation, LogSink, Outcome, Reservations, Result,
    Servers, Trigger, collect_body, full_body,
};
use squall_types::{FunctionRecord, LogLine, LogStream, function_arn};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A process is retired this long (besides its function's timeout) before its role
/// credentials expire.
const CREDENTIALS_MARGIN_MS: u64 = 5 * 60 * 1000;

/// Lambda's limit on a synchronous request payload.
const MAX_EVENT: usize = 6 << 20;

pub(crate) struct Pool {
    function: FunctionRecord,
    dir: PathBuf,
    opts: Arc<ProcessOptions>,
    logs: Arc<dyn LogSink>,
    cgroups: Option<Arc<Cgroups>>,
    /// Warm processes waiting for work, most recently used last.
    idle: Mutex<Vec<Worker>>,
    /// One permit per process that may run at once.
    permits: Arc<ConcurrencyLimit>,
    /// Held while provisioned processes are being started.
    warming: tokio::sync::Mutex<()>,
}

impl Pool {
    pub(crate) fn new(
        function: FunctionRecord,
        dir: PathBuf,
        opts: Arc<ProcessOptions>,
        logs: Arc<dyn LogSink>,
        cgroups: Option<Arc<Cgroups>>,
        reservations: &Reservations,
        servers: &Servers,
    ) -> Self {
        // A reservation replaces the server-wide default, as in Lambda (0 disables), holds
        // across the servers of the store and is shared by the function's versions; the
        // default is this machine's own.
        let permits = match function.config.reserved_concurrency {
            Some(r) => reservations.limit(function.config.name.as_str(), r as usize, servers),
            None => ConcurrencyLimit::new(opts.max_concurrency, Servers::default()),
        };
        let idle = Mutex::new(Vec::new());
        Pool { function, dir, opts, logs, cgroups, idle, permits, warming: Default::default() }
    }

    /// Which version of the function this pool runs: see [`stamp`].
    pub(crate) fn stamp(&self) -> (u64, u64) {
        stamp(&self.function)
    }

    pub(crate) fn provisioned(&self) -> u32 {
        self.function.config.provisioned_concurrency
    }

    /// Initialized processes, idle or busy (busy counted by the function's slots in use).
    pub(crate) fn live(&self) -> u32 {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).len();
        (idle + self.permits.in_use()) as u32
    }

    /// An idle process whose role credentials outlast a longest invocation; those that
    /// would not are stopped (a new process gets fresh credentials).
    fn take_idle(&self) -> Option<Worker> {
        let margin = u64::from(self.function.config.timeout_s) * 1000 + CREDENTIALS_MARGIN_MS;
        let now = self.opts.credentials.as_ref().map(|c| c.now_ms());
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(w) = idle.pop() {
            match (w.credentials_expire_ms, now) {
                (Some(expires), Some(now)) if now + margin >= expires => continue,
                _ => return Some(w),
            }
        }
        None
    }

    /// Stops processes idle for longer than `max_idle`, keeping the provisioned ones.
    pub(crate) fn reap_idle(&self, max_idle: Duration) {
        let keep = self.function.config.provisioned_concurrency as usize;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        // Most recently used last: the oldest go first.
        idle.sort_by_key(|w| w.last_used);
        let expired = idle.iter().filter(|w| w.last_used.elapsed() >= max_idle).count();
        let drop = expired.min(idle.len().saturating_sub(keep));
        idle.drain(..drop);
    }

    /// Starts processes until `provisionedConcurrency` of them exist (idle or busy), each
    /// initialized before it joins the idle set. One warm-up at a time per pool.
    pub(crate) async fn ensure_provisioned(&self) {
        let want = self.function.config.provisioned_concurrency as usize;
        let Ok(_one_at_a_time) = self.warming.try_lock() else { return };
        loop {
            let busy = self.permits.in_use();
            let have = self.idle.lock().unwrap_or_else(|p| p.into_inner()).len() + busy;
            if have >= want {
                return;
            }
            let started = self.spawn(true).await;
            let mut worker = match started {
                Ok(w) => w,
                Err(e) => {
                    self.platform(
                        "-",
                        "-",
                        vec![Platform::Problem(format!("could not start a provisioned process: {e}"))],
                    );
                    return;
                }
            };
            if worker.wait_ready().await.is_err() {
                self.platform("-", "-", vec![Platform::Problem("a provisioned process failed to initialize".into())]);
                return;
            }
            let ms = worker.init.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
            self.platform("-", "-", vec![Platform::InitReport { ms, error_type: None, provisioned: true }]);
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
        }
    }

    async fn spawn(&self, provisioned: bool) -> std::io::Result<Worker> {
        let memory = Memory::new(self.cgroups.as_deref(), self.function.config.memory_mb);
        Worker::spawn(&self.function, &self.dir, &self.opts, &self.logs, provisioned, memory).await
    }

    fn platform(&self, request_id: &str, trace_id: &str, events: Vec<Platform>) {
        let name = self.function.config.name.to_string();
        let logging = &self.function.config.logging;
        let now = wall_ms();
        self.logs.emit(
            events
                .iter()
                .filter_map(|e| e.render(logging, request_id, now))
                .map(|message| LogLine {
                    seq: 0,
                    function: name.clone(),
                    ts_ms: wall_ms(),
                    request_id: request_id.to_string(),
                    trace_id: trace_id.to_string(),
                    stream: LogStream::Platform,
                    message,
                })
                .collect(),
        );
    }

    pub(crate) async fn invoke(self: &Arc<Self>, inv: Invocation) -> Result<Outcome> {
        // The body first: a slow upload must not hold one of the function's slots.
        let (parts, body) = inv.request.into_parts();
        let body = match collect_body(body, MAX_EVENT).await {
            Ok(b) => b,
            Err(_) => return Ok(Outcome::Response(status_response(413, "Request Entity Too Large"))),
        };
        let Some(permit) = self.permits.acquire(self.opts.throttle_wait).await else {
            return Ok(Outcome::Failed(Failure::new(FailureKind::Throttled, "Rate Exceeded.")));
        };
        let request_id = inv.request_id.to_string();
        let trace_id = inv.trace.trace_id_hex();
        let accept = parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        // The chain of requests this invocation is part of, for the SDKs to send on.
        let lineage = parts
            .headers
            .get(squall_runtime::TRACE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(squall_types::Lineage::from_trace_header)
            .filter(|l| !l.is_empty())
            .map_or_else(String::new, |l| format!(";Lineage={}", l.field()));
        // Through an alias, the function sees the alias's ARN (as on Lambda); else its own,
        // a version's carrying its number. Only Lambda's own Invoke names one.
        let named = match &inv.trigger {
            Trigger::Invoke => parts.headers.get(squall_runtime::INVOKED_QUALIFIER).and_then(|v| v.to_str().ok()),
            Trigger::Http { .. } => None,
        };
        let invoked = match named.filter(|q| !q.is_empty() && q.parse::<u32>().is_err()) {
            Some(alias) => format!("{}:{alias}", self.function.config.name),
            None => self.function.instance_key(),
        };
        let event = match &inv.trigger {
            Trigger::Invoke => body,
            Trigger::Http { route_key, path_params, source_ip, format } => {
                let cx = RouteContext { route_key, path_params, source_ip, request_id: &request_id };
                match format {
                    EventFormat::V2 => http_event(&parts, &body, &cx),
                    EventFormat::V1(v1) => http_event_v1(&parts, &body, &cx, v1),
                }
            }
        };

        let worker = self.take_idle();
        let mut worker = match worker {
            Some(w) => w,
            None => match self.spawn(false).await {
                Ok(w) => w,
                Err(e) => {
                    let msg = format!("could not start the function's process: {e}");
                    self.platform(&request_id, &trace_id, vec![Platform::Problem(msg.clone())]);
                    return Ok(Outcome::Failed(Failure::new(FailureKind::InitError, msg)));
                }
            },
        };
        let cold = worker.init.is_none();
        let c = &self.function.config;
        self.platform(&request_id, &trace_id, vec![Platform::Start { version: self.function.version_label() }]);
        let timeout = Duration::from_secs(u64::from(c.timeout_s));
        let started = Instant::now();
        // Real time: the function reads its remaining time against its own clock.
        let deadline_ms = wall_ms() + timeout.as_millis() as u64;
        let job_of = |reply| Job {
            request_id: request_id.clone(),
            deadline_ms,
            // A version's ARN carries its number, as the function's context shows on Lambda.
            function_arn: function_arn(&self.opts.region, &invoked),
            trace_id: format!(
                "Root=1-{:08x}-{};Parent={};Sampled=1{lineage}",
                wall_ms() / 1000,
                &trace_id[8..],
                inv.trace.span_id_hex()
            ),
            event,
            reply,
        };
        let (ran, healthy) = worker.run(job_of, timeout).await;
        if let Ran::Stream { content_type, body, end, done, deadline } = ran {
            let response = match &inv.trigger {
                Trigger::Invoke => Ok(streamed(content_type, body)),
                Trigger::Http { .. } => crate::streaming::http_response(content_type, body).await,
            };
            // The invocation goes on while the response streams: the process, its slot and
            // its report wait for the stream's end.
            let pool = self.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let (ended, healthy) = worker.finish_stream(done, end, deadline, timeout).await;
                let mut lines = Vec::new();
                let mut status = Status::Success;
                if let crate::worker::StreamEnded::Stopped { message, .. } = ended {
                    status = Status::Error;
                    let at = squall_types::format_iso8601_millis(wall_ms());
                    lines.push(Platform::Problem(format!("{at} {request_id} {message}")));
                }
                pool.finish(worker, healthy, (cold, status), started.elapsed(), lines, &request_id, &trace_id);
            });
            return Ok(match response {
                Ok(r) => Outcome::Response(r),
                Err(e) => Outcome::Failed(Failure::new(FailureKind::GuestError, e)),
            });
        }
        drop(permit);
        let initialized = worker.init.is_some();
        let took = started.elapsed();
        let mut lines = Vec::new();
        let outcome = match ran {
            Ran::Response(payload) => match &inv.trigger {
                Trigger::Invoke => Outcome::Response(payload_response(payload)),
                Trigger::Http { format, .. } => match mapped_response(&payload, format, &accept) {
                    Ok(r) => Outcome::Response(r),
                    Err(e) => {
                        lines.push(Platform::Problem(format!("the function's result cannot be an HTTP response: {e}")));
                        Outcome::Failed(Failure::new(FailureKind::GuestError, e))
                    }
                },
            },
            Ran::Error(kind, doc) => Outcome::Failed(Failure {
                kind: FailureKind::GuestError,
                message: format!("the function reported {kind}: {}", String::from_utf8_lossy(&doc)),
                payload: Some(doc),
            }),
            Ran::Timeout => {
                let m = format!("Task timed out after {:.2} seconds", timeout.as_secs_f64());
                lines.push(Platform::Problem(format!(
                    "{} {request_id} {m}",
                    squall_types::format_iso8601_millis(wall_ms())
                )));
                Outcome::Failed(Failure::new(FailureKind::Timeout, m))
            }
            Ran::OutOfMemory { used_mb } => {
                let m = format!(
                    "RequestId: {request_id} Error: Runtime exited with error: the process used {used_mb} MB of its {} MB and was stopped",
                    c.memory_mb
                );
                lines.push(Platform::Problem(m.clone()));
                let doc = serde_json::json!({ "errorType": "Runtime.OutOfMemory", "errorMessage": m }).to_string();
                Outcome::Failed(Failure { kind: FailureKind::OutOfMemory, message: m, payload: Some(doc.into()) })
            }
            Ran::Exited { status, init_error: Some((kind, doc)) } => {
                let ms = took.as_secs_f64() * 1000.0;
                lines.push(Platform::InitReport { ms, error_type: Some(kind.clone()), provisioned: false });
                Outcome::Failed(Failure {
                    kind: FailureKind::InitError,
                    message: format!("the function failed to initialize ({kind}, exit {status})"),
                    payload: Some(doc),
                })
            }
            Ran::Exited { status, init_error: None } => {
                let m = format!("RequestId: {request_id} Error: Runtime exited with error: {status}");
                lines.push(Platform::Problem(m.clone()));
                Outcome::Failed(Failure::new(if initialized { FailureKind::Trap } else { FailureKind::InitError }, m))
            }
            Ran::Stream { .. } => unreachable!("handled above"),
        };
        let status = match &outcome {
            Outcome::Response(_) => Status::Success,
            Outcome::Failed(f) if f.kind == FailureKind::Timeout => Status::Timeout,
            Outcome::Failed(_) => Status::Error,
        };
        self.finish(worker, healthy, (cold, status), took, lines, &request_id, &trace_id);
        Ok(outcome)
    }

    /// Ends an invocation: its END and REPORT lines (after `lines`), and the process back
    /// among the idle ones if it may serve another.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        worker: Worker,
        healthy: bool,
        (cold, status): (bool, Status),
        took: Duration,
        mut lines: Vec<Platform>,
        request_id: &str,
        trace_id: &str,
    ) {
        lines.push(Platform::End { status });
        lines.push(Platform::Report {
            ms: took.as_secs_f64() * 1000.0,
            memory_mb: self.function.config.memory_mb,
            max_used_mb: worker.max_memory_mb(),
            init_ms: worker.init.filter(|_| cold).map(|d| d.as_secs_f64() * 1000.0),
            status,
        });
        self.platform(request_id, trace_id, lines);
        if healthy {
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
        }
    }
}

/// The HTTP response a route's Lambda result maps to, in its event format.
fn mapped_response(
    payload: &[u8],
    format: &EventFormat,
    accept: &str,
) -> std::result::Result<http::Response<Body>, String> {
    match format {
        EventFormat::V2 => http_response(payload),
        EventFormat::V1(v1) => http_response_v1(payload, v1, accept),
    }
}

/// A streamed result as Invoke answers it: the bytes as they come, with their content type.
fn streamed(content_type: Option<String>, body: Body) -> http::Response<Body> {
    let mut r = http::Response::new(body);
    let ct = content_type.unwrap_or_else(|| "application/octet-stream".into());
    if let Ok(v) = http::HeaderValue::from_str(&ct) {
        r.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    r
}

fn payload_response(payload: Bytes) -> http::Response<Body> {
    let mut r = http::Response::new(full_body(payload));
    r.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    r
}

fn status_response(status: u16, message: &str) -> http::Response<Body> {
    let mut r = http::Response::new(full_body(serde_json::json!({ "message": message }).to_string()));
    *r.status_mut() = http::StatusCode::from_u16(status).expect("a valid status");
    r
}

/// A function version's place in time: when it was written, then its revision. A function
/// deleted and made again starts at revision 1 again, so the revision alone cannot tell a
/// newer version from an older one.
pub(crate) fn stamp(f: &FunctionRecord) -> (u64, u64) {
    f.runtime_stamp()
}
