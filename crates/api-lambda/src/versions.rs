//! Lambda's versions and aliases: PublishVersion, ListVersionsByFunction, DeleteFunction of
//! a version, CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

use super::lambda::{configuration, expected_revision, function_name, parse_json};
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use squall_functions::{AliasPatch, Qualifier};
use squall_runtime::Body;
use squall_types::{Alias, LATEST};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct PublishInput {
    code_sha256: Option<String>,
    description: Option<String>,
    revision_id: Option<String>,
}

/// PublishVersion.
pub(super) async fn publish(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let name = function_name(req, raw)?;
    let input: PublishInput = parse_json(&req.body)?;
    let current = state.functions.get_function(&name)?;
    let if_revision = expected_revision(&current, input.revision_id.as_deref())?;
    let v =
        state.functions.publish_version(&name, input.description, input.code_sha256.as_deref(), if_revision).await?;
    Ok(json_response(StatusCode::CREATED, &configuration(state, &v)))
}

/// `MaxItems` (1 to 10,000; 50 by default).
fn max_items(req: &ApiRequest) -> Result<usize, ApiError> {
    match req.query("MaxItems") {
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=10_000).contains(m))
            .ok_or_else(|| ApiError::invalid("MaxItems must be 1 to 10000")),
        None => Ok(50),
    }
}

/// One page of `items` (in `order`) after the `Marker` key, and the next marker. A marker
/// whose item is gone meanwhile still pages on from where it stood.
fn page<T, K: Ord>(
    items: Vec<(String, T)>,
    req: &ApiRequest,
    order: impl Fn(&str) -> K,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = max_items(req)?;
    let start = match req.query("Marker") {
        Some(m) => items.iter().position(|(k, _)| order(k) > order(&m)).unwrap_or(items.len()),
        None => 0,
    };
    let rest: Vec<(String, T)> = items.into_iter().skip(start).collect();
    let more = rest.len() > max;
    let mut out = Vec::new();
    let mut last = None;
    for (k, v) in rest.into_iter().take(max) {
        last = Some(k);
        out.push(v);
    }
    Ok((out, if more { last } else { None }))
}

