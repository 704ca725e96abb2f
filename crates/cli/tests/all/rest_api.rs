//! serverless.yml `http` events (a REST API with the Lambda proxy integration) and stages:
//! a service deployed to two stages is two deployments, each under `/<service>/<stage>/`.

use crate::harness::*;

/// The value `squall deploy` printed for API key `name`.
fn api_key(deploy_output: &str, name: &str) -> Option<String> {
    let line = deploy_output.lines().find(|l| l.trim_start().starts_with(&format!("{name}: ")))?;
    Some(line.trim_start()[name.len() + 2..].trim().to_string())
}

#[test]
fn rest_events_answer_as_api_gateway_does_at_each_stage() -> Result {
    let server = Server::start()?;
    let dir = root().join("tests/guests/lambda/rest");
    let dev = server.deploy(&dir)?;
    assert!(dev.contains(&format!("GET {}/restsvc/dev/items/{{id}}", server.http)), "{dev}");
    let dev_key = api_key(&dev, "partner").ok_or_else(|| anyhow::anyhow!("no partner key printed:\n{dev}"))?;
    assert_eq!(dev_key.len(), 40, "{dev}");
    assert_eq!(api_key(&dev, "fixed").as_deref(), Some("fixed-key-value-0123456789"), "{dev}");
    let base = format!("{}/restsvc/dev", server.http);
    server.client_script_with("rest_api.py", &[&base, &dev_key, "dev"], "all REST API checks passed")?;

    // `async: true`: 202 at once, then the function gets the lambda integration's event.
    let r = server.http_request(
        "POST",
        "/restsvc/dev/jobs/resize?priority=high",
        &[("content-type", "application/json")],
        br#"{"size": 3}"#.to_vec(),
    )?;
    assert_eq!(r.status, 202, "{}", r.text());
    let expected = r#"enqueued {"body": {"size": 3}, "method": "POST", "path": {"kind": "resize"}, "query": {"priority": "high"}, "requestPath": "/jobs/{kind}", "stage": "dev"}"#;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let logs = ok(&server.squall(&["logs", "restsvc-dev-enqueue"]))?;
        if logs.contains(expected) {
            break;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "the event never ran:\n{logs}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // The usage plan's throttle: a burst of 2, then one request a second, per key.
    let statuses: Vec<u16> = (0..5)
        .map(|_| {
            server.http_request("GET", "/restsvc/dev/admin/stats", &[("x-api-key", &dev_key)], vec![]).map(|r| r.status)
        })
        .collect::<Result<_>>()?;
    assert!(statuses.contains(&429) && statuses.contains(&200), "{statuses:?}");
    let r = server.http_request("GET", "/restsvc/dev/admin/stats", &[("x-api-key", &dev_key)], vec![])?;
    if r.status == 429 {
        assert_eq!(r.text(), r#"{"message":"Too Many Requests"}"#);
    }

    // A redeploy keeps the keys; another stage is another deployment with its own.
    assert_eq!(api_key(&server.deploy(&dir)?, "partner").as_deref(), Some(dev_key.as_str()));
    let prod = ok(&server.squall(&["deploy", dir.to_str().unwrap(), "--stage", "prod"]))?;
    assert!(prod.contains("created restsvc-prod-getItem"), "{prod}");
    let prod_key = api_key(&prod, "partner").ok_or_else(|| anyhow::anyhow!("no key:\n{prod}"))?;
    assert_ne!(prod_key, dev_key);
    let base = format!("{}/restsvc/prod", server.http);
    server.client_script_with("rest_api.py", &[&base, &prod_key, "prod"], "all REST API checks passed")?;
    let r = server.http_request("GET", "/restsvc/prod/admin/stats", &[("x-api-key", &dev_key)], vec![])?;
    assert_eq!(r.status, 401, "a key of one stage does not open another (the INVALID_API_KEY response)");

    let listed = ok(&server.squall(&["ls"]))?;
    assert!(listed.lines().any(|l| l.starts_with("restsvc") && l.contains(" prod ")), "{listed}");
    assert!(listed.lines().any(|l| l.starts_with("restsvc") && l.contains(" dev ")), "{listed}");
    let out = ok(&server.squall(&["remove", "restsvc", "--stage", "prod"]))?;
    assert!(out.contains("removed service restsvc at stage prod"), "{out}");
    assert_eq!(server.get("/restsvc/prod/health")?.status, 404);
    assert_eq!(server.get("/restsvc/dev/health")?.text(), "ok", "the dev stage stays");
    Ok(())
}

#[test]
fn rest_settings_squall_cannot_honour_are_refused_by_name() -> Result {
    let server = Server::start()?;
    let refused = [
        (
            "      - http:\n          path: a\n          method: get\n          authorizer: aws_iam\n",
            "authorizers are not supported yet",
        ),
        (
            "      - http:\n          path: a\n          method: get\n          integration: lambda\n",
            "the lambda integration",
        ),
        (
            "      - http:\n          path: a\n          method: get\n          request:\n            schemas:\n              application/json: {}\n",
            "request body validation",
        ),
        ("      - http: 'GET /a'\n      - httpApi: 'GET /a'\n", "collides with a route"),
    ];
    for (events, message) in refused {
        let yaml = format!(
            "service: restbad\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  f:\n    handler: h.f\n    events:\n{events}"
        );
        let dir = service_dir(&yaml)?;
        std::fs::write(dir.path().join("h.py"), "def f(e, c):\n    return {}\n")?;
        let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
        assert!(err.contains("serverless.yml:") && err.contains(message), "{message}: {err}");
    }
    let yaml = "service: restbad\nprovider:\n  name: aws\n  runtime: python3.12\n  apiGateway:\n    resourcePolicy:\n      - Effect: Allow\nfunctions:\n  f:\n    handler: h.f\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("h.py"), "def f(e, c):\n    return {}\n")?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(
        err.contains("serverless.yml:6: provider.apiGateway.resourcePolicy: resource policies are not enforced yet"),
        "{err}"
    );
    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    assert!(!listed.contains("restbad"), "nothing was deployed: {listed}");
    Ok(())
}

#[test]
fn rest_routes_serve_custom_runtimes_and_webassembly_functions_too() -> Result {
    let server = Server::start()?;
    let yaml = format!(
        "service: restmix\nprovider:\n  name: aws\n  runtime: provided.al2023\n{FAULTS_BUILD}functions:\n  native:\n    handler: bootstrap\n    events:\n      - http: GET hello/{{name}}\n  component:\n    runtime: wasm\n    handler: {FAULTS_WASM}\n    events:\n      - http:\n          path: env/{{name}}\n          method: get\n"
    );
    let dir = service_dir(&yaml)?;
    std::fs::copy(root().join("tests/guests/lambda/rust/bootstrap"), dir.path().join("bootstrap"))?;
    server.deploy(dir.path())?;
    let r = server.get("/restmix/dev/hello/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello from Rust over REST, ada! call 1"));
    assert_eq!(r.header("x-resource"), Some("/hello/{name}"));
    let r = server.get("/restmix/dev/env/AWS_LAMBDA_FUNCTION_NAME")?;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = server.get("/restmix/dev/nothing/here")?;
    assert_eq!((r.status, r.text().as_str()), (403, r#"{"message":"Missing Authentication Token"}"#));
    Ok(())
}
