//! Event source mappings as Lambda's API sees them: each with its id, kept on its
//! function's `$LATEST` record (`FunctionConfig::event_sources`, where a deployment's
//! declared mappings live too), so the triggers' supervisor finds every one the same way.

use crate::{ConfigPatch, Error, Functions, Result};
use squall_types::{EventSourceMapping, FunctionRecord};
use std::sync::Arc;

fn not_found(uuid: &str) -> Error {
    Error::NotFound { kind: "EventSourceMapping", name: uuid.to_string() }
}

/// A mapping and the function it belongs to.
pub type MappingOf = (Arc<FunctionRecord>, EventSourceMapping);

impl Functions {
    /// Every function's mappings, by function name then position.
    pub fn event_source_mappings(&self) -> Vec<MappingOf> {
        self.list_functions()
            .into_iter()
            .flat_map(|f| f.config.event_sources.clone().into_iter().map(move |m| (f.clone(), m)))
            .collect()
    }

    /// The mapping with id `uuid`.
    pub fn event_source_mapping(&self, uuid: &str) -> Result<MappingOf> {
        self.event_source_mappings().into_iter().find(|(_, m)| m.uuid == uuid).ok_or_else(|| not_found(uuid))
    }

    /// Adds `mapping` (its id set) to function `name`: one mapping per source and function,
    /// as Lambda allows.
    pub async fn create_event_source_mapping(&self, name: &str, mut mapping: EventSourceMapping) -> Result<MappingOf> {
        mapping.last_modified_ms = self.clock.now_ms();
        let made = mapping.clone();
        let f = self
            .modify_config(name, move |current| {
                if let Some(same) = current.config.event_sources.iter().find(|m| m.source == mapping.source) {
                    return Err(Error::Conflict(format!(
                        "An event source mapping with {} and function {name} already exists. Please update or delete the existing mapping with UUID {}",
                        describe(&mapping),
                        same.uuid
                    )));
                }
                let mut all = current.config.event_sources.clone();
                all.push(mapping);
                Ok(ConfigPatch { event_sources: Some(all), ..ConfigPatch::default() })
            })
            .await?;
        Ok((f, made))
    }

    /// Changes the mapping `uuid` by `change`, applied to it as stored under the write lock.
    pub async fn update_event_source_mapping(
        &self,
        uuid: &str,
        change: impl FnOnce(&mut EventSourceMapping) -> Result<()>,
    ) -> Result<MappingOf> {
        let (f, _) = self.event_source_mapping(uuid)?;
        let now = self.clock.now_ms();
        let mut changed = None;
        let f = self
            .modify_config(f.config.name.as_str(), |current| {
                let mut all = current.config.event_sources.clone();
                let m = all.iter_mut().find(|m| m.uuid == uuid).ok_or_else(|| not_found(uuid))?;
                change(m)?;
                m.last_modified_ms = now;
                m.validate().map_err(Error::InvalidRequest)?;
                changed = Some(m.clone());
                Ok(ConfigPatch { event_sources: Some(all), ..ConfigPatch::default() })
            })
            .await?;
        Ok((f, changed.expect("set by the change that succeeded")))
    }

    /// Deletes the mapping `uuid`; what it was.
    pub async fn delete_event_source_mapping(&self, uuid: &str) -> Result<MappingOf> {
        let (f, _) = self.event_source_mapping(uuid)?;
        let mut gone = None;
        let f = self
            .modify_config(f.config.name.as_str(), |current| {
                let mut all = current.config.event_sources.clone();
                let at = all.iter().position(|m| m.uuid == uuid).ok_or_else(|| not_found(uuid))?;
                gone = Some(all.remove(at));
                Ok(ConfigPatch { event_sources: Some(all), ..ConfigPatch::default() })
            })
            .await?;
        self.mapping_results.lock().unwrap_or_else(|p| p.into_inner()).remove(uuid);
        Ok((f, gone.expect("set by the change that succeeded")))
    }

    /// Whether other servers may share this one's store (each would run its own poller of a
    /// queue mapping, so a concurrency cap below their number could not hold).
    pub fn clustered(&self) -> bool {
        self.cluster.shared
    }

    /// Records how the mapping `uuid`'s last batch went (Lambda's `LastProcessingResult`).
    pub fn note_mapping_result(&self, uuid: &str, result: &str) {
        let mut results = self.mapping_results.lock().unwrap_or_else(|p| p.into_inner());
        if results.get(uuid).map(String::as_str) != Some(result) {
            results.insert(uuid.to_string(), result.to_string());
        }
    }

    /// How the mapping `uuid`'s last batch on this server went, if one ran.
    pub fn mapping_result(&self, uuid: &str) -> Option<String> {
        self.mapping_results.lock().unwrap_or_else(|p| p.into_inner()).get(uuid).cloned()
    }
}

/// The source as Lambda's conflict message names it.
fn describe(m: &EventSourceMapping) -> String {
    match &m.source {
        squall_types::EventSource::Sqs { queue } => format!("SQS queue {queue}"),
        squall_types::EventSource::DynamoDbStream { table } => format!("the stream of table {table}"),
    }
}

impl Functions {
    /// Whether `from`'s execution role may `action` on `resource`; `Err` says why not.
    pub fn role_may(&self, from: &FunctionRecord, action: &str, resource: &str) -> Result<(), String> {
        match self.destinations.get() {
            Some((sink, _)) => sink.role_may(from, action, resource),
            None => Err("this server checks no roles".to_string()),
        }
    }

    /// Sends `body` from `from` to the destination `arn` (a mapping's on-failure destination)
    /// when `from`'s execution role may; `Err` says why not.
    pub async fn deliver_to_destination(&self, from: &FunctionRecord, arn: &str, body: String) -> Result<(), String> {
        match self.destinations.get() {
            Some((sink, _)) => sink.deliver(from, arn, body, Vec::new()).await,
            None => Err("this server delivers to no destinations".to_string()),
        }
    }
}
