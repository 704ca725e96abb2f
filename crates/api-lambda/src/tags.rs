//! Lambda's tags (`/2017-03-31/tags/{ARN}`): TagResource, UntagResource, ListTags. Tags are
//! the function's: a version's or an alias's ARN is refused, as on Lambda.

use super::lambda::parse_json;
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::json;
use squall_functions::ConfigPatch;
use squall_runtime::Body;
use std::collections::BTreeMap;

/// Where Lambda's tag operations live.
pub(super) const TAGS: &str = "/2017-03-31/tags";

/// Lambda's limit of tags on a function.
const MAX_TAGS: usize = 50;

/// The function a tagged resource's ARN names (percent-encoded, as the path carries it).
fn function_of(raw: &str) -> Result<String, ApiError> {
    let arn = percent_encoding::percent_decode_str(raw.trim_start_matches('/')).decode_utf8_lossy().into_owned();
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => Ok((*name).to_string()),
        ["arn", _, "lambda", _, _, "function", _, _] => Err(ApiError::invalid(
            "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        )),
        _ => Err(ApiError::invalid(format!("{arn} is not a Lambda function's ARN"))),
    }
}

/// Checks tags as Lambda does: keys of 1 to 128 characters not starting with `aws:`, values
/// of at most 256.
pub(super) fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Err(ApiError::invalid(format!("Tag {k:?}: keys are 1 to 128 characters and values at most 256")));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::invalid(format!("Tag key {k:?}: the aws: prefix is reserved for AWS's use")));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid(format!(
            "A function has at most {MAX_TAGS} tags; these would be {}",
            tags.len()
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TagInput {
    tags: BTreeMap<String, String>,
}

/// TagResource, UntagResource and ListTags.
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let name = function_of(rest)?;
    let f = state.functions.get_function(&name)?;
    let mut tags = f.config.tags.clone();
    match req.method {
        Method::GET => return Ok(json_response(StatusCode::OK, &json!({ "Tags": tags }))),
        Method::POST => {
            let input: TagInput = parse_json(&req.body)?;
            tags.extend(input.tags);
        }
        Method::DELETE => {
            let keys: Vec<String> = form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.into_owned())
                .collect();
            if keys.is_empty() {
                return Err(ApiError::invalid("TagKeys is required"));
            }
            tags.retain(|k, _| !keys.contains(k));
        }
        _ => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"));
        }
    }
    check_tags(&tags)?;
    let patch = ConfigPatch { tags: Some(tags), ..ConfigPatch::default() };
    state.functions.update_config(&name, patch).await?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}
