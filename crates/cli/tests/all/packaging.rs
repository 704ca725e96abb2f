//! serverless.yml `package` (patterns, individually, artifact) and the plugins whose work
//! `squall deploy` does: serverless-python-requirements (pip, cached by the file's hash)
//! and serverless-dotenv-plugin; other plugins are warned about.

use crate::harness::*;
use std::path::Path;

const YAML: &str = "service: pkg
frameworkVersion: '3'
plugins:
  - serverless-python-requirements
  - serverless-dotenv-plugin
  - serverless-offline
  - serverless-domain-manager
custom:
  pythonRequirements:
    dockerizePip: non-linux
provider:
  name: aws
  runtime: python3.12
package:
  individually: true
  patterns:
    - '!tests/**'
    - '!*.md'
functions:
  api:
    handler: handler.main
    environment:
      FROM_YAML: yaml
    package:
      patterns:
        - '!other/**'
  other:
    handler: other/handler.main
    package:
      patterns:
        - '!handler.py'
  prebuilt:
    handler: prebuilt.main
    package:
      artifact: dist/prebuilt.zip
";

const HANDLER: &str = "import os\nimport tinypkg\n\ndef main(event, context):\n    files = sorted(os.path.relpath(os.path.join(d, f), os.environ['LAMBDA_TASK_ROOT']) for d, _, fs in os.walk(os.environ['LAMBDA_TASK_ROOT']) for f in fs)\n    return {'tiny': tinypkg.VALUE, 'files': files, 'env': {k: os.environ.get(k) for k in ['FROM_DOTENV', 'FROM_YAML', 'SHARED']}}\n";

/// A wheel of a one-module package, made here so pip installs without a network.
fn wheel(dir: &Path) -> Result {
    let script = r#"
import base64, hashlib, sys, zipfile
files = {"tinypkg/__init__.py": b"VALUE = 'from the wheel'\n",
         "tinypkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
         "tinypkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: squall-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}\n" for n, b in files.items())
record += "tinypkg-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, b in files.items():
        z.writestr(n, b)
    z.writestr("tinypkg-1.0.dist-info/RECORD", record)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("wheels/tinypkg-1.0-py3-none-any.whl"))
        .output()?;
    anyhow::ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

fn service() -> Result<tempfile::TempDir> {
    let dir = service_dir(YAML)?;
    let d = dir.path();
    for sub in ["wheels", "tests", "other", "dist"] {
        std::fs::create_dir_all(d.join(sub))?;
    }
    wheel(d)?;
    std::fs::write(d.join("requirements.txt"), "./wheels/tinypkg-1.0-py3-none-any.whl\n")?;
    std::fs::write(d.join("handler.py"), HANDLER)?;
    std::fs::write(d.join("other/handler.py"), HANDLER)?;
    std::fs::write(d.join("tests/test_handler.py"), "def test(): pass\n")?;
    std::fs::write(d.join("README.md"), "# pkg\n")?;
    std::fs::write(d.join(".env"), "FROM_DOTENV=plain\nSHARED=from-env-file\n")?;
    std::fs::write(d.join(".env.dev"), "FROM_DOTENV=dev-file\n")?;
    // A package built elsewhere, used as it is.
    let zip = std::fs::File::create(d.join("dist/prebuilt.zip"))?;
    let mut w = zip::ZipWriter::new(zip);
    w.start_file("prebuilt.py", zip::write::SimpleFileOptions::default())?;
    std::io::Write::write_all(&mut w, b"def main(event, context):\n    return 'prebuilt'\n")?;
    w.finish()?;
    Ok(dir)
}

#[test]
fn patterns_artifacts_requirements_and_dotenv_shape_each_package() -> Result {
    let server = Server::start()?;
    let dir = service()?;
    let cache = tempfile::tempdir()?;
    let deploy = || {
        server.squall_with_env(
            &["deploy", dir.path().to_str().unwrap()],
            &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
        )
    };
    let out = deploy();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("installing requirements.txt with pip").count(), 1, "{stdout}");
    assert!(stderr.contains("plugins[3]: the plugin serverless-domain-manager does not run under squall"), "{stderr}");
    assert!(stderr.contains("custom.pythonRequirements.dockerizePip: ignored"), "{stderr}");
    assert!(!stderr.contains("serverless-offline"), "known plugins are accepted quietly: {stderr}");

    let (_, api) = server.lambda_invoke("pkg-dev-api", "{}")?;
    let api: serde_json::Value = serde_json::from_str(&api)?;
    assert_eq!(api["tiny"], "from the wheel", "{api}");
    let files: Vec<&str> = api["files"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(files.contains(&"handler.py") && files.contains(&"tinypkg/__init__.py"), "{files:?}");
    for absent in ["README.md", "tests/test_handler.py", "other/handler.py", "serverless.yml"] {
        assert_eq!(files.contains(&absent), absent == "serverless.yml", "{absent}: {files:?}");
    }
    assert_eq!(
        api["env"],
        serde_json::json!({"FROM_DOTENV": "dev-file", "FROM_YAML": "yaml", "SHARED": "from-env-file"})
    );

    let (_, other) = server.lambda_invoke("pkg-dev-other", "{}")?;
    let other: serde_json::Value = serde_json::from_str(&other)?;
    let files: Vec<&str> = other["files"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(files.contains(&"other/handler.py") && !files.contains(&"handler.py"), "{files:?}");
    assert_eq!(server.lambda_invoke("pkg-dev-prebuilt", "{}")?.1, "\"prebuilt\"");

    // Nothing changed: pip does not run again and nothing is uploaded.
    let again = deploy();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success() && !stdout.contains("installing"), "{stdout}");
    assert_eq!(stdout.matches("not uploaded").count(), 3, "{stdout}");
    Ok(())
}

