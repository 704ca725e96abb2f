//! The event rules a service's `schedule` and `eventBridge` events make: put on deploy with
//! the function as their target (on the default bus or a named one, the service's own buses
//! made first), and those a function no longer asks for taken away.

use crate::client::{Client, server_error};
use anyhow::Context;
use serde_json::{Value, json};
use squall_manifest::{RuleResource, RuleTarget};
use std::collections::HashSet;

/// The tag naming the deployment a rule, bus or schedule group belongs to, so deploys and
/// `remove` find theirs.
pub(crate) const DEPLOYMENT_TAG: &str = "squall:deployment";

/// Whether a `{"Tags": [{"Key", "Value"}]}` answer says `deployment` owns the resource.
pub(crate) fn owned_by(tags: &Value, deployment: &str) -> bool {
    tags["Tags"].as_array().into_iter().flatten().any(|t| t["Key"] == DEPLOYMENT_TAG && t["Value"] == deployment)
}

async fn events(client: &Client, op: &str, input: &Value) -> anyhow::Result<Value> {
    let resp = client.json11("events", &format!("AWSEvents.{op}"), input).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    resp.json()
}

/// Makes the service's own buses `buses` (tagged as the deployment's) when missing.
async fn ensure_buses(client: &Client, deployment: &str, buses: &[String]) -> anyhow::Result<()> {
    for bus in buses {
        let found = client.json11("events", "AWSEvents.DescribeEventBus", &json!({ "Name": bus })).await?;
        if found.status.is_success() {
            continue;
        }
        let create = json!({ "Name": bus, "Tags": [{ "Key": DEPLOYMENT_TAG, "Value": deployment }] });
        events(client, "CreateEventBus", &create).await.with_context(|| format!("creating event bus {bus}"))?;
        println!("  event bus {bus}: created");
    }
    Ok(())
}

/// Puts every rule of the manifest with its target, then takes the service's functions
/// (`functions`, by name) out of the rules of `deployment` the manifest no longer has,
/// deleting those left without targets, and the service's buses left without rules.
pub(crate) async fn ensure_rules(
    client: &Client,
    deployment: &str,
    rules: &[RuleResource],
    buses: &[String],
    functions: &HashSet<String>,
) -> anyhow::Result<()> {
    ensure_buses(client, deployment, buses).await?;
    for r in rules {
        let on_bus = |mut v: Value| {
            if let Some(bus) = &r.bus {
                v["EventBusName"] = json!(bus);
            }
            v
        };
        let mut put = on_bus(json!({
            "Name": r.name,
            "State": if r.enabled { "ENABLED" } else { "DISABLED" },
            "Tags": [{ "Key": DEPLOYMENT_TAG, "Value": deployment }],
        }));
        if let Some(s) = &r.schedule {
            put["ScheduleExpression"] = json!(s);
        }
        if let Some(p) = &r.pattern {
            put["EventPattern"] = json!(p);
        }
        if let Some(d) = &r.description {
            put["Description"] = json!(d);
        }
        events(client, "PutRule", &put).await.with_context(|| format!("putting rule {} ({})", r.name, r.origin))?;
        let targets: Vec<Value> = r.targets.iter().map(target_document).collect();
        if !targets.is_empty() {
            events(client, "PutTargets", &on_bus(json!({ "Rule": r.name, "Targets": targets })))
                .await
                .with_context(|| format!("setting the targets of rule {}", r.name))?;
        }
        // A target a previous deploy gave the rule goes: any on a rule wholly the service's,
        // else those naming another function of the service.
        let listed = events(client, "ListTargetsByRule", &on_bus(json!({ "Rule": r.name }))).await?;
        let stale: Vec<&str> = listed["Targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| !r.targets.iter().any(|mine| t["Id"] == mine.id.as_str()))
            .filter(|t| {
                r.owned || t["Arn"].as_str().and_then(|a| a.rsplit(':').next()).is_some_and(|f| functions.contains(f))
            })
            .filter_map(|t| t["Id"].as_str())
            .collect();
        if !stale.is_empty() {
            events(client, "RemoveTargets", &on_bus(json!({ "Rule": r.name, "Ids": stale }))).await?;
        }
        let state = if r.enabled { "" } else { ", disabled" };
        let what = match (&r.schedule, &r.bus) {
            (Some(s), _) => s.clone(),
            (None, Some(bus)) => format!("pattern on {bus}"),
            (None, None) => "pattern".to_string(),
        };
        let to: Vec<&str> = r.targets.iter().map(|t| t.arn.rsplit([':', '/']).next().unwrap_or_default()).collect();
        println!("  rule {} ({what}{state}) -> {}: ready", r.name, to.join(", "));
    }
    let kept: HashSet<(&str, &str)> =
        rules.iter().map(|r| (r.bus.as_deref().unwrap_or("default"), r.name.as_str())).collect();
    remove_rules(client, deployment, functions, &kept).await?;
    let kept_buses: HashSet<&str> = buses.iter().map(String::as_str).collect();
    remove_buses(client, deployment, &kept_buses).await
}

/// A PutTargets entry.
fn target_document(t: &RuleTarget) -> Value {
    let mut target = json!({ "Id": t.id, "Arn": t.arn });
    if let Some(role) = &t.role_arn {
        target["RoleArn"] = json!(role);
    }
    if let Some(q) = &t.dead_letter_arn {
        target["DeadLetterConfig"] = json!({ "Arn": q });
    }
    if let Some((attempts, age)) = t.retry {
        target["RetryPolicy"] = json!({ "MaximumRetryAttempts": attempts, "MaximumEventAgeInSeconds": age });
    }
    if let Some(g) = &t.message_group_id {
        target["SqsParameters"] = json!({ "MessageGroupId": g });
    }
    if let Some(i) = &t.input {
        target["Input"] = json!(i);
    }
    if let Some(p) = &t.input_path {
        target["InputPath"] = json!(p);
    }
    if let Some((paths, template)) = &t.input_transformer {
        let map: serde_json::Map<String, Value> = paths.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        target["InputTransformer"] = json!({ "InputPathsMap": map, "InputTemplate": template });
    }
    target
}

/// Every bus's name, and whether it is `deployment`'s own (tagged so).
async fn buses(client: &Client, deployment: &str) -> anyhow::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = events(client, "ListEventBuses", &input).await.context("listing event buses")?;
        for b in page["EventBuses"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (b["Name"].as_str(), b["Arn"].as_str()) else { continue };
            let tags = events(client, "ListTagsForResource", &json!({ "ResourceARN": arn })).await?;
            let mine = owned_by(&tags, deployment);
            out.push((name.to_string(), mine));
        }
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(out),
        }
    }
}

