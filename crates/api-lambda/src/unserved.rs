//! Lambda operations Squall does not serve, each refused by name with the reason, rather
//! than as an unknown path: code signing, Lambda Managed Instances' capacity providers and
//! scaling, and durable functions' executions.

use super::{ApiError, ApiRequest};
use http::StatusCode;

/// The API versions only these operations use.
pub(super) const PREFIXES: [&str; 4] = ["/2020-04-22/", "/2020-06-30/", "/2025-11-30/", "/2025-12-01/"];

const CODE_SIGNING: &str = "Squall does not verify code signatures, and a code signing configuration it kept without checking signatures would let unsigned code run while you believe it is checked: sign and verify packages in your build";
const MANAGED_INSTANCES: &str = "Lambda Managed Instances (capacity providers of EC2 instances for functions, and their scaling) have no counterpart here: every function runs on the Squall server, within its memory and concurrency settings";
const DURABLE: &str = "durable functions' checkpointed executions are not served: functions here run as ordinary invocations (chain steps with queues, event rules, destinations and asynchronous invocation)";

/// Each operation: method, path template (`{…}` matches one segment), name, reason.
const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    ("POST", "/2020-04-22/code-signing-configs", "CreateCodeSigningConfig", CODE_SIGNING),
    ("GET", "/2020-04-22/code-signing-configs", "ListCodeSigningConfigs", CODE_SIGNING),
    ("DELETE", "/2020-04-22/code-signing-configs/{}", "DeleteCodeSigningConfig", CODE_SIGNING),
    ("GET", "/2020-04-22/code-signing-configs/{}", "GetCodeSigningConfig", CODE_SIGNING),
    ("PUT", "/2020-04-22/code-signing-configs/{}", "UpdateCodeSigningConfig", CODE_SIGNING),
    ("GET", "/2020-04-22/code-signing-configs/{}/functions", "ListFunctionsByCodeSigningConfig", CODE_SIGNING),
    ("DELETE", "/2020-06-30/functions/{}/code-signing-config", "DeleteFunctionCodeSigningConfig", CODE_SIGNING),
    ("GET", "/2020-06-30/functions/{}/code-signing-config", "GetFunctionCodeSigningConfig", CODE_SIGNING),
    ("PUT", "/2020-06-30/functions/{}/code-signing-config", "PutFunctionCodeSigningConfig", CODE_SIGNING),
    ("POST", "/2025-11-30/capacity-providers", "CreateCapacityProvider", MANAGED_INSTANCES),
    ("GET", "/2025-11-30/capacity-providers", "ListCapacityProviders", MANAGED_INSTANCES),
    ("DELETE", "/2025-11-30/capacity-providers/{}", "DeleteCapacityProvider", MANAGED_INSTANCES),
    ("GET", "/2025-11-30/capacity-providers/{}", "GetCapacityProvider", MANAGED_INSTANCES),
    ("PUT", "/2025-11-30/capacity-providers/{}", "UpdateCapacityProvider", MANAGED_INSTANCES),
    (
        "GET",
        "/2025-11-30/capacity-providers/{}/function-versions",
        "ListFunctionVersionsByCapacityProvider",
        MANAGED_INSTANCES,
    ),
    ("GET", "/2025-11-30/functions/{}/function-scaling-config", "GetFunctionScalingConfig", MANAGED_INSTANCES),
    ("PUT", "/2025-11-30/functions/{}/function-scaling-config", "PutFunctionScalingConfig", MANAGED_INSTANCES),
    ("POST", "/2025-12-01/durable-execution-callbacks/{}/fail", "SendDurableExecutionCallbackFailure", DURABLE),
    ("POST", "/2025-12-01/durable-execution-callbacks/{}/heartbeat", "SendDurableExecutionCallbackHeartbeat", DURABLE),
    ("POST", "/2025-12-01/durable-execution-callbacks/{}/succeed", "SendDurableExecutionCallbackSuccess", DURABLE),
    ("GET", "/2025-12-01/durable-executions/{}", "GetDurableExecution", DURABLE),
    ("POST", "/2025-12-01/durable-executions/{}/checkpoint", "CheckpointDurableExecution", DURABLE),
    ("GET", "/2025-12-01/durable-executions/{}/history", "GetDurableExecutionHistory", DURABLE),
    ("GET", "/2025-12-01/durable-executions/{}/state", "GetDurableExecutionState", DURABLE),
    ("POST", "/2025-12-01/durable-executions/{}/stop", "StopDurableExecution", DURABLE),
    ("GET", "/2025-12-01/functions/{}/durable-executions", "ListDurableExecutionsByFunction", DURABLE),
];

/// The refusal of the operation `req` is, naming it and why.
pub(super) fn refuse(req: &ApiRequest) -> ApiError {
    let path: Vec<&str> = req.uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let found = OPERATIONS.iter().find(|(method, template, _, _)| {
        let t: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
        *method == req.method.as_str()
            && t.len() == path.len()
            && t.iter().zip(&path).all(|(t, p)| *t == "{}" || t == p)
    });
    match found {
        Some((_, _, name, why)) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("{name} is not served by Squall: {why}"),
        ),
        None => ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such Lambda operation"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unserved_operation_is_named_with_its_reason() {
        let req = |method: &str, path: &str| ApiRequest {
            method: method.parse().unwrap(),
            uri: path.parse().unwrap(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
            request_id: squall_types::RequestId::new(),
            trace: squall_types::TraceContext::new_root(),
            peer: None,
            caller: None,
        };
        let e = refuse(&req("PUT", "/2020-06-30/functions/f/code-signing-config"));
        assert!(
            e.message.contains("PutFunctionCodeSigningConfig") && e.message.contains("signatures"),
            "{}",
            e.message
        );
        let e = refuse(&req("GET", "/2025-12-01/functions/f/durable-executions"));
        assert!(e.message.starts_with("ListDurableExecutionsByFunction"), "{}", e.message);
        assert_eq!(refuse(&req("GET", "/2025-11-30/elsewhere")).status, StatusCode::NOT_FOUND);
        assert_eq!(OPERATIONS.len(), 26);
    }
}
