//! Each protocol family renders errors as its clients parse them.

use http::StatusCode;
use http_body_util::BodyExt;
use squall_api::ApiError;
use squall_runtime::Body;

async fn text(r: http::Response<Body>) -> String {
    String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

fn refused(code: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, "no <good>")
}

#[tokio::test]
async fn json_errors_carry_the_namespace_and_the_query_code_when_compatible() {
    let r = squall_api_sqs::JSON.error_response(refused("QueueDoesNotExist"), "rid");
    assert_eq!(r.headers()["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender");
    assert_eq!(r.headers()["content-type"], "application/x-amz-json-1.0");
    let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
    assert_eq!(doc["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
    assert_eq!(doc["message"], "no <good>");
    // SQS's JSON names carry an `Exception` suffix its query codes do not.
    let r = squall_api_sqs::JSON.error_response(refused("InvalidParameterValueException"), "rid");
    assert_eq!(r.headers()["x-amzn-query-error"], "InvalidParameterValue;Sender");
    let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
    assert_eq!(doc["__type"], "com.amazonaws.sqs#InvalidParameterValueException");
    let r = squall_api_sqs::QUERY.error_response(refused("MissingRequiredParameterException"), "rid");
    assert!(text(r).await.contains("<Code>MissingParameter</Code>"));
    let r = squall_api_dynamodb::DYNAMODB.error_response(refused("ValidationException"), "rid");
    assert!(!r.headers().contains_key("x-amzn-query-error"));
}

#[tokio::test]
async fn query_errors_use_the_query_protocols_authentication_codes() {
    let e = ApiError::new(StatusCode::FORBIDDEN, "InvalidSignatureException", "bad");
    let r = squall_api_sns::SERVICE.error_response(e, "rid-1");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = text(r).await;
    assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{body}");
    assert!(body.contains("<Type>Sender</Type>") && body.contains("<RequestId>rid-1</RequestId>"), "{body}");
    let r = squall_api_sqs::QUERY.error_response(refused("QueueDoesNotExist"), "rid");
    assert!(text(r).await.contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>"));
    let r = squall_api_sns::SERVICE.error_response(refused("InvalidParameter"), "rid");
    assert!(text(r).await.contains("<Message>no &lt;good&gt;</Message>"));
}

#[tokio::test]
async fn rest_json_errors_name_their_code_in_a_header() {
    let r = squall_api_lambda::SERVICE.error_response(refused("ResourceNotFoundException"), "rid");
    assert_eq!(r.headers()["x-amzn-errortype"], "ResourceNotFoundException");
    let doc: serde_json::Value = serde_json::from_str(&text(r).await).unwrap();
    assert_eq!((doc["Type"].as_str(), doc["message"].as_str()), (Some("User"), Some("no <good>")));
}
