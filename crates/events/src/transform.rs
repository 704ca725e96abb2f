//! What a target receives: the event, or its `Input`, `InputPath` or `InputTransformer`.

use crate::model::{InputTransformer, Target};
use serde_json::Value;

/// A JSON path as EventBridge's `InputPath` and `InputPathsMap` take them: `$`, then
/// `.name`, `['name']` or `[n]` steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
}

impl Path {
    /// Parses `text`; `Err` says what is not understood (wildcards, filters and slices are
    /// not: they pick several values, and a target gets one).
    pub fn parse(text: &str) -> Result<Path, String> {
        let rest = text.strip_prefix('$').ok_or_else(|| format!("{text} does not start with $"))?;
        let mut steps = Vec::new();
        let mut rest = rest;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                let name = &r[..end];
                if name.is_empty() || name == "*" {
                    return Err(format!("{text}: a field name must follow '.'"));
                }
                steps.push(Step::Field(name.to_string()));
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(|| format!("{text}: '[' is not closed"))?;
                let inner = &r[..end];
                let quoted = inner
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
                match (quoted, inner.parse::<usize>()) {
                    (Some(name), _) => steps.push(Step::Field(name.to_string())),
                    (None, Ok(i)) => steps.push(Step::Index(i)),
                    (None, Err(_)) => return Err(format!("{text}: [{inner}] picks more than one value")),
                }
                rest = &r[end + 1..];
            } else {
                return Err(format!("{text}: unexpected {rest:?}"));
            }
        }
        Ok(Path(steps))
    }

    /// The value at this path in `doc`.
    pub fn get<'v>(&self, doc: &'v Value) -> Option<&'v Value> {
        self.0.iter().try_fold(doc, |v, step| match step {
            Step::Field(name) => v.get(name),
            Step::Index(i) => v.get(i),
        })
    }
}

/// Checks a target's input settings as PutTargets does; `Err` is the reason.
pub fn check(target: &Target) -> Result<(), String> {
    let given = [target.input.is_some(), target.input_path.is_some(), target.input_transformer.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(format!(
            "Only one of Input, InputPath, or InputTransformer must be provided for target {}.",
            target.id
        ));
    }
    if let Some(input) = &target.input
        && serde_json::from_str::<Value>(input).is_err()
    {
        return Err(format!("Input for target {} is not valid JSON text.", target.id));
    }
    if let Some(path) = &target.input_path {
        Path::parse(path).map_err(|e| format!("InputPath for target {} is not valid: {e}", target.id))?;
    }
    if let Some(t) = &target.input_transformer {
        if t.paths.len() > 100 {
            return Err("InputPathsMap has more than 100 entries.".into());
        }
        for (name, path) in &t.paths {
            let ok = !name.is_empty()
                && !name.starts_with("aws.")
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Err(format!("InputPathsMap has an invalid variable name: {name}"));
            }
            Path::parse(path).map_err(|e| format!("InputPathsMap's {name} is not valid: {e}"))?;
        }
        if t.template.len() > 8192 {
            return Err("InputTemplate is longer than 8192 characters.".into());
        }
    }
    Ok(())
}

/// What a rule is, for the template's `<aws.events.rule-…>` variables.
pub struct RuleRef<'a> {
    /// The rule's ARN.
    pub arn: &'a str,
    /// Its name.
    pub name: &'a str,
}

/// The body `target` gets for `event` (the event's JSON text is `event_text`).
pub fn body(target: &Target, event: &Value, event_text: &str, rule: &RuleRef<'_>) -> String {
    if let Some(input) = &target.input {
        return input.clone();
    }
    if let Some(path) = &target.input_path {
        return match Path::parse(path).ok().and_then(|p| p.get(event).cloned()) {
            Some(v) => v.to_string(),
            None => "null".to_string(),
        };
    }
    match &target.input_transformer {
        Some(t) => transform(t, event, rule),
        None => event_text.to_string(),
    }
}

