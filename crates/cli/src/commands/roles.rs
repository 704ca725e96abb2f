//! The IAM roles a service declares (`AWS::IAM::Role` resources), through IAM's API. Before
//! the deploy changes anything it checks that Squall's IAM has every managed policy and
//! permissions boundary they name, and that no role of another owner has one of their names.
//! Then, before what runs as them (functions, state machines, rules, schedules), each role
//! is created tagged `squall:deployment` and `squall:role` (its logical id), or brought to
//! the template: its trust policy, description, session length, boundary and tags, its
//! inline policies (those the template dropped deleted) and its managed policies (attached
//! and detached); a changed `Path` replaces it, as CloudFormation does. After the deploy,
//! the deployment's roles the template no longer has are deleted; `remove` deletes them all.

use super::deploy::tag_params;
use super::rules::DEPLOYMENT_TAG;
use crate::client::{Client, Response, server_error, xml_elements, xml_text};
use anyhow::{Context, bail};
use serde_json::Value;
use squall_manifest::{Manifest, RoleResource};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The tag naming the logical id a role was made for: how deploys and `remove` tell the
/// roles a service declares from the deployment's other roles.
const ROLE_TAG: &str = "squall:role";

fn iam_ok(resp: Response, what: impl FnOnce() -> String) -> anyhow::Result<Response> {
    if resp.status.is_success() { Ok(resp) } else { Err(server_error(&resp)).with_context(what) }
}

/// Whether an IAM answer is NoSuchEntity.
fn no_such_entity(resp: &Response) -> bool {
    !resp.status.is_success()
        && xml_text(&String::from_utf8_lossy(&resp.body), "Code").is_some_and(|c| c == "NoSuchEntity")
}

fn text(resp: &Response) -> String {
    String::from_utf8_lossy(&resp.body).into_owned()
}

/// A policy document as IAM answers it (URL-encoded), parsed.
fn document(encoded: &str) -> Option<Value> {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8().ok()?;
    serde_json::from_str(&decoded).ok()
}

/// The line of `path` under `role`'s declaration, as `file:line: key:`.
fn located(manifest: &Manifest, file: &str, role: &RoleResource, under: &[&str]) -> String {
    let mut path: Vec<&str> = role.origin.split('.').collect();
    path.push("Properties");
    path.extend(under);
    let line = manifest.locate(&path).map(|l| format!(":{l}")).unwrap_or_default();
    let mut key = role.origin.clone();
    key.push_str(".Properties");
    for seg in under {
        if seg.parse::<usize>().is_ok() {
            key.push_str(&format!("[{seg}]"));
        } else {
            key.push('.');
            key.push_str(seg);
        }
    }
    format!("{file}{line}: {key}")
}

/// Checks, before the deploy changes anything, that Squall's IAM has every managed policy
/// and boundary the roles name, and that each role is missing or already the deployment's.
pub(crate) async fn validate(client: &Client, manifest: &Manifest, file: &str) -> anyhow::Result<()> {
    let deployment = manifest.deployment().to_string();
    for r in &manifest.roles {
        let named = r
            .managed_policies
            .iter()
            .enumerate()
            .map(|(i, arn)| (vec!["ManagedPolicyArns".into(), i.to_string()], arn));
        let boundary = r.permissions_boundary.iter().map(|arn| (vec!["PermissionsBoundary".to_string()], arn));
        for (under, arn) in named.chain(boundary) {
            let got = client.iam("GetPolicy", &[("PolicyArn", arn.clone())]).await?;
            if no_such_entity(&got) {
                let under: Vec<&str> = under.iter().map(String::as_str).collect();
                let at = located(manifest, file, r, &under);
                let hint = if arn.starts_with("arn:aws:iam::aws:policy/") {
                    "it is not one of AWS's own policies Squall ships (aws iam list-policies --scope AWS lists them)"
                } else {
                    "create it first (aws iam create-policy)"
                };
                bail!("{at}: Squall's IAM has no managed policy {arn}: {hint}; nothing was deployed");
            }
            iam_ok(got, || format!("looking up managed policy {arn}"))?;
        }
        let got = client.iam("GetRole", &[("RoleName", r.name.clone())]).await?;
        if no_such_entity(&got) {
            continue;
        }
        iam_ok(got, || format!("looking up role {}", r.name))?;
        let tags = role_tags(client, &r.name).await?;
        if tags.get(DEPLOYMENT_TAG) != Some(&deployment) || !tags.contains_key(ROLE_TAG) {
            let at = located(manifest, file, r, &[]);
            bail!(
                "{at}: role {} exists and is not one this service declared (it has no {DEPLOYMENT_TAG} tag naming {deployment}); give the role another RoleName or delete it; nothing was deployed",
                r.name
            );
        }
    }
    Ok(())
}

