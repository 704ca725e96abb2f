//! Log lines of function invocations.

use serde::{Deserialize, Serialize};

/// Where a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// The guest's standard output.
    Stdout,
    /// The guest's standard error.
    Stderr,
    /// Squall itself (start, end, errors of the invocation).
    Platform,
}

/// One line an invocation wrote, tagged so it can be joined with its request and trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Position in the store, assigned on append; 0 before.
    pub seq: u64,
    /// The function that wrote it.
    pub function: String,
    /// Epoch milliseconds.
    pub ts_ms: u64,
    /// The invocation's request id.
    pub request_id: String,
    /// The W3C trace id (32 hex digits) of the invocation.
    pub trace_id: String,
    /// Which stream.
    pub stream: LogStream,
    /// The text, without its line terminator.
    pub message: String,
}
