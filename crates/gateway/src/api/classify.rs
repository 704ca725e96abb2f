//! Which service a request on the api port is for, decided once, from its head only (the
//! body may not have arrived): `X-Amz-Target`, the service its signature is scoped to,
//! its path.

use squall_api::protocol::{Recognition, Service};

/// Where a request goes.
pub(crate) enum Destination {
    /// A service, and the operation its `X-Amz-Target` names ("" when not named that way).
    Service(&'static Service, String),
    /// An `X-Amz-Target` whose prefix names no service here.
    UnknownTarget,
    /// An unsigned `GET /` (the health check of DynamoDB's and LocalStack's conventions),
    /// `GET /squall/health/live` or `GET /squall/health/ready` (an orchestrator's probes).
    Health(Probe),
}

/// Which health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// `GET /`: the process answers.
    Basic,
    /// `/squall/health/live`: the process answers (restart it if not).
    Live,
    /// `/squall/health/ready`: the stores answer too (send it requests only then).
    Ready,
}

/// The service a request's signature is scoped to: the credential scope of a SigV4
/// `Authorization` header or `X-Amz-Credential` parameter; `s3` for SigV2 (S3 is the only
/// service still taking it).
pub(crate) fn signing_service(head: &http::request::Parts) -> Option<String> {
    if let Some(auth) = head.headers.get("authorization").and_then(|v| v.to_str().ok()) {
        if auth.starts_with("AWS ") {
            return Some("s3".into());
        }
        return squall_auth::Authorization::parse(auth).ok().map(|a| a.service);
    }
    let query = head.uri.query()?;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            // `<key>/<date>/<region>/<service>/aws4_request`
            "X-Amz-Credential" => return v.split('/').nth(3).map(str::to_string),
            "AWSAccessKeyId" => return Some("s3".into()),
            _ => {}
        }
    }
    None
}

