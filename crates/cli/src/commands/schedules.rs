//! The EventBridge Scheduler schedules a service's `schedule` events with `method:
//! scheduler` make: kept in a schedule group of the deployment's own (so deploys and
//! `remove` find theirs), each invoking its function as a role that trusts the scheduler —
//! the function's own IAM role when it names one (as the framework uses the function's
//! role), else a role of the deployment's that may invoke those functions.

use crate::client::{Client, Response, segment, server_error, xml_text};
use anyhow::Context;
use http::{Method, StatusCode};
use serde_json::json;
use squall_manifest::{FunctionSpec, ScheduleResource, rule_name};

/// The tag naming the deployment a schedule group belongs to.
const DEPLOYMENT_TAG: &str = "squall:deployment";

/// The deployment's schedule group: its name (cut and marked with a hash past 64
/// characters, as rule names are).
pub(crate) fn group_name(deployment: &str) -> String {
    if deployment.len() <= 64 { deployment.to_string() } else { rule_name(deployment, "schedules") }
}

/// The deployment's scheduler role: `<deployment>-scheduler`, cut the same way.
fn role_name(deployment: &str) -> String {
    rule_name(deployment, "scheduler")
}

fn ok(resp: Response, what: &str) -> anyhow::Result<Response> {
    if resp.status.is_success() { Ok(resp) } else { Err(server_error(&resp)).with_context(|| what.to_string()) }
}

/// Whether an IAM answer is NoSuchEntity.
fn no_such_entity(resp: &Response) -> bool {
    xml_text(&String::from_utf8_lossy(&resp.body), "Code").is_some_and(|c| c == "NoSuchEntity")
}

/// The deployment's role, made or updated to trust the scheduler and invoke `functions`.
async fn ensure_role(client: &Client, deployment: &str, functions: &[&str]) -> anyhow::Result<String> {
    let name = role_name(deployment);
    let got = client.iam("GetRole", &[("RoleName", name.clone())]).await?;
    if no_such_entity(&got) {
        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "scheduler.amazonaws.com" },
                "Action": "sts:AssumeRole",
            }],
        });
        let params = [
            ("RoleName", name.clone()),
            ("AssumeRolePolicyDocument", trust.to_string()),
            ("Tags.member.1.Key", DEPLOYMENT_TAG.to_string()),
            ("Tags.member.1.Value", deployment.to_string()),
        ];
        ok(client.iam("CreateRole", &params).await?, "creating the scheduler's role")?;
    } else {
        ok(got, "reading the scheduler's role")?;
    }
    let resources: Vec<String> = functions.iter().flat_map(|f| [f.to_string(), format!("{f}:*")]).collect();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resources }],
    });
    let params = [("RoleName", name.clone()), ("PolicyName", "invoke".into()), ("PolicyDocument", policy.to_string())];
    ok(client.iam("PutRolePolicy", &params).await?, "granting the scheduler's role")?;
    Ok(format!("arn:aws:iam::{}:role/{name}", squall_types::ACCOUNT_ID))
}

/// The IAM role `function` names, when it names one that exists (its own policies then
/// decide, as the framework leaves them to the user).
async fn own_role(client: &Client, function: Option<&FunctionSpec>) -> anyhow::Result<Option<String>> {
    let Some(f) = function.filter(|f| f.config.role_policy.is_none()) else { return Ok(None) };
    let Some(name) = f.config.role.rsplit_once(":role/").map(|(_, n)| n.rsplit('/').next().unwrap_or(n)) else {
        return Ok(None);
    };
    let got = client.iam("GetRole", &[("RoleName", name.to_string())]).await?;
    if no_such_entity(&got) {
        return Ok(None);
    }
    let got = ok(got, "reading a function's role")?;
    // The trust policy comes URL-encoded; the service's name needs no escaping.
    let trust = xml_text(&String::from_utf8_lossy(&got.body), "AssumeRolePolicyDocument").unwrap_or_default();
    if !trust.contains("scheduler.amazonaws.com") {
        println!(
            "  warning: role {} of {} does not trust scheduler.amazonaws.com: its schedules' firings will be refused until its trust policy allows EventBridge Scheduler",
            f.config.role, f.config.name
        );
    }
    Ok(Some(f.config.role.clone()))
}

