//! The process runtime: unmodified Lambda functions (`provided.*` bootstraps, Python and
//! Node.js handlers) run as native processes speaking the Lambda Runtime API.
//!
//! - [`package`]: unpacks a function's zip into a read-only code directory and checks it
//!   (bootstrap present, handler file present, interpreter installed).
//! - [`api`]: the Runtime API (`2018-06-01`) each process talks to, one listener per process.
//! - [`worker`]: one process: spawn, feed one invocation at a time, capture its output.
//! - [`pool`]: a function's warm processes and its concurrency limit.
//! - [`limits`]: `memorySize`, by cgroup where one can be made, else by rlimit.
//! - [`event`]: API Gateway HTTP API v2 events from HTTP requests, and responses back.
//! - `loops/`: the runtime interface loops Squall ships for Python, Node.js and Ruby.

mod api;
mod event;
mod event_v1;
mod limits;
mod netns;
mod package;
mod pool;
mod streaming;
mod worker;

use async_trait::async_trait;
use limits::Cgroups;
use pool::Pool;

pub use netns::run_bridge;
pub use package::find_on_path;
use squall_runtime::{CodeSource, Error, FunctionRuntime, Invocation, LogSink, Outcome, Reservations, Result, Servers};
use squall_types::FunctionRecord;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Server-wide settings of the process runtime.
#[derive(Debug, Clone)]
pub struct ProcessOptions {
    /// Where code is unpacked and the shipped loops are written.
    pub work_dir: PathBuf,
    /// Most processes of one function at once (its concurrency limit).
    pub max_concurrency: usize,
    /// How long an invocation may wait for a free process before it is throttled.
    pub throttle_wait: Duration,
    /// Idle processes older than this are stopped.
    pub idle_timeout: Duration,
    /// The region functions see.
    pub region: String,
    /// `AWS_ENDPOINT_URL` for functions: where their SDKs reach Squall.
    pub endpoint_url: Option<String>,
    /// Where each function's execution-role credentials come from (`None`: functions get
    /// none, and their SDKs' calls to Squall are refused).
    pub credentials: Option<Arc<dyn squall_runtime::CredentialSource>>,
    /// Run each process in a bubblewrap sandbox that hides this directory (the data
    /// directory); `None` runs processes unsandboxed.
    pub sandbox: Option<PathBuf>,
    /// Limit each process tree's memory with a cgroup where one can be made (else, or when
    /// false, with `RLIMIT_DATA` and sampling).
    pub memory_cgroups: bool,
    /// A `node_modules` directory Node.js functions find packages in after their own (the
    /// AWS SDK for JavaScript v3, as Lambda's Node.js runtimes include it): `NODE_PATH`.
    pub node_sdk: Option<PathBuf>,
    /// The program that runs `net-bridge` ([`run_bridge`]) inside a sandbox whose egress
    /// is limited (the squall binary); `None`: egress cannot be limited.
    pub net_bridge: Option<PathBuf>,
}

/// Why a function whose egress is limited cannot run here.
pub const EGRESS_NEEDS_SANDBOX: &str = "custom.squall.egress limits a function's network inside the bubblewrap sandbox, which this server does not have (install bubblewrap, and do not pass --no-sandbox)";

/// Where `scripts/setup.sh` installs the AWS SDK for JavaScript v3 for Node.js functions:
/// `$SQUALL_NODE_SDK`, else `$XDG_DATA_HOME/squall/node-sdk/node_modules` (or
/// `~/.local/share/...`). `None` when it is not there.
pub fn node_sdk_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("SQUALL_NODE_SDK") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?
            .join("squall/node-sdk/node_modules"),
    };
    dir.join("@aws-sdk").is_dir().then_some(dir)
}