/// Creates every role of the manifest, or brings it to the template.
pub(crate) async fn ensure_roles(client: &Client, deployment: &str, roles: &[RoleResource]) -> anyhow::Result<()> {
    for r in roles {
        let action = ensure_role(client, deployment, r)
            .await
            .with_context(|| format!("making role {} ({})", r.name, r.origin))?;
        println!("  role {} ({}): {action}", r.name, r.logical_id);
    }
    Ok(())
}

/// The tags `r` is to have: the template's and squall's two.
fn wanted_tags(deployment: &str, r: &RoleResource) -> BTreeMap<String, String> {
    let mut tags = r.tags.clone();
    tags.insert(DEPLOYMENT_TAG.to_string(), deployment.to_string());
    tags.insert(ROLE_TAG.to_string(), r.logical_id.clone());
    tags
}

/// `r` created, or the role of its name brought to it: "created", "updated", "unchanged" or
/// "replaced (its Path changed)".
async fn ensure_role(client: &Client, deployment: &str, r: &RoleResource) -> anyhow::Result<&'static str> {
    let name = r.name.clone();
    let got = client.iam("GetRole", &[("RoleName", name.clone())]).await?;
    if no_such_entity(&got) {
        create(client, deployment, r).await?;
        return Ok("created");
    }
    let got = text(&iam_ok(got, || "reading the role".into())?);
    let tags = role_tags(client, &name).await?;
    if tags.get(DEPLOYMENT_TAG).is_none_or(|d| d != deployment) || !tags.contains_key(ROLE_TAG) {
        bail!(
            "role {name} exists and is not one this service declared (it has no {DEPLOYMENT_TAG} tag naming {deployment})"
        );
    }
    if xml_text(&got, "Path").as_deref() != Some(r.path.as_str()) {
        // The path is part of the ARN: CloudFormation replaces the role, and so does squall.
        delete(client, &name).await?;
        create(client, deployment, r).await?;
        return Ok("replaced (its Path changed)");
    }
    let mut changed = false;
    if xml_text(&got, "AssumeRolePolicyDocument").and_then(|d| document(&d)).as_ref() != Some(&r.trust) {
        let params = [("RoleName", name.clone()), ("PolicyDocument", r.trust.to_string())];
        iam_ok(client.iam("UpdateAssumeRolePolicy", &params).await?, || "updating the role's trust policy".into())?;
        changed = true;
    }
    let description = xml_text(&got, "Description");
    let max_session = xml_text(&got, "MaxSessionDuration").and_then(|s| s.parse::<u32>().ok());
    let wanted_max = r.max_session_s.unwrap_or(3600);
    if description != r.description || max_session != Some(wanted_max) {
        let params = [
            ("RoleName", name.clone()),
            ("Description", r.description.clone().unwrap_or_default()),
            ("MaxSessionDuration", wanted_max.to_string()),
        ];
        iam_ok(client.iam("UpdateRole", &params).await?, || {
            "updating the role's description and session length".into()
        })?;
        changed = true;
    }
    let boundary = xml_text(&got, "PermissionsBoundaryArn");
    if boundary != r.permissions_boundary {
        let resp = match &r.permissions_boundary {
            Some(arn) => {
                let params = [("RoleName", name.clone()), ("PermissionsBoundary", arn.clone())];
                client.iam("PutRolePermissionsBoundary", &params).await?
            }
            None => client.iam("DeleteRolePermissionsBoundary", &[("RoleName", name.clone())]).await?,
        };
        iam_ok(resp, || "setting the role's permissions boundary".into())?;
        changed = true;
    }
    let wanted = wanted_tags(deployment, r);
    if tags != wanted {
        let gone: Vec<&String> = tags.keys().filter(|k| !wanted.contains_key(*k)).collect();
        if !gone.is_empty() {
            let mut params = vec![("RoleName".to_string(), name.clone())];
            params.extend(gone.iter().enumerate().map(|(i, k)| (format!("TagKeys.member.{}", i + 1), k.to_string())));
            let params: Vec<(&str, String)> = params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            iam_ok(client.iam("UntagRole", &params).await?, || "untagging the role".into())?;
        }
        let mut params = vec![("RoleName".to_string(), name.clone())];
        params.extend(tag_params(&wanted));
        let params: Vec<(&str, String)> = params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        iam_ok(client.iam("TagRole", &params).await?, || "tagging the role".into())?;
        changed = true;
    }
    changed |= put_policies(client, r, true).await?;
    Ok(if changed { "updated" } else { "unchanged" })
}

