//! A function's asynchronous invocation settings: `maximumRetryAttempts`,
//! `maximumEventAge`, `destinations` (`onSuccess`, `onFailure`) and `onError` (the
//! dead-letter queue). A destination is an ARN, a reference to a resource of this service
//! (`!GetAtt Q.Arn`, `!Ref Topic`), the key of another function of this service, or the
//! Serverless Framework's `{type, arn}` form.

use crate::parse::{Cx, Path};
use serde_norway::Value;
use squall_types::AsyncInvokeConfig;

impl Cx<'_> {
    /// Reads function setting `key` into `into`; `false` if `key` is not one of these.
    pub(crate) fn async_setting(&mut self, path: &Path, key: &str, v: &Value, into: &mut AsyncInvokeConfig) -> bool {
        match key {
            "maximumRetryAttempts" => into.maximum_retry_attempts = self.number(path, v),
            "maximumEventAge" => into.maximum_event_age_s = self.number(path, v),
            "onError" => into.dead_letter = self.destination(path, v),
            "destinations" => {
                for (k, val) in self.entries(path, v) {
                    let p = [path, &[k]].concat();
                    match k {
                        "onSuccess" => into.on_success = self.destination(&p, val),
                        "onFailure" => into.on_failure = self.destination(&p, val),
                        other => self.error(&p, format!("destination {other} is not one of onSuccess, onFailure")),
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// The ARN a destination names.
    fn destination(&mut self, path: &Path, v: &Value) -> Option<String> {
        if let Value::Mapping(m) = v
            && m.contains_key("arn")
        {
            for (k, _) in self.entries(path, v) {
                if !matches!(k, "arn" | "type") {
                    self.error(&[path, &[k]].concat(), "unknown key (a destination has type and arn)");
                }
            }
            let arn = v.get("arn").expect("checked above");
            return self.destination(&[path, &["arn"]].concat(), arn);
        }
        let refs = std::mem::take(&mut self.refs);
        let resolved = self.reference(path, v, &refs);
        let out = match resolved {
            None => None,
            Some(Some(target)) if target.starts_with("arn:") => Some(target),
            Some(Some(other)) => {
                self.error(
                    path,
                    format!("resolves to {other}, not an ARN (a queue's Ref is its URL: use !GetAtt X.Arn)"),
                );
                None
            }
            Some(None) => match self.string(path, v) {
                Some(arn) if arn.starts_with("arn:") => Some(arn),
                Some(key) => {
                    let id = format!("{}LambdaFunction", crate::resources::function_logical_name(&key));
                    match refs.get(&id).and_then(|t| t.attributes.get("Arn")) {
                        Some(arn) => Some(arn.clone()),
                        None => {
                            self.error(path, format!("{key} is neither an ARN nor a function of this service"));
                            None
                        }
                    }
                }
                None => None,
            },
        };
        self.refs = refs;
        out
    }
}
