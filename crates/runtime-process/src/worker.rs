//! One function process: spawned with Lambda's environment, fed one invocation at a time
//! through its Runtime API, its output kept as log lines of the invocation in progress.

use crate::ProcessOptions;
use crate::api::{self, Job, Reply, Shared};
use crate::limits::Memory;
use crate::netns::Bridge;
use bytes::Bytes;
use squall_clock::wall_ms;
use squall_runtime::{FunctionCredentials, LogSink};
use squall_types::{FunctionRecord, LogLine, LogStream, Runtime};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncRead;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

/// Lambda's limit on a function's init phase.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a running invocation's memory is sampled when no cgroup limits it (spikes
/// shorter than this are missed; `RLIMIT_DATA` still bounds each process).
const MEMORY_CHECK: Duration = Duration::from_millis(20);

/// How one invocation on a process ended.
pub(crate) enum Ran {
    /// The handler's result.
    Response(Bytes),
    /// The handler's error: its type and document.
    Error(String, Bytes),
    /// Past the timeout; the process was killed.
    Timeout,
    /// Past its memory limit; the process was killed.
    OutOfMemory {
        /// What it was using when it was stopped.
        used_mb: u64,
    },
    /// The process exited (or never got ready): what it said on init, if anything.
    Exited { status: String, init_error: Option<(String, Bytes)> },
    /// The function began streaming its response: its content type and body so far. The
    /// invocation goes on until the stream ends ([`Worker::finish_stream`]), by `deadline`.
    Stream {
        content_type: Option<String>,
        body: squall_runtime::Body,
        end: crate::api::StreamEnd,
        done: oneshot::Receiver<()>,
        deadline: tokio::time::Instant,
    },
}

/// What [`Worker::watch`] saw first: the work done, or the process stopped (why).
enum Watched<T> {
    Done(T),
    Stopped(Ran),
}

/// How a streamed invocation ended.
pub(crate) enum StreamEnded {
    /// The function finished its response (an error it reported travels in the stream).
    Finished,
    /// Past its timeout, past its memory, or its process exited: the message says which.
    Stopped { message: String },
}

/// A running process and its Runtime API.
pub(crate) struct Worker {
    child: Child,
    pid: u32,
    memory: Memory,
    jobs: mpsc::Sender<Job>,
    shared: Arc<Shared>,
    api: tokio::task::JoinHandle<()>,
    /// Request id and trace id of the invocation in progress, for tagging output lines.
    current: Arc<Mutex<(String, String)>>,
    spawned: Instant,
    /// Set once the process finished its init (its first `next`).
    pub(crate) init: Option<Duration>,
    pub(crate) last_used: Instant,
    /// When the role credentials in its environment expire (platform clock).
    pub(crate) credentials_expire_ms: Option<u64>,
    /// Its network's bridge when its egress is limited; closed with the process.
    _bridge: Option<Bridge>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        self.api.abort();
    }
}

/// The bridge of a process whose egress `grants` limit: it reaches its Runtime API at
/// `runtime_api`, Squall's API, and the granted hosts through the proxy.
fn egress_bridge(
    f: &FunctionRecord,
    opts: &ProcessOptions,
    runtime_api: &str,
    grants: &[String],
) -> std::io::Result<Bridge> {
    if opts.sandbox.is_none() || opts.net_bridge.is_none() {
        return Err(std::io::Error::other(crate::EGRESS_NEEDS_SANDBOX));
    }
    let mut platform: Vec<std::net::SocketAddr> = runtime_api.parse().into_iter().collect();
    let api: Option<std::net::SocketAddr> =
        opts.endpoint_url.as_deref().and_then(|u| u.strip_prefix("http://")).and_then(|a| a.parse().ok());
    platform.extend(api);
    Bridge::start(&opts.work_dir.join("net"), &platform, grants.to_vec(), f.config.name.as_str())
}

/// Where `f`'s layers are unpacked, and where its process sees them: `/opt` in the
/// sandbox, as on Lambda; outside it (no bubblewrap) the directory itself, which the search
/// paths below name instead.
fn layers(f: &FunctionRecord, opts: &ProcessOptions) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let real = crate::package::layers_dir(&opts.work_dir, &f.config.layers)?;
    let seen = if opts.sandbox.is_some() { "/opt".into() } else { real.clone() };
    Some((real, seen))
}

