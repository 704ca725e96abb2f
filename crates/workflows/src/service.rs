//! [`Workflows`]: the state machines in memory, their store, and the operations of the
//! Step Functions API on machines, executions and task tokens.

use crate::definition::{self, Diagnostic, Machine};
use crate::engine::cluster::Letter;
use crate::engine::{self, Engine, Msg, store, token};
use crate::model::{Alias, Execution, MachineType, StateMachine, Status, Version};
use crate::names::{execution_arn, execution_of, express_arn, machine_arn, machine_of, valid};
use crate::{Error, Failure, Result, corrupt};
use serde_json::Value;
use squall_clock::Clock;
use squall_lifecycle::{Cluster, Ledger};
use squall_storage::{ItemWrite, TableStore};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use tokio::sync::oneshot;

/// The store's pseudo-table of state machines (key: name).
const MACHINES: &str = "machines";

/// A machine as stored, with its definition parsed.
#[derive(Clone)]
pub(crate) struct Entry {
    pub record: StateMachine,
    pub machine: Arc<Machine>,
    /// Published versions by number, each with its definition parsed.
    pub versions: BTreeMap<u64, (Version, Arc<Machine>)>,
    pub aliases: BTreeMap<String, Alias>,
}

impl Entry {
    pub(crate) fn new(record: StateMachine, machine: Arc<Machine>) -> Entry {
        Entry { record, machine, versions: BTreeMap::new(), aliases: BTreeMap::new() }
    }

    /// This machine with another record (and definition), its versions and aliases kept.
    pub(crate) fn with(&self, record: StateMachine, machine: Arc<Machine>) -> Entry {
        Entry { record, machine, versions: self.versions.clone(), aliases: self.aliases.clone() }
    }
}

/// CreateStateMachine's input.
pub struct NewMachine {
    pub name: String,
    pub definition: String,
    pub role_arn: String,
    pub kind: MachineType,
    pub logging: Value,
    pub tracing: bool,
    pub tags: BTreeMap<String, String>,
    /// `publish`: version 1 is published with it.
    pub publish: bool,
    pub version_description: Option<String>,
}

/// StartExecution's answer.
pub struct Started {
    pub arn: String,
    pub start_ms: u64,
}

/// A page of history events (stored form) and where the next one starts.
pub struct HistoryPage {
    pub events: Vec<Value>,
    pub next: Option<u64>,
}

/// Step Functions' state machines and executions.
pub struct Workflows {
    store: Arc<dyn TableStore>,
    pub(crate) region: String,
    pub(crate) clock: Clock,
    pub(crate) engine: Arc<Engine>,
    machines: RwLock<Arc<BTreeMap<String, Arc<Entry>>>>,
    admin: tokio::sync::Mutex<()>,
    ledger: Ledger,
    pub(crate) cluster: Cluster,
}

pub(crate) fn not_found(arn: &str) -> Error {
    Error::refused("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
}

pub(crate) fn invalid_arn(arn: &str) -> Error {
    Error::refused("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {arn}'"))
}

/// CreateStateMachine's and UpdateStateMachine's refusal of a definition.
pub fn invalid_definition(diagnostics: &[Diagnostic]) -> Error {
    let text: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    Error::refused("InvalidDefinition", format!("Invalid State Machine Definition: '{}'", text.join(", ")))
}

impl Workflows {
    /// Loads every state machine from `store` and resumes nothing yet (see `lifecycle`).
    pub async fn open(store: Arc<dyn TableStore>, region: &str, clock: Clock, cluster: Cluster) -> Result<Workflows> {
        let ledger = Ledger::open(store.clone(), MACHINES, crate::DOMAIN, cluster.clone()).await?;
        let machines = load(store.as_ref()).await?;
        let engine = Arc::new(Engine::new(store.clone(), clock.clone(), region, cluster.clone()));
        Ok(Workflows {
            store,
            region: region.to_string(),
            clock,
            engine,
            machines: RwLock::new(Arc::new(machines)),
            admin: tokio::sync::Mutex::new(()),
            ledger,
            cluster,
        })
    }

    /// What Tasks call (set once, by the composition root).
    pub fn set_tasks(&self, tasks: Arc<dyn engine::Tasks>) {
        let _ = self.engine.tasks.set(tasks);
    }

