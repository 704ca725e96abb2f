//! Buses, rules and targets as EventBridge's JSON shapes.

use serde_json::{Map, Value, json};
use squall_events::model::{Bus, Rule, Tag, Target};

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// An `EventBus` (DescribeEventBus adds nothing more for a bus without a policy).
pub(crate) fn bus(b: &Bus) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), json!(b.name));
    m.insert("Arn".into(), json!(b.arn));
    if let Some(d) = &b.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("CreationTime".into(), json!(seconds(b.created_ms)));
    m.insert("LastModifiedTime".into(), json!(seconds(b.created_ms)));
    Value::Object(m)
}

/// A `Rule` of ListRules; DescribeRule adds `CreatedBy`.
pub(crate) fn rule(r: &Rule) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), json!(r.name));
    m.insert("Arn".into(), json!(r.arn));
    if let Some(p) = &r.pattern {
        m.insert("EventPattern".into(), json!(p));
    }
    if let Some(s) = &r.schedule {
        m.insert("ScheduleExpression".into(), json!(s));
    }
    m.insert("State".into(), json!(r.state.as_str()));
    if let Some(d) = &r.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("EventBusName".into(), json!(r.bus));
    Value::Object(m)
}

/// A `Target`.
pub(crate) fn target(t: &Target) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(t.id));
    m.insert("Arn".into(), json!(t.arn));
    if let Some(i) = &t.input {
        m.insert("Input".into(), json!(i));
    }
    if let Some(p) = &t.input_path {
        m.insert("InputPath".into(), json!(p));
    }
    if let Some(x) = &t.input_transformer {
        let paths: Map<String, Value> = x.paths.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let mut it = Map::new();
        if !paths.is_empty() {
            it.insert("InputPathsMap".into(), Value::Object(paths));
        }
        it.insert("InputTemplate".into(), json!(x.template));
        m.insert("InputTransformer".into(), Value::Object(it));
    }
    if let Some(g) = &t.message_group_id {
        m.insert("SqsParameters".into(), json!({ "MessageGroupId": g }));
    }
    if let Some(r) = &t.retry {
        m.insert(
            "RetryPolicy".into(),
            json!({ "MaximumRetryAttempts": r.max_attempts, "MaximumEventAgeInSeconds": r.max_age_s }),
        );
    }
    if let Some(d) = &t.dead_letter_arn {
        m.insert("DeadLetterConfig".into(), json!({ "Arn": d }));
    }
    Value::Object(m)
}

/// `[{"Key", "Value"}]`.
pub(crate) fn tags(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}
