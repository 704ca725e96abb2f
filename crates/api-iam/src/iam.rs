//! IAM's query protocol over the identity service: users and access keys, groups, roles,
//! inline and managed policies with versions, tags, and the policy simulator.

use crate::render;
use http::StatusCode;
use squall_api::protocol::{Handler, Protocol, Recognition, Service, never};
use squall_api::query::{Params, Xml, response};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_identity::model::{KeyStatus, Tag};
use squall_identity::{Error, Holder, NewRole, State, policy_arn, user_arn};
use squall_runtime::Body;
use squall_types::ACCOUNT_ID;

/// The XML namespace of IAM's documents.
pub(crate) const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// IAM: the query protocol, signed for `iam`.
pub static IAM: Service = Service {
    name: "iam",
    signing_name: Some("iam"),
    protocol: Protocol::Query,
    recognition: Recognition::Signature,
    namespace: NAMESPACE,
    query_code: None,
    unsigned: never,
    max_body: 1 << 20,
    handler: Handler::Buffered(|state, req, _| Box::pin(serve(state, req))),
};

type Reply = Result<http::Response<Body>, ApiError>;

fn error(e: Error) -> ApiError {
    let (status, code) = match &e {
        Error::NoSuchEntity(_) => (StatusCode::NOT_FOUND, "NoSuchEntity"),
        Error::AlreadyExists(_) => (StatusCode::CONFLICT, "EntityAlreadyExists"),
        Error::MalformedPolicy(_) => (StatusCode::BAD_REQUEST, "MalformedPolicyDocument"),
        Error::LimitExceeded(_) => (StatusCode::CONFLICT, "LimitExceeded"),
        Error::DeleteConflict(_) => (StatusCode::CONFLICT, "DeleteConflict"),
        Error::InvalidInput(_) => (StatusCode::BAD_REQUEST, "InvalidInput"),
        Error::Validation(_) => (StatusCode::BAD_REQUEST, "ValidationError"),
        Error::Concurrent(_) => (StatusCode::CONFLICT, "ConcurrentModification"),
        Error::AccessDenied(_) => (StatusCode::FORBIDDEN, "AccessDenied"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure"),
    };
    ApiError::new(status, code, e.to_string())
}

fn required<'p>(p: &'p Params, name: &str) -> Result<&'p str, ApiError> {
    p.get(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ),
        )
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}

fn tags(p: &Params) -> Vec<Tag> {
    p.members("Tags")
        .iter()
        .filter_map(|m| {
            Some(Tag {
                key: p.get(&format!("{m}.Key"))?.to_string(),
                value: p.get(&format!("{m}.Value")).unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// One page of `items` from `Marker` (an offset this adapter handed out), at most
/// `MaxItems` (100 unless given, 1 to 1000).
fn page<T>(items: Vec<T>, p: &Params) -> Result<(Vec<T>, Option<String>), ApiError> {
    let invalid = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "ValidationError", m);
    let max = match p.get("MaxItems") {
        None => 100,
        Some(m) => m.parse::<usize>().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
            invalid(format!("1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"))
        })?,
    };
    let start = match p.get("Marker") {
        None => 0,
        Some(m) => m.parse::<usize>().map_err(|_| invalid("Invalid Marker".into()))?,
    };
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(start).take(max).collect();
    let next = (start + max < total).then(|| (start + max).to_string());
    Ok((items, next))
}

fn truncation(x: &mut Xml, next: &Option<String>) {
    x.elem("IsTruncated", if next.is_some() { "true" } else { "false" });
    if let Some(m) = next {
        x.elem("Marker", m);
    }
}

fn holder_of(action: &str) -> Holder {
    if action.contains("Group") {
        Holder::Group
    } else if action.contains("Role") {
        Holder::Role
    } else {
        Holder::User
    }
}

/// The entity name parameter of `holder`'s operations.
fn holder_param(holder: Holder) -> &'static str {
    match holder {
        Holder::User => "UserName",
        Holder::Group => "GroupName",
        Holder::Role => "RoleName",
    }
}

/// The user an operation names, or the caller's own when it names none.
fn user_param<'a>(p: &'a Params, req: &'a ApiRequest) -> Result<&'a str, ApiError> {
    if let Some(u) = p.get("UserName") {
        return Ok(u);
    }
    match req.caller.as_ref().and_then(|c| c.principal.as_ref()) {
        Some(principal) => Ok(&principal.name),
        None => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "Squall's account root has no user: name one with UserName (the root's access key is the installation's, in the data directory's credentials file)",
        )),
    }
}

