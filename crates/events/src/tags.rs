//! TagResource, UntagResource, ListTagsForResource on buses and rules, by ARN.

use crate::model::Tag;
use crate::names::DEFAULT_BUS;
use crate::{Error, EventBuses, Result};

/// Most tags on one resource.
pub const MAX_TAGS: usize = 50;

/// Tag keys 1–128 characters, values up to 256, none under `aws:`.
pub(crate) fn check(tags: &[Tag]) -> Result<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Err(Error::Validation(format!(
                "Tag {k}={v} is not valid: keys are 1 to 128 characters, values at most 256."
            )));
        }
        if k.starts_with("aws:") {
            return Err(Error::Validation(format!("Tag keys may not start with aws: ({k}).")));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::LimitExceeded(format!("A resource can have at most {MAX_TAGS} tags.")));
    }
    Ok(())
}

/// What a resource ARN names: a bus, or a rule of a bus.
enum Named {
    Bus(String),
    Rule(String, String),
}

/// What `arn` names, when it is the canonical ARN of a bus or rule of this region (so the
/// ARN authorized is the one acted on).
fn named(region: &str, arn: &str) -> Result<Named> {
    let not_found = || Error::NotFound(format!("Resource {arn} does not exist."));
    let found = named_loosely(arn)?;
    let canonical = match &found {
        Named::Bus(bus) => crate::names::bus_arn(region, bus),
        Named::Rule(bus, rule) => crate::names::rule_arn(region, bus, rule),
    };
    if canonical == arn { Ok(found) } else { Err(not_found()) }
}

fn named_loosely(arn: &str) -> Result<Named> {
    let not_found = || Error::NotFound(format!("Resource {arn} does not exist."));
    let rest = arn.strip_prefix("arn:aws:events:").ok_or_else(not_found)?;
    let (_, resource) = rest.split_once(':').and_then(|(_, r)| r.split_once(':')).ok_or_else(not_found)?;
    if let Some(bus) = resource.strip_prefix("event-bus/") {
        return Ok(Named::Bus(bus.to_string()));
    }
    let rule = resource.strip_prefix("rule/").ok_or_else(not_found)?;
    Ok(match rule.split_once('/') {
        Some((bus, name)) => Named::Rule(bus.to_string(), name.to_string()),
        None => Named::Rule(DEFAULT_BUS.to_string(), rule.to_string()),
    })
}

fn merged(mut tags: Vec<Tag>, new: Vec<Tag>) -> Vec<Tag> {
    for (k, v) in new {
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(t) => t.1 = v,
            None => tags.push((k, v)),
        }
    }
    tags
}

impl EventBuses {
    /// ListTagsForResource.
    pub fn tags_of(&self, arn: &str) -> Result<Vec<Tag>> {
        let state = self.snapshot();
        let not_found = || Error::NotFound(format!("Resource {arn} does not exist."));
        match named(&self.region, arn)? {
            Named::Bus(bus) => state.buses.get(&bus).map(|b| b.tags.clone()).ok_or_else(not_found),
            Named::Rule(bus, rule) => state.rule(&bus, &rule).map(|r| r.tags.clone()).ok_or_else(not_found),
        }
    }

    /// TagResource (`add`) and UntagResource (`remove`).
    pub async fn retag(&self, arn: &str, add: Vec<Tag>, remove: &[String]) -> Result<()> {
        let target = named(&self.region, arn)?;
        self.change(|d| {
            let not_found = || Error::NotFound(format!("Resource {arn} does not exist."));
            let edit = |tags: Vec<Tag>| -> Result<Vec<Tag>> {
                let mut tags = merged(tags, add);
                tags.retain(|(k, _)| !remove.contains(k));
                check(&tags)?;
                Ok(tags)
            };
            match target {
                Named::Bus(bus) => {
                    let mut b = d.buses.get(&bus).cloned().ok_or_else(not_found)?;
                    b.tags = edit(b.tags)?;
                    // The default bus is stored once it has tags; loading prefers the stored one.
                    d.put_bus(b);
                }
                Named::Rule(bus, name) => {
                    let previous = d.rules.get(&(bus, name)).cloned().ok_or_else(not_found)?;
                    let mut r = previous.clone();
                    r.tags = edit(r.tags)?;
                    d.put_rule(r, Some(&previous));
                }
            }
            Ok(())
        })
        .await
    }
}
