//! Which Lambda operation a request is (from its method and path) and the function it acts
//! on, so it is authorized before anything runs.

use http::Method;
use squall_api::authorize::{ResourcePolicy, authorize_each_under};
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_types::ACCOUNT_ID;

/// botocore's name of the operation `method` on `path`, and the function name or ARN the
/// path carries (`None` for operations on no one function, or when the path is not one
/// of Lambda's: the dispatcher then answers it).
fn operation<'p>(method: &Method, path: &'p str) -> Option<(&'static str, Option<&'p str>)> {
    let (version, rest) = path.strip_prefix('/')?.split_once('/')?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let op = match (version, method, segments.as_slice()) {
        ("2015-03-31", &Method::POST, ["functions"]) => return Some(("CreateFunction", None)),
        ("2015-03-31", &Method::GET, ["functions"]) => return Some(("ListFunctions", None)),
        ("2016-08-19", &Method::GET, ["account-settings"]) => return Some(("GetAccountSettings", None)),
        ("2024-08-31", &Method::GET, ["functions", _, "recursion-config"]) => "GetFunctionRecursionConfig",
        ("2024-08-31", &Method::PUT, ["functions", _, "recursion-config"]) => "PutFunctionRecursionConfig",
        ("2021-07-20", &Method::GET, ["functions", _, "runtime-management-config"]) => "GetRuntimeManagementConfig",
        ("2021-07-20", &Method::PUT, ["functions", _, "runtime-management-config"]) => "PutRuntimeManagementConfig",
        ("2015-03-31", &Method::GET, ["functions", _]) => "GetFunction",
        ("2015-03-31", &Method::DELETE, ["functions", _]) => "DeleteFunction",
        ("2015-03-31", &Method::GET, ["functions", _, "configuration"]) => "GetFunctionConfiguration",
        ("2015-03-31", &Method::PUT, ["functions", _, "configuration"]) => "UpdateFunctionConfiguration",
        ("2015-03-31", &Method::PUT, ["functions", _, "code"]) => "UpdateFunctionCode",
        ("2015-03-31", &Method::POST, ["functions", _, "invocations"]) => "Invoke",
        ("2021-11-15", &Method::POST, ["functions", _, "response-streaming-invocations"]) => "InvokeWithResponseStream",
        ("2014-11-13", &Method::POST, ["functions", _, "invoke-async"]) => "InvokeAsync",
        ("2015-03-31", &Method::POST, ["functions", _, "policy"]) => "AddPermission",
        ("2015-03-31", &Method::GET, ["functions", _, "policy"]) => "GetPolicy",
        ("2015-03-31", &Method::DELETE, ["functions", _, "policy", _]) => "RemovePermission",
        ("2021-10-31", &Method::POST, ["functions", _, "url"]) => "CreateFunctionUrlConfig",
        ("2021-10-31", &Method::GET, ["functions", _, "url"]) => "GetFunctionUrlConfig",
        ("2021-10-31", &Method::PUT, ["functions", _, "url"]) => "UpdateFunctionUrlConfig",
        ("2021-10-31", &Method::DELETE, ["functions", _, "url"]) => "DeleteFunctionUrlConfig",
        ("2021-10-31", &Method::GET, ["functions", _, "urls"]) => "ListFunctionUrlConfigs",
        ("2017-03-31", &Method::GET, ["tags", _]) => "ListTags",
        ("2017-03-31", &Method::POST, ["tags", _]) => "TagResource",
        ("2017-03-31", &Method::DELETE, ["tags", _]) => "UntagResource",
        ("2015-03-31", &Method::POST, ["functions", _, "versions"]) => "PublishVersion",
        ("2015-03-31", &Method::GET, ["functions", _, "versions"]) => "ListVersionsByFunction",
        ("2015-03-31", &Method::POST, ["functions", _, "aliases"]) => "CreateAlias",
        ("2015-03-31", &Method::GET, ["functions", _, "aliases"]) => "ListAliases",
        ("2015-03-31", &Method::GET, ["functions", _, "aliases", _]) => "GetAlias",
        ("2015-03-31", &Method::PUT, ["functions", _, "aliases", _]) => "UpdateAlias",
        ("2015-03-31", &Method::DELETE, ["functions", _, "aliases", _]) => "DeleteAlias",
        ("2017-10-31", &Method::PUT, ["functions", _, "concurrency"]) => "PutFunctionConcurrency",
        ("2017-10-31", &Method::DELETE, ["functions", _, "concurrency"]) => "DeleteFunctionConcurrency",
        ("2017-10-31" | "2019-09-30", &Method::GET, ["functions", _, "concurrency"]) => "GetFunctionConcurrency",
        ("2019-09-25", &Method::GET, ["functions", _, "event-invoke-config"]) => "GetFunctionEventInvokeConfig",
        ("2019-09-25", &Method::PUT, ["functions", _, "event-invoke-config"]) => "PutFunctionEventInvokeConfig",
        ("2019-09-25", &Method::POST, ["functions", _, "event-invoke-config"]) => "UpdateFunctionEventInvokeConfig",
        ("2019-09-25", &Method::DELETE, ["functions", _, "event-invoke-config"]) => "DeleteFunctionEventInvokeConfig",
        ("2019-09-25", &Method::GET, ["functions", _, "event-invoke-config", "list"]) => {
            "ListFunctionEventInvokeConfigs"
        }
        _ => return None,
    };
    Some((op, segments.get(1).copied()))
}

