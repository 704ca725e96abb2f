//! The client commands. Each builds a [`Client`], makes its calls and prints.

mod buckets;
mod bundle;
pub(crate) mod canary;
pub(crate) mod deploy;
pub(crate) mod dev;
pub(crate) mod executions;
mod layers;
mod package;
mod permissions;
pub(crate) mod replay;
mod roles;
mod rules;
mod schedules;
pub(crate) mod server;
mod state_machines;

use crate::ClientArgs;
use crate::client::{Client, segment, server_error};
use anyhow::Context;
use http::Method;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// Runs `f` on a small single-threaded runtime: the client commands make a few calls.
pub(crate) fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?.block_on(f)
}

/// Removes a service's functions; first unsubscribes them from their topics, takes them
/// out of their buckets' notification configurations (the topics and buckets, with their
/// objects, stay, like tables and queues) and deletes its event rules, schedules and state
/// machines; then the IAM roles it declared, which nothing of it runs as any more.
pub(crate) fn remove(args: &ClientArgs, service: &str, stage: &str) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let services = client.call(Method::GET, "/squall/v1/services", vec![]).await?.json()?;
        let listed: Vec<&Value> = services["services"].as_array().into_iter().flatten().collect();
        let staged = format!("{service}-{stage}");
        // The service at that stage, else one deployed before stages existed.
        let Some(record) = listed
            .iter()
            .find(|s| s["name"] == staged.as_str() && s["stage"] == stage)
            .or_else(|| listed.iter().find(|s| s["name"] == service && s["stage"].is_null()))
        else {
            anyhow::bail!("no service {service} is deployed at stage {stage}");
        };
        let deployment = record["name"].as_str().unwrap_or(service).to_string();
        let functions: std::collections::HashSet<String> =
            record["functions"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
        let mut kept_buckets = Vec::new();
        if !functions.is_empty() {
            deploy::unsubscribe_functions(&client, &functions, &Default::default())
                .await
                .context("unsubscribing the service's functions from their topics; nothing was removed")?;
            kept_buckets = buckets::remove_notifications(&client, &functions).await.context(
                "taking the service's functions out of their buckets' notifications; no function was removed",
            )?;
        }
        // Rule targets are the service's functions and state machines.
        let mut targets = functions.clone();
        targets.extend(
            state_machines::owned_names(&client, &deployment)
                .await
                .context("listing the service's state machines; no function was removed")?,
        );
        if !targets.is_empty() {
            rules::remove_rules(&client, &deployment, &targets, &Default::default())
                .await
                .context("removing the service's event rules; no function was removed")?;
        }
        rules::remove_buses(&client, &deployment, &Default::default())
            .await
            .context("removing the service's event buses; no function was removed")?;
        schedules::remove_schedules(&client, &deployment)
            .await
            .context("removing the service's schedules; no function was removed")?;
        state_machines::remove_state_machines(&client, &deployment)
            .await
            .context("removing the service's state machines; no function was removed")?;
        let path = format!("/squall/v1/services/{}", segment(&deployment));
        let r = client.call(Method::DELETE, &path, vec![]).await?.json()?;
        roles::remove_roles(&client, &deployment)
            .await
            .context("the service's functions are removed, but the IAM roles it declared are not all deleted")?;
        let removed: Vec<&str> = r["removed"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let at = if record["stage"].is_null() { String::new() } else { format!(" at stage {stage}") };
        println!("removed service {service}{at} ({} functions: {})", removed.len(), removed.join(", "));
        if !kept_buckets.is_empty() {
            println!("kept buckets {} and their objects (squall never deletes buckets)", kept_buckets.join(", "));
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn invoke(args: &ClientArgs, function: &str, data: &str) -> anyhow::Result<ExitCode> {
    serde_json::from_str::<Value>(data).context("--data is not valid JSON")?;
    let client = Client::new(args)?;
    block_on(async {
        let path = format!("/2015-03-31/functions/{}/invocations", segment(function));
        let resp = client.send(Method::POST, &path, &[], data.as_bytes().to_vec()).await?;
        if !resp.status.is_success() {
            return Err(server_error(&resp));
        }
        if resp.headers.contains_key("x-amz-function-error") {
            eprintln!("{}", String::from_utf8_lossy(&resp.body));
            return Ok(ExitCode::FAILURE);
        }
        let mut out = std::io::stdout().lock();
        out.write_all(&resp.body)?;
        if !resp.body.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints log lines; `false` once stdout is closed (`squall logs f | head`), so the caller
/// stops instead of failing.
fn print_lines(lines: &[Value]) -> bool {
    let mut out = std::io::stdout().lock();
    for l in lines {
        let ts = l["ts_ms"].as_u64().unwrap_or(0);
        let line = format!(
            "{} {} {}\n",
            squall_types::format_iso8601_millis_z(ts),
            l["request_id"].as_str().unwrap_or("-"),
            l["message"].as_str().unwrap_or("")
        );
        if out.write_all(line.as_bytes()).is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

pub(crate) fn logs(args: &ClientArgs, function: &str, follow: bool, tail: u32) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let base = format!("/squall/v1/functions/{}/logs", segment(function));
        let r = client.call(Method::GET, &format!("{base}?tail={tail}"), vec![]).await?.json()?;
        let lines = r["lines"].as_array().cloned().unwrap_or_default();
        if !print_lines(&lines) || !follow {
            return Ok(ExitCode::SUCCESS);
        }
        let mut after = lines.last().and_then(|l| l["seq"].as_u64()).unwrap_or(0);
        loop {
            let r = client.call(Method::GET, &format!("{base}?after={after}&wait=20"), vec![]).await?.json()?;
            let lines = r["lines"].as_array().cloned().unwrap_or_default();
            if !print_lines(&lines) {
                return Ok(ExitCode::SUCCESS);
            }
            after = r["next"].as_u64().unwrap_or(after);
        }
    })
}

pub(crate) fn reset(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        client.call(Method::POST, "/squall/v1/reset", vec![]).await?;
        println!("reset: every function, table, queue, topic, bucket and log is gone");
        Ok(ExitCode::SUCCESS)
    })
}

/// `squall clock advance BY`.
pub(crate) fn advance_clock(args: &ClientArgs, by: &str) -> anyhow::Result<ExitCode> {
    let duration = humantime::parse_duration(by)
        .with_context(|| format!("{by:?} is not a duration such as 90s, 15m, 25h or 2d"))?;
    let client = Client::new(args)?;
    block_on(async {
        let body = serde_json::json!({ "advanceSeconds": duration.as_secs_f64() }).to_string().into_bytes();
        let answer = client.call(Method::POST, "/squall/v1/clock", body).await?.json()?;
        let now = answer["nowMs"].as_u64().unwrap_or_default();
        println!(
            "the platform clock moved {} forward; it is now {}",
            humantime::format_duration(duration),
            squall_types::format_iso8601_millis_z(now)
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn ls(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let services = client.call(Method::GET, "/squall/v1/services", vec![]).await?.json()?;
        let functions = client.call(Method::GET, "/2015-03-31/functions/?MaxItems=10000", vec![]).await?.json()?;
        let http = services["http"].as_str().unwrap_or("");
        let mut rows = vec![[
            "SERVICE".to_string(),
            "STAGE".into(),
            "FUNCTION".into(),
            "RUNTIME".into(),
            "MEMORY".into(),
            "ROUTES".into(),
        ]];
        let configs: Vec<&Value> = functions["Functions"].as_array().into_iter().flatten().collect();
        let find = |name: &str| configs.iter().find(|c| c["FunctionName"] == name).copied();
        let mut listed = std::collections::HashSet::new();
        for s in services["services"].as_array().into_iter().flatten() {
            let (sname, stage, base) = deployment_of(s);
            for f in s["functions"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                listed.insert(f.to_string());
                let routes: Vec<String> = s["routes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| r["function"] == f)
                    .map(|r| route_text(&r["key"], http, &base))
                    .collect();
                let c = find(f);
                rows.push([
                    sname.to_string(),
                    stage.to_string(),
                    f.to_string(),
                    c.map_or("?".into(), |c| c["Runtime"].as_str().unwrap_or("?").to_string()),
                    c.map_or("?".into(), |c| format!("{} MB", c["MemorySize"])),
                    routes.join(", "),
                ]);
            }
        }
        for c in configs {
            let name = c["FunctionName"].as_str().unwrap_or("");
            if !listed.contains(name) {
                rows.push([
                    "-".into(),
                    "-".into(),
                    name.into(),
                    c["Runtime"].as_str().unwrap_or("?").into(),
                    format!("{} MB", c["MemorySize"]),
                    String::new(),
                ]);
            }
        }
        print_table(&rows);
        Ok(ExitCode::SUCCESS)
    })
}

/// A listed deployment's service name, stage (`-` for one deployed before stages) and
/// the base path of its routes.
fn deployment_of(s: &Value) -> (&str, &str, String) {
    let (name, stage) = (s["name"].as_str().unwrap_or(""), s["stage"].as_str());
    (squall_types::service_name_of(name, stage), stage.unwrap_or("-"), squall_types::base_path_of(name, stage))
}

/// `GET http://127.0.0.1:8080/hello/dev/greet/{name}` from a route key.
fn route_text(key: &Value, http: &str, base: &str) -> String {
    match key.as_str().unwrap_or("").split_once(' ') {
        Some((method, path)) => format!("{method} {http}{base}{path}"),
        None => format!("* {http}{base}/*"),
    }
}

fn print_table(rows: &[[String; 6]]) {
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0)).collect();
    for r in rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", line.join("  ").trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_become_urls() {
        let http = "http://127.0.0.1:8080";
        assert_eq!(
            route_text(&Value::from("GET /greet/{name}"), http, "/hello/dev"),
            "GET http://127.0.0.1:8080/hello/dev/greet/{name}"
        );
        assert_eq!(route_text(&Value::from("$default"), http, "/hello/dev"), "* http://127.0.0.1:8080/hello/dev/*");
        let staged = serde_json::json!({"name": "my-api-prod", "stage": "prod"});
        assert_eq!(deployment_of(&staged), ("my-api", "prod", "/my-api/prod".to_string()));
        let old = serde_json::json!({"name": "hello", "stage": null});
        assert_eq!(deployment_of(&old), ("hello", "-", "/hello".to_string()));
    }
}
