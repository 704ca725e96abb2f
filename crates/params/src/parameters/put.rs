//! PutParameter: a new parameter, or a new version of one (`Overwrite`).

use super::names::check_name;
use super::tags::check_tags;
use super::{Head, Kind, MAX_VERSIONS, Parameter, Parameters, Tier, Version, aad, head_write, version_write};
use crate::{Error, Result, validation};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::collections::BTreeMap;

/// The one KMS key Squall has: AWS's default key for Parameter Store, which here stands for
/// the installation's key.
pub const DEFAULT_KEY_ID: &str = "alias/aws/ssm";
/// Largest value of a Standard parameter, in bytes.
pub const STANDARD_MAX: usize = 4096;
/// Largest value of an Advanced parameter, in bytes.
pub const ADVANCED_MAX: usize = 8192;
/// Most Standard parameters in the account (region).
pub const MAX_STANDARD_PARAMETERS: usize = 10_000;
/// Most Advanced parameters in the account (region).
pub const MAX_ADVANCED_PARAMETERS: usize = 100_000;
const MAX_DESCRIPTION: usize = 1024;
const MAX_PATTERN: usize = 1024;

/// What a PutParameter asks for (the wire's strings, checked here).
#[derive(Debug, Clone, Default)]
pub struct Put {
    /// `Name`.
    pub name: String,
    /// `Value`.
    pub value: String,
    /// `Type`: `String`, `StringList` or `SecureString`; required for a new parameter.
    pub kind: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `KeyId`: absent or the default key.
    pub key_id: Option<String>,
    /// `Overwrite`.
    pub overwrite: bool,
    /// `AllowedPattern`.
    pub allowed_pattern: Option<String>,
    /// `Tags` (a new parameter only).
    pub tags: Vec<(String, String)>,
    /// `Tier`: `Standard`, `Advanced` or `Intelligent-Tiering`.
    pub tier: Option<String>,
    /// `DataType`: `text`.
    pub data_type: Option<String>,
    /// `Policies`: refused when present.
    pub policies: Option<String>,
}

/// What PutParameter answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutOutcome {
    /// `Version`.
    pub version: u64,
    /// `Tier`.
    pub tier: Tier,
}

fn enum_error(value: &str, field: &str, set: &str) -> Error {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{set}]"
    ))
}

fn too_long(field: &str, max: usize) -> Error {
    validation(format!(
        "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {max}"
    ))
}

/// Whether `key_id` names the default key (as an alias or an alias ARN).
fn is_default_key(key_id: &str) -> bool {
    key_id == DEFAULT_KEY_ID
        || key_id.strip_prefix("arn:aws:kms:").is_some_and(|rest| rest.ends_with(&format!(":{DEFAULT_KEY_ID}")))
}

/// The tier a value gets: as asked, else the existing one (Advanced stays Advanced), else
/// Standard; `Intelligent-Tiering` picks Standard when the value fits.
fn resolve_tier(asked: Option<&str>, existing: Option<Tier>, size: usize) -> Result<Tier> {
    let too_big = || {
        validation(format!(
            "Standard tier parameters support a maximum parameter value of {STANDARD_MAX} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier."
        ))
    };
    let tier = match asked {
        Some("Standard") => {
            if existing == Some(Tier::Advanced) {
                return Err(validation(
                    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
                ));
            }
            Tier::Standard
        }
        Some("Advanced") => Tier::Advanced,
        Some("Intelligent-Tiering") if existing == Some(Tier::Advanced) || size > STANDARD_MAX => Tier::Advanced,
        Some("Intelligent-Tiering") => Tier::Standard,
        Some(other) => return Err(enum_error(other, "tier", "Standard, Advanced, Intelligent-Tiering")),
        None => existing.unwrap_or(Tier::Standard),
    };
    match tier {
        Tier::Standard if size > STANDARD_MAX => Err(too_big()),
        Tier::Advanced if size > ADVANCED_MAX => Err(too_long("value", ADVANCED_MAX)),
        t => Ok(t),
    }
}