/// The ARN policies see for a function named by `raw` (a name, or a full or partial ARN,
/// percent-encoded as paths carry it) with its qualifier or the `Qualifier` parameter's:
/// always built from this server's region and account, so an ARN naming another cannot
/// slip past a policy written on the real one (such an ARN names no function here).
fn function_arn(state: &ApiState, req: &ApiRequest, raw: &str) -> Result<String, ApiError> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let parts: Vec<&str> = decoded.split(':').collect();
    let foreign = match parts.as_slice() {
        ["arn", _, "lambda", region, account, "function", ..] => *region != state.region || *account != ACCOUNT_ID,
        [account, "function", ..] => *account != ACCOUNT_ID,
        _ => false,
    };
    if foreign {
        return Err(ApiError::new(
            http::StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {decoded}"),
        ));
    }
    let (name, qualifier) = super::lambda::qualified_name(req, raw)?;
    let qualified = match qualifier {
        Some(q) => format!("{name}:{q}"),
        None => name,
    };
    Ok(squall_types::function_arn(&state.region, &qualified))
}

/// The function's name in a path segment that names it (a name, or a full or partial ARN,
/// perhaps with a qualifier).
fn plain_name(raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let after = decoded.rsplit_once("function:").map_or(&*decoded, |(_, n)| n);
    after.split(':').next().unwrap_or(after).to_string()
}

/// The bucket and key a code document (`S3Bucket`, `S3Key`) names, and whether it names
/// a version (`S3ObjectVersion`).
fn code_object(code: &serde_json::Value) -> Option<(String, String, bool)> {
    let versioned = code.get("S3ObjectVersion").is_some_and(|v| !v.is_null());
    Some((code.get("S3Bucket")?.as_str()?.to_string(), code.get("S3Key")?.as_str()?.to_string(), versioned))
}

/// Code read from S3 is read as the caller: `s3:GetObject` on the object
/// (`s3:GetObjectVersion` for a version), under the bucket's own policy as S3 decides it.
pub(super) fn may_read_code(
    state: &ApiState,
    req: &ApiRequest,
    (bucket, key, versioned): (String, String, bool),
) -> Result<(), ApiError> {
    let document = state.objects.policy(&bucket);
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    let policy = document.as_deref().map(|document| ResourcePolicy { arn: &bucket_arn, document });
    let object = format!("arn:aws:s3:::{bucket}/{key}");
    let action = if versioned { "s3:GetObjectVersion" } else { "s3:GetObject" };
    squall_api::authorize::authorize_action_under(state, req.who(), "s3", action, object, policy).map_err(|_| {
        // Lambda's words for S3's refusal.
        ApiError::invalid(format!(
            "Your access has been denied by S3, please make sure your request credentials have permission to GetObject for {bucket}/{key}. S3 Error Code: AccessDenied. S3 Error Message: Access Denied"
        ))
    })
}