/// CreateRole, then its policies.
async fn create(client: &Client, deployment: &str, r: &RoleResource) -> anyhow::Result<()> {
    let mut params = vec![
        ("RoleName".to_string(), r.name.clone()),
        ("Path".to_string(), r.path.clone()),
        ("AssumeRolePolicyDocument".to_string(), r.trust.to_string()),
    ];
    if let Some(d) = &r.description {
        params.push(("Description".into(), d.clone()));
    }
    if let Some(s) = r.max_session_s {
        params.push(("MaxSessionDuration".into(), s.to_string()));
    }
    if let Some(b) = &r.permissions_boundary {
        params.push(("PermissionsBoundary".into(), b.clone()));
    }
    params.extend(tag_params(&wanted_tags(deployment, r)));
    let params: Vec<(&str, String)> = params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let created = iam_ok(client.iam("CreateRole", &params).await?, || "creating the role".into())?;
    let arn = xml_text(&text(&created), "Arn").unwrap_or_default();
    if arn != r.arn {
        bail!("the server's ARN for role {} is {arn}, but serverless.yml's references use {}", r.name, r.arn);
    }
    put_policies(client, r, false).await?;
    Ok(())
}

/// Brings `r`'s inline and managed policies to the template (of a role that `existed`, those
/// it has are read first): whether anything changed.
async fn put_policies(client: &Client, r: &RoleResource, existed: bool) -> anyhow::Result<bool> {
    let name = r.name.clone();
    let mut changed = false;
    let inline: BTreeSet<String> = if existed { inline_names(client, &name).await? } else { BTreeSet::new() };
    for gone in inline.iter().filter(|p| !r.policies.contains_key(*p)) {
        let params = [("RoleName", name.clone()), ("PolicyName", gone.clone())];
        iam_ok(client.iam("DeleteRolePolicy", &params).await?, || format!("deleting inline policy {gone}"))?;
        changed = true;
    }
    for (policy, doc) in &r.policies {
        if inline.contains(policy) {
            let params = [("RoleName", name.clone()), ("PolicyName", policy.clone())];
            let got =
                iam_ok(client.iam("GetRolePolicy", &params).await?, || format!("reading inline policy {policy}"))?;
            if xml_text(&text(&got), "PolicyDocument").and_then(|d| document(&d)).as_ref() == Some(doc) {
                continue;
            }
        }
        let params = [("RoleName", name.clone()), ("PolicyName", policy.clone()), ("PolicyDocument", doc.to_string())];
        iam_ok(client.iam("PutRolePolicy", &params).await?, || format!("putting inline policy {policy}"))?;
        changed = true;
    }
    let attached: BTreeSet<String> = if existed { attached_arns(client, &name).await? } else { BTreeSet::new() };
    for gone in attached.iter().filter(|a| !r.managed_policies.contains(*a)) {
        let params = [("RoleName", name.clone()), ("PolicyArn", gone.clone())];
        iam_ok(client.iam("DetachRolePolicy", &params).await?, || format!("detaching managed policy {gone}"))?;
        changed = true;
    }
    for arn in r.managed_policies.iter().filter(|a| !attached.contains(*a)) {
        let params = [("RoleName", name.clone()), ("PolicyArn", arn.clone())];
        iam_ok(client.iam("AttachRolePolicy", &params).await?, || format!("attaching managed policy {arn}"))?;
        changed = true;
    }
    Ok(changed)
}