/// Checks `value` against `AllowedPattern` (the whole value must match, as Java's
/// `matches` which Parameter Store uses does).
fn check_pattern(pattern: &str, value: &str) -> Result<()> {
    let invalid = |e: regex::Error| Error::InvalidAllowedPattern(format!("Invalid AllowedPattern {pattern}: {e}"));
    regex::Regex::new(pattern).map_err(invalid)?;
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(invalid)?;
    if !re.is_match(value) {
        return Err(Error::PatternMismatch(format!(
            "Parameter value, cannot be validated against allowedPattern: {pattern}"
        )));
    }
    Ok(())
}

impl Parameters {
    /// PutParameter.
    pub async fn put(&self, p: Put) -> Result<PutOutcome> {
        let name = p.name.as_str();
        check_name(&self.region, name)?;
        if p.value.is_empty() {
            return Err(validation(
                "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1.",
            ));
        }
        if p.overwrite && !p.tags.is_empty() {
            return Err(validation(
                "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
            ));
        }
        if p.policies.as_deref().is_some_and(|s| !s.trim().is_empty() && s.trim() != "[]") {
            return Err(validation(
                "Parameter policies (Expiration, ExpirationNotification, NoChangeNotification) are not supported by Squall yet; put the parameter without Policies.",
            ));
        }
        if p.description.as_ref().is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
            return Err(too_long("description", MAX_DESCRIPTION));
        }
        if p.allowed_pattern.as_ref().is_some_and(|a| a.chars().count() > MAX_PATTERN) {
            return Err(too_long("allowedPattern", MAX_PATTERN));
        }
        let new_tags: BTreeMap<String, String> = p.tags.iter().cloned().collect();
        check_tags(&new_tags)?;
        let asked_kind = match p.kind.as_deref() {
            Some(k) => Some(Kind::parse(k).ok_or_else(|| enum_error(k, "type", "SecureString, StringList, String"))?),
            None => None,
        };

        let _admin = self.admin.lock().await;

        self.sync().await?;
        let existing = self.read().get(name).cloned();
        let previous = existing.as_ref().map(|e| e.latest().clone());
        if previous.is_some() && !p.overwrite {
            return Err(Error::AlreadyExists(
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."
                    .into(),
            ));
        }
        let kind = asked_kind
            .or(previous.as_ref().map(|v| v.kind))
            .ok_or_else(|| validation("A parameter type is required when you create a parameter."))?;
        let key_id = match (&p.key_id, kind) {
            (Some(k), Kind::SecureString) if is_default_key(k) => Some(DEFAULT_KEY_ID.to_string()),
            (Some(k), Kind::SecureString) => {
                return Err(validation(format!(
                    "KeyId {k} is not supported: Squall has no KMS, so SecureString parameters are encrypted with the installation's key, which stands for {DEFAULT_KEY_ID}. Omit KeyId or pass {DEFAULT_KEY_ID}."
                )));
            }
            (Some(_), _) => {
                return Err(validation(format!(
                    "KeyId applies to SecureString parameters only, not to {}.",
                    kind.as_str()
                )));
            }
            (None, Kind::SecureString) => Some(DEFAULT_KEY_ID.to_string()),
            (None, _) => None,
        };
        let data_type = match p.data_type.as_deref() {
            None => previous.as_ref().map_or_else(|| "text".to_string(), |v| v.data_type.clone()),
            Some("text") => "text".to_string(),
            Some(d @ ("aws:ec2:image" | "aws:ssm:integration")) => {
                return Err(validation(format!(
                    "DataType {d} is not supported by Squall: it has nothing to check such a value against. Use DataType text."
                )));
            }
            Some(d) => {
                return Err(validation(format!(
                    "The following data type is not supported: {d} (Data type names are all lowercase.)"
                )));
            }
        };
        let description = p.description.clone().or_else(|| previous.as_ref().and_then(|v| v.description.clone()));
        let allowed_pattern =
            p.allowed_pattern.clone().or_else(|| previous.as_ref().and_then(|v| v.allowed_pattern.clone()));
        if let Some(pattern) = &allowed_pattern {
            check_pattern(pattern, &p.value)?;
        }
        let tier = resolve_tier(p.tier.as_deref(), previous.as_ref().map(|v| v.tier), p.value.len())?;
        if previous.is_none() {
            let (standard, advanced) = self.read().values().fold((0, 0), |(s, a), q| match q.latest().tier {
                Tier::Standard => (s + 1, a),
                Tier::Advanced => (s, a + 1),
            });
            let over = match tier {
                Tier::Standard => standard >= MAX_STANDARD_PARAMETERS,
                Tier::Advanced => advanced >= MAX_ADVANCED_PARAMETERS,
            };
            if over {
                return Err(Error::LimitExceeded(
                    "You have exceeded the number of parameters for this AWS account. Delete unnecessary parameters and try again."
                        .into(),
                ));
            }
        }

