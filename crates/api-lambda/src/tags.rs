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

/// Checks tags as Lambda does ([`squall_types::tags_problem`]).
pub(super) fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    squall_types::tags_problem(tags).map_or(Ok(()), |p| Err(ApiError::invalid(p)))
}

/// A change of a function's tags, applied to them as they are under the write lock.
type TagChange = Box<dyn FnOnce(&mut BTreeMap<String, String>) + Send>;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct TagInput {
    tags: BTreeMap<String, String>,
}

/// TagResource, UntagResource and ListTags.
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Result<http::Response<Body>, ApiError> {
    let name = function_of(rest)?;
    let f = state.functions.get_function(&name)?;
    // The change, applied to the tags as they are under the write lock.
    let change: TagChange = match req.method {
        Method::GET => return Ok(json_response(StatusCode::OK, &json!({ "Tags": f.config.tags }))),
        Method::POST => {
            let input: TagInput = parse_json(&req.body)?;
            Box::new(move |tags| tags.extend(input.tags))
        }
        Method::DELETE => {
            let keys: Vec<String> = form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v.into_owned())
                .collect();
            if keys.is_empty() {
                return Err(ApiError::invalid("TagKeys is required"));
            }
            Box::new(move |tags| tags.retain(|k, _| !keys.contains(k)))
        }
        _ => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"));
        }
    };
    state
        .functions
        .modify_config(&name, |current| {
            let mut tags = current.config.tags.clone();
            change(&mut tags);
            squall_types::tags_problem(&tags).map_or(Ok(()), |p| Err(squall_functions::Error::InvalidRequest(p)))?;
            Ok(ConfigPatch { tags: Some(tags), ..ConfigPatch::default() })
        })
        .await?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}
