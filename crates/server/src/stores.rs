//! The stores the services run on: the embedded backend in the data directory, or with
//! `--store postgres://…` PostgreSQL. Either way objects' bytes go to the data directory
//! unless `--blobs` names an S3-compatible store.

use crate::ServerConfig;
use anyhow::Context;
use squall_storage::{ArtifactStore, BlobStore, InvocationQueue, LogStore, MessageStore, MetaStore, TableStore};
use squall_storage_embedded::EmbeddedStores;
use std::sync::Arc;

/// Every store, as the traits the services take.
pub(crate) struct Stores {
    pub(crate) meta: Arc<dyn MetaStore>,
    pub(crate) artifacts: Arc<dyn ArtifactStore>,
    pub(crate) logs: Arc<dyn LogStore>,
    pub(crate) queue: Arc<dyn InvocationQueue>,
    pub(crate) tables: Arc<dyn TableStore>,
    pub(crate) messages: Arc<dyn MessageStore>,
    pub(crate) topics: Arc<dyn TableStore>,
    pub(crate) objects: Arc<dyn TableStore>,
    pub(crate) params: Arc<dyn TableStore>,
    pub(crate) identities: Arc<dyn TableStore>,
    pub(crate) events: Arc<dyn TableStore>,
    pub(crate) scheduler: Arc<dyn TableStore>,
    pub(crate) workflows: Arc<dyn TableStore>,
    pub(crate) layers: Arc<dyn TableStore>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    /// Whether queues of the embedded layout before `queues.db` may need carrying over.
    pub(crate) embedded: bool,
    /// This server among those of the store.
    pub(crate) cluster: squall_lifecycle::Cluster,
}

/// Opens the stores `config` names.
pub(crate) async fn open(config: &ServerConfig) -> anyhow::Result<Stores> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let Some(url) = &config.store else {
        let s = EmbeddedStores::open(&config.data_dir)
            .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
        let blobs: Arc<dyn BlobStore> = match remote_blobs(config)? {
            Some(remote) => remote,
            None => s.blobs,
        };
        return Ok(Stores {
            meta: s.meta,
            artifacts: s.artifacts,
            logs: s.logs,
            queue: s.queue,
            tables: s.tables,
            messages: s.messages,
            topics: s.topics,
            objects: s.objects,
            params: s.params,
            identities: s.identities,
            events: s.events,
            scheduler: s.scheduler,
            workflows: s.workflows,
            layers: s.layers,
            blobs,
            embedded: true,
            cluster: squall_lifecycle::Cluster::single(),
        });
    };
    let pg = squall_storage_postgres::PgStores::connect(url)
        .await
        .with_context(|| format!("connecting to the store {}", squall_storage_postgres::redacted(url)))?;
    let node = node_id(&config.data_dir)?;
    pg.release_invocation_leases(&node).await.context("releasing the leases of asynchronous invocations")?;
    let blobs: Arc<dyn BlobStore> = match remote_blobs(config)? {
        Some(remote) => remote,
        None => Arc::new(
            squall_storage_embedded::FileBlobStore::open(&config.data_dir.join("blobs"))
                .context("opening the blob directory")?,
        ),
    };
    Ok(Stores {
        meta: Arc::new(pg.meta()),
        artifacts: Arc::new(pg.artifacts()),
        logs: Arc::new(pg.logs()),
        queue: Arc::new(pg.invocations(&node)),
        tables: Arc::new(pg.tables("tables")),
        messages: Arc::new(pg.messages()),
        topics: Arc::new(pg.tables("topics")),
        objects: Arc::new(pg.tables("objects")),
        params: Arc::new(pg.tables("params")),
        identities: Arc::new(pg.tables("iam")),
        events: Arc::new(pg.tables("events")),
        scheduler: Arc::new(pg.tables("scheduler")),
        workflows: Arc::new(pg.tables("workflows")),
        layers: Arc::new(pg.tables("layers")),
        blobs,
        embedded: false,
        cluster: squall_lifecycle::Cluster { coordination: Arc::new(pg.coordination()), node, shared: true },
    })
}

/// This server's id among those of its store, kept in `<data-dir>/node-id` so a server
/// starting again on its data directory is the same one (and finds what it had leased).
fn node_id(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        Ok(_) => anyhow::bail!("{} is empty: remove it to have a new id made", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let id = squall_types::RequestId::new().to_string();
            std::fs::write(&path, &id).with_context(|| format!("writing {}", path.display()))?;
            Ok(id)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// `--blobs`' S3-compatible store, when given.
fn remote_blobs(config: &ServerConfig) -> anyhow::Result<Option<Arc<dyn BlobStore>>> {
    let Some(remote) = &config.blobs else { return Ok(None) };
    let (bucket, prefix) = squall_storage_remote::RemoteConfig::parse_url(&remote.url)
        .with_context(|| format!("--blobs {:?} is not an s3://bucket[/prefix] URL", remote.url))?;
    let remote = squall_storage_remote::RemoteConfig {
        bucket,
        prefix,
        endpoint: remote.endpoint.clone(),
        region: remote.region.clone(),
        credentials: remote.credentials.clone(),
    };
    Ok(Some(Arc::new(
        squall_storage_remote::RemoteBlobStore::new(&remote).context("configuring the remote blob store")?,
    )))
}
