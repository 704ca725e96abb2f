//! The lines Squall itself writes about an invocation (Lambda's system logs): as text
//! (`START RequestId: …`) or, with `LogFormat: JSON`, as Lambda's JSON platform records
//! (`{"time", "type": "platform.start", "record": {…}}`), dropped below `SystemLogLevel`.

use serde_json::{Value, json};
use squall_types::{LogLevel, LoggingConfig, format_iso8601_millis};

/// How an invocation ended, as its report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It answered.
    Success,
    /// It failed.
    Error,
    /// It ran out of time.
    Timeout,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }
}

/// One system log event.
#[derive(Debug, Clone)]
pub enum Platform {
    /// The invocation began on `version`.
    Start {
        /// `$LATEST` or a number.
        version: String,
    },
    /// The runtime finished it.
    End {
        /// How it ended.
        status: Status,
    },
    /// Its figures.
    Report {
        /// How long it ran.
        ms: f64,
        /// Its memory limit.
        memory_mb: u32,
        /// The most it used.
        max_used_mb: u64,
        /// How long the process took to initialize, on a cold start.
        init_ms: Option<f64>,
        /// How it ended.
        status: Status,
    },
    /// A process initialized (`provisioned`: ahead of any invocation), or failed to.
    InitReport {
        /// How long it took.
        ms: f64,
        /// Why it failed, if it did.
        error_type: Option<String>,
        /// Started ahead of invocations (provisioned concurrency).
        provisioned: bool,
    },
    /// Something went wrong (a timeout, a process that exited or could not start).
    Problem(String),
}

impl Platform {
    fn level(&self) -> LogLevel {
        match self {
            Platform::Problem(_) => LogLevel::Warn,
            Platform::InitReport { error_type: Some(_), .. } => LogLevel::Warn,
            _ => LogLevel::Info,
        }
    }

    /// The line to store, if the function's logging keeps it.
    pub fn render(&self, logging: &LoggingConfig, request_id: &str, now_ms: u64) -> Option<String> {
        match logging.system_level() {
            None => Some(self.text(request_id)),
            Some(min) if self.level() >= min => Some(self.json(request_id, now_ms).to_string()),
            Some(_) => None,
        }
    }

    fn text(&self, request_id: &str) -> String {
        match self {
            Platform::Start { version } => format!("START RequestId: {request_id} Version: {version}"),
            Platform::End { .. } => format!("END RequestId: {request_id}"),
            Platform::Report { ms, memory_mb, max_used_mb, init_ms, .. } => {
                let mut line = format!(
                    "REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_used_mb} MB",
                    billed(*ms)
                );
                if let Some(init) = init_ms {
                    line.push_str(&format!("\tInit Duration: {init:.2} ms"));
                }
                line
            }
            Platform::InitReport { ms, error_type, provisioned } => match (error_type, provisioned) {
                (Some(kind), _) => {
                    format!("INIT_REPORT Init Duration: {ms:.2} ms Phase: init Status: error Error Type: {kind}")
                }
                (None, true) => format!(
                    "INIT_REPORT Init Duration: {ms:.2} ms Phase: init Status: success Type: provisioned-concurrency"
                ),
                (None, false) => format!("INIT_REPORT Init Duration: {ms:.2} ms Phase: init Status: success"),
            },
            Platform::Problem(message) => message.clone(),
        }
    }

    fn json(&self, request_id: &str, now_ms: u64) -> Value {
        let (kind, record) = match self {
            Platform::Start { version } => ("platform.start", json!({ "requestId": request_id, "version": version })),
            Platform::End { status } => {
                ("platform.runtimeDone", json!({ "requestId": request_id, "status": status.as_str() }))
            }
            Platform::Report { ms, memory_mb, max_used_mb, init_ms, status } => {
                let mut metrics = json!({
                    "durationMs": round2(*ms),
                    "billedDurationMs": billed(*ms),
                    "memorySizeMB": memory_mb,
                    "maxMemoryUsedMB": max_used_mb,
                });
                if let Some(init) = init_ms {
                    metrics["initDurationMs"] = json!(round2(*init));
                }
                ("platform.report", json!({ "requestId": request_id, "metrics": metrics, "status": status.as_str() }))
            }
            Platform::InitReport { ms, error_type, provisioned } => {
                let mut record = json!({
                    "initializationType": if *provisioned { "provisioned-concurrency" } else { "on-demand" },
                    "phase": "init",
                    "status": if error_type.is_some() { "error" } else { "success" },
                    "metrics": { "durationMs": round2(*ms) },
                });
                if let Some(kind) = error_type {
                    record["errorType"] = json!(kind);
                }
                ("platform.initReport", record)
            }
            Platform::Problem(message) => {
                ("platform.error", json!({ "requestId": request_id, "level": "WARN", "message": message }))
            }
        };
        json!({ "time": format_iso8601_millis(now_ms), "type": kind, "record": record })
    }
}

fn billed(ms: f64) -> u64 {
    ms.ceil().max(1.0) as u64
}

fn round2(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_are_lambdas_and_json_records_follow_the_system_level() {
        let report = Platform::Report {
            ms: 2.345,
            memory_mb: 128,
            max_used_mb: 30,
            init_ms: Some(80.0),
            status: Status::Success,
        };
        let text = LoggingConfig::default();
        assert_eq!(
            report.render(&text, "r1", 0).unwrap(),
            "REPORT RequestId: r1\tDuration: 2.35 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tInit Duration: 80.00 ms"
        );
        let json = LoggingConfig { json: true, ..Default::default() };
        let doc: Value = serde_json::from_str(&report.render(&json, "r1", 0).unwrap()).unwrap();
        assert_eq!(doc["type"], "platform.report");
        assert_eq!(doc["record"]["metrics"]["billedDurationMs"], 3);
        assert_eq!(doc["record"]["metrics"]["initDurationMs"], 80.0);
        let warn = LoggingConfig { json: true, system: Some(LogLevel::Warn), ..Default::default() };
        assert_eq!(report.render(&warn, "r1", 0), None);
        let problem = Platform::Problem("Task timed out after 1.00 seconds".into());
        let doc: Value = serde_json::from_str(&problem.render(&warn, "r1", 0).unwrap()).unwrap();
        assert_eq!(doc["record"]["message"], "Task timed out after 1.00 seconds");
    }
}
