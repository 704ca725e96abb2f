//! A Rust function built with AWS's `lambda_runtime` crate: an unmodified `bootstrap`
//! for `provided.al2023`. Counts its invocations to show warm reuse; answers REST API
//! events with a v1 response, HTTP API events with a v2 response and other events with JSON.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

static CALLS: AtomicU64 = AtomicU64::new(0);

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let calls = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
    let (payload, context) = event.into_parts();
    println!("rust bootstrap call {calls}");
    if payload.get("fail").is_some() {
        return Err("asked to fail".into());
    }
    if let Some(resource) = payload.get("resource").and_then(Value::as_str) {
        // A REST API's payload 1.0 event.
        let name = payload["pathParameters"]["name"].as_str().unwrap_or("world");
        return Ok(json!({
            "statusCode": 200,
            "multiValueHeaders": {"content-type": ["text/plain"], "x-resource": [resource]},
            "body": format!("Hello from Rust over REST, {name}! call {calls}"),
        }));
    }
    if let Some(route) = payload.get("routeKey") {
        let name = payload["pathParameters"]["name"].as_str().unwrap_or("world");
        return Ok(json!({
            "statusCode": 200,
            "headers": {"content-type": "text/plain", "x-route": route},
            "body": format!("Hello from Rust, {name}! call {calls}"),
        }));
    }
    Ok(json!({ "calls": calls, "event": payload, "request_id": context.request_id }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
