//! Payload templates (Parameters, ResultSelector, ItemSelector, a Task's arguments): a
//! field whose name ends in `.$` takes the value of a path into the input, of a `$$.` path
//! into the context object, or of an intrinsic function; everything else is copied.

use crate::{Failure, intrinsics, paths};
use serde_json::{Map, Value};

/// Evaluates `template` against `input` and the context object.
pub fn apply(template: &Value, input: &Value, context: &Value) -> Result<Value, Failure> {
    match template {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (key, value) in fields {
                match key.strip_suffix(".$") {
                    Some(name) => {
                        let text = value.as_str().ok_or_else(|| {
                            Failure::runtime(format!(
                                "The value of the field '{key}' must be a path or an intrinsic function"
                            ))
                        })?;
                        out.insert(name.to_string(), dynamic(key, text, input, context)?);
                    }
                    None => {
                        out.insert(key.clone(), apply(value, input, context)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            items.iter().map(|v| apply(v, input, context)).collect::<Result<_, _>>().map(Value::Array)
        }
        other => Ok(other.clone()),
    }
}

/// The value of one `.$` field.
fn dynamic(key: &str, text: &str, input: &Value, context: &Value) -> Result<Value, Failure> {
    if intrinsics::is_intrinsic(text) {
        return intrinsics::evaluate(text, &|path| {
            read_any(path, input, context).map_err(|m| path_failure(key, path, &m, input))
        });
    }
    read_any(text, input, context).map_err(|m| path_failure(key, text, &m, input))
}

/// Reads an input path or a `$$.` context path.
pub fn read_any(path: &str, input: &Value, context: &Value) -> Result<Value, paths::Missing> {
    match path.strip_prefix("$$") {
        Some(rest) => paths::read(context, &format!("${rest}")),
        None if path.starts_with('$') => paths::read(input, path),
        None => Err(paths::Missing(format!("'{path}' is not a path"))),
    }
}

fn path_failure(key: &str, path: &str, _missing: &paths::Missing, input: &Value) -> Failure {
    let which = if path.starts_with("$$") { "context object" } else { "input" };
    Failure::runtime(format!(
        "The JSONPath '{path}' specified for the field '{key}' could not be found in the {which} '{}'",
        serde_json::to_string(input).unwrap_or_default()
    ))
}

/// Problems a template has that definition checks report: a `.$` field that is not a
/// string, not a path and not a known intrinsic call (`location` is the template's).
pub fn problems(template: &Value, location: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect(template, location, &mut out);
    out
}

fn collect(template: &Value, location: &str, out: &mut Vec<(String, String)>) {
    match template {
        Value::Object(fields) => {
            for (key, value) in fields {
                let at = format!("{location}/{key}");
                if key.ends_with(".$") {
                    match value.as_str() {
                        Some(t) if intrinsics::is_intrinsic(t) => {
                            if let Err(e) = intrinsics::check(t) {
                                out.push((at, e));
                            }
                        }
                        Some(t) if t.starts_with("$$") && paths::valid(&t[1..]) => {}
                        Some(t) if paths::valid(t) => {}
                        Some(t) if t.starts_with("States.") => {
                            out.push((at, format!("The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call")));
                        }
                        _ => out.push((at, format!("The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"))),
                    }
                } else {
                    collect(value, &at, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(v, &format!("{location}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_ending_in_dollar_take_paths() {
        let input = json!({"flagged": true, "vals": [0, 10, 20], "deep": {"x": 1}});
        let context = json!({"Execution": {"Id": "arn:e"}});
        let template = json!({
            "comment": "Example",
            "MyDetails": {"size": 10, "exists.$": "$.flagged", "all.$": "$.vals[*]"},
            "id.$": "$$.Execution.Id",
            "list": [{"x.$": "$.deep.x"}]
        });
        assert_eq!(
            apply(&template, &input, &context).unwrap(),
            json!({"comment": "Example", "MyDetails": {"size": 10, "exists": true, "all": [0, 10, 20]}, "id": "arn:e", "list": [{"x": 1}]})
        );
        let err = apply(&json!({"m.$": "$.missing"}), &input, &context).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
        assert!(err.cause.contains("'$.missing' specified for the field 'm.$'"), "{}", err.cause);
    }
}