/// The search paths Lambda's runtimes give layers (`/opt/python`, `/opt/nodejs/node_modules`,
/// `/opt/bin`, `/opt/lib`...), under `opt`, joined to what Squall's environment has (the
/// function's own variables, set after, replace them, as on Lambda).
fn layer_paths(f: &FunctionRecord, opt: &Path, env: &mut Vec<(String, String)>) {
    let o = opt.display();
    let mut prepend = |key: &str, paths: Vec<String>, after: bool| {
        let joined = paths.join(":");
        match env.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) if after => *v = format!("{v}:{joined}"),
            Some((_, v)) => *v = format!("{joined}:{v}"),
            None => env.push((key.to_string(), joined)),
        }
    };
    // Lambda's PATH ends with /opt/bin; its LD_LIBRARY_PATH with /opt/lib.
    prepend("PATH", vec![format!("{o}/bin")], true);
    prepend("LD_LIBRARY_PATH", vec![format!("{o}/lib")], true);
    match f.config.runtime {
        Runtime::Python { minor } => {
            // The runtime's version, and the installed interpreter's where that differs.
            let mut minors = vec![minor.to_string()];
            let installed = crate::package::installed_version("python3");
            if let Some(m) = installed.as_deref().and_then(|v| v.split('.').nth(1)).filter(|m| *m != minors[0]) {
                minors.push(m.to_string());
            }
            let mut paths: Vec<String> =
                minors.iter().map(|m| format!("{o}/python/lib/python3.{m}/site-packages")).collect();
            paths.push(format!("{o}/python"));
            prepend("PYTHONPATH", paths, false)
        }
        Runtime::Node { major } => prepend(
            "NODE_PATH",
            vec![format!("{o}/nodejs/node{major}/node_modules"), format!("{o}/nodejs/node_modules")],
            false,
        ),
        Runtime::Ruby { minor } => {
            prepend("RUBYLIB", vec![format!("{o}/ruby/lib")], false);
            // The trailing `:` keeps RubyGems' own default path after it.
            prepend("GEM_PATH", vec![format!("{o}/ruby/gems/3.{minor}.0:")], false);
        }
        _ => {}
    }
}

