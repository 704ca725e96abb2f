//! Access control lists of buckets and objects whose ownership lets ACLs apply
//! (`ObjectWriter`, `BucketOwnerPreferred`). With one account per installation a grant
//! can name the owner, or one of S3's groups: everyone (`AllUsers`), any signed caller
//! (`AuthenticatedUsers`) or S3's log delivery; the account's own users and roles are
//! decided by IAM. An ACL grants like a resource policy's Allow: what IAM and the bucket
//! policy do not allow, a grant may, unless something denies it explicitly.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// S3's URI of the group of everyone, anonymous callers included.
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// S3's URI of the group of every signed caller.
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
/// S3's URI of its log delivery group.
pub const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    /// `READ`: list a bucket, read an object.
    Read,
    /// `WRITE`: write and delete a bucket's objects.
    Write,
    /// `READ_ACP`: read the ACL.
    ReadAcp,
    /// `WRITE_ACP`: change the ACL.
    WriteAcp,
    /// `FULL_CONTROL`: all of them.
    FullControl,
}

impl Permission {
    const ALL: [Permission; 5] =
        [Permission::Read, Permission::Write, Permission::ReadAcp, Permission::WriteAcp, Permission::FullControl];

    /// S3's name.
    pub fn name(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// The permission S3 names `name`.
    pub fn parse(name: &str) -> Option<Permission> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Whom a grant is to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    /// The account that owns every bucket and object here.
    Owner,
    /// Everyone.
    AllUsers,
    /// Every signed caller.
    AuthenticatedUsers,
    /// S3's log delivery.
    LogDelivery,
}

impl Grantee {
    /// The group's URI (`None` for the owner, a canonical user).
    pub fn uri(self) -> Option<&'static str> {
        match self {
            Grantee::Owner => None,
            Grantee::AllUsers => Some(ALL_USERS),
            Grantee::AuthenticatedUsers => Some(AUTHENTICATED_USERS),
            Grantee::LogDelivery => Some(LOG_DELIVERY),
        }
    }

    /// The group S3 names by `uri`.
    pub fn of_uri(uri: &str) -> Result<Grantee> {
        [Grantee::AllUsers, Grantee::AuthenticatedUsers, Grantee::LogDelivery]
            .into_iter()
            .find(|g| g.uri() == Some(uri))
            .ok_or_else(|| Error::InvalidArgument(format!("Invalid group uri: {uri}")))
    }

    /// The grantee a canonical user id names: only the owner exists here.
    pub fn of_id(id: &str) -> Result<Grantee> {
        match id == crate::owner_id() {
            true => Ok(Grantee::Owner),
            false => Err(Error::InvalidArgument(format!("Invalid id: {id} (the only account here is the owner's)"))),
        }
    }
}

/// One grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// To whom.
    pub grantee: Grantee,
    /// What.
    pub permission: Permission,
}

/// An ACL: its grants, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    /// The grants.
    pub grants: Vec<Grant>,
}

fn grant(grantee: Grantee, permission: Permission) -> Grant {
    Grant { grantee, permission }
}

impl Acl {
    /// The owner's full control, which every bucket and object has unless given another.
    pub fn owner_only() -> Acl {
        Acl { grants: vec![grant(Grantee::Owner, Permission::FullControl)] }
    }

    /// A canned ACL (`x-amz-acl`).
    pub fn canned(name: &str) -> Result<Acl> {
        let mut acl = Acl::owner_only();
        let more: &[Grant] = match name {
            "private" | "bucket-owner-read" | "bucket-owner-full-control" => &[],
            "public-read" => &[grant(Grantee::AllUsers, Permission::Read)],
            "public-read-write" => {
                &[grant(Grantee::AllUsers, Permission::Read), grant(Grantee::AllUsers, Permission::Write)]
            }
            "authenticated-read" => &[grant(Grantee::AuthenticatedUsers, Permission::Read)],
            "log-delivery-write" => {
                &[grant(Grantee::LogDelivery, Permission::Write), grant(Grantee::LogDelivery, Permission::ReadAcp)]
            }
            "aws-exec-read" => {
                return Err(Error::NotImplemented(
                    "the canned ACL aws-exec-read (it grants EC2, which Squall does not have)".into(),
                ));
            }
            other => return Err(Error::InvalidArgument(format!("Invalid canned ACL: {other}"))),
        };
        acl.grants.extend_from_slice(more);
        Ok(acl)
    }

