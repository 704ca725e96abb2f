//! Message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask):
//! redrive from a dead-letter queue back to the queues its messages came from, or to a
//! named queue, at a bounded rate. Each batch moves in one store transaction (deleted from
//! the dead-letter queue, added to the destination), so a crash leaves every message in
//! exactly one queue; the task itself lives in memory and ends with the server.

use crate::service::{Queues, name_of_arn, storage_error};
use crate::{Error, Result};
use squall_storage::{MoveBlocked, MoveTo};
use squall_types::RequestId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Messages moved per second when the caller names no rate (SQS's default is "as fast as
/// possible up to 500").
const DEFAULT_RATE: u32 = 500;

/// One message move task, as ListMessageMoveTasks reports it.
#[derive(Debug, Clone)]
pub struct MoveTask {
    /// `TaskHandle`.
    pub handle: String,
    /// `RUNNING`, `COMPLETED`, `CANCELLING`, `CANCELLED` or `FAILED`.
    pub status: &'static str,
    /// The dead-letter queue's ARN.
    pub source_arn: String,
    /// Where messages go; `None`: back to where each came from.
    pub destination_arn: Option<String>,
    /// `MaxNumberOfMessagesPerSecond`, when given.
    pub max_per_second: Option<u32>,
    /// Messages moved so far.
    pub moved: u64,
    /// Visible messages in the source when the task started.
    pub to_move: u64,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// When it started, ms since the epoch.
    pub started_ms: u64,
    cancel: Arc<AtomicBool>,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidParameterValue(message.into())
}

impl Queues {
    fn task_mut(&self, handle: &str, change: impl FnOnce(&mut MoveTask)) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = tasks.iter_mut().find(|t| t.handle == handle) {
            change(t);
        }
    }

    /// StartMessageMoveTask: starts moving the visible messages of the dead-letter queue
    /// `source_arn` in the background; the task's handle.
    pub async fn start_move_task(
        self: &Arc<Self>,
        source_arn: &str,
        destination_arn: Option<&str>,
        max_per_second: Option<u32>,
    ) -> Result<String> {
        let source_name = name_of_arn(source_arn).ok_or_else(|| invalid("SourceArn is not a queue ARN."))?;
        let source = self.queue(source_name)?;
        if self.dead_letter_sources(source_name)?.is_empty() {
            return Err(invalid("Source queue must be configured as a Dead Letter Queue."));
        }
        if let Some(d) = destination_arn {
            let name = name_of_arn(d).ok_or_else(|| invalid("DestinationArn is not a queue ARN."))?;
            let dest = self.queue(name)?;
            if dest.def()?.is_fifo() != source.def()?.is_fifo() {
                return Err(invalid("The destination queue must be of the source queue's type."));
            }
        }
        if let Some(r) = max_per_second.filter(|r| !(1..=500).contains(r)) {
            return Err(invalid(format!(
                "Value {r} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be between 1 and 500."
            )));
        }
        let to_move = self.store.counts(source_name, self.clock.now_ms()).await.map_err(storage_error)?.visible;
        let task = MoveTask {
            handle: RequestId::new().to_string(),
            status: "RUNNING",
            source_arn: source_arn.to_string(),
            destination_arn: destination_arn.map(str::to_string),
            max_per_second,
            moved: 0,
            to_move,
            failure_reason: None,
            started_ms: self.clock.now_ms(),
            cancel: Arc::new(AtomicBool::new(false)),
        };
        {
            let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
            if tasks.iter().any(|t| t.source_arn == source_arn && matches!(t.status, "RUNNING" | "CANCELLING")) {
                return Err(invalid("There is already a task running for this source queue."));
            }
            tasks.push(task.clone());
        }
        let (me, handle) = (self.clone(), task.handle.clone());
        tokio::spawn(async move { me.run_move_task(task).await });
        Ok(handle)
    }

    async fn run_move_task(self: Arc<Self>, task: MoveTask) {
        let rate = task.max_per_second.unwrap_or(DEFAULT_RATE).max(1);
        let batch = rate.clamp(1, 10) as usize;
        let pause = Duration::from_secs_f64(batch as f64 / f64::from(rate));
        let mut moved = 0u64;
        let outcome: Result<&'static str> = async {
            let source_name = name_of_arn(&task.source_arn).unwrap_or_default().to_string();
            while moved < task.to_move {
                if task.cancel.load(Ordering::Relaxed) {
                    return Ok("CANCELLED");
                }
                let source = self.queue(&source_name)?;
                let want = batch.min((task.to_move - moved) as usize);
                let to = match &task.destination_arn {
                    Some(d) => MoveTo::Queue(name_of_arn(d).unwrap_or_default().to_string()),
                    None => MoveTo::Origin,
                };
                let done = self
                    .store
                    .move_visible(&source.name, self.clock.now_ms(), want, to.clone())
                    .await
                    .map_err(storage_error)?;
                moved += done.moved;
                self.wake_destinations(&source.name, &to);
                match done.blocked {
                    Some(MoveBlocked::NoOrigin) => {
                        return Err(invalid(
                            "A message was not moved there by a redrive policy, so it has no source queue; name a DestinationArn.",
                        ));
                    }
                    Some(MoveBlocked::NoQueue(_)) => return Err(Error::QueueDoesNotExist),
                    None if done.moved == 0 => break,
                    None => {}
                }
                self.task_mut(&task.handle, |t| t.moved = moved);
                // The rate is in the clock's time, so a moved clock moves tasks along too.
                self.clock.sleep(pause).await;
            }
            Ok(if task.cancel.load(Ordering::Relaxed) { "CANCELLED" } else { "COMPLETED" })
        }
        .await;
        self.task_mut(&task.handle, |t| {
            t.moved = moved;
            match outcome {
                Ok(status) => t.status = status,
                Err(e) => {
                    t.status = "FAILED";
                    t.failure_reason = Some(e.to_string());
                }
            }
        });
    }

    /// Wakes the long polls of where a move took messages: the named queue, or the queues
    /// that dead-letter into `source`.
    fn wake_destinations(&self, source: &str, to: &MoveTo) {
        let names = match to {
            MoveTo::Queue(q) => vec![q.clone()],
            MoveTo::Origin => self.dead_letter_sources(source).unwrap_or_default(),
        };
        for q in names.iter().filter_map(|n| self.queue(n).ok()) {
            q.notify.notify_waiters();
        }
    }

    /// ListMessageMoveTasks: the tasks of `source_arn`, newest first, at most `max`.
    pub fn list_move_tasks(&self, source_arn: &str, max: usize) -> Result<Vec<MoveTask>> {
        let name = name_of_arn(source_arn).ok_or_else(|| invalid("SourceArn is not a queue ARN."))?;
        self.queue(name)?;
        let tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        Ok(tasks.iter().rev().filter(|t| t.source_arn == source_arn).take(max).cloned().collect())
    }

    /// CancelMessageMoveTask: stops a running task after its current batch; how many
    /// messages it had moved.
    pub fn cancel_move_task(&self, handle: &str) -> Result<u64> {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        let t = tasks
            .iter_mut()
            .find(|t| t.handle == handle && t.status == "RUNNING")
            .ok_or_else(|| Error::ResourceNotFound("Task does not exist or is not running.".into()))?;
        t.cancel.store(true, Ordering::Relaxed);
        t.status = "CANCELLING";
        Ok(t.moved)
    }
}
