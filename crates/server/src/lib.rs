//! The composition root: opens storage, creates the access key, builds the runtime and the
//! functions service, binds both ports and runs until shutdown.
//!
//! This is the only crate that names concrete backends (`squall-storage-embedded`,
//! `squall-runtime-wasm`); everything below receives trait objects.

mod credentials;

use anyhow::Context;
use squall_clock::Clock;
use squall_functions::{AsyncPolicy, Functions, LogPipe, Stores};
use squall_gateway::{AccessKeys, ApiState, RoutesState};
use squall_runtime::ByKind;
use squall_runtime_process::{ProcessOptions, ProcessRuntime};
use squall_runtime_wasm::{EngineOptions, WasmRuntime};
use squall_storage_embedded::EmbeddedStores;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// How the server is set up (from `squall server`'s flags).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where state lives (`./.squall` by default).
    pub data_dir: PathBuf,
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
    let stores = EmbeddedStores::open(&config.data_dir)
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    let (creds, key_created) = credentials::load_or_create(stores.meta.as_ref()).await?;
    let credentials_file = credentials::write_file(&config.data_dir, &creds)?;

    let api_listener = TcpListener::bind(config.api_addr)
        .await
        .with_context(|| format!("binding the api port {}", config.api_addr))?;
    let http_listener = TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("binding the http port {}", config.http_addr))?;
    let api_addr = api_listener.local_addr()?;

    let log_pipe = LogPipe::start(stores.logs.clone());
    let wasm = WasmRuntime::new(
        &config.data_dir.join("cache").join("wasm"),
        config.engine.clone(),
        &config.region,
        log_pipe.clone(),
    )
    .context("starting the WebAssembly runtime")?;
    // Absolute: processes run with their code directory as the working directory.
    let data_dir =
        std::fs::canonicalize(&config.data_dir).with_context(|| format!("resolving {}", config.data_dir.display()))?;
    let sandbox = match config.process.sandbox {
        Some(_) if squall_runtime_process::sandbox_available() => Some(data_dir.clone()),
        Some(_) => {
            tracing::warn!(
                "bubblewrap (bwrap) is not installed or cannot create namespaces here: Lambda-runtime functions run unsandboxed"
            );
            None
        }
        None => None,
    };
    let process = ProcessRuntime::new(
        ProcessOptions {
            work_dir: data_dir.join("process"),
            sandbox,
            endpoint_url: Some(format!("http://{api_addr}")),
            credentials: Some((creds.access_key_id.clone(), creds.secret_access_key.clone())),
            region: config.region.clone(),
            ..config.process.clone()
        },
        log_pipe.clone(),
    )
    .context("starting the process runtime")?;
    let runtime = Arc::new(ByKind { wasm: Arc::new(wasm), process });
    let service_stores = Stores {
        meta: stores.meta.clone(),
        artifacts: stores.artifacts.clone(),
        logs: stores.logs.clone(),
        queue: stores.queue.clone(),
    };
    let clock = config.clock.clone();
    let functions =
        Arc::new(Functions::open(service_stores, log_pipe, runtime, clock.clone()).await.context("loading functions")?);
    let tables =
        Arc::new(squall_tables::Tables::open(stores.tables.clone(), clock.clone()).await.context("loading tables")?);
    // Each tick examines a bounded page of every TTL table, so a short period stays cheap.
    let ttl_sweeper = tables.start_ttl_sweeper(std::time::Duration::from_secs(2));
    let queues = Arc::new(
        squall_queues::Queues::open(stores.messages.clone(), &config.region, clock.clone())
            .await
            .context("loading queues")?,
    );
    let retention_sweeper = queues.start_sweeper(std::time::Duration::from_secs(1));
    let topics = squall_topics::Topics::open(
        stores.topics.clone(),
        &config.region,
        &format!("http://{api_addr}"),
        queues.clone(),
        functions.clone(),
        clock.clone(),
    )
    .await
    .context("loading topics")?;
    let deliveries = topics.start_deliveries();
    let blobs: Arc<dyn squall_storage::BlobStore> = match &config.blobs {
        Some(remote) => {
            let (bucket, prefix) = squall_storage_remote::RemoteConfig::parse_url(&remote.url)
                .with_context(|| format!("--blobs {:?} is not an s3://bucket[/prefix] URL", remote.url))?;
            let remote = squall_storage_remote::RemoteConfig {
                bucket,
                prefix,
                endpoint: remote.endpoint.clone(),
                region: remote.region.clone(),
                credentials: remote.credentials.clone(),
            };
            Arc::new(squall_storage_remote::RemoteBlobStore::new(&remote).context("configuring the remote blob store")?)
        }
        None => stores.blobs.clone(),
    };
    let objects = squall_objects::Objects::open(stores.objects.clone(), blobs, &config.region, clock.clone())
        .await
        .context("loading buckets")?;
    let destinations = squall_topics::Destinations::new(queues.clone(), topics.clone(), &functions);
    functions.set_destinations(Arc::new(destinations), &config.region);
    // After the destinations are set, so no invocation finishes without them.
    let dispatcher = functions.start_async_dispatcher(config.async_policy.clone());
    let object_events = objects.start_events(Arc::new(ObjectEvents(squall_topics::Destinations::new(
        queues.clone(),
        topics.clone(),
        &functions,
    ))));
    let triggers = squall_triggers::start(
        functions.clone(),
        tables.clone(),
        queues.clone(),
        config.region.clone(),
        config.triggers.clone(),
        clock,
    );

    let started = Started {
        api_addr,
        http_addr: http_listener.local_addr()?,
        credentials_file,
        key_created,
        access_key_id: creds.access_key_id.clone(),
    };

    let api_state = ApiState {
        functions: functions.clone(),
        keys: Arc::new(AccessKeys::new([creds])),
        region: config.region.clone(),
        http_base: format!("http://{}", started.http_addr),
        tables,
        queues,
        topics,
        objects: objects.clone(),
        s3_domain: config.s3_domain.clone(),
        dev: config.dev,
        clock: config.clock.clone(),
    };
    let routes_state =
        RoutesState { functions: functions.clone(), objects: objects.clone(), s3_domain: config.s3_domain.clone() };
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
    tracing::info!(api = %started.api_addr, http = %started.http_addr, data_dir = %config.data_dir.display(), "squall is serving");
    on_start(&started);

    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    let _ = stop_tx.send(true);
    let _ = tokio::join!(api, http);
    // Asynchronous invocations still running are cut short; their leases end with this
    // process and they run again after the next start (at least once).
    dispatcher.abort();
    // A batch being delivered is cut short too; its checkpoint was not saved, so it is
    // delivered again after the next start.
    triggers.abort();
    ttl_sweeper.abort();
    retention_sweeper.abort();
    // HTTP deliveries cut short stay in the outbox and are sent after the next start.
    deliveries.abort();
    // Undelivered object events stay in the outbox and go after the next start.
    object_events.abort();
    functions.flush_logs().await;
    tracing::info!("stopped");
    Ok(())
}

/// Object events go where asynchronous invocation records go: a function (queued
/// invocation), a queue or a topic, by ARN.
struct ObjectEvents(squall_topics::Destinations);

#[async_trait::async_trait]
impl squall_objects::events::EventSink for ObjectEvents {
    async fn deliver(&self, arn: &str, body: String) -> Result<(), String> {
        squall_functions::DestinationSink::deliver(&self.0, arn, body, Vec::new()).await
    }
}