/// The names of `role`'s inline policies.
async fn inline_names(client: &Client, role: &str) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![("RoleName", role.to_string())];
        params.extend(marker.iter().map(|m| ("Marker", m.clone())));
        let resp =
            iam_ok(client.iam("ListRolePolicies", &params).await?, || format!("listing role {role}'s policies"))?;
        let body = text(&resp);
        for names in xml_elements(&body, "PolicyNames") {
            out.extend(xml_elements(names, "member").into_iter().map(crate::client::xml_unescape));
        }
        marker = next_marker(&body);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

/// The ARNs of the managed policies attached to `role`.
async fn attached_arns(client: &Client, role: &str) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut marker: Option<String> = None;
    loop {
        let mut params = vec![("RoleName", role.to_string())];
        params.extend(marker.iter().map(|m| ("Marker", m.clone())));
        let resp = iam_ok(client.iam("ListAttachedRolePolicies", &params).await?, || {
            format!("listing role {role}'s managed policies")
        })?;
        let body = text(&resp);
        for member in xml_elements(&body, "member") {
            out.extend(xml_text(member, "PolicyArn"));
        }
        marker = next_marker(&body);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

/// The `Marker` of a truncated listing.
fn next_marker(body: &str) -> Option<String> {
    (xml_text(body, "IsTruncated").as_deref() == Some("true"))
        .then(|| xml_text(body, "Marker"))
        .flatten()
        .filter(|m| !m.is_empty())
}

async fn role_tags(client: &Client, name: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let resp = iam_ok(client.iam("ListRoleTags", &[("RoleName", name.to_string())]).await?, || {
        format!("reading the tags of role {name}")
    })?;
    Ok(xml_elements(&text(&resp), "member")
        .into_iter()
        .filter_map(|m| Some((xml_text(m, "Key")?, xml_text(m, "Value").unwrap_or_default())))
        .collect())
}

/// Deletes `role`: its inline policies, its managed policies' attachments, then the role.
async fn delete(client: &Client, role: &str) -> anyhow::Result<()> {
    for policy in inline_names(client, role).await? {
        let params = [("RoleName", role.to_string()), ("PolicyName", policy.clone())];
        iam_ok(client.iam("DeleteRolePolicy", &params).await?, || format!("deleting role {role}'s policy {policy}"))?;
    }
    for arn in attached_arns(client, role).await? {
        let params = [("RoleName", role.to_string()), ("PolicyArn", arn.clone())];
        iam_ok(client.iam("DetachRolePolicy", &params).await?, || format!("detaching {arn} from role {role}"))?;
    }
    iam_ok(client.iam("DeleteRole", &[("RoleName", role.to_string())]).await?, || format!("deleting role {role}"))?;
    Ok(())
}

/// The roles `deployment`'s templates declared (tagged with it and [`ROLE_TAG`]).
async fn declared(client: &Client, deployment: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let params: Vec<(&str, String)> = marker.iter().map(|m| ("Marker", m.clone())).collect();
        let resp = iam_ok(client.iam("ListRoles", &params).await?, || "listing roles".into())?;
        let body = text(&resp);
        let roles = xml_elements(&body, "Roles");
        for member in roles.first().map(|r| xml_elements(r, "member")).unwrap_or_default() {
            let Some(name) = xml_text(member, "RoleName") else { continue };
            let tags = role_tags(client, &name).await?;
            if tags.get(DEPLOYMENT_TAG).is_some_and(|d| d == deployment) && tags.contains_key(ROLE_TAG) {
                out.push(name);
            }
        }
        marker = next_marker(&body);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

/// Deletes the roles `deployment` declared that `roles` (the manifest's) no longer has.
pub(crate) async fn finish(client: &Client, deployment: &str, roles: &[RoleResource]) -> anyhow::Result<()> {
    let kept: HashSet<String> = roles.iter().map(|r| r.name.to_ascii_lowercase()).collect();
    for name in declared(client, deployment).await? {
        if kept.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        delete(client, &name).await?;
        println!("  role {name}: removed");
    }
    Ok(())
}

/// `squall remove`: deletes every role the deployment declared.
pub(crate) async fn remove_roles(client: &Client, deployment: &str) -> anyhow::Result<()> {
    finish(client, deployment, &[]).await
}