    /// The ACL `x-amz-grant-*` headers make: each value a list of `id="…"`,
    /// `uri="…"` or `emailAddress="…"`.
    pub fn of_grant_headers(headers: &[(Permission, &str)]) -> Result<Acl> {
        let mut grants = Vec::new();
        for (permission, value) in headers {
            for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let (kind, v) = item
                    .split_once('=')
                    .ok_or_else(|| Error::InvalidArgument(format!("A grant must be type=\"value\": {item}")))?;
                let v = v.trim().trim_matches('"');
                let grantee = match kind.trim().to_ascii_lowercase().as_str() {
                    "id" => Grantee::of_id(v)?,
                    "uri" => Grantee::of_uri(v)?,
                    "emailaddress" => return Err(unresolvable(v)),
                    other => return Err(Error::InvalidArgument(format!("Unknown grantee type: {other}"))),
                };
                grants.push(grant(grantee, *permission));
            }
        }
        Ok(Acl { grants })
    }

    /// Whether it grants anyone but the owner.
    pub fn beyond_owner(&self) -> bool {
        self.grants.iter().any(|g| g.grantee != Grantee::Owner)
    }

    /// Whether it grants everyone or every signed caller (S3's public ACL).
    pub fn is_public(&self) -> bool {
        self.grants.iter().any(|g| matches!(g.grantee, Grantee::AllUsers | Grantee::AuthenticatedUsers))
    }

    /// Whether it grants `permission` to a caller: everyone's grants, and for a signed
    /// one (`anonymous` false) every signed caller's.
    pub fn allows(&self, anonymous: bool, permission: Permission) -> bool {
        self.grants.iter().any(|g| {
            let to_caller = g.grantee == Grantee::AllUsers || (g.grantee == Grantee::AuthenticatedUsers && !anonymous);
            to_caller && (g.permission == permission || g.permission == Permission::FullControl)
        })
    }
}

/// S3's error for a grant to an e-mail address, which it no longer resolves.
pub fn unresolvable(email: &str) -> Error {
    Error::UnresolvableGrantByEmailAddress(format!(
        "The e-mail address you provided does not match any account on record: {email}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_acls_and_headers_grant_what_s3_says() {
        let public = Acl::canned("public-read").unwrap();
        assert!(public.is_public() && public.allows(true, Permission::Read) && !public.allows(true, Permission::Write));
        let auth = Acl::canned("authenticated-read").unwrap();
        assert!(!auth.allows(true, Permission::Read) && auth.allows(false, Permission::Read));
        assert!(!Acl::canned("private").unwrap().beyond_owner());
        assert!(matches!(Acl::canned("bogus"), Err(Error::InvalidArgument(_))));
        let owner = crate::owner_id();
        let headers =
            [(Permission::Read, format!("uri=\"{ALL_USERS}\"")), (Permission::FullControl, format!("id=\"{owner}\""))];
        let pairs: Vec<(Permission, &str)> = headers.iter().map(|(p, v)| (*p, v.as_str())).collect();
        let acl = Acl::of_grant_headers(&pairs).unwrap();
        assert_eq!(acl.grants.len(), 2);
        assert!(acl.allows(true, Permission::Read));
        assert!(matches!(
            Acl::of_grant_headers(&[(Permission::Read, "id=\"someone\"")]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            Acl::of_grant_headers(&[(Permission::Read, "emailAddress=\"a@b.c\"")]),
            Err(Error::UnresolvableGrantByEmailAddress(_))
        ));
        let full = Acl { grants: vec![grant(Grantee::AuthenticatedUsers, Permission::FullControl)] };
        assert!(full.allows(false, Permission::WriteAcp) && !full.allows(true, Permission::Read));
    }
}
