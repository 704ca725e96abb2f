//! An execution's actor: runs what is ready, writes the batch, starts its effects, then
//! waits for an answer, a timer or a stop.

use super::exec::{Effect, Exec};
use super::run::{Phase, ROOT, Run};
use super::{Engine, Msg, store, tasks};
use crate::Failure;
use crate::definition::Machine;
use crate::history;
use crate::model::{Execution, Status};
use futures::StreamExt;
use futures::future::AbortHandle;
use futures::stream::FuturesUnordered;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Transitions run before the actor writes and yields, so a loop of Pass states neither
/// holds a thread nor an unbounded batch.
const BUDGET: usize = 512;

/// A new execution: its ExecutionStarted event and its root run at the first state.
pub(super) fn first(engine: &Engine, record: Execution, machine: Arc<Machine>) -> crate::Result<Exec> {
    let input: Value = serde_json::from_str(&record.input).map_err(|e| {
        crate::Error::refused("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{e}'"))
    })?;
    let now = record.start_ms;
    let mut exec = Exec::new(record, input, machine.clone(), BTreeMap::new(), 1, now, engine.region.clone());
    exec.record_dirty = true;
    // The input as the caller sent it.
    let (text, details) = (exec.record.input.clone(), json!({"truncated": false}));
    let mut started = json!({"input": text, "inputDetails": details, "roleArn": exec.record.role_arn});
    if let Some(v) = &exec.record.version_arn {
        started["stateMachineVersionArn"] = json!(v);
    }
    if let Some(a) = &exec.record.alias_arn {
        started["stateMachineAliasArn"] = json!(a);
    }
    exec.emit_after(0, history::with("ExecutionStarted", "executionStartedEventDetails", started));
    let root = Run {
        id: ROOT.to_string(),
        scope: Vec::new(),
        state: machine.start_at.clone(),
        input: exec.input.clone(),
        phase: Phase::Enter,
        retries: Vec::new(),
        attempt: 0,
        entered_event: 0,
        // As Step Functions records it, the first state's entry follows nothing (0).
        last_event: 0,
        entered_ms: now,
        index: 0,
        vars: Default::default(),
    };
    exec.dirty.insert(ROOT.to_string());
    exec.runs.insert(ROOT.to_string(), root);
    exec.ready.push_back(ROOT.to_string());
    exec.arm_deadline();
    Ok(exec)
}

/// An execution that failed, timed out or was stopped, going on from the state its machine
/// was in (`redrive_from`): an ExecutionRedriven event, the record running again.
pub(super) fn redriven(
    engine: &Engine,
    mut record: Execution,
    machine: Arc<Machine>,
    next_event: u64,
    now: u64,
) -> crate::Result<Exec> {
    let (state, input) = record.redrive_from.clone().ok_or_else(|| {
        crate::Error::refused("ExecutionNotRedrivable", format!("Execution {} has no state to go on from", record.arn))
    })?;
    let execution_input: Value = serde_json::from_str(&record.input).unwrap_or(Value::Null);
    record.status = Status::Running;
    record.redrive_count += 1;
    record.redrive_ms = Some(now);
    record.stop_ms = None;
    record.output = None;
    record.error = None;
    record.cause = None;
    let count = record.redrive_count;
    let mut exec = Exec::new(record, execution_input, machine, BTreeMap::new(), next_event, now, engine.region.clone());
    exec.record_dirty = true;
    let redriven = exec.emit_after(
        next_event - 1,
        history::with("ExecutionRedriven", "executionRedrivenEventDetails", json!({"redriveCount": count})),
    );
    let root = Run {
        id: ROOT.to_string(),
        scope: Vec::new(),
        state,
        input,
        phase: Phase::Enter,
        retries: Vec::new(),
        attempt: 0,
        entered_event: 0,
        last_event: redriven,
        entered_ms: now,
        index: 0,
        vars: exec.record.redrive_vars.clone(),
    };
    exec.dirty.insert(ROOT.to_string());
    exec.runs.insert(ROOT.to_string(), root);
    exec.ready.push_back(ROOT.to_string());
    exec.arm_deadline();
    Ok(exec)
}

/// A Task call's answer: its run, nonce and result (`None`: the call was abandoned).
type Answer = (String, u64, Option<Result<Value, Failure>>);

/// Drops the calls in flight of the runs changed since the last write that no longer wait
/// for them (a Task timed out, or a failure ended the Parallel or Map its run was in).
fn abandon_unawaited(calls: &mut HashMap<String, (u64, AbortHandle)>, exec: &Exec) {
    for run in &exec.dirty {
        if let Some((nonce, call)) = calls.get(run)
            && !exec.awaits(run, *nonce)
        {
            call.abort();
            calls.remove(run);
        }
    }
}

