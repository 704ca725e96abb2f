//! Single-function operations, as Lambda's API offers them.

use crate::{DOMAIN, Error, Functions, Result, service_routes};
use sha2::{Digest, Sha256};
use squall_storage::Expect;
use squall_types::{FunctionConfig, FunctionRecord, Runtime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Changes to a function's configuration; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct ConfigPatch {
    /// New runtime.
    pub runtime: Option<Runtime>,
    /// New handler.
    pub handler: Option<String>,
    /// New memory limit, MiB.
    pub memory_mb: Option<u32>,
    /// New timeout, seconds.
    pub timeout_s: Option<u32>,
    /// New environment (replaces the whole map, as Lambda does).
    pub environment: Option<BTreeMap<String, String>>,
    /// New description.
    pub description: Option<String>,
    /// New reserved concurrency: `Some(None)` removes the reservation.
    pub reserved_concurrency: Option<Option<u32>>,
    /// New asynchronous invocation settings (replace the whole set).
    pub async_invoke: Option<squall_types::AsyncInvokeConfig>,
    /// New resource policy statements (replace the whole set).
    pub permissions: Option<BTreeMap<String, String>>,
    /// New tags (replace the whole set).
    pub tags: Option<BTreeMap<String, String>>,
    /// New layers (replace the list; [`Functions::function_layers`] makes it from ARNs).
    pub layers: Option<Vec<squall_types::FunctionLayer>>,
    /// New event source mappings (replace the list).
    pub event_sources: Option<Vec<squall_types::EventSourceMapping>>,
    /// New `TracingConfig.Mode` (`true`: `Active`).
    pub tracing_active: Option<bool>,
    /// New `EphemeralStorage.Size`, MB.
    pub ephemeral_storage_mb: Option<u32>,
    /// New `LoggingConfig` (replaces the whole setting).
    pub logging: Option<squall_types::LoggingConfig>,
    /// New recursive loop detection (`true`: `Allow`).
    pub recursive_loop_allowed: Option<bool>,
    /// New runtime management setting; with `FunctionUpdate` the version installed now is
    /// what the function is held to.
    pub runtime_updates: Option<squall_types::RuntimeUpdates>,
    /// Apply only if the function is still at this revision (Lambda's `RevisionId`).
    pub if_revision: Option<u64>,
}

