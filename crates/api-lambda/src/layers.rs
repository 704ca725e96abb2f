//! Lambda layers (`/2018-10-31/layers…`): PublishLayerVersion, GetLayerVersion(ByArn),
//! ListLayers, ListLayerVersions, DeleteLayerVersion, and each version's policy
//! (Add/RemoveLayerVersionPermission, GetLayerVersionPolicy).

use super::code::CodeInput;
use super::lambda::parse_json;
use super::{ApiError, ApiRequest, ApiState};
use crate::body::{empty, json_response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use squall_api::authorize::{ResourcePolicy, authorize_action_under, authorize_under};
use squall_functions::NewLayerVersion;
use squall_runtime::Body;
use squall_types::{ACCOUNT_ID, LayerVersion, format_iso8601_millis, layer_arn, layer_version_arn};

/// Where Lambda's layer operations live.
pub(super) const LAYERS: &str = "/2018-10-31/layers";

type Reply = Result<http::Response<Body>, ApiError>;

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
}

/// Lambda's answer to a parameter its model's constraints refuse.
fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn does_not_exist() -> ApiError {
    not_found("The resource you requested does not exist.")
}

fn no_content() -> http::Response<Body> {
    let mut r = http::Response::new(empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// The layer a path segment names: its name, or its ARN (`arn:aws:lambda:<region>:<account>:layer:<name>`).
/// `None` when the ARN is another region's or account's, whose layers are not here.
pub(super) fn layer_name(state: &ApiState, raw: &str) -> Result<Option<String>, ApiError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned();
    let parts: Vec<&str> = decoded.split(':').collect();
    let name = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "layer", name] => {
            if *region != state.region || *account != ACCOUNT_ID {
                return Ok(None);
            }
            (*name).to_string()
        }
        _ => decoded.clone(),
    };
    if let Some(problem) = squall_types::layer_name_problem(&name) {
        return Err(validation(problem));
    }
    Ok(Some(name))
}

fn version_number(raw: &str) -> Result<u32, ApiError> {
    raw.parse::<u32>().ok().filter(|v| *v > 0).ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value '{raw}' at 'versionNumber' failed to satisfy constraint: Member must be a positive number"
        ))
    })
}

/// Layer operations by method and path (after [`LAYERS`]).
pub(super) async fn serve(state: &ApiState, req: &ApiRequest, rest: &str) -> Reply {
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match (&req.method, segments.as_slice()) {
        (&Method::GET, []) if req.query("find").is_some() => by_arn(state, req).await,
        (&Method::GET, []) => list_layers(state, req).await,
        (&Method::POST, [name, "versions"]) => publish(state, req, name).await,
        (&Method::GET, [name, "versions"]) => list_versions(state, req, name).await,
        (&Method::GET, [name, "versions", n]) => {
            let version = found(state, req, "GetLayerVersion", name, n).await?;
            Ok(json_response(StatusCode::OK, &full(state, req, &version)))
        }
        (&Method::DELETE, [name, "versions", n]) => {
            let version = version_number(n)?;
            if let Some(name) = layer_name(state, name)? {
                let stored = state.functions.layer_version(&name, version).await.ok();
                let arn = layer_version_arn(&state.region, &name, version);
                authorize(state, req, "DeleteLayerVersion", arn, stored.as_ref())?;
                state.functions.delete_layer_version(&name, version).await?;
            }
            Ok(no_content())
        }
        (&Method::POST, [name, "versions", n, "policy"]) => add_permission(state, req, name, n).await,
        (&Method::GET, [name, "versions", n, "policy"]) => {
            let version = found(state, req, "GetLayerVersionPolicy", name, n).await?;
            let policy = version
                .policy_document()
                .ok_or_else(|| not_found("No policy is associated with the given resource."))?;
            Ok(json_response(StatusCode::OK, &json!({ "Policy": policy, "RevisionId": version.revision.to_string() })))
        }
        (&Method::DELETE, [name, "versions", n, "policy", sid]) => remove_permission(state, req, name, n, sid).await,
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            format!("Lambda operation {} {} is not supported", req.method, req.uri.path()),
        )),
    }
}