/// ListVersionsByFunction: `$LATEST` (its ARN qualified), then every published version.
pub(super) fn list(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let name = function_name(req, raw)?;
    let items: Vec<(String, Value)> = state
        .functions
        .list_versions(&name)?
        .iter()
        .map(|f| {
            let mut c = configuration(state, f);
            if f.version.is_none() {
                c["FunctionArn"] = json!(squall_types::function_arn(&state.region, &format!("{name}:{LATEST}")));
            }
            (f.version_label(), c)
        })
        .collect();
    // `$LATEST` first, then by number.
    let order = |k: &str| if k == LATEST { 0 } else { k.parse::<u64>().map_or(u64::MAX, |n| n + 1) };
    let (versions, next) = page(items, req, order)?;
    let mut body = json!({ "Versions": versions });
    if let Some(m) = next {
        body["NextMarker"] = json!(m);
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// DeleteFunction with a qualifier: a version (an alias or `$LATEST` cannot be deleted so).
pub(super) async fn delete_version(state: &ApiState, name: &str, qualifier: &str) -> Result<(), ApiError> {
    match Qualifier::parse(qualifier) {
        Qualifier::Version(n) => Ok(state.functions.delete_version(name, n).await?),
        Qualifier::Latest | Qualifier::Alias(_) => Err(ApiError::invalid(format!(
            "Deletion of aliases is not supported: {qualifier} is not a version (DeleteAlias deletes an alias)"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AliasInput {
    name: Option<String>,
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingInput>,
    revision_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RoutingInput {
    additional_version_weights: Option<BTreeMap<String, f64>>,
}

/// `RoutingConfig` as the service takes it: at most one other version.
fn routing(input: Option<RoutingInput>) -> Result<Option<Option<(String, f64)>>, ApiError> {
    let Some(r) = input else { return Ok(None) };
    let weights = r.additional_version_weights.unwrap_or_default();
    if weights.len() > 1 {
        return Err(ApiError::invalid("Number of items in AdditionalVersionWeights cannot be greater than 1"));
    }
    Ok(Some(weights.into_iter().next()))
}

/// An alias's `RevisionId`: UUID-shaped, changing with every update.
fn alias_revision_id(function: &str, alias: &str, a: &Alias) -> String {
    let h = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        format!("{function}:{alias}:{}", a.revision),
    ));
    let x = hex::encode(&h[..16]);
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

/// Lambda's `AliasConfiguration`.
fn alias_json(state: &ApiState, function: &str, alias: &str, a: &Alias) -> Value {
    let mut doc = json!({
        "AliasArn": squall_types::function_arn(&state.region, &format!("{function}:{alias}")),
        "Name": alias,
        "FunctionVersion": a.version,
        "Description": a.description,
        "RevisionId": alias_revision_id(function, alias, a),
    });
    if let Some((v, w)) = &a.additional {
        let mut weights = Map::new();
        weights.insert(v.clone(), json!(w));
        doc["RoutingConfig"] = json!({ "AdditionalVersionWeights": weights });
    }
    doc
}

/// The alias revision a `RevisionId` names, or PreconditionFailed.
fn expected_alias_revision(
    function: &str,
    alias: &str,
    a: &Alias,
    given: Option<&str>,
) -> Result<Option<u64>, ApiError> {
    match given {
        Some(r) if r != alias_revision_id(function, alias, a) => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        Some(_) => Ok(Some(a.revision)),
        None => Ok(None),
    }
}

/// CreateAlias.
pub(super) async fn create_alias(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
) -> Result<http::Response<Body>, ApiError> {
    let function = function_name(req, raw)?;
    let input: AliasInput = parse_json(&req.body)?;
    if input.revision_id.is_some() {
        return Err(ApiError::bad_content("CreateAlias takes no RevisionId"));
    }
    let alias = input.name.ok_or_else(|| ApiError::invalid("Name is required"))?;
    if let Some(problem) = squall_types::alias_name_problem(&alias) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", problem));
    }
    let patch = AliasPatch {
        version: input.function_version,
        description: input.description,
        additional: routing(input.routing_config)?,
        if_revision: None,
    };
    let a = state.functions.create_alias(&function, &alias, patch).await?;
    Ok(json_response(StatusCode::CREATED, &alias_json(state, &function, &alias, &a)))
}

/// GetAlias.
pub(super) fn get_alias(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> Result<http::Response<Body>, ApiError> {
    let function = function_name(req, raw)?;
    let a = state.functions.get_alias(&function, alias)?;
    Ok(json_response(StatusCode::OK, &alias_json(state, &function, alias, &a)))
}

/// UpdateAlias.
pub(super) async fn update_alias(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> Result<http::Response<Body>, ApiError> {
    let function = function_name(req, raw)?;
    let input: AliasInput = parse_json(&req.body)?;
    if input.name.is_some() {
        return Err(ApiError::bad_content("UpdateAlias takes the alias's name in its path, not Name"));
    }
    let current = state.functions.get_alias(&function, alias)?;
    let if_revision = expected_alias_revision(&function, alias, &current, input.revision_id.as_deref())?;
    let patch = AliasPatch {
        version: input.function_version,
        description: input.description,
        additional: routing(input.routing_config)?,
        if_revision,
    };
    let a = state.functions.update_alias(&function, alias, patch).await?;
    Ok(json_response(StatusCode::OK, &alias_json(state, &function, alias, &a)))
}

/// DeleteAlias.
pub(super) async fn delete_alias(
    state: &ApiState,
    req: &ApiRequest,
    raw: &str,
    alias: &str,
) -> Result<http::Response<Body>, ApiError> {
    let function = function_name(req, raw)?;
    state.functions.delete_alias(&function, alias).await?;
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    Ok(r)
}

/// ListAliases, of one version when `FunctionVersion` is given.
pub(super) fn list_aliases(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<http::Response<Body>, ApiError> {
    let function = function_name(req, raw)?;
    let f = state.functions.get_function(&function)?;
    let version = req.query("FunctionVersion");
    let items: Vec<(String, Value)> = f
        .versions
        .aliases
        .iter()
        .filter(|(_, a)| version.as_deref().is_none_or(|v| a.version == v))
        .map(|(name, a)| (name.clone(), alias_json(state, &function, name, a)))
        .collect();
    let (aliases, next) = page(items, req, str::to_string)?;
    let mut body = json!({ "Aliases": aliases });
    if let Some(m) = next {
        body["NextMarker"] = json!(m);
    }
    Ok(json_response(StatusCode::OK, &body))
}
