//! Where EventBridge Scheduler's firings go: functions (an asynchronous invocation), queues,
//! topics and event buses, each as the schedule's execution role — a session the scheduler
//! takes when the role trusts `scheduler.amazonaws.com` (with the schedule as
//! `aws:SourceArn`), and whose policies must allow `lambda:InvokeFunction`,
//! `sqs:SendMessage`, `sns:Publish` or `events:PutEvents` on the target, as on AWS.

use squall_events::{Entry, EntryResult, EventBuses};
use squall_identity::Identities;
use squall_scheduler::{Failure, Firing, FiringSink};
use squall_topics::destinations::{Destinations, Failure as Kind, Undelivered, target_policy};
use std::sync::Arc;

const SCHEDULER: &str = "scheduler.amazonaws.com";

/// The scheduler's outlet.
pub(crate) struct ScheduleTargets {
    pub(crate) destinations: Destinations,
    pub(crate) identities: Arc<Identities>,
    pub(crate) events: Arc<EventBuses>,
    pub(crate) clock: squall_clock::Clock,
    pub(crate) machines: Arc<crate::state_machine_targets::StateMachineTargets>,
}

fn denied(message: String) -> Failure {
    Failure { code: "AccessDenied", message, retryable: false }
}

impl ScheduleTargets {
    /// Whether the firing's role may perform `action` on `arn` (under `policy`, the
    /// target's own); `Err` says why not.
    fn permitted(&self, f: &Firing<'_>, action: &str, arn: &str, policy: Option<String>) -> Result<(), Failure> {
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        // The schedule group's ARN, as EventBridge Scheduler gives it to trust policies.
        let group_arn = f
            .schedule_arn
            .split_once(":schedule/")
            .map(|(head, _)| format!("{head}:schedule-group/{}", f.group))
            .unwrap_or_default();
        context.set("aws:SourceArn", group_arn).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let role = &f.target.role_arn;
        let creds = self
            .identities
            .service_session(SCHEDULER, role, f.execution_id, &context)
            .map_err(|e| denied(format!("EventBridge Scheduler cannot assume {role}: {e}")))?;
        let allowed = crate::roles::session_allows(&self.identities, &creds, action, arn, policy, context)
            .map_err(|e| denied(format!("the session of {role} was refused: {e}")))?;
        if allowed {
            Ok(())
        } else {
            Err(denied(format!("{role} is not authorized to perform: {action} on resource: {arn}")))
        }
    }

    /// Checks the role may reach a queue, topic or function and says the action.
    fn check_destination(&self, f: &Firing<'_>, arn: &str) -> Result<(), Failure> {
        let (queues, topics, functions) = self.destinations.services().ok_or_else(|| Failure {
            code: "InternalError",
            message: "the server is stopping".into(),
            retryable: true,
        })?;
        let Some((action, policy)) = target_policy(queues, topics, &functions, arn) else {
            return Err(Failure {
                code: "ResourceNotFound",
                message: format!("{arn} is not the ARN of a queue, topic or function"),
                retryable: false,
            });
        };
        self.permitted(f, action, arn, policy)
    }

    async fn put_event(&self, f: &Firing<'_>) -> Result<(), Failure> {
        let bus = &f.target.arn;
        self.permitted(f, "events:PutEvents", bus, None)?;
        let Some(params) = &f.target.event else {
            return Err(Failure {
                code: "ValidationError",
                message: "no EventBridgeParameters".into(),
                retryable: false,
            });
        };
        let entry = Entry {
            source: Some(params.source.clone()),
            detail_type: Some(params.detail_type.clone()),
            detail: Some(f.body.clone()),
            resources: vec![f.schedule_arn.to_string()],
            time_ms: None,
            bus: Some(bus.clone()),
        };
        let not_delivered = |code, message, retryable| Failure { code, message, retryable };
        match self.events.put_events(vec![entry]).await {
            Ok(results) => match results.into_iter().next() {
                Some(EntryResult::Accepted(_)) => Ok(()),
                Some(EntryResult::Failed(code, message)) => {
                    Err(not_delivered("ValidationError", format!("{code}: {message}"), false))
                }
                None => Err(not_delivered("InternalError", "no result".into(), true)),
            },
            Err(squall_events::Error::NotFound(m)) => Err(not_delivered("ResourceNotFound", m, false)),
            Err(squall_events::Error::Validation(m)) => Err(not_delivered("ValidationError", m, false)),
            Err(e) => Err(not_delivered("InternalError", e.to_string(), true)),
        }
    }
}

/// A store's failure may pass; a missing target does not.
fn failure(u: Undelivered) -> Failure {
    let code = match u.kind {
        Kind::Passing => "InternalError",
        Kind::Missing => "ResourceNotFound",
        Kind::Refused => "ValidationError",
    };
    Failure { code, message: u.message, retryable: u.kind == Kind::Passing }
}

#[async_trait::async_trait]
impl FiringSink for ScheduleTargets {
    async fn deliver(&self, f: Firing<'_>) -> Result<(), Failure> {
        if f.target.arn.starts_with("arn:aws:events:") {
            return self.put_event(&f).await;
        }
        if f.target.arn.contains(":stateMachine:") {
            let group_arn = f
                .schedule_arn
                .split_once(":schedule/")
                .map(|(head, _)| format!("{head}:schedule-group/{}", f.group))
                .unwrap_or_default();
            let started = self
                .machines
                .start(SCHEDULER, &group_arn, &f.target.role_arn, &f.target.arn, f.body.clone(), f.execution_id)
                .await;
            return started.map(|_| ()).map_err(|n| {
                let code = match n.code {
                    "NO_PERMISSIONS" => "AccessDenied",
                    "RESOURCE_NOT_FOUND" => "ResourceNotFound",
                    _ if n.retryable => "InternalError",
                    _ => "ValidationError",
                };
                Failure { code, message: n.message, retryable: n.retryable }
            });
        }
        self.check_destination(&f, &f.target.arn)?;
        // A FIFO queue's messages are deduplicated by the firing (every attempt of it alike).
        let fifo = f.target.message_group_id.clone().map(|group| (group, f.dedup_id.to_string()));
        self.destinations.try_send(&f.target.arn, f.body.clone(), Vec::new(), fifo).await.map_err(failure)
    }

    async fn dead_letter(&self, f: Firing<'_>, queue: &str, attributes: Vec<(String, String)>) -> Result<(), String> {
        self.check_destination(&f, queue).map_err(|e| e.message)?;
        self.destinations.send(queue, f.body.clone(), attributes).await
    }
}
