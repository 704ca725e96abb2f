//! The errors a REST API gives itself, and how a service's `AWS::ApiGateway::GatewayResponse`
//! resources reshape them (headers, status, body template).

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use squall_api::body::{full, json_response};
use squall_runtime::Body;
use squall_types::{GatewayResponse, ServiceRecord};

/// Marks a response as an error API Gateway itself gave, with its response type.
#[derive(Clone, Debug)]
pub(crate) struct GatewayError {
    pub(crate) response_type: &'static str,
    pub(crate) message: String,
}

/// A REST API's own error: `{"message": ...}`, marked with its response type.
pub(crate) fn rest_error(response_type: &'static str, status: StatusCode, message: &str) -> http::Response<Body> {
    let mut r = json_response(status, &serde_json::json!({ "message": message }));
    r.extensions_mut().insert(GatewayError { response_type, message: message.to_string() });
    r
}

/// The gateway response that applies to an error of `response_type` and `status`: the
/// type's own, else `DEFAULT_4XX` or `DEFAULT_5XX`.
fn applicable<'a>(record: &'a ServiceRecord, response_type: &str, status: StatusCode) -> Option<&'a GatewayResponse> {
    let default = if status.is_client_error() { "DEFAULT_4XX" } else { "DEFAULT_5XX" };
    let find = |t: &str| record.gateway_responses.iter().find(|g| g.response_type == t);
    find(response_type).or_else(|| find(default))
}

/// `resp` reshaped by the service's gateway responses when it is an error the gateway
/// gave; `request` is the request's headers, for headers that echo one.
pub(crate) fn reshape(
    record: &ServiceRecord,
    resp: http::Response<Body>,
    request: &HeaderMap,
    request_id: &str,
) -> http::Response<Body> {
    let Some(error) = resp.extensions().get::<GatewayError>().cloned() else { return resp };
    let Some(g) = applicable(record, error.response_type, resp.status()) else { return resp };
    let status = g.status.and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(resp.status());
    let mut out = match &g.template {
        Some(t) => {
            let quoted = serde_json::Value::from(error.message.as_str()).to_string();
            let body = t
                .replace("$context.error.messageString", &quoted)
                .replace("$context.error.message", &error.message)
                .replace("$context.error.responseType", error.response_type)
                .replace("$context.requestId", request_id);
            let mut r = http::Response::new(full(body));
            r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        None => resp,
    };
    *out.status_mut() = status;
    for h in &g.headers {
        let value =
            if h.from_request { request.get(h.value.as_str()).cloned() } else { HeaderValue::from_str(&h.value).ok() };
        if let (Ok(name), Some(value)) = (HeaderName::try_from(h.name.as_str()), value) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use squall_types::GatewayHeader;

    fn record(responses: Vec<GatewayResponse>) -> ServiceRecord {
        serde_json::from_value(serde_json::json!({
            "name": "s-dev", "routes": [], "cors": null, "functions": [], "deployed_at_ms": 0, "stage": "dev",
            "gateway_responses": serde_json::to_value(responses).unwrap(),
        }))
        .unwrap()
    }

    fn response(t: &str, status: Option<u16>, template: Option<&str>) -> GatewayResponse {
        GatewayResponse {
            response_type: t.into(),
            status,
            headers: vec![
                GatewayHeader { name: "Access-Control-Allow-Origin".into(), value: "*".into(), from_request: false },
                GatewayHeader { name: "X-Origin".into(), value: "origin".into(), from_request: true },
            ],
            template: template.map(String::from),
        }
    }

    #[tokio::test]
    async fn gateway_responses_reshape_the_gateways_own_errors() {
        let r = record(vec![
            response("DEFAULT_4XX", None, None),
            response(
                "INVALID_API_KEY",
                Some(401),
                Some(
                    r#"{"error":$context.error.messageString,"type":"$context.error.responseType","id":"$context.requestId"}"#,
                ),
            ),
        ]);
        let mut req = HeaderMap::new();
        req.insert("origin", HeaderValue::from_static("https://app.example"));
        let out = reshape(
            &r,
            rest_error("MISSING_AUTHENTICATION_TOKEN", StatusCode::FORBIDDEN, "Missing Authentication Token"),
            &req,
            "r1",
        );
        assert_eq!(out.status(), 403);
        assert_eq!(out.headers()["access-control-allow-origin"], "*");
        assert_eq!(out.headers()["x-origin"], "https://app.example");
        let out = reshape(&r, rest_error("INVALID_API_KEY", StatusCode::FORBIDDEN, "Forbidden"), &req, "r1");
        assert_eq!(out.status(), 401);
        let body = out.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], br#"{"error":"Forbidden","type":"INVALID_API_KEY","id":"r1"}"#);
        let five = reshape(
            &r,
            rest_error("INTEGRATION_FAILURE", StatusCode::BAD_GATEWAY, "Internal server error"),
            &req,
            "r1",
        );
        assert!(five.headers().get("access-control-allow-origin").is_none(), "no DEFAULT_5XX: unchanged");
        let function = json_response(StatusCode::NOT_FOUND, &serde_json::json!({}));
        assert!(
            reshape(&r, function, &req, "r1").headers().get("x-origin").is_none(),
            "a function's own 404 is its own"
        );
    }
}