pub(crate) fn check_revision(current: &FunctionRecord, expected: Option<u64>) -> Result<()> {
    match expected {
        Some(r) if r != current.revision => Err(Error::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Functions {
    /// Creates a function from its configuration and code.
    pub async fn create_function(&self, config: FunctionConfig, code: Vec<u8>) -> Result<Arc<FunctionRecord>> {
        config.validate().map_err(Error::InvalidRequest)?;
        let _w = self.writes.lock().await;
        let name = config.name.to_string();
        if self.function(&name).is_some() {
            return Err(Error::Conflict(format!("Function already exist: {name}")));
        }
        let sha = sha256_hex(&code);
        let record = FunctionRecord {
            config,
            code_sha256: sha.clone(),
            code_size: code.len() as u64,
            revision: 1,
            last_modified_ms: self.clock.now_ms(),
            version: None,
            versions: squall_types::Versions::default(),
            runtime_stamp: None,
        };
        self.runtime.prepare(&record, &code, &self.code_source()).await?;
        self.artifacts.put(&sha, code).await?;
        self.meta.put_function(&record, Expect::Absent).await?;
        let record = Arc::new(record);
        self.state_mut().functions.insert(name, record.clone());
        self.runtime.activate(&record);
        self.cluster.changed(DOMAIN).await;
        Ok(record)
    }

    /// The function, or `NotFound`.
    pub fn get_function(&self, name: &str) -> Result<Arc<FunctionRecord>> {
        self.function(name).ok_or_else(|| Error::NotFound { kind: "Function", name: name.to_string() })
    }

    /// Every function, by name.
    pub fn list_functions(&self) -> Vec<Arc<FunctionRecord>> {
        let mut v: Vec<_> = self.state().functions.values().cloned().collect();
        v.sort_by(|a, b| a.config.name.cmp(&b.config.name));
        v
    }

    /// The code of a function.
    pub async fn function_code(&self, name: &str) -> Result<Vec<u8>> {
        let f = self.get_function(name)?;
        self.artifacts
            .get(&f.code_sha256)
            .await?
            .ok_or_else(|| Error::Runtime(format!("the code of {name} is missing from the artifact store")))
    }

    /// The code of version `n` (a number) of a function.
    pub async fn version_code(&self, name: &str, n: &str) -> Result<Vec<u8>> {
        let f = self.resolve(name, Some(n), 1.0)?;
        self.artifacts
            .get(&f.code_sha256)
            .await?
            .ok_or_else(|| Error::Runtime(format!("the code of {name}:{n} is missing from the artifact store")))
    }

    /// Replaces a function's code.
    pub async fn update_code(
        &self,
        name: &str,
        code: Vec<u8>,
        if_revision: Option<u64>,
    ) -> Result<Arc<FunctionRecord>> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        check_revision(&current, if_revision)?;
        let mut next = (*current).clone();
        next.code_sha256 = sha256_hex(&code);
        next.code_size = code.len() as u64;
        self.replace(&current, next, Some(code)).await
    }

    /// Changes a function's configuration.
    pub async fn update_config(&self, name: &str, patch: ConfigPatch) -> Result<Arc<FunctionRecord>> {
        self.modify_config(name, |_| Ok(patch)).await
    }

    /// [`Functions::update_config`] with the patch made from the function as it is under the
    /// write lock, so changes computed from its settings (a statement added to its policy,
    /// a tag removed) are not lost to a concurrent one.
    pub async fn modify_config(
        &self,
        name: &str,
        make: impl FnOnce(&FunctionRecord) -> Result<ConfigPatch>,
    ) -> Result<Arc<FunctionRecord>> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        let patch = make(&current)?;
        check_revision(&current, patch.if_revision)?;
        let mut next = (*current).clone();
        let c = &mut next.config;
        if let Some(r) = patch.runtime {
            c.runtime = r;
        }
        if let Some(h) = patch.handler {
            c.handler = h;
        }
        if let Some(m) = patch.memory_mb {
            c.memory_mb = m;
        }
        if let Some(t) = patch.timeout_s {
            c.timeout_s = t;
        }
        if let Some(e) = patch.environment {
            c.environment = e;
        }
        if let Some(d) = patch.description {
            c.description = d;
        }
        if let Some(r) = patch.reserved_concurrency {
            c.reserved_concurrency = r;
        }
        if let Some(a) = patch.async_invoke {
            c.async_invoke = a;
        }
        if let Some(p) = patch.permissions {
            c.permissions = p;
        }
        if let Some(t) = patch.tags {
            c.tags = t;
        }
        if let Some(l) = patch.layers {
            c.layers = l;
        }
        if let Some(e) = patch.event_sources {
            c.event_sources = e;
        }
        if let Some(t) = patch.tracing_active {
            c.tracing_active = t;
        }
        if let Some(size) = patch.ephemeral_storage_mb {
            c.ephemeral_storage_mb = Some(size);
        }
        if let Some(l) = patch.logging {
            c.logging = l;
        }
        if let Some(r) = patch.recursive_loop_allowed {
            c.recursive_loop_allowed = r;
        }
        if let Some(r) = patch.runtime_updates {
            c.runtime_updates = r;
        }
        c.validate().map_err(Error::InvalidRequest)?;
        // A new runtime, handler or layers must be able to run with the stored code before
        // they go live.
        let old = &current.config;
        let code = if c.runtime != old.runtime
            || c.handler != old.handler
            || c.layers != old.layers
            || c.ephemeral_storage_mb != old.ephemeral_storage_mb
        {
            Some(
                self.artifacts
                    .get(&current.code_sha256)
                    .await?
                    .ok_or_else(|| Error::Runtime(format!("the code of {name} is missing from the artifact store")))?,
            )
        } else {
            None
        };
        self.replace(&current, next, code).await
    }

    /// Writes `next` over `current` (bumping the revision), preparing new code first.
    pub(crate) async fn replace(
        &self,
        current: &FunctionRecord,
        mut next: FunctionRecord,
        code: Option<Vec<u8>>,
    ) -> Result<Arc<FunctionRecord>> {
        next.revision = current.revision + 1;
        next.last_modified_ms = self.clock.now_ms();
        next.keep_runtime_stamp_of(current);
        let runs_anew = next.runtime_stamp.is_none();
        // Held to the runtime installed when its code or what it runs with last changed (or
        // when it was set so): this one. A change of its URL, tags or the like is no update.
        use squall_types::UpdateRuntimeOn::FunctionUpdate;
        let newly = current.config.runtime_updates.on != FunctionUpdate;
        if next.config.runtime_updates.on == FunctionUpdate && (runs_anew || newly) {
            next.config.runtime_updates.held_to = self.runtime.runtime_version(next.config.runtime);
        }
        if let Some(code) = code {
            self.runtime.prepare(&next, &code, &self.code_source()).await?;
            self.artifacts.put(&next.code_sha256, code).await?;
        }
        self.meta.put_function(&next, Expect::Revision(current.revision)).await?;
        let name = next.config.name.to_string();
        if runs_anew {
            self.runtime.evict(&name);
        }
        let next = Arc::new(next);
        self.state_mut().functions.insert(name, next.clone());
        self.runtime.activate(&next);
        self.activate_versions(&next);
        self.cluster.changed(DOMAIN).await;
        Ok(next)
    }

    /// Deletes a function (and its routes, if a service deployed it) and its logs.
    pub async fn delete_function(&self, name: &str) -> Result<()> {
        let _w = self.writes.lock().await;
        let Some(deleted) = self.meta.delete_function(name).await? else {
            return Err(Error::NotFound { kind: "Function", name: name.to_string() });
        };
        // Committed: memory follows at once; what comes after is cleanup, best effort.
        self.state_mut().functions.remove(name);
        self.version_records.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        for key in deleted.instance_keys() {
            self.runtime.evict(&key);
        }
        self.cluster.changed(DOMAIN).await;
        if let Some(s) = &deleted.config.service {
            match self.meta.get_service(s.as_str()).await {
                Ok(Some(svc)) => {
                    self.state_mut().services.insert(svc.name.to_string(), Arc::new(service_routes(svc)));
                }
                Ok(None) => {}
                Err(e) => tracing::error!(function = name, error = %e, "reloading the service's routes failed"),
            }
        }
        if let Err(e) = self.forget(name).await {
            tracing::warn!(function = name, error = %e, "deleting the function's logs failed");
        }
        Ok(())
    }

    /// What goes with a deleted function besides its record: its logs, its kept failures
    /// and its counts (a function made again by that name starts afresh).
    pub(crate) async fn forget(&self, name: &str) -> Result<()> {
        self.forget_stats(name);
        self.forget_failures(name).await;
        Ok(self.logs.delete_function(name).await?)
    }

    /// Whether an artifact is stored.
    pub async fn has_artifact(&self, sha256: &str) -> Result<bool> {
        if !squall_storage::sha256_hex_is_valid(sha256) {
            return Err(Error::InvalidRequest(format!("{sha256:?} is not a lower-case hex SHA-256")));
        }
        Ok(self.artifacts.contains(sha256).await?)
    }

    /// Stores an artifact under its digest; refuses bytes that do not match it.
    pub async fn put_artifact(&self, sha256: &str, bytes: Vec<u8>) -> Result<()> {
        if !squall_storage::sha256_hex_is_valid(sha256) {
            return Err(Error::InvalidRequest(format!("{sha256:?} is not a lower-case hex SHA-256")));
        }
        match self.artifacts.put(sha256, bytes).await {
            Err(squall_storage::Error::DigestMismatch { expected, actual }) => {
                Err(Error::InvalidRequest(format!("the upload's SHA-256 is {actual}, not {expected}")))
            }
            other => Ok(other?),
        }
    }
}
