//! How executions are kept: the record (pseudo-table `executions`, key: machine name,
//! execution name), its runs (`runs`, key: execution ARN, run id), its history (`history`,
//! key: execution ARN, event id big-endian) and the list of those running (`active`).

use super::exec::Exec;
use super::run::{Phase, Run};
use super::{Engine, exec};
use crate::model::{Execution, Status};
use crate::{Result, corrupt};
use serde_json::Value;
use squall_storage::{ItemWrite, TableStore};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

pub(crate) const EXECUTIONS: &str = "executions";
const RUNS: &str = "runs";
pub(crate) const HISTORY: &str = "history";
const ACTIVE: &str = "active";

fn row(table: &str, pk: &[u8], sk: &[u8], item: Option<Vec<u8>>) -> ItemWrite {
    ItemWrite { table: table.into(), pk: pk.to_vec(), sk: sk.to_vec(), item }
}

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("a record serializes")
}

/// A running execution's entry in `active`: which execution, and which server runs it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Active {
    pub machine: String,
    pub name: String,
    pub owner: String,
    /// New at each claim, so two servers claiming at once cannot both win.
    pub epoch: String,
}

impl Active {
    pub(crate) fn new(machine: &str, name: &str, owner: &str) -> Active {
        Active {
            machine: machine.into(),
            name: name.into(),
            owner: owner.into(),
            epoch: uuid::Uuid::new_v4().to_string(),
        }
    }
}

pub(crate) fn active_row(arn: &str, active: Option<&Active>) -> ItemWrite {
    row(ACTIVE, b"", arn.as_bytes(), active.map(json))
}

pub(crate) fn active_expect(arn: &str, active: &Active) -> squall_storage::ItemExpect {
    squall_storage::ItemExpect {
        table: ACTIVE.into(),
        pk: Vec::new(),
        sk: arn.as_bytes().to_vec(),
        item: Some(json(active)),
    }
}

/// Writes what the batch changed: events, runs, the record (and, when it starts or ends,
/// its entry in `active`, naming `owner`).
pub(crate) async fn commit(
    store: &dyn TableStore,
    exec: &mut Exec,
    first: bool,
    owner: &str,
    shared: bool,
) -> Result<()> {
    if exec.events.is_empty() && exec.dirty.is_empty() && !exec.record_dirty && exec.extra.is_empty() {
        return Ok(());
    }
    let arn = exec.record.arn.as_bytes().to_vec();
    let mut writes = Vec::with_capacity(exec.events.len() + exec.dirty.len() + 2);
    for (id, event) in exec.events.drain(..) {
        writes.push(row(HISTORY, &arn, &id.to_be_bytes(), Some(json(&event))));
    }
    for id in std::mem::take(&mut exec.dirty) {
        let item = exec.runs.get(&id).map(json);
        writes.push(row(RUNS, &arn, id.as_bytes(), item));
    }
    writes.append(&mut exec.extra);
    // A start (or redrive) expects no one started it at the same moment; on a shared store
    // every later batch expects the execution's entry as this server wrote it.
    let mut expect = Vec::new();
    let absent = |table: &str, pk: &[u8], sk: &[u8]| squall_storage::ItemExpect {
        table: table.into(),
        pk: pk.to_vec(),
        sk: sk.to_vec(),
        item: None,
    };
    if first {
        if exec.record.redrive_count == 0 {
            expect.push(absent(EXECUTIONS, exec.record.machine_name.as_bytes(), exec.record.name.as_bytes()));
        }
        expect.push(absent(ACTIVE, b"", &arn));
    } else if shared && let Some(claim) = &exec.claim {
        expect.push(active_expect(&exec.record.arn, claim));
    }
    if exec.record_dirty {
        exec.record_dirty = false;
        let r = &exec.record;
        writes.push(row(EXECUTIONS, r.machine_name.as_bytes(), r.name.as_bytes(), Some(json(r))));
        let running = r.status == Status::Running;
        if first {
            exec.claim = Some(Active::new(&r.machine_name, &r.name, owner));
        }
        if first || !running {
            writes.push(active_row(&r.arn, exec.claim.as_ref().filter(|_| running)));
        }
    }
    if expect.is_empty() {
        store.write(writes).await?;
    } else {
        store.write_checked(writes, expect).await?;
    }
    Ok(())
}

/// Drops what an EXPRESS execution's batch would have written.
pub(crate) fn forget(exec: &mut Exec) {
    exec.events.clear();
    exec.dirty.clear();
    exec.extra.clear();
    exec.record_dirty = false;
}

/// The executions stored as running: (execution ARN, entry).
pub(crate) async fn active(store: &dyn TableStore) -> Result<Vec<(String, Active)>> {
    let rows = squall_storage::scan_all(store, ACTIVE).await?;
    rows.into_iter()
        .map(|r| {
            let a: Active = serde_json::from_slice(&r.item).map_err(|e| corrupt("an active execution".into(), e))?;
            Ok((String::from_utf8_lossy(&r.sk).into_owned(), a))
        })
        .collect()
}