/// The ARN policies see for what `action` names.
fn resource(state: &State, action: &str, p: &Params, req: &ApiRequest) -> Vec<String> {
    let path_of = |path: Option<&str>| path.unwrap_or("/").to_string();
    let arn = |kind: &str, path: String, name: &str| format!("arn:aws:iam::{ACCOUNT_ID}:{kind}{path}{name}");
    let one = match squall_api::actions::find("iam", action).map(|a| a.resource) {
        Some(squall_api::actions::Resource::User) if action == "SimulatePrincipalPolicy" => {
            p.get("PolicySourceArn").map(str::to_string)
        }
        Some(squall_api::actions::Resource::User) => user_param(p, req).ok().map(|name| match state.user(name) {
            Ok(u) => user_arn(&u.path, &u.name),
            Err(_) => user_arn(&path_of(p.get("Path")), name),
        }),
        Some(squall_api::actions::Resource::Group) => p.get("GroupName").map(|name| match state.group(name) {
            Ok(g) => render::group_arn(g),
            Err(_) => arn("group", path_of(p.get("Path")), name),
        }),
        Some(squall_api::actions::Resource::Role) => p.get("RoleName").map(|name| match state.role(name) {
            Ok(r) => render::role_arn(r),
            Err(_) => arn("role", path_of(p.get("Path")), name),
        }),
        Some(squall_api::actions::Resource::Policy) if action == "CreatePolicy" => {
            p.get("PolicyName").map(|n| policy_arn(&path_of(p.get("Path")), n))
        }
        Some(squall_api::actions::Resource::Policy) => p.get("PolicyArn").map(str::to_string),
        _ => None,
    };
    one.into_iter().collect()
}

/// The request's condition keys: the tags it sets, `iam:PolicyARN` of an attachment, and
/// `iam:PermissionsBoundary`: the boundary asked for, or the one the user or role has.
fn keys(state: &State, action: &str, p: &Params) -> squall_iam::Context {
    let mut keys = squall_api::request_keys::of_query(p);
    if (action.starts_with("Attach") || action.starts_with("Detach"))
        && let Some(arn) = p.get("PolicyArn")
    {
        keys.set("iam:PolicyARN", arn);
    }
    let bounded = matches!(
        action,
        "CreateUser"
            | "PutUserPolicy"
            | "DeleteUserPolicy"
            | "AttachUserPolicy"
            | "DetachUserPolicy"
            | "PutUserPermissionsBoundary"
            | "DeleteUserPermissionsBoundary"
            | "CreateRole"
            | "PutRolePolicy"
            | "DeleteRolePolicy"
            | "AttachRolePolicy"
            | "DetachRolePolicy"
            | "PutRolePermissionsBoundary"
            | "DeleteRolePermissionsBoundary"
    );
    let current = || match p.get("UserName") {
        Some(user) => state.user(user).ok()?.boundary.clone(),
        None => state.role(p.get("RoleName")?).ok()?.boundary.clone(),
    };
    if bounded && let Some(arn) = p.get("PermissionsBoundary").map(str::to_string).or_else(current) {
        keys.set("iam:PermissionsBoundary", arn);
    }
    keys
}

/// The user or role a boundary operation names.
fn boundary_holder<'p>(p: &'p Params, action: &str) -> Result<(Holder, &'p str), ApiError> {
    Ok(match action.contains("User") {
        true => (Holder::User, required(p, "UserName")?),
        false => (Holder::Role, required(p, "RoleName")?),
    })
}

