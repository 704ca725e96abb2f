//! IAM's records as its query protocol writes them.

use squall_api::query::Xml;
use squall_identity::model::{AccessKey, Group, ManagedPolicy, PolicyVersion, Role, Tag, User};
use squall_identity::{State, user_arn};
use squall_types::{ACCOUNT_ID, format_iso8601_millis_z as date};

/// Policy documents travel URL-encoded in IAM's responses.
pub(crate) fn encoded(document: &str) -> String {
    percent_encoding::utf8_percent_encode(document, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub(crate) fn tags(x: &mut Xml, tags: &[Tag]) {
    if tags.is_empty() {
        return;
    }
    x.nest("Tags", |x| {
        for t in tags {
            x.nest("member", |m| {
                m.elem("Key", &t.key).elem("Value", &t.value);
            });
        }
    });
}

pub(crate) fn user(x: &mut Xml, u: &User) {
    x.elem("Path", &u.path)
        .elem("UserName", &u.name)
        .elem("UserId", &u.id)
        .elem("Arn", &user_arn(&u.path, &u.name))
        .elem("CreateDate", &date(u.created_ms));
    boundary(x, u.boundary.as_deref());
    tags(x, &u.tags);
}

fn boundary(x: &mut Xml, arn: Option<&str>) {
    if let Some(arn) = arn {
        x.nest("PermissionsBoundary", |x| {
            x.elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy").elem("PermissionsBoundaryArn", arn);
        });
    }
}

pub(crate) fn group_arn(g: &Group) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:group{}{}", g.path, g.name)
}

pub(crate) fn group(x: &mut Xml, g: &Group) {
    x.elem("Path", &g.path)
        .elem("GroupName", &g.name)
        .elem("GroupId", &g.id)
        .elem("Arn", &group_arn(g))
        .elem("CreateDate", &date(g.created_ms));
}

pub(crate) fn role_arn(r: &Role) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role{}{}", r.path, r.name)
}

pub(crate) fn role(x: &mut Xml, r: &Role) {
    x.elem("Path", &r.path)
        .elem("RoleName", &r.name)
        .elem("RoleId", &r.id)
        .elem("Arn", &role_arn(r))
        .elem("CreateDate", &date(r.created_ms))
        .elem("AssumeRolePolicyDocument", &encoded(&r.trust))
        .elem("MaxSessionDuration", &r.max_session_s.to_string());
    if let Some(d) = &r.description {
        x.elem("Description", d);
    }
    boundary(x, r.boundary.as_deref());
    tags(x, &r.tags);
}

fn boundary_count(state: &State, arn: &str) -> usize {
    let (users, roles) = state.boundary_usage(arn);
    users.len() + roles.len()
}

pub(crate) fn policy(x: &mut Xml, p: &ManagedPolicy, state: &State) {
    let arn = p.arn();
    x.elem("PolicyName", &p.name)
        .elem("PolicyId", &p.id)
        .elem("Arn", &arn)
        .elem("Path", &p.path)
        .elem("DefaultVersionId", &p.default_version)
        .elem("AttachmentCount", &state.usage(&arn).count().to_string())
        .elem("PermissionsBoundaryUsageCount", &boundary_count(state, &arn).to_string())
        .elem("IsAttachable", "true")
        .elem("CreateDate", &date(p.created_ms))
        .elem("UpdateDate", &date(p.updated_ms));
    if let Some(d) = &p.description {
        x.elem("Description", d);
    }
    tags(x, &p.tags);
}

pub(crate) fn version(x: &mut Xml, v: &PolicyVersion, default: &str, with_document: bool) {
    if with_document {
        x.elem("Document", &encoded(&v.document));
    }
    x.elem("VersionId", &v.id)
        .elem("IsDefaultVersion", if v.id == default { "true" } else { "false" })
        .elem("CreateDate", &date(v.created_ms));
}

pub(crate) fn key(x: &mut Xml, k: &AccessKey, with_secret: bool) {
    x.elem("UserName", &k.user).elem("AccessKeyId", &k.id).elem("Status", k.status.as_str());
    if with_secret {
        x.elem("SecretAccessKey", &k.secret);
    }
    x.elem("CreateDate", &date(k.created_ms));
}

/// A list of `members`, each written by `item`, under `name`.
pub(crate) fn list<T>(x: &mut Xml, name: &str, members: &[T], mut item: impl FnMut(&mut Xml, &T)) {
    x.nest(name, |x| {
        for m in members {
            x.nest("member", |x| item(x, m));
        }
    });
}