fn environment(
    f: &FunctionRecord,
    dir: &Path,
    api: &str,
    opts: &ProcessOptions,
    credentials: Option<&FunctionCredentials>,
) -> Vec<(String, String)> {
    let c = &f.config;
    let name = c.name.as_str();
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("TZ".into(), ":UTC".into()),
        ("LAMBDA_TASK_ROOT".into(), dir.display().to_string()),
        ("LAMBDA_RUNTIME_DIR".into(), opts.work_dir.join("loops").display().to_string()),
        ("AWS_LAMBDA_RUNTIME_API".into(), api.into()),
        ("_HANDLER".into(), c.handler.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), name.into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), c.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), f.version_label()),
        ("AWS_LAMBDA_LOG_GROUP_NAME".into(), format!("/aws/lambda/{name}")),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), format!("squall/{}", std::process::id())),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        ("AWS_REGION".into(), opts.region.clone()),
        ("AWS_DEFAULT_REGION".into(), opts.region.clone()),
    ];
    // Lambda's advanced logging controls, as its runtimes read them.
    if let Some(level) = c.logging.application_level() {
        env.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
        env.push(("AWS_LAMBDA_LOG_LEVEL".into(), level.as_str().into()));
    }
    match c.runtime {
        Runtime::Python { .. } => {
            env.push(("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{}", c.runtime)));
            env.push(("PYTHONUNBUFFERED".into(), "1".into()));
        }
        Runtime::Node { .. } => {
            env.push(("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{}", c.runtime)));
            if let Some(sdk) = &opts.node_sdk {
                // After the function's own node_modules, as Lambda's runtime SDK is.
                env.push(("NODE_PATH".into(), sdk.to_string_lossy().into_owned()));
            }
        }
        Runtime::Ruby { .. } | Runtime::Go => {
            env.push(("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{}", c.runtime)))
        }
        _ => {}
    }
    if let Some((_, seen)) = layers(f, opts) {
        layer_paths(f, &seen, &mut env);
    }
    if let Some(url) = &opts.endpoint_url {
        env.push(("AWS_ENDPOINT_URL".into(), url.clone()));
    }
    if let Some(c) = credentials {
        env.push(("AWS_ACCESS_KEY_ID".into(), c.access_key_id.clone()));
        env.push(("AWS_SECRET_ACCESS_KEY".into(), c.secret_access_key.clone()));
        env.push(("AWS_SESSION_TOKEN".into(), c.session_token.clone()));
    }
    env.extend(c.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

/// The program and arguments that run `f`.
fn program(f: &FunctionRecord, dir: &Path, opts: &ProcessOptions) -> Vec<std::ffi::OsString> {
    let loops = opts.work_dir.join("loops");
    match f.config.runtime {
        Runtime::Python { .. } => {
            vec!["python3".into(), loops.join("python_loop.py").into(), f.config.handler.clone().into()]
        }
        Runtime::Node { .. } => vec!["node".into(), loops.join("node_loop.js").into(), f.config.handler.clone().into()],
        Runtime::Ruby { .. } => vec!["ruby".into(), loops.join("ruby_loop.rb").into(), f.config.handler.clone().into()],
        Runtime::Go => vec![dir.join(&f.config.handler).into()],
        _ => match layers(f, opts) {
            // A bootstrap only a layer has runs from where the process sees the layers.
            Some((real, seen)) if !dir.join("bootstrap").is_file() && real.join("bootstrap").is_file() => {
                vec![seen.join("bootstrap").into()]
            }
            _ => vec![dir.join("bootstrap").into()],
        },
    }
}

/// The command for `f`: inside a bubblewrap sandbox when `opts.sandbox` names the data
/// directory to hide. The sandbox sees the host read-only, a private `/tmp`, its own code
/// read-only, and neither the data directory (other functions' code, state, the key) nor
/// other processes; the network is shared (the Runtime API and Squall are on loopback),
/// unless `bridge` limits it ([`crate::netns`]): then the sandbox has a network of its own
/// and the program runs under the bridge.
fn command(f: &FunctionRecord, dir: &Path, opts: &ProcessOptions, bridge: Option<&Bridge>) -> Command {
    let mut program = program(f, dir, opts);
    let mut cmd = match &opts.sandbox {
        Some(hide) => {
            let loops = opts.work_dir.join("loops");
            let mut c = Command::new("bwrap");
            // The private /tmp holds the function's ephemeral storage, no more.
            let tmp_bytes = (u64::from(f.config.tmp_mb()) << 20).to_string();
            c.args([
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--size",
                &tmp_bytes,
                "--tmpfs",
                "/tmp",
                "--tmpfs",
            ])
            .arg(hide)
            .arg("--ro-bind")
            .args([dir, dir])
            .arg("--ro-bind")
            .args([&loops, &loops]);
            if let Some((real, seen)) = layers(f, opts) {
                c.arg("--ro-bind").arg(real).arg(seen);
            }
            c.args(["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session"]);
            if let (Some(bridge), Some(helper)) = (bridge, &opts.net_bridge) {
                c.args(["--unshare-net", "--bind"]).args([bridge.dir(), bridge.dir()]);
                let mut under = vec![helper.clone().into_os_string()];
                under.extend(bridge.arguments());
                under.append(&mut program);
                program = under;
            }
            c.arg("--chdir").arg(dir).arg("--").args(&program);
            c
        }
        None => {
            let mut c = Command::new(&program[0]);
            c.args(&program[1..]).current_dir(dir);
            c
        }
    };
    cmd.env_clear().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    cmd
}

/// The longest log line kept whole; longer output is cut into lines of this size.
const MAX_LINE: usize = 64 * 1024;

fn forward_lines(
    out: impl AsyncRead + Unpin + Send + 'static,
    stream: LogStream,
    function: String,
    logging: squall_types::LoggingConfig,
    current: Arc<Mutex<(String, String)>>,
    logs: Arc<dyn LogSink>,
) {
    tokio::spawn(async move {
        let emit = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            let message = text.strip_suffix('\r').unwrap_or(&text).to_string();
            if !logging.keeps_application_line(&message) {
                return;
            }
            let (request_id, trace_id) = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
            logs.emit(vec![LogLine {
                seq: 0,
                function: function.clone(),
                ts_ms: wall_ms(),
                request_id,
                trace_id,
                stream,
                message,
            }]);
        };
        // Read raw bytes: output without newlines or in another encoding must neither grow
        // memory without bound nor stop the reading (which would break the function's pipe).
        let mut out = out;
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            let n = match tokio::io::AsyncReadExt::read(&mut out, &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
                emit(&pending[..pos]);
                pending.drain(..=pos);
            }
            while pending.len() >= MAX_LINE {
                emit(&pending[..MAX_LINE]);
                pending.drain(..MAX_LINE);
            }
        }
        if !pending.is_empty() {
            emit(&pending);
        }
    });
}

