//! Lambda's versions and aliases: PublishVersion, deleting a version, aliases with weighted
//! routing, and resolving a qualifier to the record an invocation runs.
//!
//! Versions and aliases are kept in `$LATEST`'s record ([`squall_types::Versions`]), so each
//! change is one checked write of that record, like any configuration change.

use crate::{Error, Functions, Result};
use squall_types::{Alias, FunctionRecord, LATEST, PublishedVersion, alias_name_problem};
use std::sync::Arc;

/// An alias's settings, as CreateAlias and UpdateAlias give them.
#[derive(Debug, Clone, Default)]
pub struct AliasPatch {
    /// `FunctionVersion`.
    pub version: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `RoutingConfig.AdditionalVersionWeights`: `Some(None)` removes the routing.
    pub additional: Option<Option<(String, f64)>>,
    /// `RevisionId`: apply only if the alias is still at this revision.
    pub if_revision: Option<u64>,
}

/// What a qualifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    Latest,
    Version(u32),
    Alias(String),
}

impl Qualifier {
    /// Reads a qualifier: `$LATEST`, a version number or an alias name.
    pub fn parse(q: &str) -> Qualifier {
        if q == LATEST {
            return Qualifier::Latest;
        }
        match q.parse::<u32>() {
            Ok(n) if !q.starts_with('+') => Qualifier::Version(n),
            _ => Qualifier::Alias(q.to_string()),
        }
    }
}

fn not_found(kind: &'static str, name: String) -> Error {
    Error::NotFound { kind, name }
}

/// A version as an alias may name it, `$LATEST` or a published one, written as Lambda
/// writes it (`01` is `1`).
fn check_version(f: &FunctionRecord, version: &str) -> Result<String> {
    match Qualifier::parse(version) {
        Qualifier::Latest => Ok(LATEST.to_string()),
        Qualifier::Version(n) if f.versions.published.contains_key(&n) => Ok(n.to_string()),
        _ => Err(not_found("Function", format!("{}:{version}", f.config.name))),
    }
}

/// Checks an alias's routing: one other published version with a weight in 0..=1, and a
/// published primary version.
fn check_routing(
    f: &FunctionRecord,
    primary: &str,
    additional: Option<(String, f64)>,
) -> Result<Option<(String, f64)>> {
    let Some((other, weight)) = additional else { return Ok(None) };
    let other = check_version(f, &other)?;
    let weight = &weight;
    if !(0.0..=1.0).contains(weight) || !weight.is_finite() {
        return Err(Error::InvalidRequest(format!(
            "1 validation error detected: Value '{weight}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
        )));
    }
    if primary == LATEST || other == LATEST {
        return Err(Error::InvalidRequest(
            "$LATEST is not supported for an alias pointing to more than 1 version".into(),
        ));
    }
    if other == primary {
        return Err(Error::InvalidRequest(format!(
            "Invalid function version {other}. Function version {other} is already included in routing configuration."
        )));
    }
    Ok(Some((other, *weight)))
}

