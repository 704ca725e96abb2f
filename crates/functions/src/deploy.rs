//! Deploying a service: reconcile its functions and routes to a plan, all or nothing.
//!
//! Order: validate the plan, check every artifact is uploaded, prepare (compile) every new
//! or changed version, then commit one storage transaction and swap the in-memory state.
//! A failure before the commit changes nothing: the previous version keeps serving.

use crate::{DOMAIN, Error, Functions, Result, service_routes};
use serde::{Deserialize, Serialize};
use squall_storage::DeploymentChange;
use squall_types::{ApiKey, Cors, FunctionConfig, FunctionRecord, RouteSpec, ServiceName, ServiceRecord};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What a service should look like after a deploy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentPlan {
    /// The deployment's name: `<service>-<stage>` with a stage.
    pub service: ServiceName,
    /// The stage, when the service is deployed to one (`name` ends with `-<stage>`).
    #[serde(default)]
    pub stage: Option<String>,
    /// `provider.httpApi.cors`.
    pub cors: Option<Cors>,
    /// Every function of the service.
    pub functions: Vec<PlannedFunction>,
    /// The REST API's keys; one without a value keeps the value it had, or gets a new one.
    #[serde(default)]
    pub api_keys: Vec<PlannedApiKey>,
    /// `provider.apiGateway.binaryMediaTypes`.
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    /// The stack's outputs.
    #[serde(default)]
    pub outputs: std::collections::BTreeMap<String, String>,
    /// How the REST API's own errors look.
    #[serde(default)]
    pub gateway_responses: Vec<squall_types::GatewayResponse>,
    /// Resource policies the service declares (recorded, not enforced yet).
    #[serde(default)]
    pub resource_policies: Vec<squall_types::ResourcePolicy>,
    /// Routes no function serves: state machines' REST routes, which start an execution.
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
}

/// An API key of a plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedApiKey {
    /// Its name.
    pub name: String,
    /// Its value, when serverless.yml gives one.
    #[serde(default)]
    pub value: Option<String>,
    /// Its usage plan's throttle.
    #[serde(default)]
    pub throttle: Option<squall_types::Throttle>,
}

/// One function of a plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannedFunction {
    /// Its configuration (`service` is set from the plan).
    pub config: FunctionConfig,
    /// The uploaded artifact holding its code.
    pub code_sha256: String,
    /// Its HTTP routes (their `function` is set from `config`).
    pub routes: Vec<RouteSpec>,
    /// Whether a deploy that creates or changes it publishes a version of it.
    #[serde(default)]
    pub publish: bool,
    /// Its declared function URL.
    #[serde(default)]
    pub url: Option<squall_types::DeclaredUrl>,
}

/// What a deploy did to one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// New function.
    Created,
    /// New code or configuration.
    Updated,
    /// Nothing to do.
    Unchanged,
    /// No longer in the plan; deleted.
    Removed,
}

/// One line of a deploy report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The function's full name.
    pub function: String,
    /// What happened to it.
    pub action: Action,
}

/// The outcome of a deploy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeployReport {
    /// The service.
    pub service: ServiceName,
    /// Per function, in plan order, then removals.
    pub changes: Vec<Change>,
    /// The service's routes after the deploy, as route keys.
    pub routes: Vec<String>,
    /// Where its routes answer on the http port (`/hello/dev`).
    #[serde(default)]
    pub base_path: String,
    /// Its API keys after the deploy.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// What the user should know about how its functions run here.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The stack's outputs after the deploy.
    #[serde(default)]
    pub outputs: std::collections::BTreeMap<String, String>,
    /// The function URLs the deployment declares: function name and URL id.
    #[serde(default)]
    pub urls: Vec<(String, String)>,
}

/// The `$LATEST` URL a deployment declared on `f`, if any.
fn declared_url(f: &FunctionRecord) -> Option<squall_types::DeclaredUrl> {
    f.versions.urls.get(squall_types::LATEST).filter(|u| u.declared).map(|u| squall_types::DeclaredUrl {
        cors: u.cors.clone(),
        iam: u.auth == squall_types::UrlAuth::AwsIam,
        streaming: u.streaming,
    })
}