impl Worker {
    /// Starts a process for `f` with its code in `dir`.
    pub(crate) async fn spawn(
        f: &FunctionRecord,
        dir: &Path,
        opts: &ProcessOptions,
        logs: &Arc<dyn LogSink>,
        provisioned: bool,
        mut memory: Memory,
    ) -> std::io::Result<Worker> {
        // The execution role's session, made for this process; the pool retires the process
        // before it expires.
        let credentials = match &opts.credentials {
            Some(source) => Some(source.credentials(f).map_err(std::io::Error::other)?),
            None => None,
        };
        let (addr, jobs, shared, api) = api::start().await?;
        let bridge = match &f.config.egress {
            Some(grants) => Some(egress_bridge(f, opts, &addr, grants)?),
            None => None,
        };
        let mut cmd = command(f, dir, opts, bridge.as_ref());
        memory.apply(&mut cmd)?;
        cmd.envs(environment(f, dir, &addr, opts, credentials.as_ref()));
        if let Some(b) = &bridge {
            cmd.envs(b.environment());
        }
        if provisioned {
            cmd.env("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency");
        }
        let mut child = cmd.spawn()?;
        let pid = child.id().unwrap_or(0);
        memory.started(pid, false);
        let current = Arc::new(Mutex::new((String::new(), String::new())));
        let name = f.config.name.to_string();
        if let Some(out) = child.stdout.take() {
            let logging = f.config.logging.clone();
            forward_lines(out, LogStream::Stdout, name.clone(), logging, current.clone(), logs.clone());
        }
        if let Some(err) = child.stderr.take() {
            let logging = f.config.logging.clone();
            forward_lines(err, LogStream::Stderr, name, logging, current.clone(), logs.clone());
        }
        Ok(Worker {
            child,
            memory,
            pid,
            jobs,
            shared,
            api,
            current,
            spawned: Instant::now(),
            init: None,
            last_used: Instant::now(),
            credentials_expire_ms: credentials.map(|c| c.expires_ms),
            _bridge: bridge,
        })
    }

    /// Peak resident memory of the function's processes, MiB.
    pub(crate) fn max_memory_mb(&self) -> u64 {
        self.memory.peak_mb()
    }

    /// Waits for the process to finish its init (its first `next`); `Err` says how it
    /// failed instead.
    pub(crate) async fn wait_ready(&mut self) -> Result<(), Ran> {
        if self.init.is_some() {
            return Ok(());
        }
        let ready = self.shared.ready.notified();
        tokio::select! {
            _ = ready => {
                self.init = Some(self.spawned.elapsed());
                self.memory.started(self.pid, true);
                Ok(())
            }
            status = self.child.wait() => Err(self.exited(status)),
            _ = tokio::time::sleep(INIT_TIMEOUT) => {
                let _ = self.child.start_kill();
                Err(Ran::Exited { status: format!("init did not finish within {INIT_TIMEOUT:?}"), init_error: None })
            }
        }
    }