/// Authorizes the caller for `op` on `resource`, under the layer version's own policy when
/// it has one (AddLayerVersionPermission's statements may grant what identity policies do not).
fn authorize(
    state: &ApiState,
    req: &ApiRequest,
    op: &str,
    resource: String,
    version: Option<&LayerVersion>,
) -> Result<(), ApiError> {
    let document = version.and_then(LayerVersion::policy_document);
    let policy = document.as_deref().map(|document| ResourcePolicy { arn: &resource, document });
    authorize_under(state, req.who(), "lambda", op, policy, || vec![resource.clone()])
}

/// The version a path names once the caller is authorized for `op` on it, or Lambda's
/// not-found.
async fn found(state: &ApiState, req: &ApiRequest, op: &str, name: &str, n: &str) -> Result<LayerVersion, ApiError> {
    let version = version_number(n)?;
    let Some(name) = layer_name(state, name)? else { return Err(does_not_exist()) };
    let stored = match state.functions.layer_version(&name, version).await {
        Err(squall_functions::Error::NotFound { .. }) => None,
        other => Some(other?),
    };
    authorize(state, req, op, layer_version_arn(&state.region, &name, version), stored.as_ref())?;
    stored.ok_or_else(does_not_exist)
}

/// What a list shows of a version (`LayerVersionsListItem`).
fn item(state: &ApiState, v: &LayerVersion) -> Value {
    let mut doc = json!({
        "LayerVersionArn": layer_version_arn(&state.region, &v.name, v.version),
        "Version": v.version,
        "Description": v.description,
        "CreatedDate": format_iso8601_millis(v.created_ms),
        "CompatibleRuntimes": v.compatible_runtimes,
        "CompatibleArchitectures": v.compatible_architectures,
    });
    if let Some(l) = &v.license_info {
        doc["LicenseInfo"] = json!(l);
    }
    doc
}

/// GetLayerVersion's and PublishLayerVersion's answer: the item, the layer's ARN and the
/// content (`Location` is a URL presigned for ten minutes that gives the zip).
fn full(state: &ApiState, req: &ApiRequest, v: &LayerVersion) -> Value {
    let mut doc = item(state, v);
    let sha = hex::decode(&v.code_sha256).map(|b| B64.encode(b)).unwrap_or_default();
    doc["LayerArn"] = json!(layer_arn(&state.region, &v.name));
    doc["Content"] = json!({
        "Location": super::lambda::code_location(
            state,
            req,
            &format!("/squall/v1/layers/{}/versions/{}/content", v.name, v.version),
            "",
        ),
        "CodeSha256": sha,
        "CodeSize": v.code_size,
    });
    doc
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct PublishInput {
    description: Option<String>,
    content: CodeInput,
    compatible_runtimes: Option<Vec<String>>,
    license_info: Option<String>,
    compatible_architectures: Option<Vec<String>>,
}

/// PublishLayerVersion: the zip (in the request, or an S3 object the caller may read) as the
/// layer's next version.
async fn publish(state: &ApiState, req: &ApiRequest, raw: &str) -> Reply {
    let name = layer_name(state, raw)?.ok_or_else(|| {
        ApiError::invalid("A layer is published to this server's own region and account: give its name or its ARN here")
    })?;
    authorize(state, req, "PublishLayerVersion", layer_arn(&state.region, &name), None)?;
    let input: PublishInput = parse_json(&req.body)?;
    if let (Some(bucket), Some(key)) = (&input.content.s3_bucket, &input.content.s3_key) {
        let versioned = input.content.s3_object_version.is_some();
        super::access::may_read_code(state, req, (bucket.clone(), key.clone(), versioned))?;
    }
    let zip = input.content.bytes(state, req.who()).await?;
    if zip::ZipArchive::new(std::io::Cursor::new(&zip)).is_err() {
        return Err(ApiError::invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ));
    }
    let new = NewLayerVersion {
        description: input.description.unwrap_or_default(),
        compatible_runtimes: input.compatible_runtimes.unwrap_or_default(),
        compatible_architectures: input.compatible_architectures.unwrap_or_default(),
        license_info: input.license_info,
    };
    let version = state.functions.publish_layer_version(&name, new, zip).await?;
    Ok(json_response(StatusCode::CREATED, &full(state, req, &version)))
}

