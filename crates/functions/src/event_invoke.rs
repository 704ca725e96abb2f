//! Invoking a function with an event from inside the platform (asynchronous invocations,
//! event source mappings), where the caller wants the answer as bytes or the reason it
//! failed, not an HTTP response.

use crate::Functions;
use bytes::Bytes;
use squall_runtime::platform_log::Platform;
use squall_runtime::{FailureKind, Invocation, LogSink, Outcome, Trigger, full_body};
use squall_types::{FunctionRecord, Lineage, LogLine, LogStream, RequestId, TraceContext};
use std::time::Duration;

/// The largest answer read back (Lambda's synchronous response limit).
const MAX_ANSWER: usize = 6 << 20;

/// How an event invocation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// The function answered with these bytes.
    Answered(Bytes),
    /// The function ran and answered, but its answer could not be read (too big, too
    /// slow, cut off); why.
    Unreadable(String),
    /// No instance was free: try again later, this is not the function's fault.
    Throttled,
    /// Not run: the chain of requests that caused it has invoked the function too many
    /// times (recursive loop detection); why. Not to be retried.
    Stopped(String),
    /// The function (or the platform running it) failed.
    Failed {
        /// Why, for logs.
        message: String,
        /// The function's error document, when it reported one.
        document: Option<Bytes>,
    },
}

impl Functions {
    /// Invokes `function` with `payload` as a direct invocation and reads its answer
    /// (within the function's timeout: an answer that never ends must not hold the caller).
    /// `lineage` is the chain of requests that caused it.
    pub async fn invoke_event(
        &self,
        function: &FunctionRecord,
        payload: Bytes,
        request_id: &RequestId,
        trace: &TraceContext,
        lineage: &Lineage,
    ) -> EventOutcome {
        let mut request = http::Request::builder()
            .method(http::Method::POST)
            .uri("/")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(full_body(payload))
            .expect("a static request is valid");
        if !lineage.is_empty()
            && let Ok(v) = http::HeaderValue::from_str(&lineage.header())
        {
            request.headers_mut().insert(squall_runtime::TRACE_HEADER, v);
        }
        let invocation =
            Invocation { request, trigger: Trigger::Invoke, request_id: request_id.clone(), trace: trace.child() };
        match self.invoke(function, invocation).await {
            // An HTTP function (WebAssembly) fails by answering with a server error.
            Ok(Outcome::Response(r)) if r.status().is_server_error() => {
                EventOutcome::Failed { message: format!("the function answered {}", r.status()), document: None }
            }
            Ok(Outcome::Response(r)) => {
                let limit = Duration::from_secs(u64::from(function.config.timeout_s) + 1);
                match tokio::time::timeout(limit, squall_runtime::collect_body(r.into_body(), MAX_ANSWER)).await {
                    Ok(Ok(body)) => EventOutcome::Answered(body),
                    Ok(Err(e)) => EventOutcome::Unreadable(format!("reading the answer: {e}")),
                    Err(_) => EventOutcome::Unreadable("the answer did not end within the timeout".into()),
                }
            }
            Ok(Outcome::Failed(f)) if f.kind == FailureKind::Throttled => EventOutcome::Throttled,
            Ok(Outcome::Failed(f)) if f.kind == FailureKind::RecursiveLoop => EventOutcome::Stopped(f.message),
            Ok(Outcome::Failed(f)) => EventOutcome::Failed { message: f.message, document: f.payload },
            Err(e) => EventOutcome::Failed { message: e.to_string(), document: None },
        }
    }

    /// Writes a platform line to `function`'s log (what the platform did on its behalf), in
    /// the function's log format.
    pub fn platform_line(&self, function: &str, request_id: &RequestId, trace: &TraceContext, message: String) {
        let logging = self.function(function).map(|f| f.config.logging.clone()).unwrap_or_default();
        let now = squall_clock::wall_ms();
        let Some(message) = Platform::Problem(message).render(&logging, request_id.as_str(), now) else { return };
        self.log_pipe.emit(vec![LogLine {
            seq: 0,
            function: function.to_string(),
            // Real time, as on the lines the runtimes write beside it.
            ts_ms: now,
            request_id: request_id.to_string(),
            trace_id: trace.trace_id_hex(),
            stream: LogStream::Platform,
            message,
        }]);
    }
}