/// Whether bubblewrap is installed and can create a sandbox here.
pub fn sandbox_available() -> bool {
    std::process::Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--unshare-pid", "--", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs process functions; one [`Pool`] per function version.
pub struct ProcessRuntime {
    opts: Arc<ProcessOptions>,
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    /// The last version evicted per function (`pool::stamp`): late requests for it or an
    /// older one get no new pool.
    evicted: Mutex<HashMap<String, (u64, u64)>>,
    logs: Arc<dyn LogSink>,
    cgroups: Option<Arc<Cgroups>>,
    /// The servers functions' reserved concurrency is shared among.
    servers: Servers,
    /// Functions' reservations, shared by their versions' pools.
    reservations: Reservations,
}

impl ProcessRuntime {
    /// Prepares the work directory (the shipped loops) and starts the idle reaper.
    pub fn new(opts: ProcessOptions, logs: Arc<dyn LogSink>, servers: Servers) -> Result<Arc<Self>> {
        let loops = opts.work_dir.join("loops");
        std::fs::create_dir_all(&loops).map_err(|e| Error::Internal(format!("creating {}: {e}", loops.display())))?;
        for (name, text) in [
            ("python_loop.py", include_str!("loops/python_loop.py")),
            ("node_loop.js", include_str!("loops/node_loop.js")),
            ("ruby_loop.rb", include_str!("loops/ruby_loop.rb")),
        ] {
            std::fs::write(loops.join(name), text).map_err(|e| Error::Internal(format!("writing {name}: {e}")))?;
        }
        let cgroups = if opts.memory_cgroups { Cgroups::detect().map(Arc::new) } else { None };
        match &cgroups {
            Some(c) => tracing::info!(cgroups = ?c, "function memory limited by cgroup"),
            None => tracing::info!("no writable memory cgroup: function memory limited by RLIMIT_DATA and sampling"),
        }
        let rt = Arc::new(ProcessRuntime {
            opts: Arc::new(opts),
            pools: Mutex::new(HashMap::new()),
            evicted: Mutex::new(HashMap::new()),
            logs,
            cgroups,
            servers,
            reservations: Reservations::default(),
        });
        let weak = Arc::downgrade(&rt);
        let tick = rt.opts.idle_timeout.min(Duration::from_secs(10)).max(Duration::from_millis(100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                let Some(rt) = weak.upgrade() else { break };
                let pools: Vec<Arc<Pool>> =
                    rt.pools.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
                for p in pools {
                    p.reap_idle(rt.opts.idle_timeout);
                    if p.provisioned() > 0 {
                        // Replace provisioned processes that died or timed out.
                        tokio::spawn(async move { p.ensure_provisioned().await });
                    }
                }
            }
        });
        Ok(rt)
    }

    /// Layers take `/opt` in the sandbox: it must exist (bubblewrap mounts over it), and
    /// nothing the process needs from the host may be under it.
    fn check_opt_free(&self, function: &FunctionRecord) -> Result<()> {
        let opt = std::path::Path::new("/opt");
        if !opt.is_dir() {
            return Err(Error::InvalidCode(
                "layers are mounted at /opt, which this host does not have (create the empty directory /opt)".into(),
            ));
        }
        let interpreter = package::interpreter(function.config.runtime).and_then(package::find_on_path);
        let needed =
            [Some(self.opts.work_dir.clone()), self.opts.sandbox.clone(), interpreter, self.opts.node_sdk.clone()];
        match needed.into_iter().flatten().find(|p| p.starts_with(opt)) {
            Some(p) => Err(Error::InvalidCode(format!(
                "layers are mounted at /opt, which would hide {} that the function needs from this host: move it out of /opt to use layers",
                p.display()
            ))),
            None => Ok(()),
        }
    }

    /// Whether `function`'s code and layers are unpacked.
    fn unpacked(&self, function: &FunctionRecord) -> bool {
        let work = &self.opts.work_dir;
        package::code_dir(work, &function.code_sha256).exists()
            && package::layers_dir(work, &function.config.layers).is_none_or(|d| d.exists())
    }

    fn pool(&self, function: &FunctionRecord) -> Result<Arc<Pool>> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        let key = function.instance_key();
        let name = key.as_str();
        // A request still holding an older record uses the newer version: it never
        // replaces it, and a deleted version is not brought back.
        let version = pool::stamp(function);
        if let Some(p) = pools.get(name).filter(|p| p.stamp() >= version) {
            return Ok(p.clone());
        }
        let mut gone = self.evicted.lock().unwrap_or_else(|p| p.into_inner());
        if gone.get(name).is_some_and(|&r| version <= r) {
            return Err(Error::Internal(format!("{name} revision {} was replaced or deleted", function.revision)));
        }
        gone.remove(name);
        if !self.unpacked(function) {
            return Err(Error::Internal(format!("the code of {name} is not unpacked")));
        }
        let dir = package::code_dir(&self.opts.work_dir, &function.code_sha256);
        let pool = Arc::new(Pool::new(
            function.clone(),
            dir,
            self.opts.clone(),
            self.logs.clone(),
            self.cgroups.clone(),
            &self.reservations,
            &self.servers,
        ));
        pools.insert(name.to_string(), pool.clone());
        Ok(pool)
    }
}