    pub(crate) fn snapshot(&self) -> Arc<BTreeMap<String, Arc<Entry>>> {
        self.machines.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the machines as stored now, after another server changed them.
    pub(crate) async fn refresh(&self) -> Result<()> {
        let _admin = self.admin.lock().await;
        if self.ledger.stale().await? {
            *self.machines.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(load(self.store.as_ref()).await?);
        }
        Ok(())
    }

    /// Commits `writes` and the machines as `decide` left them.
    pub(crate) async fn change<T>(
        &self,
        decide: impl FnOnce(&mut BTreeMap<String, Arc<Entry>>, &mut Vec<ItemWrite>) -> Result<T>,
    ) -> Result<T> {
        let _admin = self.admin.lock().await;
        if self.ledger.stale().await? {
            *self.machines.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(load(self.store.as_ref()).await?);
        }
        let mut machines = (*self.snapshot()).clone();
        let mut writes = Vec::new();
        let answer = decide(&mut machines, &mut writes)?;
        if !writes.is_empty() {
            self.ledger.commit(writes).await?;
            *self.machines.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(machines);
        }
        Ok(answer)
    }

    fn entry(&self, arn: &str) -> Result<Arc<Entry>> {
        let name = machine_of(arn).ok_or_else(|| invalid_arn(arn))?;
        self.snapshot().get(name).cloned().ok_or_else(|| not_found(arn))
    }

    /// ValidateStateMachineDefinition (for a machine of type `kind`).
    pub fn validate(&self, definition: &str, kind: MachineType) -> Vec<Diagnostic> {
        match definition::parse(definition) {
            Err(d) => d,
            Ok(m) if kind == MachineType::Express => definition::express_problems(&m),
            Ok(_) => Vec::new(),
        }
    }

    /// CreateStateMachine: the new machine's ARN and creation time (the existing one's when
    /// an identical machine exists, as Step Functions answers a repeated request).
    /// With `new.publish`, also its version 1 (whose ARN is the third member of the answer).
    pub async fn create_machine(&self, new: NewMachine) -> Result<(String, u64, Option<String>)> {
        if !valid(&new.name) {
            return Err(Error::refused("InvalidName", format!("Invalid Name: '{}'", new.name)));
        }
        let machine = definition::parse(&new.definition).map_err(|d| invalid_definition(&d))?;
        if new.kind == MachineType::Express {
            let problems = definition::express_problems(&machine);
            if !problems.is_empty() {
                return Err(invalid_definition(&problems));
            }
        }
        let now = self.clock.now_ms();
        let arn = machine_arn(&self.region, &new.name);
        self.change(|machines, writes| {
            if let Some(existing) = machines.get(&new.name) {
                let r = &existing.record;
                // Idempotent on name, definition, type, logging and tracing; another role or
                // other tags are ignored, as Step Functions does.
                if r.definition == new.definition
                    && r.kind == new.kind
                    && r.logging == new.logging
                    && r.tracing == new.tracing
                {
                    let version =
                        existing.versions.values().next_back().map(|(v, _)| v.arn.clone()).filter(|_| new.publish);
                    return Ok((r.arn.clone(), r.created_ms, version));
                }
                return Err(Error::refused(
                    "StateMachineAlreadyExists",
                    format!("State Machine Already Exists: '{arn}'"),
                ));
            }
            let record = StateMachine {
                name: new.name.clone(),
                arn: arn.clone(),
                definition: new.definition,
                role_arn: new.role_arn,
                kind: new.kind,
                created_ms: now,
                updated_ms: None,
                revision_id: uuid::Uuid::new_v4().to_string(),
                description: String::new(),
                logging: new.logging,
                tracing: new.tracing,
                tags: new.tags,
                last_version: 0,
            };
            writes.push(machine_row(&record, true));
            let mut entry = Entry::new(record, machine);
            let version = match new.publish {
                true => Some(crate::versions::publish(&mut entry, new.version_description, now, writes)?.arn),
                false => None,
            };
            machines.insert(new.name.clone(), Arc::new(entry));
            Ok((arn.clone(), now, version))
        })
        .await
    }

    /// DescribeStateMachine.
    pub fn describe_machine(&self, arn: &str) -> Result<StateMachine> {
        Ok(self.entry(arn)?.record.clone())
    }

    /// ListStateMachines, by name.
    pub fn list_machines(&self) -> Vec<StateMachine> {
        self.snapshot().values().map(|e| e.record.clone()).collect()
    }

    /// UpdateStateMachine: the update time and new revision.
    pub async fn update_machine(
        &self,
        arn: &str,
        definition: Option<String>,
        role_arn: Option<String>,
        logging: Option<Value>,
        tracing: Option<bool>,
        publish: Option<Option<String>>,
    ) -> Result<(u64, String, Option<String>)> {
        let name = machine_of(arn).ok_or_else(|| invalid_arn(arn))?.to_string();
        let parsed = match &definition {
            Some(d) => Some(definition::parse(d).map_err(|diag| invalid_definition(&diag))?),
            None => None,
        };
        let now = self.clock.now_ms();
        self.change(|machines, writes| {
            let entry = machines.get(&name).ok_or_else(|| not_found(arn))?;
            let mut record = entry.record.clone();
            let machine = parsed.unwrap_or_else(|| entry.machine.clone());
            if record.kind == MachineType::Express {
                let problems = definition::express_problems(&machine);
                if !problems.is_empty() {
                    return Err(invalid_definition(&problems));
                }
            }
            if let Some(d) = definition {
                record.definition = d;
            }
            if let Some(r) = role_arn {
                record.role_arn = r;
            }
            if let Some(l) = logging {
                record.logging = l;
            }
            if let Some(t) = tracing {
                record.tracing = t;
            }
            record.updated_ms = Some(now);
            record.revision_id = uuid::Uuid::new_v4().to_string();
            let revision = record.revision_id.clone();
            writes.push(machine_row(&record, true));
            let mut updated = entry.with(record, machine);
            // `publish` (with its description): the new revision becomes a version too.
            let version = match publish {
                Some(description) => Some(crate::versions::publish(&mut updated, description, now, writes)?.arn),
                None => None,
            };
            machines.insert(name.clone(), Arc::new(updated));
            Ok((now, revision, version))
        })
        .await
    }

    /// DeleteStateMachine. Its executions keep running to their end and stay describable.
    pub async fn delete_machine(&self, arn: &str) -> Result<()> {
        let name = machine_of(arn).ok_or_else(|| invalid_arn(arn))?.to_string();
        self.change(|machines, writes| {
            if let Some(entry) = machines.remove(&name) {
                writes.push(machine_row(&entry.record, false));
                crate::versions::forget(&entry, writes);
            }
            Ok(())
        })
        .await
    }

    /// TagResource / UntagResource / ListTagsForResource on a machine.
    pub async fn tag(&self, arn: &str, add: BTreeMap<String, String>, remove: &[String]) -> Result<()> {
        let name = machine_of(arn)
            .ok_or_else(|| Error::refused("ResourceNotFound", format!("Resource not found: '{arn}'")))?
            .to_string();
        self.change(|machines, writes| {
            let entry = machines
                .get(&name)
                .ok_or_else(|| Error::refused("ResourceNotFound", format!("Resource not found: '{arn}'")))?;
            let mut record = entry.record.clone();
            record.tags.extend(add);
            for k in remove {
                record.tags.remove(k);
            }
            if record.tags.len() > 50 {
                return Err(Error::refused("TooManyTags", "Too many tags: a resource has at most 50"));
            }
            writes.push(machine_row(&record, true));
            let updated = entry.with(record, entry.machine.clone());
            machines.insert(name.clone(), Arc::new(updated));
            Ok(())
        })
        .await
    }

    pub fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        let name = machine_of(arn)
            .ok_or_else(|| Error::refused("ResourceNotFound", format!("Resource not found: '{arn}'")))?;
        self.snapshot()
            .get(name)
            .map(|e| e.record.tags.clone())
            .ok_or_else(|| Error::refused("ResourceNotFound", format!("Resource not found: '{arn}'")))
    }

