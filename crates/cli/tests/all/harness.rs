//! Starting servers, running the CLIs, making HTTP requests.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub type Result<T = ()> = anyhow::Result<T>;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root exists")
}

/// A running `squall server` with its own data directory; killed on drop.
pub struct Server {
    child: Child,
    /// With `SQUALL_TEST_STORE=postgres`: the PostgreSQL server this one keeps its state in.
    _pg: Option<std::sync::Arc<squall_storage_conformance::TempPostgres>>,
    pub api: String,
    pub http: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// Whether the suite runs on PostgreSQL (`SQUALL_TEST_STORE=postgres`, as `test.sh`'s
/// second pass does) rather than the embedded backend.
pub fn on_postgres() -> bool {
    std::env::var("SQUALL_TEST_STORE").is_ok_and(|v| v == "postgres")
}

/// On PostgreSQL: the throwaway server holding the state of the Squall server on
/// `data_dir`, its files beside that directory so a restarted Squall finds its state. Shared
/// by every Squall server of that directory alive at once, stopped with the last.
fn postgres_for(data_dir: &Path) -> Result<Option<std::sync::Arc<squall_storage_conformance::TempPostgres>>> {
    use std::sync::{Arc, Mutex, OnceLock, Weak};
    type Running = Mutex<std::collections::HashMap<PathBuf, Weak<squall_storage_conformance::TempPostgres>>>;
    static RUNNING: OnceLock<Running> = OnceLock::new();
    if !on_postgres() {
        return Ok(None);
    }
    let mut running = RUNNING.get_or_init(Default::default).lock().unwrap();
    if let Some(pg) = running.get(data_dir).and_then(Weak::upgrade) {
        return Ok(Some(pg));
    }
    let mut dir = data_dir.as_os_str().to_owned();
    dir.push("-postgres");
    let pg = Arc::new(squall_storage_conformance::TempPostgres::start_in(Path::new(&dir)).map_err(anyhow::Error::msg)?);
    running.insert(data_dir.to_path_buf(), Arc::downgrade(&pg));
    Ok(Some(pg))
}

impl Server {
    /// A server with a fresh data directory.
    pub fn start() -> Result<Server> {
        let tmp = tempfile::tempdir()?;
        let mut s = Server::start_in(&tmp.path().join("data"))?;
        s._tmp = Some(tmp);
        Ok(s)
    }

    /// A server with a fresh data directory and extra `squall server` flags.
    pub fn start_with(extra: &[&str]) -> Result<Server> {
        let tmp = tempfile::tempdir()?;
        let mut s = Server::launch(&tmp.path().join("data"), extra)?;
        s._tmp = Some(tmp);
        Ok(s)
    }

    /// A server on `data_dir` (kept after the server stops).
    pub fn start_in(data_dir: &Path) -> Result<Server> {
        Server::launch(data_dir, &[])
    }

    /// A server on `data_dir` with extra `squall server` flags.
    pub fn start_in_with(data_dir: &Path, extra: &[&str]) -> Result<Server> {
        Server::launch(data_dir, extra)
    }