/// GetLayerVersionByArn (`GET /2018-10-31/layers?find=LayerVersion&Arn=…`).
async fn by_arn(state: &ApiState, req: &ApiRequest) -> Reply {
    if req.query("find").as_deref() != Some("LayerVersion") {
        return Err(validation("find must be LayerVersion"));
    }
    let arn = req.query("Arn").ok_or_else(|| validation("Arn is required"))?;
    let parsed = squall_types::LayerVersionArn::parse(&arn).ok_or_else(|| {
        // Authorized before its input is judged, as every operation is.
        if let Err(denied) = authorize(state, req, "GetLayerVersionByArn", arn.clone(), None) {
            return denied;
        }
        validation(format!(
            "1 validation error detected: Value '{arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+)"
        ))
    })?;
    if parsed.region != state.region || parsed.account != ACCOUNT_ID {
        return Err(does_not_exist());
    }
    let version = found(state, req, "GetLayerVersionByArn", &parsed.name, &parsed.version.to_string()).await?;
    Ok(json_response(StatusCode::OK, &full(state, req, &version)))
}

/// The layers a function is to use, each of which the caller must be allowed to use
/// (`lambda:GetLayerVersion`, by its identity or the version's policy), as on Lambda.
pub(super) async fn function_layers(
    state: &ApiState,
    req: &ApiRequest,
    arns: &[String],
) -> Result<Vec<squall_types::FunctionLayer>, ApiError> {
    let layers = state.functions.function_layers(arns).await?;
    for layer in &layers {
        let stored = match squall_types::LayerVersionArn::parse(&layer.arn) {
            Some(a) => state.functions.layer_version(&a.name, a.version).await.ok(),
            None => None,
        };
        let document = stored.as_ref().and_then(LayerVersion::policy_document);
        let policy = document.as_deref().map(|document| ResourcePolicy { arn: &layer.arn, document });
        authorize_action_under(state, req.who(), "lambda", "lambda:GetLayerVersion", layer.arn.clone(), policy)?;
    }
    Ok(layers)
}

/// Whether `v` suits the list's `CompatibleRuntime` and `CompatibleArchitecture` filters.
fn matches(req: &ApiRequest, v: &LayerVersion) -> bool {
    req.query("CompatibleRuntime").is_none_or(|r| v.compatible_runtimes.contains(&r))
        && req.query("CompatibleArchitecture").is_none_or(|a| v.compatible_architectures.contains(&a))
}

/// `MaxItems` (1 to 50) and where `Marker` says the page starts.
fn paging(req: &ApiRequest) -> Result<(usize, Option<String>), ApiError> {
    let max = match req.query("MaxItems") {
        Some(m) => m.parse::<usize>().ok().filter(|m| (1..=50).contains(m)).ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value '{m}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50"
            ))
        })?,
        None => 50,
    };
    Ok((max, req.query("Marker")))
}

fn check_filters(req: &ApiRequest) -> Result<(), ApiError> {
    if let Some(a) = req.query("CompatibleArchitecture").filter(|a| a != "x86_64" && a != "arm64") {
        return Err(validation(format!(
            "1 validation error detected: Value '{a}' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]"
        )));
    }
    Ok(())
}

