use super::*;
use crate::event::RouteContext;
use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use http_body_util::BodyExt;

fn rest(binary: &[&str]) -> V1Context {
    V1Context {
        rest: true,
        resource: "/items/{id}".into(),
        stage: "dev".into(),
        request_path: "/dev/items/7".into(),
        api_key: Some("k".repeat(40)),
        binary_media_types: binary.iter().map(|s| s.to_string()).collect(),
    }
}

fn event(req: http::Request<()>, body: &[u8], v1: &V1Context) -> Value {
    let (parts, ()) = req.into_parts();
    let params = vec![("id".to_string(), "7".to_string())];
    let cx =
        RouteContext { route_key: "GET /items/{id}", path_params: &params, source_ip: "127.0.0.1", request_id: "r1" };
    serde_json::from_slice(&http_event_v1(&parts, body, &cx, v1)).unwrap()
}

#[test]
fn rest_events_have_every_field_of_payload_1_0() {
    let req = http::Request::post("/items/7?a=1&a=2&b=x+y")
        .header("host", "127.0.0.1:8080")
        .header("content-type", "application/json")
        .header("user-agent", "curl/8")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(())
        .unwrap();
    let v1 = rest(&[]);
    let e = event(req, br#"{"k":1}"#, &v1);
    assert_eq!(e["resource"], "/items/{id}");
    assert_eq!(e["path"], "/items/7");
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["headers"]["Content-Type"], "application/json");
    assert_eq!(e["headers"]["X-Multi"], "b", "the last value, as REST APIs keep");
    assert_eq!(e["multiValueHeaders"]["X-Multi"], json!(["a", "b"]));
    assert_eq!(e["queryStringParameters"], json!({"a": "2", "b": "x y"}));
    assert_eq!(e["multiValueQueryStringParameters"], json!({"a": ["1", "2"], "b": ["x y"]}));
    assert_eq!(e["pathParameters"], json!({"id": "7"}));
    assert_eq!(e["stageVariables"], Value::Null);
    assert_eq!(e["body"], r#"{"k":1}"#);
    assert_eq!(e["isBase64Encoded"], false);
    let rc = &e["requestContext"];
    assert_eq!(rc["stage"], "dev");
    assert_eq!(rc["path"], "/dev/items/7");
    assert_eq!(rc["resourcePath"], "/items/{id}");
    assert_eq!(rc["httpMethod"], "POST");
    assert_eq!(rc["requestId"], "r1");
    assert_eq!(rc["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(rc["identity"]["userAgent"], "curl/8");
    assert_eq!(rc["identity"]["apiKey"], "k".repeat(40));
    assert_eq!(rc["accountId"], ACCOUNT_ID);
    assert!(rc["requestTimeEpoch"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(e.get("version").is_none() && rc.get("routeKey").is_none(), "REST events carry neither");

    // What Rust functions parse it with.
    let parsed: ApiGatewayProxyRequest = serde_json::from_value(e).unwrap();
    assert_eq!(parsed.resource.as_deref(), Some("/items/{id}"));
    assert_eq!(parsed.path.as_deref(), Some("/items/7"));
    assert_eq!(parsed.http_method, http::Method::POST);
    assert_eq!(parsed.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(parsed.multi_value_headers.get_all("x-multi").iter().count(), 2);
    assert_eq!(parsed.query_string_parameters.first("b"), Some("x y"));
    assert_eq!(parsed.multi_value_query_string_parameters.all("a"), Some(vec!["1", "2"]));
    assert_eq!(parsed.path_parameters.get("id").map(String::as_str), Some("7"));
    assert_eq!(parsed.request_context.stage.as_deref(), Some("dev"));
    assert_eq!(parsed.request_context.resource_path.as_deref(), Some("/items/{id}"));
    assert_eq!(parsed.request_context.identity.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(parsed.body.as_deref(), Some(r#"{"k":1}"#));
    assert!(!parsed.is_base64_encoded);
}

#[test]
fn empty_parts_are_null_and_bodies_follow_binary_media_types() {
    let req = http::Request::get("/items/7").body(()).unwrap();
    let e = event(req, b"", &rest(&[]));
    for k in ["queryStringParameters", "multiValueQueryStringParameters", "body"] {
        assert_eq!(e[k], Value::Null, "{k}");
    }
    assert_eq!(e["headers"], Value::Null);

    let png = || http::Request::post("/items/7").header("content-type", "image/png").body(()).unwrap();
    let e = event(png(), &[0xff, 0], &rest(&[]));
    assert_eq!((e["body"].as_str(), e["isBase64Encoded"].as_bool()), (Some("\u{fffd}\0"), Some(false)));
    for types in [&["image/png"][..], &["image/*"], &["*/*"]] {
        let e = event(png(), &[0xff, 0], &rest(types));
        assert_eq!((e["body"].as_str(), e["isBase64Encoded"].as_bool()), (Some("/wA="), Some(true)), "{types:?}");
    }
}

#[test]
fn http_api_1_0_events_keep_lower_case_headers_and_name_their_route() {
    let v1 = V1Context {
        rest: false,
        stage: "$default".into(),
        request_path: "/items/7".into(),
        api_key: None,
        ..rest(&[])
    };
    let req = http::Request::get("/items/7").header("x-a", "1").body(()).unwrap();
    let e = event(req, b"", &v1);
    assert_eq!(e["version"], "1.0");
    assert_eq!(e["requestContext"]["routeKey"], "GET /items/{id}");
    assert_eq!(e["headers"]["x-a"], "1");
    assert_eq!(e["requestContext"]["identity"]["apiKey"], Value::Null);
    serde_json::from_value::<ApiGatewayProxyRequest>(e).unwrap();
}

async fn body(r: http::Response<Body>) -> Vec<u8> {
    r.into_body().collect().await.unwrap().to_bytes().to_vec()
}

#[tokio::test]
async fn maps_responses_and_refuses_malformed_ones() {
    let v1 = rest(&["image/png"]);
    let r = http_response_v1(
        br#"{"statusCode":201,"headers":{"x-a":"1","x-n":5},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"made"}"#,
        &v1,
        "",
    )
    .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-a"], "1");
    assert_eq!(r.headers()["x-n"], "5");
    assert_eq!(r.headers().get_all("set-cookie").iter().count(), 2);
    assert_eq!(body(r).await, b"made");

    let r = http_response_v1(br#"{"statusCode":"200"}"#, &v1, "").unwrap();
    assert_eq!(r.status(), 200);
    assert!(body(r).await.is_empty());

    // Base64 is decoded for a binary media type (the response's or the request's Accept).
    let b64 = br#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#;
    assert_eq!(body(http_response_v1(b64, &v1, "").unwrap()).await, b"aGk=");
    assert_eq!(body(http_response_v1(b64, &v1, "text/html, image/png;q=0.9").unwrap()).await, b"hi");
    let png = br#"{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"aGk=","isBase64Encoded":true}"#;
    assert_eq!(body(http_response_v1(png, &v1, "").unwrap()).await, b"hi");
    let http_api = V1Context { rest: false, ..rest(&[]) };
    assert_eq!(body(http_response_v1(b64, &http_api, "").unwrap()).await, b"hi");

    for bad in [
        &b"not json"[..],
        br#"[1]"#,
        br#"{"body":"no status"}"#,
        br#"{"statusCode":200,"body":{"an":"object"}}"#,
        br#"{"statusCode":99999}"#,
        br#"{"statusCode":200,"headers":["x"]}"#,
        br#"{"statusCode":200,"multiValueHeaders":{"x":"not a list"}}"#,
        br#"{"statusCode":200,"isBase64Encoded":"yes"}"#,
    ] {
        assert!(http_response_v1(bad, &v1, "").is_err(), "{}", String::from_utf8_lossy(bad));
    }
}
