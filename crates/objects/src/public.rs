//! Who may reach a bucket beyond its owner: its object ownership (ACLs disabled under
//! `BucketOwnerEnforced`, S3's default since 2023), its public access block, and whether its
//! policy is public.

use crate::{Error, Objects, Result};
use serde::{Deserialize, Serialize};

/// A bucket's object ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ownership {
    /// ACLs disabled: the bucket owner owns every object.
    BucketOwnerEnforced,
    /// ACLs enabled; objects written with `bucket-owner-full-control` go to the owner.
    BucketOwnerPreferred,
    /// ACLs enabled; the writer owns what it writes.
    ObjectWriter,
}

impl Ownership {
    /// S3's name of the setting.
    pub fn name(self) -> &'static str {
        match self {
            Ownership::BucketOwnerEnforced => "BucketOwnerEnforced",
            Ownership::BucketOwnerPreferred => "BucketOwnerPreferred",
            Ownership::ObjectWriter => "ObjectWriter",
        }
    }

    /// Reads S3's name of the setting.
    pub fn parse(s: &str) -> Option<Ownership> {
        match s {
            "BucketOwnerEnforced" => Some(Ownership::BucketOwnerEnforced),
            "BucketOwnerPreferred" => Some(Ownership::BucketOwnerPreferred),
            "ObjectWriter" => Some(Ownership::ObjectWriter),
            _ => None,
        }
    }
}

/// What a new bucket has (S3's default since April 2023).
pub(crate) fn default_ownership() -> Option<Ownership> {
    Some(Ownership::BucketOwnerEnforced)
}

/// A bucket's public access block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// Refuse requests that set a public ACL.
    pub block_public_acls: bool,
    /// Ignore public ACLs.
    pub ignore_public_acls: bool,
    /// Refuse a bucket policy that grants public access.
    pub block_public_policy: bool,
    /// Let only the owner's account use a public bucket policy's grants (anonymous
    /// requests get none).
    pub restrict_public_buckets: bool,
}

/// Condition keys that pin a statement to known callers, so a statement for `*` that pins
/// one to fixed values is not public (S3's reading).
const PINNING_KEYS: [&str; 12] = [
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/// Whether a bucket policy grants access to anyone: an `Allow` for `*` (or everyone but
/// some) that no condition pins to known callers.
pub fn is_public(document: &str) -> bool {
    use squall_iam::{Effect, Principal, Principals};
    let Ok(policy) = squall_iam::Policy::parse(document, squall_iam::PolicyKind::Resource) else { return false };
    policy.statements.iter().any(|s| {
        let everyone = match &s.principals {
            Some(Principals::Listed(p)) => p.contains(&Principal::Anyone),
            Some(Principals::Not(_)) => true,
            None => false,
        };
        let pinned =
            s.conditions.iter().any(|c| c.pins() && PINNING_KEYS.contains(&c.key().to_ascii_lowercase().as_str()));
        s.effect == Effect::Allow && everyone && !pinned
    })
}

impl Objects {
    /// Sets (or with `None` deletes) a bucket's ownership controls.
    pub async fn set_ownership(&self, bucket: &str, ownership: Option<Ownership>) -> Result<()> {
        if ownership == Some(Ownership::BucketOwnerEnforced)
            && self.with_bucket(bucket, |b| b.acl.as_ref().is_some_and(crate::acl::Acl::beyond_owner))?
        {
            return Err(Error::InvalidBucketAclWithObjectOwnership(bucket.into()));
        }
        self.update_bucket(bucket, |b| b.ownership = ownership).await
    }

    /// Sets a bucket's ACL (`None`, or one granting only the owner: its owner's full control).
    pub async fn set_bucket_acl(&self, bucket: &str, acl: Option<crate::acl::Acl>) -> Result<()> {
        let acl = acl.filter(crate::acl::Acl::beyond_owner);
        self.update_bucket(bucket, |b| b.acl = acl).await
    }

    /// Sets the ACL of `key` (its current version, or `version`).
    pub async fn set_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        acl: Option<crate::acl::Acl>,
    ) -> Result<()> {
        let acl = acl.filter(crate::acl::Acl::beyond_owner);
        self.update(bucket, key, version, move |r| {
            r.acl = acl.clone();
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// Sets (or with `None` deletes) a bucket's public access block.
    pub async fn set_public_access_block(&self, bucket: &str, block: Option<PublicAccessBlock>) -> Result<()> {
        self.update_bucket(bucket, |b| b.public_access_block = block).await
    }

    /// Whether anonymous requests must not use `bucket`'s policy: it is public and the
    /// bucket restricts public buckets.
    pub fn restricts_public_policy(&self, bucket: &str) -> bool {
        self.with_bucket(bucket, |b| {
            b.public_access_block.is_some_and(|p| p.restrict_public_buckets)
                && b.policy.as_deref().is_some_and(is_public)
        })
        .unwrap_or(false)
    }

    /// Refuses a public `policy` on a bucket that blocks public policies.
    pub(crate) fn check_public_policy(&self, bucket: &str, policy: &str) -> Result<()> {
        let blocks = self.with_bucket(bucket, |b| b.public_access_block.is_some_and(|p| p.block_public_policy))?;
        if blocks && is_public(policy) {
            return Err(Error::AccessDenied(
                "Access Denied: public policies are blocked by the BlockPublicPolicy block public access setting."
                    .into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policies_are_those_for_anyone_unpinned() {
        let doc = |principal: &str, condition: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{condition}}}]}}"#
            )
        };
        assert!(is_public(&doc(r#""*""#, "")));
        assert!(is_public(&doc(r#"{"AWS":"*"}"#, "")));
        assert!(!is_public(&doc(r#"{"AWS":"arn:aws:iam::000000000000:root"}"#, "")));
        assert!(!is_public(&doc(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)));
        assert!(is_public(&doc(r#""*""#, r#","Condition":{"StringEquals":{"s3:prefix":"x"}}"#)));
        assert!(is_public(&doc(r#""*""#, r#","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)));
        assert!(is_public(&doc(r#""*""#, r#","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#)));
        assert!(is_public(&doc(r#""*""#, r#","Condition":{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}"#)));
        assert!(is_public(&doc(r#""*""#, r#","Condition":{"StringLike":{"aws:SourceArn":"*"}}"#)));
        assert!(!is_public(&doc(r#""*""#, r#","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#)));
    }
}
