//! State machine versions (immutable snapshots of a machine's definition and role, numbered
//! from 1, never renumbered) and aliases (one version, or two with weights), and which
//! definition an ARN names: the machine's latest, a version, or an alias's pick.

use crate::definition::{self, Machine};
use crate::model::{Alias, StateMachine, Version};
use crate::names::{qualified, valid_alias};
use crate::service::{Entry, invalid_arn, not_found};
use crate::{Error, Result, Workflows, corrupt};
use squall_storage::{ItemWrite, TableStore};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Versions (key: machine name, version number big-endian).
const VERSIONS: &str = "versions";
/// Aliases (key: machine name, alias name).
const ALIASES: &str = "aliases";

/// AWS's limit on a machine's versions.
const MAX_VERSIONS: usize = 1000;

fn version_row(v: &Version, keep: bool) -> ItemWrite {
    ItemWrite {
        table: VERSIONS.into(),
        pk: v.machine.as_bytes().to_vec(),
        sk: v.number.to_be_bytes().to_vec(),
        item: keep.then(|| serde_json::to_vec(v).expect("a version serializes")),
    }
}

fn alias_row(a: &Alias, keep: bool) -> ItemWrite {
    ItemWrite {
        table: ALIASES.into(),
        pk: a.machine.as_bytes().to_vec(),
        sk: a.name.as_bytes().to_vec(),
        item: keep.then(|| serde_json::to_vec(a).expect("an alias serializes")),
    }
}

/// Adds every stored version and alias to its machine.
pub(crate) async fn load(store: &dyn TableStore, machines: &mut BTreeMap<String, Entry>) -> Result<()> {
    for row in squall_storage::scan_all(store, VERSIONS).await? {
        let v: Version = serde_json::from_slice(&row.item).map_err(|e| corrupt("a state machine version".into(), e))?;
        let parsed =
            definition::parse(&v.definition).map_err(|d| corrupt(format!("version {}", v.arn), format!("{d:?}")))?;
        if let Some(e) = machines.get_mut(&v.machine) {
            e.versions.insert(v.number, (v, parsed));
        }
    }
    for row in squall_storage::scan_all(store, ALIASES).await? {
        let a: Alias = serde_json::from_slice(&row.item).map_err(|e| corrupt("a state machine alias".into(), e))?;
        if let Some(e) = machines.get_mut(&a.machine) {
            e.aliases.insert(a.name.clone(), a);
        }
    }
    Ok(())
}

/// The rows that delete a machine's versions and aliases with it.
pub(crate) fn forget(entry: &Entry, writes: &mut Vec<ItemWrite>) {
    writes.extend(entry.versions.values().map(|(v, _)| version_row(v, false)));
    writes.extend(entry.aliases.values().map(|a| alias_row(a, false)));
}

/// Publishes the machine's current definition as its next version (or answers the version
/// already published from this revision), writing it to `writes`.
pub(crate) fn publish(
    entry: &mut Entry,
    description: Option<String>,
    now: u64,
    writes: &mut Vec<ItemWrite>,
) -> Result<Version> {
    if let Some((v, _)) = entry.versions.values().rev().find(|(v, _)| v.revision_id == entry.record.revision_id) {
        return Ok(v.clone());
    }
    if entry.versions.len() >= MAX_VERSIONS {
        return Err(Error::refused(
            "ServiceQuotaExceededException",
            format!("State machine {} has {MAX_VERSIONS} versions: delete some before publishing", entry.record.arn),
        ));
    }
    let number = entry.record.last_version + 1;
    entry.record.last_version = number;
    let v = Version {
        machine: entry.record.name.clone(),
        number,
        arn: format!("{}:{number}", entry.record.arn),
        definition: entry.record.definition.clone(),
        role_arn: entry.record.role_arn.clone(),
        description: description.unwrap_or_default(),
        created_ms: now,
        revision_id: entry.record.revision_id.clone(),
    };
    writes.push(version_row(&v, true));
    writes.push(crate::service::machine_row(&entry.record, true));
    entry.versions.insert(number, (v.clone(), entry.machine.clone()));
    Ok(v)
}

/// What an ARN runs: the machine, its definition (the latest, a version's, or the version
/// an alias picks with `draw`, uniform in 0..1), and the version and alias ARNs.
pub(crate) struct Target {
    pub entry: Arc<Entry>,
    pub definition: String,
    pub role_arn: String,
    pub machine: Arc<Machine>,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
}

