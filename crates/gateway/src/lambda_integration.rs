//! `async: true` REST routes: the event the Serverless Framework's default request
//! template gives the lambda (non-proxy) integration, invoked asynchronously.

use serde_json::{Map, Value, json};
use squall_runtime::V1Context;

/// The framework's lambda-integration event for a request.
pub(crate) fn event(
    parts: &http::request::Parts,
    body: &[u8],
    path_params: &[(String, String)],
    source_ip: &str,
    v1: &V1Context,
) -> Value {
    let headers: Map<String, Value> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                squall_types::title_case_header(k.as_str()),
                Value::from(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            )
        })
        .collect();
    let query: Map<String, Value> = squall_types::query_pairs(parts.uri.query().unwrap_or(""))
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    let path: Map<String, Value> = path_params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
    // `$input.json('$')`: the JSON body, `{}` when there is none, else the text.
    let body = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).unwrap_or_else(|_| Value::from(String::from_utf8_lossy(body).into_owned()))
    };
    let user_agent = parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    json!({
        "body": body,
        "method": parts.method.as_str(),
        "principalId": "",
        "stage": v1.stage,
        "cognitoPoolClaims": { "sub": "" },
        "enhancedAuthContext": {},
        "headers": headers,
        "query": query,
        "path": path,
        "identity": {
            "cognitoIdentityPoolId": "",
            "accountId": "",
            "cognitoIdentityId": "",
            "caller": "",
            "sourceIp": source_ip,
            "principalOrgId": "",
            "accessKey": "",
            "cognitoAuthenticationType": "",
            "cognitoAuthenticationProvider": "",
            "userArn": "",
            "userAgent": user_agent,
            "user": "",
            "apiKey": v1.api_key.clone().unwrap_or_default(),
        },
        "stageVariables": {},
        "requestPath": v1.resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_frameworks_lambda_integration_event() {
        let (parts, ()) = http::Request::post("/jobs/7?priority=high&x=a%20b")
            .header("content-type", "application/json")
            .header("user-agent", "curl/8")
            .body(())
            .unwrap()
            .into_parts();
        let v1 = V1Context {
            rest: true,
            resource: "/jobs/{id}".into(),
            stage: "dev".into(),
            request_path: "/dev/jobs/7".into(),
            api_key: None,
            binary_media_types: vec![],
        };
        let params = vec![("id".to_string(), "7".to_string())];
        let e = event(&parts, br#"{"task":"resize"}"#, &params, "127.0.0.1", &v1);
        assert_eq!(e["body"], json!({"task": "resize"}));
        assert_eq!((e["method"].as_str(), e["stage"].as_str()), (Some("POST"), Some("dev")));
        assert_eq!(e["query"], json!({"priority": "high", "x": "a b"}));
        assert_eq!(e["path"], json!({"id": "7"}));
        assert_eq!(e["headers"]["Content-Type"], "application/json");
        assert_eq!(
            (e["identity"]["sourceIp"].as_str(), e["identity"]["userAgent"].as_str()),
            (Some("127.0.0.1"), Some("curl/8"))
        );
        assert_eq!(e["requestPath"], "/jobs/{id}");
        assert_eq!(event(&parts, b"", &params, "", &v1)["body"], json!({}));
        assert_eq!(event(&parts, b"plain", &params, "", &v1)["body"], "plain");
    }
}
