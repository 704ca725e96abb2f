//! What every AWS protocol adapter on the api port shares: the request as handlers get it
//! (`ApiRequest`), the state they serve from (`ApiState`), errors (`ApiError`) and their
//! rendering per protocol family (`protocol`), the query protocol's and the JSON protocols'
//! codecs (`query`, `json`), SigV4 authentication of buffered requests (`auth`), body and
//! host helpers. The adapters live in `squall-api-<service>` crates; the gateway classifies
//! requests and hands them over.

pub mod actions;
pub mod auth;
pub mod authorize;
pub mod body;
mod error;
pub mod host;
pub mod json;
pub mod json_input;
pub mod kms_use;
pub mod protocol;
pub mod query;
pub mod refusals;
pub mod request_keys;
pub mod resource_tags;

pub use auth::AccessKeys;
pub use error::ApiError;

use bytes::Bytes;
use squall_functions::Functions;
use squall_types::{RequestId, TraceContext};
use std::sync::Arc;

/// What the api port needs.
#[derive(Clone)]
pub struct ApiState {
    /// The functions service.
    pub functions: Arc<Functions>,
    /// Access keys that may sign requests.
    pub keys: Arc<AccessKeys>,
    /// The region reported in ARNs.
    pub region: String,
    /// The base URL of the http port, for telling users where routes answer.
    pub http_base: String,
    /// The tables service.
    pub tables: Arc<squall_tables::Tables>,
    /// The queues service.
    pub queues: Arc<squall_queues::Queues>,
    /// The topics service.
    pub topics: Arc<squall_topics::Topics>,
    /// The objects service.
    pub objects: Arc<squall_objects::Objects>,
    /// Parameter Store, Secrets Manager and KMS.
    pub params: Arc<squall_params::Params>,
    /// IAM's users, groups, roles and policies.
    pub identities: Arc<squall_identity::Identities>,
    /// EventBridge's buses and rules.
    pub events: Arc<squall_events::EventBuses>,
    /// EventBridge Scheduler's groups and schedules.
    pub scheduler: Arc<squall_scheduler::Scheduler>,
    /// Step Functions' state machines and executions.
    pub workflows: Arc<squall_workflows::Workflows>,
    /// Resources' own policies, parsed.
    pub resource_policies: Arc<authorize::ResourcePolicies>,
    /// `--s3-domain`: virtual-host-style hosts may be `<bucket>.<domain>` (besides
    /// `<bucket>.localhost`).
    pub s3_domain: Option<String>,
    /// `squall server --dev`: the reset and clock endpoints are served.
    pub dev: bool,
    /// The platform clock (an offset clock under `--dev`, which the clock endpoint moves).
    pub clock: squall_clock::Clock,
}

/// A request after authentication: what handlers get.
pub struct ApiRequest {
    pub method: http::Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub request_id: RequestId,
    pub trace: TraceContext,
    /// The client's address.
    pub peer: Option<std::net::IpAddr>,
    /// Who signed the request, once its signature is verified (`None`: unsigned).
    pub caller: Option<auth::Identity>,
}

impl ApiRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}
