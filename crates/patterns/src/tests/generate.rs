//! Generated patterns and events over one small vocabulary, so they often meet.

use serde_json::{Map, Value, json};

use super::Rng;

const SOURCES: &[&str] = &["aws.s3", "aws.ec2", "my.app", "my.app.v2", "other"];
const TYPES: &[&str] = &["Object Created", "Object Deleted", "Updated"];
const STATES: &[&str] = &["running", "stopped", "init", "INIT", "initializing", ""];
const IPS: &[&str] = &["10.0.0.1", "10.0.1.7", "192.168.4.20", "2001:db8::1", "::ffff:a00:1", "not-an-ip"];
const ITEM_VALUES: &[&str] = &["x", "y", "z"];

/// A random pattern document (valid by construction, except for rare numeric range mixes).
pub(super) fn pattern(rng: &mut Rng) -> Value {
    let mut root = fields(rng);
    if rng.chance(25) {
        let alternatives: Vec<Value> = (0..2 + rng.below(2)).map(|_| Value::Object(fields(rng))).collect();
        root.insert("$or".into(), Value::Array(alternatives));
    }
    if root.is_empty() {
        root.insert("source".into(), json!([rng.pick(SOURCES)]));
    }
    Value::Object(root)
}

/// One to three fields, nested under `detail` where the path says so.
fn fields(rng: &mut Rng) -> Map<String, Value> {
    let mut root = Map::new();
    for _ in 0..1 + rng.below(3) {
        let (path, conditions) = field(rng);
        insert_path(&mut root, &path, conditions, rng.chance(10));
    }
    root
}

fn field(rng: &mut Rng) -> (String, Value) {
    let count = 1 + rng.below(3);
    let (path, make): (&str, fn(&mut Rng) -> Value) = match rng.below(9) {
        0 | 1 => ("source", source_condition),
        2 => ("detail-type", |rng| json!(rng.pick(TYPES))),
        3 => ("detail.state", string_condition),
        4 => ("detail.count", number_condition),
        5 => ("detail.ip", ip_condition),
        6 => ("detail.items.a", |rng| json!(rng.pick(ITEM_VALUES))),
        7 => ("detail.items.b", |rng| json!(rng.pick(ITEM_VALUES))),
        _ => {
            ("detail.flag", |rng| rng.pick(&[json!(true), json!(false), json!(null), json!({"exists": false})]).clone())
        }
    };
    let conditions: Vec<Value> = (0..count).map(|_| make(rng)).collect();
    (path.to_string(), Value::Array(conditions))
}

fn source_condition(rng: &mut Rng) -> Value {
    match rng.below(10) {
        0 => json!({"prefix": "my."}),
        1 => json!({"anything-but": rng.pick(SOURCES)}),
        _ => json!(rng.pick(SOURCES)),
    }
}

fn string_condition(rng: &mut Rng) -> Value {
    let s = *rng.pick(STATES);
    match rng.below(10) {
        0 => json!({"prefix": s}),
        1 => json!({"suffix": s}),
        2 => json!({"equals-ignore-case": s}),
        3 => json!({"anything-but": [s, "stopped"]}),
        4 => json!({"anything-but": {"prefix": "in"}}),
        5 => json!({"wildcard": "*i*"}),
        6 => json!({"exists": rng.chance(50)}),
        7 => json!({"prefix": {"equals-ignore-case": "IN"}}),
        _ => json!(s),
    }
}

fn number_condition(rng: &mut Rng) -> Value {
    let n = rng.below(10);
    match rng.below(6) {
        0 => json!({"numeric": [">", n, "<=", n + 3]}),
        1 => json!({"numeric": ["<", n]}),
        2 => json!({"numeric": ["=", n]}),
        3 => json!({"anything-but": [n, n + 1]}),
        _ => json!(n),
    }
}

fn ip_condition(rng: &mut Rng) -> Value {
    match rng.below(3) {
        0 => json!({"cidr": "10.0.0.0/24"}),
        1 => json!({"cidr": "2001:db8::/32"}),
        _ => json!(rng.pick(IPS)),
    }
}

/// Sets `conditions` at a dotted path, nesting objects (or, sometimes, keeping the dotted key).
fn insert_path(root: &mut Map<String, Value>, path: &str, conditions: Value, dotted: bool) {
    let parts: Vec<&str> = if dotted { vec![path] } else { path.split('.').collect() };
    let mut object = root;
    for part in &parts[..parts.len() - 1] {
        let entry = object.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else { return };
        object = inner;
    }
    object.insert(parts[parts.len() - 1].to_string(), conditions);
}

/// A random event over the same vocabulary.
pub(super) fn event(rng: &mut Rng) -> Value {
    let mut detail = Map::new();
    if rng.chance(70) {
        let state = if rng.chance(85) {
            json!(rng.pick(STATES))
        } else {
            rng.pick(&[json!(3), json!(null), json!(["init", "running"])]).clone()
        };
        detail.insert("state".into(), state);
    }
    if rng.chance(60) {
        let count = match rng.below(4) {
            0 => json!(rng.below(12) as f64 + 0.5),
            1 => json!(rng.below(12).to_string()),
            _ => json!(rng.below(12)),
        };
        detail.insert("count".into(), count);
    }
    if rng.chance(50) {
        detail.insert("ip".into(), json!(rng.pick(IPS)));
    }
    if rng.chance(50) {
        let items: Vec<Value> =
            (0..rng.below(4)).map(|_| json!({"a": rng.pick(ITEM_VALUES), "b": rng.pick(ITEM_VALUES)})).collect();
        detail.insert("items".into(), Value::Array(items));
    }
    if rng.chance(40) {
        detail.insert("flag".into(), rng.pick(&[json!(true), json!(false), json!(null)]).clone());
    }
    let mut event = json!({
        "version": "0",
        "id": "1",
        "detail-type": rng.pick(TYPES),
        "account": "123456789012",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    });
    if rng.chance(95) {
        event["source"] = json!(rng.pick(SOURCES));
    }
    event
}
