//! What `squall deploy` prints about each function's execution role: what it may do.

use serde_json::Value;
use squall_manifest::FunctionSpec;

/// A statement's `Action` or `Resource`, as one line.
fn names(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(names).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// One line per statement of each function's role, or what the role is when the
/// deployment grants nothing itself.
pub(crate) fn print(functions: &[FunctionSpec]) {
    if functions.is_empty() {
        return;
    }
    println!("permissions:");
    for f in functions {
        let c = &f.config;
        let Some(policy) = &c.role_policy else {
            if c.role.ends_with("-lambdaRole") {
                println!("  {}: the framework's default role: logs only, none of Squall's APIs", c.name);
            } else {
                println!("  {}: IAM role {} (what its policies in IAM allow)", c.name, c.role);
            }
            continue;
        };
        println!("  {} ({}):", c.name, c.role.rsplit('/').next().unwrap_or_default());
        let doc: Value = serde_json::from_str(&policy.document).unwrap_or_default();
        let statements = match &doc["Statement"] {
            Value::Array(a) => a.clone(),
            one @ Value::Object(_) => vec![one.clone()],
            _ => Vec::new(),
        };
        for s in &statements {
            let (action, action_key) = match s.get("Action") {
                Some(a) => (a, ""),
                None => (&s["NotAction"], "everything but "),
            };
            let (resource, resource_key) = match s.get("Resource") {
                Some(r) => (r, ""),
                None => (&s["NotResource"], "everything but "),
            };
            let condition = if s.get("Condition").is_some() { " (with conditions)" } else { "" };
            println!(
                "    {} {action_key}{} on {resource_key}{}{condition}",
                s["Effect"].as_str().unwrap_or("?"),
                names(action),
                names(resource)
            );
        }
        for arn in &policy.managed_policies {
            println!("    managed policy {arn}");
        }
    }
}