#[test]
fn a_requirement_pip_cannot_install_stops_the_deploy() -> Result {
    let server = Server::start()?;
    let dir = service()?;
    std::fs::write(dir.path().join("requirements.txt"), "./wheels/missing-1.0-py3-none-any.whl\n")?;
    let cache = tempfile::tempdir()?;
    let out = server.squall_with_env(
        &["deploy", dir.path().to_str().unwrap()],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    let err = fails(&out)?;
    assert!(err.contains("pip could not install requirements.txt"), "{err}");
    assert!(!ok(&server.aws(&["lambda", "list-functions"]))?.contains("pkg-dev"), "nothing deployed");
    Ok(())
}

const TYPESCRIPT: &str = "service: tsfns
plugins:
  - serverless-esbuild
custom:
  esbuild:
    minify: true
    sourcemap: true
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: src/handler.hello
    events:
      - httpApi: 'GET /hello/{name}'
";

#[test]
fn typescript_handlers_are_bundled_with_esbuild() -> Result {
    let server = Server::start()?;
    let dir = service_dir(TYPESCRIPT)?;
    std::fs::create_dir_all(dir.path().join("src/lib"))?;
    std::fs::write(
        dir.path().join("src/lib/greet.ts"),
        "export interface Greeting { text: string }\nexport const greet = (name: string): Greeting => ({ text: `Hello, ${name}` });\n",
    )?;
    std::fs::write(
        dir.path().join("src/handler.ts"),
        "import { greet } from './lib/greet';\nexport const hello = async (event: { pathParameters: { name: string } }) => ({ statusCode: 200, body: greet(event.pathParameters.name).text + ' from TypeScript' });\n",
    )?;
    let out = ok(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    assert!(out.contains("bundling src/handler.ts with esbuild"), "{out}");
    let r = server.get("/tsfns/dev/hello/ada")?;
    assert_eq!((r.status, r.text().as_str()), (200, "Hello, ada from TypeScript"));

    // Without esbuild the deploy says how to get it, and changes nothing.
    std::fs::write(dir.path().join("src/lib/greet.ts"), "export const greet = (n: string) => ({ text: n });\n")?;
    let err = fails(&server.squall_with_env(&["deploy", dir.path().to_str().unwrap()], &[("PATH", "/nonexistent")]))?;
    assert!(err.contains("need esbuild to be bundled: run `npm install --save-dev esbuild`"), "{err}");
    assert_eq!(server.get("/tsfns/dev/hello/ada")?.text(), "Hello, ada from TypeScript");
    Ok(())
}

const WSGI: &str = "service: wsgiapp
plugins:
  - serverless-wsgi
custom:
  wsgi:
    app: app.app
    packRequirements: false
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: wsgi_handler.handler
    events:
      - http: ANY /
      - http: 'ANY /{proxy+}'
  v2:
    handler: wsgi_handler.handler
    events:
      - httpApi: 'GET /v2/{proxy+}'
";

/// A WSGI app without a framework: what Flask and Django apps look like to the adapter.
const WSGI_APP: &str = r#"import json

def app(environ, start_response):
    if environ["PATH_INFO"].endswith("/logo.png"):
        start_response("200 OK", [("Content-Type", "image/png")])
        return [b"\x89PNG\x00\xff"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode()
    seen = {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "query": environ["QUERY_STRING"],
            "body": body, "type": environ.get("CONTENT_TYPE"), "custom": environ.get("HTTP_X_CUSTOM")}
    start_response("201 Created", [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")])
    return [json.dumps(seen).encode()]
"#;

#[test]
fn wsgi_apps_answer_through_the_adapter_squall_ships() -> Result {
    let server = Server::start()?;
    let dir = service_dir(WSGI)?;
    std::fs::write(dir.path().join("app.py"), WSGI_APP)?;
    ok(&server.squall(&["deploy", dir.path().to_str().unwrap()]))?;
    let r = server.http_request(
        "POST",
        "/wsgiapp/dev/items/7?x=1&x=2",
        &[("content-type", "application/json"), ("x-custom", "yes")],
        br#"{"a":1}"#.to_vec(),
    )?;
    assert_eq!(r.status, 201, "{}", r.text());
    let seen: serde_json::Value = serde_json::from_str(&r.text())?;
    assert_eq!(
        seen,
        serde_json::json!({"method": "POST", "path": "/items/7", "query": "x=1&x=2", "body": "{\"a\":1}", "type": "application/json", "custom": "yes"})
    );
    assert_eq!(r.headers.iter().filter(|(k, _)| k == "set-cookie").count(), 2, "every Set-Cookie");
    let root = server.get("/wsgiapp/dev/")?;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&root.text())?["path"], "/");
    let v2 = server.get("/wsgiapp/dev/v2/logo.png")?;
    assert_eq!((v2.status, v2.body.as_slice()), (200, &b"\x89PNG\x00\xff"[..]), "binary through payload 2.0");
    Ok(())
}
