//! Lambda's advanced logging controls (`LoggingConfig`): the format of a function's log
//! lines and the levels below which they are dropped.

use serde::{Deserialize, Serialize};

/// A log line's level, from the most detailed to the least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARN` (also read from `WARNING`).
    Warn,
    /// `ERROR`.
    Error,
    /// `FATAL` (also read from `CRITICAL`).
    Fatal,
}

impl LogLevel {
    /// The levels `ApplicationLogLevel` takes.
    pub const APPLICATION: [LogLevel; 6] =
        [LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error, LogLevel::Fatal];
    /// The levels `SystemLogLevel` takes.
    pub const SYSTEM: [LogLevel; 3] = [LogLevel::Debug, LogLevel::Info, LogLevel::Warn];

    /// Reads a level spelled exactly as Lambda's API spells it, one of `allowed`; else the
    /// allowed ones, listed (`TRACE, DEBUG, …`).
    pub fn named(text: &str, allowed: &[LogLevel]) -> Result<LogLevel, String> {
        allowed
            .iter()
            .copied()
            .find(|l| l.as_str() == text)
            .ok_or_else(|| allowed.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", "))
    }

    /// The level Lambda's API names: `TRACE` … `FATAL`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }

    /// Reads a level as loggers write it, in any case (`warning` and `critical` as
    /// Python's logging names them).
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.to_ascii_uppercase().as_str() {
            "TRACE" => LogLevel::Trace,
            "DEBUG" => LogLevel::Debug,
            "INFO" => LogLevel::Info,
            "WARN" | "WARNING" => LogLevel::Warn,
            "ERROR" => LogLevel::Error,
            "FATAL" | "CRITICAL" => LogLevel::Fatal,
            _ => return None,
        })
    }
}

/// How a function's log lines are written and filtered. The default is Lambda's: plain
/// text, nothing filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingConfig {
    /// `LogFormat: JSON`: platform lines are JSON records, the runtime's loggers write
    /// JSON, and the levels below apply.
    #[serde(default)]
    pub json: bool,
    /// The least severe application level kept (`ApplicationLogLevel`; INFO when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<LogLevel>,
    /// The least severe platform level kept (`SystemLogLevel`: DEBUG, INFO or WARN; INFO
    /// when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<LogLevel>,
}

impl LoggingConfig {
    /// Whether this is the default (omitted from stored records).
    pub fn is_default(&self) -> bool {
        *self == LoggingConfig::default()
    }

    /// The application level in force, if lines are filtered at all (JSON only).
    pub fn application_level(&self) -> Option<LogLevel> {
        self.json.then(|| self.application.unwrap_or(LogLevel::Info))
    }

    /// The platform level in force, if lines are filtered at all (JSON only).
    pub fn system_level(&self) -> Option<LogLevel> {
        self.json.then(|| self.system.unwrap_or(LogLevel::Info))
    }

    /// Why this cannot be set, if it cannot: levels with the text format (Lambda filters
    /// only JSON lines), or a system level other than DEBUG, INFO or WARN.
    pub fn problem(&self) -> Option<String> {
        if !self.json && (self.application.is_some() || self.system.is_some()) {
            return Some(
                "ApplicationLogLevel and SystemLogLevel take effect only with LogFormat JSON; set LogFormat to JSON to filter log lines by level".into(),
            );
        }
        let system = self.system?;
        let allowed = LogLevel::named(system.as_str(), &LogLevel::SYSTEM).err()?;
        Some(format!("SystemLogLevel {} is not one of {allowed}", system.as_str()))
    }

    /// Whether an application line (what the code wrote to stdout or stderr) is kept: with
    /// JSON, a line that is a JSON object with a `level` has that level, any other line is
    /// INFO (as Lambda reads them), and lines more detailed than the level are dropped.
    pub fn keeps_application_line(&self, line: &str) -> bool {
        let Some(min) = self.application_level() else { return true };
        line_level(line).unwrap_or(LogLevel::Info) >= min
    }
}

/// The `level` of a line that is a JSON object, if it has a level Squall reads.
fn line_level(line: &str) -> Option<LogLevel> {
    let t = line.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(t).ok()?;
    LogLevel::parse(v.get("level")?.as_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_are_filtered_by_their_level_and_others_count_as_info() {
        let text = LoggingConfig::default();
        assert!(text.keeps_application_line(r#"{"level":"DEBUG"}"#));
        let warn = LoggingConfig { json: true, application: Some(LogLevel::Warn), system: None };
        assert!(!warn.keeps_application_line(r#"{"level":"debug","msg":"x"}"#));
        assert!(!warn.keeps_application_line("plain text"));
        assert!(warn.keeps_application_line(r#"{"level":"WARNING"}"#));
        assert!(warn.keeps_application_line(r#"  {"level":"critical"}"#));
        let info = LoggingConfig { json: true, ..LoggingConfig::default() };
        assert!(info.keeps_application_line(r#"{"level":"nonsense"}"#));
        assert!(!info.keeps_application_line(r#"{"level":"trace"}"#));
    }

    #[test]
    fn levels_need_json_and_system_levels_are_three() {
        let levels_on_text = LoggingConfig { json: false, application: Some(LogLevel::Info), system: None };
        assert!(levels_on_text.problem().is_some());
        let fatal_system = LoggingConfig { json: true, application: None, system: Some(LogLevel::Fatal) };
        assert!(fatal_system.problem().unwrap().contains("SystemLogLevel"));
        assert_eq!(LoggingConfig { json: true, ..Default::default() }.problem(), None);
    }
}
