//! Which Lambda operation a request is (from its method and path) and the function it acts
//! on, so it is authorized before anything runs.

use http::Method;
use squall_api::authorize::{ResourcePolicy, authorize_each_under};
use squall_api::{ApiError, ApiRequest, ApiState};

/// botocore's name of the operation `method` on `path`, and the function name or ARN the
/// path carries (`None` for operations on no one function, or when the path is not one
/// of Lambda's: the dispatcher then answers it).
fn operation<'p>(method: &Method, path: &'p str) -> Option<(&'static str, Option<&'p str>)> {
    let (version, rest) = path.strip_prefix('/')?.split_once('/')?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let op = match (version, method, segments.as_slice()) {
        ("2015-03-31", &Method::POST, ["functions"]) => return Some(("CreateFunction", None)),
        ("2015-03-31", &Method::GET, ["functions"]) => return Some(("ListFunctions", None)),
        ("2015-03-31", &Method::GET, ["functions", _]) => "GetFunction",
        ("2015-03-31", &Method::DELETE, ["functions", _]) => "DeleteFunction",
        ("2015-03-31", &Method::GET, ["functions", _, "configuration"]) => "GetFunctionConfiguration",
        ("2015-03-31", &Method::PUT, ["functions", _, "configuration"]) => "UpdateFunctionConfiguration",
        ("2015-03-31", &Method::PUT, ["functions", _, "code"]) => "UpdateFunctionCode",
        ("2015-03-31", &Method::POST, ["functions", _, "invocations"]) => "Invoke",
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

/// The ARN policies see for a function named by `raw` (a name or an ARN, percent-encoded
/// as paths carry it), its qualifier kept, or the `Qualifier` parameter's.
fn function_arn(state: &ApiState, raw: &str, qualifier: Option<&str>) -> String {
    let name = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let arn = if name.starts_with("arn:") {
        name.into_owned()
    } else {
        // A partial ARN (`<account>:function:<name>`) or a plain name.
        let name = name.rsplit_once("function:").map_or(&*name, |(_, n)| n);
        squall_types::function_arn(&state.region, name)
    };
    match qualifier {
        Some(q) if arn.split(':').count() == 7 => format!("{arn}:{q}"),
        _ => arn,
    }
}

/// The function's name in a path segment that names it (a name, or a full or partial ARN,
/// perhaps with a qualifier).
fn plain_name(raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let after = decoded.rsplit_once("function:").map_or(&*decoded, |(_, n)| n);
    after.split(':').next().unwrap_or(after).to_string()
}

/// The ARN of the S3 object a code document (`S3Bucket`, `S3Key`) names.
fn code_object(code: &serde_json::Value) -> Option<String> {
    let (bucket, key) = (code.get("S3Bucket")?.as_str()?, code.get("S3Key")?.as_str()?);
    Some(format!("arn:aws:s3:::{bucket}/{key}"))
}

/// Authorizes `req` for its caller; a request that is no Lambda operation passes on to the
/// dispatcher, which refuses it.
pub(crate) fn authorize(state: &ApiState, req: &ApiRequest) -> Result<(), ApiError> {
    let Some((op, function)) = operation(&req.method, req.uri.path()) else { return Ok(()) };
    // The function's own policy (AddPermission's statements) may grant what the caller's
    // identity policies do not.
    let qualifier = req.query("Qualifier");
    let arn = function.map(|f| function_arn(state, f, qualifier.as_deref()));
    let record = function.and_then(|f| state.functions.get_function(&plain_name(f)).ok());
    let document = record.as_deref().and_then(super::permissions::document);
    let policy = match (&arn, &document) {
        (Some(arn), Some(document)) => Some(ResourcePolicy { arn, document }),
        _ => None,
    };
    // Giving a function a role passes it on (iam:PassRole), as on AWS: else whoever may
    // create functions could run code with any role's permissions.
    let mut keys = squall_iam::Context::default();
    keys.set("iam:PassedToService", "lambda.amazonaws.com");
    let caller = req.who().with_keys(&keys);
    authorize_each_under(state, caller, "lambda", op, policy, || {
        let Some(row) = squall_api::actions::find("lambda", op) else { return Vec::new() };
        let body = || serde_json::from_slice::<serde_json::Value>(&req.body).ok();
        let mut checks = Vec::new();
        match (op, function) {
            ("CreateFunction", _) => {
                let body = body();
                let name = body.as_ref().and_then(|v| v.get("FunctionName")?.as_str());
                checks.push((row.action, name.map_or_else(|| "*".to_string(), |n| function_arn(state, n, None))));
                let role = body.as_ref().and_then(|v| v.get("Role")?.as_str().map(str::to_string));
                checks.extend(role.map(|r| ("iam:PassRole", r)));
                checks.extend(body.as_ref().and_then(|v| code_object(v.get("Code")?)).map(|o| ("s3:GetObject", o)));
            }
            (_, Some(f)) => {
                checks.push((row.action, function_arn(state, f, qualifier.as_deref())));
                if op == "UpdateFunctionConfiguration"
                    && let Some(role) = body().and_then(|v| v.get("Role")?.as_str().map(str::to_string))
                {
                    checks.push(("iam:PassRole", role));
                }
                // Code read from S3 is read as the caller, who must be allowed to read it.
                if op == "UpdateFunctionCode"
                    && let Some(object) = body().as_ref().and_then(code_object)
                {
                    checks.push(("s3:GetObject", object));
                }
            }
            _ => checks.push((row.action, "*".to_string())),
        }
        checks
    })
}