impl Workflows {
    /// The machine, version or alias `arn` names.
    pub(crate) fn target(&self, arn: &str, draw: f64) -> Result<Target> {
        let (name, qualifier) = qualified(arn).ok_or_else(|| invalid_arn(arn))?;
        let entry = self.snapshot().get(name).cloned().ok_or_else(|| not_found(arn))?;
        let Some(q) = qualifier else {
            let (definition, role_arn, machine) =
                (entry.record.definition.clone(), entry.record.role_arn.clone(), entry.machine.clone());
            return Ok(Target { entry, definition, role_arn, machine, version_arn: None, alias_arn: None });
        };
        let (version, alias_arn) = if let Ok(n) = q.parse::<u64>() {
            (n, None)
        } else {
            let alias = entry.aliases.get(q).ok_or_else(|| alias_not_found(arn))?;
            let mut left = draw * 100.0;
            let mut pick = &alias.routing[0].0;
            for (v, weight) in &alias.routing {
                pick = v;
                if left < f64::from(*weight) {
                    break;
                }
                left -= f64::from(*weight);
            }
            let n = qualified(pick).and_then(|(_, q)| q).and_then(|q| q.parse().ok()).unwrap_or(0);
            (n, Some(alias.arn.clone()))
        };
        let (v, machine) = entry.versions.get(&version).cloned().ok_or_else(|| version_not_found(arn))?;
        Ok(Target {
            definition: v.definition.clone(),
            role_arn: v.role_arn.clone(),
            machine,
            version_arn: Some(v.arn),
            alias_arn,
            entry,
        })
    }

    /// DescribeStateMachine of a version: the version's record in the machine's shape.
    pub fn describe_version(&self, arn: &str) -> Result<(StateMachine, Version)> {
        let t = self.target(arn, 0.0)?;
        let (_, q) = qualified(arn).ok_or_else(|| invalid_arn(arn))?;
        let n = q.and_then(|q| q.parse::<u64>().ok()).ok_or_else(|| invalid_arn(arn))?;
        let (v, _) = t.entry.versions.get(&n).cloned().ok_or_else(|| version_not_found(arn))?;
        Ok((t.entry.record.clone(), v))
    }

    /// PublishStateMachineVersion: the version (a new one unless this revision has one).
    pub async fn publish_version(
        &self,
        arn: &str,
        revision_id: Option<String>,
        description: Option<String>,
    ) -> Result<Version> {
        let name = machine_name(arn)?;
        let now = self.clock.now_ms();
        self.change(|machines, writes| {
            let mut entry = (**machines.get(&name).ok_or_else(|| not_found(arn))?).clone();
            if let Some(r) = revision_id.filter(|r| *r != entry.record.revision_id) {
                return Err(Error::refused(
                    "ConflictException",
                    format!(
                        "The revisionId {r} is not the state machine's current revision {}",
                        entry.record.revision_id
                    ),
                ));
            }
            let v = publish(&mut entry, description, now, writes)?;
            machines.insert(name.clone(), Arc::new(entry));
            Ok(v)
        })
        .await
    }

    /// ListStateMachineVersions: newest first.
    pub fn list_versions(&self, arn: &str) -> Result<Vec<Version>> {
        let name = machine_name(arn)?;
        let entry = self.snapshot().get(&name).cloned().ok_or_else(|| not_found(arn))?;
        Ok(entry.versions.values().rev().map(|(v, _)| v.clone()).collect())
    }

    /// DeleteStateMachineVersion: refused while an alias routes to it.
    pub async fn delete_version(&self, arn: &str) -> Result<()> {
        let (name, q) = qualified(arn).ok_or_else(|| invalid_arn(arn))?;
        let n = q.and_then(|q| q.parse::<u64>().ok()).ok_or_else(|| invalid_arn(arn))?;
        let name = name.to_string();
        self.change(|machines, writes| {
            let Some(entry) = machines.get(&name) else { return Ok(()) };
            let mut entry = (**entry).clone();
            if let Some(a) = entry.aliases.values().find(|a| a.routing.iter().any(|(v, _)| v == arn)) {
                return Err(Error::refused(
                    "ConflictException",
                    format!("Version {arn} is in use by alias {}: update the alias first", a.arn),
                ));
            }
            if let Some((v, _)) = entry.versions.remove(&n) {
                writes.push(version_row(&v, false));
                machines.insert(name.clone(), Arc::new(entry));
            }
            Ok(())
        })
        .await
    }

    /// CreateStateMachineAlias.
    pub async fn create_alias(
        &self,
        name: &str,
        description: Option<String>,
        routing: Vec<(String, u32)>,
    ) -> Result<Alias> {
        if !valid_alias(name) {
            return Err(Error::refused("ValidationException", format!("Invalid alias name: '{name}'")));
        }
        let machine = routing_machine(&routing)?;
        let now = self.clock.now_ms();
        self.change(|machines, writes| {
            let mut entry = (**machines.get(&machine).ok_or_else(|| not_found(&routing[0].0))?).clone();
            check_routing(&entry, &routing)?;
            if let Some(a) = entry.aliases.get(name) {
                if a.routing == routing && description.as_deref().unwrap_or_default() == a.description {
                    return Ok(a.clone());
                }
                return Err(Error::refused("ConflictException", format!("Alias {} already exists", a.arn)));
            }
            let alias = Alias {
                machine: machine.clone(),
                name: name.to_string(),
                arn: format!("{}:{name}", entry.record.arn),
                description: description.unwrap_or_default(),
                routing,
                created_ms: now,
                updated_ms: None,
            };
            writes.push(alias_row(&alias, true));
            entry.aliases.insert(name.to_string(), alias.clone());
            machines.insert(machine.clone(), Arc::new(entry));
            Ok(alias)
        })
        .await
    }

