//! Bad input gets a clear error and changes nothing.

use crate::harness::*;

fn manifest(handler: &str, events: &str) -> String {
    format!(
        "service: bad\nprovider:\n  name: aws\n  runtime: wasm\nfunctions:\n  f:\n    handler: {handler}\n    events:\n{events}"
    )
}

/// Deploys `yaml` (with `files` written beside it) and returns the one-line error.
fn deploy_error(server: &Server, yaml: &str, files: &[(&str, Vec<u8>)]) -> Result<String> {
    let dir = service_dir(yaml)?;
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes)?;
    }
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    Ok(err)
}

#[test]
fn bad_manifests_name_file_line_and_key_and_change_nothing() -> Result {
    let server = Server::start()?;
    server.deploy(&root().join("examples/hello"))?;
    let hello = std::fs::read(root().join("examples/hello/target/wasm32-wasip2/release/hello.wasm"))?;
    let route = "      - httpApi: 'GET /x'\n";

    let err = deploy_error(&server, "service: bad\nprovider:\n  name: aws\n   runtime: [\n", &[])?;
    assert!(err.contains("serverless.yml:4") && err.contains("not valid YAML"), "{err}");

    let yaml = manifest("f.wasm", route).replace("runtime: wasm", "runtime: java8");
    let err = deploy_error(&server, &yaml, &[("f.wasm", hello.clone())])?;
    assert!(
        err.contains("serverless.yml:4: provider.runtime: runtime \"java8\" is not supported by Squall ("),
        "{err}"
    );

    let err = deploy_error(&server, &manifest("missing.wasm", route), &[])?;
    assert!(err.contains("serverless.yml:7: functions.f.handler: cannot read"), "{err}");

    let err = deploy_error(&server, &manifest("f.wasm", route), &[("f.wasm", b"not wasm at all".to_vec())])?;
    assert!(err.contains("functions.f.handler: f.wasm is not a WebAssembly file"), "{err}");

    let core = wat::parse_str("(module)")?;
    let err = deploy_error(&server, &manifest("f.wasm", route), &[("f.wasm", core)])?;
    assert!(err.contains("is a core WebAssembly module, not a component"), "{err}");

    let err = deploy_error(
        &server,
        &(manifest("f.wasm", route) + "  g:\n    handler: f.wasm\n    events:\n      - httpApi: 'GET /x'\n"),
        &[("f.wasm", hello.clone())],
    )?;
    assert!(err.contains("functions.g.events[0]: route GET /x collides with a route of functions.f"), "{err}");

    let err = deploy_error(
        &server,
        &(manifest("f.wasm", route) + "  g:\n    name: bad-dev-f\n    handler: f.wasm\n"),
        &[("f.wasm", hello.clone())],
    )?;
    assert!(err.contains("functions.g: the function name bad-dev-f is also used by functions.f"), "{err}");

    // Every error above is one line.
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Nothing was created, and hello still serves.
    let listed = ok(&server.aws(&["lambda", "list-functions"]))?;
    assert!(!listed.contains("bad-dev-f"), "{listed}");
    assert_eq!(server.get("/hello/dev/greet/ada")?.text(), "Hello, ada!");
    Ok(())
}