pub(super) async fn run(
    engine: Arc<Engine>,
    mut exec: Exec,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    durable: bool,
    done: Option<oneshot::Sender<Execution>>,
) {
    let mut inflight: FuturesUnordered<std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>>> =
        FuturesUnordered::new();
    // The calls in flight, so one no longer awaited (its Task timed out, or its run was
    // cancelled) is dropped rather than left running: a `.sync` Task watches its child.
    let mut calls: HashMap<String, (u64, AbortHandle)> = HashMap::new();
    let arn = exec.record.arn.clone();
    // Answers to send once the batch they caused is written.
    let mut stop_replies: Vec<oneshot::Sender<()>> = Vec::new();
    let mut replies: Vec<(oneshot::Sender<bool>, bool)> = Vec::new();
    loop {
        exec.now_ms = engine.clock.now_ms();
        let idle = exec.drain_ready(BUDGET);
        if !calls.is_empty() {
            abandon_unawaited(&mut calls, &exec);
        }
        if durable {
            if let Err(e) =
                store::commit(engine.store.as_ref(), &mut exec, false, &engine.cluster.node, engine.cluster.shared)
                    .await
            {
                // What was written stands; the execution resumes from it after a restart (or,
                // on a shared store, another server took it over: it runs there).
                match e {
                    crate::Error::Refused { .. } => {
                        tracing::info!(execution = %arn, "workflows: another server runs this execution now; it stops here")
                    }
                    e => {
                        tracing::error!(execution = %arn, error = %e, "workflows: writing an execution failed; it stops here until the server restarts")
                    }
                }
                engine.gone(&arn);
                return;
            }
        } else {
            store::forget(&mut exec);
        }
        for r in stop_replies.drain(..) {
            let _ = r.send(());
        }
        for (r, taken) in replies.drain(..) {
            let _ = r.send(taken);
        }
        for effect in std::mem::take(&mut exec.effects) {
            match effect {
                Effect::Timer { run, nonce, due_ms } => engine.add_timer(due_ms, &arn, &run, nonce),
                // One the same batch already ended (its Parallel or Map failed) is not made.
                Effect::Invoke { run, nonce, .. } if !exec.awaits(&run, nonce) => {}
                Effect::Invoke { run, nonce, call } => {
                    let Some(t) = engine.tasks.get().cloned() else {
                        let f = Failure::new("States.TaskFailed", "No task runner is configured on this server");
                        inflight.push(Box::pin(async move { (run, nonce, Some(Err(f))) }));
                        continue;
                    };
                    let caller = tasks::TaskCaller {
                        role_arn: exec.record.role_arn.clone(),
                        machine_arn: exec.record.machine_arn.clone(),
                        execution_arn: arn.clone(),
                        trace: exec.record.trace.clone(),
                        attempt: format!("{run}#{nonce}"),
                    };
                    let (handle, registration) = AbortHandle::new_pair();
                    calls.insert(run.clone(), (nonce, handle));
                    let call = async move { tasks::call(t.as_ref(), call, &caller).await };
                    let call = futures::future::Abortable::new(call, registration);
                    inflight.push(Box::pin(async move { (run, nonce, call.await.ok()) }));
                }
            }
        }
        if exec.record.status != Status::Running {
            engine.gone(&arn);
            if let Some(d) = done {
                let _ = d.send(exec.record.clone());
            }
            return;
        }
        if !idle {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            Some((run, nonce, answer)) = inflight.next(), if !inflight.is_empty() => {
                if calls.get(&run).is_some_and(|(n, _)| *n == nonce) {
                    calls.remove(&run);
                }
                if let Some(answer) = answer {
                    exec.now_ms = engine.clock.now_ms();
                    exec.task_answered(&run, nonce, answer, None);
                }
            }
            msg = rx.recv() => {
                exec.now_ms = engine.clock.now_ms();
                match msg {
                    None => return,
                    // A timer armed before a redrive may fire after it: only the deadline now counts.
                    Some(Msg::Timer { run, .. }) if run.is_empty() => {
                        if exec.deadline_ms().is_some_and(|d| d <= exec.now_ms) {
                            exec.finish(
                                Status::TimedOut,
                                None,
                                Some(Failure::new(crate::failure::names::TIMEOUT, "The execution ran longer than it may")),
                            );
                        }
                    }
                    Some(Msg::Timer { run, nonce }) => exec.timer(&run, nonce),
                    Some(Msg::Token { run, nonce, secret, answer, reply, letter }) => {
                        let taken = exec.task_answered(&run, nonce, answer, Some(&secret));
                        exec.take_letter(letter);
                        replies.push((reply, taken));
                    }
                    Some(Msg::Heartbeat { run, nonce, secret, reply, letter }) => {
                        let taken = exec.heartbeat(&run, nonce, &secret);
                        exec.take_letter(letter);
                        replies.push((reply, taken));
                    }
                    Some(Msg::Stop { failure, reply, letter }) => {
                        if exec.record.status == Status::Running {
                            exec.finish(Status::Aborted, None, Some(failure));
                        }
                        exec.take_letter(letter);
                        // Answered once the abort is written.
                        stop_replies.push(reply);
                    }
                }
            }
        }
    }
}