    /// DescribeStateMachineAlias.
    pub fn describe_alias(&self, arn: &str) -> Result<Alias> {
        let (name, q) = qualified(arn).ok_or_else(|| invalid_arn(arn))?;
        let alias = q.filter(|q| q.parse::<u64>().is_err()).ok_or_else(|| invalid_arn(arn))?;
        let entry = self.snapshot().get(name).cloned().ok_or_else(|| alias_not_found(arn))?;
        entry.aliases.get(alias).cloned().ok_or_else(|| alias_not_found(arn))
    }

    /// UpdateStateMachineAlias.
    pub async fn update_alias(
        &self,
        arn: &str,
        description: Option<String>,
        routing: Option<Vec<(String, u32)>>,
    ) -> Result<Alias> {
        let current = self.describe_alias(arn)?;
        let now = self.clock.now_ms();
        self.change(|machines, writes| {
            let mut entry = (**machines.get(&current.machine).ok_or_else(|| alias_not_found(arn))?).clone();
            let mut alias = entry.aliases.get(&current.name).cloned().ok_or_else(|| alias_not_found(arn))?;
            if let Some(r) = routing {
                check_routing(&entry, &r)?;
                alias.routing = r;
            }
            if let Some(d) = description {
                alias.description = d;
            }
            alias.updated_ms = Some(now);
            writes.push(alias_row(&alias, true));
            entry.aliases.insert(alias.name.clone(), alias.clone());
            machines.insert(current.machine.clone(), Arc::new(entry));
            Ok(alias)
        })
        .await
    }

    /// DeleteStateMachineAlias.
    pub async fn delete_alias(&self, arn: &str) -> Result<()> {
        let Ok(current) = self.describe_alias(arn) else { return Ok(()) };
        self.change(|machines, writes| {
            let Some(entry) = machines.get(&current.machine) else { return Ok(()) };
            let mut entry = (**entry).clone();
            if let Some(a) = entry.aliases.remove(&current.name) {
                writes.push(alias_row(&a, false));
                machines.insert(current.machine.clone(), Arc::new(entry));
            }
            Ok(())
        })
        .await
    }

    /// ListStateMachineAliases: by name.
    pub fn list_aliases(&self, arn: &str) -> Result<Vec<Alias>> {
        let name = machine_name(arn)?;
        let entry = self.snapshot().get(&name).cloned().ok_or_else(|| not_found(arn))?;
        Ok(entry.aliases.values().cloned().collect())
    }
}

fn machine_name(arn: &str) -> Result<String> {
    match qualified(arn) {
        Some((name, None)) => Ok(name.to_string()),
        _ => Err(invalid_arn(arn)),
    }
}

fn alias_not_found(arn: &str) -> Error {
    Error::refused("ResourceNotFound", format!("Alias not found: '{arn}'"))
}

fn version_not_found(arn: &str) -> Error {
    Error::refused("ResourceNotFound", format!("Version not found: '{arn}'"))
}

/// The machine an alias's routing names (every entry a version of one machine).
fn routing_machine(routing: &[(String, u32)]) -> Result<String> {
    let machines: Vec<&str> = routing.iter().filter_map(|(v, _)| qualified(v).map(|(m, _)| m)).collect();
    if machines.len() != routing.len() || machines.is_empty() {
        return Err(Error::refused("ValidationException", "Each routingConfiguration entry must name a version's ARN"));
    }
    if machines.iter().any(|m| *m != machines[0]) {
        return Err(Error::refused("ValidationException", "An alias routes to versions of one state machine"));
    }
    Ok(machines[0].to_string())
}

/// One or two distinct published versions of the machine, weights summing to 100.
fn check_routing(entry: &Entry, routing: &[(String, u32)]) -> Result<()> {
    if routing.is_empty() || routing.len() > 2 {
        return Err(Error::refused("ValidationException", "routingConfiguration has one or two entries"));
    }
    if routing.len() == 2 && routing[0].0 == routing[1].0 {
        return Err(Error::refused("ValidationException", "routingConfiguration names a version twice"));
    }
    if routing.iter().map(|(_, w)| w).sum::<u32>() != 100 {
        return Err(Error::refused("ValidationException", "routingConfiguration's weights must sum to 100"));
    }
    for (v, _) in routing {
        let n = qualified(v).and_then(|(_, q)| q).and_then(|q| q.parse::<u64>().ok());
        if n.is_none_or(|n| !entry.versions.contains_key(&n)) {
            return Err(Error::refused("ResourceNotFound", format!("Version not found: '{v}'")));
        }
    }
    Ok(())
}
