//! State machines as targets of event rules and schedules: an execution started as the
//! target's role, a session EventBridge (or EventBridge Scheduler) takes when the role
//! trusts it (the rule or schedule group as `aws:SourceArn`), whose policies must allow
//! `states:StartExecution` on the machine, as on AWS.

use squall_identity::Identities;
use squall_workflows::Workflows;
use std::sync::Arc;

pub(crate) struct StateMachineTargets {
    pub(crate) identities: Arc<Identities>,
    pub(crate) workflows: Arc<Workflows>,
    pub(crate) clock: squall_clock::Clock,
}

/// Why a start did not happen: a code the caller maps to its own, why, and whether trying
/// again may succeed.
pub(crate) struct NotStarted {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) retryable: bool,
}

impl StateMachineTargets {
    /// Starts `machine` with `input` as `role`, a session `service` takes for `source_arn`.
    pub(crate) async fn start(
        &self,
        service: &str,
        source_arn: &str,
        role: &str,
        machine: &str,
        input: String,
        session: &str,
    ) -> Result<String, NotStarted> {
        let denied = |message: String| NotStarted { code: "NO_PERMISSIONS", message, retryable: false };
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        context.set("aws:SourceArn", source_arn).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let creds = self
            .identities
            .service_session(service, role, session, &context)
            .map_err(|e| denied(format!("{service} cannot assume {role}: {e}")))?;
        let allowed =
            crate::roles::session_allows(&self.identities, &creds, "states:StartExecution", machine, None, context)
                .map_err(|e| denied(format!("the session of {role} was refused: {e}")))?;
        if !allowed {
            return Err(denied(format!(
                "{role} is not authorized to perform: states:StartExecution on resource: {machine}"
            )));
        }
        match self.workflows.start_execution(machine, None, Some(input), None).await {
            Ok(started) => Ok(started.arn),
            Err(squall_workflows::Error::Refused { code, message }) => {
                let code = if code == "StateMachineDoesNotExist" { "RESOURCE_NOT_FOUND" } else { "SDK_CLIENT_ERROR" };
                Err(NotStarted { code, message, retryable: false })
            }
            Err(e) => Err(NotStarted { code: "SDK_CLIENT_ERROR", message: e.to_string(), retryable: true }),
        }
    }
}