/// Deletes the buses of `deployment` not in `kept` that no rule is left on.
pub(crate) async fn remove_buses(client: &Client, deployment: &str, kept: &HashSet<&str>) -> anyhow::Result<()> {
    for (bus, mine) in buses(client, deployment).await? {
        if !mine || kept.contains(bus.as_str()) {
            continue;
        }
        let rules = events(client, "ListRules", &json!({ "EventBusName": bus })).await?;
        if rules["Rules"].as_array().is_some_and(|r| !r.is_empty()) {
            println!("  event bus {bus}: kept (other rules are on it)");
            continue;
        }
        events(client, "DeleteEventBus", &json!({ "Name": bus })).await?;
        println!("  event bus {bus}: removed");
    }
    Ok(())
}

/// Takes `functions` out of the rules of `deployment` not in `kept` (bus, name), on every
/// bus, deleting the rules left without targets.
pub(crate) async fn remove_rules(
    client: &Client,
    deployment: &str,
    functions: &HashSet<String>,
    kept: &HashSet<(&str, &str)>,
) -> anyhow::Result<()> {
    for (bus, _) in buses(client, deployment).await? {
        remove_rules_on(client, deployment, &bus, functions, kept).await?;
    }
    Ok(())
}

async fn remove_rules_on(
    client: &Client,
    deployment: &str,
    bus: &str,
    functions: &HashSet<String>,
    kept: &HashSet<(&str, &str)>,
) -> anyhow::Result<()> {
    let mut token: Option<String> = None;
    let mut ours = Vec::new();
    loop {
        let mut input = json!({ "EventBusName": bus });
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = events(client, "ListRules", &input).await.context("listing event rules")?;
        for r in page["Rules"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (r["Name"].as_str(), r["Arn"].as_str()) else { continue };
            if kept.contains(&(bus, name)) {
                continue;
            }
            let tags = events(client, "ListTagsForResource", &json!({ "ResourceARN": arn })).await?;
            let mine = owned_by(&tags, deployment);
            if mine {
                ours.push(name.to_string());
            }
        }
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    for name in ours {
        let targets = events(client, "ListTargetsByRule", &json!({ "Rule": name, "EventBusName": bus })).await?;
        let targets: Vec<&Value> = targets["Targets"].as_array().into_iter().flatten().collect();
        let gone: Vec<&str> = targets
            .iter()
            .filter(|t| t["Arn"].as_str().and_then(|a| a.rsplit(':').next()).is_some_and(|f| functions.contains(f)))
            .filter_map(|t| t["Id"].as_str())
            .collect();
        if !gone.is_empty() {
            events(client, "RemoveTargets", &json!({ "Rule": name, "Ids": gone, "EventBusName": bus })).await?;
        }
        if gone.len() == targets.len() {
            events(client, "DeleteRule", &json!({ "Name": name, "EventBusName": bus })).await?;
            println!("  rule {name}: removed");
        }
    }
    Ok(())
}