    fn check_input(input: &str) -> Result<()> {
        if input.len() > crate::model::MAX_PAYLOAD {
            return Err(Error::refused("InvalidExecutionInput", "The execution input exceeds the 262144-byte limit"));
        }
        serde_json::from_str::<Value>(input).map(|_| ()).map_err(|e| {
            Error::refused("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{e}'"))
        })
    }

    /// StartExecution: a STANDARD machine's execution is durable before this answers; the
    /// same name with the same input while it runs answers the same execution again.
    pub async fn start_execution(
        &self,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
        trace: Option<String>,
    ) -> Result<Started> {
        let target = self.target(machine_arn, squall_types::random_draw())?;
        let entry = target.entry.clone();
        let input = input.unwrap_or_else(|| "{}".into());
        Self::check_input(&input)?;
        let name = name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !valid(&name) {
            return Err(Error::refused("InvalidName", format!("Invalid Name: '{name}'")));
        }
        let express = entry.record.kind == MachineType::Express;
        let arn = if express {
            express_arn(&self.region, &entry.record.name, &name)
        } else {
            execution_arn(&self.region, &entry.record.name, &name)
        };
        if !express && let Some(existing) = store::record(self.store.as_ref(), &entry.record.name, &name).await? {
            if existing.status == Status::Running && existing.input == input {
                return Ok(Started { arn: existing.arn, start_ms: existing.start_ms });
            }
            return Err(Error::refused("ExecutionAlreadyExists", format!("Execution Already Exists: '{arn}'")));
        }
        let record = self.new_record(&target, arn, name, input, trace);
        let started = Started { arn: record.arn.clone(), start_ms: record.start_ms };
        self.engine.launch(record, target.machine.clone(), !express, None).await?;
        Ok(started)
    }

    fn new_record(
        &self,
        target: &crate::versions::Target,
        arn: String,
        name: String,
        input: String,
        trace: Option<String>,
    ) -> Execution {
        let entry = &target.entry;
        Execution {
            arn,
            name,
            machine_arn: entry.record.arn.clone(),
            machine_name: entry.record.name.clone(),
            definition: target.definition.clone(),
            role_arn: target.role_arn.clone(),
            version_arn: target.version_arn.clone(),
            alias_arn: target.alias_arn.clone(),
            redrive_count: 0,
            redrive_ms: None,
            redrive_token: None,
            redrive_from: None,
            redrive_vars: Default::default(),
            kind: entry.record.kind,
            status: Status::Running,
            input,
            output: None,
            error: None,
            cause: None,
            start_ms: self.clock.now_ms(),
            stop_ms: None,
            trace,
        }
    }

    /// StartSyncExecution: an EXPRESS machine's execution, run to its end.
    pub async fn start_sync_execution(
        &self,
        machine_arn: &str,
        name: Option<String>,
        input: Option<String>,
        trace: Option<String>,
    ) -> Result<Execution> {
        let target = self.target(machine_arn, squall_types::random_draw())?;
        let entry = target.entry.clone();
        if entry.record.kind != MachineType::Express {
            return Err(Error::refused(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine: StartSyncExecution takes an EXPRESS state machine",
            ));
        }
        let input = input.unwrap_or_else(|| "{}".into());
        Self::check_input(&input)?;
        let name = name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !valid(&name) {
            return Err(Error::refused("InvalidName", format!("Invalid Name: '{name}'")));
        }
        let arn = express_arn(&self.region, &entry.record.name, &name);
        let record = self.new_record(&target, arn, name, input, trace);
        let (tx, rx) = oneshot::channel();
        self.engine.launch(record, target.machine.clone(), false, Some(tx)).await?;
        rx.await.map_err(|_| Error::refused("ServiceUnavailable", "The execution stopped with the server"))
    }

    /// DescribeExecution (and DescribeStateMachineForExecution's record).
    pub async fn describe_execution(&self, arn: &str) -> Result<Execution> {
        let (machine, name) = execution_of(arn).ok_or_else(|| invalid_execution_arn(arn))?;
        let record = store::record(self.store.as_ref(), machine, name).await?;
        record.filter(|r| r.arn == arn).ok_or_else(|| execution_not_found(arn))
    }

    /// ListExecutions: newest first, optionally of one status.
    pub async fn list_executions(&self, machine_arn: &str, status: Option<Status>) -> Result<Vec<Execution>> {
        let (_, qualifier) = crate::names::qualified(machine_arn).ok_or_else(|| invalid_arn(machine_arn))?;
        let target = self.target(machine_arn, 0.0)?;
        let entry = target.entry.clone();
        if entry.record.kind == MachineType::Express {
            return Err(Error::refused(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine: EXPRESS executions are not listed (they keep no history)",
            ));
        }
        let mut all = store::records(self.store.as_ref(), &entry.record.name).await?;
        // A version's or alias's ARN lists the executions started through it.
        let through = |e: &Execution| match qualifier {
            None => true,
            Some(_) => e.version_arn.as_deref() == Some(machine_arn) || e.alias_arn.as_deref() == Some(machine_arn),
        };
        all.retain(|e| e.machine_arn == entry.record.arn && through(e) && status.is_none_or(|s| e.status == s));
        all.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then_with(|| b.name.cmp(&a.name)));
        Ok(all)
    }

    /// StopExecution: the stop time, once the abort is written (on a shared store, by the
    /// server running it, which reads the letter left for it).
    pub async fn stop_execution(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<u64> {
        let record = self.describe_execution(arn).await?;
        if record.status != Status::Running {
            // Stopping what has ended changes nothing; its stop time stands.
            return Ok(record.stop_ms.unwrap_or(record.start_ms));
        }
        let (error, cause) = (error.unwrap_or_default(), cause.unwrap_or_default());
        if self.engine.is_live(arn) {
            let (tx, rx) = oneshot::channel();
            let failure = Failure::new(error, cause);
            if self.engine.deliver(arn, Msg::Stop { failure, reply: tx, letter: None }) && rx.await.is_ok() {
                return Ok(self.clock.now_ms());
            }
            return Err(Error::refused(
                "ServiceUnavailable",
                format!("Execution '{arn}' could not be stopped; try again"),
            ));
        }
        if self.cluster.shared && self.engine.post(Letter::Stop { execution: arn.to_string(), error, cause }).await? {
            return Ok(self.clock.now_ms());
        }
        Err(not_running(arn))
    }

    /// RedriveExecution: a STANDARD execution that failed, timed out or was stopped in the
    /// last 14 days goes on from the state it was in (a Parallel or Map state runs whole again).
    pub async fn redrive_execution(&self, arn: &str, client_token: Option<String>) -> Result<u64> {
        let mut record = self.describe_execution(arn).await?;
        if let (Some(t), Some(at)) = (&client_token, record.redrive_ms)
            && record.redrive_token.as_ref() == Some(t)
        {
            return Ok(at);
        }
        record.redrive_token = client_token;
        if let Some(why) = not_redrivable(&record, self.clock.now_ms()) {
            return Err(Error::refused("ExecutionNotRedrivable", format!("Execution {arn} cannot be redriven: {why}")));
        }
        let redriven = self.engine.redrive(record).await?;
        Ok(redriven.redrive_ms.unwrap_or_default())
    }

    /// GetExecutionHistory: up to `limit` events from `from`.
    pub async fn history(&self, arn: &str, reverse: bool, from: Option<u64>, limit: usize) -> Result<HistoryPage> {
        self.describe_execution(arn).await?;
        let mut events = store::history(self.store.as_ref(), arn, from, reverse, limit + 1).await?;
        let next = if events.len() > limit { events.pop().and_then(|e| e["id"].as_u64()) } else { None };
        Ok(HistoryPage { events, next })
    }

    /// SendTaskSuccess (`Ok`) and SendTaskFailure (`Err`): answered once the Task's outcome is
    /// written (on a shared store, a letter for the server running the execution).
    pub async fn send_task_result(&self, task_token: &str, answer: std::result::Result<Value, Failure>) -> Result<()> {
        let (execution, run, nonce, secret) = read_token(task_token)?;
        if !self.engine.is_live(&execution) {
            let letter = Letter::Token { execution: execution.clone(), run, nonce, secret, answer };
            return self.post_or_gone(&execution, letter).await;
        }
        let (tx, rx) = oneshot::channel();
        let msg = Msg::Token { run, nonce, secret, answer, reply: tx, letter: None };
        if self.engine.deliver(&execution, msg) && rx.await.unwrap_or(false) {
            return Ok(());
        }
        Err(task_gone(&execution))
    }

    /// SendTaskHeartbeat.
    pub async fn send_task_heartbeat(&self, task_token: &str) -> Result<()> {
        let (execution, run, nonce, secret) = read_token(task_token)?;
        if !self.engine.is_live(&execution) {
            let letter = Letter::Heartbeat { execution: execution.clone(), run, nonce, secret };
            return self.post_or_gone(&execution, letter).await;
        }
        let (tx, rx) = oneshot::channel();
        let msg = Msg::Heartbeat { run, nonce, secret, reply: tx, letter: None };
        if self.engine.deliver(&execution, msg) && rx.await.unwrap_or(false) {
            return Ok(());
        }
        Err(task_gone(&execution))
    }

    /// A letter for the server running `execution` on a shared store; else the task is gone.
    async fn post_or_gone(&self, execution: &str, letter: Letter) -> Result<()> {
        if self.cluster.shared && self.engine.post(letter).await? {
            return Ok(());
        }
        Err(task_gone(execution))
    }

    /// Removes every machine and execution (`squall reset` in dev mode).
    pub async fn reset(&self) -> Result<()> {
        let names: Vec<String> = self.snapshot().keys().cloned().collect();
        for name in names {
            for e in store::records(self.store.as_ref(), &name).await? {
                if e.status == Status::Running {
                    let (tx, rx) = oneshot::channel();
                    if self
                        .engine
                        .deliver(&e.arn, Msg::Stop { failure: Failure::new("", "reset"), reply: tx, letter: None })
                    {
                        let _ = rx.await;
                    }
                }
                store::delete(self.store.as_ref(), &e).await?;
            }
            self.delete_machine(&machine_arn(&self.region, &name)).await?;
        }
        Ok(())
    }
}

