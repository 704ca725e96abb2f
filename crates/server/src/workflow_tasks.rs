//! What a state machine's Task states call, as the machine's role — a session Step
//! Functions takes when the role trusts `states.amazonaws.com` (with the state machine as
//! `aws:SourceArn`): Lambda functions, when the role's policies (with the function's own)
//! allow `lambda:InvokeFunction` on them, and the api port's services (service
//! integrations), whose adapters authorize the session as any caller.

use bytes::Bytes;
use serde_json::Value;
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
    /// The api port's state, set once the server has made it.
    pub(crate) api: std::sync::OnceLock<squall_gateway::api::ApiState>,
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
    /// The role's session for `caller`, or why Step Functions cannot take it.
    fn session(&self, caller: &TaskCaller, service: &str) -> Result<squall_identity::Credentials, Failure> {
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        context.set("aws:SourceArn", caller.machine_arn.clone()).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let session = caller.execution_arn.rsplit(':').next().unwrap_or("execution");
        let role = &caller.role_arn;
        self.identities.service_session(STATES, role, session, &context).map_err(|e| {
            Failure::new(
                "AccessDeniedException",
                format!("Step Functions cannot assume the role {role} to call {service}: {e}"),
            )
        })
    }

    /// Whether the machine's role may invoke `arn` (under the function's own policy).
    fn permitted(&self, caller: &TaskCaller, arn: &str, policy: Option<String>) -> Result<(), Failure> {
        let mut context = crate::roles::delivery_context(self.clock.now_ms());
        context.set("aws:SourceArn", caller.machine_arn.clone()).set("aws:SourceAccount", squall_types::ACCOUNT_ID);
        let role = &caller.role_arn;
        let creds = self.session(caller, "Lambda").map_err(|f| lambda("AWSLambdaException", f.cause))?;
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
                // The platform's own failure, in the shape of a function's error document.
                let doc = document.unwrap_or_else(|| {
                    Bytes::from(
                        serde_json::json!({"errorType": "Runtime.ExitError", "errorMessage": message}).to_string(),
                    )
                });
                Ok(invoked(doc, Some("Unhandled"), 200))
            }
        }
    }

    async fn call_service(
        &self,
        caller: &TaskCaller,
        service: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, Failure> {
        let api =
            self.api.get().ok_or_else(|| Failure::new("ServiceUnavailable", "the api port is not serving yet"))?;
        let creds = self.session(caller, service)?;
        let identity = api
            .keys
            .identity(&creds.access_key_id, Some(&creds.session_token))
            .map_err(|e| Failure::new("AccessDeniedException", format!("the role's session was refused: {e:?}")))?;
        let trace = TraceContext::from_traceparent(caller.trace.as_deref());
        if squall_sdk_calls::knows(service, operation) {
            return sdk_call(api, service, operation, &input, identity, trace).await;
        }
        let body = Bytes::from(input.to_string());
        match squall_gateway::api::call_as(api, service, operation, body, identity, trace).await {
            Ok(answer) if answer.is_empty() => Ok(Value::Object(Default::default())),
            Ok(answer) => serde_json::from_slice(&answer).map_err(|e| {
                Failure::new("InternalError", format!("{service} answered something that is not JSON: {e}"))
            }),
            Err(e) => Err(Failure::new(e.code, e.message)),
        }
    }
}

/// A call of a service whose protocol is not JSON (S3, IAM, STS, SNS, Scheduler, Lambda):
/// the input members made into the operation's wire request, its answer read back.
async fn sdk_call(
    api: &squall_gateway::api::ApiState,
    service: &str,
    operation: &str,
    input: &Value,
    identity: squall_api::auth::Identity,
    trace: TraceContext,
) -> Result<Value, Failure> {
    let wire = squall_sdk_calls::request(service, operation, input).map_err(Failure::runtime)?;
    let mut req = http::Request::new(wire.body);
    *req.method_mut() = wire.method;
    *req.uri_mut() = wire.uri.parse().map_err(|e| Failure::runtime(format!("{operation}'s path: {e}")))?;
    *req.headers_mut() = wire.headers;
    let resp = squall_gateway::api::send_as(api, service, req, identity, trace)
        .await
        .map_err(|e| Failure::new(e.code, e.message))?;
    squall_sdk_calls::answer(service, operation, resp.status().as_u16(), resp.headers(), resp.body())
        .map_err(|e| Failure::new(e.code, e.message))
}

#[cfg(test)]
mod tests {
    use super::function_ref;

    /// The models the AWS SDK integration calls through hold every operation the api port
    /// serves of their services (scripts/sdk_models.py writes them from the same table).
    #[test]
    fn the_sdk_models_cover_every_served_operation() {
        let services = squall_sdk_calls::services();
        for a in squall_api::actions::ACTIONS.iter().filter(|a| services.contains(&a.service)) {
            assert!(squall_sdk_calls::modelled(a.service, a.operation), "{}:{} has no model", a.service, a.operation);
        }
    }

    #[test]
    fn function_references() {
        assert_eq!(function_ref("f"), ("f".into(), None));
        assert_eq!(function_ref("f:live"), ("f".into(), Some("live".into())));
        assert_eq!(function_ref("arn:aws:lambda:us-east-1:000000000000:function:f"), ("f".into(), None));
        assert_eq!(function_ref("arn:aws:lambda:us-east-1:000000000000:function:f:3"), ("f".into(), Some("3".into())));
        assert_eq!(function_ref("000000000000:function:f"), ("f".into(), None));
    }
}