/// Fills `<name>` placeholders: inside a JSON string with the value's text, elsewhere with
/// the value as JSON (`null` when the path found nothing), as EventBridge does.
fn transform(t: &InputTransformer, event: &Value, rule: &RuleRef<'_>) -> String {
    let lookup = |name: &str| -> Option<Option<Value>> {
        match name {
            "aws.events.rule-arn" => Some(Some(Value::from(rule.arn))),
            "aws.events.rule-name" => Some(Some(Value::from(rule.name))),
            "aws.events.event.json" => Some(Some(event.clone())),
            "aws.events.event" => {
                // The event without its detail, as EventBridge gives it.
                let mut e = event.clone();
                if let Some(m) = e.as_object_mut() {
                    m.remove("detail");
                }
                Some(Some(e))
            }
            "aws.events.event.ingestion-time" => Some(event.get("time").cloned()),
            _ => {
                let (_, path) = t.paths.iter().find(|(n, _)| n == name)?;
                Some(Path::parse(path).ok().and_then(|p| p.get(event).cloned()))
            }
        }
    };
    let template = &t.template;
    let mut out = String::with_capacity(template.len());
    let mut in_string = false;
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if in_string => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '"' => {
                in_string = !in_string;
                out.push(c);
            }
            '<' => {
                let close = template[i + 1..].find('>').map(|j| i + 1 + j);
                let value = close.and_then(|j| lookup(&template[i + 1..j]).map(|v| (j, v)));
                let Some((j, value)) = value else {
                    out.push(c);
                    continue;
                };
                match (in_string, value) {
                    (true, Some(Value::String(s))) => out.push_str(&escaped(&s)),
                    (true, Some(v)) => out.push_str(&escaped(&v.to_string())),
                    (true, None) => {}
                    (false, Some(v)) => out.push_str(&v.to_string()),
                    (false, None) => out.push_str("null"),
                }
                while chars.peek().is_some_and(|(k, _)| *k <= j) {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `s` as the inside of a JSON string.
fn escaped(s: &str) -> String {
    let quoted = Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({"version": "0", "id": "e1", "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "time": "2026-12-06T14:00:00Z", "resources": ["arn:r"],
            "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "n": 7, "tags": ["a", "b"]}})
    }

    fn transformed(paths: &[(&str, &str)], template: &str) -> String {
        let t = Target {
            input_transformer: Some(InputTransformer {
                paths: paths.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
                template: template.into(),
            }),
            ..Target::default()
        };
        check(&t).expect("valid");
        let e = event();
        body(&t, &e, &e.to_string(), &RuleRef { arn: "arn:aws:events:us-east-1:000000000000:rule/r", name: "r" })
    }

    #[test]
    fn paths() {
        let e = event();
        let get = |p: &str| Path::parse(p).unwrap().get(&e).cloned();
        assert_eq!(get("$.detail.state"), Some(json!("RUNNING")));
        assert_eq!(get("$['detail']['instance-id']"), Some(json!("i-0123456789")));
        assert_eq!(get("$.detail.tags[1]"), Some(json!("b")));
        assert_eq!(get("$"), Some(e.clone()));
        assert_eq!(get("$.nothing.here"), None);
        for bad in ["detail", "$.detail[*]", "$..state", "$.a[", "$.tags[0:2]"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_as_the_eventbridge_guide_shows_them() {
        let paths = [("instance", "$.detail.instance-id"), ("state", "$.detail.state")];
        assert_eq!(transformed(&paths, "\"<instance> is in state <state>\""), "\"i-0123456789 is in state RUNNING\"");
        assert_eq!(
            transformed(&paths, r#"{"instance" : <instance>, "state": [9, <state>, true], "Transformed" : "Yes"}"#),
            r#"{"instance" : "i-0123456789", "state": [9, "RUNNING", true], "Transformed" : "Yes"}"#
        );
        assert_eq!(transformed(&paths, r#"{"s": "<state> now"}"#), r#"{"s": "RUNNING now"}"#);
        // A number, an array, a missing value, the rule, an unknown placeholder.
        assert_eq!(
            transformed(
                &[("n", "$.detail.n"), ("t", "$.detail.tags"), ("m", "$.x")],
                r#"{"n": <n>, "t": <t>, "m": <m>, "q": "<m>"}"#
            ),
            r#"{"n": 7, "t": ["a","b"], "m": null, "q": ""}"#
        );
        assert_eq!(
            transformed(&[], r#"{"rule": "<aws.events.rule-name>", "x": "<other>"}"#),
            r#"{"rule": "r", "x": "<other>"}"#
        );
        assert_eq!(transformed(&[("s", "$.detail.state")], "plain <s> text"), "plain \"RUNNING\" text");
    }

    #[test]
    fn one_way_of_shaping_input() {
        let t = Target { input: Some("{}".into()), input_path: Some("$.detail".into()), ..Target::default() };
        assert!(check(&t).is_err());
        let t = Target { input: Some("not json".into()), ..Target::default() };
        assert!(check(&t).is_err());
        let e = event();
        let rule = RuleRef { arn: "a", name: "r" };
        let t = Target { input_path: Some("$.detail.n".into()), ..Target::default() };
        assert_eq!(body(&t, &e, "", &rule), "7");
        let t = Target { input: Some("{\"k\": 1}".into()), ..Target::default() };
        assert_eq!(body(&t, &e, "", &rule), "{\"k\": 1}");
    }
}
