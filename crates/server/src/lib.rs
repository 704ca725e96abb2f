//! The composition root: opens storage, creates the access key, builds the runtimes
//! (`runtimes`), opens the services (`services`), starts them in order, binds both ports
//! and runs until shutdown, then stops the services in reverse.
//!
//! This is the only crate that names concrete backends (`squall-storage-embedded`,
//! `squall-storage-postgres`, `squall-runtime-wasm`); everything below receives trait
//! objects (`stores`).

mod api_destinations;
mod credentials;
mod destinations;
mod event_targets;
mod keys;
mod oauth_tokens;
mod object_keys;
mod roles;
mod runtimes;
mod schedule_targets;
mod services;
mod state_machine_targets;
mod stores;
mod workflow_tasks;

use anyhow::Context;
use squall_clock::Clock;
use squall_functions::{AsyncPolicy, LogPipe};
use squall_gateway::{AccessKeys, ApiState, RoutesState};
use squall_lifecycle::Running;
use squall_runtime_process::ProcessOptions;
use squall_runtime_wasm::EngineOptions;
pub use squall_storage_postgres::redacted;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How the server is set up (from `squall server`'s flags).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where state lives (`./.squall` by default): everything on the embedded backend; with
    /// `store`, the credentials file, objects' bytes (unless `blobs`) and local caches.
    pub data_dir: PathBuf,
    /// `--store`: a PostgreSQL URL to keep state in instead of the data directory.
    pub store: Option<String>,
    /// The api port's address (AWS APIs and the control plane).
    pub api_addr: SocketAddr,
    /// The http port's address (deployed routes).
    pub http_addr: SocketAddr,
    /// The region reported in ARNs.
    pub region: String,
    /// An S3-compatible bucket for objects' bytes, instead of the data directory.
    pub blobs: Option<RemoteBlobs>,
    /// A domain whose subdomains name buckets (`<bucket>.<domain>` on the api port,
    /// `<bucket>.s3-website.<domain>` on the http port), besides `localhost`.
    pub s3_domain: Option<String>,
    /// WebAssembly engine limits.
    pub engine: EngineOptions,
    /// Process runtime limits (`work_dir`, `endpoint_url`, `credentials` and `region` are
    /// filled in by [`run`]; `sandbox: Some(_)` asks for the sandbox, which [`run`] points
    /// at the data directory when bubblewrap works here).
    pub process: ProcessOptions,
    /// How asynchronous invocations are retried.
    pub async_policy: AsyncPolicy,
    /// How event source mappings retry failed batches.
    pub triggers: squall_triggers::TriggerPolicy,
    /// `--dev`: the control plane serves the reset and clock endpoints.
    pub dev: bool,
    /// The platform clock every service and worker reads (`Clock::system()`; a dev server
    /// may pass `Clock::offset()` so tests can move time forward).
    pub clock: Clock,
}

/// Where `--blobs` puts objects' bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteBlobs {
    /// `s3://bucket[/prefix]`.
    pub url: String,
    /// The store's endpoint (`None`: AWS's own for the region).
    pub endpoint: Option<String>,
    /// The region to sign for.
    pub region: String,
    /// Access key id and secret.
    pub credentials: (String, String),
}

/// What a started server tells its caller.
#[derive(Debug, Clone)]
pub struct Started {
    /// The bound api address (useful with port 0).
    pub api_addr: SocketAddr,
    /// The bound http address.
    pub http_addr: SocketAddr,
    /// The credentials file.
    pub credentials_file: PathBuf,
    /// Whether the access key was created by this start.
    pub key_created: bool,
    /// The access key id.
    pub access_key_id: String,
}

/// Runs the server until `shutdown` completes; `on_start` is called once both ports listen.
pub async fn run(
    config: ServerConfig,
    on_start: impl FnOnce(&Started),
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let stores = stores::open(&config).await?;
    let (creds, key_created) = credentials::load_or_create(stores.meta.as_ref()).await?;
    let credentials_file = credentials::write_file(&config.data_dir, &creds)?;
    let bind = |addr: SocketAddr, port: &'static str| async move {
        TcpListener::bind(addr).await.with_context(|| format!("binding the {port} port {addr}"))
    };
    let (api_listener, http_listener) = (bind(config.api_addr, "api").await?, bind(config.http_addr, "http").await?);
    let started = Started {
        api_addr: api_listener.local_addr()?,
        http_addr: http_listener.local_addr()?,
        credentials_file,
        key_created,
        access_key_id: creds.access_key_id.clone(),
    };

    let log_pipe = LogPipe::start(stores.logs.clone());
    // Functions' reserved concurrency is shared out among the servers of the store, counted
    // by the membership service (first to start, last to stop).
    let servers = squall_runtime::Servers::default();
    let roles = Arc::new(roles::FunctionRoles::default());
    let runtime = runtimes::build(&config, roles.clone(), started.api_addr, log_pipe.clone(), servers.clone())?;
    let services = services::Services::open(&config, &stores, runtime, log_pipe, started.api_addr).await?;
    roles.serve_from(services.identities.clone(), config.clock.clone());
    let membership = squall_lifecycle::Membership::new(stores.cluster.clone(), move |n| servers.set(n));
    let mut in_order: Vec<Arc<dyn squall_lifecycle::Service>> = vec![Arc::new(membership)];
    in_order.extend(services.in_start_order());
    let api_state = ApiState {
        functions: services.functions.clone(),
        keys: Arc::new(AccessKeys::new([creds], Some(services.identities.clone()))),
        identities: services.identities.clone(),
        resource_policies: Default::default(),
        region: config.region.clone(),
        http_base: format!("http://{}", started.http_addr),
        tables: services.tables.clone(),
        queues: services.queues.clone(),
        topics: services.topics.clone(),
        objects: services.objects.clone(),
        params: services.params.clone(),
        events: services.events.clone(),
        scheduler: services.scheduler.clone(),
        workflows: services.workflows.clone(),
        s3_domain: config.s3_domain.clone(),
        dev: config.dev,
        clock: config.clock.clone(),
    };
    let _ = services.workflow_tasks.api.set(api_state.clone());
    let running = Running::start(in_order);

    let routes_state = RoutesState {
        functions: services.functions.clone(),
        objects: services.objects.clone(),
        s3_domain: config.s3_domain.clone(),
        throttles: Arc::new(squall_gateway::Throttles::new(config.clock.clone())),
        region: config.region.clone(),
        api: api_state.clone(),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let api = tokio::spawn(squall_gateway::serve(
        api_listener,
        move |req| squall_gateway::api::handle(api_state.clone(), req),
        stopped(stop_rx.clone()),
    ));
    let http = tokio::spawn(squall_gateway::serve(
        http_listener,
        move |req| squall_gateway::routes::handle(routes_state.clone(), req),
        stopped(stop_rx),
    ));
    tracing::info!(api = %started.api_addr, http = %started.http_addr, data_dir = %config.data_dir.display(), services = ?running.names(), "squall is serving");
    on_start(&started);

    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    let _ = stop_tx.send(true);
    let _ = tokio::join!(api, http);
    // Then the services, last started first; work they cut short is still in storage and
    // runs again after the next start.
    running.stop().await;
    tracing::info!("stopped");
    Ok(())
}
