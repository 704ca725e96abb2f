//! CreateAlias, UpdateAlias and DeleteAlias: names for customer-managed keys (`alias/aws/…`
//! names AWS-managed keys, which only Squall makes).

use super::lookup::{Naming, alias_not_found, customer_managed, not_pending};
use super::refs::{self, KeyRef, alias_arn, check_alias_name};
use super::{AliasInfo, Key, Keys, alias_write};
use crate::{Error, Result, validation};

impl Keys {
    /// The key an alias is to point to: a key id or ARN of a customer-managed key not
    /// pending deletion.
    fn alias_target_key(&self, target: &str, action: &str) -> Result<Key> {
        if let KeyRef::Alias(_) = refs::parse(target, &self.region) {
            return Err(validation("Aliases must refer to keys. Not aliases"));
        }
        let key = self.find(target, Naming::KeyOnly)?;
        not_pending(&key.info)?;
        customer_managed(&key.info, action)?;
        Ok(key)
    }

    /// The alias `name`, if it names a key that still exists.
    fn live_alias(&self, name: &str) -> Option<AliasInfo> {
        let state = self.read();
        let alias = state.aliases.get(name)?;
        state.keys.get(&alias.key_id).filter(|k| !self.gone(&k.info)).map(|_| alias.clone())
    }

    /// CreateAlias: `name` (`alias/…`) for the key `target`.
    pub async fn create_alias(&self, name: &str, target: &str) -> Result<()> {
        check_alias_name(name)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let key = self.alias_target_key(target, "kms:CreateAlias")?;
        let arn = alias_arn(&self.region, name);
        if self.live_alias(name).is_some() {
            return Err(Error::AlreadyExists(format!("An alias with the name {arn} already exists")));
        }
        let now = self.clock.now_ms();
        let alias = AliasInfo { name: name.to_string(), arn, key_id: key.info.id, created_ms: now, updated_ms: now };
        self.ledger.commit(vec![alias_write(name, Some(&alias))]).await?;
        self.write().aliases.insert(name.to_string(), alias);
        Ok(())
    }

    /// UpdateAlias: points the existing alias `name` to the key `target`.
    pub async fn update_alias(&self, name: &str, target: &str) -> Result<()> {
        check_alias_name(name)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let mut alias = self.live_alias(name).ok_or_else(|| alias_not_found(&alias_arn(&self.region, name)))?;
        let key = self.alias_target_key(target, "kms:UpdateAlias")?;
        alias.key_id = key.info.id;
        alias.updated_ms = self.clock.now_ms();
        self.ledger.commit(vec![alias_write(name, Some(&alias))]).await?;
        self.write().aliases.insert(name.to_string(), alias);
        Ok(())
    }

    /// DeleteAlias (the key stays).
    pub async fn delete_alias(&self, name: &str) -> Result<()> {
        check_alias_name(name)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        if self.live_alias(name).is_none() {
            return Err(alias_not_found(&alias_arn(&self.region, name)));
        }
        self.ledger.commit(vec![alias_write(name, None)]).await?;
        self.write().aliases.remove(name);
        Ok(())
    }
}
