//! Buses, rules and targets as EventBridge's JSON shapes.

use serde_json::{Map, Value, json};
use squall_events::model::Parameter;
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
    if let Some(r) = &t.role_arn {
        m.insert("RoleArn".into(), json!(r));
    }
    if let Some(h) = &t.http {
        let pairs = |p: &[(String, String)]| Value::Object(p.iter().map(|(k, v)| (k.clone(), json!(v))).collect());
        m.insert(
            "HttpParameters".into(),
            json!({
                "PathParameterValues": h.path_values,
                "HeaderParameters": pairs(&h.headers),
                "QueryStringParameters": pairs(&h.query),
            }),
        );
    }
    Value::Object(m)
}

/// Header, query string and body parameters as connections write them; `None` when there
/// are none.
fn http_parameters(headers: &[Parameter], query: &[Parameter], body: &[Parameter]) -> Option<Value> {
    let params = |p: &[Parameter]| -> Value {
        Value::Array(
            p.iter()
                .map(|p| match &p.value {
                    Some(v) => json!({ "Key": p.key, "Value": v, "IsValueSecret": false }),
                    None => json!({ "Key": p.key, "IsValueSecret": true }),
                })
                .collect(),
        )
    };
    if headers.is_empty() && query.is_empty() && body.is_empty() {
        return None;
    }
    Some(json!({
        "HeaderParameters": params(headers),
        "QueryStringParameters": params(query),
        "BodyParameters": params(body),
    }))
}

/// A connection as DescribeConnection writes it (its secrets never).
pub(crate) fn connection(c: &squall_events::model::Connection) -> Value {
    let mut auth = match c.authorization {
        squall_events::model::Authorization::ApiKey => json!({ "ApiKeyAuthParameters": { "ApiKeyName": c.principal } }),
        squall_events::model::Authorization::Basic => json!({ "BasicAuthParameters": { "Username": c.principal } }),
        squall_events::model::Authorization::OAuthClientCredentials => {
            let mut p = json!({ "ClientParameters": { "ClientID": c.principal } });
            if let Some(o) = &c.oauth {
                p["AuthorizationEndpoint"] = json!(o.endpoint);
                p["HttpMethod"] = json!(o.method);
                if let Some(h) = http_parameters(&o.headers, &o.query, &o.body) {
                    p["OAuthHttpParameters"] = h;
                }
            }
            json!({ "OAuthParameters": p })
        }
    };
    if let Some(h) = http_parameters(&c.headers, &c.query, &c.body) {
        auth["InvocationHttpParameters"] = h;
    }
    let mut m = json!({
        "ConnectionArn": c.arn,
        "Name": c.name,
        "ConnectionState": connection_state(c),
        "AuthorizationType": c.authorization.as_str(),
        "SecretArn": c.secret_arn,
        "AuthParameters": auth,
        "CreationTime": seconds(c.created_ms),
        "LastModifiedTime": seconds(c.modified_ms),
    });
    if let Some(t) = c.authorized_ms {
        m["LastAuthorizedTime"] = json!(seconds(t));
    }
    if let Some(d) = &c.description {
        m["Description"] = json!(d);
    }
    if let Some(r) = &c.state_reason {
        m["StateReason"] = json!(r);
    }
    m
}

/// `AUTHORIZED` or `DEAUTHORIZED`.
pub(crate) fn connection_state(c: &squall_events::model::Connection) -> &'static str {
    if c.authorized { "AUTHORIZED" } else { "DEAUTHORIZED" }
}

/// What CreateConnection, UpdateConnection, DeauthorizeConnection and DeleteConnection
/// answer: the connection's ARN, `state`, and its times.
pub(crate) fn connection_change(c: &squall_events::model::Connection, state: &str) -> Value {
    let mut m = json!({
        "ConnectionArn": c.arn,
        "ConnectionState": state,
        "CreationTime": seconds(c.created_ms),
        "LastModifiedTime": seconds(c.modified_ms),
    });
    if let Some(t) = c.authorized_ms {
        m["LastAuthorizedTime"] = json!(seconds(t));
    }
    m
}

/// An API destination as DescribeApiDestination writes it.
pub(crate) fn api_destination(a: &squall_events::model::ApiDestination) -> Value {
    let mut m = json!({
        "ApiDestinationArn": a.arn,
        "Name": a.name,
        "ApiDestinationState": "ACTIVE",
        "ConnectionArn": a.connection_arn,
        "InvocationEndpoint": a.endpoint,
        "HttpMethod": a.method,
        "CreationTime": seconds(a.created_ms),
        "LastModifiedTime": seconds(a.modified_ms),
    });
    if let Some(d) = &a.description {
        m["Description"] = json!(d);
    }
    if let Some(r) = a.rate_per_second {
        m["InvocationRateLimitPerSecond"] = json!(r);
    }
    m
}

/// `[{"Key", "Value"}]`.
pub(crate) fn tags(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}

/// An archive as DescribeArchive writes it (ListArchives' entries are the same, without
/// the pattern and description).
pub(crate) fn archive(a: &squall_events::ArchiveStats, bus_arn: &str, whole: bool) -> Value {
    let x = &a.archive;
    let mut m = Map::new();
    m.insert("ArchiveName".into(), json!(x.name));
    m.insert("EventSourceArn".into(), json!(bus_arn));
    m.insert("State".into(), json!("ENABLED"));
    m.insert("RetentionDays".into(), json!(x.retention_days));
    m.insert("SizeBytes".into(), json!(a.size_bytes));
    m.insert("EventCount".into(), json!(a.event_count));
    m.insert("CreationTime".into(), json!(seconds(x.created_ms)));
    if whole {
        m.insert("ArchiveArn".into(), json!(x.arn));
        if let Some(d) = &x.description {
            m.insert("Description".into(), json!(d));
        }
        if let Some(p) = &x.pattern {
            m.insert("EventPattern".into(), json!(p));
        }
    }
    Value::Object(m)
}

/// A replay as DescribeReplay writes it (ListReplays' entries leave out the ARN,
/// description and destination).
pub(crate) fn replay(r: &squall_events::model::Replay, whole: bool) -> Value {
    let mut m = Map::new();
    m.insert("ReplayName".into(), json!(r.name));
    m.insert("EventSourceArn".into(), json!(r.archive_arn));
    m.insert("State".into(), json!(r.state.as_str()));
    if let Some(reason) = &r.state_reason {
        m.insert("StateReason".into(), json!(reason));
    }
    m.insert("EventStartTime".into(), json!(seconds(r.start_ms)));
    m.insert("EventEndTime".into(), json!(seconds(r.end_ms)));
    if let Some(t) = r.last_replayed_ms {
        m.insert("EventLastReplayedTime".into(), json!(seconds(t)));
    }
    m.insert("ReplayStartTime".into(), json!(seconds(r.started_ms)));
    if let Some(t) = r.ended_ms {
        m.insert("ReplayEndTime".into(), json!(seconds(t)));
    }
    if whole {
        m.insert("ReplayArn".into(), json!(r.arn));
        if let Some(d) = &r.description {
            m.insert("Description".into(), json!(d));
        }
        let mut destination = json!({ "Arn": r.destination_arn });
        if !r.filter_arns.is_empty() {
            destination["FilterArns"] = json!(r.filter_arns);
        }
        m.insert("Destination".into(), destination);
    }
    Value::Object(m)
}
