//! Step Functions on the api port: awsJson1.0, `X-Amz-Target: AWSStepFunctions.<Op>`,
//! signed for `states`. Each operation decodes its document, authorizes it, calls one
//! method of `squall_workflows::Workflows` and encodes the answer (`encode`); errors take
//! Step Functions' codes. Members Squall does not honour are refused by name, and so are
//! the operations it does not serve yet (versions, aliases, activities, map runs,
//! redrives, TestState).

mod encode;
mod operations;

pub use operations::SERVICE;

/// StartSyncExecution's answer for an execution, for the routes that start one.
pub fn sync_execution(e: &squall_workflows::model::Execution) -> serde_json::Value {
    encode::sync_execution(e)
}