#[async_trait]
impl FunctionRuntime for ProcessRuntime {
    async fn prepare(&self, function: &FunctionRecord, code: &[u8], layers: &dyn CodeSource) -> Result<()> {
        let work = self.opts.work_dir.clone();
        let (sha, bytes) = (function.code_sha256.clone(), code.to_vec());
        let dir = tokio::task::spawn_blocking(move || package::unpack(&work, &sha, &bytes))
            .await
            .map_err(|e| Error::Internal(format!("unpacking failed: {e}")))??;
        let opt = package::layers_dir(&self.opts.work_dir, &function.config.layers);
        if opt.is_some() && self.opts.sandbox.is_some() {
            self.check_opt_free(function)?;
        }
        if function.config.ephemeral_storage_mb.is_some() && self.opts.sandbox.is_none() {
            // A size that could not be applied must not be accepted.
            return Err(Error::InvalidCode(
                "EphemeralStorage sizes the sandbox's private /tmp, which this server does not have (install bubblewrap, and do not pass --no-sandbox)".into(),
            ));
        }
        if let Some(opt) = opt.clone().filter(|o| !o.exists()) {
            let mut zips = Vec::new();
            for layer in &function.config.layers {
                zips.push((layer.arn.clone(), layers.fetch(&layer.code_sha256).await?));
            }
            tokio::task::spawn_blocking(move || package::unpack_layers(&opt, &zips))
                .await
                .map_err(|e| Error::Internal(format!("unpacking layers failed: {e}")))??;
        }
        if function.config.egress.is_some() && (self.opts.sandbox.is_none() || self.opts.net_bridge.is_none()) {
            // A limit that could not be applied must not be accepted.
            return Err(Error::InvalidCode(EGRESS_NEEDS_SANDBOX.into()));
        }
        package::check(function.config.runtime, &function.config.handler, &dir, opt.as_deref())
    }

    async fn invoke(
        &self,
        function: &FunctionRecord,
        invocation: Invocation,
        code: &dyn CodeSource,
    ) -> Result<Outcome> {
        let pool = match self.pool(function) {
            Ok(p) => p,
            Err(_) if !self.unpacked(function) => {
                // Unpacked code is a cache: a wiped work directory is rebuilt from the artifacts.
                let bytes = code.fetch(&function.code_sha256).await?;
                self.prepare(function, &bytes, code).await?;
                self.pool(function)?
            }
            Err(e) => return Err(e),
        };
        pool.invoke(invocation).await
    }

    fn evict(&self, function: &str) {
        if let Some(old) = self.pools.lock().unwrap_or_else(|p| p.into_inner()).remove(function) {
            self.evicted.lock().unwrap_or_else(|p| p.into_inner()).insert(function.to_string(), old.stamp());
        }
    }

    fn note(&self, runtime: squall_types::Runtime) -> Option<String> {
        package::version_note(runtime)
    }

    fn runtime_version(&self, runtime: squall_types::Runtime) -> Option<String> {
        package::runtime_version(runtime)
    }

    fn ready(&self, function: &FunctionRecord) -> Option<u32> {
        let pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        let pool = pools.get(&function.instance_key()).filter(|p| p.stamp() == pool::stamp(function));
        Some(pool.map_or(0, |p| p.live()))
    }

    fn activate(&self, function: &FunctionRecord) {
        if function.config.provisioned_concurrency == 0 {
            // A pool of an older record of this version may be keeping provisioned
            // processes: it goes (the next invocation starts afresh).
            let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
            if pools
                .get(&function.instance_key())
                .is_some_and(|p| p.stamp() < pool::stamp(function) && p.provisioned() > 0)
            {
                pools.remove(&function.instance_key());
            }
            return;
        }
        // Unpacked code is missing only if the work directory was wiped; the first
        // invocation then rebuilds it and the reaper provisions from there.
        if let Ok(pool) = self.pool(function) {
            tokio::spawn(async move { pool.ensure_provisioned().await });
        }
    }
}