async fn serve(state: &ApiState, req: &ApiRequest) -> Reply {
    let p = Params::parse(req.uri.query(), &req.body);
    let action = p.get("Action").unwrap_or_default().to_string();
    let snapshot = state.identities.snapshot();
    let keys = keys(&snapshot, &action, &p);
    squall_api::authorize::authorize(state, req.who().with_keys(&keys), "iam", &action, || {
        resource(&snapshot, &action, &p, req)
    })?;
    let rid = req.request_id.as_str();
    let ok = |result: &dyn Fn(&mut Xml)| Ok(response(NAMESPACE, &action, rid, result));
    let ids = &state.identities;
    let done = || Ok(response(NAMESPACE, &action, rid, |_| {}));
    match action.as_str() {
        // Users.
        "CreateUser" => {
            let name = required(&p, "UserName")?;
            let u =
                ids.create_user(name, p.get("Path"), tags(&p), p.get("PermissionsBoundary")).await.map_err(error)?;
            ok(&|x| {
                x.nest("User", |x| render::user(x, &u));
            })
        }
        "GetUser" => {
            match p.get("UserName").or(req.caller.as_ref().and_then(|c| c.principal.as_ref()).map(|p| p.name.as_str()))
            {
                Some(name) => {
                    let u = snapshot.user(name).map_err(error)?.clone();
                    ok(&|x| {
                        x.nest("User", |x| render::user(x, &u));
                    })
                }
                // The account root, as IAM describes it.
                None => ok(&|x| {
                    x.nest("User", |x| {
                        x.elem("UserId", ACCOUNT_ID)
                            .elem("Arn", &format!("arn:aws:iam::{ACCOUNT_ID}:root"))
                            .elem("CreateDate", &squall_types::format_iso8601_millis_z(0));
                    });
                }),
            }
        }
        "ListUsers" => {
            let prefix = p.get("PathPrefix").unwrap_or("/");
            let users: Vec<_> = snapshot.users.values().filter(|u| u.path.starts_with(prefix)).cloned().collect();
            let (users, next) = page(users, &p)?;
            ok(&|x| {
                render::list(x, "Users", &users, render::user);
                truncation(x, &next);
            })
        }
        "PutUserPermissionsBoundary" | "PutRolePermissionsBoundary" => {
            let (holder, name) = boundary_holder(&p, &action)?;
            ids.set_boundary(holder, name, Some(required(&p, "PermissionsBoundary")?)).await.map_err(error)?;
            done()
        }
        "DeleteUserPermissionsBoundary" | "DeleteRolePermissionsBoundary" => {
            let (holder, name) = boundary_holder(&p, &action)?;
            ids.set_boundary(holder, name, None).await.map_err(error)?;
            done()
        }
        "DeleteUser" => {
            ids.delete_user(required(&p, "UserName")?).await.map_err(error)?;
            done()
        }
        "TagUser" => {
            ids.tag_user(required(&p, "UserName")?, tags(&p)).await.map_err(error)?;
            done()
        }
        "UntagUser" => {
            ids.untag_user(required(&p, "UserName")?, &p.strings("TagKeys")).await.map_err(error)?;
            done()
        }
        "ListUserTags" | "ListRoleTags" => {
            let tags = match action.as_str() {
                "ListUserTags" => snapshot.user(required(&p, "UserName")?).map_err(error)?.tags.clone(),
                _ => snapshot.role(required(&p, "RoleName")?).map_err(error)?.tags.clone(),
            };
            let (tags, next) = page(tags, &p)?;
            ok(&|x| {
                render::list(x, "Tags", &tags, |m, t| {
                    m.elem("Key", &t.key).elem("Value", &t.value);
                });
                truncation(x, &next);
            })
        }
        // Access keys.
        "CreateAccessKey" => {
            let k = ids.create_access_key(user_param(&p, req)?).await.map_err(error)?;
            ok(&|x| {
                x.nest("AccessKey", |x| render::key(x, &k, true));
            })
        }
        "UpdateAccessKey" => {
            let status = match required(&p, "Status")? {
                "Active" => KeyStatus::Active,
                "Inactive" => KeyStatus::Inactive,
                other => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "ValidationError",
                        format!(
                            "1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
                        ),
                    ));
                }
            };
            ids.update_access_key(user_param(&p, req)?, required(&p, "AccessKeyId")?, status).await.map_err(error)?;
            done()
        }
        "DeleteAccessKey" => {
            ids.delete_access_key(user_param(&p, req)?, required(&p, "AccessKeyId")?).await.map_err(error)?;
            done()
        }
        "ListAccessKeys" => {
            let user = user_param(&p, req)?;
            let keys: Vec<_> = snapshot.keys_of(user).map_err(error)?.into_iter().cloned().collect();
            let (keys, next) = page(keys, &p)?;
            ok(&|x| {
                render::list(x, "AccessKeyMetadata", &keys, |m, k| render::key(m, k, false));
                truncation(x, &next);
            })
        }
        // Inline policies of users, groups and roles.
        "PutUserPolicy" | "PutGroupPolicy" | "PutRolePolicy" => {
            let holder = holder_of(&action);
            let (name, policy) = (required(&p, holder_param(holder))?, required(&p, "PolicyName")?);
            ids.put_inline_policy(holder, name, policy, required(&p, "PolicyDocument")?).await.map_err(error)?;
            done()
        }
        "GetUserPolicy" | "GetGroupPolicy" | "GetRolePolicy" => {
            let holder = holder_of(&action);
            let param = holder_param(holder);
            let (name, policy) = (required(&p, param)?, required(&p, "PolicyName")?);
            let document = snapshot.inline_policy(holder, name, policy).map_err(error)?.to_string();
            ok(&|x| {
                x.elem(param, name).elem("PolicyName", policy).elem("PolicyDocument", &render::encoded(&document));
            })
        }
        "DeleteUserPolicy" | "DeleteGroupPolicy" | "DeleteRolePolicy" => {
            let holder = holder_of(&action);
            let (name, policy) = (required(&p, holder_param(holder))?, required(&p, "PolicyName")?);
            ids.delete_inline_policy(holder, name, policy).await.map_err(error)?;
            done()
        }
        "ListUserPolicies" | "ListGroupPolicies" | "ListRolePolicies" => {
            let holder = holder_of(&action);
            let names: Vec<String> = snapshot
                .inline_of(holder, required(&p, holder_param(holder))?)
                .map_err(error)?
                .keys()
                .cloned()
                .collect();
            let (names, next) = page(names, &p)?;
            ok(&|x| {
                x.nest("PolicyNames", |x| {
                    for n in &names {
                        x.elem("member", n);
                    }
                });
                truncation(x, &next);
            })
        }
        "AttachUserPolicy" | "AttachGroupPolicy" | "AttachRolePolicy" => {
            let holder = holder_of(&action);
            ids.attach_policy(holder, required(&p, holder_param(holder))?, required(&p, "PolicyArn")?)
                .await
                .map_err(error)?;
            done()
        }
        "DetachUserPolicy" | "DetachGroupPolicy" | "DetachRolePolicy" => {
            let holder = holder_of(&action);
            ids.detach_policy(holder, required(&p, holder_param(holder))?, required(&p, "PolicyArn")?)
                .await
                .map_err(error)?;
            done()
        }
        "ListAttachedUserPolicies" | "ListAttachedGroupPolicies" | "ListAttachedRolePolicies" => {
            let holder = holder_of(&action);
            let arns = snapshot.attached_to(holder, required(&p, holder_param(holder))?).map_err(error)?.to_vec();
            let (arns, next) = page(arns, &p)?;
            ok(&|x| {
                render::list(x, "AttachedPolicies", &arns, |m, arn| {
                    m.elem("PolicyName", arn.rsplit('/').next().unwrap_or_default()).elem("PolicyArn", arn);
                });
                truncation(x, &next);
            })
        }
        // Managed policies.
        "CreatePolicy" => {
            let created = ids
                .create_policy(
                    required(&p, "PolicyName")?,
                    p.get("Path"),
                    required(&p, "PolicyDocument")?,
                    p.get("Description"),
                    tags(&p),
                )
                .await
                .map_err(error)?;
            let snapshot = ids.snapshot();
            ok(&|x| {
                x.nest("Policy", |x| render::policy(x, &created, &snapshot));
            })
        }
        "GetPolicy" => {
            let policy = snapshot.policy(required(&p, "PolicyArn")?).map_err(error)?;
            ok(&|x| {
                x.nest("Policy", |x| render::policy(x, policy, &snapshot));
            })
        }
        "DeletePolicy" => {
            ids.delete_policy(required(&p, "PolicyArn")?).await.map_err(error)?;
            done()
        }
        "ListPolicies" => {
            let prefix = p.get("PathPrefix").unwrap_or("/");
            let only_attached = p.get("OnlyAttached") == Some("true");
            // The account's own (`Local`), AWS's that Squall ships (`AWS`), or both.
            let scope = p.get("Scope").unwrap_or("All");
            let (as_policy, as_boundary) = match p.get("PolicyUsageFilter") {
                Some("PermissionsPolicy") => (true, false),
                Some("PermissionsBoundary") => (false, true),
                _ => (true, true),
            };
            let used = |arn: &str| {
                let (users, roles) = snapshot.boundary_usage(arn);
                (as_policy && snapshot.usage(arn).count() > 0)
                    || (as_boundary && (!users.is_empty() || !roles.is_empty()))
            };
            let filtered = only_attached || p.get("PolicyUsageFilter").is_some();
            let local = snapshot.policies.values().filter(|_| scope != "AWS");
            let aws = squall_identity::aws_managed().iter().filter(|_| scope != "Local");
            let policies: Vec<_> = local
                .chain(aws)
                .filter(|pol| pol.path.starts_with(prefix))
                .filter(|pol| !filtered || used(&pol.arn()))
                .cloned()
                .collect();
            let (policies, next) = page(policies, &p)?;
            ok(&|x| {
                render::list(x, "Policies", &policies, |m, pol| render::policy(m, pol, &snapshot));
                truncation(x, &next);
            })
        }
        "CreatePolicyVersion" => {
            let arn = required(&p, "PolicyArn")?;
            let set_default = p.get("SetAsDefault") == Some("true");
            let v =
                ids.create_policy_version(arn, required(&p, "PolicyDocument")?, set_default).await.map_err(error)?;
            let default = if set_default { v.id.clone() } else { String::new() };
            ok(&|x| {
                x.nest("PolicyVersion", |x| render::version(x, &v, &default, false));
            })
        }
        "GetPolicyVersion" => {
            let policy = snapshot.policy(required(&p, "PolicyArn")?).map_err(error)?;
            let id = required(&p, "VersionId")?;
            let v = policy.versions.iter().find(|v| v.id == id).ok_or_else(|| {
                error(Error::NoSuchEntity(format!(
                    "Policy {} version {id} does not exist or is not attachable.",
                    policy.arn()
                )))
            })?;
            ok(&|x| {
                x.nest("PolicyVersion", |x| render::version(x, v, &policy.default_version, true));
            })
        }
        "ListPolicyVersions" => {
            let policy = snapshot.policy(required(&p, "PolicyArn")?).map_err(error)?;
            let mut versions = policy.versions.clone();
            versions.reverse();
            let (versions, next) = page(versions, &p)?;
            ok(&|x| {
                render::list(x, "Versions", &versions, |m, v| render::version(m, v, &policy.default_version, false));
                truncation(x, &next);
            })
        }
        "DeletePolicyVersion" => {
            ids.delete_policy_version(required(&p, "PolicyArn")?, required(&p, "VersionId")?).await.map_err(error)?;
            done()
        }
        "SetDefaultPolicyVersion" => {
            ids.set_default_policy_version(required(&p, "PolicyArn")?, required(&p, "VersionId")?)
                .await
                .map_err(error)?;
            done()
        }
        "ListEntitiesForPolicy" => {
            let arn = required(&p, "PolicyArn")?;
            snapshot.policy(arn).map_err(error)?;
            let mut usage = squall_identity::Usage::default();
            if p.get("PolicyUsageFilter") != Some("PermissionsBoundary") {
                usage = snapshot.usage(arn);
            }
            if p.get("PolicyUsageFilter") != Some("PermissionsPolicy") {
                let (users, roles) = snapshot.boundary_usage(arn);
                usage.users.extend(users.into_iter().filter(|u| !usage.users.contains(u)).collect::<Vec<_>>());
                usage.roles.extend(roles.into_iter().filter(|r| !usage.roles.contains(r)).collect::<Vec<_>>());
            }
            if let Some(kind) = p.get("EntityFilter") {
                let keep = |k: &str| kind == k;
                if !keep("User") {
                    usage.users.clear();
                }
                if !keep("Group") {
                    usage.groups.clear();
                }
                if !keep("Role") {
                    usage.roles.clear();
                }
            }
            ok(&|x| {
                render::list(x, "PolicyGroups", &usage.groups, |m, g| {
                    m.elem("GroupName", g);
                    if let Ok(g) = snapshot.group(g) {
                        m.elem("GroupId", &g.id);
                    }
                });
                render::list(x, "PolicyUsers", &usage.users, |m, u| {
                    m.elem("UserName", u);
                    if let Ok(u) = snapshot.user(u) {
                        m.elem("UserId", &u.id);
                    }
                });
                render::list(x, "PolicyRoles", &usage.roles, |m, r| {
                    m.elem("RoleName", r);
                    if let Ok(r) = snapshot.role(r) {
                        m.elem("RoleId", &r.id);
                    }
                });
                x.elem("IsTruncated", "false");
            })
        }
        // Groups.
        "CreateGroup" => {
            let g = ids.create_group(required(&p, "GroupName")?, p.get("Path")).await.map_err(error)?;
            ok(&|x| {
                x.nest("Group", |x| render::group(x, &g));
            })
        }
        "GetGroup" => {
            let g = snapshot.group(required(&p, "GroupName")?).map_err(error)?;
            let members: Vec<_> = snapshot.members(&g.name).into_iter().cloned().collect();
            let (members, next) = page(members, &p)?;
            ok(&|x| {
                x.nest("Group", |x| render::group(x, g));
                render::list(x, "Users", &members, render::user);
                truncation(x, &next);
            })
        }
        "ListGroups" => {
            let prefix = p.get("PathPrefix").unwrap_or("/");
            let groups: Vec<_> = snapshot.groups.values().filter(|g| g.path.starts_with(prefix)).cloned().collect();
            let (groups, next) = page(groups, &p)?;
            ok(&|x| {
                render::list(x, "Groups", &groups, render::group);
                truncation(x, &next);
            })
        }
        "ListGroupsForUser" => {
            let user = snapshot.user(required(&p, "UserName")?).map_err(error)?;
            let groups: Vec<_> = user.groups.iter().filter_map(|g| snapshot.group(g).ok()).cloned().collect();
            let (groups, next) = page(groups, &p)?;
            ok(&|x| {
                render::list(x, "Groups", &groups, render::group);
                truncation(x, &next);
            })
        }
        "DeleteGroup" => {
            ids.delete_group(required(&p, "GroupName")?).await.map_err(error)?;
            done()
        }
        "AddUserToGroup" => {
            ids.add_user_to_group(required(&p, "GroupName")?, required(&p, "UserName")?).await.map_err(error)?;
            done()
        }
        "RemoveUserFromGroup" => {
            ids.remove_user_from_group(required(&p, "GroupName")?, required(&p, "UserName")?).await.map_err(error)?;
            done()
        }
        // Roles.
        "CreateRole" => {
            let max_session_s = match p.get("MaxSessionDuration") {
                None => None,
                Some(s) => Some(s.parse().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "ValidationError",
                        "MaxSessionDuration must be a number of seconds",
                    )
                })?),
            };
            let new = NewRole {
                path: p.get("Path").map(str::to_string),
                trust: required(&p, "AssumeRolePolicyDocument")?.to_string(),
                description: p.get("Description").map(str::to_string),
                max_session_s,
                tags: tags(&p),
                boundary: p.get("PermissionsBoundary").map(str::to_string),
            };
            let r = ids.create_role(required(&p, "RoleName")?, new).await.map_err(error)?;
            ok(&|x| {
                x.nest("Role", |x| render::role(x, &r));
            })
        }
        "GetRole" => {
            let r = snapshot.role(required(&p, "RoleName")?).map_err(error)?;
            ok(&|x| {
                x.nest("Role", |x| render::role(x, r));
            })
        }
        "ListRoles" => {
            let prefix = p.get("PathPrefix").unwrap_or("/");
            let roles: Vec<_> = snapshot.roles.values().filter(|r| r.path.starts_with(prefix)).cloned().collect();
            let (roles, next) = page(roles, &p)?;
            ok(&|x| {
                render::list(x, "Roles", &roles, render::role);
                truncation(x, &next);
            })
        }
        "DeleteRole" => {
            ids.delete_role(required(&p, "RoleName")?).await.map_err(error)?;
            done()
        }
        "UpdateRole" | "UpdateRoleDescription" => {
            let max_session_s = match p.get("MaxSessionDuration") {
                Some(s) if action == "UpdateRole" => Some(s.parse().map_err(|_| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "ValidationError",
                        "MaxSessionDuration must be a number of seconds",
                    )
                })?),
                _ => None,
            };
            let description = match action.as_str() {
                "UpdateRole" => p.get("Description"),
                _ => Some(required(&p, "Description")?),
            };
            let r = ids.update_role(required(&p, "RoleName")?, description, max_session_s).await.map_err(error)?;
            match action.as_str() {
                "UpdateRole" => done(),
                _ => ok(&|x| {
                    x.nest("Role", |x| render::role(x, &r));
                }),
            }
        }
        "UpdateAssumeRolePolicy" => {
            ids.update_trust(required(&p, "RoleName")?, required(&p, "PolicyDocument")?).await.map_err(error)?;
            done()
        }
        "TagRole" => {
            ids.tag_role(required(&p, "RoleName")?, tags(&p)).await.map_err(error)?;
            done()
        }
        "UntagRole" => {
            ids.untag_role(required(&p, "RoleName")?, &p.strings("TagKeys")).await.map_err(error)?;
            done()
        }
        "SimulatePrincipalPolicy" | "SimulateCustomPolicy" => crate::simulate::simulate(state, req, &p, &action),
        "" => Err(ApiError::new(StatusCode::BAD_REQUEST, "MissingAction", "Missing Action")),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {other} for version 2010-05-08"),
        )),
    }
}
