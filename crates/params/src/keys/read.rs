//! DescribeKey, ListKeys, ListAliases, ListResourceTags, GetKeyPolicy, ListKeyPolicies and
//! GetKeyRotationStatus: reads of what is in memory (DescribeKey of an AWS-managed key's
//! alias makes the key, as on AWS).

use super::create::MANAGED;
use super::lookup::{Naming, not_pending};
use super::refs::{self, KeyRef, RESERVED_PREFIX};
use super::{AliasInfo, KeyInfo, KeyManager, Keys};
use crate::{Error, Result, paging, validation};
use serde_json::json;
use squall_types::ACCOUNT_ID;

/// One page of a listing, and the `NextMarker` of the next when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts (`Truncated` when present).
    pub next_marker: Option<String>,
}

/// The only key policy a key has.
pub const POLICY_NAME: &str = "default";

/// `Limit` checked against `1..=max`, or `default` when absent.
fn limit(asked: Option<i64>, max: i64, default: usize) -> Result<usize> {
    match asked {
        None => Ok(default),
        Some(n) if n < 1 => Err(validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
        Some(n) if n > max => Err(validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(n as usize),
    }
}

fn page<T>(items: Vec<T>, key: impl Fn(&T) -> String, marker: Option<&str>, max: usize) -> Result<Page<T>> {
    let after = paging::after(marker)?;
    let (items, next_marker) = paging::page(items, key, after.as_deref(), max);
    Ok(Page { items, next_marker })
}

impl Keys {
    /// DescribeKey. An AWS-managed key's alias (`alias/aws/s3`) that does not exist yet
    /// makes the key, as AWS does.
    pub async fn describe(&self, key_ref: &str) -> Result<KeyInfo> {
        if let KeyRef::Alias(name) = refs::parse(key_ref, &self.region)
            && let Some(service) = name.strip_prefix(RESERVED_PREFIX)
            && MANAGED.iter().any(|(s, _)| *s == service)
        {
            self.managed(service).await?;
        }
        self.info(key_ref)
    }

    /// ListKeys: every key (AWS-managed ones and those pending deletion included), in id
    /// order. `Limit` 1 to 1000 (100).
    pub fn list_keys(&self, asked: Option<i64>, marker: Option<&str>) -> Result<Page<KeyInfo>> {
        let max = limit(asked, 1000, 100)?;
        let keys: Vec<KeyInfo> =
            self.read().keys.values().filter(|k| !self.gone(&k.info)).map(|k| k.info.clone()).collect();
        page(keys, |k| k.id.clone(), marker, max)
    }

    /// ListAliases, in name order: all of them, or those of the key `key_ref` (a key id or
    /// ARN). `Limit` 1 to 100 (50).
    pub fn list_aliases(
        &self,
        key_ref: Option<&str>,
        asked: Option<i64>,
        marker: Option<&str>,
    ) -> Result<Page<AliasInfo>> {
        let max = limit(asked, 100, 50)?;
        let only = key_ref.map(|r| self.find(r, Naming::KeyOnly)).transpose()?.map(|k| k.info.id);
        let state = self.read();
        let aliases: Vec<AliasInfo> = state
            .aliases
            .values()
            .filter(|a| only.as_ref().is_none_or(|id| a.key_id == *id))
            .filter(|a| state.keys.get(&a.key_id).is_some_and(|k| !self.gone(&k.info)))
            .cloned()
            .collect();
        page(aliases, |a| a.name.clone(), marker, max)
    }

    /// ListResourceTags, in key order. `Limit` 1 to 50 (50).
    pub fn list_tags(&self, key_ref: &str, asked: Option<i64>, marker: Option<&str>) -> Result<Page<(String, String)>> {
        let max = limit(asked, 50, 50)?;
        let mut tags = self.find(key_ref, Naming::KeyOnly)?.info.tags;
        tags.sort();
        page(tags, |(k, _)| k.clone(), marker, max)
    }

    /// GetKeyPolicy: the policy AWS gives a key made without one (the account decides
    /// through IAM), or an AWS-managed key's (its service may use it for anyone in the
    /// account; the account may only read it). `name` defaults to `default`, the only one.
    pub fn policy(&self, key_ref: &str, name: Option<&str>) -> Result<String> {
        let key = self.find(key_ref, Naming::KeyOnly)?;
        if name.is_some_and(|n| n != POLICY_NAME) {
            return Err(Error::NotFound("No such policy exists".into()));
        }
        let root = format!("arn:aws:iam::{ACCOUNT_ID}:root");
        let document = match (key.info.manager, key.info.service.as_deref()) {
            (KeyManager::Aws, Some(service)) => json!({
                "Version": "2012-10-17",
                "Id": format!("auto-{service}-2"),
                "Statement": [
                    {
                        "Sid": format!("Allow access through {} for all principals in the account that are authorized to use it", service.to_uppercase()),
                        "Effect": "Allow",
                        "Principal": { "AWS": "*" },
                        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                        "Resource": "*",
                        "Condition": { "StringEquals": {
                            "kms:CallerAccount": ACCOUNT_ID,
                            "kms:ViaService": format!("{service}.{}.amazonaws.com", self.region),
                        } },
                    },
                    {
                        "Sid": "Allow direct access to key metadata to the account",
                        "Effect": "Allow",
                        "Principal": { "AWS": root },
                        "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                        "Resource": "*",
                    },
                ],
            }),
            _ => json!({
                "Version": "2012-10-17",
                "Id": "key-default-1",
                "Statement": [{
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": { "AWS": root },
                    "Action": "kms:*",
                    "Resource": "*",
                }],
            }),
        };
        Ok(serde_json::to_string_pretty(&document).expect("a policy serializes"))
    }

    /// ListKeyPolicies: `default`, the one policy of every key. `Limit` 1 to 1000 (100).
    pub fn policy_names(&self, key_ref: &str, asked: Option<i64>, marker: Option<&str>) -> Result<Page<String>> {
        let max = limit(asked, 1000, 100)?;
        self.find(key_ref, Naming::KeyOnly)?;
        page(vec![POLICY_NAME.to_string()], String::clone, marker, max)
    }

    /// GetKeyRotationStatus: the key (its rotation is always off: Squall never rotates
    /// key material).
    pub fn rotation_status(&self, key_ref: &str) -> Result<KeyInfo> {
        let key = self.find(key_ref, Naming::KeyOnly)?;
        not_pending(&key.info)?;
        Ok(key.info)
    }
}
