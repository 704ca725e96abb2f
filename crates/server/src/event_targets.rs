//! Where event rules' targets are: functions (an asynchronous invocation), queues and
//! topics, by ARN, when the target's own policy lets EventBridge deliver for the rule; API
//! destinations, called as the target's role (`api_destinations`); state machines, started
//! as the target's role (`state_machine_targets`).

use squall_events::{Delivery, Refusal, TargetSink};
use squall_topics::Destinations;
use squall_topics::destinations::Failure;
use std::sync::Arc;

/// The events service's outlet.
pub(crate) struct EventTargets(
    pub(crate) Destinations,
    pub(crate) Arc<crate::api_destinations::ApiCaller>,
    pub(crate) Arc<crate::state_machine_targets::StateMachineTargets>,
);

#[async_trait::async_trait]
impl TargetSink for EventTargets {
    async fn deliver(&self, d: Delivery<'_>) -> Result<(), Refusal> {
        if d.api.is_some() {
            return self.1.call(&d).await;
        }
        if d.target.arn.contains(":stateMachine:") {
            let role = d.target.role_arn.as_deref().unwrap_or_default();
            return self
                .2
                .start("events.amazonaws.com", d.rule_arn, role, &d.target.arn, d.body.clone(), d.event_id)
                .await
                .map(|_| ())
                .map_err(|n| Refusal { code: n.code, message: n.message, retryable: n.retryable });
        }
        self.0.permitted("events.amazonaws.com", d.rule_arn, &d.target.arn).map_err(|message| Refusal {
            code: "NO_PERMISSIONS",
            message,
            retryable: false,
        })?;
        // A FIFO queue's messages are deduplicated by event id, as EventBridge does.
        let fifo = d.target.message_group_id.clone().map(|group| (group, d.event_id.to_string()));
        self.0.try_send(&d.target.arn, d.body, Vec::new(), fifo).await.map_err(|u| {
            let retryable = u.passing();
            let code = if u.kind == Failure::Missing { "RESOURCE_NOT_FOUND" } else { "SDK_CLIENT_ERROR" };
            Refusal { code, message: u.message, retryable }
        })
    }

    async fn dead_letter(
        &self,
        rule_arn: &str,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
    ) -> Result<(), String> {
        self.0.permitted("events.amazonaws.com", rule_arn, queue_arn)?;
        self.0.send(queue_arn, body, attributes).await
    }
}