/// Makes `record`'s `$LATEST` URL what the deployment declares: made (keeping its id when it
/// has one), changed, or removed when a deployment had declared it and no longer does.
fn apply_declared_url(record: &mut FunctionRecord, declared: Option<&squall_types::DeclaredUrl>, now_ms: u64) {
    let urls = &mut record.versions.urls;
    let auth_of = |d: &squall_types::DeclaredUrl| {
        if d.iam { squall_types::UrlAuth::AwsIam } else { squall_types::UrlAuth::None }
    };
    match (declared, urls.get_mut(squall_types::LATEST)) {
        (Some(d), Some(url)) => {
            if !url.declared || url.cors != d.cors || url.auth != auth_of(d) || url.streaming != d.streaming {
                url.modified_ms = now_ms;
            }
            url.cors.clone_from(&d.cors);
            url.auth = auth_of(d);
            url.streaming = d.streaming;
            url.declared = true;
        }
        (Some(d), None) => {
            let url = squall_types::FunctionUrl {
                id: crate::urls::new_url_id(),
                auth: auth_of(d),
                cors: d.cors.clone(),
                created_ms: now_ms,
                modified_ms: now_ms,
                declared: true,
                streaming: d.streaming,
            };
            urls.insert(squall_types::LATEST.to_string(), url);
        }
        (None, Some(url)) if url.declared => {
            urls.remove(squall_types::LATEST);
        }
        (None, _) => {}
    }
}

/// The statements of a declared resource policy, by statement id (its logical id).
fn statements_of(declared: &squall_types::ResourcePolicy) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&declared.document).unwrap_or_default();
    let list = doc["Statement"].as_array().cloned().unwrap_or_default();
    list.into_iter().map(|s| (s["Sid"].as_str().unwrap_or(&declared.logical_id).to_string(), s.to_string())).collect()
}

