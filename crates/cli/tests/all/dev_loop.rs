//! `squall dev DIR`: a change to a file of the service is deployed while a request already
//! running finishes on the version it started on, and the functions' log lines are shown.

use crate::harness::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HANDLER: &str = "import time\ndef handler(event, context):\n    slow = (event.get('queryStringParameters') or {}).get('slow')\n    print('serving VERSION' + (' slowly' if slow else ''), flush=True)\n    if slow:\n        time.sleep(3)\n    return {'statusCode': 200, 'body': 'VERSION'}\n";

/// Waits (at most `limit`) until `done` holds.
fn wait_for(limit: Duration, what: &str, done: impl Fn() -> bool) -> Result {
    let started = Instant::now();
    while !done() {
        if started.elapsed() > limit {
            anyhow::bail!("{what} did not happen within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

#[test]
fn squall_dev_deploys_each_change_while_a_running_request_finishes_on_its_version() -> Result {
    let server = Server::start()?;
    let dir = service_dir(
        "service: devsvc\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: app.handler\n    events:\n      - httpApi: 'GET /hello'\n",
    )?;
    std::fs::write(dir.path().join("app.py"), HANDLER.replace("VERSION", "one"))?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_squall"))
        .arg("dev")
        .arg(dir.path())
        .env("SQUALL_ENDPOINT", &server.api)
        .env("SQUALL_DATA_DIR", &server.data_dir)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let output = Arc::new(Mutex::new(String::new()));
    for stream in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(|l| l.ok()) {
                out.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    let shown = |text: &str| output.lock().unwrap().contains(text);
    let result = (|| -> Result {
        wait_for(Duration::from_secs(60), "the first deploy", || shown("squall dev: live"))?;
        assert_eq!(server.get("/devsvc/dev/hello")?.text(), "one");
        wait_for(Duration::from_secs(10), "its log line", || shown("devsvc-dev-hello"))?;
        let slow = {
            let http = server.http.clone();
            std::thread::spawn(move || Server::get_at(&http, "/devsvc/dev/hello?slow=1").map(|r| r.text()))
        };
        wait_for(Duration::from_secs(10), "the slow request to start", || shown("serving one slowly"))?;
        std::fs::write(dir.path().join("app.py"), HANDLER.replace("VERSION", "two"))?;
        wait_for(Duration::from_secs(30), "the change to be live", || {
            server.get("/devsvc/dev/hello").is_ok_and(|r| r.text() == "two")
        })?;
        assert!(shown("app.py changed, deploying"), "{}", output.lock().unwrap());
        let finished = slow.join().map_err(|_| anyhow::anyhow!("the slow request panicked"))??;
        assert_eq!(finished, "one", "the request running during the change finished on its version");
        wait_for(Duration::from_secs(10), "the new version's log line", || shown("serving two"))?;
        assert!(shown("REPORT RequestId"), "{}", output.lock().unwrap());
        // A broken edit is reported and the last good version keeps serving.
        std::fs::write(dir.path().join("serverless.yml"), "service: devsvc\nprovider: [broken\n")?;
        wait_for(Duration::from_secs(30), "the refusal", || shown("not deployed"))?;
        assert_eq!(server.get("/devsvc/dev/hello")?.text(), "two");
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}