/// ListLayers: each layer with its newest version that suits the filters.
async fn list_layers(state: &ApiState, req: &ApiRequest) -> Reply {
    authorize(state, req, "ListLayers", "*".into(), None)?;
    check_filters(req)?;
    let (max, marker) = paging(req)?;
    let mut rows: Vec<Value> = Vec::new();
    for (name, versions) in state.functions.all_layers().await? {
        if marker.as_ref().is_some_and(|m| name.as_str() <= m.as_str()) {
            continue;
        }
        if let Some(latest) = versions.iter().find(|v| matches(req, v)) {
            rows.push(json!({
                "LayerName": name,
                "LayerArn": layer_arn(&state.region, &name),
                "LatestMatchingVersion": item(state, latest),
            }));
        }
    }
    let more = rows.len() > max;
    rows.truncate(max);
    let mut body = json!({ "Layers": rows });
    if more {
        body["NextMarker"] = rows_last(&body["Layers"], "LayerName");
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn rows_last(rows: &Value, key: &str) -> Value {
    rows.as_array().and_then(|r| r.last()).map_or(Value::Null, |r| r[key].clone())
}

/// ListLayerVersions: a layer's versions that suit the filters, newest first.
async fn list_versions(state: &ApiState, req: &ApiRequest, raw: &str) -> Reply {
    authorize(state, req, "ListLayerVersions", "*".into(), None)?;
    check_filters(req)?;
    let (max, marker) = paging(req)?;
    let versions = match layer_name(state, raw)? {
        Some(name) => state.functions.layer_versions(&name).await?,
        None => Vec::new(),
    };
    let after: Option<u32> =
        marker.map(|m| m.parse().map_err(|_| validation("Marker is not one this API gave"))).transpose()?;
    let mut rows: Vec<&LayerVersion> =
        versions.iter().filter(|v| after.is_none_or(|a| v.version < a)).filter(|v| matches(req, v)).collect();
    let more = rows.len() > max;
    rows.truncate(max);
    let mut body = json!({ "LayerVersions": rows.iter().map(|v| item(state, v)).collect::<Vec<_>>() });
    if more && let Some(last) = rows.last() {
        body["NextMarker"] = json!(last.version.to_string());
    }
    Ok(json_response(StatusCode::OK, &body))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AddPermissionInput {
    statement_id: String,
    action: String,
    principal: String,
    organization_id: Option<String>,
}

/// AddLayerVersionPermission: one statement of the version's policy, letting an account,
/// an organization or everyone use it (`lambda:GetLayerVersion`).
async fn add_permission(state: &ApiState, req: &ApiRequest, raw: &str, n: &str) -> Reply {
    let version = found(state, req, "AddLayerVersionPermission", raw, n).await?;
    let input: AddPermissionInput = parse_json(&req.body)?;
    let sid = input.statement_id.clone();
    if sid.is_empty() || sid.len() > 100 || !sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(validation(format!(
            "1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"
        )));
    }
    if input.action != "lambda:GetLayerVersion" {
        return Err(validation(format!(
            "1 validation error detected: Value '{}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
            input.action
        )));
    }
    let p = input.principal.as_str();
    let account = p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit());
    let root = p
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.strip_suffix(":root"))
        .is_some_and(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()));
    let principal = match () {
        _ if p == "*" => json!("*"),
        _ if account => json!({ "AWS": format!("arn:aws:iam::{p}:root") }),
        _ if root => json!({ "AWS": p }),
        _ => {
            return Err(validation(format!(
                "1 validation error detected: Value '{p}' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{{12}}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{{12}}:root"
            )));
        }
    };
    if let Some(org) = &input.organization_id {
        let ok = org.strip_prefix("o-").is_some_and(|r| {
            (10..=32).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !ok {
            return Err(validation(format!(
                "1 validation error detected: Value '{org}' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: o-[a-z0-9]{{10,32}}"
            )));
        }
    }
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:GetLayerVersion",
        "Resource": layer_version_arn(&state.region, &version.name, version.version),
    });
    if let Some(org) = &input.organization_id {
        statement["Condition"] = json!({ "StringEquals": { "aws:PrincipalOrgID": org } });
    }
    let if_revision = revision(req)?;
    let text = statement.to_string();
    let written = state
        .functions
        .change_layer_policy(
            &version.name,
            version.version,
            if_revision,
            Box::new(move |permissions| {
                if permissions.contains_key(&sid) {
                    return Err(squall_functions::Error::Conflict(format!(
                        "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
                    )));
                }
                permissions.insert(sid.clone(), text.clone());
                Ok(())
            }),
        )
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "Statement": statement.to_string(), "RevisionId": written.revision.to_string() }),
    ))
}

/// The `RevisionId` a policy change is conditional on, if given.
fn revision(req: &ApiRequest) -> Result<Option<u64>, ApiError> {
    req.query("RevisionId")
        .map(|r| {
            r.parse().map_err(|_| {
                ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id",
                )
            })
        })
        .transpose()
}

/// RemoveLayerVersionPermission.
async fn remove_permission(state: &ApiState, req: &ApiRequest, raw: &str, n: &str, sid: &str) -> Reply {
    let version = found(state, req, "RemoveLayerVersionPermission", raw, n).await?;
    let if_revision = revision(req)?;
    let sid = sid.to_string();
    state
        .functions
        .change_layer_policy(
            &version.name,
            version.version,
            if_revision,
            Box::new(move |permissions| match permissions.remove(&sid) {
                Some(_) => Ok(()),
                None => Err(squall_functions::Error::NotFound { kind: "LayerStatement", name: sid.clone() }),
            }),
        )
        .await
        .map_err(|e| match e {
            squall_functions::Error::NotFound { kind: "LayerStatement", name } => {
                not_found(format!("Statement {name} is not found in resource policy."))
            }
            other => other.into(),
        })?;
    Ok(no_content())
}