impl Functions {
    /// Reconciles a service to `plan`. Idempotent: deploying the same plan twice changes
    /// nothing the second time.
    pub async fn deploy(&self, plan: DeploymentPlan) -> Result<DeployReport> {
        let _w = self.writes.lock().await;
        let service = plan.service.clone();
        let mut planned = self.validate(&plan)?;
        let previous = self.meta.get_service(service.as_str()).await?;
        // A function's statements: those added through Lambda's API, which are not the
        // manifest's to remove, and the manifest's `AWS::Lambda::Permission`s (by logical
        // id), which replace those of the previous deploy.
        let declared_before: HashSet<&str> =
            previous.iter().flat_map(|s| &s.resource_policies).map(|p| p.logical_id.as_str()).collect();
        for p in &mut planned {
            let mut permissions = self.function(p.config.name.as_str()).map(|c| c.config.permissions.clone());
            let permissions = permissions.get_or_insert_with(Default::default);
            permissions.retain(|sid, _| !declared_before.contains(sid.as_str()));
            let suffix = format!(":function:{}", p.config.name.as_str());
            for declared in plan.resource_policies.iter().filter(|r| r.resource.ends_with(&suffix)) {
                permissions.extend(statements_of(declared));
            }
            p.config.permissions = std::mem::take(permissions);
            // Mappings made through Lambda's API are not the deployment's to remove; its
            // own keep their ids across deploys.
            if self.cluster.shared && p.config.event_sources.iter().any(|m| m.maximum_concurrency.is_some()) {
                return Err(Error::InvalidRequest(format!(
                    "function {}: an sqs event's maximumConcurrency is not supported on servers sharing a store: each runs its own poller of the queue",
                    p.config.name
                )));
            }
            let current = self.function(p.config.name.as_str());
            // Settings only Lambda's API makes outlive deploys, as its mappings do.
            if let Some(c) = &current {
                p.config.recursive_loop_allowed = c.config.recursive_loop_allowed;
                p.config.runtime_updates = c.config.runtime_updates.clone();
            }
            let before: Vec<&squall_types::EventSourceMapping> =
                current.iter().flat_map(|c| &c.config.event_sources).collect();
            let mut seen: HashMap<squall_types::EventSource, usize> = HashMap::new();
            for m in &mut p.config.event_sources {
                let nth = seen.entry(m.source.clone()).or_default();
                m.uuid = squall_types::EventSourceMapping::declared_uuid(p.config.name.as_str(), &m.source, *nth);
                // A mapping made through the API of the same source becomes the declared
                // one, keeping its id (and its checkpoint's place).
                if *nth == 0
                    && let Some(made) = before.iter().find(|o| o.from_api && o.source == m.source)
                {
                    m.uuid = made.uuid.clone();
                }
                *nth += 1;
                m.from_api = false;
                // Unchanged, it keeps its time (and the function stays unchanged).
                m.last_modified_ms = self.clock.now_ms();
                if let Some(old) = before.iter().find(|o| o.uuid == m.uuid) {
                    let mut same = m.clone();
                    same.last_modified_ms = old.last_modified_ms;
                    if &same == *old {
                        m.last_modified_ms = old.last_modified_ms;
                    }
                }
            }
            for m in current.iter().flat_map(|c| &c.config.event_sources).filter(|m| m.from_api) {
                if !p.config.event_sources.iter().any(|d| d.source == m.source || d.uuid == m.uuid) {
                    p.config.event_sources.push(m.clone());
                }
            }
            // The plan names layer versions by ARN; their code is looked up here.
            let arns: Vec<String> = p.config.layers.iter().map(|l| l.arn.clone()).collect();
            p.config.layers = self
                .function_layers(&arns)
                .await
                .map_err(|e| Error::InvalidRequest(format!("function {}: {e}", p.config.name)))?;
        }

        let missing = self.missing_artifacts(&planned).await?;
        if !missing.is_empty() {
            return Err(Error::MissingArtifacts(missing));
        }

        let mut changes = Vec::new();
        let mut upsert = Vec::new();
        for p in &planned {
            let name = p.config.name.to_string();
            let current = self.function(&name);
            // What runs, besides which alias routes go through (a canary deploy's switch, not
            // a new version of the function).
            let same_runs = current.as_ref().is_some_and(|c| {
                let routed_alike = FunctionConfig { serve_through: p.config.serve_through.clone(), ..c.config.clone() };
                routed_alike == p.config && c.code_sha256 == p.code_sha256
            });
            let same_code =
                same_runs && current.as_ref().is_some_and(|c| c.config.serve_through == p.config.serve_through);
            let action = match &current {
                None => Action::Created,
                Some(c) if same_code && declared_url(c).as_ref() == p.url.as_ref() => Action::Unchanged,
                Some(_) => Action::Updated,
            };
            if action != Action::Unchanged {
                let code = self
                    .artifacts
                    .get(&p.code_sha256)
                    .await?
                    .ok_or_else(|| Error::MissingArtifacts(vec![p.code_sha256.clone()]))?;
                let mut record = FunctionRecord {
                    config: p.config.clone(),
                    code_sha256: p.code_sha256.clone(),
                    code_size: code.len() as u64,
                    revision: current.as_ref().map_or(1, |c| c.revision + 1),
                    last_modified_ms: self.clock.now_ms(),
                    version: None,
                    // Published versions and aliases outlive deploys.
                    // As stored, not as this server last saw them: another server may have
                    // published a version or made an alias moments ago.
                    versions: self.meta.get_function(&name).await?.map(|c| c.versions).unwrap_or_default(),
                    runtime_stamp: None,
                };
                if let Some(c) = &current {
                    // A deploy that changed only its mappings or policy keeps it warm.
                    record.keep_runtime_stamp_of(c);
                }
                if p.publish && !same_runs {
                    crate::versions::publish_into(&mut record, None, self.clock.now_ms());
                }
                apply_declared_url(&mut record, p.url.as_ref(), self.clock.now_ms());
                self.runtime.prepare(&record, &code, &self.code_source()).await.map_err(|e| match Error::from(e) {
                    Error::InvalidCode(m) => Error::InvalidCode(format!("function {name}: {m}")),
                    other => other,
                })?;
                upsert.push(record);
            }
            changes.push(Change { function: name, action });
        }
        let keep: HashSet<&str> = planned.iter().map(|p| p.config.name.as_str()).collect();
        let delete: Vec<String> = previous
            .iter()
            .flat_map(|s| s.functions.iter())
            .filter(|f| !keep.contains(f.as_str()))
            .map(|f| f.to_string())
            .collect();
        changes.extend(delete.iter().map(|f| Change { function: f.clone(), action: Action::Removed }));

        let routes: Vec<RouteSpec> =
            planned.iter().flat_map(|p| p.routes.iter().cloned()).chain(plan.routes.iter().cloned()).collect();
        let api_keys = plan
            .api_keys
            .iter()
            .map(|k| {
                let kept = previous.iter().flat_map(|p| &p.api_keys).find(|old| old.name == k.name);
                let value = k.value.clone().or_else(|| kept.map(|old| old.value.clone())).unwrap_or_else(new_api_key);
                ApiKey { name: k.name.clone(), value, throttle: k.throttle }
            })
            .collect();
        let mut record = ServiceRecord {
            name: service.clone(),
            routes,
            cors: plan.cors.clone(),
            functions: planned.iter().map(|p| p.config.name.clone()).collect(),
            deployed_at_ms: self.clock.now_ms(),
            stage: plan.stage.clone(),
            api_keys,
            binary_media_types: plan.binary_media_types.clone(),
            outputs: plan.outputs.clone(),
            gateway_responses: plan.gateway_responses.clone(),
            resource_policies: plan.resource_policies.clone(),
        };
        // One line per runtime, naming its functions.
        let mut notes: Vec<(String, Vec<&str>)> = Vec::new();
        for p in &planned {
            if let Some(note) = self.runtime.note(p.config.runtime) {
                match notes.iter_mut().find(|(n, _)| *n == note) {
                    Some((_, names)) => names.push(p.config.name.as_str()),
                    None => notes.push((note, vec![p.config.name.as_str()])),
                }
            }
        }
        let warnings: Vec<String> = notes.iter().map(|(n, names)| format!("{n} ({})", names.join(", "))).collect();
        let urls: Vec<(String, String)> = planned
            .iter()
            .filter(|p| p.url.is_some())
            .filter_map(|p| {
                let name = p.config.name.as_str();
                let upserted = upsert.iter().find(|r| r.config.name.as_str() == name).cloned();
                let rec = upserted.or_else(|| self.function(name).map(|r| (*r).clone()))?;
                rec.versions.urls.get(squall_types::LATEST).map(|u| (name.to_string(), u.id.clone()))
            })
            .collect();
        let report = |record: &ServiceRecord, changes| DeployReport {
            service: service.clone(),
            changes,
            routes: record.routes.iter().map(|r| r.key.to_string()).collect(),
            base_path: record.base_path(),
            api_keys: record.api_keys.clone(),
            warnings: warnings.clone(),
            outputs: record.outputs.clone(),
            urls: urls.clone(),
        };
        if let Some(p) = &previous {
            let mut same = record.clone();
            same.deployed_at_ms = p.deployed_at_ms;
            if upsert.is_empty() && delete.is_empty() && &same == p {
                return Ok(report(p, changes));
            }
        }
        record.deployed_at_ms = self.clock.now_ms();

        self.meta
            .apply_deployment(&DeploymentChange {
                service: record.clone(),
                upsert: upsert.clone(),
                delete: delete.clone(),
            })
            .await?;
        {
            let mut st = self.state_mut();
            for rec in upsert {
                let name = rec.config.name.to_string();
                if rec.runtime_stamp.is_none() {
                    self.runtime.evict(&name);
                }
                let rec = Arc::new(rec);
                self.runtime.activate(&rec);
                st.functions.insert(name, rec);
            }
            for name in &delete {
                match st.functions.remove(name) {
                    // Its versions' instances go too: a function made again later starts afresh.
                    Some(gone) => gone.instance_keys().iter().for_each(|k| self.runtime.evict(k)),
                    None => self.runtime.evict(name),
                }
            }
            st.services.insert(service.to_string(), Arc::new(service_routes(record.clone())));
        }
        self.cluster.changed(DOMAIN).await;
        for name in &delete {
            self.forget(name).await?;
        }
        Ok(report(&record, changes))
    }

