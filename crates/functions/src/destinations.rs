//! Where the outcomes of asynchronous invocations go: Lambda's destinations (a record of
//! the invocation, on success or after it was given up on) and its dead-letter queue (the
//! event itself, given up on). The functions service does not know queues or topics; the
//! composition root hands it a [`DestinationSink`] that does.

use async_trait::async_trait;
use serde_json::{Value, json};
use squall_types::format_iso8601_millis_z;

/// Delivers to a queue, topic or function named by its ARN.
#[async_trait]
pub trait DestinationSink: Send + Sync + 'static {
    /// Sends `body` from function `from` to `arn` (a queue gets it as a message, a topic
    /// publishes it, a function is invoked asynchronously with it) when `from`'s execution
    /// role may; `attributes` become message attributes where the target has them. `Err`
    /// says why it could not be delivered.
    async fn deliver(
        &self,
        from: &squall_types::FunctionRecord,
        arn: &str,
        body: String,
        attributes: Vec<(String, String)>,
    ) -> Result<(), String>;

    /// Whether `from`'s execution role may perform `action` on `resource` (under the
    /// resource's own policy, for a queue or topic): what Lambda checks of a mapping's
    /// source and destination. `Err` says why not.
    fn role_may(&self, from: &squall_types::FunctionRecord, action: &str, resource: &str) -> Result<(), String>;
}

/// Why an invocation record is sent (Lambda's `requestContext.condition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The function answered.
    Success,
    /// Every attempt failed.
    RetriesExhausted,
    /// The event grew older than `maximumEventAge` before it could run.
    EventAgeExceeded,
}

impl Condition {
    fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
        }
    }
}

/// What an invocation record says.
pub struct Record<'a> {
    /// The invocation's request id.
    pub request_id: &'a str,
    /// The function's ARN.
    pub function_arn: &'a str,
    /// The version that ran: `$LATEST` or a number.
    pub version: &'a str,
    /// Why the record is sent.
    pub condition: Condition,
    /// Attempts made.
    pub invoke_count: u32,
    /// The event.
    pub payload: &'a [u8],
    /// The function's answer (on success) or its error document (on failure), if any.
    pub response: Option<&'a [u8]>,
    /// When the outcome was known, ms since the epoch.
    pub timestamp_ms: u64,
}

/// Bytes as JSON when they are JSON, else as a string.
fn as_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

impl Record<'_> {
    /// Lambda's invocation record document.
    pub fn to_json(&self) -> String {
        let mut response_context = json!({ "statusCode": 200, "executedVersion": self.version });
        if self.condition != Condition::Success {
            response_context["functionError"] = "Unhandled".into();
        }
        let mut doc = json!({
            "version": "1.0",
            "timestamp": format_iso8601_millis_z(self.timestamp_ms),
            "requestContext": {
                "requestId": self.request_id,
                "functionArn": format!("{}:{}", self.function_arn, self.version),
                "condition": self.condition.as_str(),
                "approximateInvokeCount": self.invoke_count,
            },
            "requestPayload": as_json(self.payload),
            "responseContext": response_context,
        });
        if let Some(r) = self.response {
            doc["responsePayload"] = as_json(r);
        }
        doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_lambdas_shape() {
        let r = Record {
            request_id: "r-1",
            function_arn: "arn:aws:lambda:us-east-1:000000000000:function:f",
            version: "$LATEST",
            condition: Condition::RetriesExhausted,
            invoke_count: 3,
            payload: br#"{"n":1}"#,
            response: Some(br#"{"errorMessage":"boom","errorType":"Exception"}"#),
            timestamp_ms: 1_709_210_096_789,
        };
        let doc: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(doc["timestamp"], "2024-02-29T12:34:56.789Z");
        assert_eq!(doc["requestContext"]["condition"], "RetriesExhausted");
        assert_eq!(doc["requestContext"]["approximateInvokeCount"], 3);
        assert_eq!(doc["requestContext"]["functionArn"], "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST");
        assert_eq!(doc["requestPayload"]["n"], 1);
        assert_eq!(doc["responsePayload"]["errorMessage"], "boom");
        assert_eq!(doc["responseContext"]["functionError"], "Unhandled");
        let ok = Record { condition: Condition::Success, response: Some(b"plain"), ..r };
        let doc: Value = serde_json::from_str(&ok.to_json()).unwrap();
        assert_eq!(doc["responsePayload"], "plain");
        assert!(doc["responseContext"].get("functionError").is_none());
    }
}