/// Why an execution cannot be redriven (DescribeExecution's `redriveStatusReason`), if so.
pub fn not_redrivable(e: &Execution, now_ms: u64) -> Option<&'static str> {
    const WINDOW_MS: u64 = 14 * 24 * 3600 * 1000;
    match e.status {
        Status::Running => Some("it is running"),
        Status::Succeeded => Some("it succeeded"),
        _ if e.kind == MachineType::Express => Some("EXPRESS executions are not redriven"),
        _ if e.stop_ms.is_some_and(|s| s + WINDOW_MS < now_ms) => Some("it stopped more than 14 days ago"),
        _ if e.redrive_from.is_none() => Some("it has no state to go on from"),
        _ => None,
    }
}

fn read_token(task_token: &str) -> Result<(String, String, u64, String)> {
    if task_token.is_empty() || task_token.len() > 2048 {
        return Err(Error::refused("InvalidToken", "Invalid Token: the task token must be 1 to 2048 characters"));
    }
    token::read(task_token).ok_or_else(|| Error::refused("InvalidToken", format!("Invalid Token: '{task_token}'")))
}

fn task_gone(execution: &str) -> Error {
    Error::refused(
        "TaskDoesNotExist",
        format!("Task Does Not Exist: the task of execution '{execution}' is no longer waiting"),
    )
}

