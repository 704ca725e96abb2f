//! An execution's state in memory and how it moves: each call decides transitions,
//! collects the history events and changed runs to write, and the effects (task calls,
//! timers) to start once they are written.

use super::run::{Children, Phase, ROOT, Run};
use crate::definition::{Integration, Io, Kind, Machine, Mode, Number, State, Text, Wait};
use crate::failure::names;
use crate::history::{self, Event};
use crate::model::{Execution, MAX_PAYLOAD, Status};
use crate::{Failure, choice, jsonata, paths, template};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

mod jsonata_states;

/// What to start once the batch is durable.
#[derive(Debug)]
pub(crate) enum Effect {
    /// Call a Task's resource.
    Invoke { run: String, nonce: u64, call: Call },
    /// Wake the run at `due_ms` (`nonce`: of the Task phase a deadline belongs to, 0 else).
    Timer { run: String, nonce: u64, due_ms: u64 },
}

/// A Task's call.
#[derive(Debug, Clone)]
pub struct Call {
    pub integration: Integration,
    pub mode: Mode,
    pub payload: Value,
}

/// How long an EXPRESS execution may run.
const EXPRESS_LIMIT_MS: u64 = 5 * 60 * 1000;

/// AWS's limit on an execution's history.
pub(crate) const MAX_EVENTS: u64 = 25_000;

pub(crate) struct Exec {
    pub record: Execution,
    pub input: Value,
    pub machine: Arc<Machine>,
    pub runs: BTreeMap<String, Run>,
    pub next_event: u64,
    pub now_ms: u64,
    pub region: String,
    /// Events to write, stored form.
    pub events: Vec<(u64, Value)>,
    /// Runs changed since the last write (absent from `runs`: deleted).
    pub dirty: BTreeSet<String>,
    pub record_dirty: bool,
    pub ready: VecDeque<String>,
    pub effects: Vec<Effect>,
    /// Its entry in `active` as this server last wrote it (a shared store's writes expect
    /// it unchanged: a server that lost the execution to another stops).
    pub claim: Option<super::store::Active>,
    /// Other rows to write with the batch: the inbox letters its messages came in.
    pub extra: Vec<squall_storage::ItemWrite>,
}

type Outcome = Result<Step, Failure>;

/// How a state ended its turn.
enum Step {
    /// On to `next` (or the end of its machine) with `output`.
    Exit { output: Value, next: Option<String> },
    /// The run waits (phase set, effects queued).
    Pending,
}

impl Exec {
    /// A Wait state's end: on at once if `due_ms` has passed, else a timer on the clock.
    fn wait_until(&mut self, id: &str, state: &State, due_ms: u64, output: Value) -> Step {
        if due_ms <= self.now_ms {
            return Step::Exit { output, next: state.next.clone() };
        }
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Wait { due_ms, output };
        self.dirty.insert(id.to_string());
        self.effects.push(Effect::Timer { run: id.to_string(), nonce: 0, due_ms });
        Step::Pending
    }

    /// An execution's state with nothing pending: its runs, and the next event's id.
    pub fn new(
        record: Execution,
        input: Value,
        machine: Arc<Machine>,
        runs: BTreeMap<String, Run>,
        next_event: u64,
        now_ms: u64,
        region: String,
    ) -> Exec {
        Exec {
            record,
            input,
            machine,
            runs,
            next_event,
            now_ms,
            region,
            events: Vec::new(),
            dirty: BTreeSet::new(),
            record_dirty: false,
            ready: VecDeque::new(),
            effects: Vec::new(),
            claim: None,
            extra: Vec::new(),
        }
    }

    /// The history event `event`, following `after`.
    pub fn emit_after(&mut self, after: u64, event: Event) -> u64 {
        let id = self.next_event;
        self.next_event += 1;
        self.events.push((id, history::stored(id, after, self.now_ms, event)));
        id
    }

    fn emit(&mut self, run: &str, event: Event) -> u64 {
        let after = self.runs.get(run).map(|r| r.last_event).unwrap_or(self.next_event - 1);
        let id = self.emit_after(after, event);
        if let Some(r) = self.runs.get_mut(run) {
            r.last_event = id;
        }
        self.dirty.insert(run.to_string());
        id
    }

    fn touch(&mut self, run: &Run) {
        self.dirty.insert(run.id.clone());
        self.runs.insert(run.id.clone(), run.clone());
    }

    /// The machine a run's scope names.
    fn scope_machine(&self, scope: &[(String, u32)]) -> Arc<Machine> {
        let mut machine = self.machine.clone();
        for (state, branch) in scope {
            let next = match machine.state(state).map(|s| &s.kind) {
                Some(Kind::Parallel { branches }) => branches.get(*branch as usize).cloned(),
                Some(Kind::Map(m)) => Some(m.processor.clone()),
                _ => None,
            };
            machine = next.expect("a stored run's scope names its machine");
        }
        machine
    }

    fn state_of(&self, run: &Run) -> Arc<State> {
        self.scope_machine(&run.scope).state(&run.state).cloned().expect("a stored run names a state of its machine")
    }

    /// The context object (`$$`) of a run's current state.
    fn context(&self, run: &Run, token: Option<&str>) -> Value {
        let mut c = json!({
            "Execution": {
                "Id": self.record.arn,
                "Input": self.input,
                "Name": self.record.name,
                "RoleArn": self.record.role_arn,
                "StartTime": squall_types::format_iso8601_millis_z(self.record.start_ms),
                "RedriveCount": self.record.redrive_count,
            },
            "State": {
                "EnteredTime": squall_types::format_iso8601_millis_z(run.entered_ms),
                "Name": run.state,
                "RetryCount": run.attempt,
            },
            "StateMachine": {"Id": self.record.machine_arn, "Name": self.record.machine_name},
        });
        if let Some(t) = token {
            c["Task"] = json!({"Token": t});
        }
        c
    }