#[test]
fn a_component_without_the_http_export_is_refused_and_the_old_version_keeps_serving() -> Result {
    let server = Server::start()?;
    let hello_dir = root().join("examples/hello");
    let hello = std::fs::read(hello_dir.join("target/wasm32-wasip2/release/hello.wasm"))?;
    let yaml = "service: keep\nprovider:\n  name: aws\n  runtime: wasm\nfunctions:\n  f:\n    handler: f.wasm\n    events:\n      - httpApi: 'GET /greet/{name}'\n";
    let dir = service_dir(yaml)?;
    std::fs::write(dir.path().join("f.wasm"), &hello)?;
    server.deploy(dir.path())?;
    assert_eq!(server.get("/keep/dev/greet/ada")?.text(), "Hello, ada!");

    std::fs::write(dir.path().join("f.wasm"), wat::parse_str("(component)")?)?;
    let err = fails(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(err.contains("function keep-dev-f: the component does not export wasi:http/incoming-handler"), "{err}");
    assert_eq!(server.get("/keep/dev/greet/ada")?.text(), "Hello, ada!");
    Ok(())
}

#[test]
fn deploying_to_a_server_that_is_not_running_says_so() -> Result {
    let tmp = tempfile::tempdir()?;
    let data_dir = tmp.path().join("data");
    let server = Server::start_in(&data_dir)?;
    let api = server.api.clone();
    drop(server);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_squall"))
        .args(["deploy", root().join("examples/hello").to_str().unwrap()])
        .env("SQUALL_ENDPOINT", &api)
        .env("SQUALL_DATA_DIR", &data_dir)
        .output()?;
    let err = fails(&out)?;
    assert!(err.starts_with("error: cannot reach the squall server at"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    Ok(())
}

#[test]
fn unsigned_wrongly_signed_and_stale_requests_get_403() -> Result {
    let server = Server::start()?;
    let r = server.api_request("GET", "/2015-03-31/functions/", &[], vec![])?;
    assert_eq!((r.status, r.header("x-amzn-errortype")), (403, Some("MissingAuthenticationTokenException")));
    assert!(r.text().contains("Missing Authentication Token"));

    assert_eq!(server.signed_api("GET", "/2015-03-31/functions/", vec![], 0)?.status, 200);
    let stale = server.signed_api("GET", "/2015-03-31/functions/", vec![], -20 * 60)?;
    assert_eq!((stale.status, stale.header("x-amzn-errortype")), (403, Some("InvalidSignatureException")));
    assert!(stale.text().contains("Signature expired"), "{}", stale.text());

    let text = std::fs::read_to_string(server.data_dir.join("credentials"))?;
    let mut creds = squall_auth::Credentials::from_ini(&text, "squall").unwrap();
    creds.secret_access_key = "wrong".into();
    let wrong = server.signed_api_with(&creds, "GET", "/2015-03-31/functions/", vec![], 0, &[])?;
    assert_eq!((wrong.status, wrong.header("x-amzn-errortype")), (403, Some("InvalidSignatureException")));
    creds.access_key_id = "AKSQNOTAREALKEY00000".into();
    let unknown = server.signed_api_with(&creds, "GET", "/2015-03-31/functions/", vec![], 0, &[])?;
    assert_eq!((unknown.status, unknown.header("x-amzn-errortype")), (403, Some("UnrecognizedClientException")));

    // An x-amz-* header added to a signed request (a replay with a twist) is refused.
    let text = std::fs::read_to_string(server.data_dir.join("credentials"))?;
    let good = squall_auth::Credentials::from_ini(&text, "squall").unwrap();
    let added =
        server.signed_api_with(&good, "GET", "/2015-03-31/functions/", vec![], 0, &[("x-amz-log-type", "Tail")])?;
    assert_eq!((added.status, added.header("x-amzn-errortype")), (403, Some("InvalidSignatureException")));
    assert!(added.text().contains("x-amz-log-type must be signed"), "{}", added.text());

    // The aws CLI with a wrong secret sees AWS's error.
    let creds_file = server.data_dir.join("wrong-credentials");
    std::fs::write(&creds_file, creds.to_ini("squall"))?;
    let out = aws_command(&creds_file).args(["--endpoint-url", &server.api, "lambda", "list-functions"]).output()?;
    let err = fails(&out)?;
    assert!(err.contains("UnrecognizedClientException"), "{err}");
    Ok(())
}

#[test]
fn lambda_api_refuses_bad_packages_and_parameters() -> Result {
    let server = Server::start()?;
    let tmp = tempfile::tempdir()?;
    let hello = std::fs::read(root().join("examples/hello/target/wasm32-wasip2/release/hello.wasm"))?;
    let zip_path = tmp.path().join("hello.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path)?);
    zip.start_file(
        "f.wasm",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )?;
    std::io::Write::write_all(&mut zip, &hello)?;
    zip.finish()?;
    let fileb = format!("fileb://{}", zip_path.display());
    let create = |runtime: &str, file: &str| {
        server.aws(&[
            "lambda",
            "create-function",
            "--function-name",
            "f",
            "--runtime",
            runtime,
            "--handler",
            "f.wasm",
            "--role",
            "arn:aws:iam::000000000000:role/r",
            "--zip-file",
            file,
        ])
    };
    // The aws CLI refuses a file that is not a zip itself; send one directly.
    let body =
        br#"{"FunctionName":"g","Runtime":"wasm","Role":"r","Handler":"f.wasm","Code":{"ZipFile":"bm90IGEgemlw"}}"#;
    let r = server.signed_api("POST", "/2015-03-31/functions", body.to_vec(), 0)?;
    assert_eq!((r.status, r.header("x-amzn-errortype")), (400, Some("InvalidParameterValueException")));
    assert!(r.text().contains("Could not unzip"), "{}", r.text());
    let r = server.signed_api("POST", "/2015-03-31/functions", b"{not json".to_vec(), 0)?;
    assert_eq!((r.status, r.header("x-amzn-errortype")), (400, Some("InvalidRequestContentException")));
    let err = fails(&create("java8", &fileb))?;
    assert!(err.contains("InvalidParameterValueException") && err.contains("runtime"), "{err}");

    // A zip holding the component at the handler's path is a package.
    let out = ok(&create("wasm", &fileb))?;
    assert!(out.contains("\"State\": \"Active\""), "{out}");
    let err = fails(&create("wasm", &fileb))?;
    assert!(err.contains("ResourceConflictException"), "{err}");
    let out_file = tmp.path().join("out");
    ok(&server.aws(&["lambda", "invoke", "--function-name", "f", out_file.to_str().unwrap()]))?;
    assert_eq!(std::fs::read_to_string(&out_file)?, "Hello, world!");
    let before: serde_json::Value =
        serde_json::from_str(&ok(&server.aws(&["lambda", "get-function", "--function-name", "f"]))?)?;
    let out = ok(&server.aws(&["lambda", "update-function-code", "--function-name", "f", "--zip-file", &fileb]))?;
    let after: serde_json::Value = serde_json::from_str(&out)?;
    assert_ne!(before["Configuration"]["RevisionId"], after["RevisionId"], "an update makes a new revision");
    assert_eq!(before["Configuration"]["CodeSha256"], after["CodeSha256"], "same code, same digest");
    let out = ok(&server.aws(&["lambda", "update-function-configuration", "--function-name", "f", "--timeout", "9"]))?;
    assert!(out.contains("\"Timeout\": 9"), "{out}");
    let err =
        fails(&server.aws(&["lambda", "update-function-configuration", "--function-name", "f", "--timeout", "1000"]))?;
    assert!(err.contains("InvalidParameterValueException"), "{err}");
    // A runtime that cannot run the stored code is refused, and the function keeps working.
    let err = fails(&server.aws(&[
        "lambda",
        "update-function-configuration",
        "--function-name",
        "f",
        "--runtime",
        "python3.11",
    ]))?;
    assert!(err.contains("InvalidParameterValueException") && err.contains("not a zip"), "{err}");
    let wrong = ok(&server.aws(&["lambda", "get-function", "--function-name", "f"]))?;
    assert!(wrong.contains("\"Runtime\": \"wasm\""), "{wrong}");
    ok(&server.aws(&["lambda", "delete-function", "--function-name", "f"]))?;
    let err = fails(&server.aws(&["lambda", "get-function", "--function-name", "f"]))?;
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    Ok(())
}

#[test]
fn each_service_is_recognised_once_and_refuses_in_its_own_protocol() -> Result {
    let server = Server::start()?;
    server.client_script("protocol.py", "all protocol checks passed")
}