    fn launch(data_dir: &Path, extra: &[&str]) -> Result<Server> {
        // A test naming its own store keeps it.
        let pg = if extra.contains(&"--store") { None } else { postgres_for(data_dir)? };
        let store: Vec<String> = pg.iter().flat_map(|pg| ["--store".to_string(), pg.url()]).collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_squall"))
            .args(["server", "--api", "127.0.0.1:0", "--http", "127.0.0.1:0", "--max-instances", "100", "--data-dir"])
            .arg(data_dir)
            .args(&store)
            .args(extra)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Keep draining after start: a closed pipe would fail the server's writes.
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                let _ = tx.send(line);
            }
        });
        let stderr_text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr_text.clone();
        let mut stderr = child.stderr.take().expect("piped");
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (mut api, mut http) = (None, None);
        while api.is_none() || http.is_none() {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
                // Its stdout closed (it exited) or it hung: once it is gone, its stderr is
                // read to the end, so the error it printed last is in the message.
                let _ = child.kill();
                let _ = child.wait();
                let _ = stderr_reader.join();
                anyhow::bail!("the server did not start: {}", stderr_text.lock().unwrap());
            };
            let addr = || line.split_whitespace().nth(1).map(String::from);
            if line.trim_start().starts_with("api:") {
                api = addr();
            } else if line.trim_start().starts_with("http:") {
                http = addr();
            }
        }
        Ok(Server {
            child,
            _pg: pg,
            api: api.unwrap(),
            http: http.unwrap(),
            data_dir: data_dir.to_path_buf(),
            _tmp: None,
            stderr: stderr_text,
        })
    }

    /// What the server logged so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends a signal to the server process.
    pub fn signal(&self, sig: &str) -> Result {
        let status = Command::new("kill").args([&format!("-{sig}"), &self.child.id().to_string()]).status()?;
        anyhow::ensure!(status.success(), "kill -{sig} failed");
        Ok(())
    }

    /// Waits (bounded) for the process to exit; returns its status.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait()? {
                return Ok(s);
            }
            anyhow::ensure!(std::time::Instant::now() < deadline, "the server did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).ok_or_else(|| anyhow::anyhow!("no VmHWM"))?;
        Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
    }

    /// `kill -9` and reap.
    pub fn kill9(&mut self) -> Result {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Runs `squall ARGS` against this server.
    pub fn squall(&self, args: &[&str]) -> Output {
        self.squall_with_env(args, &[])
    }

    /// [`Server::squall`] with more environment variables.
    pub fn squall_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_squall"))
            .args(args)
            .env("SQUALL_ENDPOINT", &self.api)
            .env("SQUALL_DATA_DIR", &self.data_dir)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .envs(env.iter().copied())
            .output()
            .expect("running squall")
    }

    /// Runs `aws --endpoint-url <api> ARGS` with the key the server created.
    pub fn aws(&self, args: &[&str]) -> Output {
        aws_command(&self.data_dir.join("credentials"))
            .arg("--endpoint-url")
            .arg(&self.api)
            .args(args)
            .output()
            .expect("running the aws CLI (the test setup installs it: ./test.sh)")
    }

    /// Runs a Python client script (boto3) with this server as its endpoint and key, and
    /// arguments for the script.
    pub fn python_with(&self, script: &Path, args: &[&str]) -> Output {
        self.python_command(script, args).output().expect("running python3 (the test setup installs boto3: ./test.sh)")
    }

    /// The command [`Server::python_with`] runs, for a script run in the background.
    pub fn python_command(&self, script: &Path, args: &[&str]) -> Command {
        let mut py = Command::new("python3");
        aws_env(&mut py, &self.data_dir.join("credentials"));
        py.env("AWS_ENDPOINT_URL", &self.api).arg(script).args(args);
        py
    }

    /// Runs the client script `tests/clients/<name>` and checks that it succeeded and
    /// printed `done` (what each script prints after its last check); failures show the
    /// script's output and the server's log.
    pub fn client_script(&self, name: &str, done: &str) -> Result {
        self.client_script_with(name, &[], done)
    }

    /// [`Server::client_script`] with arguments for the script.
    pub fn client_script_with(&self, name: &str, args: &[&str], done: &str) -> Result {
        let out = self.python_with(&root().join("tests/clients").join(name), args);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        anyhow::ensure!(
            out.status.success() && stdout.contains(done),
            "{name}:\n{stdout}\n{stderr}\n{}",
            self.stderr()
        );
        Ok(())
    }

    /// `GET` on the http port.
    pub fn get(&self, path: &str) -> Result<Reply> {
        Self::get_at(&self.http, path)
    }

    /// `GET` on `base` (for threads that cannot borrow the server).
    pub fn get_at(base: &str, path: &str) -> Result<Reply> {
        request(base, "GET", path, &[], Vec::new())
    }

    /// Any request on the http port.
    pub fn http_request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<Reply> {
        request(&self.http, method, path, headers, body)
    }

    /// Any request on the api port (unsigned unless the headers sign it).
    pub fn api_request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<Reply> {
        request(&self.api, method, path, headers, body)
    }

    /// A request on the api port signed with the server's key, `skew_secs` away from now.
    pub fn signed_api(&self, method: &str, path_and_query: &str, body: Vec<u8>, skew_secs: i64) -> Result<Reply> {
        let text = std::fs::read_to_string(self.data_dir.join("credentials"))?;
        let creds = squall_auth::Credentials::from_ini(&text, "squall").expect("the server wrote its key");
        self.signed_api_with(&creds, method, path_and_query, body, skew_secs, &[])
    }

    /// Like `signed_api`, with any key, and `unsigned` headers added after signing.
    pub fn signed_api_with(
        &self,
        creds: &squall_auth::Credentials,
        method: &str,
        path_and_query: &str,
        body: Vec<u8>,
        skew_secs: i64,
        unsigned: &[(&str, &str)],
    ) -> Result<Reply> {
        use sha2::Digest;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
        let date = squall_auth::format_amz_date(now + skew_secs);
        let host = self.api.trim_start_matches("http://").to_string();
        let hash = hex::encode(sha2::Sha256::digest(&body));
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let headers = [("host", host.as_str()), ("x-amz-date", date.as_str())];
        let signable = squall_auth::SignableRequest { method, path, query, headers: &headers, payload_hash: &hash };
        let auth = squall_auth::sign(
            &signable,
            &creds.access_key_id,
            &creds.secret_access_key,
            "us-east-1",
            "lambda",
            squall_auth::PathEncoding::Double,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut headers = vec![("x-amz-date", date.as_str()), ("authorization", auth.as_str())];
        headers.extend_from_slice(unsigned);
        self.api_request(method, path_and_query, &headers, body)
    }

    /// `aws lambda invoke` of `function` with `payload`: the command's JSON answer (status,
    /// FunctionError, LogResult) and the payload it wrote.
    pub fn lambda_invoke(&self, function: &str, payload: &str) -> Result<(serde_json::Value, String)> {
        let tmp = tempfile::tempdir()?;
        let out_file = tmp.path().join("out");
        // fileb:// sends the bytes as they are, with aws CLI v1 and v2 alike.
        let payload_file = tmp.path().join("payload.json");
        std::fs::write(&payload_file, payload)?;
        let payload_arg = format!("fileb://{}", payload_file.display());
        let out = self.aws(&[
            "lambda",
            "invoke",
            "--function-name",
            function,
            "--payload",
            &payload_arg,
            out_file.to_str().unwrap(),
        ]);
        let meta: serde_json::Value = serde_json::from_str(&ok(&out)?)?;
        Ok((meta, std::fs::read_to_string(&out_file)?))
    }

    /// Deploys `dir` and asserts success; returns stdout.
    pub fn deploy(&self, dir: &Path) -> Result<String> {
        let out = self.squall(&["deploy", dir.to_str().unwrap()]);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        anyhow::ensure!(out.status.success(), "deploy failed:\n{stdout}\n{stderr}");
        Ok(stdout.into_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `aws` command with a clean environment and the given credentials file.
pub fn aws_command(credentials: &Path) -> Command {
    let mut c = Command::new("aws");
    aws_env(&mut c, credentials);
    c
}

/// The environment AWS tools and SDKs read: this server's key, no other configuration.
pub fn aws_env(c: &mut Command, credentials: &Path) {
    c.env("AWS_SHARED_CREDENTIALS_FILE", credentials)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_PROFILE", "squall")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_PAGER", "")
        // Tests look at first answers; retries would hide throttling and slow failures.
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN");
}

/// An HTTP reply, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn request(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Result<Reply> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .build()
        .into();
    let mut req = http::Request::builder().method(method).uri(format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = agent.run(req.body(body)?)?;
    let status = resp.status().as_u16();
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = resp.body_mut().with_config().limit(256 << 20).read_to_vec()?;
    Ok(Reply { status, headers, body })
}

/// Stdout of a command that must succeed.
pub fn ok(out: &Output) -> Result<String> {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    anyhow::ensure!(out.status.success(), "command failed ({}):\n{stdout}\n{stderr}", out.status);
    Ok(stdout.into_owned())
}

/// Stderr of a command that must fail.
pub fn fails(out: &Output) -> Result<String> {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    anyhow::ensure!(!out.status.success(), "command should have failed:\n{stdout}\n{stderr}");
    Ok(stderr.into_owned())
}

/// A service directory with `serverless.yml` = `yaml`; `{faults}` in it becomes the
/// path of the faults guest's manifest directory.
pub fn service_dir(yaml: &str) -> Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let faults = root().join("tests/guests/faults");
    std::fs::write(dir.path().join("serverless.yml"), yaml.replace("{faults}", faults.to_str().unwrap()))?;
    Ok(dir)
}

/// The build step and handler of the faults guest, for test manifests.
pub const FAULTS_BUILD: &str = "custom:\n  squall:\n    build: cargo build --quiet --release --target wasm32-wasip2 --manifest-path {faults}/Cargo.toml --target-dir {faults}/target\n";
pub const FAULTS_WASM: &str = "{faults}/target/wasm32-wasip2/release/faults.wasm";