    /// Runs every ready run as far as it goes without waiting.
    pub fn drain_ready(&mut self, budget: usize) -> bool {
        let mut n = 0;
        while let Some(id) = self.ready.pop_front() {
            self.advance(&id);
            n += 1;
            if self.next_event > MAX_EVENTS && self.record.status == Status::Running {
                self.finish_failed(Failure::runtime(format!(
                    "The execution reached the maximum number of history events ({MAX_EVENTS})."
                )));
            }
            if self.record.status != Status::Running {
                self.ready.clear();
                return true;
            }
            if n >= budget {
                return false;
            }
        }
        true
    }

    /// Runs the current state of a run that is to enter it.
    fn advance(&mut self, id: &str) {
        let Some(run) = self.runs.get(id).cloned() else { return };
        if !matches!(run.phase, Phase::Enter) {
            return;
        }
        let state = self.state_of(&run);
        if run.attempt == 0 {
            let label = state.kind.label();
            let ev = self.emit(id, history::state_entered(label, &state.name, &run.input));
            let r = self.runs.get_mut(id).expect("present");
            r.entered_event = ev;
        }
        match self.run_state(id, &state) {
            Ok(Step::Exit { output, next }) => self.exit(id, &state, output, next),
            Ok(Step::Pending) => {}
            Err(f) => self.state_failed(id, &state, f),
        }
    }

    fn effective_input(&self, run: &Run, state: &State) -> Result<Value, Failure> {
        match &state.input_path {
            None => Ok(json!({})),
            Some(p) => template::read_any(p, &run.input, &self.context(run, None)).map_err(|m| {
                Failure::runtime(format!(
                    "An error occurred while executing the state '{}' (entered at the event id #{}). Invalid path '{p}' : {}",
                    state.name, run.entered_event, m.0
                ))
            }),
        }
    }

    fn output_of(&self, run: &Run, state: &State, doc: Value) -> Result<Value, Failure> {
        match &state.output_path {
            None => Ok(json!({})),
            Some(p) if p == "$" => Ok(doc),
            Some(p) => template::read_any(p, &doc, &self.context(run, None)).map_err(|m| {
                Failure::runtime(format!(
                    "An error occurred while executing the state '{}' (entered at the event id #{}). Invalid path '{p}' : {}",
                    state.name, run.entered_event, m.0
                ))
            }),
        }
    }

