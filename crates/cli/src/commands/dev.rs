//! `squall dev DIR`: deploys the service, then deploys it again whenever a file of its
//! directory changes (looked at every 50 ms; deployed once it has rested 30 ms) (the build command, a WebAssembly build say, runs first), and streams
//! every function's log lines in one terminal. A deploy swaps functions atomically: new
//! invocations reach the new version while running ones finish on the old.

use super::deploy::{Options, deploy};
use crate::ClientArgs;
use crate::client::{Client, segment};
use http::Method;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How often the directory is looked at.
const WATCH_EVERY: Duration = Duration::from_millis(50);
/// How long a change must rest before it is deployed (an editor writing in steps).
const SETTLE: Duration = Duration::from_millis(30);
/// How often the functions' logs are read.
const LOGS_EVERY: Duration = Duration::from_millis(200);

/// What the directory's files are: each one's size and modification time.
type Fingerprint = BTreeMap<String, (u64, Option<SystemTime>)>;

fn fingerprint(dir: &Path) -> Fingerprint {
    let files = super::package::list_files(dir).unwrap_or_default();
    files
        .into_iter()
        .filter_map(|rel| {
            let meta = std::fs::metadata(dir.join(&rel)).ok()?;
            Some((rel, (meta.len(), meta.modified().ok())))
        })
        .collect()
}

pub(crate) fn run(args: &ClientArgs, dir: &Path, options: Options) -> anyhow::Result<ExitCode> {
    // The deployment whose functions' logs are shown (known after the first deploy).
    let deployment: Arc<Mutex<Option<String>>> = Arc::default();
    let follow = deployment.clone();
    let log_args = args.clone();
    std::thread::spawn(move || {
        if let Err(e) = follow_logs(&log_args, &follow) {
            eprintln!("squall dev: the logs stopped: {e:#}");
        }
    });
    let mut seen = fingerprint(dir);
    let redeploy = |why: &str| {
        println!("squall dev: {why}");
        let started = Instant::now();
        match deploy(args, dir, options.clone()) {
            Ok(name) => {
                *deployment.lock().unwrap_or_else(|p| p.into_inner()) = Some(name);
                println!(
                    "squall dev: live in {} ms; watching {} for changes",
                    started.elapsed().as_millis(),
                    dir.display()
                );
            }
            // A broken edit is reported and the last good version keeps serving.
            Err(e) => eprintln!("squall dev: not deployed ({e:#}); the previous version keeps serving"),
        }
    };
    redeploy("deploying");
    loop {
        std::thread::sleep(WATCH_EVERY);
        let now = fingerprint(dir);
        if now == seen {
            continue;
        }
        // Let an editor finish writing (several files, or a save in steps).
        let mut settled = now;
        loop {
            std::thread::sleep(SETTLE);
            let again = fingerprint(dir);
            if again == settled {
                break;
            }
            settled = again;
        }
        let changed: Vec<&String> = settled
            .iter()
            .filter(|(k, v)| seen.get(*k) != Some(v))
            .map(|(k, _)| k)
            .chain(seen.keys().filter(|k| !settled.contains_key(*k)))
            .collect();
        let what = match changed.as_slice() {
            [one] => format!("{one} changed, deploying"),
            many => format!("{} files changed, deploying", many.len()),
        };
        seen = settled;
        redeploy(&what);
    }
}

/// Prints the new log lines of the deployment's functions, each prefixed by its function
/// (in a colour of its own on a terminal) and the request id.
fn follow_logs(args: &ClientArgs, deployment: &Mutex<Option<String>>) -> anyhow::Result<()> {
    let client = Client::new(args)?;
    let colour = std::io::stdout().is_terminal();
    // Lines written before `squall dev` started are not shown again.
    let since_ms = squall_clock::wall_ms();
    super::block_on(async move {
        // Where each function's lines were read to.
        let mut after: HashMap<String, u64> = HashMap::new();
        loop {
            tokio::time::sleep(LOGS_EVERY).await;
            let Some(name) = deployment.lock().unwrap_or_else(|p| p.into_inner()).clone() else { continue };
            let services = client.call(Method::GET, "/squall/v1/services", vec![]).await?.json()?;
            let functions: Vec<String> = services["services"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["name"] == name.as_str())
                .flat_map(|s| s["functions"].as_array().cloned().unwrap_or_default())
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect();
            for (i, function) in functions.iter().enumerate() {
                let base = format!("/squall/v1/functions/{}/logs", segment(function));
                let query = match after.get(function) {
                    Some(seq) => format!("{base}?after={seq}"),
                    None => format!("{base}?tail=1000"),
                };
                let Ok(resp) = client.call(Method::GET, &query, vec![]).await else { continue };
                let r = resp.json()?;
                let lines = r["lines"].as_array().cloned().unwrap_or_default();
                let first_look = !after.contains_key(function);
                if let Some(last) = lines.last().and_then(|l| l["seq"].as_u64()) {
                    after.insert(function.clone(), last);
                } else {
                    after.entry(function.clone()).or_insert(0);
                }
                let fresh: Vec<Value> = lines
                    .into_iter()
                    .filter(|l| !first_look || l["ts_ms"].as_u64().is_some_and(|t| t >= since_ms))
                    .collect();
                print(function, i, &fresh, colour);
            }
        }
    })
}

fn print(function: &str, index: usize, lines: &[Value], colour: bool) {
    const COLOURS: [&str; 6] = ["36", "35", "33", "32", "34", "31"];
    let mut out = std::io::stdout().lock();
    for l in lines {
        let request = l["request_id"].as_str().unwrap_or("-");
        let short = request.get(..8).unwrap_or(request);
        let message = l["message"].as_str().unwrap_or("");
        let line = if colour {
            format!("\x1b[{}m{function}\x1b[0m \x1b[2m{short}\x1b[0m {message}\n", COLOURS[index % COLOURS.len()])
        } else {
            format!("{function} {short} {message}\n")
        };
        let _ = out.write_all(line.as_bytes());
    }
    let _ = out.flush();
}
