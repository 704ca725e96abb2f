//! What a request on a bucket with logging on leaves in its access log: S3's name of the
//! operation (`REST.GET.OBJECT`, `REST.PUT.VERSIONING`, …) and the request's and response's
//! details, handed to the objects service, which formats and delivers the lines.

use squall_objects::access_log::AccessRecord;
use squall_runtime::Body;

/// What is kept of a request for its log line (taken before the request is consumed).
pub(crate) struct Seen {
    method: String,
    uri: String,
    version: http::Version,
    header: Vec<(&'static str, Option<String>)>,
    remote_ip: Option<String>,
    signature: (Option<&'static str>, Option<&'static str>),
    started: std::time::Instant,
}

impl Seen {
    pub(crate) fn of(parts: &http::request::Parts, started: std::time::Instant) -> Seen {
        let header = |n: &'static str| (n, parts.headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string));
        let query = parts.uri.query().unwrap_or("");
        let authorization = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
        let signature = if authorization.starts_with("AWS4-") {
            (Some("SigV4"), Some("AuthHeader"))
        } else if authorization.starts_with("AWS ") {
            (Some("SigV2"), Some("AuthHeader"))
        } else if query.contains("X-Amz-Signature=") {
            (Some("SigV4"), Some("QueryString"))
        } else if query.contains("Signature=") {
            (Some("SigV2"), Some("QueryString"))
        } else {
            (None, None)
        };
        Seen {
            method: parts.method.to_string(),
            uri: parts.uri.path_and_query().map_or_else(|| "/".into(), |p| p.to_string()),
            version: parts.version,
            header: vec![
                header("host"),
                header("user-agent"),
                header("referer"),
                header("x-amz-decoded-content-length"),
                header("content-length"),
                header("x-amz-copy-source"),
            ],
            remote_ip: parts.extensions.get::<squall_api::host::PeerAddr>().map(|p| p.0.ip().to_string()),
            signature,
            started,
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.header.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.clone())
    }
}

/// S3's name of an operation in access logs: `REST.<METHOD>.<RESOURCE>`, the resource the
/// object, the bucket, or the subresource asked for.
fn operation(method: &str, has_key: bool, query: &[(String, String)], copy: bool) -> String {
    let has = |n: &str| query.iter().any(|(k, _)| k == n);
    let sub = [
        "acl",
        "tagging",
        "versioning",
        "lifecycle",
        "cors",
        "policy",
        "website",
        "notification",
        "logging",
        "encryption",
        "object-lock",
        "retention",
        "legal-hold",
        "ownershipControls",
        "publicAccessBlock",
        "policyStatus",
        "attributes",
        "versions",
        "location",
        "accelerate",
        "requestPayment",
        "replication",
    ]
    .into_iter()
    .find(|s| has(s));
    let resource = match (sub, has_key) {
        (Some(s), true) => format!("OBJECT_{}", s.to_ascii_uppercase().replace('-', "_")),
        (Some(s), false) => s.to_ascii_uppercase().replace('-', "_"),
        (None, true) if has("uploadId") && method == "PUT" => "PART".into(),
        (None, true) if has("uploadId") || has("uploads") => "UPLOAD".into(),
        (None, false) if has("uploads") => "UPLOADS".into(),
        (None, false) if has("delete") => "MULTI_OBJECT_DELETE".into(),
        (None, true) => "OBJECT".into(),
        (None, false) => "BUCKET".into(),
    };
    let method = if copy && method == "PUT" { "COPY" } else { method };
    format!("REST.{method}.{resource}")
}

/// Hands the objects service the record of a request on `bucket`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    objects: &squall_objects::Objects,
    seen: &Seen,
    (bucket, key, query): (&str, Option<&str>, &[(String, String)]),
    caller: Option<&squall_api::auth::Identity>,
    request_id: &str,
    resp: &http::Response<Body>,
    error_code: Option<&str>,
) {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
    let length = |v: Option<String>| v.and_then(|n| n.parse::<u64>().ok());
    let sent = header("content-length").and_then(|n| n.parse::<u64>().ok());
    let object_size = match seen.method.as_str() {
        "GET" | "HEAD" if key.is_some() && resp.status().is_success() => {
            header("content-range").and_then(|r| r.rsplit('/').next()?.parse().ok()).or(sent)
        }
        "PUT" | "POST" if key.is_some() => {
            length(seen.header("x-amz-decoded-content-length").or(seen.header("content-length")))
        }
        _ => None,
    };
    let copy = seen.header("x-amz-copy-source").is_some();
    objects.log_access(&AccessRecord {
        bucket: bucket.to_string(),
        remote_ip: seen.remote_ip.clone(),
        requester: caller.map(|c| c.arn.clone()),
        request_id: request_id.to_string(),
        operation: operation(&seen.method, key.is_some(), query, copy),
        key: key.map(str::to_string),
        request_uri: format!("{} {} {:?}", seen.method, seen.uri, seen.version),
        status: resp.status().as_u16(),
        error_code: error_code.map(str::to_string),
        bytes_sent: if seen.method == "HEAD" { None } else { sent.filter(|n| *n > 0) },
        object_size,
        total_ms: seen.started.elapsed().as_millis() as u64,
        referer: seen.header("referer"),
        user_agent: seen.header("user-agent"),
        version_id: header("x-amz-version-id").map(str::to_string),
        signature_version: seen.signature.0.map(str::to_string),
        auth_type: seen.signature.1.map(str::to_string),
        host: seen.header("host"),
    });
}

#[cfg(test)]
mod tests {
    use super::operation;

    fn q(pairs: &[&str]) -> Vec<(String, String)> {
        pairs.iter().map(|k| (k.to_string(), String::new())).collect()
    }

    #[test]
    fn operations_are_named_as_s3_logs_them() {
        assert_eq!(operation("GET", true, &[], false), "REST.GET.OBJECT");
        assert_eq!(operation("GET", false, &[], false), "REST.GET.BUCKET");
        assert_eq!(operation("PUT", false, &q(&["versioning"]), false), "REST.PUT.VERSIONING");
        assert_eq!(operation("PUT", true, &q(&["tagging"]), false), "REST.PUT.OBJECT_TAGGING");
        assert_eq!(operation("POST", true, &q(&["uploads"]), false), "REST.POST.UPLOAD");
        assert_eq!(operation("PUT", true, &q(&["partNumber", "uploadId"]), false), "REST.PUT.PART");
        assert_eq!(operation("POST", false, &q(&["delete"]), false), "REST.POST.MULTI_OBJECT_DELETE");
        assert_eq!(operation("PUT", true, &[], true), "REST.COPY.OBJECT");
    }
}