    /// What JSONata expressions of `run`'s state see: `$states.input` (`input`), the context
    /// object, and `extra` (`result` or `errorOutput`), with the thread's variables.
    fn bindings<'r>(&self, run: &'r Run, input: &Value, extra: Option<(&str, Value)>) -> jsonata::Bindings<'r> {
        let mut states = json!({"input": input, "context": self.context(run, None)});
        if let Some((k, v)) = extra {
            states[k] = v;
        }
        jsonata::Bindings { states, variables: &run.vars }
    }

    /// A JSONata state's end: its `Output` (default: the result) and its `Assign`, both over
    /// `$states.result`, the variables set for the states after it.
    fn finish_jsonata(
        &mut self,
        run: &Run,
        state: &State,
        result: Value,
        io: Option<&Io>,
        key: &str,
    ) -> Result<Value, Failure> {
        let (output, assign) = match io {
            Some(io) => (&io.output, &io.assign),
            None => (&state.output, &state.assign),
        };
        let b = self.bindings(run, &run.input, Some((key, result.clone())));
        let out = match output {
            Some(t) => jsonata::template(t, &b)?,
            None => result,
        };
        if let Some(t) = assign {
            let assigned = jsonata::template(t, &b)?;
            if let (Some(r), Value::Object(m)) = (self.runs.get_mut(&run.id), assigned) {
                r.vars.extend(m);
                self.dirty.insert(run.id.clone());
            }
        }
        Ok(out)
    }

    /// ResultSelector, ResultPath and OutputPath over a result (JSONata: Output and Assign).
    fn finish_result(&mut self, run: &Run, state: &State, result: Value) -> Result<Value, Failure> {
        if state.jsonata {
            return self.finish_jsonata(run, state, result, None, "result");
        }
        let ctx = self.context(run, None);
        let selected = match &state.result_selector {
            Some(t) => template::apply(t, &result, &ctx)?,
            None => result,
        };
        let combined = match &state.result_path {
            None => run.input.clone(),
            // Step Functions reports this as States.Runtime (the specification names
            // States.ResultPathMatchFailure), so no Catch takes it.
            Some(p) => paths::insert(run.input.clone(), p, selected).map_err(|m| {
                Failure::runtime(format!(
                    "An error occurred while executing the state '{}' (entered at the event id #{}). {m}",
                    state.name, run.entered_event
                ))
            })?,
        };
        self.output_of(run, state, combined)
    }

    fn number(&self, n: &Option<Number>, doc: &Value, run: &Run, field: &str) -> Result<Option<f64>, Failure> {
        match n {
            None => Ok(None),
            Some(Number::Literal(v)) => Ok(Some(*v)),
            Some(Number::Expr(e)) => {
                let v = jsonata::evaluate(e, &self.bindings(run, doc, None))?.unwrap_or(Value::Null);
                v.as_f64().filter(|n| *n >= 0.0).map(Some).ok_or_else(|| {
                    Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!("{field} must be a non-negative number, not {v}"),
                    )
                })
            }
            Some(Number::Path(p)) => {
                let v = template::read_any(p, doc, &self.context(run, None))
                    .map_err(|m| Failure::runtime(format!("Invalid path '{p}' for {field}: {}", m.0)))?;
                v.as_f64().filter(|n| *n >= 0.0).map(Some).ok_or_else(|| {
                    Failure::runtime(format!("The value of {field} at '{p}' must be a non-negative number, not {v}"))
                })
            }
        }
    }

    fn run_state(&mut self, id: &str, state: &Arc<State>) -> Outcome {
        let run = self.runs[id].clone();
        if state.jsonata {
            return self.run_jsonata(id, state, run);
        }
        let input = self.effective_input(&run, state)?;
        match &state.kind {
            Kind::Pass { result } => {
                let produced = match (result, &state.parameters) {
                    (Some(r), _) => r.clone(),
                    (None, Some(t)) => template::apply(t, &input, &self.context(&run, None))?,
                    (None, None) => input,
                };
                let output = self.finish_result(&run, state, produced)?;
                Ok(Step::Exit { output, next: state.next.clone() })
            }
            Kind::Choice { choices, default, .. } => {
                let ctx = self.context(&run, None);
                for (rule, next) in choices {
                    if choice::holds(rule, &input, &ctx)? {
                        let output = self.output_of(&run, state, input)?;
                        return Ok(Step::Exit { output, next: Some(next.clone()) });
                    }
                }
                match default {
                    Some(d) => {
                        let output = self.output_of(&run, state, input)?;
                        Ok(Step::Exit { output, next: Some(d.clone()) })
                    }
                    None => Err(Failure::new(
                        names::NO_CHOICE_MATCHED,
                        format!(
                            "An error occurred while executing the state '{}' (entered at the event id #{}). Failed to transition out of the state. The state does not point to a next state.",
                            state.name, run.entered_event
                        ),
                    )),
                }
            }
            Kind::Succeed => {
                let output = self.output_of(&run, state, input)?;
                Ok(Step::Exit { output, next: None })
            }
            Kind::Fail { error, cause } => {
                let ctx = self.context(&run, None);
                let text = |t: &Option<Text>| -> Result<Option<String>, Failure> {
                    match t {
                        None => Ok(None),
                        Some(Text::Literal(s)) => Ok(Some(s.clone())),
                        Some(Text::Expr(_)) => unreachable!("JSONata states run in run_jsonata"),
                        Some(Text::Path(p)) if crate::intrinsics::is_intrinsic(p) => {
                            let v = crate::intrinsics::evaluate(p, &|q| {
                                template::read_any(q, &input, &ctx).map_err(|m| Failure::runtime(m.0))
                            })?;
                            Ok(Some(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                        }
                        Some(Text::Path(p)) => {
                            let v = template::read_any(p, &input, &ctx).map_err(|m| Failure::runtime(m.0))?;
                            v.as_str().map(|s| Some(s.to_string())).ok_or_else(|| {
                                Failure::runtime(format!("The value at '{p}' must be a string, not {v}"))
                            })
                        }
                    }
                };
                let error = text(error)?;
                let cause = text(cause)?;
                self.run_failed(id, Failure::new(error.unwrap_or_default(), cause.unwrap_or_default()));
                Ok(Step::Pending)
            }
            Kind::Wait(wait) => {
                let ctx = self.context(&run, None);
                let due_ms = match wait {
                    Wait::Seconds(s) => self.now_ms.saturating_add(s.saturating_mul(1000)),
                    Wait::SecondsPath(p) => {
                        let v = template::read_any(p, &input, &ctx).map_err(|m| Failure::runtime(m.0))?;
                        let s = v.as_u64().ok_or_else(|| {
                            Failure::runtime(format!(
                                "The SecondsPath parameter does not reference a valid integer value: {v}"
                            ))
                        })?;
                        self.now_ms.saturating_add(s.saturating_mul(1000))
                    }
                    Wait::Timestamp(t) => timestamp_ms(t)?,
                    Wait::SecondsExpr(_) | Wait::TimestampExpr(_) => unreachable!("JSONata states run in run_jsonata"),
                    Wait::TimestampPath(p) => {
                        let v = template::read_any(p, &input, &ctx).map_err(|m| Failure::runtime(m.0))?;
                        timestamp_ms(v.as_str().unwrap_or_default())?
                    }
                };
                let output = self.output_of(&run, state, input)?;
                Ok(self.wait_until(id, state, due_ms, output))
            }
            Kind::Task(task) => {
                // The id TaskScheduled is about to take: unique in the execution, across restarts.
                let nonce = self.next_event;
                let secret = super::token::secret();
                let token = (task.resource.mode == Mode::Token)
                    .then(|| super::token::make(&self.record.arn, id, nonce, &secret));
                let payload = self.task_payload(&run, state, token.as_deref())?;
                let timeout = self.number(&task.timeout, &input, &run, "TimeoutSecondsPath")?;
                let heartbeat = self.number(&task.heartbeat, &input, &run, "HeartbeatSecondsPath")?;
                self.start_task(id, task, payload, token.map(|t| (t, secret)), timeout, heartbeat)
            }
            Kind::Parallel { branches } => {
                let payload = match &state.parameters {
                    Some(t) => template::apply(t, &input, &self.context(&run, None))?,
                    None => input,
                };
                self.emit(id, history::plain("ParallelStateStarted"));
                let inputs = vec![payload; branches.len()];
                self.fork(id, false, inputs, 0, None);
                Ok(Step::Pending)
            }
            Kind::Map(map) => {
                let ctx = self.context(&run, None);
                let items = template::read_any(&map.items_path, &input, &ctx).map_err(|m| {
                    Failure::runtime(format!(
                        "An error occurred while executing the state '{}' (entered at the event id #{}). Invalid path '{}' : {}",
                        state.name, run.entered_event, map.items_path, m.0
                    ))
                })?;
                let Value::Array(items) = items else {
                    return Err(Failure::runtime(format!(
                        "An error occurred while executing the state '{}' (entered at the event id #{}). Items of the Map state must be an array, but the ItemsPath '{}' resolved to {}",
                        state.name, run.entered_event, map.items_path, items
                    )));
                };
                let mut inputs = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    inputs.push(match &map.item_selector {
                        Some(t) => {
                            let mut c = ctx.clone();
                            c["Map"] = json!({"Item": {"Index": i, "Value": item}});
                            template::apply(t, &input, &c)?
                        }
                        None => item,
                    });
                }
                if !map.distributed
                    && (map.batcher.is_some() || map.tolerated_count.is_some() || map.tolerated_percentage.is_some())
                {
                    return Err(Failure::runtime(format!(
                        "An error occurred while executing the state '{}' (entered at the event id #{}). ItemBatcher and ToleratedFailureCount/Percentage are only supported by a Map whose ProcessorConfig Mode is DISTRIBUTED",
                        state.name, run.entered_event
                    )));
                }
                if let Some(b) = &map.batcher {
                    let max_items =
                        self.number(&b.max_items, &input, &run, "MaxItemsPerBatchPath")?.map(|n| n as usize);
                    let max_bytes =
                        self.number(&b.max_bytes, &input, &run, "MaxInputBytesPerBatchPath")?.map(|n| n as usize);
                    let batch_input = match &b.batch_input {
                        Some(t) => Some(template::apply(t, &input, &ctx)?),
                        None => None,
                    };
                    inputs = batches(inputs, max_items, max_bytes, batch_input);
                }
                self.launch_map(id, &run, state, map, &input, inputs)
            }
        }
    }

    /// Starts a Task's call with `payload`: its events, its phase, its timers and the call.
    fn start_task(
        &mut self,
        id: &str,
        task: &crate::definition::Task,
        payload: Value,
        token: Option<(String, String)>,
        timeout: Option<f64>,
        heartbeat: Option<f64>,
    ) -> Outcome {
        let nonce = self.next_event;
        if let Some((t, _)) = &token
            && !contains_token(&payload, t)
        {
            return Err(Failure::runtime(
                "The Parameters of a .waitForTaskToken task must pass the task token ($$.Task.Token) on".to_string(),
            ));
        }
        let (resource_type, resource) = task.resource.kind();
        match &task.resource.integration {
            Integration::Function(_) => {
                let (text, details) = history::payload(&payload);
                let mut d = json!({"resource": task.resource.arn, "input": text, "inputDetails": details});
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t as u64);
                }
                self.emit(id, history::with("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", d));
                self.emit(id, history::plain("LambdaFunctionStarted"));
            }
            _ => {
                let mut d = json!({
                    "resourceType": resource_type,
                    "resource": resource,
                    "region": self.region,
                    "parameters": serde_json::to_string(&payload).unwrap_or_default(),
                });
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t as u64);
                }
                if let Some(h) = heartbeat {
                    d["heartbeatInSeconds"] = json!(h as u64);
                }
                self.emit(id, history::with("TaskScheduled", "taskScheduledEventDetails", d));
                self.emit(
                    id,
                    history::with(
                        "TaskStarted",
                        "taskStartedEventDetails",
                        json!({"resourceType": resource_type, "resource": resource}),
                    ),
                );
            }
        }
        let deadline_ms = timeout.map(|t| self.now_ms.saturating_add((t * 1000.0) as u64));
        let heartbeat_ms = heartbeat.map(|h| (h * 1000.0) as u64);
        let heartbeat_due_ms = heartbeat_ms.map(|h| self.now_ms.saturating_add(h));
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Task {
            nonce,
            deadline_ms,
            heartbeat_ms,
            heartbeat_due_ms,
            token: token.is_some(),
            invoked: false,
            secret: token.map(|(_, s)| s).unwrap_or_default(),
        };
        self.dirty.insert(id.to_string());
        for due_ms in [deadline_ms, heartbeat_due_ms].into_iter().flatten() {
            self.effects.push(Effect::Timer { run: id.to_string(), nonce, due_ms });
        }
        let call = Call { integration: task.resource.integration.clone(), mode: task.resource.mode, payload };
        self.effects.push(Effect::Invoke { run: id.to_string(), nonce, call });
        Ok(Step::Pending)
    }

    /// Starts a Map's iterations over `inputs` (its concurrency and tolerance read from
    /// `input`), or ends it at once when there are none.
    fn launch_map(
        &mut self,
        id: &str,
        run: &Run,
        state: &State,
        map: &crate::definition::MapState,
        input: &Value,
        inputs: Vec<Value>,
    ) -> Outcome {
        let concurrency =
            concurrency(map.distributed, self.number(&map.max_concurrency, input, run, "MaxConcurrency")?);
        let count = self.number(&map.tolerated_count, input, run, "ToleratedFailureCount")?;
        let percentage = self.number(&map.tolerated_percentage, input, run, "ToleratedFailurePercentage")?;
        let tolerated = tolerated(count, percentage, inputs.len());
        self.emit(id, history::with("MapStateStarted", "mapStateStartedEventDetails", json!({"length": inputs.len()})));
        if inputs.is_empty() {
            let output = self.finish_result(run, state, json!([]))?;
            self.emit(id, history::plain("MapStateSucceeded"));
            return Ok(Step::Exit { output, next: state.next.clone() });
        }
        self.fork(id, true, inputs, concurrency, tolerated);
        Ok(Step::Pending)
    }

    /// Starts a Parallel's branches or a Map's iterations.
    fn fork(&mut self, id: &str, map: bool, inputs: Vec<Value>, concurrency: usize, tolerated: Option<usize>) {
        let children = Children {
            map,
            total: inputs.len(),
            started: 0,
            finished: 0,
            failed: 0,
            concurrency,
            tolerated,
            inputs,
            first_failure: None,
        };
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Children(children);
        self.dirty.insert(id.to_string());
        self.start_children(id);
    }

    fn start_children(&mut self, id: &str) {
        let parent = self.runs[id].clone();
        let Phase::Children(mut c) = parent.phase.clone() else { return };
        let state = self.state_of(&parent);
        let running = c.started - c.finished;
        let room = if c.concurrency == 0 { usize::MAX } else { c.concurrency.saturating_sub(running) };
        let mut started = Vec::new();
        while c.started < c.total && started.len() < room {
            let index = c.started;
            c.started += 1;
            let input = std::mem::take(&mut c.inputs[index]);
            let branch = if c.map { 0 } else { index as u32 };
            let mut scope = parent.scope.clone();
            scope.push((parent.state.clone(), branch));
            let machine = self.scope_machine(&scope);
            let child = Run {
                id: format!("{id}/{index}"),
                scope,
                state: machine.start_at.clone(),
                input,
                phase: Phase::Enter,
                retries: Vec::new(),
                attempt: 0,
                entered_event: 0,
                last_event: parent.last_event,
                entered_ms: self.now_ms,
                index,
                // Inner threads read the outer variables; what they assign stays inside.
                vars: parent.vars.clone(),
            };
            started.push(child);
        }
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Children(c.clone());
        self.dirty.insert(id.to_string());
        for child in started {
            let child_id = child.id.clone();
            let index = child.index;
            self.touch(&child);
            if c.map {
                self.emit(
                    &child_id,
                    history::with(
                        "MapIterationStarted",
                        "mapIterationStartedEventDetails",
                        json!({"name": state.name, "index": index}),
                    ),
                );
            }
            self.ready.push_back(child_id);
        }
    }

    /// Leaves a state with `output` for `next`, or ends the run's machine.
    fn exit(&mut self, id: &str, state: &State, output: Value, next: Option<String>) {
        if !matches!(state.kind, Kind::Fail { .. }) {
            let (text, _) = history::payload(&output);
            if text.len() > MAX_PAYLOAD {
                let cause = format!(
                    "The state '{}' output {} bytes, over the {MAX_PAYLOAD}-byte limit",
                    state.name,
                    text.len()
                );
                self.run_failed(id, Failure::new(names::DATA_LIMIT_EXCEEDED, cause));
                return;
            }
            self.emit(id, history::state_exited(state.kind.label(), &state.name, text));
        }
        match next {
            Some(next) => {
                let now = self.now_ms;
                let r = self.runs.get_mut(id).expect("present");
                r.state = next;
                r.input = output;
                r.phase = Phase::Enter;
                r.retries.clear();
                r.attempt = 0;
                r.entered_ms = now;
                self.dirty.insert(id.to_string());
                self.ready.push_back(id.to_string());
            }
            None => self.run_done(id, output),
        }
    }

    /// A state failed: its retriers, then its catchers, else the run fails.
    fn state_failed(&mut self, id: &str, state: &State, failure: Failure) {
        let retriable = matches!(state.kind, Kind::Task(_) | Kind::Parallel { .. } | Kind::Map(_));
        if retriable && failure.catchable() {
            if let Some((i, r)) =
                state.retry.iter().enumerate().find(|(_, r)| crate::definition::matches(&r.errors, &failure))
            {
                let run = self.runs.get_mut(id).expect("present");
                if run.retries.len() < state.retry.len() {
                    run.retries.resize(state.retry.len(), 0);
                }
                if run.retries[i] < r.max_attempts {
                    run.retries[i] += 1;
                    run.attempt += 1;
                    let delay = super::retry_delay(r, run.retries[i]);
                    let due_ms = self.now_ms.saturating_add(delay);
                    run.phase = Phase::Retry { due_ms };
                    self.dirty.insert(id.to_string());
                    self.effects.push(Effect::Timer { run: id.to_string(), nonce: 0, due_ms });
                    return;
                }
            }
            if let Some(c) = state.catch.iter().find(|c| crate::definition::matches(&c.errors, &failure)) {
                let run = self.runs[id].clone();
                if state.jsonata {
                    let error_output = json!({"Error": failure.error, "Cause": failure.cause});
                    match self.finish_jsonata(&run, state, error_output, Some(&c.io), "errorOutput") {
                        Ok(output) => self.exit(id, state, output, Some(c.next.clone())),
                        Err(f) => self.run_failed(id, f),
                    }
                    return;
                }
                let error_output = json!({"Error": failure.error, "Cause": failure.cause});
                let output = match &c.result_path {
                    None => Ok(run.input.clone()),
                    Some(p) => paths::insert(run.input.clone(), p, error_output).map_err(Failure::runtime),
                };
                match output {
                    Ok(output) => self.exit(id, state, output, Some(c.next.clone())),
                    Err(f) => self.run_failed(id, f),
                }
                return;
            }
        }
        self.run_failed(id, failure);
    }

    fn run_done(&mut self, id: &str, output: Value) {
        if id == ROOT {
            self.finish(Status::Succeeded, Some(output), None);
            return;
        }
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Done { output };
        self.dirty.insert(id.to_string());
        self.child_finished(id);
    }

    pub fn run_failed(&mut self, id: &str, failure: Failure) {
        if id == ROOT {
            self.finish_failed(failure);
            return;
        }
        let r = self.runs.get_mut(id).expect("present");
        r.phase = Phase::Failed { failure };
        self.dirty.insert(id.to_string());
        self.child_finished(id);
    }

    fn child_finished(&mut self, child_id: &str) {
        let parent_id = child_id.rsplit_once('/').map(|(p, _)| p.to_string()).expect("a child has a parent");
        let Some(parent) = self.runs.get(&parent_id).cloned() else { return };
        let Phase::Children(mut c) = parent.phase.clone() else { return };
        let child = self.runs[child_id].clone();
        let state = self.state_of(&parent);
        c.finished += 1;
        if let Phase::Failed { failure } = &child.phase {
            c.failed += 1;
            c.first_failure.get_or_insert_with(|| failure.clone());
        }
        if c.map {
            let kind = if matches!(child.phase, Phase::Failed { .. }) {
                "MapIterationFailed"
            } else {
                "MapIterationSucceeded"
            };
            let member = if kind == "MapIterationFailed" {
                "mapIterationFailedEventDetails"
            } else {
                "mapIterationSucceededEventDetails"
            };
            self.emit(child_id, history::with(kind, member, json!({"name": state.name, "index": child.index})));
        }
        let over = match (c.map, c.tolerated) {
            (false, _) | (true, None) => c.failed > 0,
            (true, Some(t)) => c.failed > t,
        };
        if over {
            let failure = match (c.map, c.tolerated) {
                (true, Some(_)) => Failure::new(
                    names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                    "The specified tolerated failure threshold was exceeded",
                ),
                _ => c.first_failure.clone().expect("a failure was counted"),
            };
            self.drop_children(&parent_id);
            self.set_phase(&parent_id, Phase::Enter);
            let kind = if c.map { "MapStateFailed" } else { "ParallelStateFailed" };
            self.emit(&parent_id, history::plain(kind));
            self.state_failed(&parent_id, &state, failure);
            return;
        }
        if c.finished == c.total {
            let mut outputs = Vec::with_capacity(c.total);
            for i in 0..c.total {
                let out = match self.runs.get(&format!("{parent_id}/{i}")).map(|r| &r.phase) {
                    Some(Phase::Done { output }) => output.clone(),
                    Some(Phase::Failed { failure }) => json!({"Error": failure.error, "Cause": failure.cause}),
                    _ => Value::Null,
                };
                outputs.push(out);
            }
            self.drop_children(&parent_id);
            self.set_phase(&parent_id, Phase::Enter);
            let kind = if c.map { "MapStateSucceeded" } else { "ParallelStateSucceeded" };
            self.emit(&parent_id, history::plain(kind));
            let parent = self.runs[&parent_id].clone();
            match self.finish_result(&parent, &state, Value::Array(outputs)) {
                Ok(output) => self.exit(&parent_id, &state, output, state.next.clone()),
                Err(f) => self.state_failed(&parent_id, &state, f),
            }
            return;
        }
        self.set_phase(&parent_id, Phase::Children(c));
        self.start_children(&parent_id);
    }

    fn set_phase(&mut self, id: &str, phase: Phase) {
        if let Some(r) = self.runs.get_mut(id) {
            r.phase = phase;
            self.dirty.insert(id.to_string());
        }
    }

    /// Removes a run's descendants (a Parallel or Map state ended or failed).
    fn drop_children(&mut self, id: &str) {
        let prefix = format!("{id}/");
        let gone: Vec<String> =
            self.runs.range(prefix.clone()..).map(|(k, _)| k.clone()).take_while(|k| k.starts_with(&prefix)).collect();
        for k in gone {
            self.runs.remove(&k);
            self.dirty.insert(k);
        }
    }

    pub fn finish_failed(&mut self, failure: Failure) {
        self.finish(Status::Failed, None, Some(failure));
    }

    /// Ends the execution.
    pub fn finish(&mut self, status: Status, output: Option<Value>, failure: Option<Failure>) {
        let after = self.runs.get(ROOT).map(|r| r.last_event).unwrap_or(self.next_event - 1);
        let event = match (status, &output, &failure) {
            (Status::Succeeded, Some(o), _) => {
                let (text, details) = history::payload(o);
                history::with(
                    "ExecutionSucceeded",
                    "executionSucceededEventDetails",
                    json!({"output": text, "outputDetails": details}),
                )
            }
            (Status::Aborted, _, f) => history::with(
                "ExecutionAborted",
                "executionAbortedEventDetails",
                f.as_ref().map(abort_details).unwrap_or_else(|| json!({})),
            ),
            (Status::TimedOut, _, Some(f)) => {
                history::failure("ExecutionTimedOut", "executionTimedOutEventDetails", &f.error, &f.cause)
            }
            (_, _, Some(f)) => history::failure("ExecutionFailed", "executionFailedEventDetails", &f.error, &f.cause),
            _ => history::plain("ExecutionFailed"),
        };
        self.emit_after(after, event);
        self.record.status = status;
        self.record.output = output.map(|o| serde_json::to_string(&o).unwrap_or_default());
        if let Some(f) = failure {
            self.record.error = (!f.error.is_empty()).then_some(f.error);
            self.record.cause = (!f.cause.is_empty()).then_some(f.cause);
        }
        self.record.stop_ms = Some(self.now_ms);
        // Where a redrive would go on from: the state the machine's own thread is in.
        self.record.redrive_from = match status {
            Status::Succeeded => None,
            _ => self.runs.get(ROOT).map(|r| (r.state.clone(), r.input.clone())),
        };
        self.record.redrive_vars = self.runs.get(ROOT).map(|r| r.vars.clone()).unwrap_or_default();
        self.record_dirty = true;
        let all: Vec<String> = self.runs.keys().cloned().collect();
        for k in all {
            self.dirty.insert(k);
        }
        self.runs.clear();
        self.effects.clear();
    }

    /// A Task's call answered.
    /// A Task's call answered, or (`from_token`: its secret) SendTaskSuccess/Failure.
    /// Whether run `id` still waits for the answer of its Task call `nonce` (not timed out,
    /// stopped or cancelled with its parent since).
    pub fn awaits(&self, id: &str, nonce: u64) -> bool {
        matches!(self.runs.get(id).map(|r| &r.phase), Some(Phase::Task { nonce: n, .. }) if *n == nonce)
    }

    pub fn task_answered(
        &mut self,
        id: &str,
        nonce: u64,
        answer: Result<Value, Failure>,
        from_token: Option<&str>,
    ) -> bool {
        let Some(run) = self.runs.get(id).cloned() else { return false };
        let Phase::Task { nonce: n, token, ref secret, .. } = run.phase else { return false };
        if n != nonce {
            return false;
        }
        // Only a Task that handed out a token takes an answer by token, and only with its secret.
        if let Some(s) = from_token
            && (!token || s != secret)
        {
            return false;
        }
        let from_token = from_token.is_some();
        let state = self.state_of(&run);
        let Kind::Task(task) = &state.kind else { return false };
        let function = matches!(task.resource.integration, Integration::Function(_));
        let (resource_type, resource) = task.resource.kind();
        if token && !from_token {
            // The call that handed out the token went through; the answer comes with it.
            match answer {
                Ok(out) => {
                    let (text, details) = history::payload(&out);
                    self.emit(
                        id,
                        history::with(
                            "TaskSubmitted",
                            "taskSubmittedEventDetails",
                            json!({"resourceType": resource_type, "resource": resource, "output": text, "outputDetails": details}),
                        ),
                    );
                    if let Some(Run { phase: Phase::Task { invoked, .. }, .. }) = self.runs.get_mut(id) {
                        *invoked = true;
                    }
                    return true;
                }
                Err(f) => return self.task_failed_event(id, &state, function, &resource_type, &resource, f),
            }
        }
        match answer {
            Ok(result) => {
                let (text, details) = history::payload(&result);
                if text.len() > MAX_PAYLOAD {
                    let cause = format!("The task's result is {} bytes, over the {MAX_PAYLOAD}-byte limit", text.len());
                    let f = Failure::new(names::DATA_LIMIT_EXCEEDED, cause);
                    return self.task_failed_event(id, &state, function, &resource_type, &resource, f);
                }
                let event = if function {
                    history::with(
                        "LambdaFunctionSucceeded",
                        "lambdaFunctionSucceededEventDetails",
                        json!({"output": text, "outputDetails": details}),
                    )
                } else {
                    history::with(
                        "TaskSucceeded",
                        "taskSucceededEventDetails",
                        json!({"resourceType": resource_type, "resource": resource, "output": text, "outputDetails": details}),
                    )
                };
                self.emit(id, event);
                self.set_phase(id, Phase::Enter);
                let run = self.runs[id].clone();
                match self.finish_result(&run, &state, result) {
                    Ok(output) => self.exit(id, &state, output, state.next.clone()),
                    Err(f) => self.state_failed(id, &state, f),
                }
                true
            }
            Err(f) => self.task_failed_event(id, &state, function, &resource_type, &resource, f),
        }
    }

    fn task_failed_event(&mut self, id: &str, state: &State, function: bool, rt: &str, res: &str, f: Failure) -> bool {
        let event = if function {
            history::failure("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", &f.error, &f.cause)
        } else {
            history::with(
                "TaskFailed",
                "taskFailedEventDetails",
                json!({"resourceType": rt, "resource": res, "error": f.error, "cause": f.cause}),
            )
        };
        self.emit(id, event);
        self.set_phase(id, Phase::Enter);
        self.state_failed(id, state, f);
        true
    }

    /// A timer of a run fell due.
    pub fn timer(&mut self, id: &str, nonce: u64) {
        let Some(run) = self.runs.get(id).cloned() else { return };
        match run.phase.clone() {
            Phase::Wait { due_ms, output } if due_ms <= self.now_ms && nonce == 0 => {
                let state = self.state_of(&run);
                self.set_phase(id, Phase::Enter);
                self.exit(id, &state, output, state.next.clone());
            }
            Phase::Retry { due_ms } if due_ms <= self.now_ms && nonce == 0 => {
                self.set_phase(id, Phase::Enter);
                self.ready.push_back(id.to_string());
            }
            Phase::Task { nonce: n, deadline_ms, heartbeat_due_ms, .. } if n == nonce => {
                let state = self.state_of(&run);
                let Kind::Task(task) = &state.kind else { return };
                let function = matches!(task.resource.integration, Integration::Function(_));
                let (rt, res) = task.resource.kind();
                let (error, cause) = if deadline_ms.is_some_and(|d| d <= self.now_ms) {
                    (names::TIMEOUT, "The task did not finish within its TimeoutSeconds")
                } else if heartbeat_due_ms.is_some_and(|d| d <= self.now_ms) {
                    (names::HEARTBEAT_TIMEOUT, "The task sent no heartbeat within its HeartbeatSeconds")
                } else {
                    return;
                };
                let f = Failure::new(error, cause);
                let event = if function {
                    history::failure("LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails", error, cause)
                } else {
                    history::with(
                        "TaskTimedOut",
                        "taskTimedOutEventDetails",
                        json!({"resourceType": rt, "resource": res, "error": error, "cause": cause}),
                    )
                };
                self.emit(id, event);
                self.set_phase(id, Phase::Enter);
                self.state_failed(id, &state, f);
            }
            _ => {}
        }
    }

    /// What a Task state's call gets: its Parameters (JSONPath) or Arguments (JSONata) over
    /// its input, `$$.Task.Token` being `token`.
    fn task_payload(&self, run: &Run, state: &State, token: Option<&str>) -> Result<Value, Failure> {
        let context = self.context(run, token);
        if state.jsonata {
            let mut b = self.bindings(run, &run.input, None);
            b.states["context"] = context;
            return match &state.arguments {
                Some(t) => jsonata::template(t, &b),
                None => Ok(run.input.clone()),
            };
        }
        let input = self.effective_input(run, state)?;
        match &state.parameters {
            Some(t) => template::apply(t, &input, &context),
            None => Ok(input),
        }
    }

    /// When the execution times out: its machine's TimeoutSeconds (counted from its start or
    /// its last redrive), and for an EXPRESS execution five minutes at most.
    pub fn deadline_ms(&self) -> Option<u64> {
        let base = self.record.redrive_ms.unwrap_or(self.record.start_ms);
        let machine = self.machine.timeout_seconds.map(|t| base.saturating_add(t.saturating_mul(1000)));
        let express = (self.record.kind == crate::model::MachineType::Express).then(|| base + EXPRESS_LIMIT_MS);
        [machine, express].into_iter().flatten().min()
    }

    /// Arms the execution's timeout, if it has one.
    pub fn arm_deadline(&mut self) {
        if let Some(due_ms) = self.deadline_ms() {
            self.effects.push(Effect::Timer { run: String::new(), nonce: 0, due_ms });
        }
    }

    /// Deletes, with the next batch, the inbox row a message came in.
    pub fn take_letter(&mut self, letter: Option<Vec<u8>>) {
        if let Some(sk) = letter {
            self.extra.push(super::cluster::delete_letter(sk));
        }
    }

    /// A Task that was started before a restart: its deadlines again, and its call again
    /// unless it handed out a token that is still out (at least once).
    pub fn resume_task(&mut self, run: &Run) {
        let Phase::Task { nonce, deadline_ms, heartbeat_due_ms, token, invoked, secret, .. } = run.phase.clone() else {
            return;
        };
        for due_ms in [deadline_ms, heartbeat_due_ms].into_iter().flatten() {
            self.effects.push(Effect::Timer { run: run.id.clone(), nonce, due_ms });
        }
        if token && invoked {
            return;
        }
        let state = self.state_of(run);
        let Kind::Task(task) = &state.kind else { return };
        let token_text = token.then(|| super::token::make(&self.record.arn, &run.id, nonce, &secret));
        let payload = self.task_payload(run, &state, token_text.as_deref());
        match payload {
            Ok(payload) => {
                let call = Call { integration: task.resource.integration.clone(), mode: task.resource.mode, payload };
                self.effects.push(Effect::Invoke { run: run.id.clone(), nonce, call });
            }
            Err(f) => {
                self.set_phase(&run.id, Phase::Enter);
                self.state_failed(&run.id, &state, f);
            }
        }
    }

    /// SendTaskHeartbeat: moves the heartbeat deadline.
    pub fn heartbeat(&mut self, id: &str, nonce: u64, secret: &str) -> bool {
        let now = self.now_ms;
        let Some(Run {
            phase: Phase::Task { nonce: n, heartbeat_ms, heartbeat_due_ms, token: true, secret: s, .. },
            ..
        }) = self.runs.get_mut(id)
        else {
            return false;
        };
        if *n != nonce || s != secret {
            return false;
        }
        if let Some(h) = heartbeat_ms {
            let due = now + *h;
            *heartbeat_due_ms = Some(due);
            self.dirty.insert(id.to_string());
            self.effects.push(Effect::Timer { run: id.to_string(), nonce, due_ms: due });
        }
        true
    }
}

