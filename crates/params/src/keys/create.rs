//! CreateKey (symmetric encryption keys only), and the AWS-managed keys a service gets on
//! first use (`alias/aws/<service>`).

use super::refs::{alias_arn, key_arn};
use super::tags::check_tags;
use super::{AliasInfo, Key, KeyInfo, KeyManager, KeyState, Keys, alias_write, key_write};
use crate::{Error, Result, validation};

/// The AWS-managed keys Squall makes, by service, with the description AWS gives each.
pub const MANAGED: &[(&str, &str)] = &[("s3", "Default key that protects my S3 objects when no other key is defined")];

/// Longest description.
pub const MAX_DESCRIPTION: usize = 8192;

/// What CreateKey asks for. The kinds of key are checked here (only what Squall makes is
/// accepted); members naming features Squall lacks are the adapter's to refuse.
#[derive(Debug, Clone, Default)]
pub struct CreateKey {
    /// `Description`.
    pub description: Option<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// `KeyUsage`: only `ENCRYPT_DECRYPT`.
    pub key_usage: Option<String>,
    /// `KeySpec` (or the older `CustomerMasterKeySpec`): only `SYMMETRIC_DEFAULT`.
    pub key_spec: Option<String>,
    /// `Origin`: only `AWS_KMS` (Squall makes the material).
    pub origin: Option<String>,
}

/// `value` of `member` checked: `ours`, or one of `others` (valid on AWS, refused here by
/// name), or invalid.
fn one_of(member: &str, value: Option<&str>, ours: &str, others: &[&str], what: &str) -> Result<()> {
    match value {
        None => Ok(()),
        Some(v) if v == ours => Ok(()),
        Some(v) if others.contains(&v) => Err(Error::Unsupported(format!(
            "{member} {v} is not supported by Squall: it makes only {what} ({member} {ours})."
        ))),
        Some(v) => {
            let mut all = vec![ours];
            all.extend(others);
            Err(validation(format!(
                "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                lower_first(member),
                all.join(", ")
            )))
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

/// Checks a description's length.
pub(crate) fn check_description(d: &str) -> Result<()> {
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(validation(format!(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to {MAX_DESCRIPTION}"
        )));
    }
    Ok(())
}

impl Keys {
    /// CreateKey: a new enabled symmetric key with fresh material.
    pub async fn create(&self, c: CreateKey) -> Result<KeyInfo> {
        const SYMMETRIC: &str = "symmetric encryption keys";
        let specs = [
            "RSA_2048",
            "RSA_3072",
            "RSA_4096",
            "ECC_NIST_P256",
            "ECC_NIST_P384",
            "ECC_NIST_P521",
            "ECC_SECG_P256K1",
            "HMAC_224",
            "HMAC_256",
            "HMAC_384",
            "HMAC_512",
            "SM2",
            "ML_DSA_44",
            "ML_DSA_65",
            "ML_DSA_87",
            "ECC_NIST_EDWARDS25519",
        ];
        one_of("KeySpec", c.key_spec.as_deref(), "SYMMETRIC_DEFAULT", &specs, SYMMETRIC)?;
        let usages = ["SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];
        one_of("KeyUsage", c.key_usage.as_deref(), "ENCRYPT_DECRYPT", &usages, SYMMETRIC)?;
        let origins = ["EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];
        one_of("Origin", c.origin.as_deref(), "AWS_KMS", &origins, "keys whose material it generates itself")?;
        let description = c.description.unwrap_or_default();
        check_description(&description)?;
        check_tags(&c.tags)?;
        let tags = super::tags::merged(Vec::new(), c.tags)?;
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let key = self.new_key(description, KeyManager::Customer, None, tags);
        self.ledger.commit(vec![key_write(&key)]).await?;
        let info = key.info.clone();
        self.write().keys.insert(info.id.clone(), key);
        Ok(info)
    }

    /// A new enabled key, not yet stored.
    fn new_key(
        &self,
        description: String,
        manager: KeyManager,
        service: Option<String>,
        tags: Vec<(String, String)>,
    ) -> Key {
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        let (sealed, cipher) = self.new_material(&id);
        let info = KeyInfo {
            arn: key_arn(&self.region, &id),
            id,
            description,
            created_ms: self.clock.now_ms(),
            state: KeyState::Enabled,
            deletion_ms: None,
            manager,
            service,
            tags,
        };
        Key { info, sealed, cipher }
    }

    /// The ARN of the AWS-managed key of `service` (one of [`MANAGED`]: `s3`), made with its
    /// alias `alias/aws/<service>` the first time it is asked for, as AWS makes it the
    /// first time a service needs it.
    pub async fn managed(&self, service: &str) -> Result<String> {
        let Some((_, description)) = MANAGED.iter().find(|(s, _)| *s == service) else {
            return Err(validation(format!("Squall has no AWS managed key for the service {service:?}.")));
        };
        let alias = format!("{}{service}", super::refs::RESERVED_PREFIX);
        // Another server may make it at the same moment: its commit wins, and this one
        // takes the key it made.
        for _ in 0..3 {
            if let Some(arn) = self.alias_target(&alias) {
                return Ok(arn);
            }
            let _admin = self.admin.lock().await;
            self.sync().await?;
            if let Some(arn) = self.alias_target(&alias) {
                return Ok(arn);
            }
            let key = self.new_key(description.to_string(), KeyManager::Aws, Some(service.to_string()), Vec::new());
            let now = key.info.created_ms;
            let entry = AliasInfo {
                name: alias.clone(),
                arn: alias_arn(&self.region, &alias),
                key_id: key.info.id.clone(),
                created_ms: now,
                updated_ms: now,
            };
            match self.ledger.commit(vec![key_write(&key), alias_write(&alias, Some(&entry))]).await {
                Ok(()) => {
                    let arn = key.info.arn.clone();
                    let mut state = self.write();
                    state.keys.insert(key.info.id.clone(), key);
                    state.aliases.insert(alias, entry);
                    return Ok(arn);
                }
                Err(squall_storage::Error::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Busy("Another server was changing keys at the same moment; try again.".into()))
    }

    /// The ARN of the key alias `name` points to, if the alias and the key exist.
    fn alias_target(&self, name: &str) -> Option<String> {
        let state = self.read();
        let key = state.keys.get(&state.aliases.get(name)?.key_id)?;
        (!self.gone(&key.info)).then(|| key.info.arn.clone())
    }
}