    /// Deletes a service and its functions.
    pub async fn remove_service(&self, name: &str) -> Result<ServiceRecord> {
        let _w = self.writes.lock().await;
        let Some(removed) = self.meta.remove_service(name).await? else {
            return Err(Error::NotFound { kind: "Service", name: name.to_string() });
        };
        let gone: Vec<String> = {
            let mut st = self.state_mut();
            st.services.remove(name);
            let (kept, gone): (HashMap<_, _>, HashMap<_, _>) = std::mem::take(&mut st.functions)
                .into_iter()
                .partition(|(_, f)| f.config.service.as_ref().map(|s| s.as_str()) != Some(name));
            st.functions = kept;
            gone.values().flat_map(|f| f.instance_keys()).collect()
        };
        self.cluster.changed(DOMAIN).await;
        for key in &gone {
            self.runtime.evict(key);
        }
        for f in &removed.functions {
            self.runtime.evict(f.as_str());
            self.forget(f.as_str()).await?;
        }
        Ok(removed)
    }

    /// Checks what the manifest parser checked too: the server trusts no client.
    fn validate(&self, plan: &DeploymentPlan) -> Result<Vec<PlannedFunction>> {
        let service = plan.service.as_str();
        if let Some(stage) = &plan.stage {
            squall_types::check_stage(stage).map_err(Error::InvalidRequest)?;
            if service.strip_suffix(stage.as_str()).and_then(|s| s.strip_suffix('-')).is_none_or(str::is_empty) {
                return Err(Error::InvalidRequest(format!("the deployment {service} is not named <service>-{stage}")));
            }
        }
        if let Some(existing) = self.state().services.get(service)
            && existing.record.stage != plan.stage
        {
            let r = &existing.record;
            let owner = match &r.stage {
                Some(stage) => format!("service {} at stage {stage}", r.service_name()),
                None => format!("service {} (deployed without a stage)", r.name),
            };
            return Err(Error::Conflict(format!("the deployment name {service} is taken by {owner}")));
        }
        for k in &plan.api_keys {
            if k.name.is_empty() || k.name.len() > 1024 {
                return Err(Error::InvalidRequest(format!("API key name {:?} must have 1 to 1024 characters", k.name)));
            }
            if let Some(v) = &k.value
                && !(20..=128).contains(&v.len())
            {
                return Err(Error::InvalidRequest(format!(
                    "the value of API key {} must have 20 to 128 characters",
                    k.name
                )));
            }
        }
        let mut names = HashSet::new();
        let mut routes: HashMap<(String, String), String> = HashMap::new();
        let mut out = Vec::new();
        for p in &plan.functions {
            let mut p = p.clone();
            p.config.service = Some(plan.service.clone());
            let name = p.config.name.to_string();
            p.config.validate().map_err(|e| Error::InvalidRequest(format!("function {name}: {e}")))?;
            if !squall_storage::sha256_hex_is_valid(&p.code_sha256) {
                return Err(Error::InvalidRequest(format!("function {name}: bad code digest")));
            }
            if !names.insert(name.clone()) {
                return Err(Error::InvalidRequest(format!("the function name {name} is used twice")));
            }
            if let Some(existing) = self.function(&name) {
                let owner = existing.config.service.as_ref().map(|s| s.as_str());
                if owner != Some(service) {
                    let owner = owner
                        .map_or("no service (created through the Lambda API)".to_string(), |o| format!("service {o}"));
                    return Err(Error::Conflict(format!("function {name} already exists and belongs to {owner}")));
                }
            }
            for r in &mut p.routes {
                r.function = name.clone();
                let key = &r.key;
                if let Some(other) = routes.insert((key.method.as_str().to_string(), key.path.shape()), name.clone()) {
                    return Err(Error::InvalidRequest(format!(
                        "route {key} of {name} collides with a route of {other}"
                    )));
                }
            }
            out.push(p);
        }
        for r in &plan.routes {
            let machine = match &r.api {
                squall_types::RouteApi::Rest(rest) => {
                    rest.start_execution.as_ref().map(|s| s.state_machine_arn.clone())
                }
                _ => None,
            };
            let Some(machine) = machine else {
                return Err(Error::InvalidRequest(format!(
                    "route {} names no function and starts no state machine",
                    r.key
                )));
            };
            if let Some(other) = routes.insert((r.key.method.as_str().to_string(), r.key.path.shape()), machine.clone())
            {
                return Err(Error::InvalidRequest(format!(
                    "route {} of {machine} collides with a route of {other}",
                    r.key
                )));
            }
        }
        Ok(out)
    }

    async fn missing_artifacts(&self, planned: &[PlannedFunction]) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        for p in planned {
            if !self.artifacts.contains(&p.code_sha256).await? && !missing.contains(&p.code_sha256) {
                missing.push(p.code_sha256.clone());
            }
        }
        Ok(missing)
    }
}

/// A new API key's value: 40 letters and digits from the OS's random source, as API
/// Gateway generates them.
fn new_api_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(40);
    let mut buf = [0u8; 64];
    while out.len() < 40 {
        getrandom::fill(&mut buf).expect("the operating system's random source is available");
        // 62 letters and digits: bytes of 248 and above are skipped so each is equally likely.
        for b in buf.iter().filter(|b| **b < 248).take(40 - out.len()) {
            out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
        }
    }
    out
}