/// Puts every schedule of the manifest in the deployment's group, deletes those of the
/// group the manifest no longer has; without schedules, the group and role go.
pub(crate) async fn ensure_schedules(
    client: &Client,
    deployment: &str,
    schedules: &[ScheduleResource],
    functions: &[FunctionSpec],
) -> anyhow::Result<()> {
    if schedules.is_empty() {
        return remove_schedules(client, deployment).await;
    }
    let group = group_name(deployment);
    let got = client.scheduler(Method::GET, &format!("/schedule-groups/{}", segment(&group)), None).await?;
    if got.status == StatusCode::NOT_FOUND {
        let body = json!({ "Tags": [{ "Key": DEPLOYMENT_TAG, "Value": deployment }] });
        let path = format!("/schedule-groups/{}", segment(&group));
        ok(client.scheduler(Method::POST, &path, Some(&body)).await?, "creating the deployment's schedule group")?;
    } else {
        ok(got, "reading the deployment's schedule group")?;
    }
    let spec = |arn: &str| functions.iter().find(|f| arn.rsplit(':').next() == Some(f.config.name.as_str()));
    let mut roles: Vec<(String, Option<String>)> = Vec::new();
    for s in schedules {
        let role = match &s.role_arn {
            Some(r) => Some(r.clone()),
            None => own_role(client, spec(&s.function_arn)).await?,
        };
        roles.push((s.function_arn.clone(), role));
    }
    let borrowed: Vec<&str> = roles.iter().filter(|(_, own)| own.is_none()).map(|(f, _)| f.as_str()).collect();
    let shared = if borrowed.is_empty() { None } else { Some(ensure_role(client, deployment, &borrowed).await?) };
    for (s, (_, own)) in schedules.iter().zip(&roles) {
        let role = own.clone().or_else(|| shared.clone()).unwrap_or_default();
        let mut target = json!({ "Arn": s.function_arn, "RoleArn": role });
        if let Some(input) = &s.input {
            target["Input"] = json!(input);
        }
        let mut body = json!({
            "GroupName": group,
            "ScheduleExpression": s.expression,
            "State": if s.enabled { "ENABLED" } else { "DISABLED" },
            "FlexibleTimeWindow": { "Mode": "OFF" },
            "Target": target,
        });
        if let Some(tz) = &s.timezone {
            body["ScheduleExpressionTimezone"] = json!(tz);
        }
        if let Some(d) = &s.description {
            body["Description"] = json!(d);
        }
        let path = format!("/schedules/{}", segment(&s.name));
        let exists = client.scheduler(Method::GET, &format!("{path}?groupName={}", segment(&group)), None).await?;
        let method = if exists.status == StatusCode::NOT_FOUND { Method::POST } else { Method::PUT };
        ok(
            client.scheduler(method, &path, Some(&body)).await?,
            &format!("putting schedule {} ({})", s.name, s.origin),
        )?;
        let zone = s.timezone.as_deref().map(|tz| format!(" {tz}")).unwrap_or_default();
        let state = if s.enabled { "" } else { ", disabled" };
        let function = s.function_arn.rsplit(':').next().unwrap_or_default();
        println!("  schedule {} ({}{zone}{state}) -> {function}: ready", s.name, s.expression);
    }
    for name in listed(client, &group).await? {
        if !schedules.iter().any(|s| s.name == name) {
            let path = format!("/schedules/{}?groupName={}", segment(&name), segment(&group));
            ok(client.scheduler(Method::DELETE, &path, None).await?, &format!("deleting schedule {name}"))?;
            println!("  schedule {name}: removed");
        }
    }
    if shared.is_none() {
        remove_role(client, deployment).await?;
    }
    Ok(())
}

/// The names of the schedules in `group`.
async fn listed(client: &Client, group: &str) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("/schedules?ScheduleGroup={}", segment(group));
        if let Some(t) = &token {
            path.push_str(&format!("&NextToken={}", segment(t)));
        }
        let page =
            ok(client.scheduler(Method::GET, &path, None).await?, "listing the deployment's schedules")?.json()?;
        names.extend(
            page["Schedules"].as_array().into_iter().flatten().filter_map(|s| s["Name"].as_str()).map(String::from),
        );
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(names),
        }
    }
}

async fn remove_role(client: &Client, deployment: &str) -> anyhow::Result<()> {
    let name = role_name(deployment);
    let deleted =
        client.iam("DeleteRolePolicy", &[("RoleName", name.clone()), ("PolicyName", "invoke".into())]).await?;
    if no_such_entity(&deleted) {
        return Ok(());
    }
    ok(deleted, "taking the scheduler role's grant")?;
    ok(client.iam("DeleteRole", &[("RoleName", name)]).await?, "deleting the scheduler's role")?;
    Ok(())
}

/// Deletes the deployment's schedule group (and so its schedules) and its scheduler role.
pub(crate) async fn remove_schedules(client: &Client, deployment: &str) -> anyhow::Result<()> {
    let group = group_name(deployment);
    let deleted = client.scheduler(Method::DELETE, &format!("/schedule-groups/{}", segment(&group)), None).await?;
    if deleted.status != StatusCode::NOT_FOUND {
        ok(deleted, "deleting the deployment's schedule group")?;
        println!("  schedule group {group}: removed");
    }
    remove_role(client, deployment).await
}