/// The server running `arn`, if it is running.
pub(crate) async fn owner(store: &dyn TableStore, arn: &str) -> Result<Option<Active>> {
    match store.get_item(ACTIVE, b"", arn.as_bytes()).await? {
        None => Ok(None),
        Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| corrupt("an active execution".into(), e)),
    }
}

pub(crate) async fn record(store: &dyn TableStore, machine: &str, name: &str) -> Result<Option<Execution>> {
    match store.get_item(EXECUTIONS, machine.as_bytes(), name.as_bytes()).await? {
        None => Ok(None),
        Some(b) => serde_json::from_slice(&b).map(Some).map_err(|e| corrupt(format!("execution {name}"), e)),
    }
}

/// Every execution of a machine.
pub(crate) async fn records(store: &dyn TableStore, machine: &str) -> Result<Vec<Execution>> {
    let mut out = Vec::new();
    let mut after: Bound<Vec<u8>> = Bound::Unbounded;
    loop {
        let rows = store.query(EXECUTIONS, machine.as_bytes(), (after.clone(), Bound::Unbounded), true, 1000).await?;
        let n = rows.len();
        for r in &rows {
            out.push(serde_json::from_slice(&r.item).map_err(|e| corrupt("an execution".into(), e))?);
        }
        match rows.last() {
            Some(last) if n == 1000 => after = Bound::Excluded(last.sk.clone()),
            _ => return Ok(out),
        }
    }
}

/// Up to `limit` history events from event id `from` (inclusive), in either order.
pub(crate) async fn history(
    store: &dyn TableStore,
    arn: &str,
    from: Option<u64>,
    reverse: bool,
    limit: usize,
) -> Result<Vec<Value>> {
    let bound = |id: u64| Bound::Included(id.to_be_bytes().to_vec());
    let range = match (from, reverse) {
        (None, _) => (Bound::Unbounded, Bound::Unbounded),
        (Some(id), false) => (bound(id), Bound::Unbounded),
        (Some(id), true) => (Bound::Unbounded, bound(id)),
    };
    let rows = store.query(HISTORY, arn.as_bytes(), range, !reverse, limit).await?;
    rows.iter().map(|r| serde_json::from_slice(&r.item).map_err(|e| corrupt("a history event".into(), e))).collect()
}

/// The id the execution's next history event takes.
pub(crate) async fn next_event(store: &dyn TableStore, arn: &str) -> Result<u64> {
    let last = store.query(HISTORY, arn.as_bytes(), (Bound::Unbounded, Bound::Unbounded), false, 1).await?;
    Ok(last.first().map(|r| u64::from_be_bytes(r.sk.as_slice().try_into().unwrap_or([0; 8])) + 1).unwrap_or(1))
}

/// Deletes a finished execution's history and record (a machine deleted).
pub(crate) async fn delete(store: &dyn TableStore, record: &Execution) -> Result<()> {
    loop {
        let events =
            store.query(HISTORY, record.arn.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, 1000).await?;
        if events.is_empty() {
            break;
        }
        let writes = events.iter().map(|e| row(HISTORY, record.arn.as_bytes(), &e.sk, None)).collect();
        store.write(writes).await?;
    }
    store.write(vec![row(EXECUTIONS, record.machine_name.as_bytes(), record.name.as_bytes(), None)]).await?;
    Ok(())
}

/// A running execution as stored, ready to go on: its runs, its next event id, its timers.
pub(crate) async fn load(engine: &Arc<Engine>, machine: &str, name: &str) -> Result<Option<Exec>> {
    let store = engine.store.as_ref();
    let Some(record) = record(store, machine, name).await? else { return Ok(None) };
    if record.status != Status::Running {
        return Ok(None);
    }
    let definition = crate::definition::parse(&record.definition)
        .map_err(|d| corrupt(format!("the definition of execution {name}"), format!("{d:?}")))?;
    let input: Value =
        serde_json::from_str(&record.input).map_err(|e| corrupt(format!("execution {name}'s input"), e))?;
    let arn = record.arn.clone();
    let rows = store.query(RUNS, arn.as_bytes(), (Bound::Unbounded, Bound::Unbounded), true, usize::MAX).await?;
    let next_event = next_event(store, &arn).await?;
    let mut runs = BTreeMap::new();
    for r in rows {
        let run: Run = serde_json::from_slice(&r.item).map_err(|e| corrupt(format!("a run of {name}"), e))?;
        runs.insert(run.id.clone(), run);
    }
    let now = engine.clock.now_ms();
    let mut exec = Exec::new(record, input, definition, runs, next_event, now, engine.region.clone());
    exec.arm_deadline();
    let runs: Vec<Run> = exec.runs.values().cloned().collect();
    for run in runs {
        match &run.phase {
            Phase::Enter => exec.ready.push_back(run.id.clone()),
            Phase::Wait { due_ms, .. } | Phase::Retry { due_ms } => {
                exec.effects.push(exec::Effect::Timer { run: run.id.clone(), nonce: 0, due_ms: *due_ms })
            }
            Phase::Task { .. } => exec.resume_task(&run),
            Phase::Children(_) | Phase::Done { .. } | Phase::Failed { .. } => {}
        }
    }
    Ok(Some(exec))
}
