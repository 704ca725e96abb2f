//! A service's state machines (`stepFunctions.stateMachines`, as the serverless-step-functions
//! plugin declares them, and `AWS::StepFunctions::StateMachine` resources), through Step
//! Functions' own API: every definition checked with ValidateStateMachineDefinition before
//! the deploy changes anything; after the functions, the roles squall makes for them (an
//! execution role allowing what the Task states call, and a role EventBridge starts the
//! machine as), then CreateStateMachine or UpdateStateMachine, each machine tagged
//! `squall:deployment`. The deployment's machines the manifest no longer has are deleted with
//! their roles after the event rules let go of them; `remove` deletes them all.

use super::rules::DEPLOYMENT_TAG;
use crate::client::{Client, Response, server_error, xml_elements, xml_text, xml_unescape};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use squall_manifest::{MadeRole, Manifest, StateMachineResource};
use std::collections::{BTreeMap, HashSet};

/// The tag on the roles squall makes for a state machine, naming it: how deploys and
/// `remove` tell them from the deployment's other roles.
const MACHINE_TAG: &str = "squall:state-machine";

/// The inline policy of a role squall makes.
const POLICY_NAME: &str = "state-machine";

async fn states(client: &Client, op: &str, input: &Value) -> anyhow::Result<Value> {
    let resp = client.states(op, input).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    resp.json()
}

/// The error code of a JSON answer (`StateMachineDoesNotExist`).
fn code(resp: &Response) -> String {
    let doc = serde_json::from_slice::<Value>(&resp.body).unwrap_or_default();
    let t = doc["__type"].as_str().unwrap_or_default();
    t.rsplit('#').next().unwrap_or(t).to_string()
}

fn iam_ok(resp: Response, what: impl FnOnce() -> String) -> anyhow::Result<Response> {
    if resp.status.is_success() { Ok(resp) } else { Err(server_error(&resp)).with_context(what) }
}

/// Whether an IAM answer is NoSuchEntity.
fn no_such_entity(resp: &Response) -> bool {
    xml_text(&String::from_utf8_lossy(&resp.body), "Code").is_some_and(|c| c == "NoSuchEntity")
}

fn kind(m: &StateMachineResource) -> &'static str {
    if m.express { "EXPRESS" } else { "STANDARD" }
}

/// Checks every definition of the manifest with ValidateStateMachineDefinition, so a
/// definition Step Functions would refuse stops the deploy before it changes anything.
pub(crate) async fn validate(client: &Client, manifest: &Manifest, file: &str) -> anyhow::Result<()> {
    for m in &manifest.state_machines {
        let input = json!({ "definition": m.definition.to_string(), "type": kind(m) });
        let answer = states(client, "ValidateStateMachineDefinition", &input)
            .await
            .with_context(|| format!("validating the definition of state machine {}", m.name))?;
        if answer["result"] == "OK" {
            continue;
        }
        let problems: Vec<String> = answer["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let at = d["location"].as_str().map(|l| format!(" at {l}")).unwrap_or_default();
                format!("{}{at}: {}", d["code"].as_str().unwrap_or("?"), d["message"].as_str().unwrap_or_default())
            })
            .collect();
        let mut path: Vec<&str> = m.origin.split('.').collect();
        path.push(if m.origin.starts_with("resources.") { "Properties" } else { "definition" });
        let line = manifest.locate(&path).map(|l| format!(":{l}")).unwrap_or_default();
        bail!(
            "{file}{line}: {}: the definition of state machine {} does not validate; nothing was deployed:\n  {}",
            m.origin,
            m.name,
            problems.join("\n  ")
        );
    }
    Ok(())
}

/// What a deploy did with the deployment's state machines.
pub(crate) struct Deployed {
    /// The names of the deployment's machines, the manifest's and those it dropped: event
    /// rule targets naming them are the service's.
    pub(crate) names: HashSet<String>,
    /// The deployment's machines the manifest no longer has: (name, ARN).
    stale: Vec<(String, String)>,
    /// The roles squall made that the manifest's machines use.
    roles: HashSet<String>,
}

