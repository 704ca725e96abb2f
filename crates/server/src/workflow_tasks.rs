//! What a state machine's Task states call: Lambda functions, invoked as the machine's
//! role — a session Step Functions takes when the role trusts `states.amazonaws.com`
//! (with the state machine as `aws:SourceArn`), whose policies (with the function's own)
//! must allow `lambda:InvokeFunction` on it, as on AWS.

use bytes::Bytes;
use squall_functions::{EventOutcome, Functions};
use squall_identity::Identities;
use squall_types::{Lineage, RequestId, TraceContext};
use squall_workflows::{Failure, Invoked, TaskCaller, Tasks};
use std::sync::Arc;

const STATES: &str = "states.amazonaws.com";

pub(crate) struct WorkflowTasks {
    pub(crate) functions: Arc<Functions>,
    pub(crate) identities: Arc<Identities>,
    pub(crate) clock: squall_clock::Clock,
    pub(crate) region: String,
}

/// A function's name and qualifier from a name, `name:qualifier`, a partial ARN
/// (`account:function:name`) or a full one.
fn function_ref(function: &str) -> (String, Option<String>) {
    let rest = function
        .strip_prefix("arn:aws:lambda:")
        .map(|r| r.splitn(3, ':').nth(2).unwrap_or_default())
        .unwrap_or(function);
    let rest = rest.split_once("function:").map_or(rest, |(_, r)| r);
    match rest.split_once(':') {
        Some((name, q)) => (name.to_string(), Some(q.to_string())),
        None => (rest.to_string(), None),
    }
}

fn lambda(code: &str, message: impl Into<String>) -> Failure {
    Failure::new(format!("Lambda.{code}"), message)
}

impl WorkflowTasks {
    /// Whether the machine's role may invoke `arn` (under the function's own policy).
    fn permitted(&self, caller: &TaskCaller, arn: &str, policy: Option<String>) -> Result<(), Failure> {
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        context.set("aws:SourceArn", caller.machine_arn.clone()).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let session = caller.execution_arn.rsplit(':').next().unwrap_or("execution");
        let role = &caller.role_arn;
        let creds = self
            .identities
            .service_session(STATES, role, session, &context)
            .map_err(|e| lambda("AWSLambdaException", format!("Step Functions cannot assume the role {role}: {e}")))?;
        let allowed =
            crate::roles::session_allows(&self.identities, &creds, "lambda:InvokeFunction", arn, policy, context)
                .map_err(|e| lambda("AWSLambdaException", format!("the session of {role} was refused: {e}")))?;
        if allowed {
            Ok(())
        } else {
            Err(lambda(
                "AWSLambdaException",
                format!("{role} is not authorized to perform: lambda:InvokeFunction on resource: {arn}"),
            ))
        }
    }
}

#[async_trait::async_trait]
impl Tasks for WorkflowTasks {
    async fn invoke(
        &self,
        caller: &TaskCaller,
        function: &str,
        qualifier: Option<&str>,
        payload: Vec<u8>,
        asynchronous: bool,
    ) -> Result<Invoked, Failure> {
        let (name, own) = function_ref(function);
        let qualifier = qualifier.map(str::to_string).or(own);
        let f = self
            .functions
            .resolve(&name, qualifier.as_deref(), squall_types::random_draw())
            .map_err(|e| lambda("ResourceNotFoundException", format!("Function not found: {function} ({e})")))?;
        // The ARN the call names, qualified as it was, is what policies are checked against.
        let named = match &qualifier {
            Some(q) => format!("{}:{q}", f.config.name.as_str()),
            None => f.config.name.as_str().to_string(),
        };
        let arn = squall_types::function_arn(&self.region, &named);
        self.permitted(caller, &arn, f.config.policy_document())?;
        let request_id = RequestId::new();
        let trace = TraceContext::from_traceparent(caller.trace.as_deref());
        let lineage = Lineage::default();
        let version = f.version_label();
        let invoked = |payload: Bytes, error: Option<&str>, status: u16| Invoked {
            payload: payload.to_vec(),
            function_error: error.map(str::to_string),
            executed_version: version.clone(),
            status,
            request_id: request_id.to_string(),
        };
        if asynchronous {
            self.functions
                .invoke_async(&f, Bytes::from(payload), &request_id, &trace, &lineage)
                .await
                .map_err(|e| lambda("AWSLambdaException", e.to_string()))?;
            return Ok(invoked(Bytes::new(), None, 202));
        }
        match self.functions.invoke_event(&f, Bytes::from(payload), &request_id, &trace, &lineage).await {
            EventOutcome::Answered(body) => Ok(invoked(body, None, 200)),
            EventOutcome::Unreadable(why) => Err(lambda("AWSLambdaException", why)),
            EventOutcome::Throttled => Err(lambda("TooManyRequestsException", "Rate Exceeded.")),
            EventOutcome::Stopped(why) => Err(lambda("RecursiveInvocationException", why)),
            EventOutcome::Failed { message, document } => {
                let doc = document.unwrap_or_else(|| {
                    Bytes::from(
                        serde_json::json!({"errorType": "Runtime.ExitError", "errorMessage": message}).to_string(),
                    )
                });
                Ok(invoked(doc, Some("Unhandled"), 200))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::function_ref;

    #[test]
    fn function_references() {
        assert_eq!(function_ref("f"), ("f".into(), None));
        assert_eq!(function_ref("f:live"), ("f".into(), Some("live".into())));
        assert_eq!(function_ref("arn:aws:lambda:us-east-1:000000000000:function:f"), ("f".into(), None));
        assert_eq!(function_ref("arn:aws:lambda:us-east-1:000000000000:function:f:3"), ("f".into(), Some("3".into())));
        assert_eq!(function_ref("000000000000:function:f"), ("f".into(), None));
    }
}
