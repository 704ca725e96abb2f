//! [`Destinations`]: the functions service's outlet for asynchronous invocation records and
//! dead letters, delivering to queues, topics and functions by ARN.

use crate::Topics;
use crate::message::{AttributeValue, Publish};
use crate::names::{Arn, function_of_arn, queue_of_arn};
use bytes::Bytes;
use squall_functions::Functions;
use squall_queues::Queues;
use squall_queues::message::NewMessage;
use squall_types::{RequestId, TraceContext};
use std::sync::{Arc, Weak};

/// Delivers to queues, topics and functions. Holds the functions service weakly: the
/// functions service holds this.
pub struct Destinations {
    queues: Arc<Queues>,
    topics: Arc<Topics>,
    functions: Weak<Functions>,
}

impl Destinations {
    /// An outlet over these services.
    pub fn new(queues: Arc<Queues>, topics: Arc<Topics>, functions: &Arc<Functions>) -> Destinations {
        Destinations { queues, topics, functions: Arc::downgrade(functions) }
    }
}

impl Destinations {
    /// Whether `service` may deliver to `target` for `source_arn` ([`permitted`]).
    pub fn permitted(&self, service: &str, source_arn: &str, target: &str) -> Result<(), String> {
        let functions = self.functions.upgrade().ok_or("the server is stopping")?;
        permitted(&self.queues, &self.topics, &functions, service, source_arn, target)
    }
}

/// Whether `service` may deliver to `target` (a queue, topic or function) for
/// `source_arn`, as the target's own policy says ([`squall_iam::delivery`]); `Err` says why
/// not.
pub fn permitted(
    queues: &Queues,
    topics: &Topics,
    functions: &Functions,
    service: &str,
    source_arn: &str,
    target: &str,
) -> Result<(), String> {
    let Some((action, policy)) = target_policy(queues, topics, functions, target) else { return Ok(()) };
    let delivery = squall_iam::delivery::Delivery {
        service,
        action,
        resource: target,
        source_arn,
        source_account: squall_types::ACCOUNT_ID,
    };
    if delivery.allowed_by(policy.as_deref()) { Ok(()) } else { Err(delivery.refusal()) }
}

/// The action a delivery to `target` performs (`sqs:SendMessage`, `sns:Publish`,
/// `lambda:InvokeFunction`) and the target's own policy, if it has one; `None` for an ARN
/// of none of them.
pub fn target_policy(
    queues: &Queues,
    topics: &Topics,
    functions: &Functions,
    target: &str,
) -> Option<(&'static str, Option<String>)> {
    match Arn::parse(target).map(|a| a.service) {
        Some("sqs") => Some(("sqs:SendMessage", queue_of_arn(target).and_then(|q| queues.policy(q)))),
        Some("sns") => Some(("sns:Publish", topics.policy(target))),
        Some("lambda") => {
            let f = function_of_arn(target).and_then(|name| functions.function(name));
            Some(("lambda:InvokeFunction", f.and_then(|f| f.config.policy_document())))
        }
        _ => None,
    }
}

impl Destinations {
    /// The queues, topics and functions deliveries go to.
    pub fn services(&self) -> Option<(&Queues, &Topics, Arc<Functions>)> {
        Some((&self.queues, &self.topics, self.functions.upgrade()?))
    }
}

fn string(value: &str) -> AttributeValue {
    AttributeValue { data_type: "String".into(), string: Some(value.to_string()), binary: None }
}

impl Destinations {
    /// Sends `body` to `arn` (a queue gets it as a message, a topic publishes it, a
    /// function is invoked asynchronously with it), as the platform: whoever asked for the
    /// delivery was authorized for it.
    pub async fn send(&self, arn: &str, body: String, attributes: Vec<(String, String)>) -> Result<(), String> {
        self.send_grouped(arn, body, attributes, None).await
    }

    /// [`Destinations::send`], a FIFO queue's message in group `fifo.0` with deduplication
    /// id `fifo.1`.
    pub async fn send_grouped(
        &self,
        arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
        fifo: Option<(String, String)>,
    ) -> Result<(), String> {
        self.try_send(arn, body, attributes, fifo).await.map_err(|u| u.message)
    }

    /// [`Destinations::send_grouped`], saying what kind of failure it was: one that may
    /// pass (the store failed, the server is stopping), a target that does not exist, or a
    /// message it refuses.
    pub async fn try_send(
        &self,
        arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
        fifo: Option<(String, String)>,
    ) -> Result<(), Undelivered> {
        let attributes: squall_queues::message::Attributes =
            attributes.iter().map(|(k, v)| (k.clone(), string(v))).collect();
        let failed = |kind, message: String| Undelivered { message, kind };
        match Arn::parse(arn).map(|a| a.service) {
            Some("sqs") => {
                let queue =
                    queue_of_arn(arn).ok_or_else(|| failed(Failure::Missing, format!("{arn} is not a queue ARN")))?;
                let (group_id, dedup_id) = fifo.unzip();
                let m = NewMessage { body, attributes, group_id, dedup_id, ..NewMessage::default() };
                self.queues.send(queue, m).await.map(drop).map_err(|e| {
                    let kind = match e {
                        squall_queues::Error::Storage(_) => Failure::Passing,
                        squall_queues::Error::QueueDoesNotExist => Failure::Missing,
                        _ => Failure::Refused,
                    };
                    failed(kind, e.to_string())
                })
            }
            Some("sns") => {
                let p = Publish { message: body, attributes, ..Publish::default() };
                self.topics.publish(arn, p, &TraceContext::new_root()).await.map(drop).map_err(|e| {
                    let kind = match e {
                        crate::Error::Storage(_) => Failure::Passing,
                        crate::Error::NotFound(_) => Failure::Missing,
                        _ => Failure::Refused,
                    };
                    failed(kind, e.to_string())
                })
            }
            Some("lambda") => {
                let functions = self
                    .functions
                    .upgrade()
                    .ok_or_else(|| failed(Failure::Passing, "the server is stopping".into()))?;
                let name = function_of_arn(arn)
                    .ok_or_else(|| failed(Failure::Missing, format!("{arn} is not a function ARN")))?;
                let f = functions
                    .function(name)
                    .ok_or_else(|| failed(Failure::Missing, format!("function {name} does not exist")))?;
                let trace = TraceContext::new_root();
                functions
                    .enqueue_async(&f, Bytes::from(body), &RequestId::new(), &trace, &Default::default())
                    .await
                    .map_err(|e| {
                        let kind = match e {
                            squall_functions::Error::Storage(_) => Failure::Passing,
                            _ => Failure::Refused,
                        };
                        failed(kind, e.to_string())
                    })
            }
            _ => Err(failed(Failure::Missing, format!("{arn} is not the ARN of a queue, topic or function"))),
        }
    }
}

/// Why [`Destinations::try_send`] did not deliver.
#[derive(Debug, Clone)]
pub struct Undelivered {
    /// Why.
    pub message: String,
    /// What kind of failure.
    pub kind: Failure,
}

/// Kinds of failed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// May pass: trying again later may succeed.
    Passing,
    /// The target does not exist.
    Missing,
    /// The target refuses the message.
    Refused,
}

impl Undelivered {
    /// Whether trying again later may succeed.
    pub fn passing(&self) -> bool {
        self.kind == Failure::Passing
    }
}
