//! A service's EventBridge Scheduler schedules (`schedule` events with `method:
//! scheduler`, `AWS::Scheduler::Schedule` resources): kept in schedule groups tagged as the
//! deployment's (its own group, or those it declares), so deploys and `remove` find them.
//! A function's event invokes it as a role that trusts the scheduler: the function's own
//! IAM role when it names one (as the framework uses the function's role), else a role of
//! the deployment's that may invoke those functions.

use super::rules::DEPLOYMENT_TAG;
use crate::client::{Client, Response, segment, server_error, xml_text};
use anyhow::Context;
use http::{Method, StatusCode};
use serde_json::json;
use squall_manifest::{FunctionSpec, ScheduleResource, deployment_group, rule_name};

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

/// Makes group `name` (tagged as `deployment`'s) when missing.
async fn ensure_group(client: &Client, deployment: &str, name: &str) -> anyhow::Result<()> {
    let path = format!("/schedule-groups/{}", segment(name));
    let got = client.scheduler(Method::GET, &path, None).await?;
    if got.status != StatusCode::NOT_FOUND {
        let got = ok(got, &format!("reading schedule group {name}"))?.json()?;
        // A group someone else made is not this service's to fill and empty.
        let arn = got["Arn"].as_str().unwrap_or_default();
        let tags = ok(
            client.scheduler(Method::GET, &format!("/tags/{}", segment(arn)), None).await?,
            "reading a schedule group's tags",
        )?
        .json()?;
        if !super::rules::owned_by(&tags, deployment) {
            anyhow::bail!(
                "schedule group {name} exists and is not this service's (it has no squall:deployment tag naming {deployment}); rename the service's group"
            );
        }
        return Ok(());
    }
    let body = json!({ "Tags": [{ "Key": DEPLOYMENT_TAG, "Value": deployment }] });
    ok(client.scheduler(Method::POST, &path, Some(&body)).await?, &format!("creating schedule group {name}"))?;
    Ok(())
}

/// The CreateSchedule/UpdateSchedule document of `s` in `group`, acting as `role`.
fn schedule_document(s: &ScheduleResource, group: &str, role: &str) -> serde_json::Value {
    let t = &s.target;
    let mut target = json!({ "Arn": t.arn, "RoleArn": role });
    if let Some(input) = &t.input {
        target["Input"] = json!(input);
    }
    if let Some((attempts, age)) = t.retry {
        target["RetryPolicy"] = json!({ "MaximumRetryAttempts": attempts, "MaximumEventAgeInSeconds": age });
    }
    if let Some(q) = &t.dead_letter_arn {
        target["DeadLetterConfig"] = json!({ "Arn": q });
    }
    if let Some(g) = &t.message_group_id {
        target["SqsParameters"] = json!({ "MessageGroupId": g });
    }
    if let Some((detail_type, source)) = &t.event {
        target["EventBridgeParameters"] = json!({ "DetailType": detail_type, "Source": source });
    }
    let window = match s.window_minutes {
        Some(m) => json!({ "Mode": "FLEXIBLE", "MaximumWindowInMinutes": m }),
        None => json!({ "Mode": "OFF" }),
    };
    let mut body = json!({
        "GroupName": group,
        "ScheduleExpression": s.expression,
        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
        "FlexibleTimeWindow": window,
        "Target": target,
    });
    if let Some(tz) = &s.timezone {
        body["ScheduleExpressionTimezone"] = json!(tz);
    }
    if let Some(d) = &s.description {
        body["Description"] = json!(d);
    }
    if let Some(ms) = s.start_ms {
        body["StartDate"] = json!(ms as f64 / 1000.0);
    }
    if let Some(ms) = s.end_ms {
        body["EndDate"] = json!(ms as f64 / 1000.0);
    }
    body
}