/// Creates or updates every state machine of the manifest (and the roles squall makes for
/// them), tagged as `deployment`'s.
pub(crate) async fn ensure_state_machines(
    client: &Client,
    deployment: &str,
    machines: &[StateMachineResource],
) -> anyhow::Result<Deployed> {
    let owned = owned(client, deployment).await?;
    let mut roles = HashSet::new();
    for m in machines {
        for role in [&m.role, &m.events_role].into_iter().flatten() {
            ensure_role(client, deployment, &m.name, role)
                .await
                .with_context(|| format!("making role {} of state machine {} ({})", role.name, m.name, m.origin))?;
            roles.insert(role.name.clone());
        }
        let mine = owned.iter().any(|(n, _)| *n == m.name);
        let action = ensure_machine(client, deployment, m, mine)
            .await
            .with_context(|| format!("deploying state machine {} ({})", m.name, m.origin))?;
        println!("  state machine {} ({}): {action}", m.name, kind(m));
    }
    let declared: HashSet<&str> = machines.iter().map(|m| m.name.as_str()).collect();
    let stale: Vec<(String, String)> = owned.into_iter().filter(|(n, _)| !declared.contains(n.as_str())).collect();
    let mut names: HashSet<String> = declared.iter().map(|n| n.to_string()).collect();
    names.extend(stale.iter().map(|(n, _)| n.clone()));
    Ok(Deployed { names, stale, roles })
}

/// Deletes the deployment's machines the manifest no longer has, and the roles squall made
/// that no machine of it uses any more.
async fn remove_stale(client: &Client, deployed: &Deployed) -> anyhow::Result<()> {
    for (name, arn) in &deployed.stale {
        states(client, "DeleteStateMachine", &json!({ "stateMachineArn": arn }))
            .await
            .with_context(|| format!("deleting state machine {name}"))?;
        println!("  state machine {name}: removed");
    }
    Ok(())
}

/// The roles squall made for `deployment`'s machines that `keep` does not name: deleted.
async fn remove_roles(client: &Client, deployment: &str, keep: &HashSet<String>) -> anyhow::Result<()> {
    for name in made_roles(client, deployment).await? {
        if keep.contains(&name) {
            continue;
        }
        let listed = iam_ok(client.iam("ListRolePolicies", &[("RoleName", name.clone())]).await?, || {
            format!("listing the policies of role {name}")
        })?;
        let text = String::from_utf8_lossy(&listed.body).into_owned();
        for policy in xml_elements(&text, "member") {
            let params = [("RoleName", name.clone()), ("PolicyName", xml_unescape(policy))];
            iam_ok(client.iam("DeleteRolePolicy", &params).await?, || format!("taking role {name}'s policy"))?;
        }
        iam_ok(client.iam("DeleteRole", &[("RoleName", name.clone())]).await?, || format!("deleting role {name}"))?;
        println!("  role {name}: removed");
    }
    Ok(())
}

/// Deletes the stale machines of a deploy, then the roles only they used.
pub(crate) async fn finish(client: &Client, deployment: &str, deployed: &Deployed) -> anyhow::Result<()> {
    remove_stale(client, deployed).await?;
    remove_roles(client, deployment, &deployed.roles).await
}

/// `squall remove`: deletes the deployment's machines and the roles squall made for them.
pub(crate) async fn remove_state_machines(client: &Client, deployment: &str) -> anyhow::Result<()> {
    let stale = owned(client, deployment).await?;
    let deployed = Deployed { names: HashSet::new(), stale, roles: HashSet::new() };
    finish(client, deployment, &deployed).await
}

/// The names of `deployment`'s machines.
pub(crate) async fn owned_names(client: &Client, deployment: &str) -> anyhow::Result<HashSet<String>> {
    Ok(owned(client, deployment).await?.into_iter().map(|(n, _)| n).collect())
}