fn not_running(arn: &str) -> Error {
    Error::refused("ExecutionDoesNotExist", format!("Execution '{arn}' is not running"))
}

fn invalid_execution_arn(arn: &str) -> Error {
    Error::refused("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {arn}'"))
}

fn execution_not_found(arn: &str) -> Error {
    Error::refused("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
}

pub(crate) fn machine_row(record: &StateMachine, keep: bool) -> ItemWrite {
    ItemWrite {
        table: MACHINES.into(),
        pk: record.name.as_bytes().to_vec(),
        sk: Vec::new(),
        item: keep.then(|| serde_json::to_vec(record).expect("a machine serializes")),
    }
}

async fn load(store: &dyn TableStore) -> Result<BTreeMap<String, Arc<Entry>>> {
    let mut out = BTreeMap::new();
    for row in squall_storage::scan_all(store, MACHINES).await? {
        let record: StateMachine =
            serde_json::from_slice(&row.item).map_err(|e| corrupt("a state machine".into(), e))?;
        let machine = definition::parse(&record.definition)
            .map_err(|d| corrupt(format!("state machine {}", record.name), format!("{d:?}")))?;
        out.insert(record.name.clone(), Entry::new(record, machine));
    }
    crate::versions::load(store, &mut out).await?;
    Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}
