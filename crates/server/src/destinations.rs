//! Where asynchronous invocations' records and dead letters go: to a queue, topic or
//! function, when the function's execution role may send there — its own policies, or the
//! target's policy naming the role — as on AWS, where the role needs `sqs:SendMessage`,
//! `sns:Publish` or `lambda:InvokeFunction` on each destination.

use squall_events::EventBuses;
use squall_functions::DestinationSink;
use squall_identity::Identities;
use squall_topics::destinations::{Destinations, target_policy};
use squall_types::FunctionRecord;
use std::sync::Arc;

/// [`Destinations`], for functions' roles; and event buses, which get Lambda's invocation
/// records as events (`source` `lambda`).
pub(crate) struct FunctionDestinations {
    inner: Destinations,
    identities: Arc<Identities>,
    events: Arc<EventBuses>,
    clock: squall_clock::Clock,
}

impl FunctionDestinations {
    pub(crate) fn new(
        inner: Destinations,
        identities: Arc<Identities>,
        events: Arc<EventBuses>,
        clock: squall_clock::Clock,
    ) -> Self {
        FunctionDestinations { inner, identities, events, clock }
    }

    /// Whether `from`'s role may deliver to `arn`; `Err` says why not.
    fn permitted(&self, from: &FunctionRecord, arn: &str) -> Result<(), String> {
        let (queues, topics, functions) = self.inner.services().ok_or("the server is stopping")?;
        let (action, policy) = match target_policy(queues, topics, &functions, arn) {
            Some(found) => found,
            // A bus has no policy of its own here: the role's decide.
            None if arn.starts_with("arn:aws:events:") && arn.contains(":event-bus/") => ("events:PutEvents", None),
            None => return Err(format!("{arn} is not the ARN of a queue, topic, function or event bus")),
        };
        let name = from.config.name.as_str();
        let creds = self.identities.function_session(name, crate::roles::grant_of(from)).map_err(|e| e.to_string())?;
        let context = crate::roles::delivery_context(self.clock.now_ms());
        match crate::roles::session_allows(&self.identities, &creds, action, arn, policy, context)? {
            true => Ok(()),
            false => {
                Err(format!("the execution role {} is not authorized to perform {action} on {arn}", from.config.role))
            }
        }
    }
}

impl FunctionDestinations {
    /// An invocation record as the event Lambda puts on a bus: `detail-type` `Lambda
    /// Function Invocation Result - Success` (or `- Failure`), the record as `detail`, the
    /// function's version ARN as its resource.
    async fn put_event(&self, from: &FunctionRecord, bus: &str, record: &str) -> Result<(), String> {
        let detail: serde_json::Value =
            serde_json::from_str(record).map_err(|e| format!("an invocation record: {e}"))?;
        let outcome = if detail["requestContext"]["condition"] == "Success" { "Success" } else { "Failure" };
        let version = detail["requestContext"]["functionArn"].as_str().unwrap_or_default().to_string();
        let resources = if version.is_empty() { vec![from.config.name.to_string()] } else { vec![version] };
        let detail_type = format!("Lambda Function Invocation Result - {outcome}");
        self.events
            .put_service_event(bus, "lambda", &detail_type, detail, resources, None)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

#[async_trait::async_trait]
impl DestinationSink for FunctionDestinations {
    async fn deliver(
        &self,
        from: &FunctionRecord,
        arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
    ) -> Result<(), String> {
        self.permitted(from, arn)?;
        if arn.starts_with("arn:aws:events:") {
            return self.put_event(from, arn, &body).await;
        }
        self.inner.send(arn, body, attributes).await
    }

    fn role_may(&self, from: &FunctionRecord, action: &str, resource: &str) -> Result<(), String> {
        let (queues, topics, _) = self.inner.services().ok_or("the server is stopping")?;
        let policy = match squall_types::arn_service(resource) {
            Some("sqs") => squall_topics::names::queue_of_arn(resource).and_then(|q| queues.policy(q)),
            Some("sns") => topics.policy(resource),
            _ => None,
        };
        let name = from.config.name.as_str();
        let creds = self.identities.function_session(name, crate::roles::grant_of(from)).map_err(|e| e.to_string())?;
        let context = crate::roles::delivery_context(self.clock.now_ms());
        match crate::roles::session_allows(&self.identities, &creds, action, resource, policy, context)? {
            true => Ok(()),
            false => Err(format!(
                "the execution role {} is not authorized to perform {action} on {resource}",
                from.config.role
            )),
        }
    }
}