impl Functions {
    /// PublishVersion: a new version from `$LATEST`, or the newest version when neither
    /// code nor configuration changed since it was published (as Lambda answers).
    pub async fn publish_version(
        &self,
        name: &str,
        description: Option<String>,
        code_sha256: Option<&str>,
        if_revision: Option<u64>,
    ) -> Result<FunctionRecord> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        crate::crud::check_revision(&current, if_revision)?;
        if let Some(sha) = code_sha256.filter(|sha| *sha != hex_to_base64(&current.code_sha256)) {
            return Err(Error::InvalidRequest(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                hex_to_base64(&current.code_sha256)
            )));
        }
        if let Some((&n, newest)) = current.versions.published.last_key_value()
            && newest.code_sha256 == current.code_sha256
            && versioned(&newest.config) == versioned(&current.config)
        {
            return current.at_version(n).ok_or_else(|| not_found("Function", format!("{name}:{n}")));
        }
        let mut next = (*current).clone();
        let n = publish_into(&mut next, description, self.clock.now_ms());
        let next = self.replace_versions(&current, next).await?;
        next.at_version(n).ok_or_else(|| not_found("Function", format!("{name}:{n}")))
    }

    /// Every version of a function: `$LATEST`, then the published ones in order.
    pub fn list_versions(&self, name: &str) -> Result<Vec<FunctionRecord>> {
        let f = self.get_function(name)?;
        let mut all = vec![(*f).clone()];
        all.extend(f.versions.published.keys().filter_map(|n| f.at_version(*n)));
        Ok(all)
    }

    /// DeleteFunction with a version number: refused while an alias names it.
    pub async fn delete_version(&self, name: &str, n: u32) -> Result<()> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        if !current.versions.published.contains_key(&n) {
            return Err(not_found("Function", format!("{name}:{n}")));
        }
        let version = n.to_string();
        let using: Vec<&String> = current
            .versions
            .aliases
            .iter()
            .filter(|(_, a)| a.version == version || a.additional.as_ref().is_some_and(|(v, _)| *v == version))
            .map(|(alias, _)| alias)
            .collect();
        if !using.is_empty() {
            return Err(Error::Conflict(format!(
                "Unable to delete version because the following aliases reference it: {using:?}"
            )));
        }
        let mut next = (*current).clone();
        next.versions.published.remove(&n);
        drop_qualifier_statements(&mut next, &version);
        self.replace_versions(&current, next).await?;
        self.runtime.evict(&format!("{name}:{n}"));
        Ok(())
    }

    /// CreateAlias.
    pub async fn create_alias(&self, name: &str, alias: &str, patch: AliasPatch) -> Result<Alias> {
        if let Some(problem) = alias_name_problem(alias) {
            return Err(Error::InvalidRequest(problem));
        }
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        if current.versions.aliases.contains_key(alias) {
            return Err(Error::Conflict(format!(
                "Alias already exists: {}",
                squall_types::function_arn(squall_types::DEFAULT_REGION, &format!("{name}:{alias}"))
            )));
        }
        let version = patch.version.ok_or_else(|| Error::InvalidRequest("FunctionVersion is required.".into()))?;
        let version = check_version(&current, &version)?;
        let additional = check_routing(&current, &version, patch.additional.flatten())?;
        let made = Alias { version, description: patch.description.unwrap_or_default(), additional, revision: 1 };
        let mut next = (*current).clone();
        next.versions.aliases.insert(alias.to_string(), made.clone());
        self.replace_versions(&current, next).await?;
        Ok(made)
    }

    /// UpdateAlias: what is given replaces what the alias had.
    pub async fn update_alias(&self, name: &str, alias: &str, patch: AliasPatch) -> Result<Alias> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        let mut updated = self.alias_of(&current, alias)?;
        if patch.if_revision.is_some_and(|r| r != updated.revision) {
            return Err(Error::PreconditionFailed(
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
            ));
        }
        if let Some(v) = patch.version {
            updated.version = check_version(&current, &v)?;
        }
        if let Some(d) = patch.description {
            updated.description = d;
        }
        if let Some(a) = patch.additional {
            updated.additional = a;
        }
        updated.additional = check_routing(&current, &updated.version, updated.additional.take())?;
        updated.revision += 1;
        let mut next = (*current).clone();
        next.versions.aliases.insert(alias.to_string(), updated.clone());
        self.replace_versions(&current, next).await?;
        Ok(updated)
    }

    /// DeleteAlias.
    pub async fn delete_alias(&self, name: &str, alias: &str) -> Result<()> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        self.alias_of(&current, alias)?;
        let mut next = (*current).clone();
        next.versions.aliases.remove(alias);
        // The alias's function URL and its policy go with it.
        next.versions.urls.remove(alias);
        drop_qualifier_statements(&mut next, alias);
        self.replace_versions(&current, next).await?;
        Ok(())
    }

    /// GetAlias.
    pub fn get_alias(&self, name: &str, alias: &str) -> Result<Alias> {
        let current = self.get_function(name)?;
        self.alias_of(&current, alias)
    }

    fn alias_of(&self, f: &FunctionRecord, alias: &str) -> Result<Alias> {
        f.versions.aliases.get(alias).cloned().ok_or_else(|| not_found("Alias", format!("{}:{alias}", f.config.name)))
    }

    /// The record a qualifier names: `$LATEST`'s, a version's, or one of an alias's versions
    /// (chosen by its weights, with `draw` in 0..1).
    pub fn resolve(&self, name: &str, qualifier: Option<&str>, draw: f64) -> Result<Arc<FunctionRecord>> {
        let f = self.get_function(name)?;
        let version = match qualifier.map(Qualifier::parse) {
            None | Some(Qualifier::Latest) => return Ok(f),
            Some(Qualifier::Version(n)) => n,
            Some(Qualifier::Alias(alias)) => {
                let a = self.alias_of(&f, &alias)?;
                let chosen = match &a.additional {
                    Some((other, weight)) if draw < *weight => other.clone(),
                    _ => a.version,
                };
                match Qualifier::parse(&chosen) {
                    Qualifier::Version(n) => n,
                    _ => return Ok(f),
                }
            }
        };
        self.version_record(&f, version).ok_or_else(|| not_found("Function", format!("{name}:{version}")))
    }

    /// Version `n` of `f` as invocations run it, made once per `$LATEST` record (a change
    /// of it, or the function made again, makes it anew).
    fn version_record(&self, f: &FunctionRecord, n: u32) -> Option<Arc<FunctionRecord>> {
        let stamp = (f.revision, f.last_modified_ms);
        let name = f.config.name.as_str();
        let mut made = self.version_records.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, record)) = made.get(name).and_then(|by_number| by_number.get(&n))
            && *s == stamp
        {
            return Some(record.clone());
        }
        let record = Arc::new(f.at_version(n)?);
        let by_number = made.entry(name.to_string()).or_default();
        // Versions of older records are dropped as they are met, so the map holds what is live.
        by_number.retain(|_, (s, _)| *s == stamp);
        by_number.insert(n, (stamp, record.clone()));
        Some(record)
    }

    /// Writes `next` (whose versions or aliases changed) over `current`.
    async fn replace_versions(&self, current: &FunctionRecord, next: FunctionRecord) -> Result<Arc<FunctionRecord>> {
        self.replace(current, next, None).await
    }
}