fn abort_details(f: &Failure) -> Value {
    let mut d = json!({});
    if !f.error.is_empty() {
        d["error"] = json!(f.error);
    }
    if !f.cause.is_empty() {
        d["cause"] = json!(f.cause);
    }
    d
}

fn contains_token(v: &Value, token: &str) -> bool {
    match v {
        Value::String(s) => s == token,
        Value::Array(a) => a.iter().any(|x| contains_token(x, token)),
        Value::Object(m) => m.values().any(|x| contains_token(x, token)),
        _ => false,
    }
}

fn timestamp_ms(t: &str) -> Result<u64, Failure> {
    choice::timestamp(t)
        .map(|ns| (ns / 1_000_000).max(0) as u64)
        .ok_or_else(|| Failure::runtime(format!("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {t}")))
}

/// How many iterations run at once: MaxConcurrency (0: as many as Step Functions runs,
/// 40 inline, here 1,000 distributed), at most that.
pub(super) fn concurrency(distributed: bool, given: Option<f64>) -> usize {
    let most = if distributed { 1000 } else { 40 };
    match given.map(|g| g as usize) {
        None | Some(0) => most,
        Some(n) => n.min(most),
    }
}

/// How many of `n` iterations may fail: the smaller of the thresholds given (a Map fails
/// when it exceeds either).
pub(super) fn tolerated(count: Option<f64>, percentage: Option<f64>, n: usize) -> Option<usize> {
    let by_count = count.map(|c| c as usize);
    let by_pct = percentage.map(|p| ((p / 100.0) * n as f64).floor() as usize);
    match (by_count, by_pct) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(usize::MAX).min(b.unwrap_or(usize::MAX))),
    }
}

/// ItemBatcher: items grouped as `{"Items": [...], "BatchInput": ...}`.
fn batches(
    items: Vec<Value>,
    max_items: Option<usize>,
    max_bytes: Option<usize>,
    batch_input: Option<Value>,
) -> Vec<Value> {
    let max_items = max_items.filter(|n| *n > 0).unwrap_or(usize::MAX);
    let max_bytes = max_bytes.filter(|n| *n > 0).unwrap_or(MAX_PAYLOAD);
    let mut out = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut size = 0;
    let flush = |current: &mut Vec<Value>, out: &mut Vec<Value>| {
        if !current.is_empty() {
            let mut b = json!({"Items": std::mem::take(current)});
            if let Some(i) = &batch_input {
                b["BatchInput"] = i.clone();
            }
            out.push(b);
        }
    };
    for item in items {
        let len = serde_json::to_string(&item).map(|s| s.len()).unwrap_or(0);
        if !current.is_empty() && (current.len() >= max_items || size + len > max_bytes) {
            flush(&mut current, &mut out);
            size = 0;
        }
        size += len;
        current.push(item);
    }
    flush(&mut current, &mut out);
    out
}