/// `deployment`'s machines (tagged so): (name, ARN).
async fn owned(client: &Client, deployment: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({ "maxResults": 1000 });
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let page = states(client, "ListStateMachines", &input).await.context("listing state machines")?;
        for m in page["stateMachines"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (m["name"].as_str(), m["stateMachineArn"].as_str()) else { continue };
            if tags_of(client, arn).await?.get(DEPLOYMENT_TAG).is_some_and(|d| d == deployment) {
                out.push((name.to_string(), arn.to_string()));
            }
        }
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(out),
        }
    }
}

async fn tags_of(client: &Client, arn: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let tags = states(client, "ListTagsForResource", &json!({ "resourceArn": arn }))
        .await
        .with_context(|| format!("reading the tags of {arn}"))?;
    Ok(tags["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t["key"].as_str()?.to_string(), t["value"].as_str().unwrap_or_default().to_string())))
        .collect())
}

/// Creates `m`, or brings the machine of its name to it: "created", "updated",
/// "unchanged" or "replaced" (its type changed, which Step Functions cannot update).
async fn ensure_machine(
    client: &Client,
    deployment: &str,
    m: &StateMachineResource,
    mine: bool,
) -> anyhow::Result<&'static str> {
    let mut tags = m.tags.clone();
    tags.insert(DEPLOYMENT_TAG.to_string(), deployment.to_string());
    let tracing = json!({ "enabled": m.tracing.unwrap_or(false) });
    let described = client.states("DescribeStateMachine", &json!({ "stateMachineArn": m.arn })).await?;
    if !described.status.is_success() {
        if code(&described) != "StateMachineDoesNotExist" {
            return Err(server_error(&described));
        }
        create(client, m, &tags, &tracing).await?;
        return Ok("created");
    }
    if !mine {
        bail!(
            "state machine {} exists and is not this service's (it has no {DEPLOYMENT_TAG} tag naming {deployment}); give the service's machine another name",
            m.name
        );
    }
    let current = described.json()?;
    if current["type"] != kind(m) {
        states(client, "DeleteStateMachine", &json!({ "stateMachineArn": m.arn })).await?;
        create(client, m, &tags, &tracing).await?;
        return Ok("replaced (its type changed)");
    }
    let definition = current["definition"].as_str().and_then(|d| serde_json::from_str::<Value>(d).ok());
    let same = definition.as_ref() == Some(&m.definition)
        && current["roleArn"] == m.role_arn.as_str()
        && current["tracingConfiguration"]["enabled"] == tracing["enabled"];
    let current_tags = tags_of(client, &m.arn).await?;
    if current_tags != tags {
        let gone: Vec<&String> = current_tags.keys().filter(|k| !tags.contains_key(*k)).collect();
        if !gone.is_empty() {
            states(client, "UntagResource", &json!({ "resourceArn": m.arn, "tagKeys": gone })).await?;
        }
        states(client, "TagResource", &json!({ "resourceArn": m.arn, "tags": tag_list(&tags) })).await?;
    }
    if same {
        return Ok("unchanged");
    }
    let update = json!({
        "stateMachineArn": m.arn,
        "definition": m.definition.to_string(),
        "roleArn": m.role_arn,
        "tracingConfiguration": tracing,
    });
    states(client, "UpdateStateMachine", &update).await?;
    Ok("updated")
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Value> {
    tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect()
}

async fn create(
    client: &Client,
    m: &StateMachineResource,
    tags: &BTreeMap<String, String>,
    tracing: &Value,
) -> anyhow::Result<()> {
    let input = json!({
        "name": m.name,
        "definition": m.definition.to_string(),
        "roleArn": m.role_arn,
        "type": kind(m),
        "tracingConfiguration": tracing,
        "tags": tag_list(tags),
    });
    let created = states(client, "CreateStateMachine", &input).await?;
    let arn = created["stateMachineArn"].as_str().unwrap_or_default();
    if arn != m.arn {
        bail!(
            "the server's ARN is {arn}, but serverless.yml's references use {}: set provider.region to the server's region",
            m.arn
        );
    }
    Ok(())
}

/// Makes `role` (tagged as `deployment`'s, for `machine`) or brings its trust and policy up
/// to date.
async fn ensure_role(client: &Client, deployment: &str, machine: &str, role: &MadeRole) -> anyhow::Result<()> {
    let name = role.name.clone();
    let trust = role.trust_policy().to_string();
    let got = client.iam("GetRole", &[("RoleName", name.clone())]).await?;
    if no_such_entity(&got) {
        let params = [
            ("RoleName", name.clone()),
            ("AssumeRolePolicyDocument", trust),
            ("Tags.member.1.Key", DEPLOYMENT_TAG.to_string()),
            ("Tags.member.1.Value", deployment.to_string()),
            ("Tags.member.2.Key", MACHINE_TAG.to_string()),
            ("Tags.member.2.Value", machine.to_string()),
        ];
        iam_ok(client.iam("CreateRole", &params).await?, || "creating the role".into())?;
    } else {
        iam_ok(got, || "reading the role".into())?;
        let tags = role_tags(client, &name).await?;
        if tags.get(DEPLOYMENT_TAG).is_none_or(|d| d != deployment) || !tags.contains_key(MACHINE_TAG) {
            bail!(
                "role {name} exists and is not one squall made for this service (it has no {DEPLOYMENT_TAG} tag naming {deployment}); delete it or give the state machine a role"
            );
        }
        let params = [("RoleName", name.clone()), ("PolicyDocument", trust)];
        iam_ok(client.iam("UpdateAssumeRolePolicy", &params).await?, || "updating the role's trust".into())?;
        if tags.get(MACHINE_TAG).is_none_or(|m| m != machine) {
            let params = [
                ("RoleName", name.clone()),
                ("Tags.member.1.Key", MACHINE_TAG.to_string()),
                ("Tags.member.1.Value", machine.to_string()),
            ];
            iam_ok(client.iam("TagRole", &params).await?, || "tagging the role".into())?;
        }
    }
    let params =
        [("RoleName", name), ("PolicyName", POLICY_NAME.to_string()), ("PolicyDocument", role.policy.to_string())];
    iam_ok(client.iam("PutRolePolicy", &params).await?, || "granting the role".into())?;
    Ok(())
}

async fn role_tags(client: &Client, name: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let resp = iam_ok(client.iam("ListRoleTags", &[("RoleName", name.to_string())]).await?, || {
        format!("reading the tags of role {name}")
    })?;
    let text = String::from_utf8_lossy(&resp.body).into_owned();
    Ok(xml_elements(&text, "member")
        .into_iter()
        .filter_map(|m| Some((xml_text(m, "Key")?, xml_text(m, "Value").unwrap_or_default())))
        .collect())
}

/// The roles squall made for `deployment`'s state machines: named `…-role` or `…-events`,
/// tagged with the deployment and [`MACHINE_TAG`].
async fn made_roles(client: &Client, deployment: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let params: Vec<(&str, String)> = marker.iter().map(|m| ("Marker", m.clone())).collect();
        let resp = iam_ok(client.iam("ListRoles", &params).await?, || "listing roles".into())?;
        let text = String::from_utf8_lossy(&resp.body).into_owned();
        let roles = xml_elements(&text, "Roles");
        for member in roles.first().map(|r| xml_elements(r, "member")).unwrap_or_default() {
            let Some(name) = xml_text(member, "RoleName") else { continue };
            if !(name.ends_with("-role") || name.ends_with("-events")) {
                continue;
            }
            let tags = role_tags(client, &name).await?;
            if tags.get(DEPLOYMENT_TAG).is_some_and(|d| d == deployment) && tags.contains_key(MACHINE_TAG) {
                out.push(name);
            }
        }
        marker = (xml_text(&text, "IsTruncated").as_deref() == Some("true"))
            .then(|| xml_text(&text, "Marker"))
            .flatten()
            .filter(|m| !m.is_empty());
        if marker.is_none() {
            return Ok(out);
        }
    }
}