    /// Runs one invocation; `healthy` says whether the process may serve another.
    pub(crate) async fn run(
        &mut self,
        job_of: impl FnOnce(oneshot::Sender<Reply>) -> Job,
        timeout: Duration,
    ) -> (Ran, bool) {
        let (reply_tx, reply_rx) = oneshot::channel();
        let job = job_of(reply_tx);
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = (job.request_id.clone(), job.trace_id.clone());
        if let Err(ran) = self.wait_ready().await {
            return (ran, false);
        }
        if self.jobs.send(job).await.is_err() {
            return (Ran::Exited { status: "the Runtime API stopped".into(), init_error: None }, false);
        }
        let due = tokio::time::Instant::now() + timeout;
        let ran = match self.watch(reply_rx, due).await {
            Watched::Done(r) => match r {
                Ok(Reply::Response(b)) => (Ran::Response(b), true),
                Ok(Reply::Error(t, b)) => (Ran::Error(t, b), true),
                Ok(Reply::Stream { content_type, body, end, done }) => {
                    (Ran::Stream { content_type, body, end, done, deadline: due }, true)
                }
                Err(_) => (Ran::Exited { status: "the invocation was dropped".into(), init_error: None }, false),
            },
            Watched::Stopped(ran) => (ran, false),
        };
        self.last_used = Instant::now();
        ran
    }

    /// Waits for `work`, stopping the process at `due` or past its memory limit, or
    /// noticing it exit: what one invocation's wait and a streamed response's share.
    async fn watch<T>(&mut self, work: impl std::future::Future<Output = T>, due: tokio::time::Instant) -> Watched<T> {
        let deadline = tokio::time::sleep_until(due);
        tokio::pin!(deadline, work);
        // Sampled only without a cgroup; the first check is one period in, when most
        // invocations are over.
        let sampled = self.memory.sampled();
        let mut memory_check = tokio::time::interval_at(tokio::time::Instant::now() + MEMORY_CHECK, MEMORY_CHECK);
        loop {
            tokio::select! {
                r = &mut work => return Watched::Done(r),
                status = self.child.wait() => return Watched::Stopped(self.exited(status)),
                _ = &mut deadline => {
                    let _ = self.child.start_kill();
                    return Watched::Stopped(Ran::Timeout);
                }
                _ = memory_check.tick(), if sampled => {
                    if let Some(used_mb) = self.memory.over_limit() {
                        let _ = self.child.start_kill();
                        return Watched::Stopped(Ran::OutOfMemory { used_mb });
                    }
                }
            }
        }
    }

    /// Waits for a streamed response to end, stopping the process at its deadline or past
    /// its memory; a stream cut short ends with the error in its trailers. `healthy` says
    /// whether the process may serve another invocation.
    pub(crate) async fn finish_stream(
        &mut self,
        done: oneshot::Receiver<()>,
        end: crate::api::StreamEnd,
        deadline: tokio::time::Instant,
        timeout: Duration,
    ) -> (StreamEnded, bool) {
        let (error_type, message) = match self.watch(done, deadline).await {
            Watched::Done(_) => {
                self.last_used = Instant::now();
                return (StreamEnded::Finished, true);
            }
            Watched::Stopped(Ran::Timeout) => {
                ("Sandbox.Timedout", format!("Task timed out after {:.2} seconds", timeout.as_secs_f64()))
            }
            Watched::Stopped(Ran::OutOfMemory { used_mb }) => {
                ("Runtime.OutOfMemory", format!("the process used {used_mb} MB and was stopped"))
            }
            Watched::Stopped(Ran::Exited { status, .. }) => {
                ("Runtime.ExitError", format!("Runtime exited with error: {status}"))
            }
            Watched::Stopped(_) => ("Runtime.ExitError", "the process exited".to_string()),
        };
        let sender = end.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(tx) = sender {
            let doc = serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string();
            let trailers = squall_runtime::error_trailers(error_type, doc.as_bytes());
            let _ = tx.send(Ok(hyper::body::Frame::trailers(trailers))).await;
        }
        self.last_used = Instant::now();
        (StreamEnded::Stopped { message }, false)
    }

    fn out_of_memory(&self) -> Ran {
        Ran::OutOfMemory { used_mb: self.memory.used_at_oom_mb() }
    }

    fn exited(&self, status: std::io::Result<std::process::ExitStatus>) -> Ran {
        if self.memory.oom_killed() {
            return self.out_of_memory();
        }
        let status = match status {
            Ok(s) => s.to_string(),
            Err(e) => format!("unknown ({e})"),
        };
        let init_error = self.shared.init_error.lock().unwrap_or_else(|p| p.into_inner()).take();
        Ran::Exited { status, init_error }
    }
}