/// What a version freezes of a configuration, for telling whether anything changed since the
/// newest one: the function's own settings (its description as a version's, event sources,
/// provisioned and reserved concurrency, permissions, tags, asynchronous settings) left out.
fn versioned(config: &squall_types::FunctionConfig) -> squall_types::FunctionConfig {
    let mut c = config.clone();
    c.description.clear();
    c.event_sources.clear();
    c.provisioned_concurrency = 0;
    c.reserved_concurrency = None;
    c.permissions.clear();
    c.tags.clear();
    c.async_invoke = Default::default();
    c
}

/// Removes the resource policy statements of `qualifier` (its own policy, as on Lambda,
/// gone with the version or alias: one made again later starts without them).
fn drop_qualifier_statements(record: &mut FunctionRecord, qualifier: &str) {
    let suffix = format!(":function:{}:{qualifier}", record.config.name);
    record.config.permissions.retain(|_, statement| {
        let resource = serde_json::from_str::<serde_json::Value>(statement)
            .ok()
            .and_then(|s| s["Resource"].as_str().map(str::to_string));
        !resource.is_some_and(|r| r.ends_with(&suffix))
    });
}

/// Adds a version of `record`'s code and configuration (as they are) to its versions; its
/// number.
pub(crate) fn publish_into(record: &mut FunctionRecord, description: Option<String>, now_ms: u64) -> u32 {
    let n = record.versions.last + 1;
    let mut config = record.config.clone();
    if let Some(d) = description {
        config.description = d;
    }
    // Event sources and provisioned instances belong to the function, not a copy of it.
    config.event_sources.clear();
    config.provisioned_concurrency = 0;
    let version = PublishedVersion {
        config,
        code_sha256: record.code_sha256.clone(),
        code_size: record.code_size,
        revision: record.revision,
        published_ms: now_ms,
    };
    record.versions.last = n;
    record.versions.published.insert(n, version);
    n
}

/// Lambda reports code digests in base64.
fn hex_to_base64(hex_digest: &str) -> String {
    use base64::Engine as _;
    let bytes = hex::decode(hex_digest).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