/// The condition keys a request carries itself: the tags it sets (`aws:RequestTag/…`,
/// `aws:TagKeys`), and a function URL's `lambda:FunctionUrlAuthType`.
fn request_keys(state: &ApiState, req: &ApiRequest, op: &str, function: Option<&str>) -> squall_iam::Context {
    let body = serde_json::from_slice::<serde_json::Value>(&req.body).ok();
    let mut keys = match body.as_ref().and_then(|b| b.as_object()) {
        Some(input) if matches!(op, "CreateFunction" | "TagResource") => squall_api::request_keys::of_json(input),
        _ => squall_iam::Context::default(),
    };
    if op == "UntagResource" {
        let names: Vec<String> = form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k == "tagKeys")
            .map(|(_, v)| v.into_owned())
            .collect();
        keys.set_all("aws:TagKeys", names);
    }
    let url_auth = match op {
        "CreateFunctionUrlConfig" | "UpdateFunctionUrlConfig" => {
            body.as_ref().and_then(|b| b.get("AuthType")?.as_str().map(str::to_string))
        }
        "GetFunctionUrlConfig" | "DeleteFunctionUrlConfig" => function.and_then(|f| {
            let (name, q) = super::lambda::qualified_name(req, f).ok()?;
            state.functions.get_url(&name, q.as_deref()).ok().map(|(_, u)| u.auth.as_str().to_string())
        }),
        "AddPermission" => body.as_ref().and_then(|b| b.get("FunctionUrlAuthType")?.as_str().map(str::to_string)),
        _ => None,
    };
    if let Some(auth) = url_auth {
        keys.set("lambda:FunctionUrlAuthType", auth);
    }
    keys
}

/// Authorizes `req` for its caller; a request that is no Lambda operation passes on to the
/// dispatcher, which refuses it.
pub(crate) fn authorize(state: &ApiState, req: &ApiRequest) -> Result<(), ApiError> {
    let Some((op, function)) = operation(&req.method, req.uri.path()) else { return Ok(()) };
    // The function's own policy (AddPermission's statements) may grant what the caller's
    // identity policies do not.
    let arn = function.map(|f| function_arn(state, req, f)).transpose()?;
    let record = function.and_then(|f| state.functions.get_function(&plain_name(f)).ok());
    let document = record.as_deref().and_then(super::permissions::document);
    let policy = match (&arn, &document) {
        (Some(arn), Some(document)) => Some(ResourcePolicy { arn, document }),
        _ => None,
    };
    // Giving a function a role passes it on (iam:PassRole), as on AWS: else whoever may
    // create functions could run code with any role's permissions.
    let mut keys = request_keys(state, req, op, function);
    keys.set("iam:PassedToService", "lambda.amazonaws.com");
    let caller = req.who().with_keys(&keys);
    let body = || serde_json::from_slice::<serde_json::Value>(&req.body).ok();
    let code = match op {
        "CreateFunction" => body().as_ref().and_then(|v| code_object(v.get("Code")?)),
        "UpdateFunctionCode" => body().as_ref().and_then(code_object),
        _ => None,
    };
    let target = arn.clone();
    authorize_each_under(state, caller, "lambda", op, policy, || {
        let Some(row) = squall_api::actions::find("lambda", op) else { return Vec::new() };
        let mut checks = Vec::new();
        match (op, target) {
            ("CreateFunction", _) => {
                let body = body();
                let name = body.as_ref().and_then(|v| v.get("FunctionName")?.as_str());
                let resource = name.and_then(|n| function_arn(state, req, n).ok()).unwrap_or_else(|| "*".to_string());
                checks.push((row.action, resource));
                let role = body.as_ref().and_then(|v| v.get("Role")?.as_str().map(str::to_string));
                checks.extend(role.map(|r| ("iam:PassRole", r)));
            }
            (_, Some(arn)) => {
                checks.push((row.action, arn));
                if op == "UpdateFunctionConfiguration"
                    && let Some(role) = body().and_then(|v| v.get("Role")?.as_str().map(str::to_string))
                {
                    checks.push(("iam:PassRole", role));
                }
            }
            _ => checks.push((row.action, "*".to_string())),
        }
        checks
    })?;
    match code {
        Some(object) => may_read_code(state, req, object),
        None => Ok(()),
    }
}
