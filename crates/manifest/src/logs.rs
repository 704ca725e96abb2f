//! serverless.yml `provider.logs`: `lambda` (the functions' `LoggingConfig`: `logFormat`,
//! `applicationLogLevel`, `systemLogLevel`) is applied; the API's access logs are not kept
//! apart from Squall's own, so those keys are warned about.

use crate::parse::{Cx, Path};
use serde_norway::Value;
use squall_types::{LogLevel, LoggingConfig};

impl Cx<'_> {
    /// `provider.logs`: the functions' logging setting, if `lambda` gives one.
    pub(crate) fn provider_logs(&mut self, v: &Value) -> Option<LoggingConfig> {
        let mut logging = None;
        for (key, val) in self.entries(&["provider", "logs"], v) {
            let path = ["provider", "logs", key];
            match key {
                "lambda" => logging = self.lambda_logs(&path, val),
                "restApi" | "httpApi" | "websocket" | "frameworkLambda" => {
                    self.warn(&path, "ignored: squall keeps every request's log lines with its function (squall logs)")
                }
                other => self.error(&["provider", "logs", other], "is not supported"),
            }
        }
        logging
    }

    fn lambda_logs(&mut self, path: &Path, v: &Value) -> Option<LoggingConfig> {
        let mut config = LoggingConfig::default();
        let errors = self.errors.len();
        for (key, val) in self.entries(path, v) {
            let at: Vec<&str> = path.iter().copied().chain([key]).collect();
            let Some(text) = self.string(&at, val) else { continue };
            match key {
                "logFormat" => match text.as_str() {
                    "JSON" => config.json = true,
                    "Text" => config.json = false,
                    _ => self.error(&at, "must be JSON or Text"),
                },
                "applicationLogLevel" => config.application = self.level(&at, &text, false),
                "systemLogLevel" => config.system = self.level(&at, &text, true),
                "logGroup" => self.error(
                    &at,
                    "a log group of its own is not supported: squall keeps a function's log lines with the function (squall logs)",
                ),
                other => self.error(&at, format!("{other} is not supported")),
            }
        }
        if let Some(problem) = config.problem() {
            self.error(path, problem);
        }
        (self.errors.len() == errors).then_some(config)
    }

    fn level(&mut self, path: &Path, text: &str, system: bool) -> Option<LogLevel> {
        let allowed: &[LogLevel] = if system { &LogLevel::SYSTEM } else { &LogLevel::APPLICATION };
        LogLevel::named(text, allowed).map_err(|set| self.error(path, format!("must be one of {set}"))).ok()
    }
}
