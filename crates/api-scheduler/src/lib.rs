//! EventBridge Scheduler on the api port: rest-json, signed for `scheduler`. Each
//! operation is named by its method and path (`routes`), decoded (`documents`), handed to
//! one method of `squall_scheduler::Scheduler`, and its answer encoded; errors take the
//! service's codes (`errors`). Members Squall does not honour (KmsKeyArn, the ECS, Kinesis
//! and SageMaker parameters of targets it does not serve) are refused by name.

mod documents;
mod errors;
mod operations;
mod routes;

use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};

/// EventBridge Scheduler. Recognised by its signature only: its paths (`/schedules…`)
/// could be a bucket's.
pub static SERVICE: Service = Service {
    name: "scheduler",
    signing_name: Some("scheduler"),
    protocol: Protocol::RestJson,
    recognition: Recognition::Signature,
    namespace: "",
    query_code: None,
    unsigned: never,
    // A target's Input is at most 8 KB; the rest is small.
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, _| Box::pin(operations::serve(state, req))),
};