/// Classifies a request among `services`; `fallback` takes what nothing else claims (S3,
/// which answers anonymous requests with AccessDenied and serves presigned ones).
/// `bucket_host`: the `Host` names a bucket (virtual-host style), so `GET /` is a listing.
pub(crate) fn classify(
    head: &http::request::Parts,
    signed_for: Option<&str>,
    bucket_host: bool,
    services: &[&'static Service],
    fallback: &'static Service,
) -> Destination {
    if let Some(target) = head.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return services
            .iter()
            .find_map(|s| s.target_operation(target).map(|op| Destination::Service(s, op.to_string())))
            .unwrap_or(Destination::UnknownTarget);
    }
    let path = head.uri.path();
    // An orchestrator's probes, unsigned, before the control plane takes `/squall/`.
    if signed_for.is_none() && head.method == http::Method::GET && head.uri.query().is_none() && !bucket_host {
        match path {
            "/squall/health/live" => return Destination::Health(Probe::Live),
            "/squall/health/ready" => return Destination::Health(Probe::Ready),
            _ => {}
        }
    }
    let by_signature = |only_signature: bool| {
        let name = signed_for?;
        services.iter().copied().find(|s| {
            s.signing_name == Some(name) && (!only_signature || matches!(s.recognition, Recognition::Signature))
        })
    };
    let by_path = || {
        services.iter().copied().find(|s| match s.recognition {
            Recognition::Paths(prefixes) => prefixes.iter().any(|p| path.starts_with(p)),
            _ => false,
        })
    };
    // A signature for a service recognised only that way wins over the path (a bucket may
    // be named like another service's path); then paths; then any service the signature
    // names, so an unknown operation is refused in that service's own shape.
    if let Some(s) = by_signature(true).or_else(by_path).or_else(|| by_signature(false)) {
        return Destination::Service(s, String::new());
    }
    if signed_for.is_none() {
        if let Some(s) = services.iter().copied().find(|s| (s.unsigned)(&head.method, &head.uri)) {
            return Destination::Service(s, String::new());
        }
        if head.method == http::Method::GET && path == "/" && head.uri.query().is_none() && !bucket_host {
            return Destination::Health(Probe::Basic);
        }
    }
    Destination::Service(fallback, String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::SERVICES;
    use squall_api_s3::SERVICE as S3;

    fn sigv4(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature={}",
            "0".repeat(64)
        )
    }

    /// (service name, operation) a request goes to; "health" and "unknown target" besides.
    fn route(method: &str, uri: &str, headers: &[(&str, &str)]) -> (String, String) {
        let bucket_host = headers.iter().any(|(k, v)| *k == "host" && v.ends_with(".localhost"));
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (head, ()) = b.body(()).unwrap().into_parts();
        let signed_for = signing_service(&head);
        match classify(&head, signed_for.as_deref(), bucket_host, &SERVICES, &S3) {
            Destination::Service(s, op) => (s.name.to_string(), op),
            Destination::UnknownTarget => ("unknown target".into(), String::new()),
            Destination::Health(p) => {
                (format!("health {p:?}").to_lowercase().replace("health basic", "health"), String::new())
            }
        }
    }

    fn service(method: &str, uri: &str, headers: &[(&str, &str)]) -> String {
        route(method, uri, headers).0
    }

    #[test]
    fn json_services_are_named_by_their_target() {
        let auth = sigv4("dynamodb");
        let h = |t: &'static str| [("authorization", auth.clone()), ("x-amz-target", t.to_string())];
        let call = |t: &'static str| {
            let h = h(t);
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            route("POST", "/", &h)
        };
        assert_eq!(call("DynamoDB_20120810.GetItem"), ("dynamodb".into(), "GetItem".into()));
        assert_eq!(call("DynamoDBStreams_20120810.GetRecords"), ("dynamodb-streams".into(), "GetRecords".into()));
        assert_eq!(call("AmazonSQS.SendMessage"), ("sqs".into(), "SendMessage".into()));
        assert_eq!(call("AmazonSSM.GetParameter"), ("ssm".into(), "GetParameter".into()));
        assert_eq!(call("secretsmanager.GetSecretValue"), ("secretsmanager".into(), "GetSecretValue".into()));
        assert_eq!(call("TrentService.Decrypt"), ("kms".into(), "Decrypt".into()));
        // An unknown operation of a known service stays that service's, to be refused in its shape.
        assert_eq!(call("DynamoDB_20120810.Frobnicate"), ("dynamodb".into(), "Frobnicate".into()));
        // A prefix that only starts like a known one, and a service Squall does not speak.
        assert_eq!(call("DynamoDB_20120810x.GetItem").0, "unknown target");
        assert_eq!(call("Kinesis_20131202.PutRecord").0, "unknown target");
        // Targets are case-sensitive, as AWS's are.
        assert_eq!(call("SecretsManager.GetSecretValue").0, "unknown target");
    }

    #[test]
    fn query_and_rest_xml_services_are_named_by_their_signature() {
        assert_eq!(service("POST", "/", &[("authorization", &sigv4("sqs"))]), "sqs-query");
        assert_eq!(service("POST", "/000000000000/jobs", &[("authorization", &sigv4("sqs"))]), "sqs-query");
        assert_eq!(service("POST", "/", &[("authorization", &sigv4("sns"))]), "sns");
        assert_eq!(service("GET", "/photos/cat.jpg", &[("authorization", &sigv4("s3"))]), "s3");
        // A bucket may be named like another service's path.
        assert_eq!(service("GET", "/2015-03-31/functions", &[("authorization", &sigv4("s3"))]), "s3");
        assert_eq!(service("GET", "/b/k", &[("authorization", "AWS AK:c2ln")]), "s3");
        // Presigned: the credential scope in the query string.
        let presigned = "/b/k?X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00";
        assert_eq!(service("GET", presigned, &[]), "s3");
        let sqs_presigned = "/?Action=ListQueues&X-Amz-Credential=AK%2F20240101%2Fus-east-1%2Fsqs%2Faws4_request";
        assert_eq!(service("GET", sqs_presigned, &[]), "sqs-query");
        assert_eq!(service("GET", "/b/k?AWSAccessKeyId=AK&Signature=x&Expires=1", &[]), "s3");
    }

    #[test]
    fn rest_json_services_are_named_by_their_path() {
        let auth = sigv4("lambda");
        let signed = [("authorization", auth.as_str())];
        assert_eq!(service("GET", "/2015-03-31/functions/", &signed), "lambda");
        assert_eq!(service("PUT", "/2019-09-25/functions/f/event-invoke-config", &signed), "lambda");
        assert_eq!(service("PUT", "/2017-10-31/functions/f/concurrency", &signed), "lambda");
        assert_eq!(service("GET", "/squall/v1/services", &[("authorization", &sigv4("squall"))]), "squall");
        // Unsigned, they stay theirs, to be refused in their shape.
        assert_eq!(service("GET", "/2015-03-31/functions/", &[]), "lambda");
    }

    #[test]
    fn the_probes_are_unsigned_gets_of_their_own_paths() {
        assert_eq!(service("GET", "/", &[]), "health");
        assert_eq!(service("GET", "/squall/health/live", &[]), "health live");
        assert_eq!(service("GET", "/squall/health/ready", &[]), "health ready");
        // Signed, or with another method, they are no probes.
        assert_ne!(service("GET", "/squall/health/ready", &[("authorization", &sigv4("s3"))]), "health ready");
        assert_ne!(service("POST", "/squall/health/ready", &[]), "health ready");
    }

    #[test]
    fn a_signature_for_a_service_without_its_target_or_path_stays_with_that_service() {
        // So the unknown operation is refused in DynamoDB's shape, not S3's.
        assert_eq!(route("POST", "/", &[("authorization", &sigv4("dynamodb"))]), ("dynamodb".into(), String::new()));
        assert_eq!(route("POST", "/", &[("authorization", &sigv4("ssm"))]), ("ssm".into(), String::new()));
        assert_eq!(
            route("POST", "/", &[("authorization", &sigv4("secretsmanager"))]),
            ("secretsmanager".into(), String::new())
        );
        assert_eq!(route("POST", "/", &[("authorization", &sigv4("kms"))]), ("kms".into(), String::new()));
    }

    #[test]
    fn unsigned_requests() {
        assert_eq!(service("GET", "/", &[]), "health");
        // On a bucket's virtual host, `GET /` lists the bucket.
        assert_eq!(service("GET", "/", &[("host", "photos.localhost")]), "s3");
        assert_eq!(service("GET", "/?Action=ConfirmSubscription&TopicArn=a&Token=t", &[]), "sns");
        assert_eq!(service("GET", "/?Action=Unsubscribe&SubscriptionArn=a", &[]), "sns");
        assert_eq!(service("GET", "/?Action=ListTopics", &[]), "s3");
        assert_eq!(service("GET", "/bucket/key", &[]), "s3");
        assert_eq!(service("OPTIONS", "/bucket/key", &[]), "s3");
        // A malformed signature names no service: on an S3 path it is S3's to refuse.
        assert_eq!(service("PUT", "/bucket/key", &[("authorization", "AWS4-HMAC-SHA256 garbage")]), "s3");
        // A link is only a link when it is not signed.
        assert_eq!(service("GET", "/?Action=Unsubscribe&SubscriptionArn=a", &[("authorization", &sigv4("s3"))]), "s3");
    }

    #[test]
    fn every_service_is_reachable_and_names_are_unique() {
        let mut names: Vec<&str> = SERVICES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }
}
