//! Condition keys a request carries in its input: the tags it sets (`aws:RequestTag/<key>`,
//! `aws:TagKeys`) or removes (`aws:TagKeys`), read the same way for every service.

use crate::query::Params;
use serde_json::{Map, Value};
use squall_iam::Context;

/// Sets `aws:RequestTag/<key>` for each tag a request sets and `aws:TagKeys` to their keys.
pub fn request_tags<'t>(keys: &mut Context, tags: impl IntoIterator<Item = (&'t str, &'t str)>) {
    let mut names = Vec::new();
    for (k, v) in tags {
        keys.set(&format!("aws:RequestTag/{k}"), v);
        names.push(k.to_string());
    }
    keys.set_all("aws:TagKeys", names);
}

/// The tag keys of a JSON input: `Tags` (or SQS's `tags`) as a list of `{Key, Value}` (KMS's
/// `{TagKey, TagValue}`) or as a map, and `TagKeys` of an untagging.
pub fn of_json(input: &Map<String, Value>) -> Context {
    let mut keys = Context::default();
    match input.get("Tags").or_else(|| input.get("tags")) {
        Some(Value::Array(list)) => {
            let pairs = list.iter().filter_map(Value::as_object).filter_map(|t| {
                let key = t.get("Key").or_else(|| t.get("TagKey"))?.as_str()?;
                Some((key, t.get("Value").or_else(|| t.get("TagValue")).and_then(Value::as_str).unwrap_or_default()))
            });
            request_tags(&mut keys, pairs);
        }
        Some(Value::Object(map)) => {
            request_tags(&mut keys, map.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())))
        }
        _ => {}
    }
    if let Some(Value::Array(names)) = input.get("TagKeys") {
        keys.set_all("aws:TagKeys", names.iter().filter_map(Value::as_str).map(str::to_string).collect());
    }
    keys
}

/// The tag keys of a query-protocol input (`Tags.member.N.Key`, `TagKeys.member.N`).
pub fn of_query(params: &Params) -> Context {
    let mut keys = Context::default();
    let tags = params.tags("Tags");
    if !tags.is_empty() {
        request_tags(&mut keys, tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    let names = params.strings("TagKeys");
    if !names.is_empty() {
        keys.set_all("aws:TagKeys", names);
    }
    keys
}
