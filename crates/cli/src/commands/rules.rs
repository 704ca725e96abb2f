//! The event rules a service's `schedule` events make: put on deploy with the function as
//! their target, and those a function no longer asks for taken away.

use crate::client::{Client, server_error};
use anyhow::Context;
use serde_json::{Value, json};
use squall_manifest::RuleResource;
use std::collections::HashSet;

/// The tag naming the deployment a rule belongs to, so deploys and `remove` find theirs.
const DEPLOYMENT_TAG: &str = "squall:deployment";

async fn events(client: &Client, op: &str, input: &Value) -> anyhow::Result<Value> {
    let resp = client.json11("events", &format!("AWSEvents.{op}"), input).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    resp.json()
}

/// Puts every rule of the manifest with its target, then takes the service's functions
/// (`functions`, by name) out of the rules of `deployment` the manifest no longer has,
/// deleting those left without targets.
pub(crate) async fn ensure_rules(
    client: &Client,
    deployment: &str,
    rules: &[RuleResource],
    functions: &HashSet<String>,
) -> anyhow::Result<()> {
    for r in rules {
        let mut put = json!({
            "Name": r.name,
            "ScheduleExpression": r.schedule,
            "State": if r.enabled { "ENABLED" } else { "DISABLED" },
            "Tags": [{ "Key": DEPLOYMENT_TAG, "Value": deployment }],
        });
        if let Some(d) = &r.description {
            put["Description"] = json!(d);
        }
        events(client, "PutRule", &put).await.with_context(|| format!("putting rule {} ({})", r.name, r.origin))?;
        let mut target = json!({ "Id": r.target_id, "Arn": r.function_arn });
        if let Some(i) = &r.input {
            target["Input"] = json!(i);
        }
        if let Some(p) = &r.input_path {
            target["InputPath"] = json!(p);
        }
        if let Some((paths, template)) = &r.input_transformer {
            let map: serde_json::Map<String, Value> = paths.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            target["InputTransformer"] = json!({ "InputPathsMap": map, "InputTemplate": template });
        }
        events(client, "PutTargets", &json!({ "Rule": r.name, "Targets": [target] }))
            .await
            .with_context(|| format!("setting the target of rule {}", r.name))?;
        // A target a previous deploy gave the rule (another function of the service) goes.
        let listed = events(client, "ListTargetsByRule", &json!({ "Rule": r.name })).await?;
        let stale: Vec<&str> = listed["Targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["Id"] != r.target_id.as_str())
            .filter(|t| t["Arn"].as_str().and_then(|a| a.rsplit(':').next()).is_some_and(|f| functions.contains(f)))
            .filter_map(|t| t["Id"].as_str())
            .collect();
        if !stale.is_empty() {
            events(client, "RemoveTargets", &json!({ "Rule": r.name, "Ids": stale })).await?;
        }
        let state = if r.enabled { "" } else { ", disabled" };
        println!(
            "  rule {} ({}{state}) -> {}: ready",
            r.name,
            r.schedule,
            r.function_arn.rsplit(':').next().unwrap_or_default()
        );
    }
    let kept: HashSet<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    remove_rules(client, deployment, functions, &kept).await
}

/// Takes `functions` out of the rules of `deployment` not in `kept`, deleting the rules
/// left without targets.
pub(crate) async fn remove_rules(
    client: &Client,
    deployment: &str,
    functions: &HashSet<String>,
    kept: &HashSet<&str>,
) -> anyhow::Result<()> {
    let mut token: Option<String> = None;
    let mut ours = Vec::new();
    loop {
        let mut input = json!({});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = events(client, "ListRules", &input).await.context("listing event rules")?;
        for r in page["Rules"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (r["Name"].as_str(), r["Arn"].as_str()) else { continue };
            if kept.contains(name) {
                continue;
            }
            let tags = events(client, "ListTagsForResource", &json!({ "ResourceARN": arn })).await?;
            let mine = tags["Tags"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["Key"] == DEPLOYMENT_TAG && t["Value"] == deployment);
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
        let targets = events(client, "ListTargetsByRule", &json!({ "Rule": name })).await?;
        let targets: Vec<&Value> = targets["Targets"].as_array().into_iter().flatten().collect();
        let gone: Vec<&str> = targets
            .iter()
            .filter(|t| t["Arn"].as_str().and_then(|a| a.rsplit(':').next()).is_some_and(|f| functions.contains(f)))
            .filter_map(|t| t["Id"].as_str())
            .collect();
        if !gone.is_empty() {
            events(client, "RemoveTargets", &json!({ "Rule": name, "Ids": gone })).await?;
        }
        if gone.len() == targets.len() {
            events(client, "DeleteRule", &json!({ "Name": name })).await?;
            println!("  rule {name}: removed");
        }
    }
    Ok(())
}