        let mut param = existing.unwrap_or_else(|| Parameter { tags: new_tags, versions: BTreeMap::new() });
        let number = previous.as_ref().map_or(1, |v| v.version + 1);
        let mut writes = Vec::new();
        if param.versions.len() as u64 >= MAX_VERSIONS {
            let oldest = param.versions.values().next().expect("at least one version");
            if !oldest.labels.is_empty() {
                return Err(Error::MaxVersionLimitExceeded(format!(
                    "You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
                    oldest.version
                )));
            }
            let dropped = oldest.version;
            param.versions.remove(&dropped);
            writes.push(version_write(name, dropped, None));
        }
        let value = match kind {
            Kind::SecureString => B64.encode(self.sealer.seal(p.value.as_bytes(), &aad(name, number))),
            _ => p.value,
        };
        let version = Version {
            version: number,
            kind,
            value,
            description,
            allowed_pattern,
            tier,
            data_type,
            key_id,
            labels: Default::default(),
            modified_ms: self.clock.now_ms(),
        };
        writes.push(version_write(name, number, Some(&version)));
        writes.push(head_write(name, Some(&Head { tags: param.tags.clone() })));
        param.versions.insert(number, version);
        self.ledger.commit(writes).await?;
        self.write().insert(name.to_string(), param);
        Ok(PutOutcome { version: number, tier })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_value_size() {
        assert_eq!(resolve_tier(None, None, 10).unwrap(), Tier::Standard);
        assert!(resolve_tier(None, None, STANDARD_MAX + 1).is_err());
        assert_eq!(resolve_tier(Some("Advanced"), None, ADVANCED_MAX).unwrap(), Tier::Advanced);
        assert!(resolve_tier(Some("Advanced"), None, ADVANCED_MAX + 1).is_err());
        assert_eq!(resolve_tier(Some("Intelligent-Tiering"), None, STANDARD_MAX + 1).unwrap(), Tier::Advanced);
        assert_eq!(resolve_tier(Some("Intelligent-Tiering"), None, 1).unwrap(), Tier::Standard);
        assert_eq!(resolve_tier(None, Some(Tier::Advanced), 1).unwrap(), Tier::Advanced);
        assert!(resolve_tier(Some("Standard"), Some(Tier::Advanced), 1).is_err());
        assert!(resolve_tier(Some("Gold"), None, 1).is_err());
    }

    #[test]
    fn allowed_patterns_match_the_whole_value() {
        assert!(check_pattern(r"\d+", "123").is_ok());
        assert!(matches!(check_pattern(r"\d+", "12a"), Err(Error::PatternMismatch(_))));
        assert!(matches!(check_pattern(r"^[a-z]+$", "abc"), Ok(())));
        assert!(matches!(check_pattern(r"(", "x"), Err(Error::InvalidAllowedPattern(_))));
    }

    #[test]
    fn only_the_default_key_is_accepted() {
        assert!(is_default_key("alias/aws/ssm"));
        assert!(is_default_key("arn:aws:kms:us-east-1:000000000000:alias/aws/ssm"));
        assert!(!is_default_key("alias/mine") && !is_default_key("1234abcd-12ab-34cd-56ef-1234567890ab"));
    }
}