/// Puts every schedule of the manifest in its group (the deployment's own, or one the
/// service declares), then deletes what the service's groups hold that the manifest no
/// longer has, and the service's groups and role it no longer needs.
pub(crate) async fn ensure_schedules(
    client: &Client,
    deployment: &str,
    schedules: &[ScheduleResource],
    declared_groups: &[String],
    functions: &[FunctionSpec],
) -> anyhow::Result<()> {
    let own_group = deployment_group(deployment);
    let mut groups: Vec<String> = declared_groups.to_vec();
    if schedules.iter().any(|s| s.group.is_none()) {
        groups.push(own_group.clone());
    }
    for g in &groups {
        ensure_group(client, deployment, g).await?;
    }
    // A function's event without a role of its own: the function's IAM role, or the
    // deployment's scheduler role.
    let spec = |arn: &str| functions.iter().find(|f| arn.rsplit(':').next() == Some(f.config.name.as_str()));
    let mut roles: Vec<Option<String>> = Vec::new();
    for s in schedules {
        let role = match &s.target.role_arn {
            Some(r) => Some(r.clone()),
            None => own_role(client, spec(&s.target.arn)).await?,
        };
        roles.push(role);
    }
    let borrowed: Vec<&str> =
        schedules.iter().zip(&roles).filter(|(_, r)| r.is_none()).map(|(s, _)| s.target.arn.as_str()).collect();
    let shared = if borrowed.is_empty() { None } else { Some(ensure_role(client, deployment, &borrowed).await?) };
    for (s, role) in schedules.iter().zip(&roles) {
        let role = role.clone().or_else(|| shared.clone()).unwrap_or_default();
        let group = s.group.clone().unwrap_or_else(|| own_group.clone());
        let body = schedule_document(s, &group, &role);
        let path = format!("/schedules/{}", segment(&s.name));
        let exists = client.scheduler(Method::GET, &format!("{path}?groupName={}", segment(&group)), None).await?;
        let method = if exists.status == StatusCode::NOT_FOUND { Method::POST } else { Method::PUT };
        ok(
            client.scheduler(method, &path, Some(&body)).await?,
            &format!("putting schedule {} ({})", s.name, s.origin),
        )?;
        let zone = s.timezone.as_deref().map(|tz| format!(" {tz}")).unwrap_or_default();
        let state = if s.enabled { "" } else { ", disabled" };
        let to = s.target.arn.rsplit([':', '/']).next().unwrap_or_default();
        println!("  schedule {} ({}{zone}{state}) -> {to}: ready", s.name, s.expression);
    }
    for g in &groups {
        for name in listed(client, g).await? {
            let kept = schedules.iter().any(|s| s.name == name && s.group.as_deref().unwrap_or(&own_group) == g);
            if !kept {
                let path = format!("/schedules/{}?groupName={}", segment(&name), segment(g));
                ok(client.scheduler(Method::DELETE, &path, None).await?, &format!("deleting schedule {name}"))?;
                println!("  schedule {name}: removed");
            }
        }
    }
    remove_groups(client, deployment, &groups).await?;
    if shared.is_none() {
        remove_role(client, deployment).await?;
    }
    Ok(())
}

/// Deletes the groups tagged as `deployment`'s (and so their schedules) but `kept`.
async fn remove_groups(client: &Client, deployment: &str, kept: &[String]) -> anyhow::Result<()> {
    let mut token: Option<String> = None;
    let mut ours = Vec::new();
    loop {
        let path = match &token {
            Some(t) => format!("/schedule-groups?NextToken={}", segment(t)),
            None => "/schedule-groups".to_string(),
        };
        let page = ok(client.scheduler(Method::GET, &path, None).await?, "listing schedule groups")?.json()?;
        for g in page["ScheduleGroups"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (g["Name"].as_str(), g["Arn"].as_str()) else { continue };
            if name == "default" || kept.iter().any(|k| k == name) {
                continue;
            }
            let tags = ok(
                client.scheduler(Method::GET, &format!("/tags/{}", segment(arn)), None).await?,
                "reading a schedule group's tags",
            )?
            .json()?;
            let mine = super::rules::owned_by(&tags, deployment);
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
        let path = format!("/schedule-groups/{}", segment(&name));
        ok(client.scheduler(Method::DELETE, &path, None).await?, &format!("deleting schedule group {name}"))?;
        println!("  schedule group {name}: removed");
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

/// Deletes the deployment's schedule groups (and so their schedules) and its scheduler role.
pub(crate) async fn remove_schedules(client: &Client, deployment: &str) -> anyhow::Result<()> {
    remove_groups(client, deployment, &[]).await?;
    remove_role(client, deployment).await
}
