//! `http` and `httpApi` events, `provider.apiGateway` and stages as the parser reads them.

use crate::{Inputs, parse, parse_with};
use squall_types::{PayloadVersion, RestCors, RouteApi};

fn manifest(provider: &str, events: &str) -> String {
    format!(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\n{provider}functions:\n  f:\n    handler: h.f\n    events:\n{events}"
    )
}

fn errors(yaml: &str) -> Vec<String> {
    match parse("serverless.yml", yaml) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn http_events_become_rest_routes() {
    let yaml = manifest(
        "",
        "      - http: GET items
      - http:
          path: /items/{id}/
          method: any
          private: true
          cors: true
          request:
            parameters:
              querystrings:
                q: true
                page: false
              headers:
                X-Tenant:
                  required: true
              paths:
                id: true
      - http:
          path: /
          method: post
          cors:
            origin: https://app.example
            headers: [X-A]
            maxAge: 60
            cacheControl: max-age=60
",
    );
    let m = parse("serverless.yml", &yaml).unwrap();
    let routes = &m.functions[0].routes;
    let keys: Vec<String> = routes.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(keys, ["GET /items", "ANY /items/{id}", "POST /"]);
    assert!(routes.iter().all(|r| r.function == "shop-dev-f"));
    let RouteApi::Rest(first) = &routes[0].api else { panic!("a REST route") };
    assert!(!first.private && first.cors.is_none() && first.required.is_empty());
    let RouteApi::Rest(second) = &routes[1].api else { panic!("a REST route") };
    assert!(second.private);
    assert_eq!(second.cors, Some(RestCors::framework_default()));
    assert_eq!(
        (second.required.querystrings.clone(), second.required.headers.clone()),
        (vec!["q".to_string()], vec!["X-Tenant".to_string()])
    );
    let RouteApi::Rest(third) = &routes[2].api else { panic!("a REST route") };
    let cors = third.cors.as_ref().unwrap();
    assert_eq!(
        (cors.origins.clone(), cors.headers.clone()),
        (vec!["https://app.example".to_string()], vec!["X-A".to_string()])
    );
    assert_eq!((cors.max_age, cors.cache_control.as_deref()), (Some(60), Some("max-age=60")));
}

#[test]
fn api_keys_binary_types_and_payload_versions_are_read() {
    let provider = "  apiGateway:
    apiKeys:
      - plain
      - name: given
        value: a-value-of-twenty-chars
        description: for partners
      - free:
          - grouped
    binaryMediaTypes: ['image/*']
  httpApi:
    payload: '1.0'
";
    let m = parse("serverless.yml", &manifest(provider, "      - httpApi: 'GET /a'\n")).unwrap();
    let keys: Vec<(&str, Option<&str>)> = m.api_keys.iter().map(|k| (k.name.as_str(), k.value.as_deref())).collect();
    assert_eq!(keys, [("plain", None), ("given", Some("a-value-of-twenty-chars")), ("grouped", None)]);
    assert_eq!(m.binary_media_types, ["image/*"]);
    assert_eq!(m.functions[0].routes[0].api, RouteApi::HttpApi { payload: PayloadVersion::V1 });
    let m = parse("serverless.yml", &manifest("", "      - httpApi: 'GET /a'\n")).unwrap();
    assert_eq!(m.functions[0].routes[0].api, RouteApi::HttpApi { payload: PayloadVersion::V2 });
}

#[test]
fn stages_name_the_deployment_and_its_functions() {
    let yaml = manifest("  stage: qa\n", "      - http: GET a\n");
    let m = parse("serverless.yml", &yaml).unwrap();
    assert_eq!((m.stage.as_str(), m.deployment().as_str()), ("qa", "shop-qa"));
    assert_eq!(m.functions[0].config.name.as_str(), "shop-qa-f");
    let inputs = Inputs { stage: Some("prod".into()), ..Default::default() };
    let m = parse_with("serverless.yml", &yaml, "http://127.0.0.1:4566", &inputs).unwrap();
    assert_eq!((m.stage.as_str(), m.functions[0].config.name.as_str()), ("prod", "shop-prod-f"), "--stage wins");
    let m = parse("serverless.yml", &manifest("", "      - http: GET a\n")).unwrap();
    assert_eq!(m.stage, "dev", "the framework's default");
    let bad = errors(&manifest("  stage: my_stage\n", "      - http: GET a\n"));
    assert_eq!(
        bad,
        ["serverless.yml:5: provider.stage: stage \"my_stage\" must be 1 to 64 letters, digits and hyphens"]
    );
}

#[test]
fn what_squall_cannot_honour_is_refused_with_its_line() {
    let cases = [
        (
            "",
            "      - http:\n          path: a\n          method: get\n          authorizer: aws_iam\n",
            "serverless.yml:12: functions.f.events[0].http.authorizer: authorizers are not supported yet",
        ),
        (
            "",
            "      - http:\n          path: a\n          method: get\n          integration: mock\n",
            "serverless.yml:12: functions.f.events[0].http.integration: only lambda-proxy is supported",
        ),
        (
            "",
            "      - http: a\n",
            "serverless.yml:9: functions.f.events[0].http: must be 'METHOD path' or {path, method}",
        ),
        (
            "",
            "      - http:\n          path: a\n",
            "serverless.yml:9: functions.f.events[0].http: needs both method and path",
        ),
        ("", "      - http: FETCH a\n", "serverless.yml:9: functions.f.events[0].http: unknown HTTP method \"FETCH\""),
        (
            "  apiGateway:\n    usagePlan:\n      quota:\n        limit: 5\n",
            "      - http: GET a\n",
            "serverless.yml:7: provider.apiGateway.usagePlan.quota: usage plan quotas are not enforced yet",
        ),
        (
            "  apiGateway:\n    apiKeys:\n      - name: k\n        value: short\n",
            "      - http: GET a\n",
            "serverless.yml:8: provider.apiGateway.apiKeys[0].value: an API key's value must have 20 to 128 characters",
        ),
        (
            "  apiGateway:\n    apiKeys:\n      - k\n      - k\n",
            "      - http: GET a\n",
            "serverless.yml:6: provider.apiGateway.apiKeys: the API key k is listed twice",
        ),
    ];
    for (provider, events, expected) in cases {
        let got = errors(&manifest(provider, events));
        assert!(got.iter().any(|e| e.starts_with(expected)), "expected {expected:?}, got {got:?}");
    }
}

#[test]
fn gateway_responses_are_read_and_what_they_cannot_do_is_refused() {
    let resources = |props: &str| {
        format!(
            "{}resources:\n  Resources:\n    G:\n      Type: AWS::ApiGateway::GatewayResponse\n      Properties:\n{props}",
            manifest("", "      - http: GET a\n")
        )
    };
    let good = resources(
        "        ResponseType: DEFAULT_4XX\n        StatusCode: 418\n        RestApiId: {Ref: ApiGatewayRestApi}\n        ResponseParameters:\n          gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\"\n          gatewayresponse.header.X-Echo: method.request.header.Origin\n",
    );
    let m = parse("serverless.yml", &good).unwrap();
    let g = &m.gateway_responses[0];
    assert_eq!((g.response_type.as_str(), g.status), ("DEFAULT_4XX", Some(418)));
    assert_eq!(g.headers.len(), 2);
    assert!(g.headers[1].from_request && g.headers[1].value == "Origin");
    let cases = [
        ("        ResponseType: WAF_FILTERED\n", "WAF_FILTERED responses are not given by squall's REST APIs"),
        (
            "        ResponseType: DEFAULT_4XX\n        RestApiId: some-other-api\n",
            "must be the service's own REST API",
        ),
        (
            "        ResponseType: DEFAULT_4XX\n        ResponseTemplates:\n          application/json: '{\"m\": \"$input.path(x)\"}'\n",
            "no other VTL",
        ),
        (
            "        ResponseType: DEFAULT_4XX\n        ResponseTemplates:\n          text/html: hi\n",
            "only the application/json template",
        ),
        (
            "        ResponseType: DEFAULT_4XX\n        ResponseParameters:\n          gatewayresponse.header.X: unquoted\n",
            "must be a quoted value",
        ),
        ("        StatusCode: 400\n", "needs a ResponseType"),
    ];
    for (props, expected) in cases {
        let got = errors(&resources(props));
        assert!(got.iter().any(|e| e.contains(expected)), "expected {expected:?}, got {got:?}");
    }
}

#[test]
fn usage_plan_throttles_reach_their_keys() {
    let single = "  apiGateway:\n    apiKeys: [a, b]\n    usagePlan:\n      throttle:\n        burstLimit: 5\n        rateLimit: 0.5\n";
    let m = parse("serverless.yml", &manifest(single, "      - http: GET a\n")).unwrap();
    let t = squall_types::Throttle { rate_milli: 500, burst: 5 };
    assert!(m.api_keys.iter().all(|k| k.throttle == Some(t)), "{:?}", m.api_keys);
    let named = "  apiGateway:\n    apiKeys:\n      - free: [f1]\n      - paid: [p1, p2]\n    usagePlan:\n      - free:\n          throttle: {burstLimit: 1, rateLimit: 1}\n      - paid:\n          throttle: {burstLimit: 100, rateLimit: 50}\n";
    let m = parse("serverless.yml", &manifest(named, "      - http: GET a\n")).unwrap();
    let bursts: Vec<(&str, u32)> = m.api_keys.iter().map(|k| (k.name.as_str(), k.throttle.unwrap().burst)).collect();
    assert_eq!(bursts, [("f1", 1), ("p1", 100), ("p2", 100)]);
    let orphan = "  apiGateway:\n    apiKeys: [k]\n    usagePlan:\n      - gold:\n          throttle: {burstLimit: 1, rateLimit: 1}\n";
    assert!(
        errors(&manifest(orphan, "      - http: GET a\n"))[0]
            .contains("no apiKeys group gold lists the keys of this plan")
    );
}

#[test]
fn the_older_provider_api_keys_and_usage_plan_are_read_too() {
    let older = "  apiKeys: [legacy]\n  usagePlan:\n    throttle: {burstLimit: 3, rateLimit: 2}\n";
    let m = parse("serverless.yml", &manifest(older, "      - http: GET a\n")).unwrap();
    assert_eq!(m.api_keys.len(), 1);
    assert_eq!(m.api_keys[0].throttle, Some(squall_types::Throttle { rate_milli: 2000, burst: 3 }));
}

#[test]
fn documentation_and_esbuild_packaging_settings_are_warned_about() {
    let yaml = manifest(
        "",
        "      - http:\n          path: a\n          method: get\n          documentation:\n            summary: x\n",
    )
    .replace(
        "service: shop\n",
        "service: shop\nplugins: [serverless-esbuild]\ncustom:\n  esbuild:\n    packager: yarn\n",
    );
    let m = parse("serverless.yml", &yaml).unwrap();
    assert!(m.warnings.iter().any(|w| w.contains("http.documentation: ignored")), "{:?}", m.warnings);
    assert!(m.warnings.iter().any(|w| w.contains("custom.esbuild.packager: ignored")), "{:?}", m.warnings);
}
